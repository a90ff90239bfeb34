"""The volunteers' desk (organize/desk.py): choosing, writing, sending, reviewing and
printing, through the API with the real renderer and a real SQLite ledger."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from letters.api import Desk, LettersError

CLEAN = "Добры дзень! У нас сёння сонечна і ціха."


@pytest.fixture
def desk(campaign) -> Desk:
    return Desk(campaign("evening"))


def test_people_who_can_receive_mail_least_written_first(desk: Desk):
    assert [p.id for p in desk.people()] == ["alena-testava", "barys-uzorny", "vera-prykladnaja"]  # by name when equal
    desk.submit("alena-testava", CLEAN, "be")
    assert [p.id for p in desk.people()][-1] == "alena-testava"
    assert [p.id for p in desk.people(topic="films")] == ["vera-prykladnaja", "alena-testava"]
    assert [p.id for p in desk.people(birthdays_in=5)] == ["vera-prykladnaja"]
    with pytest.raises(LettersError, match="correspondence is banned"):
        desk.person("pavel-zabaroneny")
    with pytest.raises(LettersError, match=r"no person '\.\./etc'"):
        desk.person("../etc")


def test_check_flags_the_word_and_refuses_what_is_not_a_letter(desk: Desk):
    [finding] = desk.check("Трымайцеся, хутка свабода!", "be")
    assert (finding.code, finding.text, finding.column, finding.end_column) == ("politics", "свабода", 19, 26)
    assert "other" not in str(desk.check(CLEAN, "be"))
    assert "reads as Russian, not Belarusian" in desk.check("Добрый день! Пишу вам.", "be")[0].message
    assert "mixes Belarusian" in desk.check("Добры дзень і добрый день, щука", "be")[0].message
    assert "direction-changing" in desk.check("Добры \u202eдзень", "be")[0].message
    assert desk.check("   ", "be")[0].code == "text"


def test_a_submission_is_one_file_and_one_row_and_keeps_the_name_off_the_letter(desk: Desk):
    sent = desk.submit("vera-prykladnaja", f"  {CLEAN}\r\n", "be", volunteer="  Anna   K. ")
    assert (sent.state, sent.volunteer, sent.path) == ("written", "Anna K.", "messages/vera-prykladnaja/web-1.be.txt")
    assert (desk.root / sent.path).read_text(encoding="utf-8") == CLEAN
    assert desk.receipt(sent.receipt) == sent and desk.receipt("x" * 22) is None and desk.receipt("../x") is None
    with pytest.raises(LettersError, match="cannot be sent yet"):
        desk.submit("vera-prykladnaja", "Хутка свабода!", "be")
    with pytest.raises(LettersError, match="at most 60"):
        desk.submit("vera-prykladnaja", CLEAN, "be", volunteer="A" * 61)
    assert len(desk.queue()) == 1


def test_a_file_already_there_is_never_overwritten_and_the_row_is_rolled_back(desk: Desk):
    folder = desk.root / "messages" / "vera-prykladnaja"
    folder.mkdir(parents=True)
    (folder / "web-1.be.txt").write_text("someone else's", encoding="utf-8")
    with pytest.raises(LettersError, match="exists already"):
        desk.submit("vera-prykladnaja", CLEAN, "be")
    assert (folder / "web-1.be.txt").read_text(encoding="utf-8") == "someone else's"
    with sqlite3.connect(desk.db) as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_returned_letters_are_set_aside_and_approved_ones_print_with_labels(desk: Desk):
    kept = desk.submit("alena-testava", CLEAN, "be")
    back = desk.submit("barys-uzorny", "Добры дзень! Як Вы маецеся?", "be")
    desk.review(kept.id, approve=True)
    desk.review(back.id, approve=False, note="Write a little more, please.")
    assert not (desk.root / back.path).exists() and (desk.root / (back.path + ".returned")).is_file()
    assert desk.receipt(back.receipt).note == "Write a little more, please."
    pdf, pages = desk.print_approved(with_="labels")
    reader = PdfReader(io.BytesIO(pdf))
    assert pages == len(reader.pages) == 3  # the letter, its blank back, the label sheet
    assert "Дарагая Алена!" in reader.pages[0].extract_text() and reader.pages[1].extract_text() == ""
    assert "Алена Тэставая" in reader.pages[2].extract_text() and "Барыс" not in reader.pages[2].extract_text()
    assert [q.submission.state for q in desk.queue()] == ["printed", "returned"]
    with pytest.raises(LettersError, match="no approved letter"):
        desk.print_approved()
    with pytest.raises(LettersError, match="printed already"):
        desk.review(kept.id, approve=False)
    assert desk.stats()[0].generated == 1  # the printed letter is in the ledger as generated


def test_printing_with_envelopes_adds_one_per_person(desk: Desk):
    for person in ("alena-testava", "vera-prykladnaja"):
        desk.review(desk.submit(person, CLEAN, "be").id, approve=True)
    pdf, _ = desk.print_approved(with_="envelope-c5")
    sizes = [tuple(round(float(v) / 72 * 25.4) for v in page.mediabox[2:]) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert sizes == [(210, 297)] * 4 + [(229, 162)] * 2
    with pytest.raises(LettersError, match="not 'parcel'"):
        desk.print_approved([1], with_="parcel")


def test_the_preview_is_the_rendered_letter(desk: Desk):
    from PIL import Image

    image = Image.open(io.BytesIO(desk.preview("alena-testava", CLEAN, "be")))
    assert abs(image.height / image.width - 297 / 210) < 0.01
    pdf, pages = desk.render("alena-testava", CLEAN, "be", envelope="envelope-dl")
    assert pages == 2 and "Дарагая Алена!" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    with pytest.raises(LettersError, match="cannot be sent yet"):
        desk.preview("alena-testava", "Жыве Беларусь!", "be")


def test_about_shows_what_the_writers_sheet_shows(desk: Desk, campaign):
    about = desk.about("alena-testava", "be")
    assert about["address"][-1] == "REPUBLIC OF BELARUS" and about["prisoner"]["topics"] == ["gardening", "films"]
    assert about["guidance"]["dont"] and not any("letters lint" in item for item in about["guidance"]["do"])
    assert desk.photo("alena-testava") == desk.root / "photos" / "alena-testava.png"
    assert desk.photo("barys-uzorny") is None
    titles = [title for title, _ in desk.phrase_groups()]
    assert titles[0] == "Greetings"


def test_a_letter_back_to_a_build_is_never_a_returned_one(desk: Desk):
    from letters.api import build_campaign

    kept = desk.submit("alena-testava", CLEAN, "be")
    back = desk.submit("vera-prykladnaja", "Добры дзень! Як Вы маецеся?", "be")
    desk.review(back.id, approve=False)
    out = desk.root.parent / "out"
    result = build_campaign(desk.root, out, ["letter"])
    ids = {e.id for e in result.entries}
    assert f"letter-alena-testava-be-web-{kept.id}" in ids
    assert not any("vera-prykladnaja-be-web" in i for i in ids)
    assert not result.failures and not [w for w in result.warnings if "returned" in str(w)]


def test_a_missing_ledger_is_an_empty_queue_not_an_error(desk: Desk):
    assert desk.queue() == [] and desk.waiting() == {} and not Path(desk.db).exists()
    assert {c.prisoner for c in desk.stats()} == {"alena-testava", "barys-uzorny", "vera-prykladnaja"}
