"""The lint's regular expressions, compiled on first use and searched only where they can match.

The rules hold some 250 patterns. Compiling them all took 0.14 s of every cold
`letters render` and every rebuild, for a letter that gives most of them
nothing to do. Each pattern is parsed instead (a third of the cost) for the
literal strings one of which every match contains (`(?i)\\b(?:сцяг|флаг)...`
needs "сцяг" or "флаг"); it is compiled only when a line holds one, and never
searched on a line that holds none. A pattern with no such literal (an e-mail
address, a phone number) is searched on every line, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..core.errors import LettersError

try:  # the parser `re` itself uses; its names moved in Python 3.11
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - an older or other Python: every pattern is searched everywhere
    sre = sre_parse = None

Needs = tuple[tuple[str, bool], ...]  # (literal, folded): folded ones are looked for in the lowered line


def _fold_table() -> dict[int, int]:
    """Characters that `re`'s IGNORECASE holds equal beyond lower() (в and ᲀ), mapped to one of them."""
    extra: dict[int, tuple[int, ...]] = getattr(getattr(re, "_casefix", None), "_EXTRA_CASES", {})
    table: dict[int, int] = {}
    for char, others in extra.items():
        canon = min(char, *others)
        table.update({c: canon for c in (char, *others) if c != canon})
    return table


FOLD = _fold_table()


def fold(text: str) -> str:
    """The text as a case-insensitive pattern's literals are looked for in it."""
    return text.lower().translate(FOLD)


def _better(a: frozenset[tuple[str, bool]] | None, b: frozenset[tuple[str, bool]] | None) -> frozenset | None:
    """Of two sets of needed literals, the more telling one: the longer shortest literal."""
    if a is None or b is None:
        return a if b is None else b
    return a if min(len(s) for s, _ in a) >= min(len(s) for s, _ in b) else b


def _required(items: Any, folded: bool) -> frozenset[tuple[str, bool]] | None:
    """Literals one of which every match of a parsed sequence contains, or None if none is known.

    Literals in a row make one string, also across zero-width checks (\\b, lookarounds);
    a group or a repeat of at least once gives its own; alternatives give all of theirs,
    if each alternative has some.
    """
    best: frozenset[tuple[str, bool]] | None = None
    run: list[str] = []

    def close() -> None:
        nonlocal best
        if run:
            literal = "".join(run)
            best = _better(best, frozenset({(fold(literal) if folded else literal, folded)}))
            run.clear()

    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # they match no characters: the literals either side are next to each other
        close()
        if op is sre.SUBPATTERN:
            _, add, delete, sub = av
            inner = (folded or bool(add & sre.SRE_FLAG_IGNORECASE)) and not delete & sre.SRE_FLAG_IGNORECASE
            best = _better(best, _required(sub, inner))
        elif op is sre.BRANCH:
            options = [_required(branch, folded) for branch in av[1]]
            if all(option is not None for option in options):
                best = _better(best, frozenset().union(*options))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            best = _better(best, _required(av[2], folded))
    close()
    return best


def needs_of(source: str) -> Needs | None:
    """The literals one of which any match of `source` contains; None: search every line.

    Raises re.error for a pattern that does not parse."""
    if sre_parse is None:
        return None
    parsed = sre_parse.parse(source)
    found = _required(parsed, bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE))
    return tuple(sorted(found)) if found else None


@dataclass(frozen=True, eq=False)
class Pattern:
    """One of a rule's regular expressions (`patterns` or `unless`), compiled on first use."""

    source: str
    needs: Needs | None
    where: str = ""  # the rules file, for the error of a pattern that parses but does not compile

    @classmethod
    def of(cls, source: str, where: str = "") -> Pattern:
        return cls(source, needs_of(source), where)

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        try:
            return re.compile(self.source)
        except re.error as exc:
            raise LettersError(f"{self.where}: bad pattern {self.source!r}: {exc}") from None

    def can_match(self, text: str, folded: str) -> bool:
        """False when the line holds none of the literals every match needs."""
        return self.needs is None or any(literal in (folded if f else text) for literal, f in self.needs)

    def finditer(self, text: str, folded: str) -> Any:
        """Matches in a line (`folded` is `fold(text)`), without compiling where none can be."""
        return self.compiled.finditer(text) if self.can_match(text, folded) else ()
