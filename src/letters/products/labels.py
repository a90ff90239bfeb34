"""Label sheets: the published geometry of each sheet (data), and which address goes on which label.

Sheets are the `label_sheets:` table of templates/products/*.yaml, from the
glabels-qt templates (domain.md §4.4). Addresses that cannot fit leave their
label blank and are named, so nobody is silently left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..core.errors import FitError
from ..core.fonts import PT_TO_MM
from .fit import LINE_HEIGHT, block
from .paper import PAPERS, Box

LABEL_PADDING_MM = 3.0  # text keeps 3 mm from the label's edge (2 mm spare plus printer drift)
FOLDED = re.compile(r"[\t\n\r ]+")  # what HTML folds into one space in a line of text


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


def label_cell(sheet: LabelSheet, position: int) -> Box:
    """Label number `position` (0-based, row by row) on its sheet."""
    r, c = divmod(position % sheet.per_sheet, sheet.cols)
    return Box(sheet.x0 + c * sheet.dx, sheet.y0 + r * sheet.dy, sheet.w, sheet.h)


def label_positions(sheet: LabelSheet, count: int, start: int = 1) -> list[tuple[int, int, Box]]:
    """(sheet number, label number on that sheet (1-based), cell) for `count` labels.

    `start` is the first free label on a partly used first sheet (1 = top left).
    """
    if not 1 <= start <= sheet.per_sheet:
        raise FitError(f"--start must be between 1 and {sheet.per_sheet} for {sheet.name}")
    out = []
    for i in range(count):
        position = start - 1 + i
        out.append((position // sheet.per_sheet, position % sheet.per_sheet + 1, label_cell(sheet, position)))
    return out


def labels_layout(
    people: list[tuple[str, list[str]]], sheet: LabelSheet, start: int, dx: float, dy: float
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Label cells for (person, lines); addresses that cannot fit leave their label blank.

    Returns the layout and (person, message) for each blank label, naming it.
    """
    labels, problems = [], []
    for (person, lines), (number, position, cell) in zip(people, label_positions(sheet, len(people), start), strict=True):
        cell = cell.moved(dx, dy)
        try:
            fitted = printed(block(lines, cell.inset(LABEL_PADDING_MM), 11, 6, f"a {sheet.name} label"))
        except FitError as exc:
            problems.append((person, f"label {position} on sheet {number + 1} ({person}) left blank: {exc.format_message()}; write it by hand"))
            fitted = None
        labels.append({"sheet": number, "position": position, "person": person, "cell": cell.css(), "address": fitted})
    pages = [[label for label in labels if label["sheet"] == n] for n in range(max((lb["sheet"] for lb in labels), default=-1) + 1)]
    return {"sheet": sheet, "paper": PAPERS[sheet.paper], "pages": pages}, problems


def printed(fitted: dict[str, Any]) -> dict[str, Any]:
    """A fitted address as the label sheet sets it: its lines as they print (`printed`),
    in a box exactly as tall as those lines and centred in the fitted box (`css`).

    Centring is done here rather than by a flex column in the template: WeasyPrint
    measured and laid out every label's lines several times to centre them (about 10 ms
    a label, three quarters of a sheet's time). The lines print as they did in an
    element each: spaces, tabs and line breaks inside a line fold into one space, and a
    line left empty takes no room.
    """
    lines = [text for text in (FOLDED.sub(" ", line).strip(" ") for line in fitted["lines"]) if text]
    box, size = fitted["box"], fitted["size_pt"]
    height = len(lines) * size * LINE_HEIGHT * PT_TO_MM
    text_box = Box(box.x, box.y + (box.h - height) / 2, box.w, height)
    return {**fitted, "printed": lines, "css": f"{text_box.css()} font-size: {size}pt; line-height: {LINE_HEIGHT};"}
