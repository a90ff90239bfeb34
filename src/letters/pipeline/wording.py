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


ARTICLE = re.compile(r"^(?P<article>\d+(?:[.\-]\d+)*)(?:\s+part\s+(?P<part>\d+))?$")
NBSP = "\u00a0"  # "ст. 293" never breaks between the abbreviation and the number
CODE = {"ru": "УК Республики Беларусь", "en": "of the Criminal Code of the Republic of Belarus"}


def _and(items: list[str], word: str) -> str:
    """"1", "1 и 3", "1, 2 и 3": the last two joined by the word for "and"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word}{NBSP}{items[-1]}"


def articles_text(articles: list[str], lang: str) -> str:
    """Criminal Code articles ("293 part 1", "293 part 3", "361") as each language cites them:
    grouped by article, sorted by number, the code named, with non-breaking spaces.

    ru: "ч. 1 и 3 ст. 293, ст. 361 УК Республики Беларусь";
    en: "Article 293, Parts 1 and 3; Article 361 of the Criminal Code of the Republic of Belarus".
    An article written otherwise is cited as written, after the others.
    """
    grouped: dict[str, list[int]] = {}
    bare: set[str] = set()
    other: list[str] = []
    for raw in articles:
        match = ARTICLE.match(raw.strip())
        if not match:
            other.append(raw.strip())
            continue
        parts = grouped.setdefault(match["article"], [])
        if match["part"]:
            if int(match["part"]) not in parts:
                parts.append(int(match["part"]))
        else:
            bare.add(match["article"])
    cited: list[str] = []
    for article in sorted(grouped, key=lambda a: [int(n) for n in re.split(r"[.\-]", a)]):
        parts = [str(p) for p in sorted(grouped[article])]
        if lang == "ru":
            if article in bare or not parts:
                cited.append(f"ст.{NBSP}{article}")
            if parts:
                cited.append(f"ч.{NBSP}{_and(parts, 'и')} ст.{NBSP}{article}")
        else:
            if article in bare or not parts:
                cited.append(f"Article{NBSP}{article}")
            if parts:
                cited.append(f"Article{NBSP}{article}, Part{'s' if len(parts) > 1 else ''}{NBSP}{_and(parts, 'and')}")
    cited += other
    if not cited:
        return ""
    if lang == "ru":
        return f"{', '.join(cited)}{NBSP}{CODE['ru']}"
    return f"{'; '.join(cited)} {CODE['en']}"


# The usual regimes of Belarusian penal colonies (the profile's `regime`, as Viasna writes it in
# English) as the Russian appeal says them; `regime_ru` in the profile says any other.
REGIMES_RU = {
    "general-security penal colony": "в исправительной колонии общего режима",
    "general-regime penal colony": "в исправительной колонии общего режима",
    "medium-security penal colony": "в исправительной колонии усиленного режима",
    "reinforced-regime penal colony": "в исправительной колонии усиленного режима",
    "strict-security penal colony": "в исправительной колонии строгого режима",
    "strict-regime penal colony": "в исправительной колонии строгого режима",
    "special-regime penal colony": "в исправительной колонии особого режима",
    "special-security penal colony": "в исправительной колонии особого режима",
    "prison": "в тюрьме",
}


def sentence_with_regime(sentence: Sentence | dict | None, lang: str) -> str:
    """The term and where it is served: "14 лет 9 месяцев лишения свободы в исправительной
    колонии общего режима", "14 years 9 months in a general-security penal colony"."""
    if sentence is None:
        return ""
    if isinstance(sentence, dict):
        sentence = Sentence.model_validate(sentence)
    term = sentence_text(sentence, lang)
    if lang == "ru":
        regime = sentence.regime_ru or REGIMES_RU.get((sentence.regime or "").strip().lower())
        return f"{term} лишения свободы{' ' + regime if regime else ''}"
    if sentence.regime:
        article = "an" if sentence.regime[:1].lower() in "aeiou" else "a"
        return f"{term} in {article} {sentence.regime}"
    return term


def quotes(text: str | None, lang: str) -> str:
    """Straight quotes as each language prints them: “Viasna” and women’s in English, «Весна» in Russian."""
    if not text:
        return ""
    left, right = ("«", "»") if lang in ("ru", "be") else ("“", "”")
    text = re.sub(r'"([^"]*)"', lambda m: f"{left}{m[1]}{right}", text)
    return text.replace("'", "’") if lang == "en" else text  # women’s, Babaryka’s


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


FILTERS = {"long_date": long_date, "sentence_text": sentence_text, "articles_text": articles_text,
           "sentence_with_regime": sentence_with_regime, "quotes": quotes}
