"""The command line: exit codes, one-line errors, lazy imports, doctor."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner
from pypdf import PdfReader

from letters.cli import main

from .conftest import CAMPAIGNS, EXAMPLE


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_check_clean_campaign_exits_0():
    result = run("check", CAMPAIGNS / "minimal")
    assert result.exit_code == 0, result.output
    assert "no errors, 1 warning(s)" in result.output


def test_check_broken_yaml_names_file_and_line_and_exits_1(campaign):
    root = campaign("broken-yaml", base="minimal")
    result = run("check", root)
    assert result.exit_code == 1
    assert f"{root}/prisoners/alena-testava.yaml:5: error: invalid YAML" in result.output
    assert "Traceback" not in result.output


def test_check_lists_all_errors(campaign):
    result = run("check", campaign("invalid-fields", base="minimal"))
    assert result.exit_code == 1
    assert result.output.count(": error:") == 5


def test_render_one_letter(tmp_path):
    out = tmp_path / "rabkova.pdf"
    result = run("render", "letter", "marfa-rabkova", "--campaign", EXAMPLE, "--lang", "be", "--paper", "letter", "--include-stale", "-o", out)
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    assert "Марфа" in reader.pages[0].extract_text()
    assert round(float(reader.pages[0].mediabox.width)) == 612


def test_render_refuses_a_letter_to_a_released_person(tmp_path):
    out = tmp_path / "x.pdf"
    result = run("render", "letter", "ales-bialiatski", "--campaign", EXAMPLE, "-o", out)
    assert result.exit_code == 1
    assert "ales-bialiatski gets no letter: status is released" in result.output
    assert not out.exists()


def test_render_unknown_template_and_person(tmp_path):
    assert "unknown template 'poster'" in run("render", "poster", "marfa-rabkova", "--campaign", EXAMPLE, "-o", tmp_path / "x.pdf").output
    assert "no prisoner 'nobody'" in run("render", "letter", "nobody", "--campaign", EXAMPLE, "-o", tmp_path / "x.pdf").output


def test_build_summary_says_who_was_skipped_and_why(tmp_path):
    result = run("build", CAMPAIGNS / "minimal", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "skipped olga-vypushchana: no letter, writer-sheet, appeal: status is released" in result.output
    assert "skipped pavel-zabaroneny: no letter, writer-sheet: correspondence is banned" in result.output
    assert "10 rendered, 0 reused from cache" in result.output


def test_a_build_names_its_renderer_first_and_a_rebuild_that_renders_nothing_does_not(tmp_path):
    """The renderer's line imports WeasyPrint (about a second on a slow machine): a rebuild
    with no change, which renders nothing, skips it."""
    first = run("build", CAMPAIGNS / "minimal", "-o", tmp_path / "out")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0].startswith("rendering with WeasyPrint ")
    assert "fonts subset by" in first.output.splitlines()[0]
    again = run("build", CAMPAIGNS / "minimal", "-o", tmp_path / "out")
    assert again.exit_code == 0, again.output
    assert "rendering with" not in again.output and "0 rendered, 10 reused from cache" in again.output
    quiet = run("build", CAMPAIGNS / "minimal", "-o", tmp_path / "quiet", "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_build_with_a_failing_document_exits_1(campaign, tmp_path):
    result = run("build", campaign("sandbox-escape", base="minimal"), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "FAILED letter/alena-testava-be.pdf" in result.output and "sandbox" in result.output


def test_doctor_reports_weasyprint_pango_fonts_and_subsetter():
    result = run("doctor")
    assert result.exit_code == 0, result.output
    for word in ["weasyprint: 70", "pango: 1.", "harfbuzz subsetter:", "PT Serif"]:
        assert word in result.output


def test_commands_that_render_nothing_do_not_import_weasyprint():
    code = (
        "import sys; from click.testing import CliRunner; from letters.cli import main; "
        f"r = CliRunner().invoke(main, ['check', {str(CAMPAIGNS / 'minimal')!r}]); "
        "r2 = CliRunner().invoke(main, ['--help']); "
        "assert r.exit_code == 0 and r2.exit_code == 0, r.output; "
        "print('weasyprint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_products_lists_every_product_with_its_audience():
    from letters.products.registry import builtin_registry

    PRODUCTS = builtin_registry().products

    result = run("products")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(PRODUCTS)
    assert any(line.startswith("letter-window") and "[a4 only]" in line for line in lines)


def test_print_options_on_the_command_line_reach_the_labels(campaign, tmp_path):
    import json

    import pdfplumber

    root = campaign("print-shop", base="minimal")
    result = run("build", root, "-o", tmp_path / "out", "--product", "labels", "--start", "3", "--offset-x", "2", "-q")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    (doc,) = manifest["documents"]
    with pdfplumber.open(tmp_path / "out" / doc["path"]) as pdf:
        first = min(pdf.pages[0].chars, key=lambda c: (c["top"], c["x0"]))
    # label 3 is the third column: 7.48 + 2 * 66.04 mm, plus 3 mm padding and the 2 mm offset
    assert abs(first["x0"] * 25.4 / 72 - (21.2 + 2 * 187.2) * 25.4 / 72 - 3 - 2) < 0.05


def test_a_label_start_beyond_the_sheet_fails_with_one_line(campaign, tmp_path):
    root = campaign("print-shop", base="minimal")
    result = run("build", root, "-o", tmp_path / "out", "--product", "labels", "--start", "22", "-q")
    assert result.exit_code == 1
    assert "--start must be between 1 and 21 for L7160" in result.output
    assert "Traceback" not in result.output


def test_render_refuses_a_campaign_document_for_one_person(tmp_path):
    result = run("render", "labels", "marfa-rabkova", "--campaign", EXAMPLE, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1
    assert "labels are made for the whole campaign: use 'campaign' as the PRISONER_ID" in result.output
    assert not (tmp_path / "x.pdf").exists()
