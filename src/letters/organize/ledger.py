"""The ledger of letters handed out, sent, returned and answered (SQLite).

One file, by default `letters.sqlite` in the campaign folder (`--db PATH` or
the LETTERS_DB environment variable put it elsewhere). Every prisoner-audience
document a pack generates is a row; `letters log` adds events to it; the
counts decide who is written to next (least-written first).

Safe with several processes at once: WAL journal, a busy timeout, and every
write in one IMMEDIATE transaction (all of a command's rows or none). The
schema has a version (PRAGMA user_version) and numbered migrations.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import LettersError
from ..data.load import CampaignData
from ..products.registry import Registry, builtin_registry

FILE = "letters.sqlite"
ENV = "LETTERS_DB"
EVENTS = ("sent", "returned", "reply")
EARLIEST = dt.date(2000, 1, 1)  # no letter in the ledger was posted before this
DAMAGED = ("{path}: the ledger cannot be read ({error}); it may be damaged: check it with "
           "`letters doctor --db {path}` and restore it from a backup")

# Migration n brings a database from version n to n + 1. Never edit one that shipped: add another.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE documents (
            id TEXT NOT NULL,
            campaign TEXT NOT NULL,
            prisoner TEXT NOT NULL,
            product TEXT NOT NULL,
            lang TEXT NOT NULL,
            generated_on TEXT NOT NULL,
            path TEXT,
            sha256 TEXT,
            PRIMARY KEY (campaign, id)
        )""",
        "CREATE INDEX documents_by_prisoner ON documents (campaign, prisoner)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            campaign TEXT NOT NULL,
            document TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('sent', 'returned', 'reply')),
            on_date TEXT NOT NULL,
            FOREIGN KEY (campaign, document) REFERENCES documents (campaign, id)
        )""",
        "CREATE INDEX events_by_document ON events (campaign, document)",
    ],
    [
        """CREATE TABLE packs (
            id TEXT PRIMARY KEY,
            campaign TEXT NOT NULL,
            number INTEGER NOT NULL,
            created_on TEXT NOT NULL,
            volunteers INTEGER NOT NULL,
            UNIQUE (campaign, number)
        )""",
        "ALTER TABLE documents ADD COLUMN pack TEXT REFERENCES packs (id)",
        "ALTER TABLE documents ADD COLUMN volunteer TEXT",
    ],
    [  # letters written on the volunteers' page (letters serve), before an organizer prints them
        """CREATE TABLE submissions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            campaign TEXT NOT NULL,
            prisoner TEXT NOT NULL,
            lang TEXT NOT NULL,
            path TEXT NOT NULL,
            volunteer TEXT,
            written_on TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'written' CHECK (state IN ('written', 'approved', 'returned', 'printed')),
            note TEXT,
            document TEXT,
            receipt TEXT NOT NULL UNIQUE,
            UNIQUE (campaign, path)
        )""",
        "CREATE INDEX submissions_by_state ON submissions (campaign, state)",
    ],
]
STATES = ("written", "approved", "returned", "printed")
VERSION = len(MIGRATIONS)


def letters_of(data: CampaignData | None = None) -> tuple[str, ...]:
    """The products the ledger counts as letters written to a person (`counts_as_letter` in the
    registry of the campaign, or the built-in one)."""
    registry: Registry = data.registry if data else builtin_registry()
    return tuple(name for name, p in registry.products.items() if p.counts_as_letter)


def _is_letter(letters: tuple[str, ...], column: str = "product") -> tuple[str, list[str]]:
    """An SQL condition (and its parameters) for "this document is a letter, not an envelope"."""
    return f"{column} IN ({','.join('?' * len(letters)) or 'NULL'})", list(letters)


def db_path(campaign_root: Path, explicit: Path | None = None) -> Path:
    """Where the ledger is: --db, then $LETTERS_DB, then the campaign folder."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return Path(campaign_root) / FILE


@dataclass(frozen=True)
class Generated:
    id: str
    campaign: str
    prisoner: str
    product: str
    lang: str
    generated_on: dt.date
    pack: str | None = None
    volunteer: str | None = None
    path: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Counts:
    prisoner: str
    generated: int = 0
    sent: int = 0
    returned: int = 0
    replies: int = 0
    last_sent: str | None = None


