"""Stage 2: who gets what. The products a campaign can make, and the documents to render.

A product is data (template, audience, languages, who is eligible); adding a
postcard or an envelope later means adding an entry here, not a special case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from .address import russian_profile_refusal
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
    if not data.include_stale:
        for what, verified in (("profile", prisoner.last_verified), (f"{facility.name.en} address", facility.last_verified)):
            if data.is_stale(verified):
                return (
                    f"{what} last verified {verified}, more than {data.campaign.stale_after_days} days before "
                    f"{data.date}: check it against the live list, or build with --include-stale"
                )
    if facility.country == "RU":
        return russian_profile_refusal(prisoner)
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
    layout: str = ""  # geometry the template needs from `assemble`: postcard, envelope, window, labels
    variant: str = ""  # what the shared template makes: a card design, an envelope size
    per_person: bool = True  # one document per person and language
    per_campaign: bool = False  # one document per language for everyone eligible (card sheets, labels)
    papers: tuple[str, ...] = ("a4", "letter")
    takes_message: bool = False  # the writer's own words (messages/<id>/*.txt, --message, --phrases) go in

    def template_for(self, lang: str) -> str:
        return self.template.format(lang=lang)


def _campaign_languages(data: CampaignData) -> list[str]:
    return list(data.campaign.languages)


def _first_language(data: CampaignData) -> list[str]:
    """Envelopes and labels: one address per person is enough."""
    return list(data.campaign.languages[:1])


def _postcard(name: str, variant: str, what: str) -> Product:
    return Product(
        name, "postcard/sheet.html", "prisoner", mail_refusal, _campaign_languages, layout="postcard", variant=variant,
        per_campaign=True,
        description=f"{what} postcard, four to a sheet with crop marks, backs behind fronts in duplex "
        "(per person: four copies; 'campaign': everyone's cards)",
    )


def _occasion(variant: str, what: str) -> Product:
    return Product(
        f"letter-{variant}", "letter/solidarity.html", "prisoner", mail_refusal, _campaign_languages,
        variant=variant, description=f"{what} letter to the prisoner, with room for the writer's own lines",
    )


def _window(base: Product) -> Product:
    """The same document with its address in a DL window envelope's field, and fold marks."""
    return replace(
        base,
        name=f"{base.name}-window",
        layout="window",
        papers=("a4",),
        description=f"{base.description.split(' (')[0]}, addressed in a DL window (DIN 5008 B), with fold marks",
    )


def _envelope(size: str, title: str) -> Product:
    return Product(
        f"envelope-{size}", "envelope/envelope.html", "prisoner", mail_refusal, _first_language,
        layout="envelope", variant=size, description=f"envelope {title} addressed to the prisoner",
    )


