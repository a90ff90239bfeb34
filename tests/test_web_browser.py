"""The volunteers' page in a real browser: Debian's Chromium, driven by Playwright
(pointed at /usr/bin/chromium; no browser is ever downloaded).

The journey of the issue, at a desktop and at a phone width, with JavaScript
(live lint, preview, phrasebook) and without it. Screenshots of each step go to
$LETTERS_SCREENSHOTS when it is set (to look at them), else to the test's folder.
Without Chromium or Playwright these tests are skipped, and say so.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import CAMPAIGNS
from tests.served import Server, start

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: the browser tests did not run")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install chromium): the browser tests did not run", allow_module_level=True)

# As root, headless, and with nothing that calls the network (the machine has none).
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RISKY = "Добры дзень! Трымайцеся, хутка свабода!"
FIXED = "Добры дзень! У нас сёння ідзе снег, і ўсё навокал белае."


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path):
    campaign = tmp_path / "evening"
    shutil.copytree(CAMPAIGNS / "evening", campaign)
    running = start(campaign)
    yield running
    running.stop()


@pytest.fixture
def shots(tmp_path: Path, request: pytest.FixtureRequest):
    folder = Path(os.environ.get("LETTERS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, step: str) -> Path:
        path = folder / f"{request.node.name.replace('[', '-').rstrip(']')}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


def give_letters(server: Server, counts: dict[str, int]) -> None:
    """Letters already written to some people (through the API, as another volunteer would)."""
    from letters.api import Desk

    desk = Desk(server.campaign)
    for person, count in counts.items():
        for i in range(count):
            desk.submit(person, f"Добры дзень! Пішу Вам {i + 1} раз.", "be")


@pytest.mark.parametrize("size", SIZES)
def test_a_volunteer_writes_and_the_organizer_prints(browser, served: Server, shots, size: str):
    give_letters(served, {"alena-testava": 2, "barys-uzorny": 1})
    context = browser.new_context(viewport=SIZES[size], accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # 1. choose the least-written person: the first offered, and the default
    page.goto(served.url)
    first = page.locator("li.person").first
    assert first.get_attribute("data-person") == "vera-prykladnaja"
    assert "No letters yet" in first.inner_text()
    shots(page, "1-choose")
    page.get_by_role("link", name="Write to Vera Prykladnaja").click()
    page.get_by_role("heading", name="Write to Vera Prykladnaja").wait_for()

    # 2. type a sentence with a political word and see it marked
    text = page.get_by_label("Write in Belarusian or Russian only")
    text.fill(RISKY)
    mark = page.locator("#findings mark")
    mark.wait_for()
    assert mark.inner_text() == "свабода"
    assert "Suggestion:" in page.locator("#findings .why").inner_text()
    shots(page, "2-marked")

    # 3. fix it
    text.fill(FIXED)
    page.locator("#findings .ok").wait_for()
    assert page.locator("#findings mark").count() == 0

    # switching the language switches the printed frame and the phrasebook's sentences
    page.get_by_role("radio", name="Russian").check()
    assert "«Дорогая Вера!»" in page.locator("#frame").inner_text()
    assert page.locator('.sentence').first.text_content() == "Пишу Вам с искренним уважением."  # (folded away)
    page.get_by_role("radio", name="Belarusian").check()
    assert "«Дарагая Вера!»" in page.locator("#frame").inner_text()

    # the phrasebook inserts a sentence at the cursor, in the letter's language
    page.locator("details.phrasebook summary").click()
    page.locator('button.phrase[value="greet.3"]').click()
    assert text.input_value() == FIXED + " Спадзяюся, што ў Вас усё добра."

    # 4. see the preview: the real page from the renderer
    page.get_by_role("button", name="Check and preview").click()
    preview = page.locator("#preview")
    preview.wait_for(state="visible")
    page.wait_for_function("document.getElementById('preview').naturalWidth > 500")
    assert preview.get_attribute("src").startswith("blob:")  # drawn by app.js, without reloading the page
    width, height = page.evaluate("[document.getElementById('preview').naturalWidth, document.getElementById('preview').naturalHeight]")
    assert abs(height / width - 297 / 210) < 0.01  # an A4 page
    shots(page, "3-preview")

    # 5. submit
    page.get_by_label("Your first name").fill("Anna")
    page.get_by_role("button", name="Send to the organizer").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    shots(page, "4-sent")

    # 6. the organizer's view: approve, then download the print PDF
    page.goto(served.url + "organizer")
    page.get_by_label("The organizer's code").fill(served.organizer_code)
    page.get_by_role("button", name="Enter").click()
    letter = page.locator("li.letter", has_text="Vera Prykladnaja")
    assert "Anna" in letter.inner_text()
    letter.get_by_role("button", name="Approve").click()
    page.locator("li.letter.state-approved", has_text="Vera Prykladnaja").wait_for()
    for other in page.locator('input[name="letter"]').all():  # print only the new letter
        if other.is_checked() and other.get_attribute("value") != _vera_number(page):
            other.uncheck()
    shots(page, "5-organizer")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the letters to print").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))

    # 7. read that PDF back: the letter's text, its address, its page size
    letter_text = pdf.pages[0].extract_text()
    assert "Дарагая Вера!" in letter_text and "У нас сёння ідзе снег" in letter_text and "Спадзяюся" in letter_text
    assert "Anna" not in "".join(p.extract_text() for p in pdf.pages)  # the volunteer's name is never printed
    labels = pdf.pages[-1].extract_text()
    assert "Вера Прыкладная" in labels and "ул. Ўзорная, 1" in labels and "REPUBLIC OF BELARUS" in labels
    assert {tuple(round(float(v) / 72 * 25.4) for v in p.mediabox[2:]) for p in pdf.pages} == {(210, 297)}
    assert len(pdf.pages) % 2 == 1 and len(pdf.pages) >= 3  # letter, its blank back, the labels
    assert not errors, errors
    context.close()


def _vera_number(page) -> str:
    item = page.locator("li.letter", has_text="Vera Prykladnaja").first
    return item.get_attribute("id").split("-")[1]


@pytest.mark.parametrize("size", SIZES)
def test_the_basic_path_works_with_javascript_off(browser, served: Server, shots, size: str):
    context = browser.new_context(viewport=SIZES[size], java_script_enabled=False)
    page = context.new_page()
    page.goto(served.url)
    page.locator("li.person").first.get_by_role("link").first.click()
    text = page.get_by_label("Write in Belarusian or Russian only")
    text.fill(RISKY)
    page.get_by_role("button", name="Check and preview").click()
    assert page.locator("#findings mark").inner_text() == "свабода"
    shots(page, "1-marked")
    page.get_by_label("Write in Belarusian or Russian only").fill(FIXED)
    page.get_by_role("button", name="Check and preview").click()
    assert page.locator("#preview").get_attribute("src").startswith("data:image/png;base64,")
    page.locator("details.phrasebook summary").click()
    page.locator('button.phrase[value="greet.3"]').click()  # the phrasebook posts the form
    assert page.get_by_label("Write in Belarusian or Russian only").input_value().endswith("Спадзяюся, што ў Вас усё добра.")
    shots(page, "2-preview")
    page.get_by_role("button", name="Send to the organizer").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert list((served.campaign / "messages").rglob("web-1.be.txt"))
    context.close()


def test_the_page_is_usable_with_the_keyboard(browser, served: Server):
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    page.goto(served.url + "write/alena-testava")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the page"
    for _ in range(40):  # Tab through the page to the text area, then type
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "text":
            break
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type("Добры дзень!")
    page.locator("#findings .ok").wait_for()
    labelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
        .filter(e => !(e.labels && e.labels.length)).map(e => e.name)""")
    assert labelled == []  # every field has a label
    context.close()


def test_enter_in_a_field_never_adds_a_sentence_or_approves_by_accident(browser, served: Server):
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    page.goto(served.url + "write/alena-testava")
    text = page.get_by_label("Write in Belarusian or Russian only")
    text.fill(FIXED)
    page.get_by_label("Your first name").fill("Anna")
    page.get_by_label("Your first name").press("Enter")  # checks the letter: the form's default is "check"
    page.locator("#findings .ok").wait_for()
    assert page.get_by_label("Write in Belarusian or Russian only").input_value() == FIXED
    page.get_by_role("button", name="Send to the organizer").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    page.goto(served.url + "organizer")
    page.get_by_label("The organizer's code").fill(served.organizer_code)
    page.get_by_label("The organizer's code").press("Enter")
    note = page.get_by_label("Note for the writer (optional)")
    note.fill("Please write about your garden instead.")
    note.press("Enter")  # a note goes with a return, never with an approval
    page.locator("li.letter.state-returned").wait_for()
    assert "Please write about your garden instead." in page.locator("li.letter.state-returned").inner_text()
    context.close()
