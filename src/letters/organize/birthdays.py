"""Birthdays: who to write to this month, and by when to post.

Only full birth dates count; a person known only by the year of birth is
listed as such and never given a guessed day. A letter abroad to a Belarusian
or Russian prison takes weeks (post and censorship), so the list says when to
post: `POST_DAYS_BEFORE` days before the birthday unless the caller says
otherwise.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ..core.errors import LettersError
from ..data.address import recipient_lines
from ..data.load import CampaignData
from ..pipeline.plan import mail_refusal

POST_DAYS_BEFORE = 21
PRODUCTS = ["letter-birthday", "postcard-birthday"]


@dataclass(frozen=True)
class Birthday:
    person: str
    day: dt.date  # the birthday in the month asked for
    born: dt.date
    age: int
    post_by: dt.date
    mail: str | None  # why no mail can reach them, or None


def parse_month(value: str) -> tuple[int, int]:
    """'2026-12' -> (2026, 12), or a clear error."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2200:
        raise LettersError(f"expected a month as YYYY-MM between 1900 and 2200 (e.g. 2026-12), not {value!r}")
    return int(match[1]), int(match[2])


def in_month(born: dt.date, year: int, month: int) -> dt.date | None:
    """The birthday in that month of that year; 29 February is kept on 28 February in other years."""
    if born.month != month:
        return None
    day = min(born.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def month_birthdays(data: CampaignData, year: int, month: int, post_days: int = POST_DAYS_BEFORE) -> tuple[list[Birthday], list[tuple[str, int]]]:
    """Birthdays of imprisoned people in the month, by day; and (person, year) for those known only by year."""
    found: list[Birthday] = []
    year_only: list[tuple[str, int]] = []
    for pid, prisoner in sorted(data.prisoners.items()):
        if prisoner.status != "imprisoned":
            continue
        born = prisoner.birth_date
        if isinstance(born, int):
            year_only.append((pid, born))
            continue
        if born is None or born.year >= year or (day := in_month(born, year, month)) is None:
            continue
        post_by = day - dt.timedelta(days=min(post_days, 366))
        found.append(Birthday(pid, day, born, year - born.year, post_by, mail_refusal(prisoner, data)))
    return sorted(found, key=lambda b: (b.day, b.person)), year_only


def rows(data: CampaignData, found: list[Birthday]) -> list[list[str]]:
    """The list as people read it: day, id, name, age, post-by date and address (or why no mail)."""
    out = []
    for b in found:
        prisoner = data.prisoners[b.person]
        facility = data.facilities.get(prisoner.facility or "")
        address = " / ".join(recipient_lines(prisoner, facility, data.campaign.languages[0])) if not b.mail and facility else ""
        out.append([b.day.isoformat(), b.person, f"{prisoner.names.latin.first} {prisoner.names.latin.last}", str(b.age),
                    b.post_by.isoformat() if not b.mail else "", address or f"no mail: {b.mail}"])
    return out
