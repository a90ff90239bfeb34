"""Postal addresses: the lines an envelope, card or label carries for a person.

The address profile is chosen by the facility's country (research/domain.md §2.3):

- Belarus: first name and surname, then the facility's lines exactly as
  published ("ИК №4 / ул. Антошкина, 3 / 246035, г. Гомель / REPUBLIC OF BELARUS").
- Russia: surname, first name and patronymic in Russian order with the year of
  birth ("Иванов Иван Иванович, 1985 г. р."), then the facility's lines.

How large they are set is decided by products/fit.py.
"""

from __future__ import annotations

import datetime as dt

from ..core.errors import LettersError
from .models import Facility, Prisoner


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
        raise LettersError(f"{facility.id} has no published address")
    return [name_line(prisoner, facility, lang), *facility.address]
