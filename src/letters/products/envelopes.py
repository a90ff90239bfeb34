"""Envelopes and the window letter: where the recipient, the return address and the stamp go.

Envelope sizes are data (the `envelopes:` table of templates/products/*.yaml):
a size and its postal address zone, which follows Deutsche Post / DIN practice
(>= 40 mm from the top, >= 15 mm from the right and bottom; domain.md §4.1)
and, for #10, the USPS read area. The window is DIN 5008 Form B on A4, for a
DL window envelope (domain.md §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fit import SENDER_HINT, block
from .paper import SPARE_MM, Box


@dataclass(frozen=True)
class Envelope:
    name: str
    title: str
    w: float
    h: float
    zone: Box  # postal address zone: right part, >= 15 mm from right and bottom, below the stamp


RETURN_BOX = Box(10, 10, 80, 24)  # top left, only when the campaign sets a return address
STAMP_BOX = Box(0, 10, 25, 30)  # x counted from the right edge, see stamp_box()

WINDOW = Box(20, 45, 85, 45)
WINDOW_RETURN_ZONE = Box(20, 45, 85, 17.7)  # filled from the bottom up, about 8 pt
WINDOW_ADDRESS_ZONE = Box(20, 62.7, 85, 27.3)  # up to 6 lines, filled from the top down
WINDOW_TEXT_LEFT = 25.0  # DIN text rule
WINDOW_MARGIN = (20.0, 25.0)  # top and left page margin of a window letter, mm
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5


def stamp_box(envelope: Envelope) -> Box:
    return Box(envelope.w - 10 - STAMP_BOX.w, STAMP_BOX.y, STAMP_BOX.w, STAMP_BOX.h)


def window_address_box() -> Box:
    """Where the address text may go: the address zone, from the 25 mm rule, 2 mm spare."""
    zone = WINDOW_ADDRESS_ZONE
    return Box(WINDOW_TEXT_LEFT, zone.y + SPARE_MM, zone.right - SPARE_MM - WINDOW_TEXT_LEFT, zone.h - 2 * SPARE_MM)


def envelope_layout(envelope: Envelope, lines: list[str], return_lines: list[str], dx: float, dy: float) -> dict[str, Any]:
    """An envelope face: recipient in the address zone, optional return address, a stamp box."""
    recipient = block(lines, envelope.zone.inset(SPARE_MM).moved(dx, dy), 12, 8, f"the {envelope.title} address zone")
    back = None
    if return_lines:
        back = block(return_lines, RETURN_BOX.moved(dx, dy), 9, 6, "the return address corner", SENDER_HINT)
    return {
        "envelope": envelope,
        "recipient": recipient,
        "return": back,
        "stamp": stamp_box(envelope).moved(dx, dy).css(),
        "zone": envelope.zone.moved(dx, dy).css(),
    }


def window_layout(lines: list[str], return_line: str | None, margin_top: float, margin_left: float) -> dict[str, Any]:
    """The DIN 5008 B address field of an A4 letter, positioned from the page area's origin."""
    origin = (-margin_left, -margin_top)
    recipient = block(lines, window_address_box().moved(*origin), 11, 8, "the window's address zone")
    back = None
    if return_line:
        zone = WINDOW_RETURN_ZONE
        line_box = Box(WINDOW_TEXT_LEFT, zone.bottom - 6, zone.right - 2 - WINDOW_TEXT_LEFT, 5).moved(*origin)
        back = block([return_line], line_box, 8, 6, "the window's return line", SENDER_HINT)
    marks = [Box(5, y, 5, 0).moved(*origin).css() for y in FOLD_MARKS] + [Box(5, HOLE_MARK, 8, 0).moved(*origin).css()]
    return {
        "page_margin": f"{margin_top}mm 20mm 18mm {margin_left}mm",
        "height": f"{WINDOW.bottom + 8 - margin_top:.1f}mm",
        "window": WINDOW.moved(*origin).css(),
        "recipient": recipient,
        "return": back,
        "marks": marks,
    }
