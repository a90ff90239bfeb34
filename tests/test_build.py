"""Whole builds: the manifest contract, reproducible bytes, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from letters.api import build_campaign
from letters.pipeline.manifest import read_manifest

from .conftest import CAMPAIGNS, documents

REQUIRED = {"product", "audience", "prisoner", "lang", "path", "pages", "sha256"}


def test_manifest_lists_every_document_with_the_contract_fields(minimal_build):
    manifest = read_manifest(minimal_build.out_dir)
    docs = [d for d in manifest["documents"] if d["kind"] == "document"]
    assert len(docs) == 10
    on_disk = {p.relative_to(minimal_build.out_dir).as_posix() for p in minimal_build.out_dir.rglob("*.pdf")}
    assert {d["path"] for d in manifest["documents"]} == on_disk
    for doc in docs:
        assert set(doc) >= REQUIRED
        assert doc["audience"] == {"letter": "prisoner", "writer-sheet": "volunteer", "appeal": "authority"}[doc["product"]]
        data = (minimal_build.out_dir / doc["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == doc["sha256"]
    skipped = {(s["prisoner"], s["product"]) for s in manifest["skipped"]}
    assert ("olga-vypushchana", "letter") in skipped and ("olga-vypushchana", "appeal") in skipped


def test_released_people_get_nothing(minimal_build):
    assert not documents(minimal_build, prisoner="olga-vypushchana")
    assert not list(minimal_build.out_dir.rglob("olga-vypushchana*"))


def _build_in_subprocess(out):
    env = {**os.environ}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run([sys.executable, "-m", "letters.cli", "build", str(CAMPAIGNS / "minimal"), "-o", str(out), "-q"],
                   check=True, env=env, capture_output=True)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def test_two_builds_in_separate_processes_give_identical_bytes(tmp_path):
    first = _build_in_subprocess(tmp_path / "one")
    second = _build_in_subprocess(tmp_path / "two")
    # 10 documents, 6 bundles (letter, writer-sheet, appeal; 3 people), the manifest
    assert first.keys() == second.keys() and len(first) == 17
    for name in first:
        assert first[name] == second[name], f"{name} differs between builds"


def test_a_failed_document_never_replaces_a_good_one(campaign, tmp_path):
    root = campaign("minimal")
    out = tmp_path / "out"
    assert build_campaign(root, out, products=["letter"]).ok
    good = (out / "letter" / "alena-testava-be.pdf").read_bytes()
    (root / "templates" / "letter").mkdir(parents=True)
    (root / "templates" / "letter" / "solidarity.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    result = build_campaign(root, out, products=["letter"])
    assert {f.subject for f in result.failures} == {"letter-alena-testava-be", "letter-alena-testava-ru"}
    assert "no_such_variable" in result.failures[0].message
    assert (out / "letter" / "alena-testava-be.pdf").read_bytes() == good
    assert [p.name for p in (out / "letter").iterdir() if p.name.startswith(".")] == []  # no temp files left
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {d["path"] for d in manifest["documents"]} == {"letter/alena-testava-be.pdf", "letter/alena-testava-ru.pdf"}