_BASIC: list[Product] = [
        Product(
            "letter",
            "letter/solidarity.html",
            "prisoner",
            mail_refusal,
            _campaign_languages,
            takes_message=True,
            description="solidarity letter to the prisoner, with room for the writer's own lines",
        ),
        Product(
            "writer-sheet",
            "sheet/writer.html",
            "volunteer",
            mail_refusal,
            _campaign_languages,
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
        _occasion("birthday", "a birthday"),
        _occasion("new-year", "a New Year"),
        _postcard("postcard", "plain", "a plain"),
        _postcard("postcard-birthday", "birthday", "a birthday"),
        _postcard("postcard-new-year", "new-year", "a New Year"),
        _envelope("dl", "DL (220 x 110 mm)"),
        _envelope("c5", "C5 (229 x 162 mm)"),
        _envelope("c6", "C6 (162 x 114 mm)"),
        _envelope("us10", "US #10 (9.5 x 4.125 in)"),
        Product(
            "labels",
            "labels/sheet.html",
            "prisoner",
            mail_refusal,
            _first_language,
            layout="labels",
            per_person=False,
            per_campaign=True,
            description="address labels for everyone who can receive mail: Avery L7160 on A4, 5160 on Letter",
        ),
]
PRODUCTS: dict[str, Product] = {
    p.name: p for p in [*_BASIC, *(_window(b) for b in _BASIC if b.name in ("letter", "appeal"))]
}


def product(name: str, called: str = "product") -> Product:
    """The product called `name`, or a clear error listing the known ones.

    `called` is the word the user typed it as (`letters render` says TEMPLATE).
    """
    from .errors import LettersError

    if name not in PRODUCTS:
        raise LettersError(f"unknown {called} {name!r}; expected one of {', '.join(sorted(PRODUCTS))}")
    return PRODUCTS[name]


CAMPAIGN = "campaign"  # stands for the person in documents about everyone (a reserved id)


@dataclass(frozen=True)
class Job:
    """One document to make: a product, for one person (or everyone in `members`), in one language."""

    product: Product
    prisoner_id: str | None
    lang: str
    paper: str
    members: tuple[str, ...] = ()  # for a campaign document: the people on it, in order
    message: str | None = None  # a text file with the writer's own words
    phrases: tuple[str, ...] = ()  # phrase ids whose sentences are the writer's words
    writer: int = 1  # which writer a writer's sheet suggests phrases for
    tag: str = ""  # a pack's number for the letter this writer's sheet goes with (printed on it)

    @property
    def name(self) -> str:
        """Who, which language and which variant: the file name without the folder."""
        name = f"{self.prisoner_id or CAMPAIGN}-{self.lang}"
        if self.message:
            name += f"-{Path(self.message).name.split('.')[0]}"
        if self.phrases:
            name += "-phrases"
        if self.writer != 1:
            name += f"-writer{self.writer}"
        if self.tag:
            name += f"-{self.tag}"
        return name

    @property
    def doc_id(self) -> str:
        return f"{self.product.name}-{self.name}"

    @property
    def relpath(self) -> str:
        return f"{self.product.name}/{self.name}.pdf"

    @property
    def people(self) -> tuple[str, ...]:
        """Whose data is in this document."""
        return (self.prisoner_id,) if self.prisoner_id else self.members


@dataclass(frozen=True)
class Skip:
    prisoner_id: str
    product: str
    reason: str


def plan(
    data: CampaignData, products: list[str] | None = None, paper: str | None = None, people: set[str] | None = None
) -> tuple[list[Job], list[Skip]]:
    """Every document the campaign should make, and every one it must not, with why.

    `people` limits the plan to some people (a month's birthdays).
    """
    jobs: list[Job] = []
    skips: list[Skip] = []
    paper = paper or data.campaign.paper
    for name in products or data.campaign.products:
        spec = product(name)
        if paper not in spec.papers:
            skips.append(Skip(CAMPAIGN, name, f"made on {', '.join(spec.papers)} paper only, not {paper}"))
            continue
        eligible = []
        for pid in sorted(data.prisoners if people is None else people & set(data.prisoners)):
            reason = spec.refusal(data.prisoners[pid], data)
            if reason:
                skips.append(Skip(pid, name, reason))
            else:
                eligible.append(pid)
        for lang in spec.languages(data):
            if spec.per_person:
                jobs.extend(Job(spec, pid, lang, paper) for pid in eligible)
            if spec.per_campaign and eligible:
                jobs.append(Job(spec, None, lang, paper, members=tuple(eligible)))
    return jobs, skips


@dataclass(frozen=True)
class Failure:
    """A document that failed: at planning (a misplaced or unreadable message), at
    composing, at the lint's gate or at rendering. The build reports each one."""

    doc_id: str
    path: str
    reason: str


def plan_messages(
    data: CampaignData, products: list[str] | None = None, paper: str | None = None, people: set[str] | None = None
) -> tuple[list[Job], list[Failure]]:
    """One letter per personal message in messages/<id>/, in the message's language."""
    from . import messages
    from .errors import LettersError

    paper = paper or data.campaign.paper
    found, problems = messages.find(data.root, set(data.prisoners))
    refused = [Failure(f"message-{i}", line.split(":")[0], line) for i, line in enumerate(problems, start=1)]
    jobs = []
    for name in products or data.campaign.products:
        spec = product(name)
        if not spec.takes_message or paper not in spec.papers:
            continue
        for message in found:
            if people is not None and message.person not in people:
                continue
            if spec.refusal(data.prisoners[message.person], data):
                continue  # the person gets no letter at all; the plan's skips say why
            where = message.path.relative_to(data.root)
            try:
                _, lang = messages.read_checked(message.path)
            except LettersError as exc:
                refused.append(Failure(f"{name}-{message.person}-{message.name}", str(where), f"{where}: {exc.format_message()}"))
                continue
            jobs.append(Job(spec, message.person, lang, paper, message=str(message.path)))
    return jobs, refused


def assign(
    people: list[str], written: dict[str, tuple[int, ...]], volunteers: int, per_volunteer: int | None, seed: str
) -> list[list[str]]:
    """Share people out to volunteers for an event: the least written first (by `written`,
    e.g. (letters sent, letters generated) from the ledger), nobody twice in one pack,
    and everyone covered as evenly as the numbers allow.

    Each volunteer gets `per_volunteer` people (default: enough for everyone to be
    covered once), at most everyone. Ties are broken by a hash with `seed`, so
    equally-written people take turns from one event to the next.
    """
    import hashlib
    import math

    if volunteers < 1:
        raise ValueError("at least one volunteer")
    if not people:
        return [[] for _ in range(volunteers)]
    order = sorted(people, key=lambda p: (written.get(p, ()), hashlib.sha256(f"{seed}\0{p}".encode()).hexdigest()))
    per = min(per_volunteer or math.ceil(len(order) / volunteers), len(order))
    total = volunteers * per
    rank = {p: i for i, p in enumerate(order)}
    # how many packs each person should be in: the same for all, one more for the least written
    quota = {p: total // len(order) + (1 if rank[p] < total % len(order) else 0) for p in order}
    packs: list[list[str]] = [[] for _ in range(volunteers)]
    given = dict.fromkeys(order, 0)
    for _ in range(per):
        for pack in packs:
            # whoever has the fewest writers so far; then whoever is owed most; then the least written
            best = min((p for p in order if p not in pack), key=lambda p: (given[p], -quota[p], rank[p]))
            quota[best] -= 1
            given[best] += 1
            pack.append(best)
    return packs
