"""Appeals that count: the addressee in Cyrillic and the dative, the official name in the
accusative, citations grouped and sorted, the sender's labelled places, one page (issue 12)."""

from __future__ import annotations

import re

import pdfplumber
import pytest

from letters.api import build_campaign, render_document
from letters.core.errors import CampaignError
from letters.data.language import guess_accusative
from letters.data.load import load_campaign
from letters.pipeline.wording import articles_text, quotes, sentence_with_regime

from .conftest import EXAMPLE, documents, pdf_text

NBSP = "\u00a0"


def flat(text: str) -> str:
    """Text as read aloud: lines joined, non-breaking spaces as spaces."""
    return " ".join(text.replace(NBSP, " ").replace("-\n", "-").split())


@pytest.fixture(scope="module")
def example_appeals(tmp_path_factory):
    out = tmp_path_factory.mktemp("appeals")
    result = build_campaign(EXAMPLE, out, products=["appeal"], include_stale=True)
    assert result.ok, result.failures
    return {(d["prisoner"], d["lang"]): (d, pdf_text(out / d["path"])) for d in documents(result)}


@pytest.fixture
def male(campaign):
    return campaign("male-letters", base="minimal")


# ------------------------------------------------------------------ citations


MARFA = ["293 part 1", "293 part 3", "361", "218", "339 part 2", "339 part 3", "341", "361-1", "130", "295-3", "285 part 1"]


def test_russian_citations_are_grouped_sorted_and_name_the_code():
    assert articles_text(MARFA, "ru").replace(NBSP, "_") == (
        "ст._130, ст._218, ч._1 ст._285, ч._1 и_3 ст._293, ст._295-3, ч._2 и_3 ст._339, ст._341, ст._361, "
        "ст._361-1_УК Республики Беларусь")
    assert articles_text(["293 part 1", "293 part 3", "361"], "ru") == f"ч.{NBSP}1 и{NBSP}3 ст.{NBSP}293, ст.{NBSP}361{NBSP}УК Республики Беларусь"
    assert articles_text(["339 part 3", "339 part 1", "339 part 2"], "ru").startswith(f"ч.{NBSP}1, 2 и{NBSP}3 ст.{NBSP}339")


def test_english_citations_say_article_once_and_parts_together():
    assert articles_text(["293 part 1", "293 part 3", "361"], "en") == (
        f"Article{NBSP}293, Parts{NBSP}1 and{NBSP}3; Article{NBSP}361 of the Criminal Code of the Republic of Belarus")
    assert articles_text(["130 part 3"], "en") == f"Article{NBSP}130, Part{NBSP}3 of the Criminal Code of the Republic of Belarus"
    assert "Articles" not in articles_text(MARFA, "en")


def test_an_article_cited_otherwise_is_kept_as_written_after_the_others():
    assert articles_text(["13 and 293", "361"], "ru") == f"ст.{NBSP}361, 13 and 293{NBSP}УК Республики Беларусь"
    assert articles_text([], "ru") == ""


def test_the_sentence_keeps_its_regime_in_both_languages():
    sentence = {"years": 14, "months": 9, "regime": "general-security penal colony"}
    assert sentence_with_regime(sentence, "ru") == "14 лет 9 месяцев лишения свободы в исправительной колонии общего режима"
    assert sentence_with_regime(sentence, "en") == "14 years 9 months in a general-security penal colony"
    assert sentence_with_regime({"years": 6, "regime": "medium-security penal colony"}, "ru").endswith("усиленного режима")
    assert sentence_with_regime({"years": 2, "regime": "a labour camp", "regime_ru": "в колонии-поселении"}, "ru") == (
        "2 года лишения свободы в колонии-поселении")


def test_quotes_are_typographic():
    assert quotes('the Human Rights Centre "Viasna", women\'s colony', "en") == "the Human Rights Centre “Viasna”, women’s colony"
    assert quotes('центр "Весна"', "ru") == "центр «Весна»"


# ------------------------------------------------------------------ the Russian appeal


def test_the_russian_appeal_writes_the_addressee_in_cyrillic_and_in_the_dative(example_appeals):
    _, text = example_appeals[("marfa-rabkova", "ru")]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:5] == ["Генеральному прокурору Республики Беларусь", "Горе Д. Ю.", "ул. Интернациональная, 22",
                         "220030, г. Минск", "REPUBLIC OF BELARUS"]
    assert not any(re.search(r"[A-Za-z]", line) for line in lines[:4])
    for latin in ("Dmitry", "Gora", "Vul.", "Internatsianalnaya", "Minsk"):
        assert latin not in text
    assert "Уважаемый Дмитрий Юрьевич!" in text


