"""Stage 3: turn a job into HTML with a sandboxed, strict Jinja2 environment.

Lookup order: the campaign's templates/ folder, then the built-in library. A
campaign template can extend the one it replaces as "builtin:<name>".
Profile text only ever enters templates as data: it is escaped, never compiled.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import yaml
from babel.dates import format_date
from babel.units import format_unit
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from . import __version__, assemble, lint, messages, phrasebook
from .address import recipient_lines
from .errors import LettersError, LintError, Problem, TemplateError
from .load import CampaignData
from .models import Facility, Prisoner, Sentence
from .select import Job

LOCALES = {"en": "en_GB"}  # "17 September 2020", as in an Amnesty appeal
PAPER = {"a4": {"css": "A4", "width_mm": 210, "height_mm": 297}, "letter": {"css": "letter", "width_mm": 215.9, "height_mm": 279.4}}


def builtin_templates_dir() -> Path:
    """The built-in template library: inside the wheel, or the repository's templates/."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def template_dirs(campaign_root: Path | None) -> list[Path]:
    """Folders templates may come from, campaign first: also the renderer's file jail."""
    dirs = [builtin_templates_dir()]
    if campaign_root is not None and (campaign_root / "templates").is_dir():
        dirs.insert(0, campaign_root / "templates")
    return dirs


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


