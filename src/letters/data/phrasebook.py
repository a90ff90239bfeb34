"""The phrasebook: ready sentences in Belarusian and Russian, glossed for volunteers.

Phrases are data (templates/texts/phrasebook.yaml); an id is a group and a
1-based place: "greet.3". The writer's sheet offers each writer a few per
group, chosen from a hash of the person and the writer's number, so the same
inputs give the same sheet and two writers to one person get different lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..core.errors import LettersError

FILE = "texts/phrasebook.yaml"
PER_GROUP = 2


@dataclass(frozen=True)
class Phrase:
    id: str
    group: str
    title: str
    text: dict[str, str]  # be, ru, en, de
    marks: frozenset[str] = frozenset()  # "hello" (a greeting formula), "reply" (asks for a reply)
    months: tuple[int, ...] = ()  # a line about a season: only for letters arriving in these months

    def fits(self, month: int | None) -> bool:
        """Whether the line may go into a letter that arrives in `month` (any line, when not known)."""
        return not self.months or month is None or month in self.months

    @property
    def asks_reply(self) -> bool:
        return "reply" in self.marks

    @property
    def greets(self) -> bool:
        return "hello" in self.marks


def phrases(book: dict[str, Any]) -> dict[str, Phrase]:
    """Every phrase by id, in the book's order."""
    out = {}
    for group, spec in book["groups"].items():
        for number, item in enumerate(spec["phrases"], start=1):
            text = {k: v for k, v in item.items() if isinstance(v, str)}
            marks = frozenset(k for k, v in item.items() if v is True)
            months = tuple(item.get("months", ()))
            out[f"{group}.{number}"] = Phrase(f"{group}.{number}", group, spec["title"], text, marks, months)
    return out


def pick(book: dict[str, Any], ids: list[str]) -> list[Phrase]:
    """The phrases a volunteer asked for by id, or a clear error naming the unknown one."""
    known = phrases(book)
    chosen: list[Phrase] = []
    if not [i for i in ids if i.strip()]:
        raise LettersError("no phrase ids given: --phrases greet.3,weather.1,... (ids are on the writer's sheet)")
    if twice := sorted({i.strip() for i in ids if [x.strip() for x in ids].count(i.strip()) > 1}):
        raise LettersError(f"phrase {', '.join(twice)} given twice")
    for raw in ids:
        pid = raw.strip()
        if pid not in known:
            group = pid.split(".")[0]
            count = sum(1 for p in known.values() if p.group == group)
            hint = f"{group} has {group}.1 to {group}.{count}" if count else f"groups are {', '.join(book['groups'])}"
            raise LettersError(f"unknown phrase {pid!r}: {hint}")
        chosen.append(known[pid])
    return chosen


def suggest(book: dict[str, Any], person: str, writer: int = 1, per_group: int = PER_GROUP,
            replies: bool = False, month: int | None = None) -> list[Phrase]:
    """A few phrases per group for one writer to one person: stable, and different per writer.

    The lines that ask for a reply only with `replies=True` (the campaign prints a return address);
    lines about a season only when the letter arrives in it (`month`).
    """
    def rank(phrase: Phrase) -> str:
        return hashlib.sha256(f"{person}\0{writer}\0{phrase.id}".encode()).hexdigest()

    out: list[Phrase] = []
    for group in book["groups"]:
        in_group = [p for p in phrases(book).values()
                    if p.group == group and (replies or not p.asks_reply) and p.fits(month)]
        out.extend(sorted(sorted(in_group, key=rank)[:per_group], key=lambda p: int(p.id.split(".")[1])))
    return out


# ------------------------------------------------------------------ a letter of one writer's own

OPENING = ("greet",)
SUBJECTS = ("weather", "books", "life")  # the writer's days
WISHES = ("wishes",)


def rotate(items: list[Any], person: str, writer: int, slot: str, key: Any = str) -> Any:
    """The item writer n takes from `items` for one person: the items in an order of their
    own for the person and slot (a hash: stable), then the n-th of them, round and round.

    Two writers to one person take the same item only when their numbers differ by a
    multiple of the number of items; the slots' sizes differ, so their letters differ.
    """
    order = sorted(items, key=lambda item: hashlib.sha256(f"{person}\0{slot}\0{key(item)}".encode()).hexdigest())
    return order[(writer - 1) % len(order)]


def for_letter(book: dict[str, Any], person: str, writer: int, *, named: bool = True,
               month: int | None = None) -> list[Phrase]:
    """The three sentences of writer n's letter to one person: an opening, one about the
    writer's days and a wish. Stable for the same inputs; another writer gets another letter.

    `named=False` (the greeting says no name: "Добры дзень!") leaves out greeting formulas,
    which would greet twice; questions are left to the letter's own question. A line about
    a season is chosen only when the letter arrives in it (`month`).
    """
    known = list(phrases(book).values())

    def pool(groups: tuple[str, ...], extra=lambda p: True) -> list[Phrase]:
        return [p for p in known if p.group in groups and not p.asks_reply and p.fits(month) and extra(p)]

    opening = pool(OPENING, lambda p: named or not p.greets)
    subjects = pool(SUBJECTS, lambda p: not p.text["en"].endswith("?"))
    wishes = pool(WISHES)
    return [rotate(group, person, writer, slot, key=lambda p: p.id)
            for slot, group in (("opening", opening), ("subject", subjects), ("wish", wishes))]


def paragraphs(book: dict[str, Any], chosen: list[Phrase], lang: str) -> list[str]:
    """Phrases joined as a letter is written: in the groups' order (greetings first, closings
    last), a paragraph where the subject changes (wishes and closing share the last one)."""
    order = list(book["groups"])
    out: list[tuple[str, list[str]]] = []
    for phrase in sorted(chosen, key=lambda p: (order.index(p.group), not p.greets)):
        topic = "end" if phrase.group in ("wishes", "closing") else phrase.group
        if not out or out[-1][0] != topic:
            out.append((topic, []))
        out[-1][1].append(phrase.text[lang])
    return [" ".join(sentences) for _, sentences in out]
