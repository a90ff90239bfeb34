"""Postal addresses: the lines an envelope, card or label carries, and the type size that fits them.

The address profile is chosen by the facility's country (research/domain.md §2.3):

- Belarus: first name and surname, then the facility's lines exactly as
  published ("ИК №4 / ул. Антошкина, 3 / 246035, г. Гомель / REPUBLIC OF BELARUS").
- Russia: surname, first name and patronymic in Russian order with the year of
  birth ("Иванов Иван Иванович, 1985 г. р."), then the facility's lines.

Sizes are found by measuring the text with the bundled font's own advance
widths (fontTools, already a WeasyPrint dependency), so "does it fit" is
decided before rendering and a build can say which address does not fit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .models import Facility, Prisoner

PT_TO_MM = 25.4 / 72
ADDRESS_FONT = "PTSans-Regular.ttf"
LINE_HEIGHT = 1.3  # CSS line-height of address blocks: PT Sans' ascent + descent (1.294 em) fits inside


def russian_profile_refusal(prisoner: Prisoner) -> str | None:
    """A Russian prison delivers only with the full name and year of birth."""
    if not prisoner.names.ru.patronymic:
        return "a Russian prison address needs the patronymic (names.ru.patronymic)"
    if prisoner.birth_date is None:
        return "a Russian prison address needs the year of birth (birth_date)"
    return None


def name_line(prisoner: Prisoner, facility: Facility, lang: str) -> str:
    """The first address line: the person, written as the destination's post expects."""
    if facility.country == "RU":
        name = prisoner.names.ru
        born = prisoner.birth_date
        year = born.year if isinstance(born, dt.date) else born
        return f"{name.last} {name.first} {name.patronymic}, {year} г. р."
    name = getattr(prisoner.names, lang if lang in ("be", "ru") else "ru")
    return f"{name.first} {name.last}"


def recipient_lines(prisoner: Prisoner, facility: Facility, lang: str) -> list[str]:
    """Every line of the recipient block, the country in Latin capitals last."""
    if facility.address is None:
        raise ValueError(f"{facility.id} has no published address")
    return [name_line(prisoner, facility, lang), *facility.address]


@cache
def _metrics(font_file: str) -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    from fontTools.ttLib import TTFont

    from .render import FONT_DIR

    font = TTFont(Path(FONT_DIR) / font_file, lazy=True)
    return font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, font_file: str = ADDRESS_FONT) -> float:
    """The width of one line set in the bundled font, without kerning (which only narrows it)."""
    cmap, hmtx, units = _metrics(font_file)
    notdef = hmtx[".notdef"][0]
    advance = sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else notdef for c in text)
    return advance / units * size_pt * PT_TO_MM


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
