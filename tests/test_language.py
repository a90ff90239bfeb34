"""The words on the paper: vocatives, every writer's own letter, no reply asked for that
cannot come, and the spelling of what prisoners and authorities receive (issue 12)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from letters.api import build_campaign, render_document
from letters.core.errors import LettersError
from letters.data.language import suggest_vocative
from letters.data.load import load_campaign
from letters.organize.packs import Volunteer, _seats
from letters.pipeline import lint
from letters.pipeline.compose import Composer
from letters.pipeline.plan import Job

from .conftest import CAMPAIGNS, EXAMPLE, documents, pdf_text

HUNSPELL = pytest.mark.skipif(not shutil.which("hunspell"), reason="hunspell with hunspell-be and hunspell-ru is not installed")
DICTIONARIES = {"be": "be_BY", "ru": "ru_RU"}

# Every man in the example campaign and the fixtures, and his first name in the Belarusian vocative.
VOCATIVES = {
    (EXAMPLE, "ales-bialiatski"): "Алесю",
    (EXAMPLE, "maksim-znak"): "Максіме",
    (EXAMPLE, "mikalai-statkevich"): "Мікалаю",
    (EXAMPLE, "uladzimir-labkovich"): "Уладзіміре",
    (EXAMPLE, "valiantsin-stefanovic"): "Валянціне",
    (EXAMPLE, "viktar-babaryka"): "Віктару",
    (CAMPAIGNS / "minimal", "ivan-prykladny"): "Іване",
    (CAMPAIGNS / "minimal", "pavel-zabaroneny"): "Паўле",
    (CAMPAIGNS / "male-letters", "ales-uzorny"): "Алесю",
    (CAMPAIGNS / "print-shop", "mikhas-pershy"): "Міхасю",
    (CAMPAIGNS / "print-shop", "sergei-rossiiski"): "Сяргею",
    (CAMPAIGNS / "print-shop", "zmitser-treci"): "Зміцеру",
    (CAMPAIGNS / "birthdays", "piotr-stary"): "Пятро",
}


@pytest.fixture
def male(campaign):
    """The fixture with a man who can receive letters (over minimal)."""
    return campaign("male-letters", base="minimal")


def _profile_text(folder: Path, pid: str) -> str:
    return (folder / "prisoners" / f"{pid}.yaml").read_text(encoding="utf-8")


def test_every_man_in_the_example_and_the_fixtures_has_his_vocative():
    import yaml

    def gender(path: Path) -> str | None:
        try:
            profile = yaml.safe_load(path.read_text(encoding="utf-8"))
        except Exception:  # the fixtures of broken YAML
            return None
        return profile.get("gender") if isinstance(profile, dict) else None

    # the example and the fixtures whose people get letters (a fixture for another subject, such as
    # hostile text, need not say how a greeting is written)
    folders = [EXAMPLE, *(CAMPAIGNS / name for name in ("minimal", "male-letters", "print-shop", "birthdays"))]
    men = {(folder, path.stem) for folder in folders for path in (folder / "prisoners").glob("*.yaml") if gender(path) == "male"}
    assert men == set(VOCATIVES)
    for (folder, pid), vocative in VOCATIVES.items():
        profile = yaml.safe_load(_profile_text(folder, pid))
        assert profile["names"]["be"]["vocative"] == vocative, pid


@pytest.mark.parametrize("first,vocative", [
    ("Алесь", "Алесю"), ("Мікалай", "Мікалаю"), ("Андрэй", "Андрэю"), ("Віталь", "Віталю"), ("Максім", "Максіме"),
    ("Уладзімір", "Уладзіміре"), ("Валянцін", "Валянціне"), ("Іван", "Іване"), ("Віктар", "Віктару"), ("Ігар", "Ігару"),
    ("Павел", "Паўле"), ("Станіслаў", "Станіславе"), ("Давыд", "Давыдзе"), ("Янка", "Янка"), ("Пётр", None),
])
def test_the_suggested_vocative_follows_the_common_endings(first, vocative):
    assert suggest_vocative(first) == vocative


def test_the_example_and_fixture_vocatives_agree_with_the_rules_where_they_make_one():
    for (_, _), vocative in VOCATIVES.items():
        first = {"Алесю": "Алесь", "Максіме": "Максім", "Мікалаю": "Мікалай", "Уладзіміре": "Уладзімір",
                 "Валянціне": "Валянцін", "Віктару": "Віктар", "Іване": "Іван", "Паўле": "Павел", "Міхасю": "Міхась",
                 "Сяргею": "Сяргей", "Зміцеру": "Зміцер", "Пятро": "Пятро"}[vocative]
        assert suggest_vocative(first) == vocative


def test_a_man_is_greeted_in_the_vocative_in_belarusian_and_by_name_in_russian(male, tmp_path):
    result = build_campaign(male, tmp_path / "out", products=["letter", "postcard", "postcard-birthday", "postcard-new-year"], jobs=1)
    assert result.ok, result.failures
    text = {(d["product"], d["lang"]): pdf_text(result.out_dir / d["path"])
            for d in documents(result) if d["prisoner"] == "ales-uzorny"}
    assert text[("letter", "be")].startswith("Дарагі Алесю!") and "Алесь" not in text[("letter", "be")]
    assert text[("letter", "ru")].startswith("Дорогой Алесь!")
    assert "Добры дзень, Алесю!" in text[("postcard", "be")]
    assert "З днём нараджэння, Алесю!" in text[("postcard-birthday", "be")]
    assert "З Новым годам, Алесю!" in text[("postcard-new-year", "be")]
    assert "Добрый день, Алесь!" in text[("postcard", "ru")]


def test_without_a_vocative_check_suggests_one_and_nothing_prints_a_guess(male, tmp_path):
    from click.testing import CliRunner

    from letters.cli import main

    profile = male / "prisoners" / "ales-uzorny.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace(", vocative: Алесю", ""), encoding="utf-8")
    check = CliRunner().invoke(main, ["check", str(male)])
    assert check.exit_code == 0
    assert "names.be.vocative: no vocative for Алесь" in check.output and "suggested: `vocative: Алесю`" in check.output
    result = build_campaign(male, tmp_path / "out", products=["letter", "postcard"], jobs=1)
    letter = pdf_text(result.out_dir / documents(result, product="letter", prisoner="ales-uzorny", lang="be")[0]["path"])
    card = pdf_text(result.out_dir / documents(result, product="postcard", prisoner="ales-uzorny", lang="be")[0]["path"])
    assert letter.startswith("Добры дзень!") and "Алесю" not in letter and "Алесь" not in letter
    assert "Добры дзень!" in card and "Алесю" not in card and "Добры дзень, Алесь" not in card
    # no second greeting after "Добры дзень!": the greeting formulas are left out
    assert not re.search(r"Шчыра вітаю|Прывітанне|Дасылаю Вам цёплае прывітанне", letter)
    assert any(w.code == "names" and "vocative" in w.message for w in result.warnings)


def test_a_vocative_outside_names_be_is_an_error(male):
    from letters.core.errors import CampaignError

    profile = male / "prisoners" / "ales-uzorny.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("accusative: Алеся Узорного}", "accusative: Алеся Узорного, vocative: Алесь}"), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(male)
    assert "`vocative` belongs under names.be" in str(info.value.problems[0])


# ------------------------------------------------------------------ every letter its writer's own


def _letters(root: Path, pid: str, lang: str, writers: range) -> dict[int, tuple[Job, str, str]]:
    """Writer n's letter to one person: (job, html, its text)."""
    data = load_campaign(root)
    composer = Composer(data)
    spec = data.registry.product("letter")
    out = {}
    for writer in writers:
        job = Job(spec, pid, lang, "a4", writer=writer)
        html = composer.html(job)
        out[writer] = (job, html, lint.document_text(html)[0])
    return out


