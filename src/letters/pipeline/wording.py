"""How facts are written in each language: dates, sentences, Criminal Code articles, places.

These are the filters templates use (`{{ date|long_date(lang) }}`); plural
forms and month names come from Babel's CLDR data.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date
from babel.units import format_unit

from ..data.models import Facility, Prisoner, Sentence

LOCALES = {"en": "en_GB"}  # "17 September 2020", as in an Amnesty appeal


def long_date(value: dt.date | int | None, lang: str) -> str:
    """A date as a person writes it in `lang`; a bare year stays a year."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return format_date(value, format="long", locale=LOCALES.get(lang, lang))


def sentence_text(sentence: Sentence | dict | None, lang: str) -> str:
    """'9 years', '14 лет 9 месяцев': plural forms come from Babel's CLDR data."""
    if sentence is None:
        return ""
    if isinstance(sentence, dict):
        sentence = Sentence.model_validate(sentence)
    parts = [format_unit(sentence.years, "duration-year", length="long", locale=lang)]
    if sentence.months:
        parts.append(format_unit(sentence.months, "duration-month", length="long", locale=lang))
    return " ".join(parts)


ARTICLE = re.compile(r"^(?P<article>[\d.\-]+)(?:\s+part\s+(?P<part>\d+))?$")


def articles_text(articles: list[str], lang: str) -> str:
    """Criminal Code articles, "342 part 1", as each language cites them."""
    cited = []
    for article in articles:
        match = ARTICLE.match(article.strip())
        if not match:
            cited.append(article)
        elif lang == "ru":
            part = f"ч. {match['part']} " if match["part"] else ""
            cited.append(f"{part}ст. {match['article']}")
        else:
            part = f" part {match['part']}" if match["part"] else ""
            cited.append(f"{match['article']}{part}")
    if lang == "ru":
        return ", ".join(cited)
    label = "Article" if len(cited) == 1 else "Articles"
    return f"{label} {', '.join(cited)}"


def held_at(prisoner: Prisoner, facility: Facility | None, lang: str) -> str:
    """Where the person is held, in `lang`: the facility's name or what is known."""
    if facility is not None:
        return getattr(facility.name, lang, None) or facility.name.ru
    note = prisoner.facility_note
    if isinstance(note, dict):
        return note.get(lang) or note.get("en") or ""
    if lang == "ru":
        return "не установлено"
    return note or "not known"


FILTERS = {"long_date": long_date, "sentence_text": sentence_text, "articles_text": articles_text}
