"""Turn a job into HTML with the sandboxed, strict Jinja2 environment of the campaign.

Templates receive plain data (dicts and strings) and place boxes at the
numbers the products' geometry gives them; they compute nothing. Warnings met
while composing (a message's lint warnings, a label left blank) go to the
reporter the caller passes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .. import __version__
from ..core.diagnostics import Diagnostic, Reporter, ignore
from ..core.errors import FitError, LettersError, LintError, TemplateError
from ..core.templates import (
    TooSlow,
    describe_failure,
    load_text,
    make_environment,
    render_limited,
    template_dirs,
    where_failed,
)
from ..data import language, messages, phrasebook
from ..data.address import recipient_lines
from ..data.load import CampaignData
from ..data.models import Addressee
from ..products.cards import postcard_layout
from ..products.envelopes import WINDOW_MARGIN, envelope_layout, window_layout
from ..products.labels import labels_layout
from ..products.paper import PAPERS
from . import lint
from .plan import Job
from .wording import FILTERS, held_at

ARRIVAL_DAYS = 21  # from the campaign's date to the letter in the prisoner's hands (domain.md: weeks)
TEXTS = {"text": "texts/solidarity.yaml", "guidance": "texts/guidance.yaml"}
CARD_TEXTS = "texts/cards/{variant}.yaml"  # a postcard design's words


@dataclass
class Composer:
    """Turns jobs of one campaign into HTML: one environment, text files read once."""

    data: CampaignData
    report: Reporter = ignore  # where warnings met while composing go
    env: ImmutableSandboxedEnvironment = field(init=False)

    def __post_init__(self) -> None:
        self.env = make_environment(self.data.root, FILTERS)

    @cached_property
    def rules(self) -> lint.Rules:
        return lint.rules_for(self.data.root)

    @cached_property
    def rules_digest(self) -> str:
        """The rules' fingerprint, known without building them (see lint.rules_digest)."""
        return lint.rules_digest(self.data.root)

    def lint(self, job: Job, html: str) -> list[Diagnostic]:
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

    @cached_property
    def arrival_month(self) -> int:
        """The month a letter made today arrives in: post and censorship take about three weeks."""
        return (self.data.date + dt.timedelta(days=ARRIVAL_DAYS)).month

    @cached_property
    def phrasebook(self) -> dict[str, Any]:
        return load_text(self.env, phrasebook.FILE)

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
        if job.prisoner_id and (job.product.audience == "prisoner" or job.product.name == "writer-sheet"):
            context["letter"] = self.letter(job)  # the writer's sheet glosses its writer's letter
        if job.prisoner_id and job.product.audience == "authority":
            context["appeal"] = self.appeal(job)
        if job.product.name == "writer-sheet":
            chosen = phrasebook.suggest(self.phrasebook, job.prisoner_id, job.writer, replies=self.data.campaign.replies,
                                        month=self.arrival_month)
            context["phrases"] = [{"id": p.id, "title": p.title, **p.text} for p in chosen]
            context["writer"] = job.writer
            context["tag"] = job.tag
        layout = LAYOUTS.get(job.product.layout)
        if layout is not None:
            try:
                context.update(layout(self, job, context))
            except FitError as exc:  # an address that does not fit, a label --start beyond the sheet
                raise LettersError(f"{job.doc_id}: {exc.format_message()}") from None
        return context

    def warn(self, person: str, message: str, where: Path | None = None, code: str = "compose") -> None:
        self.report(Diagnostic(message, "warning", code, file=where or self.data.files.get(person, self.data.root), subject=person))

    def own_words(self, job: Job) -> list[str] | None:
        """The writer's words for this letter, as paragraphs: a message (linted first) or phrases."""
        if job.message:
            path = Path(job.message)
            text, _ = messages.read_checked(path, job.lang)
            findings = lint.lint_text(text, self.rules)
            if refused := lint.errors(findings):
                lines = "\n  ".join(lint.short(f) for f in refused)
                raise LintError(f"{path}: message refused by the lint ({len(refused)} error(s)):\n  {lines}")
            for f in findings:
                self.warn(job.prisoner_id or "", f"{path.name}:{lint.short(f)}", path, f.code)
            return messages.paragraphs(text)
        if job.phrases:
            chosen = phrasebook.pick(self.phrasebook, list(job.phrases))
            if not self.data.campaign.replies and (asking := [p.id for p in chosen if p.asks_reply]):
                raise LettersError(f"{', '.join(asking)} asks for a reply, but the campaign prints no return address "
                                   "on prisoner mail (sender.on_prisoner_mail and sender.address); choose another closing")
            return phrasebook.paragraphs(self.phrasebook, chosen, job.lang)
        return None

    def letter(self, job: Job) -> dict[str, Any]:
        """Writer n's letter to one person: the greeting (a man in the Belarusian vocative, or no
        name when the profile lacks it), an opening, one sentence about the writer's days and a
        wish from the phrasebook (different for each writer), one question from the person's
        interests, and a request for a reply only when a return address is printed. Each
        sentence in be, ru and en, so that the writer's sheet can gloss it."""
        prisoner = self.data.prisoners[job.prisoner_id or ""]
        text = self.texts["text"]
        be_name = language.be_address(prisoner)
        names = {"be": be_name, "ru": prisoner.names.ru.first, "en": prisoner.names.latin.first}
        named = job.lang != "be" or be_name is not None
        greeting = {lang: f"{text['greeting'][lang][prisoner.gender]} {names[lang]}!" for lang in ("be", "ru", "en")}
        if not named:
            greeting = dict(text["plain_greeting"])
        opening, subject, wish = phrasebook.for_letter(self.phrasebook, prisoner.id, job.writer, named=named,
                                                       month=self.arrival_month)
        questions = text["questions"]
        topics = [t for t in prisoner.topics if t in questions] or ["default"]
        topic = phrasebook.rotate(topics, prisoner.id, job.writer, "question")
        return {
            "greeting": greeting,
            "named": named,
            "opening": opening.text,
            "subject": subject.text,
            "wish": wish.text,
            "phrase_ids": [opening.id, subject.id, wish.id],
            "question": dict(questions[topic]),
            "topic": topic,
            "occasion": text["occasions"].get(job.product.variant) if job.product.variant else None,
            "reply": self.data.campaign.replies,
        }

    def appeal(self, job: Job) -> dict[str, Any]:
        """What an appeal says of the person beyond the profile: the official name (surname,
        official first name, patronymic where published), the Russian accusative (the profile's,
        or pymorphy3's form, which `letters check` shows), and the addressee's lines in `lang`."""
        prisoner = self.data.prisoners[job.prisoner_id or ""]
        accusative, _ = language.ru_accusative(prisoner) if job.lang == "ru" else ("", False)
        return {
            "official_ru": language.official_name(prisoner, "ru"),
            "official_first_ru": language.official_first(prisoner, "ru"),
            "accusative_ru": accusative,
            "has_patronymic": bool(prisoner.names.ru.patronymic),
        }

    def common(self, lang: str, audience: str, paper: str) -> dict[str, Any]:
        """What every page receives: the campaign, its date, sender (never on prisoner mail
        unless the campaign says so), addressee, paper and the texts."""
        data = self.data
        campaign = data.campaign
        sender = campaign.sender.model_dump()
        if audience == "prisoner" and not campaign.sender.on_prisoner_mail:
            sender = {"name": None, "address": [], "on_prisoner_mail": False, "in_pdf_metadata": False}
        addressee = data.addressees.get(campaign.addressee_for(lang) or "")
        return {
            "lang": lang,
            "audience": audience,
            "paper": PAPERS[paper].as_context(),
            "date": data.date,
            "campaign": {"title": campaign.title},
            "sender": sender,
            "addressee": addressee.model_dump() if addressee else None,
            "addressee_lines": addressee_lines(addressee, lang) if addressee else [],
            "replies": campaign.replies,
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

    def card(self, pid: str, lang: str) -> dict[str, Any]:
        """One postcard's words: the greeting with the first name, and the back's address lines."""
        person = self.person(pid, lang)
        prisoner = self.data.prisoners[pid]
        name = language.be_address(prisoner) if lang == "be" else person["name"]["first"]  # None: greet with no name
        return {"person": pid, "first": person["name"]["first"], "name": name, "lines": person["address"],
                "gender": person["prisoner"]["gender"]}

    def html(self, job: Job) -> str:
        """Render one job's template to HTML; template problems become TemplateError."""
        return self._render(job.product.template_for(job.lang), lambda: self.context(job), job.doc_id, len(job.people))

    def _render(self, name: str, make_context: Callable[[], dict[str, Any]], what: str, people: int = 1) -> str:
        """`people`: how many people the document is about; a card sheet or label sheet for
        everyone may be that many times longer and slower than one person's letter."""
        context: dict[str, Any] = {}
        try:
            template = self.env.get_template(name)
            context = make_context()
            return render_limited(template, context, scale=max(1, people))
        except TooSlow as exc:
            raise TemplateError(f"template {name}: {exc.format_message()} (for {what})") from None
        except LettersError:
            raise  # already one clear line (a message the lint refuses, an address that does not fit)
        except SecurityError as exc:
            at = where_failed(exc)
            raise TemplateError(f"template {name}: refused by the sandbox: {exc}{f' (at {at})' if at else ''}") from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"template {name}: {exc} (for {what}; the template receives: {', '.join(sorted(context))})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {exc.name!r} not found in {[str(d) for d in template_dirs(self.data.root)]}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name}: {exc}") from None
        except Exception as exc:  # 1/0, a runaway include: this document's failure, never the build's
            raise TemplateError(f"template {name}: {describe_failure(exc)} (for {what})") from None


