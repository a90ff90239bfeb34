"""The batch engine's own behaviours, against a fast fake renderer (tests/fakes.py).

Loading, planning, composing and the lint are real; only the renderer is fake,
so each build takes milliseconds. The same behaviours with WeasyPrint are in
test_batch.py.

The minimal campaign makes 10 documents: alena-testava's 2 letters and 2
writer's sheets, and an appeal in en and ru for alena-testava, ivan-prykladny
and pavel-zabaroneny (olga-vypushchana is released: nothing), and 6 bundles.
"""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
import pytest

from letters.api import build_campaign, merge_builds
from letters.core.errors import LettersError
from letters.core.templates import builtin_templates_dir
from letters.data.load import load_campaign
from letters.pipeline import cache, engine, lint
from letters.pipeline.compose import Composer
from letters.pipeline.engine import BuildResult, shard_of
from letters.pipeline.manifest import read_manifest, sha256
from letters.pipeline.plan import Job, plan

from .fakes import (
    FAIL_MARKER,
    LOG_VARIABLE,
    WARM_UP,
    InterruptAfter,
    Interrupted,
    fake_render,
    lock_held_elsewhere,
    log_lines,
    rendered_titles,
)

DOCUMENTS = 10
BUNDLES = 6
ALENA_SHEETS = {"writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}  # her bio shows only there
FAILING = "appeal-alena-testava-ru"  # the only document that shows her role in Russian (role.ru)


# ------------------------------------------------------------------ helpers


def build(root: Path, out: Path, **options) -> BuildResult:
    """A build with the fake renderer, in this process unless jobs= says otherwise."""
    return build_campaign(root, out, **{"jobs": 1, "render": fake_render, **options})


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake renderer's log: one line per rendered document (pool workers inherit the variable)."""
    path = tmp_path / "render.log"
    monkeypatch.setenv(LOG_VARIABLE, str(path))
    return path


def rendered(log: Path, result: BuildResult) -> set[str]:
    """The ids of the documents rendered since the last call (the log is cleared), by their titles."""
    ids = {e.title: e.id for e in result.entries}
    titles = rendered_titles(log)
    log.unlink(missing_ok=True)
    assert len(titles) == len(set(titles)), "a document was rendered twice in one build"
    return {ids.get(t, t) for t in titles}


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a campaign file; the text must be there, so a stale fixture fails loudly."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def files(out: Path) -> dict[str, bytes]:
    """Every output file of a folder (PDFs and the manifest), by relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != engine.LOCK}


def checked_manifest(out: Path) -> list[dict]:
    """The manifest's entries, each checked against its file: present, the same sha256, a readable PDF."""
    entries = read_manifest(out)["documents"]
    for e in entries:
        data = (out / e["path"]).read_bytes()
        assert sha256(data) == e["sha256"], f"{e['path']} does not match its manifest entry"
        with pikepdf.open(out / e["path"]) as pdf:
            assert len(pdf.pages) == e["pages"]
    return entries


def documents(out: Path) -> dict[str, dict]:
    """The manifest's documents (not bundles), by id."""
    return {e["id"]: e for e in read_manifest(out)["documents"] if e["kind"] == "document"}


# ------------------------------------------------------------------ tests


def test_a_build_writes_every_planned_document_and_a_manifest_true_to_the_files(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    result = build(root, out)
    assert result.ok, result.failures
    assert (result.rendered, result.reused, result.removed, result.bundles) == (DOCUMENTS, 0, 0, BUNDLES)
    planned = {job.doc_id for job in plan(load_campaign(root))[0]}
    assert len(planned) == DOCUMENTS
    assert set(documents(out)) == planned
    assert rendered(log, result) == planned  # each rendered once, none skipped
    entries = checked_manifest(out)
    assert len(entries) == DOCUMENTS + BUNDLES
    assert {p for p in files(out) if p.endswith(".pdf")} == {e["path"] for e in entries}  # no file unlisted
    assert not list(out.rglob("olga-vypushchana*"))  # released: she gets nothing
    assert {s["prisoner"] for s in read_manifest(out)["skipped"]} >= {"olga-vypushchana", "pavel-zabaroneny"}


def test_a_second_build_reuses_everything_and_an_edited_bio_rerenders_only_what_shows_it(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    first = build(root, out)
    before = files(out)
    rendered(log, first)

    again = build(root, out)
    assert (again.rendered, again.reused) == (0, DOCUMENTS)
    assert rendered(log, again) == set()
    assert files(out) == before  # not a byte changed, the manifest included

    edit(root / "prisoners" / "alena-testava.yaml", "Likes gardens", "Likes rivers")
    edited = build(root, out)
    assert edited.ok
    assert (edited.rendered, edited.reused) == (2, DOCUMENTS - 2)
    assert rendered(log, edited) == ALENA_SHEETS
    after = files(out)
    changed = {path for path in before if after.get(path) != before[path]}
    assert changed == {"writer-sheet/alena-testava-be.pdf", "writer-sheet/alena-testava-ru.pdf", "manifest.json",
                       "bundles/writer-sheet.pdf", "bundles/people/alena-testava.pdf"}
    checked_manifest(out)


def test_a_deleted_output_is_rendered_again(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    rendered(log, build(root, out))
    (out / "appeal" / "ivan-prykladny-en.pdf").unlink()
    result = build(root, out)
    assert (result.rendered, result.reused) == (1, DOCUMENTS - 1)
    assert rendered(log, result) == {"appeal-ivan-prykladny-en"}
    checked_manifest(out)


def test_an_output_changed_since_the_build_is_made_again_and_one_only_touched_is_reused(campaign, tmp_path, log):
    """The manifest says which bytes each file holds: a damaged or edited PDF is not
    reused (nor merged into a bundle) as if it were that file."""
    root, out = campaign("minimal"), tmp_path / "out"
    first = build(root, out)
    rendered(log, first)
    damaged, touched = out / "letter" / "alena-testava-be.pdf", out / "letter" / "alena-testava-ru.pdf"
    good = damaged.read_bytes()
    damaged.write_bytes(good[: len(good) // 2])
    os.utime(touched)  # newer than the manifest, the same bytes
    again = build(root, out)
    assert rendered(log, again) == {"letter-alena-testava-be"}
    assert damaged.read_bytes() == good
    assert {e["path"]: e["sha256"] for e in checked_manifest(out)} == {e.path: e.sha256 for e in first.entries}


def test_a_killed_builds_half_written_files_are_removed_by_the_next_build(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    build(root, out)
    debris = [out / ".manifest.json.k2j4h5l6.part", out / "letter" / ".alena-testava-be.pdf.q1w2e3r4.part"]
    for path in debris:
        path.write_bytes(b"half")
    mine = out / "letter" / "notes.part"  # not a name a build gives its temporary files
    mine.write_text("the organizer's", encoding="utf-8")
    build(root, out)
    assert not any(path.exists() for path in debris)
    assert mine.read_text(encoding="utf-8") == "the organizer's"


def test_force_renders_everything_again_to_the_same_bytes(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    first = build(root, out)
    before = files(out)
    rendered(log, first)
    forced = build(root, out, force=True)
    assert (forced.rendered, forced.reused) == (DOCUMENTS, 0)
    assert len(rendered(log, forced)) == DOCUMENTS
    assert files(out) == before  # the fake is deterministic, and so is the engine around it


def test_a_failing_document_fails_alone_and_its_last_good_file_stays(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    good = build(root, out)
    assert good.ok
    path = out / "appeal" / "alena-testava-ru.pdf"
    old_file, old_entry = path.read_bytes(), documents(out)[FAILING]
    rendered(log, good)

    profile = root / "prisoners" / "alena-testava.yaml"
    edit(profile, "ru: вымышленный библиотекарь", f"ru: вымышленный библиотекарь {FAIL_MARKER}")
    broken = build(root, out, force=True)  # force: its chunk-mates (the other ru appeals) render with it
    assert [(f.subject, f.file, f.code) for f in broken.failures] == [(FAILING, "appeal/alena-testava-ru.pdf", "render")]
    assert "fake failure" in broken.failures[0].message  # the renderer's failure, not the lint's refusal
    assert len(rendered(log, broken)) == DOCUMENTS  # it was tried, with all the others
    assert broken.rendered == DOCUMENTS - 1
    assert path.read_bytes() == old_file
    assert documents(out)[FAILING] == old_entry  # still listed, as it was
    assert set(documents(out)) == {e.id for e in good.entries if e.kind == "document"}
    checked_manifest(out)

    edit(profile, f" {FAIL_MARKER}", "")
    fixed = build(root, out)
    assert fixed.ok
    assert (fixed.rendered, fixed.reused) == (0, DOCUMENTS)  # back to the HTML of the file it kept


def test_a_document_failing_on_its_first_build_leaves_no_file_and_no_entry(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    edit(root / "prisoners" / "alena-testava.yaml", "ru: вымышленный библиотекарь", f"ru: {FAIL_MARKER}")
    result = build(root, out)
    assert [f.subject for f in result.failures] == [FAILING]
    assert result.rendered == DOCUMENTS - 1
    assert not (out / "appeal" / "alena-testava-ru.pdf").exists()
    assert FAILING not in documents(out)
    parts = {e["id"]: e["parts"] for e in checked_manifest(out) if e["kind"] == "bundle"}
    assert FAILING not in parts["bundle-appeal"] and FAILING not in parts["bundle-alena-testava"]


def test_a_person_removed_from_the_campaign_loses_every_output(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    rendered(log, build(root, out))
    assert (out / "bundles" / "people" / "ivan-prykladny.pdf").exists()
    (root / "prisoners" / "ivan-prykladny.yaml").unlink()
    result = build(root, out)
    assert result.ok
    assert result.removed == 3  # his 2 appeals and his bundle
    assert (result.rendered, result.reused) == (0, DOCUMENTS - 2)
    assert rendered(log, result) == set()
    assert not list(out.rglob("ivan-prykladny*"))
    assert not [e for e in checked_manifest(out) if e["prisoner"] == "ivan-prykladny"]
    assert not [e["id"] for e in read_manifest(out)["documents"] if "ivan-prykladny" in " ".join(e["parts"])]  # bundles


def test_a_build_is_refused_while_another_process_holds_the_lock(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    with lock_held_elsewhere(out) as pid:
        with pytest.raises(LettersError, match=rf"another build is writing to .*\(pid {pid}\)"):
            build(root, out)
        assert rendered_titles(log) == []
        assert not list(out.rglob("*.pdf")) and not (out / "manifest.json").exists()
    assert build(root, out).ok  # the OS freed the lock of the killed holder


def test_shards_merge_into_exactly_the_documents_of_a_whole_build(campaign, tmp_path):
    root = campaign("minimal")
    whole = build(root, tmp_path / "whole")
    shards = [build(root, tmp_path / f"shard-{k}", shard=(k, 2)) for k in (1, 2)]
    for k, shard in enumerate(shards, start=1):
        assert shard.ok and shard.entries, "a shard of the fixture should not be empty"
        assert all(shard_of(e.id, 2) == k for e in shard.entries)
        assert shard.bundles == 0 and not (shard.out_dir / "bundles").exists()  # `merge` makes them
        checked_manifest(shard.out_dir)
    assert merge_builds(tmp_path / "merged", [s.out_dir for s in shards]) == DOCUMENTS
    merged = checked_manifest(tmp_path / "merged")
    assert {(e["id"], e["sha256"]) for e in merged if e["kind"] == "document"} == {
        (e.id, e.sha256) for e in whole.entries if e.kind == "document"}
    assert len([e for e in merged if e["kind"] == "bundle"]) == BUNDLES
    assert read_manifest(tmp_path / "merged") == read_manifest(tmp_path / "whole")


def test_shards_built_into_one_folder_leave_each_other_alone(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    first = build(root, out, shard=(1, 2))
    second = build(root, out, shard=(2, 2))
    assert first.ok and second.ok and second.removed == 0
    assert len(documents(out)) == DOCUMENTS
    checked_manifest(out)


def test_a_rebuilt_shard_drops_documents_that_are_no_longer_planned(campaign, tmp_path):
    """Her correspondence is now banned: no letter may reach her, by a whole build or by shards."""
    root = campaign("minimal")
    shards = [tmp_path / f"shard-{k}" for k in (1, 2)]
    for k, folder in enumerate(shards, start=1):
        build(root, folder, shard=(k, 2))
    edit(root / "prisoners" / "alena-testava.yaml", "correspondence: open", "correspondence: banned")
    for k, folder in enumerate(shards, start=1):
        build(root, folder, shard=(k, 2))
    merge_builds(tmp_path / "merged", shards)
    whole = build(root, tmp_path / "whole")
    assert not [e for e in whole.entries if e.product == "letter"]
    assert set(documents(tmp_path / "merged")) == set(documents(tmp_path / "whole"))


def test_a_pool_writes_the_same_bytes_as_one_process(campaign, tmp_path, log):
    root = campaign("minimal")
    serial = build(root, tmp_path / "serial", jobs=1)
    rendered(log, serial)
    pooled = build(root, tmp_path / "pooled", jobs=2)  # 6 chunks (one per layout) over 2 spawned workers
    assert pooled.ok and pooled.rendered == DOCUMENTS
    assert os.getpid() not in {pid for pid, _ in log_lines(log)}  # rendered in the workers...
    assert len(rendered(log, pooled)) == DOCUMENTS  # ...each document once
    assert files(tmp_path / "pooled") == files(tmp_path / "serial")


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "pool"])
def test_the_announcement_comes_once_before_the_first_render_and_never_when_nothing_renders(campaign, tmp_path, log, jobs):
    root, out, heard = campaign("minimal"), tmp_path / "out", []

    def announce() -> None:
        heard.append(log.exists())  # whether anything was rendered (logged) before it

    assert build(root, out, jobs=jobs, announce=announce).rendered == DOCUMENTS
    assert heard == [False]  # once, before the first document
    heard.clear()
    assert build(root, out, jobs=jobs, announce=announce).rendered == 0
    assert heard == []


def test_a_worker_is_replaced_after_its_share_of_chunks(campaign, tmp_path, log, monkeypatch):
    """A worker's heap only grows, so after CHUNKS_PER_WORKER chunks a new one takes its place;
    the build goes on and writes the same files."""
    root = campaign("minimal")
    serial = build(root, tmp_path / "serial", jobs=1)
    log.unlink()
    monkeypatch.setattr(engine, "CHUNKS_PER_WORKER", 2)
    pooled = build(root, tmp_path / "pooled", jobs=2, chunk_size=1)  # 10 chunks, at most 2 a worker
    workers = {pid for pid, _ in log_lines(log)}
    assert pooled.ok and pooled.rendered == DOCUMENTS == serial.rendered
    assert len(workers) >= DOCUMENTS // 2 and os.getpid() not in workers
    assert files(tmp_path / "pooled") == files(tmp_path / "serial")


def test_workers_start_before_composing_only_when_there_is_much_to_compose(campaign, tmp_path, log, monkeypatch):
    """A cold build with much to compose starts every worker first, on an empty chunk (so
    they load WeasyPrint while the HTML is made); a rebuild after one bio edit starts none."""
    root, out = campaign("minimal"), tmp_path / "out"
    monkeypatch.setattr(engine, "WARM_START_DOCUMENTS", DOCUMENTS)  # the minimal campaign's 10 are "much"
    first = build(root, out, jobs=2)
    lines = log_lines(log)
    warmed = [pid for pid, title in lines if title == WARM_UP]
    assert first.ok and first.rendered == DOCUMENTS
    assert len(set(warmed)) == 2 and os.getpid() not in warmed  # both workers, neither of them this process
    assert {pid for pid, title in lines if title != WARM_UP} <= set(warmed)  # the same workers then rendered
    log.unlink()
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("bio:", "bio: Edited.", 1), encoding="utf-8")
    again = build(root, out, jobs=2)
    assert again.ok and 0 < again.rendered < engine.WARM_START_DOCUMENTS
    assert WARM_UP not in rendered_titles(log)


@pytest.mark.parametrize("save_every", [0.0, engine.SAVE_EVERY_SECONDS], ids=["saved-each-chunk", "saved-each-second"])
@pytest.mark.parametrize("stopped_in", ["render", "write"])
def test_an_interrupted_build_lists_only_written_files_and_the_next_renders_the_rest(
        campaign, tmp_path, log, monkeypatch, save_every, stopped_in):
    """A real SIGKILL is in test_batch.py; here the build stops (as on Ctrl-C) after 4 documents
    in one-document chunks: in the renderer, or in the writer of the 5th document. With saves
    once a second a fast build may not have saved yet; then the next build trusts none of
    the files it finds and renders them again."""
    root, out = campaign("minimal"), tmp_path / "out"
    with monkeypatch.context() as patch, pytest.raises(Interrupted):
        patch.setattr(engine, "SAVE_EVERY_SECONDS", save_every)
        if stopped_in == "write":
            patch.setattr(engine, "write_atomic", InterruptAfter(4, engine.write_atomic))
        build(root, out, chunk_size=1, render=InterruptAfter(4) if stopped_in == "render" else fake_render)
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert len(list(out.rglob("*.pdf"))) == 4
    listed = checked_manifest(out) if (out / "manifest.json").exists() else []
    if save_every == 0.0:
        assert len(listed) == 4  # saved after each chunk: every written file is listed, and no other
    log.unlink()

    after = build(root, out)  # the lock was freed on the way out
    assert after.ok
    assert (after.rendered, after.reused) == (DOCUMENTS - len(listed), len(listed))
    assert rendered(log, after) == {e.id for e in after.entries if e.kind == "document"} - {e["id"] for e in listed}
    assert len(checked_manifest(out)) == DOCUMENTS + BUNDLES


def test_a_rebuild_with_nothing_changed_does_not_rewrite_the_manifest(campaign, tmp_path):
    root, out = campaign("minimal"), tmp_path / "out"
    build(root, out)
    before = (out / "manifest.json").stat()
    again = build(root, out)
    assert (again.rendered, again.reused) == (0, DOCUMENTS)
    after = (out / "manifest.json").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # the same file, untouched


def test_an_output_replaced_by_a_link_out_of_the_folder_is_not_taken_for_a_previous_output(campaign, tmp_path):
    """Outputs found as plain files are trusted without resolving their paths; a link is
    not a plain file, and goes through `inside` as before: out of the folder, it is not ours."""
    root, out = campaign("minimal"), tmp_path / "out"
    build(root, out)
    assert "letter-alena-testava-be" in cache.previous_entries(out)
    target = out / "letter" / "alena-testava-be.pdf"
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(elsewhere)
    kept = cache.previous_entries(out)
    assert "letter-alena-testava-be" not in kept
    assert len(kept) == DOCUMENTS + BUNDLES - 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_documents_are_composed_while_earlier_chunks_render(campaign, tmp_path, log, monkeypatch, jobs):
    """A build does not compose everyone's documents before it renders the first: at ten
    thousand people that held 600 MB of HTML while the workers waited for minutes. The first
    chunk is rendered (here or on the pool) before the last document is composed."""
    root = campaign("minimal")
    ivan = (root / "prisoners" / "ivan-prykladny.yaml").read_text(encoding="utf-8")
    for i in range(20):  # 40 more appeals, in two layouts (en, ru)
        (root / "prisoners" / f"ivan-{i:02d}.yaml").write_text(ivan.replace("id: ivan-prykladny", f"id: ivan-{i:02d}"),
                                                                  encoding="utf-8")
    real = Composer.html

    def composing(self: Composer, job: Job) -> str:
        with open(log, "a", encoding="utf-8") as lines:
            lines.write(f"{os.getpid()}\tcomposed {job.doc_id}\n")
        return real(self, job)

    monkeypatch.setattr(Composer, "html", composing)
    result = build(root, tmp_path / "out", jobs=jobs, chunk_size=2)
    events = [title for _, title in log_lines(log) if title != WARM_UP]
    composed = [i for i, title in enumerate(events) if title.startswith("composed ")]
    rendered = [i for i, title in enumerate(events) if not title.startswith("composed ")]
    assert len(composed) == len(rendered) == result.rendered == DOCUMENTS + 40
    assert rendered[0] < composed[-1]


def test_a_campaign_document_counts_its_people_in_a_chunk():
    """Ten volumes of a hundred people's cards are ten chunks, not one 500-page layout;
    documents for one person each still fill a chunk of `size`."""
    data = load_campaign(Path(__file__).parent / "campaigns" / "minimal")
    card = data.registry.product("postcard")
    head = "<html><head><title>t</title></head><body>x</body></html>"
    people = tuple(f"p{i}" for i in range(100))
    volumes = [engine.Pending.of(Job(card, None, "be", "a4", members=people, volume=v), head, "") for v in range(1, 11)]
    singles = [engine.Pending.of(Job(card, f"p{i}", "be", "a4"), head, "") for i in range(30)]
    chunks = list(engine.chunked(volumes + singles, 20))
    assert [len(c) for c in chunks] == [1] * 10 + [20, 10]
    assert chunks[0][0].html == head  # kept compressed, given back as it was


def test_a_rebuild_that_lints_nothing_never_builds_the_lint_rules(campaign, tmp_path, monkeypatch):
    """The rules' fingerprint is read from their files: a rebuild with no change, or after a bio
    edit that only the (unlinted) writer's sheet shows, does not pay for building the rules."""
    root, out = campaign("minimal"), tmp_path / "out"
    build(root, out)

    def refuse(root):
        raise AssertionError("the lint's rules were built")

    monkeypatch.setattr(lint, "rules_for", refuse)
    assert build(root, out).reused == DOCUMENTS
    edit(root / "prisoners" / "alena-testava.yaml", "Likes gardens", "Likes rivers")
    assert build(root, out).rendered == 2


def test_a_changed_rule_checks_the_prisoner_documents_again(campaign, tmp_path, log):
    root, out = campaign("minimal"), tmp_path / "out"
    rendered(log, build(root, out))
    before = lint.rules_digest(root)
    (root / "lint.yaml").write_text("rules:\n  politics:\n    words: [нічога-такога]\n", encoding="utf-8")
    assert lint.rules_digest(root) != before
    again = build(root, out)
    prisoner_mail = {e.id for e in again.entries if e.kind == "document" and e.audience == "prisoner"}
    assert again.ok and prisoner_mail and rendered(log, again) == prisoner_mail  # checked and made again
    copy = root / "templates" / "lint" / "rules.yaml"  # a campaign's own copy of the rules replaces them
    copy.parent.mkdir(parents=True)
    copy.write_text((builtin_templates_dir() / "lint" / "rules.yaml").read_text(encoding="utf-8") + "\n# ours\n",
                    encoding="utf-8")
    assert lint.rules_digest(root) not in (before, lint.rules_digest(None))


def test_giving_memory_back_starts_no_process(monkeypatch):
    """`ctypes.util.find_library` runs `ldconfig -p`: a child that, until it has started, shows
    the whole of a large build's memory as its own. The C library is found without it."""
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args[:1]}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    engine._libc.cache_clear()
    engine.release_memory()
    assert engine._libc() is not None  # glibc, as on this project's machines: malloc_trim is there