def _body(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[1:])  # without the greeting, the same for everyone


def _hunspell(text: str, lang: str) -> list[str]:
    result = subprocess.run(["hunspell", "-d", DICTIONARIES[lang], "-l"], input=text.replace("ʼ", "’"),
                            capture_output=True, text=True, check=True)
    return result.stdout.split()


def _without(text: str, words: list[str]) -> str:
    """The text without the given words (names and address lines from the data)."""
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def _data_words(data, pid: str | None = None) -> list[str]:
    """Names and address lines from the data: excepted from the spelling check."""
    words: list[str] = []
    for prisoner in ([data.prisoners[pid]] if pid else data.prisoners.values()):
        for name in (prisoner.names.be, prisoner.names.ru, prisoner.names.latin):
            words += [name.first, name.last, name.patronymic or "", name.vocative or "", name.official_first or ""]
            words += (name.accusative or "").split()
        if prisoner.facility and (facility := data.facilities.get(prisoner.facility)):
            words += [*(facility.address or []), facility.name.ru, facility.name.be or ""]
            words += [w for line in facility.address or [] for w in line.replace(",", " ").split()]
    for addressee in data.addressees.values():
        if addressee.ru:
            words += [addressee.ru.name or "", *addressee.ru.address]
            words += [w for line in addressee.ru.address for w in line.replace(",", " ").split()]
    return words


