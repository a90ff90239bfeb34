"""Event packs read back from their PDFs, and the ledger behind them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter

import pdfplumber
import pytest
from click.testing import CliRunner

from letters.cli import main
from letters.core.errors import LettersError
from letters.organize.ledger import MIGRATIONS, VERSION, Ledger, campaign_key
from letters.organize.packs import Volunteer, assign, make_packs

from .conftest import CAMPAIGNS

MAILABLE = {"alena-testava", "daria-druhaja", "mikhas-pershy", "sergei-rossiiski", "zmitser-treci"}


@pytest.fixture
def shop(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    shutil.copytree(CAMPAIGNS / "print-shop", root, dirs_exist_ok=True)
    return root


TODAY = dt.date.today().isoformat()  # packs are made today; a letter is sent after it is made (a run across
# midnight would see a pack made "tomorrow": not worth a clock that can be set)


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def pages_text(path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def test_packs_read_back_cover_people_duplex_padding_and_no_volunteer_name_on_posted_pages(shop, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Anna Kowalska\nJonas Weber\n", encoding="utf-8")
    result = run("pack", shop, "--names", names, "--per-volunteer", "3", "-o", tmp_path / "out", "-j", "1")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in manifest["documents"]}
    packs = [d for d in manifest["documents"] if d["kind"] == "pack" and d["id"].split("-")[-1] not in ("organizer", "envelopes")]
    assert len(packs) == 2
    # the envelopes, another paper size, are a file of their own per volunteer: one DL page per letter
    for envelopes in (d for d in manifest["documents"] if d["id"].endswith("-envelopes")):
        with pdfplumber.open(tmp_path / "out" / envelopes["path"]) as pdf:
            assert [(round(p.width * 25.4 / 72), round(p.height * 25.4 / 72)) for p in pdf.pages] == [(220, 110)] * 3
            assert not any(n in (p.extract_text() or "") for p in pdf.pages for n in ("Anna", "Jonas"))
    seen: dict[str, list[str]] = {}
    for entry, name in zip(packs, ["Anna Kowalska", "Jonas Weber"], strict=True):
        texts = pages_text(tmp_path / "out" / entry["path"])
        assert len(texts) % 2 == 0 and len(texts) == entry["pages"]
        assert texts[0].startswith(f"Your letter-writing pack: {name}")  # the cover
        assert texts[1].strip() == ""  # padded: the first writer's sheet starts on a front side
        assert [i for i, t in enumerate(texts) if name in t] == [0]  # the name is on the cover only
        # each person's writer's sheet starts on an odd page (a front side), letter numbers in order
        starts = [i for i, t in enumerate(texts) if t.startswith("Keep this sheet. Never put it in the envelope.")]
        assert len(starts) == 3 and all(i % 2 == 0 for i in starts)
        numbers = list(entry["parts"])
        assert all(f"Your letter's number: {n}." in "".join(texts) for n in numbers)
        seen[name] = numbers
    # nobody twice in a pack; everyone who can receive mail is covered; 6 seats for 5 people
    people = Counter()
    with pdfplumber.open(tmp_path / "out" / "packs" / "organizer.pdf") as pdf:
        organizer = pdf.pages[0].extract_text()
    for name, numbers in seen.items():  # the organizer's sheet: each volunteer's three letters, three people
        rows = [line for line in organizer.splitlines() if line.startswith(name)]
        assert [row.split()[2] for row in rows] == numbers
        assert len({" ".join(row.split()[3:5]) for row in rows}) == 3
    letters = [d for d in docs.values() if d["product"] == "letter"]
    people.update(d["prisoner"] for d in letters)
    assert set(people) == MAILABLE
    # no volunteer name in any document that is posted
    for doc in docs.values():
        if doc["audience"] == "prisoner":
            assert not any(n in t for t in pages_text(tmp_path / "out" / doc["path"]) for n in ("Anna", "Jonas", "Kowalska", "Weber"))


def test_least_written_first_across_packs_and_log_commands(shop, tmp_path):
    key = campaign_key(shop)
    first = make_packs(shop, [Volunteer(1)], tmp_path / "k1", per_volunteer=2, jobs=1)
    k1 = {s.person for s in first.seats}
    assert first.pack == "K1" and len(k1) == 2
    assert run("log", "sent", *[s.number for s in first.seats], "--campaign", shop, "--date", TODAY).exit_code == 0
    second = make_packs(shop, [Volunteer(1)], tmp_path / "k2", per_volunteer=2, jobs=1)
    k2 = {s.person for s in second.seats}
    assert second.pack == "K2" and not k1 & k2  # the ones written to come last
    third = make_packs(shop, [Volunteer(1)], tmp_path / "k3", per_volunteer=2, jobs=1)
    k3 = {s.person for s in third.seats}
    assert (MAILABLE - k1 - k2) <= k3 and not k3 & k1  # the one left, then someone not yet sent to
    returned = third.seats[0].number
    assert run("log", "returned", returned, "--campaign", shop).exit_code == 1  # never sent: it cannot come back
    assert run("log", "sent", returned, "--campaign", shop).exit_code == 0
    assert run("log", "returned", returned, "--campaign", shop).exit_code == 0
    assert run("log", "reply", first.seats[0].number, "--campaign", shop, "--date", TODAY).exit_code == 0
    with Ledger(shop / "letters.sqlite") as ledger:
        counts = ledger.counts(key)
    assert sum(c.generated for c in counts.values()) == 6  # letters only, envelopes are not counted
    replied = counts[first.seats[0].person]
    assert (replied.sent, replied.replies, replied.last_sent) == (1, 1, TODAY)
    assert counts[third.seats[0].person].returned == 1
    table = run("stats", shop, "--csv")
    rows = {r.split(",")[0]: r.split(",") for r in table.output.splitlines()[1:]}
    assert rows[first.seats[0].person][1:] == ["1", "1", "0", "1", TODAY]
    assert rows["pavel-zabaroneny"][1:] == ["0", "0", "0", "0", ""]  # banned: listed, never written to


def test_an_unknown_envelope_or_repeated_number_records_nothing(shop, tmp_path):
    made = make_packs(shop, [Volunteer(1)], tmp_path / "k1", per_volunteer=2, jobs=1)
    first, second = (s.number for s in made.seats)
    result = run("log", "sent", first, "K9-9-9", "--campaign", shop)
    assert result.exit_code == 1 and "no document K9-9-9" in result.output and "nothing was recorded" in result.output
    assert "an envelope, not a letter" in run("log", "sent", f"{first}E", "--campaign", shop).output
    assert run("log", "sent", first, "--campaign", shop, "--date", TODAY).exit_code == 0
    again = run("log", "sent", second, first, "--campaign", shop)
    assert again.exit_code == 1 and f"already recorded as sent: {first} (on {TODAY})" in again.output
    assert "in the future" in run("log", "sent", second, "--campaign", shop, "--date", "2999-01-01").output
    with Ledger(shop / "letters.sqlite") as ledger:
        counts = ledger.counts(campaign_key(shop))
    assert counts[made.seats[0].person].sent == 1 and counts[made.seats[1].person].sent == 0
    missing = run("stats", shop, "--db", tmp_path / "typo.sqlite")
    assert missing.exit_code == 1 and "no ledger at" in missing.output and not (tmp_path / "typo.sqlite").exists()


def test_db_option_and_environment_variable_move_the_ledger(shop, tmp_path):
    elsewhere = tmp_path / "ledgers" / "event.sqlite"
    result = run("pack", shop, "--volunteers", "1", "--per-volunteer", "1", "-o", tmp_path / "o", "--db", elsewhere)
    assert result.exit_code == 0, result.output
    assert elsewhere.is_file() and not (shop / "letters.sqlite").exists()
    stats = run("stats", shop, "--csv", env={"LETTERS_DB": str(elsewhere)})
    assert sum(int(line.split(",")[1]) for line in stats.output.splitlines()[1:]) == 1


def test_two_processes_logging_at_once_lose_nothing(shop, tmp_path):
    made = make_packs(shop, [Volunteer(1), Volunteer(2), Volunteer(3)], tmp_path / "k1", per_volunteer=5, jobs=1)
    numbers = [s.number for s in made.seats]
    script = (
        "import sys, datetime as dt\n"
        "from letters.organize.ledger import Ledger\n"
        "with Ledger(sys.argv[1]) as ledger:\n"
        "    for i in range(int(sys.argv[3])):\n"
        "        ledger.log(sys.argv[2], 'reply', sys.argv[4:], dt.date.today())\n"
    )
    db = shop / "letters.sqlite"
    with Ledger(db) as ledger:  # a reply can only come to a letter that was sent
        ledger.log(campaign_key(shop), "sent", numbers, dt.date.today())
    procs = [subprocess.Popen([sys.executable, "-c", script, str(db), campaign_key(shop), "40", *numbers]) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2 * 40 * len(numbers) + len(numbers)  # and the sent
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_old_ledger_is_migrated_and_keeps_its_records_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as raw:  # a ledger as the first schema version wrote it
        for statement in MIGRATIONS[0]:
            raw.execute(statement)
        raw.execute("PRAGMA user_version = 1")
        raw.execute("INSERT INTO documents VALUES ('A-1', 'c', 'p', 'letter', 'be', '2026-01-01', NULL, NULL)")
    with Ledger(path) as ledger:
        assert ledger.version == VERSION
        assert ledger.counts("c")["p"].generated == 1
        assert ledger.log("c", "sent", ["A-1"], dt.date(2026, 1, 2)) == 1
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {VERSION + 1}")
    with pytest.raises(LettersError, match="made by a newer letters"):
        Ledger(path)


def test_archive_holds_copies_and_the_ledger_record_without_volunteer_names(shop, tmp_path):
    made = make_packs(shop, [Volunteer(1, "Anna Kowalska"), Volunteer(2, "Jonas Weber")], tmp_path / "k1", jobs=1)
    person = made.seats[0].person
    run("log", "sent", made.seats[0].number, "--campaign", shop, "--date", TODAY)
    result = run("archive", shop, person, "-o", tmp_path / "bank")
    assert result.exit_code == 0, result.output
    index = json.loads((tmp_path / "bank" / "index.json").read_text(encoding="utf-8"))
    numbers = {d["number"] for d in index["documents"]}
    mine = {s.number for s in made.seats if s.person == person}
    assert numbers == mine | {f"{n}E" for n in mine}
    assert all((tmp_path / "bank" / d["file"]).is_file() for d in index["documents"])
    sent = next(d for d in index["documents"] if d["number"] == made.seats[0].number)
    assert sent["events"] == [{"kind": "sent", "on": TODAY}]
    everything = (tmp_path / "bank" / "index.json").read_text(encoding="utf-8") + (tmp_path / "bank" / "index.csv").read_text(encoding="utf-8")
    assert "Anna" not in everything and "Jonas" not in everything
    again = run("archive", shop, person, "-o", tmp_path / "bank")
    assert again.exit_code == 1 and "is not empty" in again.output


def test_a_second_pack_never_overwrites_the_first_ones_folder(shop, tmp_path):
    """Every pack names its files packs/01.pdf, organizer.pdf: a second pack in the same
    folder would replace the first's files and manifest. It is refused before a number is taken."""
    out = tmp_path / "evening"
    first = make_packs(shop, [Volunteer(1)], out, jobs=1, db=tmp_path / "ledger.sqlite")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(LettersError, match=f"holds pack {first.pack} already"):
        make_packs(shop, [Volunteer(1)], out, jobs=1, db=tmp_path / "ledger.sqlite")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    second = make_packs(shop, [Volunteer(1)], tmp_path / "next", jobs=1, db=tmp_path / "ledger.sqlite")
    assert second.pack == f"K{int(first.pack[1:]) + 1}"  # the refused one took no number


