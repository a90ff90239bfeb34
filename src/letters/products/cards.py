"""Postcards: four to a sheet, backs behind their fronts, crop marks on the cut lines.

Decisions (also in the README):

- Postcards fill the sheet: four A6 (105 x 148 mm) on A4, four quarter-letter
  cards (4.25 x 5.5 in) on US Letter. A sheet that the cards fill exactly has no
  paper outside the cards, so the crop marks are ticks on the two cut lines,
  drawn in the band between the printer's unprinted edge (5 mm) and the cards'
  safe area (8 mm in from every card edge): two cuts make four cards and the
  ticks are cut through. Nothing a card says lies outside its safe area.
- Duplex: the back of the card at row r, column c is printed at (r, 1 - c) for
  long-edge flipping (the usual setting), at (1 - r, c) for short-edge; "off"
  puts all fronts first and the backs, unmirrored, on sheets of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..core.fonts import PT_TO_MM
from .fit import block
from .paper import PAPERS, PRINTER_EDGE_MM, SAFE_MM, SPARE_MM, Box

Duplex = Literal["long", "short", "off"]
CARD_SIZES = {"a4": (105.0, 148.0), "letter": (107.95, 139.7)}  # A6; 4.25 x 5.5 in
CARD_DIVIDER = 0.40  # the address side gets more than half: Russian names and facility lines are long
RULED_LINES = 16  # writing lines on a card's back, below its printed words
LINE_PITCH_MM = 7.5  # the space above each line
RULE_PT = 0.4  # each line's weight
PX_PER_MM = 96 / 25.4  # an inline SVG without a viewBox counts in CSS pixels


def ruled_path() -> dict[str, Any]:
    """The writing lines as one SVG path, each a 0.4 pt rule under a 7.5 mm space: drawn as
    one shape, where sixteen bordered boxes a card were a quarter of a card sheet's time."""
    weight = RULE_PT * PT_TO_MM
    pitch = LINE_PITCH_MM + weight
    ys = [(LINE_PITCH_MM + weight / 2 + k * pitch) * PX_PER_MM for k in range(RULED_LINES)]
    return {"d": " ".join(f"M0 {y:.3f}H2000" for y in ys), "height_mm": round(RULED_LINES * pitch, 3),
            "stroke_px": round(weight * PX_PER_MM, 4)}


def card_slots(paper: str) -> list[Box]:
    """The four card positions on a sheet, row by row, centred (A4 has 1 mm spare in height)."""
    sheet = PAPERS[paper]
    w, h = CARD_SIZES[paper]
    x0, y0 = (sheet.w - 2 * w) / 2, (sheet.h - 2 * h) / 2
    return [Box(x0 + c * w, y0 + r * h, w, h) for r in (0, 1) for c in (0, 1)]


def back_slot(slot: int, duplex: Duplex) -> int:
    """Where the back of the card in `slot` goes so that it lands behind its front."""
    r, c = divmod(slot, 2)
    if duplex == "long":
        c = 1 - c
    elif duplex == "short":
        r = 1 - r
    return r * 2 + c


@dataclass(frozen=True)
class Placed:
    box: Box
    card: int  # index into the list of cards


@dataclass(frozen=True)
class SheetSide:
    side: Literal["front", "back"]
    cards: list[Placed]


def impose_cards(count: int, paper: str, duplex: Duplex) -> list[SheetSide]:
    """Sheet sides for `count` cards, four to a sheet, fronts and backs in printing order."""
    slots = card_slots(paper)
    fronts: list[SheetSide] = []
    backs: list[SheetSide] = []
    for first in range(0, count, 4):
        batch = range(first, min(first + 4, count))
        fronts.append(SheetSide("front", [Placed(slots[i - first], i) for i in batch]))
        backs.append(SheetSide("back", [Placed(slots[back_slot(i - first, duplex)], i) for i in batch]))
    if duplex == "off":
        return fronts + backs
    return [side for pair in zip(fronts, backs, strict=True) for side in pair]


def crop_marks(paper: str) -> list[Box]:
    """Hairline ticks on the two cut lines, between the printer's edge and the cards' safe area."""
    sheet = PAPERS[paper]
    slots = card_slots(paper)
    cut_x, cut_y = slots[1].x, slots[2].y
    top, bottom = slots[0].y, slots[2].bottom
    left, right = slots[0].x, slots[1].right
    start, length = PRINTER_EDGE_MM, SAFE_MM - PRINTER_EDGE_MM - 0.5
    return [
        Box(cut_x, max(top, start), 0, length),  # vertical cut, top edge
        Box(cut_x, min(bottom, sheet.h - start) - length, 0, length),  # vertical cut, bottom edge
        Box(max(left, start), cut_y, length, 0),  # horizontal cut, left edge
        Box(min(right, sheet.w - start) - length, cut_y, length, 0),  # horizontal cut, right edge
    ]


def card_back_zones(paper: str) -> dict[str, Box]:
    """Inside one card (card coordinates): message on the left, stamp and address on the right."""
    w, h = CARD_SIZES[paper]
    divider = w * CARD_DIVIDER
    return {
        "safe": Box(0, 0, w, h).inset(SAFE_MM),
        "divider": Box(divider, SAFE_MM, 0, h - 2 * SAFE_MM),
        "message": Box(SAFE_MM, SAFE_MM, divider - SAFE_MM - 3, h - 2 * SAFE_MM),
        "stamp": Box(w - SAFE_MM - 22, SAFE_MM, 22, 26),
        "address": Box(divider + 2.5, h * 0.42, w - divider - 2.5 - SAFE_MM, h * 0.58 - SAFE_MM),
    }


def postcard_layout(cards: list[dict[str, Any]], paper: str, duplex: Duplex) -> dict[str, Any]:
    """Sheets of four cards; each card dict gets its fitted back address ("address")."""
    w, h = CARD_SIZES[paper]
    zones = card_back_zones(paper)
    for card in cards:
        card["address"] = block(card["lines"], zones["address"].inset(SPARE_MM), 10.5, 7, "the address side of the card")
    sides = [
        {"side": side.side, "cards": [{"css": p.box.css(), "card": cards[p.card]} for p in side.cards]}
        for side in impose_cards(len(cards), paper, duplex)
    ]
    return {
        "sheet": PAPERS[paper],
        "card": {"w": w, "h": h},
        "zones": {name: box.css() for name, box in zones.items()},
        "sides": sides,
        "marks": [{"css": box.css(), "vertical": box.w == 0} for box in crop_marks(paper)],
        "duplex": duplex,
        "ruled": ruled_path(),
    }
