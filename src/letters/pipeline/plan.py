"""Who gets what: the documents a campaign should make, and every one it must not, with why.

A product's entry names its rule (`eligible`) and its languages; the rules
live here because they read the campaign's data (status, correspondence,
address, freshness).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import Diagnostic
from ..core.errors import LettersError
from ..data import messages
from ..data.address import russian_profile_refusal
from ..data.load import CampaignData
from ..data.models import Prisoner
from ..products.registry import Product

CAMPAIGN = "campaign"  # stands for the person in documents about everyone (a reserved id)


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


RULES: dict[str, Callable[[Prisoner, CampaignData], str | None]] = {"mail": mail_refusal, "appeal": appeal_refusal}
LANGUAGES: dict[str, Callable[[CampaignData], list[str]]] = {
    "campaign": lambda data: list(data.campaign.languages),
    "first": lambda data: list(data.campaign.languages[:1]),  # envelopes and labels: one address per person is enough
    "appeal": lambda data: list(data.campaign.appeal_languages),
}


def refusal(product: Product, prisoner: Prisoner, data: CampaignData) -> str | None:
    """Why this person gets none of this product, or None."""
    return RULES[product.eligible](prisoner, data)


def languages(product: Product, data: CampaignData) -> list[str]:
    return LANGUAGES[product.languages](data)


@dataclass(frozen=True)
class Job:
    """One document to make: a product, for one person (or everyone in `members`), in one language."""

    product: Product
    prisoner_id: str | None
    lang: str
    paper: str
    members: tuple[str, ...] = ()  # for a campaign document: the people on it, in order
    volume: int = 0  # a campaign document in volumes: its number (1, 2, ...); 0 when it is one file
    message: str | None = None  # a text file with the writer's own words
    phrases: tuple[str, ...] = ()  # phrase ids whose sentences are the writer's words
    writer: int = 1  # which writer a writer's sheet suggests phrases for
    tag: str = ""  # a pack's number for the letter this writer's sheet goes with (printed on it)

    @property
    def name(self) -> str:
        """Who, which language and which variant: the file name without the folder."""
        name = f"{self.prisoner_id or CAMPAIGN}-{self.lang}"
        if self.volume:
            name += f"-{self.volume:03d}"
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

    def path(self, suffix: str = ".pdf") -> str:
        """Where the document goes, relative to the output folder, in the format of `suffix`."""
        return f"{self.product.name}/{self.name}{suffix}"

    @property
    def people(self) -> tuple[str, ...]:
        """Whose data is in this document."""
        return (self.prisoner_id,) if self.prisoner_id else self.members


def skipped(pid: str, product: str, reason: str, data: CampaignData | None = None) -> Diagnostic:
    """A document the plan must not make: the person, the product and why."""
    file = data.files.get(pid) if data else None
    return Diagnostic(reason, "info", "skipped", file=file, subject=pid, product=product)


def failed(doc_id: str, path: str | Path, reason: str, code: str = "failed") -> Diagnostic:
    """A document that failed: at planning, composing, the lint's gate or rendering."""
    return Diagnostic(reason, "error", code, file=str(path), subject=doc_id)


def plan(
    data: CampaignData, products: list[str] | None = None, paper: str | None = None, people: set[str] | None = None
) -> tuple[list[Job], list[Diagnostic]]:
    """Every document the campaign should make, and every one it must not, with why.

    `people` limits the plan to some people (a month's birthdays).
    """
    jobs: list[Job] = []
    skips: list[Diagnostic] = []
    paper = paper or data.campaign.paper
    for name in products or data.campaign.products:
        spec = data.registry.product(name)
        if paper not in spec.papers:
            skips.append(skipped(CAMPAIGN, name, f"made on {', '.join(spec.papers)} paper only, not {paper}"))
            continue
        eligible = []
        for pid in sorted(data.prisoners if people is None else people & set(data.prisoners)):
            reason = refusal(spec, data.prisoners[pid], data)
            if reason:
                skips.append(skipped(pid, name, reason, data))
            else:
                eligible.append(pid)
        for lang in languages(spec, data):
            if spec.per_person:
                jobs.extend(Job(spec, pid, lang, paper) for pid in eligible)
            if spec.per_campaign and eligible:
                jobs.extend(campaign_volumes(spec, lang, paper, eligible, data))
    return jobs, skips


CARDS_PER_VOLUME = 100  # people on one file of everyone's cards: 25 sheets, a printer's tray
LABEL_SHEETS_PER_VOLUME = 10  # sheets on one file of everyone's labels (210 people on L7160)


def volume_sizes(spec: Product, paper: str, data: CampaignData) -> tuple[int, int] | None:
    """How many people the first volume of a campaign document holds, and each later one;
    None for a document that is always one file.

    Label volumes end on a full sheet: the first one starts at the first free label
    (`label_start`) and so holds that many fewer people; the rest start at the top left.
    No label is left blank between volumes."""
    if spec.layout == "postcard":
        return CARDS_PER_VOLUME, CARDS_PER_VOLUME
    if spec.layout == "labels":
        size = data.registry.label_sheets[spec.label_sheet(paper)].per_sheet * LABEL_SHEETS_PER_VOLUME
        return max(1, size - (data.campaign.print.label_start - 1)), size
    return None


def campaign_volumes(spec: Product, lang: str, paper: str, people: list[str], data: CampaignData) -> list[Job]:
    """Everyone's cards, or labels, in files of a few hundred people (`volume_sizes`), so that
    a thousand people's are laid out in parallel, in less memory, and fed to the printer in
    parts, never as one 500-page document."""
    sizes = volume_sizes(spec, paper, data)
    if sizes is None or len(people) <= sizes[0]:
        return [Job(spec, None, lang, paper, members=tuple(people))]
    first, size = sizes
    parts = [people[:first]] + [people[i : i + size] for i in range(first, len(people), size)]
    return [Job(spec, None, lang, paper, members=tuple(part), volume=number) for number, part in enumerate(parts, start=1)]


def plan_messages(
    data: CampaignData, products: list[str] | None = None, paper: str | None = None, people: set[str] | None = None
) -> tuple[list[Job], list[Diagnostic]]:
    """One letter per personal message in messages/<id>/, in the message's language;
    and a failure for each message that cannot be used."""
    paper = paper or data.campaign.paper
    found, problems = messages.find(data.root, set(data.prisoners))
    refused = [failed(f"message-{i}", p.file or "", p.message, "message") for i, p in enumerate(problems, start=1)]
    jobs = []
    for name in products or data.campaign.products:
        spec = data.registry.product(name)
        if not spec.takes_message or paper not in spec.papers:
            continue
        for message in found:
            if people is not None and message.person not in people:
                continue
            if refusal(spec, data.prisoners[message.person], data):
                continue  # the person gets no letter at all; the plan's skips say why
            where = message.path.relative_to(data.root)
            try:
                _, lang = messages.read_checked(message.path)
            except LettersError as exc:
                refused.append(failed(f"{name}-{message.person}-{message.name}", where, exc.format_message(), "message"))
                continue
            jobs.append(Job(spec, message.person, lang, paper, message=str(message.path)))
    return jobs, refused


def skip_summary(skips: list[Diagnostic]) -> dict[str, str]:
    """One line per person: which products they get none of, and why."""
    by_person: dict[str, dict[str, list[str]]] = {}
    for skip in skips:
        by_person.setdefault(skip.subject or CAMPAIGN, {}).setdefault(skip.message, []).append(skip.product or "")
    return {
        pid: "; ".join(f"no {', '.join(products)}: {reason}" for reason, products in reasons.items())
        for pid, reasons in sorted(by_person.items())
    }
