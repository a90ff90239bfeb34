"""How the fonts in each PDF are subset: HarfBuzz when the machine has it, else a faster fontTools path.

WeasyPrint subsets every font of every document it writes. With HarfBuzz's
subsetter (libharfbuzz-subset0) that is quick. Without it (a fresh Debian or
Ubuntu with pip-installed WeasyPrint), WeasyPrint falls back to fontTools,
which spends most of its time decompiling the fonts' GSUB, GPOS and kern
tables only to drop or copy them: a letter took 3x as long. `install()`
replaces that fallback with the same fontTools subsetting minus the work on
those tables: the glyphs and their positions are the ones shaping already
chose, so nothing in the PDF needs them. The output is byte-identical from run to run.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

# Tables a PDF's embedded font never uses: layout (shaping chose the glyphs and their
# positions already), device metrics and signatures. WeasyPrint drops the first three.
DROPPED = ("GSUB", "GPOS", "SVG ", "kern", "GDEF", "BASE", "JSTF", "hdmx", "LTSH", "VDMX", "PCLT", "DSIG")


def path() -> str:
    """Which subsetter this process uses: "harfbuzz" or "fonttools"."""
    from weasyprint.pdf import fonts

    handle, harfbuzz = getattr(fonts, "harfbuzz_subset", None), getattr(fonts, "harfbuzz", None)
    if handle is not None and harfbuzz is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


_ORIGINAL: dict[str, Any] = {}  # WeasyPrint's own fallback, called whenever ours cannot serve


def describe() -> str:
    """One line for `letters doctor` and the build's first line."""
    if path() == "harfbuzz":
        return "fonts subset by HarfBuzz (fast)"
    return ("fonts subset by fontTools: HarfBuzz's subsetter is missing (apt-get install libharfbuzz-subset0 "
            "makes rendering faster still)")


def install() -> None:
    """Use the faster fontTools path in this process where HarfBuzz's subsetter is missing."""
    from weasyprint.pdf import fonts

    original = getattr(getattr(fonts, "Font", None), "_fonttools_subset", None)
    if path() != "fonttools" or original is None or original is _fonttools_subset:
        return  # HarfBuzz serves, or a WeasyPrint without this method: leave it as it is
    _ORIGINAL["subset"] = original
    fonts.Font._fonttools_subset = _fonttools_subset


def _options(hinting: bool, notdef_outline: bool) -> Any:
    from fontTools import subset

    options = subset.Options(
        retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
        hinting=hinting, desubroutinize=True, notdef_outline=notdef_outline)
    options.drop_tables += [tag.strip() for tag in DROPPED]
    return options


def _subset(content: bytes, index: int, gids: Any, options: Any) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # no bounding boxes recomputed for every glyph on saving (the glyphs kept have theirs)
    ttfont = TTFont(io.BytesIO(content), fontNumber=index, recalcBBoxes=False, recalcTimestamp=False)
    for tag in DROPPED:
        if tag in ttfont:
            del ttfont[tag]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    subsetter.subset(ttfont)
    out = io.BytesIO()
    ttfont.save(out)
    return out.getvalue()


@lru_cache(maxsize=32)
def _prepared(content: bytes, index: int, hinting: bool) -> bytes:
    """The font without the tables and hints no subset keeps, every glyph in its place:
    made once per process and face, so each document's subsetting reads a small font."""
    from fontTools.ttLib import TTFont

    count = TTFont(io.BytesIO(content), fontNumber=index, lazy=True)["maxp"].numGlyphs
    return _subset(content, index, range(count), _options(hinting, notdef_outline=True))


def _fonttools_subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """WeasyPrint's fontTools subsetting (weasyprint/pdf/fonts.py), reading a prepared copy
    of the font instead of decompiling and dropping its layout tables every time."""
    try:
        prepared = _prepared(font.file_content, font.index, hinting)
        font.file_content = _subset(prepared, 0, to_unicode, _options(hinting, bool(font.missing)))
    except Exception:  # a font or a WeasyPrint this path does not know: WeasyPrint's own way
        _ORIGINAL["subset"](font, to_unicode, hinting)