class Ledger:
    """An open ledger; use as a context manager so the connection is closed."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise LettersError(f"{self.path}: not a file; the ledger is one SQLite file")
        if not create and not self.path.is_file():
            raise LettersError(f"no ledger at {self.path}: `letters pack` makes one (or give the right --db)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LettersError(f"cannot make the ledger's folder {self.path.parent}: {exc.strerror}") from None
        if not self.path.exists():
            _create(self.path)
        elif self.path.stat().st_size == 0 and not _journal_holds_data(self.path):
            raise LettersError(
                f"{self.path} is empty (0 bytes): a ledger letters made never is, so its records were lost; "
                f"restore it from a backup, or delete the empty file to start a new ledger")
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise LettersError(f"{self.path}: not a letters ledger ({exc})") from None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        self.db.close()
        if isinstance(error, sqlite3.DatabaseError):  # a damaged file: one clear line, not a traceback
            raise LettersError(DAMAGED.format(path=self.path, error=error)) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write; IMMEDIATE takes the write lock first, so writers queue."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Bring the schema to VERSION, one numbered migration per transaction."""
        if self.version > VERSION:
            raise LettersError(f"{self.path}: made by a newer letters (schema {self.version}, this one knows {VERSION})")
        while self.version < VERSION:
            with self.transaction() as db:
                current = db.execute("PRAGMA user_version").fetchone()[0]
                if current >= VERSION:  # another process migrated meanwhile
                    break
                for statement in MIGRATIONS[current]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {current + 1}")

    def reserve_pack(self, campaign: str, on: dt.date, volunteers: int) -> int:
        """The next pack number, taken in one transaction so two packs made at once never share it.

        A pack that then fails leaves a gap in the numbers, never two packs with one number.
        """
        with self.transaction() as db:
            number = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM packs WHERE campaign = ?", (campaign,)).fetchone()[0]
            db.execute("INSERT INTO packs VALUES (?, ?, ?, ?, ?)", (f"{campaign}:K{number}", campaign, number, on.isoformat(), volunteers))
        return number

    def record(self, documents: list[Generated]) -> None:
        """Add generated documents (an id already there is kept as it was)."""
        with self.transaction() as db:
            self._insert(db, documents)

    @staticmethod
    def _insert(db: sqlite3.Connection, documents: list[Generated]) -> None:
        db.executemany(
            "INSERT OR IGNORE INTO documents (id, campaign, prisoner, product, lang, generated_on, path, sha256, pack, volunteer) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(d.id, d.campaign, d.prisoner, d.product, d.lang, d.generated_on.isoformat(), d.path, d.sha256,
              f"{d.campaign}:{d.pack}" if d.pack else None, d.volunteer) for d in documents],
        )

    def log(self, campaign: str, kind: str, ids: list[str], on: dt.date, letters: tuple[str, ...] | None = None) -> int:
        """Record an event for each document; unknown ids refuse the whole command."""
        if kind not in EVENTS:
            raise LettersError(f"unknown event {kind!r}; expected one of {', '.join(EVENTS)}")
        if on < EARLIEST:
            raise LettersError(f"{on} is before {EARLIEST.year}: no letter in the ledger is that old; check the date")
        with self.transaction() as db:
            known = {row[0] for row in db.execute(
                f"SELECT id FROM documents WHERE campaign = ? AND id IN ({','.join('?' * len(ids))})", [campaign, *ids])}
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise LettersError(f"{self.path}: no document {', '.join(unknown)} of {campaign} in the ledger; nothing was recorded")
            condition, names = _is_letter(letters or letters_of())
            are_letters = {row[0] for row in db.execute(
                f"SELECT id FROM documents WHERE campaign = ? AND {condition} "
                f"AND id IN ({','.join('?' * len(ids))})", [campaign, *names, *ids])}
            if not_letters := [i for i in ids if i not in are_letters]:
                raise LettersError(f"{', '.join(not_letters)}: an envelope, not a letter; log the letter's number; nothing was recorded")
            if kind in ("sent", "returned"):  # once per letter; replies may come more than once
                twice = db.execute(
                    f"SELECT document, on_date FROM events WHERE campaign = ? AND kind = ? AND document IN ({','.join('?' * len(ids))})",
                    [campaign, kind, *ids]).fetchall()
                repeated = sorted({i for i in ids if ids.count(i) > 1})
                if twice or repeated:
                    which = ", ".join([f"{d} (on {on})" for d, on in twice] + [f"{d} (twice in this command)" for d in repeated])
                    raise LettersError(f"already recorded as {kind}: {which}; nothing was recorded")
            marks = ",".join("?" * len(ids))
            if kind == "sent":
                early = db.execute(f"SELECT id, generated_on FROM documents WHERE campaign = ? AND id IN ({marks}) "
                                   f"AND generated_on > ?", [campaign, *ids, on.isoformat()]).fetchall()
                if early:
                    which = ", ".join(f"{d} (made on {made})" for d, made in sorted(early))
                    raise LettersError(f"sent on {on}, before the letter was made: {which}; check the date; nothing was recorded")
            else:
                sent = dict(db.execute(f"SELECT document, MIN(on_date) FROM events WHERE campaign = ? AND kind = 'sent' "
                                       f"AND document IN ({marks}) GROUP BY document", [campaign, *ids]).fetchall())
                if never := sorted({i for i in ids if i not in sent}):
                    raise LettersError(f"{', '.join(never)}: never recorded as sent, so it cannot be {kind}; "
                                       f"log it as sent first (`letters log sent`); nothing was recorded")
                if before := sorted({i for i in ids if sent[i] > on.isoformat()}):
                    which = ", ".join(f"{d} (sent on {sent[d]})" for d in before)
                    raise LettersError(f"{kind} on {on}, before the letter was sent: {which}; nothing was recorded")
            db.executemany("INSERT INTO events (campaign, document, kind, on_date) VALUES (?, ?, ?, ?)",
                           [(campaign, i, kind, on.isoformat()) for i in ids])
        return len(ids)

    def counts(self, campaign: str, letters: tuple[str, ...] | None = None) -> dict[str, Counts]:
        """Per person: letters and cards generated (envelopes and labels not counted), events, last sent."""
        condition, names = _is_letter(letters or letters_of(), "d.product")
        rows = self.db.execute(
            f"""SELECT d.prisoner,
                      COUNT(DISTINCT CASE WHEN {condition} THEN d.id END),
                      SUM(e.kind = 'sent'), SUM(e.kind = 'returned'), SUM(e.kind = 'reply'),
                      MAX(CASE WHEN e.kind = 'sent' THEN e.on_date END)
               FROM documents d LEFT JOIN events e ON e.campaign = d.campaign AND e.document = d.id
               WHERE d.campaign = ? GROUP BY d.prisoner""",
            (*names, campaign),
        )
        return {r[0]: Counts(r[0], r[1] or 0, r[2] or 0, r[3] or 0, r[4] or 0, r[5]) for r in rows}

    def history(self, campaign: str, prisoner: str) -> list[dict[str, object]]:
        """Every document generated for one person, with its events, oldest first."""
        docs = self.db.execute(
            "SELECT id, product, lang, generated_on, pack, volunteer, path, sha256 FROM documents "
            "WHERE campaign = ? AND prisoner = ? ORDER BY generated_on, id", (campaign, prisoner)).fetchall()
        out = []
        for doc_id, product, lang, on, pack, volunteer, path, digest in docs:
            events = self.db.execute("SELECT kind, on_date FROM events WHERE campaign = ? AND document = ? ORDER BY on_date, id",
                                     (campaign, doc_id)).fetchall()
            out.append({"id": doc_id, "product": product, "lang": lang, "generated_on": on,
                        "pack": pack.split(":", 1)[1] if pack else None, "volunteer": volunteer, "path": path,
                        "sha256": digest, "events": [{"kind": k, "on": d} for k, d in events]})
        return out