def test_the_russian_appeal_names_the_person_as_a_prosecutor_identifies_them(example_appeals):
    text = flat(example_appeals[("nasta-lojka", "ru")][1])
    assert "Обращаюсь к Вам с просьбой освободить Анастасию Лойко." in text
    assert "Фамилия, имя Лойко Анастасия" in text and "Дата рождения 6 января 1989 г." in text
    assert "Наста" not in text
    marfa = flat(example_appeals[("marfa-rabkova", "ru")][1])
    assert "с просьбой освободить Марфу Рабкову" in marfa and "Рабкова Марфа" in marfa


def test_the_russian_appeal_reads_as_a_native_writes_it(example_appeals):
    text = flat(example_appeals[("marfa-rabkova", "ru")][1])
    for wanted in ["Род занятий правозащитник, координатор волонтёрской службы правозащитного центра «Весна»",
                   "Срок 14 лет 9 месяцев лишения свободы в исправительной колонии общего режима",
                   "ч. 1 и 3 ст. 293", "ст. 361-1 УК Республики Беларусь",
                   "только за мирное осуществление своих прав",
                   "защиту от пыток и жестокого обращения", "свидания с семьёй", "доступ к адвокату", "медицинскую помощь",
                   "незамедлительно и безоговорочно освободить её",
                   "Благодарю Вас за внимание к моему обращению.",
                   "В заключении её здоровье ухудшилось"]:  # her own concern, from the profile
        assert wanted in text, wanted
    for gone in ["Деятельность", "прав человека", "к этому делу", "сведения о котором", "волонтерской"]:
        assert gone not in text, gone


def test_the_russian_appeal_has_labelled_places_for_the_sender(example_appeals):
    text = flat(example_appeals[("marfa-rabkova", "ru")][1])
    for label in ["Фамилия, имя, отчество:", "Адрес:", "Дата:", "Подпись:"]:
        assert label in text, label


def test_a_sender_the_campaign_names_fills_the_labelled_places(male, tmp_path):
    settings = male / "campaign.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "sender:\n  name: Иванова Анна Петровна\n"
                        "  address: [\"ул. Липовая, 3\", \"00-950, г. Варшава\", POLAND]\n", encoding="utf-8")
    render_document(male, "appeal", "ales-uzorny", tmp_path / "a.pdf", lang="ru")
    text = flat(pdf_text(tmp_path / "a.pdf"))
    assert "Фамилия, имя, отчество: Иванова Анна Петровна" in text and "Адрес: ул. Липовая, 3, 00-950, г. Варшава, POLAND" in text


@pytest.mark.parametrize("product", ["appeal", "appeal-window"])
@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("sender", [False, True], ids=["blank-places", "sender-named"])
def test_no_two_lines_of_an_appeal_overlap(male, tmp_path, product, lang, sender):
    """The head (addressee and the sender's places side by side) is as tall as its taller
    column: the date, the salutation and the letter start below it, never over it."""
    if sender:
        settings = male / "campaign.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "sender:\n  name: Иванова Анна Петровна\n"
                            "  address: [\"ул. Липовая, 3\", POLAND]\n", encoding="utf-8")
    render_document(male, product, "ales-uzorny", tmp_path / "a.pdf", lang=lang)
    with pdfplumber.open(tmp_path / "a.pdf") as pdf:
        lines = pdf.pages[0].extract_text_lines(strip=True)
    assert len(lines) > 10
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            apart = a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            assert apart, (a["text"], b["text"])


# ------------------------------------------------------------------ the English appeal


def test_the_english_appeal_goes_abroad_with_articles_and_typographic_quotes(example_appeals):
    text = flat(example_appeals[("nasta-lojka", "en")][1])
    assert text.startswith("The Ambassador, Embassy of the Republic of Belarus")  # beside it: the sender's places
    assert "1619 New Hampshire Ave NW" in text and "Washington, DC 20009" in text and "Prosecutor" not in text
    assert "Dear Ambassador," in text
    assert "the release of Nasta Lojka, a human rights defender and co-founder of Human Constanta." in text
    assert "Article 130, Part 3 of the Criminal Code of the Republic of Belarus" in text and "Articles" not in text
    assert "7 years in a general-security penal colony" in text
    assert "barred from sending and receiving personal letters" in text  # her own concern
    assert "protected from torture and other ill-treatment" in text and "immediately and unconditionally" in text
    marfa = flat(example_appeals[("marfa-rabkova", "en")][1])
    assert "Human Rights Centre “Viasna”" in marfa and '"' not in marfa and "women’s colony" in marfa
    for label in ["Name:", "Address:", "Signature:"]:
        assert label in marfa


def test_every_example_appeal_fits_one_page(example_appeals):
    assert {lang for _, lang in example_appeals} == {"en", "ru"}
    for (pid, lang), (doc, _) in example_appeals.items():
        assert doc["pages"] == 1, (pid, lang)


