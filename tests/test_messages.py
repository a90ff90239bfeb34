"""The writer's own words: personal messages, phrases by id, and the phrasebook."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from letters.api import build_campaign, render_document
from letters.core.errors import LettersError
from letters.core.templates import builtin_templates_dir
from letters.data.messages import language_of
from letters.data.phrasebook import phrases, suggest
from letters.pipeline.lint import lint_text, rules_for

from .conftest import documents, pdf_text

BOOK = yaml.safe_load((builtin_templates_dir() / "texts" / "phrasebook.yaml").read_text(encoding="utf-8"))
GROUPS = {"greet", "weather", "books", "life", "wishes", "closing"}


def test_a_build_with_one_bad_message_still_produces_everything_else(campaign, tmp_path):
    root = campaign("messages", base="minimal")
    result = build_campaign(root, tmp_path / "out", jobs=1)
    assert [f.subject for f in result.failures] == ["letter-alena-testava-ru-boris"]
    reason = result.failures[0].message
    assert "boris.ru.txt: message refused by the lint" in reason and '"свободы"' in reason
    letters = {d["id"] for d in documents(result, product="letter")}
    assert letters == {"letter-alena-testava-be", "letter-alena-testava-ru", "letter-alena-testava-be-anna",
                       "letter-alena-testava-ru-vera"}
    assert documents(result, product="appeal") and documents(result, product="writer-sheet")
    # the message is in the letter, in place of the ruled lines; a banned person's message is not used
    [anna] = documents(result, id="letter-alena-testava-be-anna")
    text = pdf_text(result.out_dir / anna["path"])
    assert "Я чытаю кнігу пра мора і думаю пра Вас." in text and "Некалькі слоў ад мяне" not in text
    assert not [d for d in documents(result) if d["prisoner"] == "pavel-zabaroneny" and d["audience"] == "prisoner"]


def test_render_with_a_message_takes_its_language_and_refuses_a_bad_one(campaign, tmp_path):
    root = campaign("messages", base="minimal")
    entry = render_document(root, "letter", "alena-testava", tmp_path / "vera.pdf", message=root / "messages/alena-testava/vera.txt")
    assert entry.lang == "ru" and "У нас идёт дождь." in pdf_text(tmp_path / "vera.pdf")
    with pytest.raises(LettersError, match="message refused by the lint"):
        render_document(root, "letter", "alena-testava", tmp_path / "boris.pdf", message=root / "messages/alena-testava/boris.ru.txt")
    assert not (tmp_path / "boris.pdf").exists()
    with pytest.raises(LettersError, match="takes no message"):
        render_document(root, "appeal", "alena-testava", tmp_path / "x.pdf", message=root / "messages/alena-testava/vera.txt")


@pytest.mark.parametrize("text,hint,expected", [
    ("Дзень добры, у нас ідзе снег.", None, "be"),
    ("Добрый день, у нас идёт снег.", None, "ru"),
    ("Дорогая Марфа!", "ru", "ru"),
])
def test_message_language(text, hint, expected):
    assert language_of(text, hint) == expected


@pytest.mark.parametrize("text,hint,error", [
    ("Дорогая Марфа!", None, "name it <name>.be.txt or <name>.ru.txt"),
    ("Привет и дзень добры, і ўсё", None, "mixes Belarusian"),
    ("Добрый день, идёт снег.", "be", "marked 'be' but written in 'ru'"),
])
def test_message_language_problems(text, hint, error):
    with pytest.raises(LettersError, match=re.escape(error)):
        language_of(text, hint)


def test_a_misplaced_message_is_reported(campaign, tmp_path):
    root = campaign("minimal")
    (root / "messages" / "nobody").mkdir(parents=True)
    (root / "messages" / "nobody" / "a.txt").write_text("Дзень добры!", encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert [str(f) for f in result.failures] == ["messages/nobody/a.txt: error: no prisoner 'nobody' in this campaign"]
    assert len(documents(result)) == 2


def test_phrasebook_has_60_sentences_in_six_groups_with_two_glosses():
    book = phrases(BOOK)
    assert len(book) >= 60 and {p.group for p in book.values()} == GROUPS
    for phrase in book.values():
        assert {"be", "ru", "en", "de"} <= set(phrase.text) and all(phrase.text[k].strip() for k in ("be", "ru", "en", "de"))


@pytest.mark.parametrize("lang", ["be", "ru"])
def test_every_phrase_passes_the_lint(lang):
    rules = rules_for(None)
    for phrase in phrases(BOOK).values():
        assert lint_text(phrase.text[lang], rules) == [], (phrase.id, phrase.text[lang])


@pytest.mark.skipif(not shutil.which("hunspell"), reason="hunspell with hunspell-be and hunspell-ru is not installed")
@pytest.mark.parametrize("lang,dictionary", [("be", "be_BY"), ("ru", "ru_RU")])
def test_every_shipped_sentence_passes_the_spelling_dictionary(lang, dictionary):
    """DESIGN.md: every Belarusian and Russian sentence the project ships passes hunspell."""
    texts = []
    folder = builtin_templates_dir() / "texts"
    for path in [folder / "solidarity.yaml", folder / "phrasebook.yaml", *sorted((folder / "cards").glob("*.yaml"))]:
        _collect(yaml.safe_load(path.read_text(encoding="utf-8")), lang, texts)
    assert len(texts) > 60
    text = "\n".join(texts).replace("ʼ", "’")  # the dictionary spells the apostrophe ’ or '
    result = subprocess.run(["hunspell", "-d", dictionary, "-l"], input=text, capture_output=True, text=True, check=True)
    assert result.stdout.split() == []


def _collect(node, lang, out):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == lang:
                out.extend([value] if isinstance(value, str) else value.values())
            else:
                _collect(value, lang, out)
    elif isinstance(node, list):
        for value in node:
            _collect(value, lang, out)


def test_suggestions_are_stable_per_writer_and_differ_between_writers():
    first = [p.id for p in suggest(BOOK, "marfa-rabkova", 1)]
    assert first == [p.id for p in suggest(BOOK, "marfa-rabkova", 1)]
    assert len(first) == 2 * len(GROUPS)
    others = [[p.id for p in suggest(BOOK, "marfa-rabkova", w)] for w in (2, 3)]
    assert all(set(o) != set(first) for o in others)
    assert [p.id for p in suggest(BOOK, "nasta-lojka", 1)] != first


def test_writer_sheet_shows_its_writers_phrases_and_a_letter_can_be_built_from_ids(campaign, tmp_path):
    root = campaign("minimal")
    render_document(root, "writer-sheet", "alena-testava", tmp_path / "w2.pdf", lang="be", writer=2)
    text = pdf_text(tmp_path / "w2.pdf")
    chosen = suggest(BOOK, "alena-testava", 2, month=2)  # the fixture's date is 15 January: letters arrive in February
    for phrase in chosen:
        assert phrase.id in text and phrase.text["en"].split()[0] in text
    ids = [chosen[0].id, chosen[-1].id]
    render_document(root, "letter", "alena-testava", tmp_path / "p.pdf", lang="ru", phrases=ids)
    letter = pdf_text(tmp_path / "p.pdf")
    assert chosen[0].text["ru"].split(",")[0] in letter
    with pytest.raises(LettersError, match=re.escape("unknown phrase 'books.99': books has books.1 to books.10")):
        render_document(root, "letter", "alena-testava", tmp_path / "x.pdf", phrases=["books.99"])


def test_the_phrase_table_has_the_same_columns_on_every_sheet(campaign, tmp_path):
    """A fixed-layout table: its columns do not move with the ids a writer got, and no id runs into its sentence."""
    import pdfplumber

    root = campaign("minimal")
    starts = set()
    for writer in (1, 7):  # writer 1 got "weather.12", writer 7 no id that long
        path = render_document(root, "writer-sheet", "alena-testava", tmp_path / f"w{writer}.pdf", lang="be", writer=writer).path
        with pdfplumber.open(path) as pdf:
            words = [w for page in pdf.pages for w in page.extract_words()]
        ids = [w for w in words if re.fullmatch(r"[a-z]+\.\d+", w["text"])]
        assert len(ids) >= 10, [w["text"] for w in ids]
        for id_word in ids:
            row = [w for w in words if abs(w["top"] - id_word["top"]) < 3 and w["x0"] > id_word["x1"]]
            sentence = min(row, key=lambda w: w["x0"])
            assert sentence["x0"] - id_word["x1"] >= 5, f"{id_word['text']} runs into {sentence['text']}"
            starts.add(round(sentence["x0"], 1))
    assert max(starts) - min(starts) < 1, f"the sentence column moves between sheets: {sorted(starts)}"  # < 1 pt: a glyph's side bearing


def test_check_lints_the_writers_messages(campaign):
    from click.testing import CliRunner

    from letters.cli import main

    root = campaign("messages", base="minimal")
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 1
    assert f"{root}/messages/alena-testava/boris.ru.txt:1:11: error: politics: \"свободы\"" in result.output
    assert "1 error(s) in the writers' messages" in result.output
    (root / "messages" / "alena-testava" / "boris.ru.txt").unlink()
    assert CliRunner().invoke(main, ["check", str(root)]).exit_code == 0


def test_an_empty_message_and_bad_phrase_lists_are_refused(campaign, tmp_path):
    root = campaign("minimal")
    empty = tmp_path / "empty.be.txt"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(LettersError, match=r"empty\.be\.txt: is empty"):
        render_document(root, "letter", "alena-testava", tmp_path / "x.pdf", message=empty)
    with pytest.raises(LettersError, match="no phrase ids given"):
        render_document(root, "letter", "alena-testava", tmp_path / "x.pdf", phrases=[""])
    with pytest.raises(LettersError, match=re.escape("phrase greet.1 given twice")):
        render_document(root, "letter", "alena-testava", tmp_path / "x.pdf", phrases=["greet.1", "greet.1"])
    assert not (tmp_path / "x.pdf").exists()


def test_two_messages_with_one_name_are_refused_not_overwritten(campaign, tmp_path):
    root = campaign("minimal")
    folder = root / "messages" / "alena-testava"
    folder.mkdir(parents=True)
    (folder / "anna.txt").write_text("Дзень добры, у нас ідзе снег.", encoding="utf-8")
    (folder / "anna.be.txt").write_text("Дзень добры, у нас ідзе дождж.", encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert [str(f) for f in result.failures] == [
        "messages/alena-testava/anna.txt: error: another message for alena-testava is also named 'anna'; rename one"]


def test_lines_about_a_season_go_only_into_letters_that_arrive_in_it():
    """A letter about yellow maples that arrives in spring reads like a code to a censor."""
    from letters.data.phrasebook import for_letter, phrases

    seasonal = {p.id: p.months for p in phrases(BOOK).values() if p.months}
    assert seasonal["weather.9"] == (9, 10, 11) and seasonal["weather.7"] == (12, 1, 2)
    for month in range(1, 13):
        lines = [p for writer in range(1, 60) for p in for_letter(BOOK, "alena-testava", writer, month=month)]
        lines += [p for writer in range(1, 20) for p in suggest(BOOK, "alena-testava", writer, month=month)]
        assert all(month in p.months for p in lines if p.months), month
    assert any(p.months for w in range(1, 60) for p in for_letter(BOOK, "alena-testava", w, month=10))
