"""The volunteers' desk: what the web page does, as plain Python over one campaign.

A volunteer chooses someone to write to (the least written first, from the
ledger), writes in Belarusian or Russian with the lint checking every word,
sees the real page, then downloads the PDF or sends the letter to the
organizer. A sent letter is one file, `messages/<person>/web-<n>.<lang>.txt`,
and one ledger row, made in one transaction. The organizer approves or
returns each letter and prints the approved ones as one duplex-ready PDF;
`letters build` leaves the page's letters alone (messages.PAGE), so that none
is printed before it is approved, or twice.

The desk holds the campaign, one composer and the process's renderer;
WeasyPrint is not thread-safe, so one render runs at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.diagnostics import Diagnostic
from ..core.errors import LettersError
from ..core.files import inside, write_exclusive
from ..core.fonts import undrawable
from ..data import messages, phrasebook
from ..data.load import CampaignData, load_campaign
from ..pipeline import lint
from ..pipeline.bundles import merge_pdfs
from ..pipeline.compose import Composer
from ..pipeline.engine import check_pages, file_roots, gate
from ..pipeline.outputs import png
from ..pipeline.plan import Job, languages, mail_refusal
from ..pipeline.render import Renderer
from .ledger import (
    DAMAGED,
    Counts,
    Generated,
    Ledger,
    Submission,
    Submissions,
    campaign_key,
    db_path,
    letters_of,
)

LETTER = "letter"
NAME_LIMIT = 60  # a volunteer's name, kept in the ledger only
ENVELOPE = "envelope-dl"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Person:
    """Someone a volunteer can write to, as the choosing page shows them."""

    id: str
    name: str  # in Latin letters
    names: dict[str, str]  # "be" and "ru": first and last name
    letters: int  # letters so far: generated, and written on the page but not yet printed
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    birthday: dt.date | None  # the date of birth, when known to the day
    photo: str | None


@dataclass(frozen=True)
class Queued:
    """A letter in the organizer's queue, with the lint's findings on it now."""

    submission: Submission
    text: str
    findings: list[Diagnostic]

    @property
    def clean(self) -> bool:
        return sendable(self.findings)


class LedgerFault(LettersError):
    """The ledger cannot be used (missing folder, damaged file): the organizer's problem, not
    the volunteer's. `detail` says what, for the organizer's terminal."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__("The organizer's ledger cannot be read or written right now, so nothing was saved or "
                         "changed; tell the organizer (their terminal says why).")


