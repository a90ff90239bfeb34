"""Typed models of a campaign folder: what a valid profile, facility or campaign is.

The models are the single definition of the data format; `load` turns YAML into
them and reports every validation problem with its file and line. What depends
on more than one file (a facility that exists, a product the registry knows)
is checked by `load`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Lang = Literal["be", "ru"]
AppealLang = Literal["en", "ru"]
Gender = Literal["female", "male"]
Status = Literal["imprisoned", "released", "expelled", "deceased", "unknown"]
Correspondence = Literal["open", "banned", "incommunicado"]
Paper = Literal["a4", "letter"]
Country = Literal["BY", "RU"]

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_TEXT = 10_000  # characters in one text field: a bio is a paragraph, never a book
REFUSED_CATEGORIES = {"Cc": "a control character", "Cf": "an invisible formatting character",
                      "Zl": "a line separator", "Zp": "a paragraph separator", "Cs": "a broken character"}
ALLOWED_CONTROLS = "\n\t\r"


def text_problem(text: str) -> str | None:
    """Why a text cannot be printed as it reads, or None: empty or only white space; NUL
    and other control characters; bidi overrides (U+202E prints "Марфа" as "афраМ") and
    zero-width characters, which hide what is printed; or longer than MAX_TEXT."""
    if not text.strip():
        return "is empty or only white space"
    if len(text) > MAX_TEXT:
        return f"is {len(text):,} characters long; at most {MAX_TEXT:,}"
    if text.isprintable():
        return None
    for char in text:
        kind = REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind and char not in ALLOWED_CONTROLS:
            name = unicodedata.name(char, "NUL" if char == "\0" else "unnamed")
            return f"holds {kind}, U+{ord(char):04X} ({name}); retype the text without it"
    return None


def _check_texts(value: Any) -> Any:
    """Every string in a field's value (strings in lists and dicts too) must pass `text_problem`."""
    strings = [value] if isinstance(value, str) else (
        [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else
        [v for v in value.values() if isinstance(v, str)] if isinstance(value, dict) else [])
    for text in strings:
        if problem := text_problem(text):
            raise ValueError(problem)
    return value


class Strict(BaseModel):
    """Base for all models: unknown keys are errors (a typo must not be ignored); every text
    field refuses what would print wrong or hide text (`text_problem`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        return _check_texts(value)


class PersonName(Strict):
    first: str = Field(min_length=1)
    last: str = Field(min_length=1)
    patronymic: str | None = None
    vocative: str | None = Field(
        default=None, min_length=1,
        description="be only: the first name in the vocative, as the letter greets a man (Алесю, Максіме); "
        "women's names need none (Марфа)",
    )
    official_first: str | None = Field(
        default=None, min_length=1,
        description="the full official first name where `first` is a short form (Анастасия for Наста); "
        "appeals identify the person by it",
    )
    accusative: str | None = Field(
        default=None, min_length=1,
        description="ru only: the official first name and surname in the accusative, as the Russian appeal "
        "asks to release them (Марфу Рабкову); without it a guess is shown by `letters check`",
    )

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class Names(Strict):
    be: PersonName
    ru: PersonName
    latin: PersonName

    @model_validator(mode="after")
    def _cases_where_they_belong(self) -> Names:
        if self.ru.vocative or self.latin.vocative:
            raise ValueError("`vocative` belongs under names.be (Russian and English greet with the name as it is)")
        if self.be.accusative or self.latin.accusative:
            raise ValueError("`accusative` belongs under names.ru (the Russian appeal is the one that needs it)")
        return self


class Source(Strict):
    url: str = Field(pattern=r"^https?://\S+$")
    title: str = Field(min_length=1)


class Sentence(Strict):
    """A prison sentence as handed down; rendered in each language by `compose`."""

    years: int = Field(ge=0, le=99)
    months: int = Field(default=0, ge=0, le=11)
    regime: str | None = None
    regime_ru: str | None = Field(
        default=None, min_length=1,
        description="the regime as the Russian appeal says it (в исправительной колонии общего режима), "
        "where `regime` is not one of the usual ones the appeal knows",
    )


class Prisoner(Strict):
    id: str = Field(pattern=SLUG)
    names: Names
    gender: Gender
    birth_date: dt.date | int | None = Field(
        default=None, description="full date, or a year alone when only that is known"
    )
    status: Status
    correspondence: Correspondence = "open"
    facility: str | None = Field(default=None, pattern=SLUG)
    facility_note: str | dict[Literal["en", "ru"], str] | None = Field(
        default=None, description="where the person is held when no facility record fits"
    )
    detention_date: dt.date | None = None
    articles: list[str] = Field(default_factory=list)
    sentence: Sentence | None = None
    role: dict[Literal["en", "ru"], str] = Field(default_factory=dict)
    concern: dict[Literal["en", "ru"], str] = Field(
        default_factory=dict,
        description="the person's own situation an appeal raises (correspondence banned, health, isolation), "
        "one or two sentences in each appeal language",
    )
    bio: str = Field(min_length=1)
    topics: list[str] = Field(default_factory=list)
    status_note: str | None = None
    photo: str | None = None
    sources: list[Source] = Field(min_length=1)
    last_verified: dt.date

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "campaign":
            raise ValueError("'campaign' is reserved for documents about the whole campaign")
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_year(cls, value: dt.date | int | None) -> dt.date | int | None:
        if isinstance(value, int) and not 1900 <= value <= dt.date.today().year:
            raise ValueError("a birth year must be a four-digit year such as 1972, not in the future")
        if isinstance(value, dt.date) and not dt.date(1900, 1, 1) <= value <= dt.date.today():
            raise ValueError("a birth date must be after 1900 and not in the future")
        return value

    @field_validator("detention_date", "last_verified")
    @classmethod
    def _not_in_the_future(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > dt.date.today():
            raise ValueError(f"{value} is in the future")
        return value

    @field_validator("photo")
    @classmethod
    def _photo_inside_campaign(cls, value: str | None) -> str | None:
        if value is None:
            return value
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or re.match(r"^[a-z]+:", value):
            raise ValueError("a photo must be a relative path inside the campaign's photos/ folder")
        if path.parts[:1] != ("photos",):
            raise ValueError("a photo must be a relative path inside the campaign's photos/ folder")
        return value

    @model_validator(mode="after")
    def _where_held(self) -> Prisoner:
        if self.status == "imprisoned" and not (self.facility or self.facility_note):
            raise ValueError(
                "an imprisoned person needs `facility` or, where it is not known, `facility_note`"
            )
        return self


class LocalizedName(Strict):
    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    be: str | None = None


COUNTRY_LINES = {"BY": ("REPUBLIC OF BELARUS", "BELARUS"), "RU": ("RUSSIAN FEDERATION", "RUSSIA")}


class Facility(Strict):
    id: str = Field(pattern=SLUG)
    name: LocalizedName
    country: Country = "BY"
    address: list[str] | None = Field(
        default=None,
        min_length=3,
        max_length=6,
        description="envelope lines below the person's name, exactly as published; "
        "the country in Latin capitals last; null when no address is published",
    )
    note: str | None = None
    sources: list[Source] = Field(min_length=1)
    last_verified: dt.date

    @field_validator("address")
    @classmethod
    def _country_last(cls, lines: list[str] | None) -> list[str] | None:
        if lines is not None and not re.fullmatch(r"[A-Z ]+", lines[-1]):
            raise ValueError(
                "the last address line must be the country in Latin capitals, "
                "e.g. REPUBLIC OF BELARUS"
            )
        return lines

    @model_validator(mode="after")
    def _country_matches(self) -> Facility:
        names = COUNTRY_LINES[self.country]
        if self.address is not None and self.address[-1] not in names:
            raise ValueError(f"a facility in {self.country} must end its address with {' or '.join(names)}, not {self.address[-1]!r}")
        return self


LATIN = re.compile(r"[A-Za-z]")


class AddresseeRu(Strict):
    """The addressee block of a Russian appeal, as a letter to a Belarusian body writes it:
    to whom in the dative ("Генеральному прокурору Республики Беларусь", "Горе Д. Ю."), and the
    address in Cyrillic with the country in Latin capitals last."""

    title: str = Field(min_length=1, description="the post in the dative: Генеральному прокурору Республики Беларусь")
    name: str | None = Field(default=None, min_length=1, description="surname and initials in the dative: Горе Д. Ю.")
    address: list[str] = Field(min_length=2, description="Cyrillic lines: ул. Интернациональная, 22 / 220030, г. Минск / REPUBLIC OF BELARUS")

    @model_validator(mode="after")
    def _cyrillic(self) -> AddresseeRu:
        for text in [self.title, self.name or "", *self.address[:-1]]:
            if LATIN.search(text):
                raise ValueError(f"{text!r}: the Russian addressee block is in Cyrillic (only the country line, last, is in Latin capitals)")
        return self


class Addressee(Strict):
    id: str = Field(pattern=SLUG)
    name: str | None = Field(default=None, min_length=1, description="the official's name; none for an embassy's head of mission")
    title: dict[AppealLang, str]
    address: list[str] = Field(min_length=2)
    salutation: dict[AppealLang, str]
    kind: Literal["authority", "embassy", "ministry"] = Field(
        default="authority",
        description="authority: a Belarusian state body, asked to release the person; embassy: a Belarusian "
        "embassy abroad, asked to pass the call on; ministry: the writer's own foreign ministry, asked to press for it",
    )
    ru: AddresseeRu | None = Field(default=None, description="the Russian appeal's addressee block (the dative, Cyrillic)")
    sources: list[Source] = Field(min_length=1)
    last_verified: dt.date


class Sender(Strict):
    """Who signs. Nothing of it is printed on prisoner mail unless `on_prisoner_mail`."""

    name: str | None = None
    address: list[str] = Field(default_factory=list)
    on_prisoner_mail: bool = False
    in_pdf_metadata: bool = False


class PrintSettings(Strict):
    """How the office printer is set up: duplex flipping and calibration offsets."""

    duplex: Literal["long", "short", "off"] = Field(
        default="long",
        description="long-edge or short-edge duplex (postcard backs behind their fronts, "
        "bundles padded to even pages), or off (single-sided)",
    )
    offset_x_mm: float = Field(default=0, ge=-20, le=20, description="moves labels and envelope text right")
    offset_y_mm: float = Field(default=0, ge=-20, le=20, description="moves labels and envelope text down")
    label_start: int = Field(default=1, ge=1, le=30, description="first free label on a partly used sheet")

    @field_validator("duplex", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        return "off" if value is False else value  # YAML reads a bare `off` as false


class Campaign(Strict):
    title: str = Field(min_length=1)
    date: dt.date | None = Field(
        default=None, description="date printed on appeals; today when not set"
    )
    languages: list[Lang] = Field(default_factory=lambda: ["be", "ru"], min_length=1)
    appeal_languages: list[AppealLang] = Field(default_factory=lambda: ["en", "ru"])
    paper: Paper = "a4"
    products: list[str] = Field(
        default_factory=lambda: ["letter", "writer-sheet", "appeal"],
        min_length=1,
        description="names from the product registry (`letters products`); checked by `load`",
    )
    appeal_to: str | dict[AppealLang, str] = Field(
        default="prosecutor-general",
        description="the addressee (an id in addressees.yaml) of the appeals, or one per appeal language: "
        "{ru: prosecutor-general, en: embassy-uk}",
    )

    stale_after_days: int = Field(default=90, ge=1)
    sender: Sender = Field(default_factory=Sender)
    print: PrintSettings = Field(default_factory=PrintSettings)

    @field_validator("appeal_to")
    @classmethod
    def _addressee_ids(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        for aid in [value] if isinstance(value, str) else value.values():
            if not re.match(SLUG, aid):
                raise ValueError(f"{aid!r} is not an addressee id (lower-case letters, digits and hyphens)")
        return value

    def addressee_for(self, lang: str) -> str | None:
        """The addressee id of the appeal in `lang`: one for all languages, or the language's own."""
        return self.appeal_to if isinstance(self.appeal_to, str) else self.appeal_to.get(lang)  # type: ignore[arg-type]

    @property
    def replies(self) -> bool:
        """A reply can come back: the campaign prints a return address on prisoner mail."""
        return bool(self.sender.on_prisoner_mail and self.sender.address)
