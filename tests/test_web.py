"""The volunteers' page over HTTP, against the real server (`letters serve`) on a free
loopback port: the path without JavaScript, the safety rules, and 30 volunteers at once."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import threading
import urllib.error
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import CAMPAIGNS
from tests.served import Client, Server, start

PEOPLE = ("alena-testava", "barys-uzorny", "vera-prykladnaja")
CLEAN = "Добры дзень! У нас сёння ідзе снег, і ўсё навокал белае."
RISKY = "Трымайцеся, хутка свабода!"


@pytest.fixture
def evening(tmp_path: Path) -> Path:
    target = tmp_path / "evening"
    shutil.copytree(CAMPAIGNS / "evening", target)
    return target


@pytest.fixture
def server(evening: Path):
    running = start(evening)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory):
    """One server for the tests that write nothing (refusals, checks, downloads): each of
    them asserts that nothing was written, so they can share it."""
    target = tmp_path_factory.mktemp("shared") / "evening"
    shutil.copytree(CAMPAIGNS / "evening", target)
    running = start(target)
    yield running
    running.stop()


@pytest.fixture
def lan_server(evening: Path):
    running = start(evening, "--lan", "--host", "127.0.0.1")
    yield running
    running.stop()


def rows(campaign: Path) -> list[tuple]:
    with sqlite3.connect(campaign / "letters.sqlite") as db:
        return db.execute("SELECT id, prisoner, lang, path, volunteer, state FROM submissions ORDER BY id").fetchall()


def send(client: Client, person: str, text: str, volunteer: str = "") -> str:
    """Write and send a letter as a volunteer without JavaScript; the receipt's path."""
    client.get(f"/write/{person}")
    reply = client.post(f"/write/{person}", {"lang": "be", "text": text, "volunteer": volunteer, "action": "send"})
    assert reply.status == 200 and "Thank you" in reply.text, reply.text[:500]
    return reply.text


# ------------------------------------------------------------------ the path without JavaScript


def test_the_least_written_person_comes_first_and_only_people_who_can_receive_mail(server: Server):
    client = Client(server)
    first = client.get("/")
    offered = re.findall(r'data-person="([a-z-]+)"', first.text)
    assert sorted(offered) == sorted(PEOPLE)  # the banned correspondent is never offered
    send(client, offered[0], CLEAN)
    after = re.findall(r'data-person="([a-z-]+)"', client.get("/").text)
    assert after[-1] == offered[0] and after[0] != offered[0]  # a letter written moves them down
    assert client.get("/write/pavel-zabaroneny").status == 400  # banned: no page to write on


def test_filters_by_topic_language_and_birthday(reader: Server):
    client = Client(reader)
    assert re.findall(r'data-person="([a-z-]+)"', client.get("/?topic=bees").text) == ["barys-uzorny"]
    assert len(re.findall(r'data-person="', client.get("/?lang=ru").text)) == 3
    assert len(re.findall(r'data-person="', client.get("/?topic=nothing-like-this").text)) == 3  # not a topic: ignored
    born = {"barys-uzorny": 12, "vera-prykladnaja": 5}  # alena-testava: a year only
    expected = sorted(p for p, month in born.items() if month == dt.date.today().month)
    page = client.get("/?birthdays=1").text
    assert sorted(re.findall(r'data-person="([a-z-]+)"', page)) == expected
    assert ("Nobody matches" in page) == (not expected)


def test_check_marks_the_political_word_and_says_what_instead(reader: Server):
    client = Client(reader)
    client.get("/write/vera-prykladnaja")
    page = client.post("/write/vera-prykladnaja", {"lang": "be", "text": f"{CLEAN}\n{RISKY}", "action": "check"}).text
    assert '<mark data-finding="0">свабода</mark>' in page
    assert "Suggestion:" in page and "The check found 1 problem" in page and "domain.md" not in page
    assert 'src="data:image/png' not in page  # no preview of a letter that cannot be sent


