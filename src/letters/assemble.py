"""Stage 5: paper geometry. Where cards, labels and addresses go on a sheet, in millimetres.

Every position is computed here, in Python, from published dimensions; the
templates only place boxes at the numbers they are given. Coordinates are
measured from the top-left corner of the sheet, x to the right, y down.

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
from typing import Literal

Duplex = Literal["long", "short", "off"]
PRINTER_EDGE_MM = 5.0  # office printers leave 4-5 mm unprinted at each edge
SAFE_MM = 8.0  # card content keeps this far from every card edge
SPARE_MM = 2.0  # an address keeps at least this far from the edge of its zone, window or label


@dataclass(frozen=True)
class Box:
    """A rectangle in mm from the sheet's top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def inset(self, mm: float) -> Box:
        return Box(self.x + mm, self.y + mm, self.w - 2 * mm, self.h - 2 * mm)

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)

    def css(self) -> str:
        return f"left: {self.x:.3f}mm; top: {self.y:.3f}mm; width: {self.w:.3f}mm; height: {self.h:.3f}mm;"


@dataclass(frozen=True)
class Paper:
    name: str
    css: str
    w: float
    h: float


PAPERS = {
    "a4": Paper("a4", "A4", 210.0, 297.0),
    "letter": Paper("letter", "letter", 215.9, 279.4),
}

# ---------------------------------------------------------------- postcards

CARD_SIZES = {"a4": (105.0, 148.0), "letter": (107.95, 139.7)}  # A6; 4.25 x 5.5 in


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


CARD_DIVIDER = 0.40  # the address side gets more than half: Russian names and facility lines are long


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


# ---------------------------------------------------------------- envelopes and windows


@dataclass(frozen=True)
class Envelope:
    name: str
    title: str
    w: float
    h: float
    zone: Box  # postal address zone: right part, >= 15 mm from right and bottom, below the stamp


# Zones follow Deutsche Post / DIN practice (>= 40 mm from the top, >= 15 mm from
# the right and bottom; domain.md §4.1) and, for #10, the USPS read area (5/8 in
# from the bottom, 1/2 in from the sides, top no higher than 2 3/4 in).
ENVELOPES = {
    "dl": Envelope("dl", "DL 220 x 110 mm", 220.0, 110.0, Box(100, 40, 105, 55)),
    "c5": Envelope("c5", "C5 229 x 162 mm", 229.0, 162.0, Box(110, 60, 104, 87)),
    "c6": Envelope("c6", "C6 162 x 114 mm", 162.0, 114.0, Box(75, 40, 72, 59)),
    "us10": Envelope("us10", "US #10 9.5 x 4.125 in", 241.3, 104.775, Box(95, 38, 131, 50)),
}
RETURN_BOX = Box(10, 10, 80, 24)  # top left, only when the campaign sets a return address
STAMP_BOX = Box(0, 10, 25, 30)  # x counted from the right edge, see stamp_box()


def stamp_box(envelope: Envelope) -> Box:
    return Box(envelope.w - 10 - STAMP_BOX.w, STAMP_BOX.y, STAMP_BOX.w, STAMP_BOX.h)


# DIN 5008 Form B on A4, for a DL window envelope (domain.md §4.2).
WINDOW = Box(20, 45, 85, 45)
WINDOW_RETURN_ZONE = Box(20, 45, 85, 17.7)  # filled from the bottom up, about 8 pt
WINDOW_ADDRESS_ZONE = Box(20, 62.7, 85, 27.3)  # up to 6 lines, filled from the top down
WINDOW_TEXT_LEFT = 25.0  # DIN text rule
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5


def window_address_box() -> Box:
    """Where the address text may go: the address zone, from the 25 mm rule, 2 mm spare."""
    zone = WINDOW_ADDRESS_ZONE
    return Box(WINDOW_TEXT_LEFT, zone.y + SPARE_MM, zone.right - SPARE_MM - WINDOW_TEXT_LEFT, zone.h - 2 * SPARE_MM)


# ---------------------------------------------------------------- label sheets


@dataclass(frozen=True)
class LabelSheet:
    name: str
    paper: str
    cols: int
    rows: int
    w: float
    h: float
    x0: float
    y0: float
    dx: float
    dy: float

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows


PT = 25.4 / 72
IN = 25.4
# glabels-qt templates (domain.md §4.4): avery-iso-templates.xml and avery-us-templates.xml.
LABEL_SHEETS = {
    "L7160": LabelSheet("L7160", "a4", 3, 7, 181.4 * PT, 108.0 * PT, 21.2 * PT, 43.9 * PT, 187.2 * PT, 108.0 * PT),
    "5160": LabelSheet("5160", "letter", 3, 10, 2.625 * IN, 1.0 * IN, 0.15625 * IN, 0.5 * IN, 2.78125 * IN, 1.0 * IN),
}
DEFAULT_LABEL_SHEET = {"a4": "L7160", "letter": "5160"}
LABEL_PADDING_MM = 3.0  # text keeps 3 mm from the label's edge (2 mm spare plus printer drift)


def label_cell(sheet: LabelSheet, position: int) -> Box:
    """Label number `position` (0-based, row by row) on its sheet."""
    r, c = divmod(position % sheet.per_sheet, sheet.cols)
    return Box(sheet.x0 + c * sheet.dx, sheet.y0 + r * sheet.dy, sheet.w, sheet.h)


