"""Batch builds: chunk splitting, incremental rebuilds, stale outputs, lock, shards, kill recovery."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader

from letters.api import build_campaign
from letters.core.errors import LettersError
from letters.core.templates import template_dirs
from letters.data.load import load_campaign
from letters.pipeline import compose
from letters.pipeline.engine import build_lock, shard_of
from letters.pipeline.manifest import read_manifest
from letters.pipeline.plan import plan
from letters.pipeline.render import Renderer

from .conftest import CAMPAIGNS, pdf_text
from .fakes import lock_held_elsewhere


def test_a_chunk_splits_into_documents_identical_to_single_renders():
    data = load_campaign(CAMPAIGNS / "minimal")
    jobs = [j for j in plan(data)[0] if j.product.name == "appeal" and j.lang == "en"]
    composer = compose.Composer(data)
    htmls = [composer.html(j) for j in jobs]
    roots = [data.root, *template_dirs(data.root)]
    renderer = Renderer.shared()
    chunk = renderer.render_many(htmls, data.root, roots)
    assert len(chunk) == len(jobs) == 3
    for html, (pdf, pages), job in zip(htmls, chunk, jobs, strict=True):
        single, single_pages = renderer.render(html, data.root, roots)
        assert pdf == single and pages == single_pages == 1
        name = data.prisoners[job.prisoner_id].names.latin
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert f"{name.first} {name.last}" in text
        others = [data.prisoners[j.prisoner_id].names.latin.last for j in jobs if j is not job]
        assert not any(o in text for o in others)


def test_incremental_rebuilds_render_only_what_changed(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    first = build_campaign(root, out, jobs=1)
    assert (first.rendered, first.reused) == (10, 0)
    again = build_campaign(root, out, jobs=1)
    assert (again.rendered, again.reused) == (0, 10)
    # one profile: only that person's documents
    profile = root / "prisoners" / "pavel-zabaroneny.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("sentence: {years: 7}", "sentence: {years: 8}"), encoding="utf-8")
    edited = build_campaign(root, out, jobs=1)
    assert (edited.rendered, edited.reused) == (2, 8)
    assert "8 years" in pdf_text(out / "appeal" / "pavel-zabaroneny-en.pdf")
    # a template: only what uses it
    (root / "templates" / "letter").mkdir(parents=True)
    (root / "templates" / "letter" / "solidarity.html").write_text(
        '{% extends "builtin:letter/solidarity.html" %}{% block body %}{{ super() }}<p>Да сустрэчы!</p>{% endblock %}', encoding="utf-8")
    templated = build_campaign(root, out, jobs=1)
    assert (templated.rendered, templated.reused) == (2, 8)
    forced = build_campaign(root, out, jobs=1, force=True)
    assert (forced.rendered, forced.reused) == (10, 0)


def test_outputs_of_people_no_longer_in_the_campaign_are_removed(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    build_campaign(root, out, jobs=1)
    assert (out / "letter" / "alena-testava-be.pdf").exists()
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("status: imprisoned", "status: released"), encoding="utf-8")
    result = build_campaign(root, out, jobs=1)
    # her 6 documents, her bundle, and the letter and writer-sheet bundles (nobody else gets those)
    assert result.removed == 9
    assert not list(out.rglob("alena-testava*"))
    assert not (out / "bundles" / "letter.pdf").exists()
    assert not [d for d in read_manifest(out)["documents"] if d["prisoner"] == "alena-testava"]


def test_parallel_build_equals_serial_build(tmp_path):
    serial = build_campaign(CAMPAIGNS / "minimal", tmp_path / "serial", jobs=1)
    parallel = build_campaign(CAMPAIGNS / "minimal", tmp_path / "parallel", jobs=2)
    assert serial.ok and parallel.ok
    assert (tmp_path / "serial" / "manifest.json").read_bytes() == (tmp_path / "parallel" / "manifest.json").read_bytes()


def test_a_second_build_on_the_same_folder_is_refused(tmp_path):
    with build_lock(tmp_path), pytest.raises(LettersError, match="another build is writing to"):
        build_campaign(CAMPAIGNS / "minimal", tmp_path, jobs=1)


def test_shards_merge_to_the_same_set_as_an_unsharded_build(tmp_path):
    from letters.api import merge_builds

    whole = build_campaign(CAMPAIGNS / "minimal", tmp_path / "whole", jobs=1)
    shards = [build_campaign(CAMPAIGNS / "minimal", tmp_path / f"s{k}", jobs=1, shard=(k, 3)) for k in (1, 2, 3)]
    assert sum(len(s.entries) for s in shards) == len([e for e in whole.entries if e.kind == "document"])
    assert all(shard_of(e.id, 3) == k for k, s in zip((1, 2, 3), shards, strict=True) for e in s.entries)
    merge_builds(tmp_path / "merged", [tmp_path / f"s{k}" for k in (1, 2, 3)])
    assert read_manifest(tmp_path / "merged") == read_manifest(tmp_path / "whole")


def test_a_killed_build_leaves_no_partial_pdf_and_the_next_one_finishes(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    command = [sys.executable, "-m", "letters.cli", "build", str(root), "-o", str(out), "-j", "1", "-q"]
    process = subprocess.Popen(command, env={**os.environ}, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(out.rglob("*.pdf")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for pdf in out.rglob("*.pdf"):
        assert PdfReader(pdf).pages, f"{pdf} is corrupt"
    after = build_campaign(root, out, jobs=1)
    assert after.ok and after.rendered + after.reused == 10
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert len([d for d in read_manifest(out)["documents"] if d["kind"] == "document"]) == 10


def test_a_build_started_while_another_runs_is_refused(tmp_path):
    from click.testing import CliRunner

    from letters.cli import main

    with lock_held_elsewhere(tmp_path) as pid:
        result = CliRunner().invoke(main, ["build", str(CAMPAIGNS / "minimal"), "-o", str(tmp_path)])
        assert result.exit_code == 1
        assert f"another build is writing to {tmp_path} (pid {pid})" in result.output
        assert not list(tmp_path.rglob("*.pdf"))


def test_merge_refuses_broken_or_repeated_shards_and_leaves_the_output_alone(tmp_path):
    from letters.api import merge_builds
    from letters.core.errors import LettersError

    shard = tmp_path / "s1"
    build_campaign(CAMPAIGNS / "minimal", shard, jobs=1, shard=(1, 2))
    with pytest.raises(LettersError, match="the same shard is given twice"):
        merge_builds(tmp_path / "out", [shard, shard])
    (tmp_path / "empty").mkdir()
    with pytest.raises(LettersError, match=r"no manifest\.json"):
        merge_builds(tmp_path / "out", [shard, tmp_path / "empty"])
    next(shard.rglob("*.pdf")).unlink()
    with pytest.raises(LettersError, match="listed in the manifest but missing"):
        merge_builds(tmp_path / "out", [shard])
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_force_rebuilds_bundles_and_a_fetched_file_is_part_of_the_cache_key(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    build_campaign(root, out, ["letter"], jobs=1)
    (out / "bundles" / "letter.pdf").write_bytes(b"garbage")
    build_campaign(root, out, ["letter"], jobs=1, force=True)
    assert (out / "bundles" / "letter.pdf").read_bytes().startswith(b"%PDF")
    # a picture a campaign template fetches (on the writer's sheet): changing it re-renders
    (root / "templates" / "sheet").mkdir(parents=True)
    (root / "templates" / "sheet" / "writer.html").write_text(
        '{% extends "builtin:sheet/writer.html" %}{% block body %}{{ super() }}'
        '<div style="height: 5mm; background: url(templates/sheet/mark.svg)"></div>{% endblock %}', encoding="utf-8")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="{}"/></svg>'
    (root / "templates" / "sheet" / "mark.svg").write_text(svg.format("red"), encoding="utf-8")
    first = build_campaign(root, out, ["writer-sheet"], jobs=1)
    (root / "templates" / "sheet" / "mark.svg").write_text(svg.format("blue"), encoding="utf-8")
    second = build_campaign(root, out, ["writer-sheet"], jobs=1)
    assert first.ok and (second.rendered, second.reused) == (2, 0)
