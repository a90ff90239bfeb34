"""Paper and boxes on it, in millimetres: the one definition of the paper sizes.

Coordinates are measured from the top-left corner of the sheet, x to the
right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

PRINTER_EDGE_MM = 5.0  # office printers leave 4-5 mm unprinted at each edge
SAFE_MM = 8.0  # card content keeps this far from every card edge
SPARE_MM = 2.0  # an address keeps at least this far from the edge of its zone, window or label
PT = 25.4 / 72
IN = 25.4


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

    def as_context(self) -> dict[str, object]:
        """What a template receives as `paper`."""
        return {"name": self.name, "css": self.css, "width_mm": self.w, "height_mm": self.h}


PAPERS = {
    "a4": Paper("a4", "A4", 210.0, 297.0),
    "letter": Paper("letter", "letter", 215.9, 279.4),
}


def length_mm(value: float | int | str) -> float:
    """A length from a geometry table: a number of mm, or "181.4pt", "2.625in", "220mm" as published."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    for unit, factor in (("mm", 1.0), ("pt", PT), ("in", IN)):
        if text.endswith(unit):
            number = float(text[: -len(unit)])
            return number if factor == 1.0 else number * factor
    return float(text)
