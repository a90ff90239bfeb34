"""Issue 14: the tool used as a hostile or careless user would, each repro on a fixture.

Hostile data lives in tests/campaigns/<scenario>/ (one folder per scenario, copied over
`minimal`); links, which a fixture folder cannot hold (the copy follows them), are made
by the test. Everything happens under pytest's tmp_path. Builds use the fake renderer
(tests/fakes.py) unless the repro is about WeasyPrint itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from letters.api import build_campaign, check_campaign, export_csv, merge_builds, preview, render_document
from letters.cli import main
from letters.core import templates
from letters.core.errors import CampaignError, LettersError
from letters.core.files import inside, write_all
from letters.data.load import load_campaign
from letters.data.spreadsheet import csv_text, import_sheet, read_table
from letters.organize.ledger import Generated, Ledger, campaign_key
from letters.pipeline import manifest
from letters.pipeline.engine import file_roots

from .conftest import CAMPAIGNS, documents
from .fakes import fake_render

MESSAGE_LETTER = "letter-alena-testava-be-anna"  # the letter made from manifest-forgery's message


def build(root: Path, out: Path, **options):
    return build_campaign(root, out, **{"jobs": 1, "render": fake_render, **options})


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def clean_error(result, *words: str, code: int = 1) -> None:
    """Exit 1 (2 for a bad option) with a clear message and no traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, bytes | str]:
    """Every file and link under `folder` (except under `skip`) with its bytes or target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_symlink():
            found[str(path)] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


def forge(out: Path, **changes: object) -> dict:
    """Add to out's manifest a copy of a document's entry with `changes`; the forged entry."""
    found = manifest.read_manifest(out)
    letter = next(d for d in found["documents"] if d.get("kind", "document") == "document")
    forged = {**letter, **changes}
    found["documents"].append(forged)
    (out / manifest.MANIFEST).write_text(json.dumps(found), encoding="utf-8")
    return forged


# ------------------------------------------------------------------ 1. a forged manifest deletes nothing


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_1_a_forged_manifest_entry_deletes_nothing_outside_the_output_folder(campaign, tmp_path, where):
    root = campaign("minimal")
    out = tmp_path / "builds" / "out"
    assert build(root, out, products=["letter", "appeal"]).ok
    shutil.copytree(CAMPAIGNS / "manifest-forgery", root, dirs_exist_ok=True)  # a message the lint refuses
    victim = tmp_path / "elsewhere" / "victim.txt" if where == "absolute" else out.parent / "victim.txt"
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_text("precious", encoding="utf-8")
    forge(out, id=MESSAGE_LETTER, path=str(victim) if where == "absolute" else "../victim.txt")
    before = snapshot(tmp_path, skip=out)

    result = build(root, out, products=["letter", "appeal"])

    assert {(f.subject, f.code) for f in result.failures} == {(MESSAGE_LETTER, "lint")}
    assert victim.read_text(encoding="utf-8") == "precious"
    assert snapshot(tmp_path, skip=out) == before  # nothing outside the output folder changed
    assert result.removed == 0
    assert MESSAGE_LETTER not in {d["id"] for d in manifest.read_manifest(out)["documents"]}


def test_1_every_manifest_path_goes_through_one_check(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    for bad, reason in [("/etc/passwd", "must be relative"), ("../victim.txt", "climbs out"),
                        ("a/../../victim.txt", "climbs out"), ("link/victim.txt", "points outside"), ("", "must be relative")]:
        with pytest.raises(LettersError, match=reason):
            inside(tmp_path / "out", bad)
    assert inside(tmp_path / "out", "letter/x.pdf") == tmp_path / "out" / "letter" / "x.pdf"


# ------------------------------------------------------------------ 2. merge writes nothing outside OUT_DIR


def test_2_merge_refuses_a_path_through_a_link_and_writes_nothing(campaign, tmp_path):
    root = campaign("minimal")
    shard = tmp_path / "work" / "shard"
    assert build(root, shard, products=["appeal"], shard=(1, 1)).ok
    (shard / "x" / "y" / "z").mkdir(parents=True)
    (shard / "a").symlink_to("x/y/z")
    payload = b"%PDF-1.7 not yours"
    (shard / "victim.txt").write_bytes(payload)  # where a/../../../victim.txt leads inside the shard
    forge(shard, id="forged", path="a/../../../victim.txt", sha256=hashlib.sha256(payload).hexdigest())
    out = tmp_path / "work" / "merged" / "out"
    victim = out.parent.parent / "victim.txt"  # two levels above OUT_DIR, where a lexical write lands
    victim.write_text("precious", encoding="utf-8")
    before = snapshot(tmp_path, skip=out)

    with pytest.raises(LettersError, match=r"a/\.\./\.\./\.\./victim\.txt.*climbs out"):
        merge_builds(out, [shard])

    assert victim.read_text(encoding="utf-8") == "precious"
    assert snapshot(tmp_path, skip=out) == before
    assert [p.name for p in out.iterdir()] == [".letters.lock"]


def test_2_merge_checks_every_target_before_writing_any(campaign, tmp_path):
    root = campaign("minimal")
    shards = [tmp_path / "s1", tmp_path / "s2"]
    for k, shard in enumerate(shards, start=1):
        assert build(root, shard, products=["letter", "appeal"], shard=(k, 2)).ok
    last = manifest.read_manifest(shards[1])["documents"][-1]["path"]
    folder = last.split("/")[0]
    first = [d["path"] for d in manifest.read_manifest(shards[0])["documents"]]
    assert any(not p.startswith(folder + "/") for p in first)  # the first shard has files that would be written first
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / folder).symlink_to(elsewhere)  # the output folder's own link leads out of it

    with pytest.raises(LettersError, match="points outside"):
        merge_builds(out, shards)

    assert not list(elsewhere.iterdir())
    assert sorted(p.name for p in out.iterdir()) == sorted([".letters.lock", folder])  # no document, no manifest


# ------------------------------------------------------------------ 3. the lock follows no link


def test_3_a_lock_that_is_a_link_or_a_folder_is_refused(campaign, tmp_path):
    root = campaign("minimal")
    somefile = tmp_path / "somefile"
    somefile.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".letters.lock").symlink_to(somefile)
    with pytest.raises(LettersError, match="lock"):
        build(root, out)
    assert somefile.read_text(encoding="utf-8") == "keep me"
    assert not (out / manifest.MANIFEST).exists()

    other = tmp_path / "other"
    (other / ".letters.lock").mkdir(parents=True)
    clean_error(run("build", root, "-o", other, "-q"), "lock")


# ------------------------------------------------------------------ 4. import: all or nothing


def test_4_an_import_that_cannot_write_its_third_profile_writes_nothing(campaign):
    root = campaign("yaml-folder", base="minimal")
    before = snapshot(root)
    with pytest.raises(LettersError, match=r"zz-two\.yaml is a folder.*nothing of the import was written"):
        import_sheet(root, root / "sheet.csv")
    assert snapshot(root) == before  # not facilities.yaml, not the first profile, no staged file left
    result = run("import", root / "sheet.csv", "--campaign", root)
    clean_error(result, "nothing of the import was written")
    assert snapshot(root) == before


def test_4_a_rename_that_fails_half_way_puts_everything_back(tmp_path, monkeypatch):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("old", encoding="utf-8")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if Path(dst) == second:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(LettersError, match="No space left on device; nothing was written"):
        write_all({first: b"new", second: b"new"})
    assert first.read_text(encoding="utf-8") == "old" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.yaml"]


# ------------------------------------------------------------------ 5. no silent overwrites


def test_5_a_foreign_manifest_is_not_overwritten_unless_forced(campaign, tmp_path):
    root = campaign("minimal")
    out = tmp_path / "out"
    out.mkdir()
    foreign = '{"my": "notes, not a build"}\n'
    (out / "manifest.json").write_text(foreign, encoding="utf-8")
    with pytest.raises(LettersError, match="was not written by letters"):
        build(root, out, products=["appeal"])
    assert (out / "manifest.json").read_text(encoding="utf-8") == foreign
    assert build(root, tmp_path / "shard", products=["appeal"], shard=(1, 1)).ok
    with pytest.raises(LettersError, match="was not written by letters"):
        merge_builds(out, [tmp_path / "shard"])
    with pytest.raises(LettersError, match="was not written by letters"):
        preview(root, out)
    assert (out / "manifest.json").read_text(encoding="utf-8") == foreign
    assert build(root, out, products=["appeal"], force=True).ok  # --force: the user says the folder is the build's
    assert build(root, out, products=["appeal"]).ok  # and from then on it is ours


@pytest.mark.parametrize("target", ["prisoners/alena-testava.yaml", "facilities.yaml", "campaign.yaml",
                                    "addressees.yaml", "letters.sqlite", "messages/alena-testava/new.pdf"])
def test_5_render_and_export_never_write_into_the_campaign(campaign, target):
    root = campaign("minimal")
    (root / "letters.sqlite").write_bytes(b"stands for the ledger")
    before = snapshot(root)
    clean_error(run("render", "letter", "alena-testava", "--campaign", root, "-o", root / target, "--force"),
                "never over the campaign's data")
    clean_error(run("export", root, "-o", root / target, "--force"), "never over the campaign's data")
    assert snapshot(root) == before


@pytest.mark.parametrize("folder", [".", "prisoners", "templates/letter"])
def test_5_a_build_never_goes_into_the_campaigns_data(campaign, folder):
    root = campaign("minimal")
    before = snapshot(root)
    with pytest.raises(LettersError, match="give the build a folder of its own"):
        build(root, root / folder, products=["appeal"])
    assert snapshot(root) == before
    assert build(root, root / "output", products=["appeal"]).ok  # a folder of its own inside the campaign is fine


def test_5_render_and_export_replace_only_their_own_kind_of_file(campaign, tmp_path):
    root = campaign("minimal")
    notes = tmp_path / "notes.pdf"
    notes.write_text("my own notes", encoding="utf-8")
    with pytest.raises(LettersError, match="is not a PDF file; choose another name, or --force"):
        render_document(root, "letter", "alena-testava", notes)
    assert notes.read_text(encoding="utf-8") == "my own notes"
    table = tmp_path / "table.csv"
    table.write_text("my,own,table\n", encoding="utf-8")
    clean_error(run("export", root, "-o", table), "not an earlier export", "--force")
    assert table.read_text(encoding="utf-8") == "my,own,table\n"
    assert export_csv(root, tmp_path / "people.csv") == 4
    assert export_csv(root, tmp_path / "people.csv") == 4  # an earlier export is replaced
    assert export_csv(root, table, force=True) == 4


def test_5_an_empty_ledger_is_a_loss_not_a_new_ledger(campaign, tmp_path):
    root = campaign("minimal")
    ledger = root / "letters.sqlite"
    ledger.write_bytes(b"")
    clean_error(run("stats", root), "is empty (0 bytes)", "restore it from a backup")
    with pytest.raises(LettersError, match="is empty"):
        Ledger(ledger)  # as `letters pack` opens it
    assert ledger.stat().st_size == 0  # not silently re-created
    fresh = tmp_path / "new" / "ledger.sqlite"
    with Ledger(fresh) as book:  # a new ledger is born whole, never as an empty file
        assert book.counts("c") == {}
    assert fresh.stat().st_size > 0
    assert not [p for p in fresh.parent.iterdir() if p.name.startswith(".")]  # no staged file left


# ------------------------------------------------------------------ 6. no attachments; a narrow jail


def test_6_a_template_cannot_attach_files_to_a_pdf(campaign, tmp_path):
    root = campaign("attachments", base="minimal")
    (root / "letters.sqlite").write_text("stands for the ledger: volunteers Anna Kowalska, Jonas Weber", encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["letter", "writer-sheet", "appeal"], jobs=1)
    failed = {f.subject: f.message for f in result.failures}
    assert set(failed) == {"letter-alena-testava-be", "letter-alena-testava-ru",
                           "writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}
    assert all("never carries attachments" in m for m in failed.values()), failed
    assert "file:///etc/passwd" in failed["writer-sheet-alena-testava-be"]
    assert documents(result, product="appeal"), "the appeals are made all the same"
    for pdf in (tmp_path / "out").rglob("*.pdf"):
        assert b"EmbeddedFile" not in pdf.read_bytes() and b"Kowalska" not in pdf.read_bytes()
    # one document: one clear line, no traceback (item 15: the /etc/passwd attachment)
    out = tmp_path / "one.pdf"
    clean_error(run("render", "writer-sheet", "alena-testava", "--campaign", root, "-o", out), "never carries attachments")
    clean_error(run("render", "letter", "alena-testava", "--campaign", root, "-o", out), "letters.sqlite")
    assert not out.exists()


def test_6_the_renderer_reads_templates_fonts_and_photos_not_the_whole_campaign(campaign, tmp_path):
    root = campaign("narrow-jail", base="minimal")
    roots = file_roots(load_campaign(root))
    assert Path(root) not in roots
    result = build_campaign(root, tmp_path / "out", ["writer-sheet"], jobs=1)
    assert {f.subject for f in result.failures} == {"writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}
    assert all("people.csv" in f.message and "photos/" in f.message for f in result.failures)

    with_photo = campaign("photo", base="minimal")
    assert Path(with_photo) / "photos" in file_roots(load_campaign(with_photo))
    out = tmp_path / "sheet.pdf"
    render_document(with_photo, "writer-sheet", "alena-testava", out)
    with pdfplumber.open(out) as pdf:
        assert pdf.pages[0].images, "the photo is on the writer's sheet"


def test_6_a_photos_folder_that_links_out_of_the_campaign_is_not_in_the_jail(campaign, tmp_path):
    root = campaign("minimal")
    (root / "photos").symlink_to(tmp_path)
    assert all(r.name != "photos" for r in file_roots(load_campaign(root)))


# ------------------------------------------------------------------ 7. template includes follow no link out


def test_7_a_template_linked_out_of_the_template_folders_is_refused(campaign, tmp_path):
    root = campaign("template-link", base="minimal")
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRET", encoding="utf-8")
    (root / "templates" / "sheet" / "passwd.html").symlink_to(secret)
    result = build(root, tmp_path / "out", products=["writer-sheet"])
    assert {f.subject for f in result.failures} == {"writer-sheet-alena-testava-be", "writer-sheet-alena-testava-ru"}
    assert all("outside the template folders" in f.message for f in result.failures)
    assert not any(b"SECRET" in p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())

    # a link that stays inside the template folders is fine
    (root / "templates" / "sheet" / "passwd.html").unlink()
    (root / "templates" / "sheet" / "inside.html").write_text("the campaign's own words", encoding="utf-8")
    (root / "templates" / "sheet" / "passwd.html").symlink_to(root / "templates" / "sheet" / "inside.html")
    assert build(root, tmp_path / "out2", products=["writer-sheet"]).ok


# ------------------------------------------------------------------ 10. one broken template fails alone


def test_10_any_exception_in_a_template_is_that_documents_failure_with_file_and_line(campaign, tmp_path):
    root = campaign("template-errors", base="minimal")
    result = build(root, tmp_path / "out")
    failed = {f.subject: f.message for f in result.failures}
    assert set(failed) == {"letter-alena-testava-be", "letter-alena-testava-ru", "writer-sheet-alena-testava-be",
                           "writer-sheet-alena-testava-ru", "appeal-alena-testava-en", "appeal-ivan-prykladny-en",
                           "appeal-pavel-zabaroneny-en"}
    assert "letter/solidarity.html:4: ZeroDivisionError: division by zero" in failed["letter-alena-testava-be"]
    assert "sheet/writer.html:4" in failed["writer-sheet-alena-testava-be"]
    assert "RecursionError" in failed["writer-sheet-alena-testava-be"]
    assert "includes or extends itself" in failed["writer-sheet-alena-testava-be"]
    assert "range() of 1000000000 items" in failed["appeal-alena-testava-en"]
    assert "appeal/release.en.html:4" in failed["appeal-alena-testava-en"]
    assert len(documents(result, product="appeal", lang="ru")) == 3, "the others are made"
    clean_error(run("render", "letter", "alena-testava", "--campaign", root, "-o", tmp_path / "one.pdf"),
                "solidarity.html:4: ZeroDivisionError")


# ------------------------------------------------------------------ 11. limits


def test_11_runaway_templates_stop_at_the_time_and_size_limits(campaign, tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "SECONDS", 1.0)
    root = campaign("template-limits", base="minimal")
    result = build(root, tmp_path / "out")
    failed = {f.subject: f.message for f in result.failures}
    assert "took more than 1 s" in failed["letter-alena-testava-be"]
    assert "'lipsum' is undefined" in failed["writer-sheet-alena-testava-be"]
    assert "more than 2,000,000 characters" in failed["appeal-alena-testava-en"]
    assert len(documents(result, product="appeal", lang="ru")) == 3


def test_11_the_sandbox_limits_ranges_powers_and_repetition():
    env = templates.make_environment()
    for source, reason in [("{{ range(10001)|length }}", "at most 10000"), ('{{ "x" * 10**9 }}', "more than 100000"),
                           ("{{ 2 ** 100000000 }}", "power of at most 100"), ("{{ [1] * 200000 }}", "more than 100000")]:
        with pytest.raises(templates.SecurityError, match=reason):
            env.from_string(source).render()
    assert env.from_string("{{ range(10000)|length }} {{ 2 ** 10 }} {{ 'ab' * 3 }}").render() == "10000 1024 ababab"


def test_11_padding_and_widths_are_refused_before_the_string_is_built():
    """The output limit sees a string only once it is made: "x"|center(10**8) would take
    100 MB first. Every way a template names a width is checked before."""
    env = templates.make_environment()
    for source in ['{{ "x"|center(10**8) }}', '{{ "x".ljust(10**8) }}', '{{ "x".zfill(10**8) }}',
                   '{{ "%100000000s" % "x" }}', '{{ "%.100000000f" % 1.5 }}', '{{ "%*s"|format(10**8, "x") }}',
                   '{{ "{:>100000000}".format("x") }}', '{{ "{:{w}}".format("x", w=10**8) }}',
                   '{{ "{a:{w}}".format_map({"a": "x", "w": 10**8}) }}', '{{ "ab"|indent(10**8) }}',
                   '{{ ("x" * 1000)|replace("", "y" * 1000) }}', '{{ ("x" * 1000).replace("", "y" * 1000) }}',
                   '{{ ("x\t" * 10).expandtabs(10**8) }}']:
        with pytest.raises(templates.SecurityError, match="at most 100,000 at once"):
            env.from_string(source).render()
    everyday = ('{{ "ab"|center(6) }}|{{ "%5.2f" % 3.14159 }}|{{ "%s-%s"|format(1, 2) }}|{{ "{}:{:>4}".format(7, 8) }}|'
                '{{ "a-b"|replace("-", "+") }}|{{ "x".zfill(3) }}|{{ 7 % 3 }}|{{ "born {}".format(1999123) }}')
    assert env.from_string(everyday).render() == "  ab  | 3.14|1-2|7:   8|a+b|00x|1|born 1999123"


def test_11_the_time_limit_holds_outside_the_main_thread_too():
    template = templates.make_environment().from_string("{% for i in range(10000) %}{% for j in range(10000) %}.{% endfor %}{% endfor %}")
    found = []

    def work():
        try:
            templates.render_limited(template, {}, seconds=0.5, max_chars=10**9)
        except templates.TooSlow as exc:
            found.append(exc.format_message())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert found == ["took more than 0.5 s"]


def test_11_alias_bombs_deep_nesting_and_large_files_are_refused_quickly(campaign):
    root = campaign("yaml-bombs", base="minimal")
    with pytest.raises(CampaignError) as caught:
        load_campaign(root)
    problems = {p.file.name: p for p in caught.value.problems}
    assert "once its aliases (*name) are expanded" in problems["bomb-one.yaml"].message
    assert problems["bomb-one.yaml"].line == 9  # a6, the first level past the limit
    assert "nested more than 40 levels deep" in problems["deep-one.yaml"].message
    clean_error(run("check", root), "bomb-one.yaml", "deep-one.yaml")
    # an import reads the profiles it updates with another YAML library: a bomb is refused there too
    sheet = root / "bomb.csv"
    sheet.write_text("id,bio\nbomb-one,A bio.\n", encoding="utf-8")
    with pytest.raises(LettersError, match=r"bomb-one\.yaml: cannot read it to update it"):
        import_sheet(root, sheet)
    big = root / "prisoners" / "big-one.yaml"
    big.write_text("id: big-one\nbio: " + "x" * 3_000_000 + "\n", encoding="utf-8")
    long_bio = root / "prisoners" / "alena-testava.yaml"
    long_bio.write_text(long_bio.read_text(encoding="utf-8").replace("Likes gardens", "Likes " + "gardens " * 3000), encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(root)
    problems = {p.file.name: p for p in caught.value.problems}
    assert "a campaign file is at most 2,000,000" in problems["big-one.yaml"].message
    bio_line = next(n for n, line in enumerate(long_bio.read_text(encoding="utf-8").splitlines(), start=1) if line.startswith("bio:"))
    assert (problems["alena-testava.yaml"].field, problems["alena-testava.yaml"].line) == ("bio", bio_line)
    assert "at most 10,000" in problems["alena-testava.yaml"].message


def test_11_messages_and_sheets_have_size_limits(campaign, tmp_path):
    root = campaign("minimal")
    message = root / "messages" / "alena-testava" / "anna.be.txt"
    message.parent.mkdir(parents=True)
    message.write_text("Прывітанне! " * 20_000, encoding="utf-8")
    _, found = check_campaign(root)
    assert any("a message is one page at most" in d.message for d in found)

    rows = tmp_path / "rows.csv"
    rows.write_text("id,bio\n" + "x,y\n" * 10_001, encoding="utf-8")
    with pytest.raises(LettersError, match="more than 10,000 rows"):
        read_table(rows)
    cell = tmp_path / "cell.csv"
    cell.write_text("id,bio\nx," + "y" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(LettersError, match="field larger than field limit"):
        read_table(cell)


def test_11_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(campaign, tmp_path):
    root = campaign("minimal")
    book = Workbook()
    book.active.append(["id", "bio"])
    small = tmp_path / "small.xlsx"
    book.save(small)
    bomb = tmp_path / "bomb.xlsx"
    row = "<row><c t='inlineStr'><is><t>x</t></is></c></row>"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", row.encode() * 2_200_000 + b"</sheetData>")
            target.writestr(item.filename, data)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(LettersError, match="unpacks to"):
        import_sheet(root, bomb)
    clean_error(run("import", bomb, "--campaign", root), "unpacks to")


# ------------------------------------------------------------------ 12. names that print wrong are refused


def test_12_bidi_overrides_zero_width_nul_and_blank_names_are_refused_with_file_line_and_field(campaign, tmp_path):
    root = campaign("hostile-names", base="minimal")
    with pytest.raises(CampaignError) as caught:
        load_campaign(root)
    found = {(p.field, p.line): p.message for p in caught.value.problems if p.file.name == "alena-testava.yaml"}
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in found[("names.be.last", 5)]
    assert "U+200B (ZERO WIDTH SPACE)" in found[("names.ru.first", 6)]
    assert "only white space" in found[("names.latin.first", 7)]
    assert "U+0000" in found[("bio", 20)]
    clean_error(run("check", root), "alena-testava.yaml:5: error: names.be.last: holds an invisible formatting character")

    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,name be last,bio\nalena-testava,\u202eТэставая,A bio.\n", encoding="utf-8")
    target = campaign("minimal")
    result = import_sheet(target, sheet)
    [problem] = result.problems
    assert (problem.line, problem.field) == (2, "name be last") and "U+202E" in problem.message

    message = target / "messages" / "alena-testava" / "anna.be.txt"
    message.parent.mkdir(parents=True)
    message.write_text("Прывітанне, \u202eАлена!\n", encoding="utf-8")
    _, found = check_campaign(target)
    assert any(d.severity == "error" and "direction-changing character U+202E" in d.message for d in found)


# ------------------------------------------------------------------ 13. one CSV writer, formulas guarded


def test_13_every_csv_guards_formula_cells(campaign, tmp_path):
    root = campaign("formula-cells", base="minimal")
    result = run("birthdays", root, "--month", "2026-03", "--csv")
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in result.output and ",=HYPERLINK" not in result.output and ',"=HYPERLINK' not in result.output
    export_csv(root, tmp_path / "people.csv")
    assert "'=HYPERLINK" in (tmp_path / "people.csv").read_text(encoding="utf-8-sig")
    assert csv_text([["=1+1", "+1", "-1", "@SUM(A1)", "ok", 3, None]], "\n") == "'=1+1,'+1,'-1,'@SUM(A1),ok,3,\n"


# ------------------------------------------------------------------ 14. the ledger


@pytest.fixture
def ledger_campaign(campaign, tmp_path):
    root = campaign("minimal")
    db = tmp_path / "ledger.sqlite"
    with Ledger(db) as book:
        book.record([Generated(f"K1-1-{i}", campaign_key(root), "alena-testava", "letter", "be", dt.date(2026, 1, 10))
                     for i in range(1, 401)])
    return root, db


def test_14_the_ledger_refuses_impossible_dates_and_events(ledger_campaign):
    root, db = ledger_campaign
    clean_error(run("log", "sent", "K1-1-1", "--campaign", root, "--db", db, "--date", "1900-01-01"), "--date", "before 2000",
                code=2)
    clean_error(run("log", "sent", "K1-1-1", "--campaign", root, "--db", db, "--date", "2026-01-05"),
                "before the letter was made: K1-1-1 (made on 2026-01-10)")
    for kind in ("returned", "reply"):
        clean_error(run("log", kind, "K1-1-1", "--campaign", root, "--db", db, "--date", "2026-01-20"),
                    "never recorded as sent", "nothing was recorded")
    assert run("log", "sent", "K1-1-1", "--campaign", root, "--db", db, "--date", "2026-01-12").exit_code == 0
    clean_error(run("log", "reply", "K1-1-1", "--campaign", root, "--db", db, "--date", "2026-01-11"),
                "before the letter was sent: K1-1-1 (sent on 2026-01-12)")
    assert run("log", "reply", "K1-1-1", "--campaign", root, "--db", db, "--date", "2026-01-30").exit_code == 0
    with Ledger(db) as book:
        assert book.counts(campaign_key(root))["alena-testava"].replies == 1


def test_14_a_damaged_ledger_gives_one_clear_line_and_doctor_finds_it(ledger_campaign, tmp_path):
    root, db = ledger_campaign
    healthy = run("doctor", "--db", db)
    assert healthy.exit_code == 0, healthy.output
    assert "ok ledger:" in healthy.output and "intact" in healthy.output and "400 document(s)" in healthy.output
    data = bytearray(db.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):
        data[offset : offset + 100] = b"\xff" * 100
    db.write_bytes(bytes(data))
    clean_error(run("stats", root, "--db", db), "the ledger cannot be read", "letters doctor")
    clean_error(run("log", "sent", "K1-1-2", "--campaign", root, "--db", db, "--date", "2026-01-12"), "cannot be read")
    clean_error(run("pack", root, "--volunteers", "1", "--db", db, "-o", tmp_path / "pack"), "cannot be read")
    damaged = db.read_bytes()
    clean_error(run("doctor", "--campaign", root, "--db", db), "!! ledger:", "damaged")
    assert db.read_bytes() == damaged  # doctor only reads


# ------------------------------------------------------------------ 15. other tracebacks


def test_15_a_folder_named_like_a_profile_is_reported_not_a_traceback(campaign):
    root = campaign("yaml-folder", base="minimal")
    clean_error(run("check", root), "zz-two.yaml: error: is a folder, not a YAML file")


def test_15_import_into_a_profile_whose_sources_are_strings(campaign):
    root = campaign("string-sources", base="minimal")
    before = snapshot(root)
    result = import_sheet(root, root / "sheet.csv")
    [problem] = result.problems
    assert problem.line == 2 and problem.field == "source" and "dictionary" in problem.message
    assert snapshot(root) == before
    clean_error(run("import", root / "sheet.csv", "--campaign", root), "sheet.csv:2")


def test_deeply_nested_lint_yaml_or_registry_file_is_a_clean_error(campaign):
    """Found by review: 3,000 levels of nesting gave a RecursionError traceback."""
    root = campaign("minimal")
    deep = "a: " + "[" * 3000 + "]" * 3000 + "\n"
    (root / "lint.yaml").write_text(deep, encoding="utf-8")
    (root / "letter.txt").write_text("Добры дзень\n", encoding="utf-8")
    clean_error(run("lint", "--campaign", root, root / "letter.txt"), "nested too deeply")
    (root / "lint.yaml").unlink()
    (root / "templates" / "products").mkdir(parents=True)
    (root / "templates" / "products" / "60-x.yaml").write_text(deep, encoding="utf-8")
    clean_error(run("check", root), "nested too deeply")


def test_an_output_folder_under_a_file_is_a_clean_error(campaign, tmp_path):
    (tmp_path / "x").write_text("a file", encoding="utf-8")
    clean_error(run("build", campaign("minimal"), "-o", tmp_path / "x" / "out"), "cannot make the output folder")