@dataclass(frozen=True)
class Submission:
    """A letter written on the volunteers' page: its file under messages/, and where it stands."""

    id: int
    campaign: str
    prisoner: str
    lang: str
    path: str  # relative to the campaign folder
    volunteer: str | None
    written_on: str
    state: str
    note: str | None
    document: str | None
    receipt: str  # the writer's own link to it (a random token, never the row number)


SUBMISSION_COLUMNS = "id, campaign, prisoner, lang, path, volunteer, written_on, state, note, document, receipt"


class Submissions:
    """The ledger's table of letters written on the page; methods of their own, so that a
    reader finds every SQL statement about them in one place."""

    def __init__(self, book: Ledger):
        self.book = book

    def add(self, campaign: str, prisoner: str, lang: str, volunteer: str | None, on: dt.date,
            receipt: str, place: Callable[[int], str], floor: int = 1) -> Submission:
        """Record one letter and write its file in the same transaction: `place(number)` writes
        the file and returns its path. If writing fails, the row is rolled back; if the
        commit fails, the caller removes the file. So each letter is one row and one file.
        The number is the next in the ledger, and at least `floor` (above the files already
        there, should the ledger have been restored from an older copy)."""
        with self.book.transaction() as db:
            number = max(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions").fetchone()[0], floor)
            path = place(number)
            db.execute("INSERT INTO submissions (id, campaign, prisoner, lang, path, volunteer, written_on, receipt) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (number, campaign, prisoner, lang, path, volunteer, on.isoformat(), receipt))
        return self.get(campaign, number)

    def get(self, campaign: str, number: int) -> Submission:
        row = self.book.db.execute(f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE campaign = ? AND id = ?",
                                   (campaign, number)).fetchone()
        if row is None:
            raise LettersError(f"no letter number {number} in {campaign}")
        return Submission(*row)

    def by_receipt(self, campaign: str, receipt: str) -> Submission | None:
        row = self.book.db.execute(f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE campaign = ? AND receipt = ?",
                                   (campaign, receipt)).fetchone()
        return Submission(*row) if row else None

    def all(self, campaign: str, states: tuple[str, ...] = STATES) -> list[Submission]:
        rows = self.book.db.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE campaign = ? AND state IN ({','.join('?' * len(states))}) "
            "ORDER BY id", (campaign, *states)).fetchall()
        return [Submission(*row) for row in rows]

    def review(self, campaign: str, number: int, state: str, note: str | None) -> Submission:
        """Approve or return a letter that is not yet printed."""
        if state not in ("approved", "returned"):
            raise LettersError(f"a letter is approved or returned, not {state!r}")
        with self.book.transaction() as db:
            changed = db.execute("UPDATE submissions SET state = ?, note = ? WHERE campaign = ? AND id = ? AND state != 'printed'",
                                 (state, note, campaign, number)).rowcount
        if not changed:
            raise LettersError(f"letter {number} is printed already, or not in {campaign}")
        return self.get(campaign, number)

    def printed(self, campaign: str, documents: dict[int, Generated]) -> None:
        """Mark approved (or reprinted) letters printed, and record their documents, in one
        transaction; if one was returned meanwhile, nothing is recorded."""
        with self.book.transaction() as db:
            for number, doc in documents.items():
                changed = db.execute("UPDATE submissions SET state = 'printed', document = ? WHERE campaign = ? AND id = ? "
                                     "AND state IN ('approved', 'printed')", (doc.id, campaign, number)).rowcount
                if not changed:
                    raise LettersError(f"letter {number} was returned while it was being printed; nothing was recorded, "
                                       f"print again")
            self.book._insert(db, list(documents.values()))

    def waiting(self, campaign: str) -> dict[str, int]:
        """Per person: letters written on the page and not yet printed nor returned (they count
        as written when the page chooses whom to write to next)."""
        rows = self.book.db.execute("SELECT prisoner, COUNT(*) FROM submissions WHERE campaign = ? "
                                    "AND state IN ('written', 'approved') GROUP BY prisoner", (campaign,))
        return dict(rows.fetchall())


def _create(path: Path) -> None:
    """A new ledger, made whole before it appears: migrated in a file of its own, then linked
    in under its name (never over a ledger another process made meanwhile). So a ledger is
    never an empty file, and an empty file is a lost ledger, not a new one."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    try:
        with closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            db.execute("BEGIN")
            for statements in MIGRATIONS:
                for statement in statements:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise LettersError(f"cannot make the ledger {path}: {exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _journal_holds_data(path: Path) -> bool:
    """Whether the write-ahead log beside an empty file holds the ledger (not yet checkpointed)."""
    wal = Path(f"{path}-wal")
    return wal.is_file() and wal.stat().st_size > 0


def integrity(path: Path) -> tuple[bool, str]:
    """Is the file a whole, readable ledger? SQLite's integrity check, the schema version and
    the counts, read only (nothing is migrated or written)."""
    path = Path(path)
    if not path.is_file():
        return False, f"no ledger at {path}"
    if path.stat().st_size == 0 and not _journal_holds_data(path):
        return False, f"{path} is empty (0 bytes): its records were lost; restore it from a backup"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            found = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
            if found != ["ok"]:
                return False, f"{path}: damaged ({'; '.join(map(str, found[:3]))}); restore it from a backup"
            version = db.execute("PRAGMA user_version").fetchone()[0]
            documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return False, f"{path}: damaged, it cannot be read ({exc}); restore it from a backup"
    if version > VERSION:
        return False, f"{path}: made by a newer letters (schema {version}, this one knows {VERSION})"
    return True, f"{path}: intact (schema {version}), {documents} document(s), {events} event(s)"


def campaign_key(root: Path) -> str:
    """How the ledger names a campaign: its folder's name (one ledger can serve several)."""
    return Path(root).resolve().name
