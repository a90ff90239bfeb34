"""The manifest, the output contract that scripts and tests rely on.

`DIR/manifest.json` lists every document with its product, audience, prisoner,
language, path (relative to DIR), format, page count and sha256; no timestamps,
so the same inputs give the same manifest. Every path read from a manifest goes
through `core.files.inside` before anything is read, written or deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import LettersError
from ..core.files import inside, write_atomic

MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)  # slots: a 10,000-person build holds 110,000 of them
class Entry:
    id: str
    product: str
    audience: str
    prisoner: str | None
    lang: str
    paper: str
    path: str
    pages: int
    sha256: str
    title: str
    key: str = ""  # hash of everything that determines the PDF; equal key, no re-render
    kind: str = "document"  # or "bundle": documents merged for printing in one go; "pack": a volunteer's
    parts: tuple[str, ...] = ()  # a bundle's documents (ids), in order
    format: str = "pdf"  # the output it is written in: pdf, png (see pipeline/outputs)
    inputs: str = ""  # hash of the files and settings its HTML is made from (pipeline/cache.py)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document(campaign: str, entries: list[Entry], skipped: list[dict[str, str]]) -> dict[str, Any]:
    """The manifest as JSON data: documents sorted by path, skips by person and product."""
    return {
        "campaign": campaign,
        "documents": [as_json(e) for e in sorted(entries, key=lambda e: e.path)],
        "skipped": sorted(skipped, key=lambda s: (s["prisoner"], s["product"])),
    }


FIELDS = tuple(Entry.__dataclass_fields__)


def as_json(entry: Entry) -> dict[str, Any]:
    """An entry as the manifest lists it; `dataclasses.asdict`, which copies every value
    deeply, took half a second for 12,000 entries."""
    found = {name: getattr(entry, name) for name in FIELDS}
    found["parts"] = list(entry.parts)
    return found


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


_MARK = "\0documents\0"  # where the documents go in the manifest's frame
_FIELD = ",\n      "  # between two fields of a document, two levels in


def _document_json(entry: Entry) -> str:
    """One document as `_json` writes it two levels in. json with `indent` runs in Python
    (0.3 s for 11,000 documents here); without it, in C, with the line breaks given as
    separators, which is the same text for a document's flat fields. A bundle's parts, a
    nested list, go the slow way."""
    if entry.parts:
        return _json(as_json(entry)).replace("\n", "\n    ")
    return "{\n      " + json.dumps(as_json(entry), ensure_ascii=False, separators=(_FIELD, ": "))[1:-1] + "\n    }"


def pieces(campaign: str, entries: list[Entry], skipped: list[dict[str, str]]) -> Iterator[bytes]:
    """The manifest's bytes, one document at a time: the bytes of `_json(document(...))`
    and a newline, without holding them. json with `indent` joins a list of every piece of
    the text: for 110,000 documents 74 MB of JSON took 440 MB while it was made."""
    ordered = sorted(entries, key=lambda e: e.path)
    frame = _json(document(campaign, [], skipped) | {"documents": [_MARK]})
    head, tail = frame.split(json.dumps(_MARK), 1) if ordered else (_json(document(campaign, [], skipped)), "")
    yield head.encode("utf-8")
    for i, entry in enumerate(ordered):
        yield (",\n    " * bool(i) + _document_json(entry)).encode("utf-8")
    yield (tail + "\n").encode("utf-8")


def write_manifest(out_dir: Path, campaign: str, entries: list[Entry], skipped: list[dict[str, str]],
                   unless: str | None = None) -> str | None:
    """Write the manifest atomically, documents sorted by path. `unless`: the sha256 of the
    manifest on disk; when the new one is the same, the file is left as it was."""
    return write_atomic(Path(out_dir) / MANIFEST, pieces(campaign, entries, skipped), unless)


def read_with_digest(out_dir: Path) -> tuple[Any, str | None]:
    """The manifest in out_dir as read (None if there is none, or it is not JSON) and its sha256."""
    try:
        raw = (Path(out_dir) / MANIFEST).read_bytes()
    except OSError:
        return None, None
    try:
        return json.loads(raw.decode("utf-8")), sha256(raw)
    except ValueError:
        return None, sha256(raw)


def read_manifest(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))


def is_ours(out_dir: Path, found: Any = None) -> bool:
    """Whether DIR/manifest.json is one letters wrote (or there is none): a JSON object with
    the campaign's title and a list of documents, each with an id, a path and a sha256.
    `found`: the manifest already read from it (at N = 1000 a read takes 0.1 s)."""
    path = Path(out_dir) / MANIFEST
    if not path.exists() and not path.is_symlink():
        return True
    if path.is_symlink() or not path.is_file():
        return False
    try:
        found = read_manifest(out_dir) if found is None else found
        documents = found["documents"]
        return isinstance(found.get("campaign"), str) and isinstance(documents, list) and all(
            isinstance(d, dict) and {"id", "path", "sha256"} <= d.keys() for d in documents)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def refuse_foreign(out_dir: Path, force: bool = False, found: Any = None) -> None:
    """Never write over a manifest.json that letters did not write, unless forced."""
    if not force and not is_ours(out_dir, found):
        raise LettersError(
            f"{Path(out_dir) / MANIFEST} was not written by letters; choose another output folder, "
            f"or remove it (a build replaces it with --force)"
        )


def entry_from(document: dict[str, Any]) -> Entry:
    """An entry read back from a manifest (a list of parts comes back from JSON as a list)."""
    return Entry(**{**document, "parts": tuple(document.get("parts", ()))})


def _shard_documents(shard: Path) -> tuple[dict[str, Any], list[tuple[Entry, bytes]]]:
    """A shard's manifest and documents, every file checked before anything is copied."""
    try:
        manifest = read_manifest(shard)
        entries = [entry_from(doc) for doc in manifest["documents"]]
        skipped = list(manifest["skipped"])
    except OSError:
        raise LettersError(f"{shard}: no {MANIFEST}; is it the output folder of `letters build --shard`?") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise LettersError(f"{shard / MANIFEST}: not a letters manifest ({exc})") from None
    out = []
    for entry in entries:
        path = inside(shard, entry.path, f"{shard / MANIFEST}: the path")
        try:
            data = path.read_bytes()
        except OSError:
            raise LettersError(f"{path}: listed in the manifest but missing; build that shard again") from None
        if sha256(data) != entry.sha256:
            raise LettersError(f"{path}: does not match its manifest's sha256")
        out.append((entry, data))
    return {"campaign": manifest.get("campaign", ""), "skipped": skipped}, out


