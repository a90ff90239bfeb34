"""Stage 2: who gets what. The products a campaign can make, and the documents to render.

A product is data (template, audience, languages, who is eligible); adding a
postcard or an envelope later means adding an entry here, not a special case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .load import CampaignData
from .models import Prisoner

Audience = Literal["prisoner", "authority", "volunteer"]


def mail_refusal(prisoner: Prisoner, data: CampaignData) -> str | None:
    """Why this person cannot be sent mail, or None when a letter can reach them."""
    if prisoner.status != "imprisoned":
        return f"status is {prisoner.status}"
    if prisoner.correspondence == "banned":
        return "correspondence is banned"
    if prisoner.correspondence == "incommunicado":
        return "held incommunicado"
    if prisoner.facility is None:
        note = prisoner.facility_note
        note = note.get("en", "") if isinstance(note, dict) else note
        note = f" ({note})" if note else ""
        return f"facility not known{note}"
    facility = data.facilities[prisoner.facility]
    if facility.address is None:
        return f"no published address for {facility.name.en}"
    return None


def appeal_refusal(prisoner: Prisoner, data: CampaignData) -> str | None:
    """Appeals are for everyone still imprisoned, correspondence bans included."""
    if prisoner.status != "imprisoned":
        return f"status is {prisoner.status}"
    return None


@dataclass(frozen=True)
class Product:
    name: str
    template: str  # may contain {lang}
    audience: Audience
    refusal: Callable[[Prisoner, CampaignData], str | None]
    languages: Callable[[CampaignData], list[str]]
    max_pages: int | None = None
    description: str = ""

    def template_for(self, lang: str) -> str:
        return self.template.format(lang=lang)


PRODUCTS: dict[str, Product] = {
    p.name: p
    for p in [
        Product(
            "letter",
            "letter/solidarity.html",
            "prisoner",
            mail_refusal,
            lambda d: list(d.campaign.languages),
            description="solidarity letter to the prisoner, with room for the writer's own lines",
        ),
        Product(
            "writer-sheet",
            "sheet/writer.html",
            "volunteer",
            mail_refusal,
            lambda d: list(d.campaign.languages),
            description="for the volunteer: the letter glossed in English, who the person is, "
            "the address to copy, do and don't",
        ),
        Product(
            "appeal",
            "appeal/release.{lang}.html",
            "authority",
            appeal_refusal,
            lambda d: list(d.campaign.appeal_languages),
            max_pages=1,
            description="appeal for release to the authorities (one page)",
        ),
    ]
}


def product(name: str, called: str = "product") -> Product:
    """The product called `name`, or a clear error listing the known ones.

    `called` is the word the user typed it as (`letters render` says TEMPLATE).
    """
    from .errors import LettersError

    if name not in PRODUCTS:
        raise LettersError(f"unknown {called} {name!r}; expected one of {', '.join(sorted(PRODUCTS))}")
    return PRODUCTS[name]


@dataclass(frozen=True)
class Job:
    """One document to make: a product, for one person, in one language, on one paper."""

    product: Product
    prisoner_id: str
    lang: str
    paper: str

    @property
    def doc_id(self) -> str:
        return f"{self.product.name}-{self.prisoner_id}-{self.lang}"

    @property
    def relpath(self) -> str:
        return f"{self.product.name}/{self.prisoner_id}-{self.lang}.pdf"


@dataclass(frozen=True)
class Skip:
    prisoner_id: str
    product: str
    reason: str


def plan(data: CampaignData, products: list[str] | None = None, paper: str | None = None) -> tuple[list[Job], list[Skip]]:
    """Every document the campaign should make, and every one it must not, with why."""
    jobs: list[Job] = []
    skips: list[Skip] = []
    for name in products or data.campaign.products:
        spec = product(name)
        for pid in sorted(data.prisoners):
            reason = spec.refusal(data.prisoners[pid], data)
            if reason:
                skips.append(Skip(pid, name, reason))
                continue
            for lang in spec.languages(data):
                jobs.append(Job(spec, pid, lang, paper or data.campaign.paper))
    return jobs, skips