@pytest.mark.parametrize("lang", ["be", "ru"])
def test_twenty_writers_to_one_person_write_twenty_different_letters_that_pass_the_lint(male, lang):
    letters = _letters(male, "ales-uzorny", lang, range(1, 21))
    bodies = {writer: _body(text) for writer, (_, _, text) in letters.items()}
    assert len(set(bodies.values())) == 20, "two writers got the same letter"
    composer = Composer(load_campaign(male))
    for writer, (job, html, text) in letters.items():
        assert [f for f in composer.lint(job, html) if f.severity == "error"] == [], (writer, text)
        assert text.count("Дарагі Алесю!" if lang == "be" else "Дорогой Алесь!") == 1  # one greeting, at the top
        assert ("Мяне завуць" if lang == "be" else "Меня зовут") in text  # the line for the writer's name and town
        question = [line for line in text.splitlines() if line.strip().endswith("?")]
        assert question, "no question from the person's interests"


@HUNSPELL
@pytest.mark.parametrize("lang", ["be", "ru"])
def test_twenty_writers_letters_pass_the_spelling_dictionary(male, lang):
    data = load_campaign(male)
    letters = _letters(male, "ales-uzorny", lang, range(1, 21))
    text = "\n".join(text for _, _, text in letters.values())
    assert _hunspell(_without(text, _data_words(data, "ales-uzorny")), lang) == []


def test_the_question_comes_from_the_persons_interests(male):
    letters = _letters(male, "ales-uzorny", "be", range(1, 5))
    asked = {line.strip() for _, _, text in letters.values() for line in text.splitlines() if line.strip().endswith("?")}
    assert {"Што Вы цяпер чытаеце?", "Якую музыку Вы любіце?"} <= asked  # topics: books, music


def test_a_letter_is_one_page_with_room_for_the_writers_hand(male, tmp_path):
    for lang in ("be", "ru"):
        entry = render_document(male, "letter", "ales-uzorny", tmp_path / f"l-{lang}.pdf", lang=lang, writer=7)
        assert entry.pages == 1
    html = _letters(male, "ales-uzorny", "be", range(1, 2))[1][1]
    assert html.count('class="line"') >= 10 and html.count('class="blank"') == 2


def test_each_volunteer_in_a_pack_gets_their_own_letter():
    data = load_campaign(CAMPAIGNS / "minimal")
    seats = _seats(data, [Volunteer(1), Volunteer(2), Volunteer(3)], [["alena-testava"]] * 3, "K1", "be", None)
    assert [s.letter.writer for s in seats] == [1, 2, 3]
    assert len({s.letter.doc_id for s in seats}) == 3  # -writerN keeps the files apart
    assert [s.sheet.writer for s in seats] == [1, 2, 3]


def test_phrases_are_joined_as_a_letter_is_written(campaign, tmp_path):
    root = campaign("minimal")
    render_document(root, "letter", "alena-testava", tmp_path / "p.pdf", lang="be",
                    phrases=["wishes.1", "weather.1", "greet.9", "books.1", "closing.1"])
    text = pdf_text(tmp_path / "p.pdf")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[:2] == ["Дарагая Алена!", "Шчыра вітаю Вас!"]  # the greeting formula first, right after the greeting
    assert text.index("У нас сёння сонечна") < text.index("Зараз я чытаю") < text.index("Жадаю Вам моцнага здароўя")
    assert "Зараз я чытаю кнігу пра падарожжы па моры." in lines  # a paragraph of its own: the subject changed


# ------------------------------------------------------------------ replies only where a return address is printed

REPLY = {"be": ["адказаць", "Вашага ліста", "Пішыце"], "ru": ["ответить", "Вашего письма", "Пишите"]}


@pytest.mark.parametrize("lang", ["be", "ru"])
def test_no_letter_asks_for_a_reply_without_a_return_address(male, lang, tmp_path):
    for _, _, text in _letters(male, "ales-uzorny", lang, range(1, 31)).values():
        assert not any(word in text for word in REPLY[lang]), text
    sheet = render_document(male, "writer-sheet", "ales-uzorny", tmp_path / "s.pdf", lang=lang, writer=4)
    assert sheet.pages <= 2
    sheet_text = pdf_text(tmp_path / "s.pdf")
    assert not any(f"closing.{n}" in sheet_text for n in (2, 3))  # the lines that ask for a reply are not offered
    assert "does not ask for a reply" in sheet_text
    with pytest.raises(LettersError, match=r"closing\.2 asks for a reply, but the campaign prints no return address"):
        render_document(male, "letter", "ales-uzorny", tmp_path / "x.pdf", lang=lang, phrases=["greet.1", "closing.2"])


