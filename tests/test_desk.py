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


def test_a_file_already_there_is_never_overwritten(desk: Desk):
    folder = desk.root / "messages" / "vera-prykladnaja"
    folder.mkdir(parents=True)
    (folder / "web-1.be.txt").write_text("someone else's", encoding="utf-8")
    sent = desk.submit("vera-prykladnaja", CLEAN, "be")
    assert sent.path == "messages/vera-prykladnaja/web-2.be.txt"
    assert (folder / "web-1.be.txt").read_text(encoding="utf-8") == "someone else's"


def test_a_letter_whose_file_cannot_be_written_leaves_no_row(desk: Desk):
    (desk.root / "messages").mkdir()
    (desk.root / "messages" / "vera-prykladnaja").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(OSError):
        desk.submit("vera-prykladnaja", CLEAN, "be")
    with sqlite3.connect(desk.db) as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_approved_letters_print_with_labels_and_returned_ones_never(desk: Desk):
    kept = desk.submit("alena-testava", CLEAN, "be")
    back = desk.submit("barys-uzorny", "Добры дзень! Як Вы маецеся?", "be")
    desk.review(kept.id, approve=True)
    desk.review(back.id, approve=False, note="Write a little more, please.")
    assert desk.receipt(back.receipt).note == "Write a little more, please."
    with pytest.raises(LettersError, match=f"letter {back.id}: not approved"):
        desk.print_approved([kept.id, back.id])
    pdf, pages = desk.print_approved([kept.id], "labels")
    reader = PdfReader(io.BytesIO(pdf))
    assert pages == len(reader.pages) == 3  # the letter, its blank back, the label sheet
    assert "Дарагая Алена!" in reader.pages[0].extract_text() and reader.pages[1].extract_text() == ""
    assert "Алена Тэставая" in reader.pages[2].extract_text() and "Барыс" not in reader.pages[2].extract_text()
    assert [q.submission.state for q in desk.queue()] == ["printed", "returned"]
    with pytest.raises(LettersError, match="printed again from the list"):
        desk.print_approved([kept.id])  # a second click prints nothing twice
    assert desk.print_approved([kept.id], "none", again=True)[1] == 1
    with pytest.raises(LettersError, match="tick the letters"):
        desk.print_approved([])
    with pytest.raises(LettersError, match="printed already"):
        desk.review(kept.id, approve=False)
    assert desk.stats()[0].generated == 1  # the printed letter is in the ledger as generated


def test_printing_with_envelopes_adds_one_per_person(desk: Desk):
    numbers = [desk.submit(person, CLEAN, "be").id for person in ("alena-testava", "vera-prykladnaja")]
    for number in numbers:
        desk.review(number, approve=True)
    pdf, _ = desk.print_approved(numbers, "envelope-c5")
    sizes = [tuple(round(float(v) / 72 * 25.4) for v in page.mediabox[2:]) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert sizes == [(210, 297)] * 4 + [(229, 162)] * 2
    with pytest.raises(LettersError, match="not 'parcel'"):
        desk.print_approved(numbers, "parcel", again=True)


def test_the_preview_is_the_rendered_letter(desk: Desk):
    from PIL import Image

    image = Image.open(io.BytesIO(desk.preview("alena-testava", CLEAN, "be")))
    assert abs(image.height / image.width - 297 / 210) < 0.01
    pdf, pages = desk.render("alena-testava", CLEAN, "be", "envelope-dl")
    assert pages == 2 and "Дарагая Алена!" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    pdf, pages = desk.render("alena-testava", CLEAN, "be", "labels")  # print at home with a label
    assert pages == 2 and "Алена Тэставая" in PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
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


def test_a_build_leaves_the_pages_letters_to_the_page(desk: Desk):
    from letters.api import build_campaign

    desk.submit("alena-testava", CLEAN, "be")  # waiting for approval: must not be printed by a build
    desk.review(desk.submit("vera-prykladnaja", CLEAN, "be").id, approve=True)  # printed by the page, once
    (desk.root / "messages" / "barys-uzorny").mkdir(parents=True)
    (desk.root / "messages" / "barys-uzorny" / "anna.be.txt").write_text(CLEAN, encoding="utf-8")  # a message of the organizer's
    result = build_campaign(desk.root, desk.root.parent / "out", ["letter"])
    ids = {e.id for e in result.entries}
    assert "letter-barys-uzorny-be-anna" in ids and not any("-web-" in i for i in ids)
    assert not result.failures and not result.warnings


def test_control_characters_and_halves_of_characters_are_refused(desk: Desk):
    for text, why in (("Добры \x1bдзень", "control character U+001B"), ("Добры\x0bдзень", "control character U+000B"),
                      ("Добры \x85дзень", "control character U+0085"), ("Добры \ud800 дзень", "half of a character")):
        [finding] = desk.check(text, "be")
        assert why in finding.message and finding.severity == "error"
        with pytest.raises(LettersError, match="cannot be sent yet"):
            desk.submit("alena-testava", text, "be")
    assert desk.check("Добры дзень!\tЯк Вы?\r\nУсё добра.", "be") == []  # tabs and Windows line ends are text


def test_a_ledger_restored_from_an_older_copy_never_reuses_a_files_number(desk: Desk):
    first = desk.submit("alena-testava", CLEAN, "be")
    desk.db.rename(desk.db.with_name("old.sqlite"))
    again = desk.submit("alena-testava", CLEAN, "be")
    assert again.path != first.path and (desk.root / first.path).is_file() and (desk.root / again.path).is_file()


def test_a_damaged_ledger_is_a_ledger_fault(desk: Desk):
    from letters.api import LedgerFault

    desk.db.write_bytes(b"not a database" * 100)
    with pytest.raises(LedgerFault) as caught:
        desk.people()
    assert str(desk.db) in caught.value.detail and str(desk.db) not in caught.value.format_message()


def test_a_missing_ledger_is_an_empty_queue_not_an_error(desk: Desk):
    assert desk.queue() == [] and desk.waiting() == {} and not Path(desk.db).exists()
    assert {c.prisoner for c in desk.stats()} == {"alena-testava", "barys-uzorny", "vera-prykladnaja"}


def test_characters_the_font_cannot_print_are_refused_before_anything_is_sent(desk: Desk):
    for text in ("Добры дзень \ue000", "Добры дзень \u0378", "Добры дзень \u3164"):
        [finding] = desk.check(text, "be")
        assert "cannot print" in finding.message and finding.severity == "error"
        with pytest.raises(LettersError, match="cannot be sent yet"):
            desk.submit("alena-testava", text, "be")


def test_a_message_of_the_organizers_named_web_something_is_still_built(desk: Desk):
    from letters.api import build_campaign

    folder = desk.root / "messages" / "barys-uzorny"
    folder.mkdir(parents=True)
    (folder / "web-design.be.txt").write_text(CLEAN, encoding="utf-8")
    result = build_campaign(desk.root, desk.root.parent / "out", ["letter"])
    assert "letter-barys-uzorny-be-web-design" in {e.id for e in result.entries}
