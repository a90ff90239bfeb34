"""Birthdays and freshness: who gets a card this month, and whose data is too old to post to."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import pytest
from click.testing import CliRunner

from letters.api import build_campaign
from letters.cli import main
from letters.core.errors import LettersError
from letters.data.load import load_campaign
from letters.organize.birthdays import month_birthdays, parse_month

from .conftest import documents


@pytest.fixture
def root(campaign):
    return campaign("birthdays", base="minimal")


def test_december_lists_full_dates_only_and_never_guesses_a_year_only_birthday(root):
    found, year_only = month_birthdays(load_campaign(root), 2026, 12)
    assert [(b.person, b.day, b.age, b.post_by) for b in found] == [
        ("hanna-snezhnaja", dt.date(2026, 12, 3), 46, dt.date(2026, 11, 12)),
        ("piotr-stary", dt.date(2026, 12, 20), 56, dt.date(2026, 11, 29)),
    ]
    assert found[0].mail is None
    assert "last verified 2025-06-01" in found[1].mail  # stale: listed, but no mail
    assert ("alena-testava", 1990) in year_only  # known only by year: listed as such
    assert "zoja-vyzvalena" not in {b.person for b in found}  # released


def test_29_february_is_kept_on_28_february_in_other_years(root):
    data = load_campaign(root)
    assert [b.day for b in month_birthdays(data, 2027, 2)[0]] == [dt.date(2027, 2, 28)]
    assert [b.day for b in month_birthdays(data, 2028, 2)[0]] == [dt.date(2028, 2, 29)]


@pytest.mark.parametrize("value", ["2026-13", "12-2026", "2026/12", "december"])
def test_a_bad_month_is_a_clear_error(value):
    with pytest.raises(LettersError, match="expected a month as YYYY-MM"):
        parse_month(value)


def test_birthdays_command_table_and_csv(root):
    runner = CliRunner()
    table = runner.invoke(main, ["birthdays", str(root), "--month", "2026-12"])
    assert table.exit_code == 0, table.output
    assert "2026-12-03  hanna-snezhnaja" in table.output and "Ганна Снежная / ИК №1" in table.output
    assert "Known only by year of birth (no day is guessed): alena-testava (1990)" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, ["birthdays", str(root), "--month", "2026-12", "--csv", "--post-days", "30"]).output)))
    hanna = next(r for r in rows if r["id"] == "hanna-snezhnaja")
    assert hanna["post by"] == "2026-11-03" and hanna["address"].endswith("REPUBLIC OF BELARUS")
    assert next(r for r in rows if r["id"] == "piotr-stary")["address"].startswith("no mail: profile last verified")


def test_build_birthdays_makes_birthday_letters_and_cards_only_for_them(root, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(root), "--birthdays", "2026-12", "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "birthdays in 2026-12: hanna-snezhnaja, piotr-stary" in result.output
    import json

    docs = [d for d in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"] if d["kind"] == "document"]
    assert {(d["product"], d["prisoner"]) for d in docs} == {
        ("letter-birthday", "hanna-snezhnaja"), ("postcard-birthday", "hanna-snezhnaja"), ("postcard-birthday", None)}
    assert "skipped piotr-stary: no letter-birthday, postcard-birthday: profile last verified 2025-06-01" in result.output


def test_stale_data_holds_back_prisoner_mail_unless_asked_and_released_people_never_get_any(root, tmp_path):
    result = build_campaign(root, tmp_path / "out", ["letter", "appeal"], jobs=1)
    people = {d["prisoner"] for d in documents(result, product="letter")}
    assert "piotr-stary" not in people and "hanna-snezhnaja" in people
    assert {d["prisoner"] for d in documents(result, product="appeal")} >= {"piotr-stary"}  # appeals are not mail
    forced = build_campaign(root, tmp_path / "forced", ["letter"], jobs=1, include_stale=True)
    people = {d["prisoner"] for d in documents(forced, product="letter")}
    assert "piotr-stary" in people and "zoja-vyzvalena" not in people


def test_a_stale_facility_holds_back_mail_to_everyone_held_there(root, tmp_path):
    facilities = root / "facilities.yaml"
    facilities.write_text(facilities.read_text(encoding="utf-8").replace("last_verified: 2026-01-10", "last_verified: 2025-01-10", 1), encoding="utf-8")
    data = load_campaign(root)
    from letters.pipeline.plan import mail_refusal

    reason = mail_refusal(data.prisoners["hanna-snezhnaja"], data)
    assert reason.startswith("Test Penal Colony No. 1 address last verified 2025-01-10")
    assert mail_refusal(data.prisoners["hanna-snezhnaja"], replace(data, include_stale=True)) is None