def merge_outputs(out_dir: Path, shard_dirs: list[Path]) -> int:
    """Copy every shard's documents into out_dir and write one manifest listing them all.

    All shards are read and checked first: a broken shard leaves out_dir untouched.
    """
    if len({Path(s).resolve() for s in shard_dirs}) != len(shard_dirs):
        raise LettersError("the same shard is given twice")
    shards = [(shard, *_shard_documents(Path(shard))) for shard in shard_dirs]
    campaigns = {info["campaign"] for _, info, _ in shards}
    if len(campaigns) > 1:
        raise LettersError(f"the shards come from different campaigns: {', '.join(sorted(campaigns))}")
    refuse_foreign(Path(out_dir))
    entries: dict[str, Entry] = {}
    skipped: dict[tuple[str, str], dict[str, str]] = {}
    copies: list[tuple[Path, bytes]] = []
    for shard, info, documents in shards:  # every target is checked before anything is written
        for entry, data in documents:
            if Path(shard).resolve() != Path(out_dir).resolve():
                copies.append((inside(out_dir, entry.path, f"{shard / MANIFEST}: the path"), data))
            entries[entry.id] = entry
        for skip in info["skipped"]:
            skipped[(skip["prisoner"], skip["product"])] = skip
    for target, data in copies:
        write_atomic(target, data)
    write_manifest(out_dir, campaigns.pop() if campaigns else "", list(entries.values()), list(skipped.values()))
    return len(entries)
