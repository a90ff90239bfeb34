"""Fitting an address into its box: the largest type size at which every line fits, one line each.

Sizes are found by measuring the text with the bundled font's own advance
widths, so "does it fit" is decided before rendering and a build can say
which address does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.errors import FitError
from ..core.fonts import PT_TO_MM, text_width_mm
from .paper import Box

LINE_HEIGHT = 1.3  # CSS line-height of address blocks: PT Sans' ascent + descent (1.294 em) fits inside


@dataclass(frozen=True)
class Fit:
    size_pt: float | None  # None: does not fit even at the smallest size
    width_mm: float
    height_mm: float


def fit_lines(lines: list[str], width_mm: float, height_mm: float, max_pt: float, min_pt: float) -> Fit:
    """The largest size (in 0.25 pt steps) at which every line fits the box, one line each."""
    size = max_pt
    while size >= min_pt - 1e-9:
        width = max(text_width_mm(line, size) for line in lines) * 1.02  # 2% for rounding in layout
        height = len(lines) * size * LINE_HEIGHT * PT_TO_MM
        if width <= width_mm and height <= height_mm:
            return Fit(size, width, height)
        size -= 0.25
    return Fit(None, max(text_width_mm(line, min_pt) for line in lines), len(lines) * min_pt * LINE_HEIGHT * PT_TO_MM)


FACILITY_HINT = "split a long line in facilities.yaml"
SENDER_HINT = "shorten the sender's name or address in campaign.yaml (sender.name, sender.address)"


def block(lines: list[str], box: Box, max_pt: float, min_pt: float, where: str,
          hint: str = FACILITY_HINT) -> dict[str, Any]:
    """An address block fitted to `box`: its lines, type size and CSS position (what templates receive).
    `hint`: what to change when it does not fit (a prisoner's address comes from facilities.yaml)."""
    fit = fit_lines(lines, box.w, box.h, max_pt, min_pt)
    if fit.size_pt is None:
        raise FitError(
            f"the address does not fit {where} ({box.w:.0f} x {box.h:.0f} mm) even at {min_pt:g} pt: "
            f"{' / '.join(lines)}; {hint}"
        )
    css = f"{box.css()} font-size: {fit.size_pt}pt; line-height: {LINE_HEIGHT};"
    return {"lines": lines, "size_pt": fit.size_pt, "box": box, "css": css}