def test_a_clean_letter_gets_a_preview_and_is_sent_as_one_file_and_one_row(server: Server):
    client = Client(server)
    client.get("/write/vera-prykladnaja")
    page = client.post("/write/vera-prykladnaja", {"lang": "be", "text": CLEAN, "action": "check"}).text
    assert "The check found no words" in page and 'src="data:image/png;base64,' in page
    send(client, "vera-prykladnaja", CLEAN, volunteer="Anna")
    [(number, person, lang, path, volunteer, state)] = rows(server.campaign)
    assert (person, lang, volunteer, state) == ("vera-prykladnaja", "be", "Anna", "written")
    assert path == f"messages/vera-prykladnaja/web-{number}.be.txt"
    assert (server.campaign / path).read_text(encoding="utf-8") == CLEAN  # the name is not in the letter


def test_a_letter_with_a_lint_error_cannot_be_sent_or_downloaded(reader: Server):
    client = Client(reader)
    client.get("/write/vera-prykladnaja")
    for action in ("send", "pdf"):
        reply = client.post("/write/vera-prykladnaja", {"lang": "be", "text": RISKY, "action": action})
        assert reply.status == 422 and "<mark" in reply.text
    assert not (reader.campaign / "letters.sqlite").exists() or rows(reader.campaign) == []
    assert not (reader.campaign / "messages").exists()


