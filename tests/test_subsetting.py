"""Font subsetting without HarfBuzz's subsetter: the faster fontTools path draws the same pages.

The subsetter is hidden in this process (WeasyPrint's handle set to None), as
on a machine without libharfbuzz-subset0, and restored after each test.
"""

from __future__ import annotations

import io

import pdfplumber
import pytest
from PIL import ImageChops

from letters.api import load
from letters.pipeline import subsetting
from letters.pipeline.compose import Composer
from letters.pipeline.engine import file_roots
from letters.pipeline.outputs import png
from letters.pipeline.plan import plan
from letters.pipeline.render import Renderer, weasyprint_module

from .conftest import CAMPAIGNS


@pytest.fixture
def no_harfbuzz(monkeypatch):
    """WeasyPrint's fonts module with the subsetter hidden; and the real handle, to render a reference."""
    weasyprint_module()
    from weasyprint.pdf import fonts

    real = fonts.harfbuzz_subset
    if real is None:
        pytest.skip("this machine has no HarfBuzz subsetter to compare with")
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    monkeypatch.setattr(fonts.Font, "_fonttools_subset", fonts.Font._fonttools_subset)  # restored afterwards
    return fonts, real


def render_both(no_harfbuzz, monkeypatch, product: str) -> tuple[bytes, bytes, bytes]:
    """One document with HarfBuzz, then twice through letters' fontTools path."""
    fonts, real = no_harfbuzz
    data = load(CAMPAIGNS / "minimal")
    job = next(j for j in plan(data, [product])[0] if j.prisoner_id == "alena-testava")
    html, renderer = Composer(data).html(job), Renderer.shared()
    with monkeypatch.context() as m:
        m.setattr(fonts, "harfbuzz_subset", real)
        with_hb, _ = renderer.render(html, data.root, file_roots(data))
    subsetting.install()
    assert fonts.Font._fonttools_subset is subsetting._fonttools_subset
    first, _ = renderer.render(html, data.root, file_roots(data))
    second, _ = renderer.render(html, data.root, file_roots(data))
    return with_hb, first, second


@pytest.mark.parametrize("product", ["letter", "writer-sheet", "appeal"])
def test_without_harfbuzz_the_pages_are_the_same_pixels_and_text_and_reproducible(no_harfbuzz, monkeypatch, product):
    assert subsetting.path() == "fonttools" and "fontTools" in subsetting.describe()
    with_hb, first, second = render_both(no_harfbuzz, monkeypatch, product)
    assert first == second  # byte-identical from run to run
    pictures = [png.side_by_side(png.page_images(pdf)) for pdf in (with_hb, first)]
    assert ImageChops.difference(*pictures).getbbox() is None
    texts = ["\n".join(p.extract_text() for p in pdfplumber.open(io.BytesIO(pdf)).pages) for pdf in (with_hb, first)]
    assert texts[0] == texts[1] and ("Алена" in texts[0] or "Alena" in texts[0])
    assert len(first) < 3 * len(with_hb)  # still a subset, not the whole font


def test_doctor_says_which_path_is_in_use(no_harfbuzz):
    from letters.api import doctor

    line = next(c for c in doctor() if c.name == "harfbuzz subsetter")
    assert not line.ok and "fontTools" in line.detail and "libharfbuzz-subset0" in line.detail
