"""The bundled fonts (PT Serif and PT Sans, full Cyrillic): where they are, their CSS, their widths.

No page depends on the host's fonts, and "does this address fit" is measured
with the same font files the renderer uses.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).parent.parent / "fonts"
FONT_FAMILIES = {
    "PT Serif": {
        ("normal", "normal"): "PTSerif-Regular.ttf",
        ("italic", "normal"): "PTSerif-Italic.ttf",
        ("normal", "bold"): "PTSerif-Bold.ttf",
        ("italic", "bold"): "PTSerif-BoldItalic.ttf",
    },
    "PT Sans": {
        ("normal", "normal"): "PTSans-Regular.ttf",
        ("normal", "bold"): "PTSans-Bold.ttf",
    },
}
PT_TO_MM = 25.4 / 72
ADDRESS_FONT = "PTSans-Regular.ttf"


def font_face_css() -> str:
    """@font-face rules for the bundled fonts, so no page depends on the host's fonts."""
    rules = []
    for family, faces in FONT_FAMILIES.items():
        for (style, weight), filename in faces.items():
            url = (FONT_DIR / filename).as_uri()
            rules.append(
                f"@font-face {{ font-family: '{family}'; font-style: {style}; "
                f"font-weight: {weight}; src: url('{url}') format('truetype'); }}"
            )
    return "\n".join(rules)


@cache
def _metrics(font_file: str) -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / font_file, lazy=True)
    return font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, font_file: str = ADDRESS_FONT) -> float:
    """The width of one line set in the bundled font, without kerning (which only narrows it)."""
    cmap, hmtx, units = _metrics(font_file)
    notdef = hmtx[".notdef"][0]
    advance = sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else notdef for c in text)
    return advance / units * size_pt * PT_TO_MM


def undrawable(text: str, font_file: str = "PTSerif-Regular.ttf") -> list[str]:
    """The characters of `text` the bundled font has no glyph for (they would print as
    boxes), as 'x (U+0078)'; white space is layout, not a glyph."""
    cmap = _metrics(font_file)[0]
    return [f"{c} (U+{ord(c):04X})" for c in dict.fromkeys(text) if not c.isspace() and ord(c) not in cmap]