def test_the_addressee_kind_decides_what_the_appeal_asks(male, tmp_path):
    render_document(male, "appeal", "ales-uzorny", tmp_path / "en.pdf", lang="en")
    embassy = flat(pdf_text(tmp_path / "en.pdf"))
    assert "Dear Ambassador," in embassy and "convey to the authorities of the Republic of Belarus" in embassy
    assert "Please urge your authorities to release him" in embassy
    assert "Ales Uzorny, a fictional teacher and choir singer" in embassy
    render_document(male, "appeal", "ales-uzorny", tmp_path / "ru.pdf", lang="ru")
    authority = flat(pdf_text(tmp_path / "ru.pdf"))
    assert "освободить Алеся Узорного. Он лишён свободы с 9 марта 2021 г." in authority
    assert "Фамилия, имя, отчество Узорный Алесь Тестович" in authority
    assert "Прошу Вас незамедлительно и безоговорочно освободить его, провести проверку соблюдения его прав" in authority
    assert "рассмотреть вопрос о принесении протеста в порядке надзора" in authority  # what he can act on
    addressees = male / "addressees.yaml"
    addressees.write_text(addressees.read_text(encoding="utf-8").replace("kind: embassy", "kind: ministry"), encoding="utf-8")
    render_document(male, "appeal", "ales-uzorny", tmp_path / "min.pdf", lang="en")
    assert "Please call on the Belarusian authorities to release him" in flat(pdf_text(tmp_path / "min.pdf"))


# ------------------------------------------------------------------ addressees per language, and the check


def test_one_addressee_for_all_languages_still_works(minimal_build):
    en = [d for d in documents(minimal_build, product="appeal") if d["lang"] == "en"]
    assert en and "Test Official" in pdf_text(minimal_build.out_dir / en[0]["path"])
    ru = documents(minimal_build, product="appeal", prisoner="alena-testava", lang="ru")[0]
    assert pdf_text(minimal_build.out_dir / ru["path"]).startswith("Генеральному прокурору Тестовой Республики\nТестовому Т. Т.")


@pytest.mark.parametrize("change,error", [
    (("appeal_to: {ru: prosecutor-general, en: embassy-test}", "appeal_to: {ru: prosecutor-general}"), "no addressee for the en appeal"),
    (("en: embassy-test}", "en: embassy-nowhere}"), "unknown addressee 'embassy-nowhere'"),
])
def test_an_appeal_language_without_a_known_addressee_is_an_error(male, change, error):
    settings = male / "campaign.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(male)
    assert [p.field for p in info.value.problems] == ["appeal_to"] and error in info.value.problems[0].message


def test_a_russian_appeal_needs_the_addressee_in_russian(male):
    addressees = male / "addressees.yaml"
    text = addressees.read_text(encoding="utf-8")
    start = text.index("  ru:  #")
    addressees.write_text(text[:start] + text[text.index("  sources:", start):], encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(male)
    [problem] = info.value.problems
    assert problem.file.name == "addressees.yaml" and "in Cyrillic and in the dative" in problem.message


def test_a_latin_letter_in_the_russian_addressee_block_is_an_error(male):
    addressees = male / "addressees.yaml"
    addressees.write_text(addressees.read_text(encoding="utf-8").replace("name: Тестовому Т. Т.", "name: Testovy T. T."), encoding="utf-8")
    with pytest.raises(CampaignError, match="in Cyrillic"):
        load_campaign(male)


@pytest.mark.parametrize("first,last,gender,expected", [
    ("Марфа", "Рабкова", "female", "Марфу Рабкову"),
    ("Анастасия", "Лойко", "female", "Анастасию Лойко"),
    ("Валентин", "Стефанович", "male", "Валентина Стефановича"),
    ("Алёна", "Тестовая", "female", "Алёну Тестовую"),
    ("Максим", "Знак", "male", "Максима Знака"),
    ("Виктор", "Бабарико", "male", "Виктора Бабарико"),
    ("Алесь", "Беляцкий", "male", "Алеся Беляцкого"),
])
def test_pymorphy3_guesses_the_accusative(first, last, gender, expected):
    assert guess_accusative(first, last, gender) == expected


def test_a_missing_accusative_is_guessed_printed_and_shown_by_check(male, tmp_path):
    profile = male / "prisoners" / "ales-uzorny.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace(", accusative: Алеся Узорного", ""), encoding="utf-8")
    data = load_campaign(male)
    [warning] = [w for w in data.warnings if w.field == "names.ru.accusative"]
    assert warning.severity == "warning" and "Алеся Узорного" in warning.message and "guessed by pymorphy3" in warning.message
    render_document(male, "appeal", "ales-uzorny", tmp_path / "a.pdf", lang="ru")
    assert "освободить Алеся Узорного" in flat(pdf_text(tmp_path / "a.pdf"))


def test_the_example_campaign_confirms_every_case_form_it_prints():
    data = load_campaign(EXAMPLE)
    assert not [w for w in data.warnings if w.code == "names"]
