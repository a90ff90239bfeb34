"""The manifest's file: written in pieces, byte for byte what json writes, and left alone when unchanged."""

from __future__ import annotations

import json
import os

import pytest

from letters.core.files import write_atomic
from letters.pipeline import manifest
from letters.pipeline.manifest import Entry

LETTER = Entry(id="letter-anna-be", product="letter", audience="prisoner", prisoner="anna", lang="be", paper="a4",
               path="letter/be/anna.pdf", pages=1, sha256="a" * 64, title="Ліст да Ганны \"Ані\" — 1/2\n\t\u2028 \\ end", key="k" * 64, inputs="i" * 64)
BUNDLE = Entry(id="bundle-letter-be", product="letter", audience="prisoner", prisoner=None, lang="be", paper="a4",
               path="bundles/letter-be.pdf", pages=2, sha256="b" * 64, title="Усе лісты", kind="bundle",
               parts=("letter-anna-be", "letter-ivan-be"))
SKIPS = [{"prisoner": "ivan", "product": "letter", "reason": "no address"}, {"prisoner": "anna", "product": "appeal", "reason": "x"}]


def json_dumps_of(entries: list[Entry], skipped: list[dict[str, str]]) -> bytes:
    """What the manifest was before it was written in pieces: the standard library's own text."""
    return (json.dumps(manifest.document("Кампанія", entries, skipped), ensure_ascii=False, indent=2) + "\n").encode()


@pytest.mark.parametrize("entries", [[], [LETTER], [LETTER, BUNDLE], [BUNDLE, LETTER, LETTER]], ids=["none", "one", "two", "three"])
@pytest.mark.parametrize("skipped", [[], SKIPS], ids=["no-skips", "skips"])
def test_the_pieces_are_the_bytes_json_would_write(entries, skipped):
    written = b"".join(manifest.pieces("Кампанія", entries, skipped))
    assert written == json_dumps_of(entries, skipped)
    assert json.loads(written)["documents"] == [manifest.as_json(e) for e in sorted(entries, key=lambda e: e.path)]


def test_a_large_manifest_comes_one_document_at_a_time():
    entries = [Entry(**{**manifest.as_json(LETTER), "id": f"letter-{i}", "path": f"letter/be/{i:05d}.pdf", "parts": ()}) for i in range(500)]
    pieces = list(manifest.pieces("Кампанія", entries, []))
    assert len(pieces) == 502  # the frame's head, a piece per document, its tail
    assert max(len(p) for p in pieces) < 1000
    assert b"".join(pieces) == json_dumps_of(entries, [])


def test_an_unchanged_manifest_is_not_touched_and_a_changed_one_is_replaced(tmp_path):
    first = manifest.write_manifest(tmp_path, "Кампанія", [LETTER], SKIPS, unless="")
    path = tmp_path / manifest.MANIFEST
    assert first == manifest.sha256(path.read_bytes())
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert manifest.write_manifest(tmp_path, "Кампанія", [LETTER], SKIPS, unless=first) == first
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert manifest.read_with_digest(tmp_path) == (json.loads(path.read_bytes()), first)
    second = manifest.write_manifest(tmp_path, "Кампанія", [LETTER, BUNDLE], SKIPS, unless=first)
    assert second != first and second == manifest.sha256(path.read_bytes())
    assert path.stat().st_mtime_ns != 1_000_000_000
    assert [p.name for p in tmp_path.iterdir()] == [manifest.MANIFEST]  # no staged file left behind


def test_a_manifest_that_is_not_json_has_a_digest_but_no_content(tmp_path):
    (tmp_path / manifest.MANIFEST).write_bytes(b"{not json")
    assert manifest.read_with_digest(tmp_path) == (None, manifest.sha256(b"{not json"))
    assert manifest.read_with_digest(tmp_path / "nowhere") == (None, None)


def test_a_write_in_pieces_that_fails_leaves_the_old_file(tmp_path):
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")

    def pieces():
        yield b"new, half"
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        write_atomic(target, pieces())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