def test_print_at_home_gives_the_letter_and_its_envelope(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    reply = client.post("/write/alena-testava", {"lang": "be", "text": CLEAN, "action": "pdf", "with": "envelope-dl"})
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/pdf"
    pages = PdfReader(__import__("io").BytesIO(reply.body)).pages
    assert CLEAN.split("!")[0] in pages[0].extract_text()
    assert "ул. Ўзорная, 1" in pages[-1].extract_text()
    width, height = (float(v) for v in pages[-1].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (220, 110)  # DL


def test_the_phrasebook_adds_a_sentence_without_javascript(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    page = client.post("/write/alena-testava", {"lang": "ru", "text": "Добрый день!", "insert": "greet.1"}).text
    assert "Добрый день! Пишу Вам с искренним уважением.</textarea>" in page


def test_the_organizer_approves_returns_and_prints(server: Server):
    volunteer = Client(server)
    send(volunteer, "alena-testava", CLEAN, volunteer="<b>Anna</b>")
    send(volunteer, "barys-uzorny", "Добры дзень! Як Вы маецеся?")
    organizer = Client(server)
    assert "organizer's code" in organizer.get("/organizer").text  # the code first
    assert organizer.post("/organizer/enter", {"code": "WRONG"}).status == 403
    page = organizer.organizer().text
    assert "&lt;b&gt;Anna&lt;/b&gt;" in page and "<b>Anna</b>" not in page  # autoescaped
    (first, *_), (second, *_) = rows(server.campaign)
    organizer.post(f"/organizer/review/{first}", {"decision": "approve", "note": ""})
    organizer.post(f"/organizer/review/{second}", {"decision": "return", "note": "Please write a little more."})
    states = {number: state for number, _, _, _, _, state in rows(server.campaign)}
    assert states == {first: "approved", second: "returned"}
    reply = organizer.post("/organizer/print", {"with": "labels", "letter": [str(first), str(second)]})
    assert reply.status == 400 and f"letter {second}: not approved" in reply.text  # a returned letter never prints
    reply = organizer.post("/organizer/print", {"with": "labels", "letter": [str(first)]})
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/pdf"
    pdf = PdfReader(__import__("io").BytesIO(reply.body))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Дарагая Алена!" in text and "ул. Ўзорная, 1" in text and "Барыс" not in text
    assert len(pdf.pages) == 3  # the letter, a blank back for duplex, the label sheet
    assert {tuple(round(float(v)) for v in p.mediabox[2:]) for p in pdf.pages} == {(595, 842)}  # A4
    assert rows(server.campaign)[0][5] == "printed"
    twice = organizer.post("/organizer/print", {"with": "labels", "letter": [str(first)]})  # a second click
    assert twice.status == 400 and "printed again from the list of printed letters" in twice.text
    again = organizer.post("/organizer/print", {"with": "none", "letter": [str(first)], "again": "1"})
    assert again.status == 200 and len(PdfReader(__import__("io").BytesIO(again.body)).pages) == 1
    assert 'id="again-with"' in organizer.get("/organizer").text  # a reprint may come with labels too
    relabelled = organizer.post("/organizer/print", {"with": "labels", "letter": [str(first)], "again": "1"})
    assert len(PdfReader(__import__("io").BytesIO(relabelled.body)).pages) == 3
    assert organizer.post("/organizer/print", {"with": "labels"}).status == 400  # nothing ticked: nothing printed
    with sqlite3.connect(server.campaign / "letters.sqlite") as db:
        assert db.execute("SELECT id, volunteer FROM documents").fetchall() == [(f"letter-alena-testava-be-web-{first}", "<b>Anna</b>")]


def test_the_writer_sees_what_became_of_the_letter(server: Server):
    volunteer = Client(server)
    assert "It waits for the organizer" in send(volunteer, "alena-testava", CLEAN)
    receipt = volunteer.last_url
    assert re.search(r"/letter/[\w-]{20,}$", receipt)  # a random token, not the letter's number
    [(number, *_)] = rows(server.campaign)
    organizer = Client(server)
    organizer.organizer()
    organizer.post(f"/organizer/review/{number}", {"decision": "return", "note": "Too short"})
    page = volunteer.get(receipt).text
    assert "returned it" in page and "Too short" in page
    assert volunteer.get(f"/letter/{'x' * 22}").status == 404
    assert not any("/letter/" in line for line in server.output)  # never printed where others read


# ------------------------------------------------------------------ safety


FORMS = [("/write/alena-testava", {"lang": "be", "text": CLEAN, "action": "send"}),
         ("/organizer/enter", {"code": "x"}), ("/organizer/review/1", {"decision": "approve"}),
         ("/organizer/print", {"with": "labels"}), ("/enter", {"code": "x"})]


@pytest.mark.parametrize(("path", "data"), FORMS, ids=[p for p, _ in FORMS])
def test_every_form_without_its_csrf_token_is_refused(reader: Server, path: str, data: dict):
    client = Client(reader)
    client.get("/")
    reply = client.post(path, data, csrf=False)
    forged = client.request("POST", path, data={**data, "csrf_token": "forged"})
    assert reply.status == forged.status == 400
    if path.startswith("/write/"):  # a letter typed before a restart is kept on the page, not lost
        assert "Your letter is kept below" in reply.text and f">{CLEAN}</textarea>" in reply.text
    else:
        assert "did not come from this page" in reply.text
    assert not (reader.campaign / "messages").exists()


def test_the_api_without_its_csrf_token_is_refused(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    for path in ("/api/check", "/api/preview"):
        assert client.api(path, {"person": "alena-testava", "text": CLEAN, "lang": "be"}, csrf=False).status == 400
    assert client.api("/api/check", {"person": "alena-testava", "text": CLEAN, "lang": "be"}).status == 200


@pytest.mark.parametrize("person", ["..%2F..%2Fetc%2Fpasswd", "..", "%2E%2E", "nobody", "alena-testava%00"])
def test_an_id_outside_the_campaign_is_refused(reader: Server, person: str):
    client = Client(reader)
    client.get("/")
    assert client.get(f"/write/{person}").status in (400, 404)
    assert client.get(f"/photo/{person}").status == 404
    reply = client.post(f"/write/{person}", {"lang": "be", "text": CLEAN, "action": "send"})
    assert reply.status in (400, 404)
    assert client.api("/api/check", {"person": person.replace("%2F", "/"), "text": CLEAN, "lang": "be"}).status == 400
    assert not (reader.campaign / "messages").exists()
    assert not list(reader.campaign.parent.glob("*.txt"))


def test_an_oversized_body_is_refused(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    reply = client.post("/write/alena-testava", {"lang": "be", "text": "а" * 20_000, "action": "send"})  # 120 kB encoded
    assert reply.status == 413 and "too much" in reply.text
    try:  # refused by the server before the page reads it: a 413, or the connection closed mid-body
        assert client.post("/write/alena-testava", {"lang": "be", "text": "а" * 1_000_000, "action": "send"}).status == 413
    except urllib.error.URLError as error:
        assert isinstance(error.reason, BrokenPipeError | ConnectionResetError)
    assert not (reader.campaign / "messages").exists()


def test_a_letter_over_the_length_limit_is_refused(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    reply = client.post("/write/alena-testava", {"lang": "be", "text": "Добры дзень. " * 200, "action": "send"})
    assert reply.status == 422 and "the limit is 2400" in reply.text


def test_headers_forbid_inline_scripts_framing_and_caching(reader: Server):
    client = Client(reader)
    for path in ("/", "/write/alena-testava", "/organizer", "/enter"):
        reply = client.get(path)
        csp = reply.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert reply.headers["Cache-Control"] == "no-store" and reply.headers["X-Content-Type-Options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", reply.text)  # every script is a file
        assert not re.search(r"\son[a-z]+=", reply.text)  # no inline event handlers
        assert not re.search(r'(src|href)="(https?:)?//', reply.text)  # every asset served locally


def test_errors_are_plain_words_never_a_traceback(reader: Server):
    client = Client(reader)
    client.get("/write/alena-testava")
    for reply in (client.get("/nothing-here"), client.api("/api/check", ["not", "an", "object"]),
                  client.request("DELETE", "/"), client.get("/write/pavel-zabaroneny"),
                  client.api("/api/preview", {"person": "alena-testava", "text": RISKY, "lang": "be"})):
        assert 400 <= reply.status < 500
        assert "Traceback" not in reply.text and "File \"" not in reply.text and "werkzeug" not in reply.text.lower()


def test_a_forged_host_is_refused(reader: Server):
    client = Client(reader)
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example", ""):
        reply = client.request("GET", "/", headers={"Host": host})  # DNS rebinding
        assert reply.status == 400 and "printed when it was started" in reply.text, host
    port = reader.url.rsplit(":", 1)[1].strip("/")
    assert client.request("GET", "/", headers={"Host": f"localhost:{port}"}).status == 200


def test_host_names_are_compared_without_their_port():
    from letters.web.app import host_name

    assert [host_name(h) for h in ("127.0.0.1:8000", "localhost", "[::1]:8000", "[::1]", "[broken")] == \
        ["127.0.0.1", "localhost", "::1", "::1", ""]


@pytest.mark.parametrize("target", ["//evil.com", "/\t/evil.com", "/%09/evil.com", "http://evil.com", "/\\evil.com",
                                    "/a\nb", "", None, "javascript:alert(1)"])
def test_after_the_code_the_page_never_sends_anyone_to_another_site(target):
    from letters.web.app import _safe_next

    assert _safe_next(target) == "/"
    assert _safe_next("/write/alena-testava?lang=ru") == "/write/alena-testava?lang=ru"


def test_wrong_codes_make_a_client_wait(lan_server: Server):
    guesser = Client(lan_server)
    guesser.get("/enter")
    replies = [guesser.post("/enter", {"code": f"WRONG{i:03d}", "next": "/"}).status for i in range(12)]
    assert replies[:10] == [403] * 10 and replies[10:] == [429, 429]
    assert guesser.post("/enter", {"code": lan_server.volunteer_code, "next": "/"}).status == 429  # even the right one, for now
    lan_server.stop()
    assert "a wrong access code from 127.0.0.1" in "".join(lan_server.output)  # the organizer's terminal shows it


def test_a_damaged_ledger_is_the_organizers_problem_not_a_traceback(server: Server):
    (server.campaign / "letters.sqlite").write_bytes(b"this is not a database" * 100)
    client = Client(server)
    page = client.get("/")
    assert page.status == 503 and "tell the organizer" in page.text
    assert str(server.campaign) not in page.text and "Traceback" not in page.text


def test_the_organizer_pages_need_the_organizer_code(server: Server):
    volunteer = Client(server)
    send(volunteer, "alena-testava", CLEAN)
    volunteer.get("/")
    assert volunteer.post("/organizer/review/1", {"decision": "approve"}).status == 403
    assert volunteer.post("/organizer/print", {"with": "labels"}).status == 403
    assert rows(server.campaign)[0][5] == "written"


def test_in_lan_mode_every_page_needs_the_access_code(lan_server: Server):
    stranger = Client(lan_server, follow=False)
    for path in ("/", "/write/alena-testava", "/photo/alena-testava"):
        reply = stranger.get(path)
        assert reply.status == 302 and "/enter" in reply.headers["Location"]
    assert stranger.api("/api/check", {"person": "alena-testava", "text": CLEAN, "lang": "be"}).status in (400, 403)
    stranger.get("/enter")
    assert stranger.post("/enter", {"code": "WRONG1", "next": "/"}).status == 403
    assert stranger.get("/").status == 302
    guest = Client(lan_server)
    guest.get("/enter")
    assert guest.post("/enter", {"code": lan_server.volunteer_code.lower(), "next": "/"}).status == 200  # forgiving of case
    assert "Choose someone" in guest.get("/").text
    phone = Client(lan_server)
    assert "Choose someone" in phone.get(f"/?code={lan_server.volunteer_code}").text  # the QR code's link
    bounce = Client(lan_server, follow=False).get(f"/%09/evil.example?code={lan_server.volunteer_code}")
    assert bounce.status == 302 and bounce.headers["Location"] in ("/", "http://127.0.0.1/")  # never another site
    nosy = Client(lan_server)
    refused = nosy.post("/write/vera-prykladnaja", {"lang": "be", "text": CLEAN, "action": "send"}, csrf=False)
    assert "Вера Прыкладная" not in refused.text and "ИК №1" not in refused.text  # no page without the code
    assert "organizer's code" in phone.get("/organizer").text  # the volunteers' code does not open it


def test_the_organizer_sees_a_qr_code_of_the_address_with_the_access_code(lan_server: Server):
    organizer = Client(lan_server)
    page = organizer.organizer().text
    assert 'src="data:image/svg+xml' in page and lan_server.volunteer_code in page


def test_serve_binds_only_where_it_is_told(evening: Path):
    import subprocess

    from tests.served import LETTERS

    for options, expected in ((["--host", "0.0.0.0"], "--lan"), (["--lan"], "--lan needs --host"),
                              (["--lan", "--host", "0.0.0.0"], "one address"), (["--lan", "--host", "::0"], "one address"),
                              (["--lan", "--host", "[::]"], "one address"), (["--lan", "--host", "0"], "IP address"),
                              (["--lan", "--host", "0x0"], "IP address"), (["--lan", "--host", "example.org"], "IP address"),
                              (["--lan", "--host", "255.255.255.255"], "broadcast"), (["--lan", "--host", "224.0.0.1"], "multicast")):
        done = subprocess.run([str(LETTERS), "serve", str(evening), "--port", "0", *options],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and expected in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------ load


def test_thirty_volunteers_sending_at_once_lose_no_letter_and_make_no_duplicate(server: Server):
    clients = [Client(server) for _ in range(30)]
    for client in clients:
        client.get("/write/alena-testava")
    replies: list[int] = []

    def submit(i: int) -> None:
        reply = clients[i].post("/write/alena-testava", {"lang": "be", "text": f"{CLEAN} Пішу {i + 1}.", "action": "send"})
        replies.append(reply.status)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [200] * 30
    found = rows(server.campaign)
    assert len(found) == 30 and len({r[0] for r in found}) == 30 and len({r[3] for r in found}) == 30
    files = sorted((server.campaign / "messages" / "alena-testava").glob("*.txt"))
    assert len(files) == 30
    texts = {f.read_text(encoding="utf-8") for f in files}
    assert texts == {f"{CLEAN} Пішу {i}." for i in range(1, 31)}
    with sqlite3.connect(server.campaign / "letters.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_campaign_where_nobody_can_receive_letters_says_so(evening: Path):
    for profile in (evening / "prisoners").glob("*.yaml"):
        profile.write_text(profile.read_text(encoding="utf-8").replace("correspondence: open", "correspondence: banned"),
                           encoding="utf-8")
    running = start(evening)
    try:
        assert any("nobody can receive letters now" in line for line in running.output)
        page = Client(running).get("/").text
        assert "Nobody in this campaign can receive letters now" in page and "data-person" not in page
    finally:
        running.stop()


def test_the_page_says_which_words_the_letter_prints_around_the_writers(reader: Server):
    page = Client(reader).get("/write/barys-uzorny").text
    assert "begins with «Дарагі Барысе!» and ends with «З цеплынёй,»" in page  # the vocative, as printed
    assert 'data-ru="The letter begins with «Дорогой Борис!»' in page  # for the switch to Russian


def test_serve_on_another_loopback_address_answers_there(evening: Path):
    running = start(evening, "--host", "127.0.0.2")
    try:
        assert running.url.startswith("http://127.0.0.2:") and Client(running).get("/").status == 200
    finally:
        running.stop()