def make_environment(campaign_root: Path | None = None) -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment: sandboxed, undefined names are errors, HTML escaped."""
    dirs = template_dirs(campaign_root)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in dirs]),
            jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(builtin_templates_dir()))}, delimiter=":"),
        ]
    )
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["long_date"] = long_date
    env.filters["sentence_text"] = sentence_text
    env.filters["articles_text"] = articles_text
    return env


def load_text(env: jinja2.Environment, name: str) -> dict[str, Any]:
    """Read a text file (YAML data, e.g. the letter's sentences) through the template lookup."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"text file {name!r} not found in the campaign's or the built-in templates/") from None
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{filename}: invalid YAML: {exc}") from None


TEXTS = {"text": "texts/solidarity.yaml", "guidance": "texts/guidance.yaml", "cards": "texts/cards.yaml"}
WINDOW_MARGIN = (20.0, 25.0)  # top and left page margin of a window letter, mm


@dataclass
class Composer:
    """Turns jobs of one campaign into HTML: one environment, text files read once."""

    data: CampaignData
    env: ImmutableSandboxedEnvironment = field(init=False)
    notes: list[Problem] = field(init=False, default_factory=list)  # warnings met while composing

    def __post_init__(self) -> None:
        self.env = make_environment(self.data.root)

    @cached_property
    def rules(self) -> lint.Rules:
        return lint.rules_for(self.data.root)

    def lint(self, job: Job, html: str) -> list[lint.Finding]:
        """The lint's findings on a prisoner-audience document as rendered.

        Exempt: the address lines of the people on it (copied as published, the
        country in Latin capitals) and a return address the sender chose to print.
        """
        exempt = [line for pid in job.people for line in (self.person(pid, job.lang)["address"] or [])]
        sender = self.data.campaign.sender
        if sender.on_prisoner_mail:
            exempt += [sender.name or "", *sender.address, ", ".join([sender.name or "", *sender.address]),
                       " ".join(sender.address)]
        return lint.lint_document(html, self.rules, exempt)

    @cached_property
    def texts(self) -> dict[str, Any]:
        return {key: load_text(self.env, name) for key, name in TEXTS.items()}

    def context(self, job: Job) -> dict[str, Any]:
        """Everything a template receives, as plain data (dicts and strings)."""
        context = {
            **self.common(job.lang, job.product.audience, job.paper),
            "product": job.product.name,
            "variant": job.product.variant,
            "doc_id": job.doc_id,
        }
        if job.prisoner_id:
            context.update(self.person(job.prisoner_id, job.lang))
        context["message"] = self.own_words(job)
        if job.product.name == "writer-sheet":
            chosen = phrasebook.suggest(self.phrasebook, job.prisoner_id, job.writer)
            context["phrases"] = [{"id": p.id, "title": p.title, **p.text} for p in chosen]
            context["writer"] = job.writer
            context["tag"] = job.tag
        try:
            context.update(self.layout(job, context))
        except ValueError as exc:  # FitError, or a label --start beyond the sheet
            raise LettersError(f"{job.doc_id}: {exc}") from None
        return context

    def problem(self, person: str, message: str, where: Path | None = None) -> Problem:
        return Problem(where or self.data.files.get(person, self.data.root), message, severity="warning")

    @cached_property
    def phrasebook(self) -> dict[str, Any]:
        return load_text(self.env, phrasebook.FILE)

    def own_words(self, job: Job) -> list[str] | None:
        """The writer's words for this letter, as paragraphs: a message (linted first) or phrases."""
        if job.message:
            path = Path(job.message)
            try:
                text, _ = messages.read_checked(path, job.lang)
            except LettersError as exc:
                raise LettersError(f"{path}: {exc.format_message()}") from None
            findings = lint.lint_text(text, self.rules)
            if refused := lint.errors(findings):
                lines = "\n  ".join(str(f) for f in refused)
                raise LintError(f"{path}: message refused by the lint ({len(refused)} error(s)):\n  {lines}")
            self.notes.extend(self.problem(job.prisoner_id or "", f"{path.name}:{f}", path) for f in findings)
            return messages.paragraphs(text)
        if job.phrases:
            chosen = phrasebook.pick(self.phrasebook, list(job.phrases))
            return [" ".join(p.text[job.lang] for p in chosen)]
        return None

    def common(self, lang: str, audience: str, paper: str) -> dict[str, Any]:
        """What every page receives: the campaign, its date, sender (never on prisoner mail
        unless the campaign says so), addressee, paper and the texts."""
        data = self.data
        campaign = data.campaign
        sender = campaign.sender.model_dump()
        if audience == "prisoner" and not campaign.sender.on_prisoner_mail:
            sender = {"name": None, "address": [], "on_prisoner_mail": False, "in_pdf_metadata": False}
        addressee = data.addressees.get(campaign.appeal_to)
        return {
            "lang": lang,
            "audience": audience,
            "paper": {"name": paper, **PAPER[paper]},
            "date": data.date,
            "campaign": {"title": campaign.title},
            "sender": sender,
            "addressee": addressee.model_dump() if addressee else None,
            **self.texts,
            "version": __version__,
        }

    def page(self, name: str, extra: dict[str, Any]) -> str:
        """A page about the campaign rather than one document of a product (a pack's
        cover, the organizer's sheet): volunteer audience, English, the campaign's paper."""
        context = {**self.common("en", "volunteer", self.data.campaign.paper), "product": name.split("/")[0], **extra}
        return self._render(name, lambda: context, name)

    def person(self, pid: str, lang: str) -> dict[str, Any]:
        """One person's part of the context: names in `lang`, where they are, their address lines."""
        prisoner = self.data.prisoners[pid]
        facility = self.data.facilities.get(prisoner.facility) if prisoner.facility else None
        lines = recipient_lines(prisoner, facility, lang) if facility and facility.address else None
        return {
            "prisoner": prisoner.model_dump(mode="python"),
            "name": prisoner.names.model_dump()[lang if lang in ("be", "ru") else "latin"],
            "facility": facility.model_dump() if facility else None,
            "held_at": held_at(prisoner, facility, lang),
            "address": lines,
        }

    def layout(self, job: Job, context: dict[str, Any]) -> dict[str, Any]:
        """Paper geometry from `assemble` for the products that need it."""
        settings = self.data.campaign.print
        dx, dy = settings.offset_x_mm, settings.offset_y_mm
        kind = job.product.layout
        if kind == "window":
            if job.product.audience == "authority":
                lines = [context["addressee"]["name"], context["addressee"]["title"][job.lang], *context["addressee"]["address"]]
            else:
                lines = context["address"]
            sender = context["sender"]
            back = ", ".join([sender["name"], *sender["address"]]) if sender["name"] and sender["address"] else None
            return {"window": assemble.window_layout(lines, back, *WINDOW_MARGIN)}
        if kind == "envelope":
            sender = context["sender"]
            back = [sender["name"], *sender["address"]] if sender["name"] and sender["address"] else []
            return {"layout": assemble.envelope_layout(job.product.variant, context["address"], back, dx, dy)}
        if kind == "postcard":
            people = [job.prisoner_id] * 4 if job.prisoner_id else list(job.members)
            cards = [self.card(pid, job.lang) for pid in people]
            return {"layout": assemble.postcard_layout(cards, job.paper, settings.duplex)}
        if kind == "labels":
            people = [(pid, self.person(pid, job.lang)["address"]) for pid in job.members]
            sheet = assemble.DEFAULT_LABEL_SHEET[job.paper]
            layout, problems = assemble.labels_layout(people, sheet, settings.label_start, dx, dy)
            self.notes.extend(self.problem(person, message) for person, message in problems)
            return {"layout": layout}
        return {}

    def card(self, pid: str, lang: str) -> dict[str, Any]:
        """One postcard's words: the greeting with the first name, and the back's address lines."""
        person = self.person(pid, lang)
        return {"person": pid, "first": person["name"]["first"], "lines": person["address"], "gender": person["prisoner"]["gender"]}

    def html(self, job: Job) -> str:
        """Render one job's template to HTML; template problems become TemplateError."""
        return self._render(job.product.template_for(job.lang), lambda: self.context(job), job.doc_id)

    def _render(self, name: str, make_context: Any, what: str) -> str:
        context: dict[str, Any] = {}
        try:
            template = self.env.get_template(name)
            context = make_context()
            return template.render(context)
        except SecurityError as exc:
            raise TemplateError(f"template {name}: refused by the sandbox: {exc}") from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"template {name}: {exc} (for {what}; the template receives: {', '.join(sorted(context))})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {exc.name!r} not found in {[str(d) for d in template_dirs(self.data.root)]}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name}: {exc}") from None