def label_positions(sheet: LabelSheet, count: int, start: int = 1) -> list[tuple[int, int, Box]]:
    """(sheet number, label number on that sheet (1-based), cell) for `count` labels.

    `start` is the first free label on a partly used first sheet (1 = top left).
    """
    if not 1 <= start <= sheet.per_sheet:
        raise ValueError(f"--start must be between 1 and {sheet.per_sheet} for {sheet.name}")
    out = []
    for i in range(count):
        position = start - 1 + i
        out.append((position // sheet.per_sheet, position % sheet.per_sheet + 1, label_cell(sheet, position)))
    return out


# ---------------------------------------------------------------- what templates receive
# Plain dicts of numbers and strings: templates place boxes, they compute nothing.


class FitError(ValueError):
    """An address that cannot be set legibly inside its zone."""


def _block(lines: list[str], box: Box, max_pt: float, min_pt: float, where: str) -> dict:
    """An address block fitted to `box`: its lines, type size and CSS position."""
    from .address import LINE_HEIGHT, fit_lines

    fit = fit_lines(lines, box.w, box.h, max_pt, min_pt)
    if fit.size_pt is None:
        raise FitError(
            f"the address does not fit {where} ({box.w:.0f} x {box.h:.0f} mm) even at {min_pt:g} pt: "
            f"{' / '.join(lines)}; split a long line in facilities.yaml"
        )
    css = f"{box.css()} font-size: {fit.size_pt}pt; line-height: {LINE_HEIGHT};"
    return {"lines": lines, "size_pt": fit.size_pt, "box": box, "css": css}


def postcard_layout(cards: list[dict], paper: str, duplex: Duplex) -> dict:
    """Sheets of four cards; each card dict gets its fitted back address ("address")."""
    w, h = CARD_SIZES[paper]
    zones = card_back_zones(paper)
    for card in cards:
        card["address"] = _block(card["lines"], zones["address"].inset(SPARE_MM), 10.5, 7, "the address side of the card")
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
    }


def envelope_layout(size: str, lines: list[str], return_lines: list[str], dx: float, dy: float) -> dict:
    """An envelope face: recipient in the address zone, optional return address, a stamp box."""
    envelope = ENVELOPES[size]
    block = _block(lines, envelope.zone.inset(SPARE_MM).moved(dx, dy), 12, 8, f"the {envelope.title} address zone")
    back = None
    if return_lines:
        back = _block(return_lines, RETURN_BOX.moved(dx, dy), 9, 6, "the return address corner")
    return {
        "envelope": envelope,
        "recipient": block,
        "return": back,
        "stamp": stamp_box(envelope).moved(dx, dy).css(),
        "zone": envelope.zone.moved(dx, dy).css(),
    }


def window_layout(lines: list[str], return_line: str | None, margin_top: float, margin_left: float) -> dict:
    """The DIN 5008 B address field of an A4 letter, positioned from the page area's origin."""
    origin = (-margin_left, -margin_top)
    block = _block(lines, window_address_box().moved(*origin), 11, 8, "the window's address zone")
    back = None
    if return_line:
        zone = WINDOW_RETURN_ZONE
        back = _block([return_line], Box(WINDOW_TEXT_LEFT, zone.bottom - 6, zone.right - 2 - WINDOW_TEXT_LEFT, 5).moved(*origin), 8, 6, "the window's return line")
    marks = [Box(5, y, 5, 0).moved(*origin).css() for y in FOLD_MARKS] + [Box(5, HOLE_MARK, 8, 0).moved(*origin).css()]
    return {
        "page_margin": f"{margin_top}mm 20mm 18mm {margin_left}mm",
        "height": f"{WINDOW.bottom + 8 - margin_top:.1f}mm",
        "window": WINDOW.moved(*origin).css(),
        "recipient": block,
        "return": back,
        "marks": marks,
    }


def labels_layout(
    people: list[tuple[str, list[str]]], sheet_name: str, start: int, dx: float, dy: float
) -> tuple[dict, list[tuple[str, str]]]:
    """Label cells for (person, lines); addresses that cannot fit leave their label blank.

    Returns the layout and (person, message) for each blank label, naming it.
    """
    sheet = LABEL_SHEETS[sheet_name]
    labels, problems = [], []
    for (person, lines), (number, position, cell) in zip(people, label_positions(sheet, len(people), start), strict=True):
        cell = cell.moved(dx, dy)
        try:
            block = _block(lines, cell.inset(LABEL_PADDING_MM), 11, 6, f"a {sheet.name} label")
        except FitError as exc:
            problems.append((person, f"label {position} on sheet {number + 1} ({person}) left blank: {exc}; write it by hand"))
            block = None
        labels.append({"sheet": number, "position": position, "person": person, "cell": cell.css(), "address": block})
    pages = [[label for label in labels if label["sheet"] == n] for n in range(max((lb["sheet"] for lb in labels), default=-1) + 1)]
    return {"sheet": sheet, "paper": PAPERS[sheet.paper], "pages": pages}, problems


# ---------------------------------------------------------------- bundles


def merge_pdfs(parts: list[bytes], title: str, pad_to_even: bool) -> tuple[bytes, int]:
    """One PDF from many, in order; with `pad_to_even` each part is followed by a blank
    page when it has an odd page count, so every part starts on a front side in duplex.

    pikepdf (qpdf) copies pages as objects, about four times faster than pypdf here;
    `deterministic_id` keeps the same parts giving the same bytes.
    """
    import io

    import pikepdf

    merged = pikepdf.Pdf.new()
    for data in parts:
        part = pikepdf.Pdf.open(io.BytesIO(data))
        merged.pages.extend(part.pages)
        if pad_to_even and len(part.pages) % 2:
            x0, y0, x1, y1 = (float(v) for v in part.pages[-1].mediabox)
            merged.add_blank_page(page_size=(x1 - x0, y1 - y0))
    merged.docinfo["/Title"] = title
    merged.docinfo["/Producer"] = "letters"
    out = io.BytesIO()
    merged.save(out, deterministic_id=True)
    return out.getvalue(), len(merged.pages)