class Desk:
    """One campaign on the page. Reloads nothing: restart the page after editing the campaign."""

    def __init__(self, root: Path, db: Path | None = None, include_stale: bool = False):
        self.root = Path(root)
        self.data: CampaignData = replace(load_campaign(self.root), include_stale=include_stale)
        self.db = db_path(self.root, db)
        self.key = campaign_key(self.root)
        self.rules = lint.rules_for(self.root)
        self.composer = Composer(self.data)
        self._render_lock = threading.Lock()  # WeasyPrint renders one document at a time
        self._print_lock = threading.Lock()  # two prints of the same letters queue, never both print them

    # ------------------------------------------------------------ choosing

    def people(self, lang: str | None = None, topic: str | None = None, birthdays_in: int | None = None,
               seed: str | None = None) -> list[Person]:
        """Who can receive mail, least written first: the first is the default. People with as
        many letters are in name order, or, with a `seed` (each volunteer's own), in an order
        of their own, so that volunteers arriving together do not all choose the same person."""
        counts = self.letters_so_far()
        found = []
        for pid, prisoner in self.data.prisoners.items():
            if mail_refusal(prisoner, self.data) is not None:
                continue
            person = self._person(pid, counts.get(pid, 0))
            born = person.birthday
            if ((lang and lang not in person.languages) or (topic and topic not in person.topics)
                    or (birthdays_in and (born is None or born.month != birthdays_in))):
                continue
            found.append(person)
        def tie(p: Person) -> str:
            return hashlib.sha256(f"{seed}\0{p.id}".encode()).hexdigest() if seed else p.name

        return sorted(found, key=lambda p: (p.letters, tie(p), p.id))

    def person(self, pid: str) -> Person:
        """One person who can receive mail, or a clear error (an id is never trusted)."""
        prisoner = self.data.prisoners.get(pid)
        if prisoner is None:
            raise LettersError(f"no person {pid!r} in this campaign")
        if reason := mail_refusal(prisoner, self.data):
            raise LettersError(f"{pid} cannot receive letters now: {reason}")
        return self._person(pid, self.letters_so_far().get(pid, 0))

    def _person(self, pid: str, letters: int) -> Person:
        prisoner = self.data.prisoners[pid]
        names = prisoner.names
        born = prisoner.birth_date if isinstance(prisoner.birth_date, dt.date) else None
        return Person(pid, f"{names.latin.first} {names.latin.last}",
                      {"be": f"{names.be.first} {names.be.last}", "ru": f"{names.ru.first} {names.ru.last}"},
                      letters, tuple(self.languages_for(pid)), tuple(prisoner.topics), born, prisoner.photo)

    def languages_for(self, pid: str) -> list[str]:
        """The languages a letter to this person can be written in (the campaign's; Russian
        only for a prison in Russia)."""
        offered = [lang for lang in languages(self.letter, self.data) if lang in ("be", "ru")]
        facility = self.data.facilities.get(self.data.prisoners[pid].facility or "")
        return ["ru"] if facility is not None and facility.country == "RU" else offered

    @property
    def letter(self):
        return self.data.registry.product(LETTER)

    def topics(self) -> list[str]:
        return sorted({t for pid, p in self.data.prisoners.items() for t in p.topics if mail_refusal(p, self.data) is None})

    def letters_so_far(self) -> dict[str, int]:
        """Per person: letters generated (ledger) plus letters written on the page and waiting."""
        if not self.db.is_file():
            return {}
        with self._book() as book:
            counts = {pid: c.generated for pid, c in book.counts(self.key, letters_of(self.data)).items()}
            for pid, waiting in Submissions(book).waiting(self.key).items():
                counts[pid] = counts.get(pid, 0) + waiting
        return counts

    def about(self, pid: str, lang: str) -> dict[str, Any]:
        """What the writing page shows of a person: what the writer's sheet receives (who they
        are, interests, do and don't, the address to copy), for the volunteer's eyes only."""
        self.person(pid)
        job = Job(self.data.registry.product("writer-sheet"), pid, lang, self.data.campaign.paper)
        context = self.composer.context(job)
        about = {key: context[key] for key in ("prisoner", "name", "facility", "held_at", "address", "guidance")}
        guidance = about["guidance"]  # the page checks the words itself: no advice to run the command line
        about["guidance"] = {**guidance, "do": [item for item in guidance["do"] if "letters lint" not in item]}
        return about

    def photo(self, pid: str) -> Path | None:
        """The person's photo file (inside the campaign's photos/ folder), if any."""
        prisoner = self.data.prisoners.get(pid)
        if prisoner is None or not prisoner.photo:
            return None
        path = inside(self.root, prisoner.photo, "a photo")
        return path if path.is_file() else None

    def phrases(self) -> list[phrasebook.Phrase]:
        """The phrasebook's sentences that fit a letter arriving about three weeks from now, in
        the book's order (greetings first)."""
        month = self.composer.arrival_month
        chosen = [p for p in phrasebook.phrases(self.composer.phrasebook).values() if p.fits(month)]
        return [p for p in chosen if self.data.campaign.replies or not p.asks_reply]

    def phrase_groups(self) -> list[tuple[str, list[phrasebook.Phrase]]]:
        """The phrases by group, as the page lists them: (the group's title, its phrases)."""
        groups: dict[str, list[phrasebook.Phrase]] = {}
        for phrase in self.phrases():
            groups.setdefault(phrase.title, []).append(phrase)
        return list(groups.items())

    # ------------------------------------------------------------ writing

    def check(self, text: str, lang: str) -> list[Diagnostic]:
        """The lint's findings on a letter as typed, and a finding for a text that cannot be one
        (empty, in the other language, holding characters that reorder the words)."""
        text = clean_text(text)
        if not re.search(r"[^\W\d_]", text):
            return [Diagnostic("Write the letter first.", code="text")]
        try:
            messages.refuse_unsafe(text)
            told = messages.letters_say(text)
        except LettersError as exc:
            return [Diagnostic(f"The letter {exc.format_message()}", code="text")]
        if boxes := undrawable(text):
            return [Diagnostic(f"The letter has characters the letter's font cannot print (they would come out as "
                               f"empty boxes): {', '.join(boxes[:5])}; retype them", code="text")]
        if told and told != lang:
            names = {"be": "Belarusian", "ru": "Russian"}
            return [Diagnostic(f"This reads as {names[told]}, not {names[lang]}: choose {names[told]} above, "
                               f"or write in {names[lang]}", code="text")]
        return lint.lint_text(text, self.rules)

    def render(self, pid: str, text: str, lang: str, extra: str | None = None) -> tuple[bytes, int]:
        """The letter as the build makes it (a PDF and its page count), refused when the lint
        refuses it; with `extra`, its envelope (an envelope product) or an address label
        ("labels": the first label of a sheet) after it."""
        self.person(pid)
        refuse_unsendable(self.check(text, lang))
        with tempfile.TemporaryDirectory(prefix="letters-web-") as folder:
            path = Path(folder) / f"web.{lang}.txt"
            path.write_text(clean_text(text), encoding="utf-8")
            jobs = [self._letter_job(pid, lang, path), *self._extras([pid], extra or "none")]
            return self._render_jobs(jobs, f"Letter to {self.data.prisoners[pid].names.latin.first}", pad_letters=0)

    def extras(self) -> list[str]:
        """What can be printed after letters: the envelope products, "labels", "none"."""
        return [*self.data.registry.named("envelope"), "labels", "none"]

    def frame(self, pid: str, lang: str) -> tuple[str, str]:
        """The words the letter prints around the writer's own: its greeting and its sign-off
        (so the page can say what not to write twice)."""
        job = Job(self.letter, pid, lang, self.data.campaign.paper)
        return self.composer.letter(job)["greeting"][lang], self.composer.texts["text"]["signoff"][lang]

    def _extras(self, people: list[str], extra: str) -> list[Job]:
        """The jobs printed after the letters: one label sheet, or an envelope each, or none."""
        if extra == "labels":
            spec = self.data.registry.product("labels")
            return [Job(spec, None, languages(spec, self.data)[0], self.data.campaign.paper, members=tuple(people))]
        if extra in self.data.registry.named("envelope"):
            return [self._envelope_job(pid, extra) for pid in people]
        if extra == "none":
            return []
        raise LettersError(f"print with {', '.join(self.extras())}, not {extra!r}")

    def preview(self, pid: str, text: str, lang: str) -> bytes:
        """A PNG of the letter's first page, from the same renderer as the build."""
        pdf, _ = self.render(pid, text, lang)
        return png.png_bytes(png.page_images(pdf)[0])

    def submit(self, pid: str, text: str, lang: str, volunteer: str | None = None) -> Submission:
        """Send a letter to the organizer: its file under messages/<person>/ and its ledger row,
        in one transaction. Refused when the lint refuses it; the name is never printed."""
        self.person(pid)
        text = clean_text(text)
        refuse_unsendable(self.check(text, lang))
        name = clean_name(volunteer)
        folder = inside(self.root, f"{messages.FOLDER}/{pid}", "a message folder")

        def place(number: int) -> str:
            path = folder / f"{messages.PAGE}{number}.{lang}.txt"
            folder.mkdir(parents=True, exist_ok=True)
            if not write_exclusive(path, text.encode("utf-8")):
                raise LettersError(f"{path.relative_to(self.root)} exists already; nothing was written")
            written.append(path)
            return str(path.relative_to(self.root))

        written: list[Path] = []
        try:
            with self._book() as book:
                return Submissions(book).add(self.key, pid, lang, name, dt.date.today(), secrets.token_urlsafe(16), place,
                                             floor=self._next_file_number())
        except BaseException:
            for path in written:  # the row was not committed: neither is the file
                path.unlink(missing_ok=True)
            raise

    def receipt(self, token: str) -> Submission | None:
        """A writer's own letter, by the token of their receipt link."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token or "") or not self.db.is_file():
            return None
        with self._book() as book:
            return Submissions(book).by_receipt(self.key, token)

    # ------------------------------------------------------------ the organizer

    def queue(self, states: tuple[str, ...] = ("written", "approved", "returned", "printed")) -> list[Queued]:
        """Letters written on the page, oldest first, each linted again as it is now."""
        if not self.db.is_file():
            return []
        with self._book() as book:
            found = Submissions(book).all(self.key, states)
        out = []
        for sub in found:
            text = self._text(sub)
            out.append(Queued(sub, text, self.check(text, sub.lang) if text else
                              [Diagnostic("the letter's file is missing", code="text")]))
        return out

    def stats(self) -> list[Any]:
        """Per person who can receive mail: letters generated, sent, returned, replies (from the ledger)."""
        counts = {}
        if self.db.is_file():
            with self._book() as book:
                counts = book.counts(self.key, letters_of(self.data))
        people = sorted(set(counts) | {pid for pid, p in self.data.prisoners.items() if mail_refusal(p, self.data) is None})
        return [counts.get(pid) or Counts(pid) for pid in people if pid in self.data.prisoners]

    def waiting(self) -> dict[str, int]:
        """Per person: letters written on the page, not yet printed nor returned."""
        if not self.db.is_file():
            return {}
        with self._book() as book:
            return Submissions(book).waiting(self.key)

    def review(self, number: int, approve: bool, note: str | None = None) -> Submission:
        """Approve a letter for printing, or return it (with a note for its writer)."""
        note = (note or "").strip()[:500] or None
        with self._book(create=False) as book:
            table = Submissions(book)
            current = table.get(self.key, number)
            if approve and not sendable(self.check(self._text(current), current.lang)):
                raise LettersError(f"letter {number} cannot be sent as it is now; return it instead")
            return table.review(self.key, number, "approved" if approve else "returned", note)

    def print_approved(self, numbers: list[int], extra: str = "labels", again: bool = False) -> tuple[bytes, int]:
        """The given approved letters as one PDF: each letter padded to an even page count for
        duplex, then a label sheet for them, their envelopes (`extra` an envelope product) or
        nothing ("none"). They are recorded in the ledger as generated, and marked printed.
        A letter printed already is printed again only when asked (`again`), so a second
        click never prints a batch twice."""
        if not numbers:
            raise LettersError("tick the letters to print")
        with self._print_lock:
            return self._print(numbers, extra, ("approved", "printed") if again else ("approved",))

    def _print(self, numbers: list[int], extra: str, states: tuple[str, ...]) -> tuple[bytes, int]:
        chosen = [q for q in self.queue(states) if q.submission.id in numbers]
        if missing := sorted(set(numbers) - {q.submission.id for q in chosen}):
            what = "approved or printed" if "printed" in states else "approved (a letter printed already is printed again from the list of printed letters)"
            raise LettersError(f"letter {', '.join(map(str, missing))}: not {what}; nothing was printed")
        if unclean := [q.submission.id for q in chosen if not q.clean]:
            raise LettersError(f"letters {', '.join(map(str, unclean))} cannot be sent as they are now; return them")
        jobs = [self._letter_job(q.submission.prisoner, q.submission.lang, self._file(q.submission)) for q in chosen]
        after = self._extras(list(dict.fromkeys(q.submission.prisoner for q in chosen)), extra)
        pdf, pages = self._render_jobs(jobs + after, f"{self.data.campaign.title}: letters to print", pad_letters=len(jobs))
        today = dt.date.today()
        documents = {q.submission.id: Generated(job.doc_id, self.key, q.submission.prisoner, LETTER, job.lang, today,
                                                volunteer=q.submission.volunteer)
                     for q, job in zip(chosen, jobs, strict=True)}
        with self._book(create=False) as book:
            Submissions(book).printed(self.key, documents)
        return pdf, pages

    # ------------------------------------------------------------ inside

    def _letter_job(self, pid: str, lang: str, message: Path) -> Job:
        return Job(self.letter, pid, lang, self.data.campaign.paper, message=str(message))

    def _envelope_job(self, pid: str, envelope: str) -> Job:
        if envelope not in self.data.registry.named("envelope"):
            raise LettersError(f"no envelope {envelope!r}; choose one of {', '.join(self.data.registry.named('envelope'))}")
        spec = self.data.registry.product(envelope)
        return Job(spec, pid, languages(spec, self.data)[0], self.data.campaign.paper)

    def _render_jobs(self, jobs: list[Job], title: str, pad_letters: int) -> tuple[bytes, int]:
        """Compose and render jobs one by one (the lint's gate on each), then join them: the
        first `pad_letters` padded for duplex. One job's PDF is returned as it is."""
        parts = []
        with self._render_lock:
            for job in jobs:
                html = self.composer.html(job)
                gate(self.composer, job, html)
                pdf, pages = Renderer.shared().render(html, base_dir=self.root, roots=file_roots(self.data))
                check_pages(job, pages)
                parts.append((pdf, pages))
        if len(parts) == 1:
            return parts[0]
        return merge_pdfs([pdf for pdf, _ in parts], title, [i < pad_letters for i in range(len(parts))])

    def _file(self, sub: Submission) -> Path:
        """A letter's file, from its path in the ledger (checked to be in messages/)."""
        path = inside(self.root, sub.path, "a letter's file")
        if not path.is_relative_to(inside(self.root, messages.FOLDER, "the messages folder")):
            raise LettersError(f"letter {sub.id}: its file {sub.path} is not in {messages.FOLDER}/")
        return path

    def _text(self, sub: Submission) -> str:
        path = self._file(sub)
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def _next_file_number(self) -> int:
        """One more than the highest web-<n> file in messages/: a ledger restored from an
        older copy never hands out a number whose file is there already."""
        found = [int(m[1]) for f in (self.root / messages.FOLDER).glob(f"*/{messages.PAGE}*")
                 if (m := re.match(rf"{messages.PAGE}(\d+)\.", f.name))]
        return max(found, default=0) + 1

    @contextmanager
    def _book(self, create: bool = True) -> Iterator[Ledger]:
        """The ledger, open. One that cannot be opened or read is the organizer's problem
        (LedgerFault); a refusal of the table's (a letter printed already) is the caller's."""
        try:
            book = Ledger(self.db, create=create)
        except LettersError as exc:
            raise LedgerFault(exc.format_message()) from None
        with book:
            try:
                yield book
            except sqlite3.DatabaseError as exc:
                raise LedgerFault(DAMAGED.format(path=self.db, error=exc)) from None


def clean_text(text: str) -> str:
    """A letter as typed in a browser: Windows line ends made plain, outer space removed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_name(name: str | None) -> str | None:
    """The volunteer's name as given (optional; kept in the ledger, never printed)."""
    name = " ".join((name or "").split())
    if not name:
        return None
    if len(name) > NAME_LIMIT or CONTROL.search(name) or messages.BIDI.search(name):
        raise LettersError(f"a name is at most {NAME_LIMIT} plain characters")
    return name


def sendable(findings: list[Diagnostic]) -> bool:
    """Whether a letter with these findings may be sent: warnings yes, errors no."""
    return not lint.errors(findings)


def refuse_unsendable(findings: list[Diagnostic]) -> None:
    if refused := lint.errors(findings):
        raise LettersError(f"the letter cannot be sent yet: {len(refused)} problem(s), first: {lint.short(refused[0])}")