# ------------------------------------------------------------------ layouts: what each product's geometry adds


def _sender_lines(context: dict[str, Any]) -> list[str]:
    sender = context["sender"]
    return [sender["name"], *sender["address"]] if sender["name"] and sender["address"] else []


def addressee_lines(addressee: Addressee, lang: str) -> list[str]:
    """The addressee block of an appeal in `lang`: in Russian, to whom in the dative and the
    address in Cyrillic (addressees.yaml's `ru:`); in English the name, title and address."""
    if lang == "ru" and addressee.ru is not None:
        return [addressee.ru.title, *([addressee.ru.name] if addressee.ru.name else []), *addressee.ru.address]
    return [*([addressee.name] if addressee.name else []), addressee.title.get(lang) or addressee.title.get("en", ""), *addressee.address]


def _window(composer: Composer, job: Job, context: dict[str, Any]) -> dict[str, Any]:
    lines = context["addressee_lines"] if job.product.audience == "authority" else context["address"]
    back = ", ".join(_sender_lines(context)) or None
    return {"window": window_layout(lines, back, *WINDOW_MARGIN)}


def _envelope(composer: Composer, job: Job, context: dict[str, Any]) -> dict[str, Any]:
    settings = composer.data.campaign.print
    envelope = composer.data.registry.envelopes[job.product.variant]
    return {"layout": envelope_layout(envelope, context["address"], _sender_lines(context), settings.offset_x_mm, settings.offset_y_mm)}


def _postcard(composer: Composer, job: Job, context: dict[str, Any]) -> dict[str, Any]:
    people = [job.prisoner_id] * 4 if job.prisoner_id else list(job.members)
    cards = [composer.card(pid, job.lang) for pid in people]
    words = load_text(composer.env, CARD_TEXTS.format(variant=job.product.variant))
    return {"layout": postcard_layout(cards, job.paper, composer.data.campaign.print.duplex), "card_text": words}


def _labels(composer: Composer, job: Job, context: dict[str, Any]) -> dict[str, Any]:
    settings = composer.data.campaign.print
    people = [(pid, composer.person(pid, job.lang)["address"]) for pid in job.members]
    sheet = composer.data.registry.label_sheets[job.product.label_sheet(job.paper)]
    start = settings.label_start if job.volume <= 1 else 1  # a later volume begins on a fresh sheet
    layout, problems = labels_layout(people, sheet, start, settings.offset_x_mm, settings.offset_y_mm)
    for person, message in problems:
        composer.warn(person, message, code="label")
    return {"layout": layout}


LAYOUTS: dict[str, Callable[[Composer, Job, dict[str, Any]], dict[str, Any]]] = {
    "window": _window, "envelope": _envelope, "postcard": _postcard, "labels": _labels,
}
