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


def phrases(book: dict[str, Any]) -> dict[str, Phrase]:
    """Every phrase by id, in the book's order."""
    out = {}
    for group, spec in book["groups"].items():
        for number, text in enumerate(spec["phrases"], start=1):
            out[f"{group}.{number}"] = Phrase(f"{group}.{number}", group, spec["title"], dict(text))
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


def suggest(book: dict[str, Any], person: str, writer: int = 1, per_group: int = PER_GROUP) -> list[Phrase]:
    """A few phrases per group for one writer to one person: stable, and different per writer."""
    def rank(phrase: Phrase) -> str:
        return hashlib.sha256(f"{person}\0{writer}\0{phrase.id}".encode()).hexdigest()

    out: list[Phrase] = []
    for group in book["groups"]:
        in_group = [p for p in phrases(book).values() if p.group == group]
        out.extend(sorted(sorted(in_group, key=rank)[:per_group], key=lambda p: int(p.id.split(".")[1])))
    return out