def test_with_a_return_address_on_prisoner_mail_the_letter_invites_a_reply(male, tmp_path):
    settings = male / "campaign.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "sender:\n  name: Ганна\n  address: [\"а/с 12\", \"00-950, г. Варшава\", POLAND]\n"
                        "  on_prisoner_mail: true\n", encoding="utf-8")
    render_document(male, "letter", "ales-uzorny", tmp_path / "l.pdf", lang="be")
    assert "Калі захочаце адказаць, буду чакаць Вашага ліста." in pdf_text(tmp_path / "l.pdf").replace("\n", " ")
    render_document(male, "letter", "ales-uzorny", tmp_path / "p.pdf", lang="ru", phrases=["greet.1", "closing.2"])
    assert "Буду ждать Вашего письма." in pdf_text(tmp_path / "p.pdf")


# ------------------------------------------------------------------ the writer's sheet and the pack's cover


def test_the_writers_sheet_warns_at_the_top_and_glosses_its_writers_letter(male, tmp_path):
    render_document(male, "writer-sheet", "ales-uzorny", tmp_path / "s.pdf", lang="be", writer=5)
    text = pdf_text(tmp_path / "s.pdf")
    assert text.startswith("Keep this sheet. Never put it in the envelope.")
    assert "names the organisation, the case and the charges" in text.replace("\n", " ")
    _, _, letter = _letters(male, "ales-uzorny", "be", range(5, 6))[5]
    for line in [line for line in letter.splitlines() if line.strip()][:2]:
        assert line.split()[0] in text  # the letter of writer 5, glossed
    flat = " ".join(text.replace("-\n", "-").split())
    assert "white-red-white" in flat and "No. 300-Z, art. 12" in flat


def test_the_pack_cover_repeats_the_warning_and_the_appeal_fields():
    data = load_campaign(CAMPAIGNS / "minimal")
    html = Composer(data).page("pack/cover.html", {"pack": "K1", "volunteer": Volunteer(1), "seats": [], "envelopes": False})
    text = " ".join(lint.document_text(html)[0].split())
    assert "Keep the writer's sheets. Never put one in the envelope: they name the organisation, the case and the charges." in text
    assert "labelled places" in text and "Law No. 300-Z, art. 12" in text
    assert "organiser" not in text and "no reply" in text


def test_shipped_texts_drop_the_lines_the_issue_names():
    from letters.core.templates import builtin_templates_dir

    folder = builtin_templates_dir() / "texts"
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in [*folder.glob("*.yaml"), *folder.glob("cards/*.yaml")])
    for gone in ["Вы не адны", "сябе адчуваеце", "зёлкі", "іграць", "цветут цветы", "Сёння я думаю", "I remember you",
                 "organiser", "Добры дзень! Пішу"]:
        assert gone not in shipped, gone
    assert not re.search(r'(be|ru): "?(Вясна|Весна)', shipped)  # no line begins with the season's name


# ------------------------------------------------------------------ spelling of the rendered PDFs


@HUNSPELL
def test_rendered_prisoner_and_authority_documents_pass_the_spelling_dictionaries(example_build, male, tmp_path):
    """hunspell on the text of every rendered letter, card and Russian appeal of the example campaign
    and of the male fixture; names and address lines from the data excepted, and Latin words
    (country lines, the names of organisations in the appeals)."""
    male_build = build_campaign(male, tmp_path / "out", products=["letter", "postcard", "appeal"], jobs=1)
    checked = 0
    for result, root in ((example_build, EXAMPLE), (male_build, male)):
        data = load_campaign(root)
        excepted = _data_words(data)
        for doc in documents(result):
            lang = doc["lang"]
            if doc["audience"] not in ("prisoner", "authority") or lang not in DICTIONARIES or doc["product"] == "labels":
                continue
            text = _without(pdf_text(result.out_dir / doc["path"]), excepted)
            text = re.sub(r"\S*[A-Za-z]\S*", " ", text)  # Latin words: the country line, "Human Constanta"
            text = re.sub(r"(?<!\w)(ч|ст|г|ул|[А-ЯЁ])\.|(?<!\w)УК(?!\w)", " ", text)  # abbreviations, initials
            assert _hunspell(text, lang) == [], doc["path"]
            checked += 1
    assert checked >= 10
