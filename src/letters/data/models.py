"""Typed models of a campaign folder: what a valid profile, facility or campaign is.

The models are the single definition of the data format; `load` turns YAML into
them and reports every validation problem with its file and line. What depends
on more than one file (a facility that exists, a product the registry knows)
is checked by `load`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Lang = Literal["be", "ru"]
AppealLang = Literal["en", "ru"]
Gender = Literal["female", "male"]
Status = Literal["imprisoned", "released", "expelled", "deceased", "unknown"]
Correspondence = Literal["open", "banned", "incommunicado"]
Paper = Literal["a4", "letter"]
Country = Literal["BY", "RU"]

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Strict(BaseModel):
    """Base for all models: unknown keys are errors (a typo must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonName(Strict):
    first: str = Field(min_length=1)
    last: str = Field(min_length=1)
    patronymic: str | None = None

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class Names(Strict):
    be: PersonName
    ru: PersonName
    latin: PersonName


class Source(Strict):
    url: str = Field(pattern=r"^https?://\S+$")
    title: str = Field(min_length=1)


class Sentence(Strict):
    """A prison sentence as handed down; rendered in each language by `compose`."""

    years: int = Field(ge=0, le=99)
    months: int = Field(default=0, ge=0, le=11)
    regime: str | None = None


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


class Addressee(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    title: dict[AppealLang, str]
    address: list[str] = Field(min_length=2)
    salutation: dict[AppealLang, str]
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
    appeal_to: str = Field(default="prosecutor-general", pattern=SLUG)

    stale_after_days: int = Field(default=90, ge=1)
    sender: Sender = Field(default_factory=Sender)
    print: PrintSettings = Field(default_factory=PrintSettings)
