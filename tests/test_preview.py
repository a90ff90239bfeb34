"""Previews: PNG pictures of the real PDFs, from the same renderer as the build (pypdfium2, no poppler).

`letters preview` writes a contact sheet per product and a picture of every
page; `letters render -o x.png` pictures one document. The pictures are read
back: their size, that they are not blank, that they are reproducible.
"""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from letters.api import preview, render_document
from letters.cli import main
from letters.pipeline.outputs import OUTPUTS, for_path

from .conftest import CAMPAIGNS


def image(path) -> Image.Image:
    return Image.open(io.BytesIO(path.read_bytes())).convert("RGB")


def ink(picture: Image.Image) -> float:
    """The share of pixels that are not near-white: 0 for a blank page."""
    grey = picture.convert("L")
    return sum(grey.histogram()[:200]) / (grey.width * grey.height)


@pytest.fixture(scope="module")
def previewed(tmp_path_factory):
    out = tmp_path_factory.mktemp("preview")
    return preview(CAMPAIGNS / "minimal", out, jobs=1), out


def test_preview_writes_a_contact_sheet_per_product_and_a_picture_per_page(previewed):
    result, out = previewed
    documents = [e for e in result.build.entries if e.kind == "document"]
    assert sorted(result.sheets) == sorted({e.product for e in documents}) == ["appeal", "letter", "writer-sheet"]
    assert result.pages == sum(e.pages for e in documents)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert {d["format"] for d in manifest} == {"png"} and len(manifest) == result.pages + len(result.sheets)
    for entry in manifest:
        assert (out / entry["path"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the build under it is an ordinary one, its documents PDFs
    assert {e.format for e in documents} == {"pdf"} and (out / "pdf" / "manifest.json").is_file()


def test_a_page_picture_is_the_page_at_100_dpi_and_shows_ink(previewed):
    _, out = previewed
    page = image(out / "pages" / "letter" / "alena-testava-be-p1.png")
    assert page.size == (827, 1170)  # A4 at 100 dpi (1169.3 px, rounded up)
    assert 0.005 < ink(page) < 0.5


def test_a_contact_sheet_names_and_shows_every_page(previewed):
    result, _ = previewed
    sheet = image(result.sheets["writer-sheet"])
    writer_pages = sum(e.pages for e in result.build.entries if e.product == "writer-sheet" and e.kind == "document")
    thumbs = writer_pages  # six to a row, 180 px wide, 16 px apart
    assert sheet.width == 16 + 6 * (180 + 16)
    rows = -(-thumbs // 6)
    assert sheet.height > rows * 254  # an A4 thumbnail is 254 px high
    assert ink(sheet) > 0.01


def test_previews_are_reproducible(previewed, tmp_path):
    result, _ = previewed
    again = preview(CAMPAIGNS / "minimal", tmp_path / "again", jobs=1)
    for product, sheet in result.sheets.items():
        assert again.sheets[product].read_bytes() == sheet.read_bytes(), product


def test_render_to_png_pictures_one_document(tmp_path):
    out = tmp_path / "letter.png"
    entry = render_document(CAMPAIGNS / "minimal", "writer-sheet", "alena-testava", out, lang="be")
    picture = image(out)
    assert entry.format == "png" and entry.pages == 2
    assert picture.size == (16 * 3 + 2 * 827, 1170 + 2 * 16)  # two pages side by side on a grey ground
    assert ink(picture.crop((16, 16, 16 + 827, 16 + 1169))) > 0.005


def test_the_output_is_chosen_by_the_file_name_and_build_takes_a_format(tmp_path):
    assert for_path("x.png") is OUTPUTS["png"] and for_path("x.PDF") is OUTPUTS["pdf"] and for_path("x") is OUTPUTS["pdf"]
    result = CliRunner().invoke(main, ["build", str(CAMPAIGNS / "minimal"), "-o", str(tmp_path / "b"), "--product", "letter",
                                       "--format", "png", "-j", "1"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert [d["path"] for d in manifest] == ["letter/alena-testava-be.png", "letter/alena-testava-ru.png"]
    assert "0 bundles" in result.output  # pictures are not bundled for printing


def test_cli_preview_says_where_the_sheets_are(tmp_path):
    result = CliRunner().invoke(main, ["preview", str(CAMPAIGNS / "minimal"), "-o", str(tmp_path / "p"), "--product", "appeal", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "1 contact sheet(s) and 6 page picture(s)" in result.output and str(tmp_path / "p" / "appeal.png") in result.output