def test_assignment_is_even_and_never_repeats_within_a_pack():
    people = [f"p{i}" for i in range(7)]
    for volunteers, per in [(3, None), (10, 2), (5, 7), (2, 9)]:
        packs = assign(people, {}, volunteers, per, "seed")
        assert all(len(set(p)) == len(p) for p in packs)
        counts = Counter(x for p in packs for x in p)
        assert max(counts.values()) - min(counts.get(x, 0) for x in people) <= 1
    written = {"p0": (3, 3), "p1": (0, 5)}
    assert set(assign(people, written, 1, 5, "s")[0]) == set(people) - {"p0", "p1"}


def test_a_pack_never_takes_over_a_build_folder_and_names_must_differ(shop, tmp_path):
    from letters.api import build_campaign
    from letters.organize.packs import volunteers_from

    build_campaign(shop, tmp_path / "build", ["letter"], jobs=1)
    before = (tmp_path / "build" / "manifest.json").read_bytes()
    with pytest.raises(LettersError, match="holds a build"):
        make_packs(shop, [Volunteer(1)], tmp_path / "build", jobs=1)
    assert (tmp_path / "build" / "manifest.json").read_bytes() == before
    names = tmp_path / "names.txt"
    names.write_text("Anna\nJonas\nAnna\n", encoding="utf-8")
    with pytest.raises(LettersError, match="Anna named twice"):
        volunteers_from(None, names)
