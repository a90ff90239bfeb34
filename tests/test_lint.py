"""The censorship-risk lint: a corpus of real-looking texts, the CLI, and the build's gate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from letters.api import build_campaign, render_document
from letters.core.errors import LettersError
from letters.pipeline.lint import expand, lint_text, rules_digest, rules_for

from .conftest import documents

CORPUS = yaml.safe_load((Path(__file__).parent / "lint" / "corpus.yaml").read_text(encoding="utf-8"))
RULES = rules_for(None)


@pytest.mark.parametrize("case", CORPUS["flagged"], ids=lambda c: c["text"][:30])
def test_flagged_texts_give_exactly_their_findings(case):
    found = lint_text(case["text"], RULES)
    assert sorted((f.code, f.text) for f in found) == sorted(tuple(x) for x in case["findings"])
    for finding in found:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.message.endswith(").") and " (" in finding.message and finding.hint  # why (source), instead
        line = case["text"].splitlines()[finding.line - 1]
        assert line[finding.column - 1 :].startswith(finding.text)


@pytest.mark.parametrize("text", CORPUS["clean"], ids=lambda t: t[:30])
def test_clean_texts_stay_clean(text):
    assert lint_text(text, RULES) == []


def test_word_forms_match_across_cases_but_not_other_words():
    forms = {f[0] for f in expand("свабод{а,ы,зе,у,ай,аю}")}
    assert forms == {"свабода", "свабоды", "свабодзе", "свабоду", "свабодай", "свабодаю"}
    for text in ["свобода", "свободы", "свободу", "свободе", "СВОБОДОЙ", "Свабода", "свабодзе"]:
        assert [f.code for f in lint_text(text, RULES)] == ["politics"], text
    for text in ["свабодны", "свободный", "свободен", "освобождение"[:0] or "свободно"]:
        assert lint_text(text, RULES) == [], text


def test_a_text_over_the_limit_is_an_error_naming_the_count(tmp_path):
    text = "Дзень добры. " * 200  # 2,600 characters
    found = [f for f in lint_text(text, RULES) if f.code == "length"]
    assert len(found) == 1 and found[0].severity == "error"
    assert "2599 characters, the limit is 2400" in found[0].message


def test_a_campaign_extends_the_word_lists_and_sets_its_limit(campaign):
    root = campaign("minimal")
    (root / "lint.yaml").write_text("max_chars: 40\nrules:\n  organisations:\n    words: [\"сонечны клуб\"]\n", encoding="utf-8")
    rules = rules_for(root)
    found = lint_text("Вітаем ад Сонечнага клуба і ад Сонечны клуб, і яшчэ доўгі тэкст.", rules)
    assert [(f.code, f.text) for f in found] == [("organisations", "Сонечны клуб"), ("length", "…луб, і яшчэ доўгі тэкст.")]
    assert found[1].column == 41 and "64 characters, the limit is 40" in found[1].message


def run_cli(*args, input=None):
    from letters.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_cli_lint_exit_codes_and_positions(tmp_path):
    bad = tmp_path / "letter.txt"
    bad.write_text("Дарагая Марфа!\nЖадаю Вам свабоды 🙂\n", encoding="utf-8")
    result = run_cli("lint", bad)
    assert result.exit_code == 1
    assert f"{bad}:2:11: error: politics: \"свабоды\"" in result.output
    assert f"{bad}:2:19: error: emoji" in result.output
    clean = run_cli("lint", "-", input="Дарагая Марфа! Абдымаю Вас.\n")
    assert clean.exit_code == 0 and "0 error(s)" in clean.output
    warning_only = run_cli("lint", "-", input="Прывітанне з ГУМа!\n")
    assert warning_only.exit_code == 0 and "warning: abbreviations" in warning_only.output


def test_cli_lint_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "cp1251.txt"
    path.write_bytes("Дарагая Марфа".encode("cp1251"))
    result = run_cli("lint", path)
    assert result.exit_code == 1 and "not UTF-8 text" in result.output and "Traceback" not in result.output


def with_letter_text(root, old: str, new: str):
    """The campaign with its own copy of the letter's words, one phrase changed."""
    from letters.core.templates import builtin_templates_dir

    texts = root / "templates" / "texts"
    texts.mkdir(parents=True)
    source = (builtin_templates_dir() / "texts" / "solidarity.yaml").read_text(encoding="utf-8")
    (texts / "solidarity.yaml").write_text(source.replace(old, new, 1), encoding="utf-8")
    return root


def test_the_build_refuses_a_prisoner_document_that_breaks_a_rule_and_makes_the_rest(campaign, tmp_path):
    root = with_letter_text(campaign("minimal"), "be: {name: Мяне завуць", "be: {name: Хуткай свабоды! Мяне завуць")
    result = build_campaign(root, tmp_path / "out", jobs=1)
    assert [f.subject for f in result.failures] == ["letter-alena-testava-be"]
    assert 'refused by the lint' in result.failures[0].message and '"свабоды"' in result.failures[0].message
    assert documents(result, product="letter", lang="ru") and documents(result, product="appeal")
    with pytest.raises(LettersError, match="refused by the lint"):
        render_document(root, "letter", "alena-testava", tmp_path / "x.pdf", lang="be")
    assert not (tmp_path / "x.pdf").exists()


def test_an_image_in_a_prisoner_document_is_refused(campaign, tmp_path):
    root = campaign("minimal")
    template = root / "templates" / "letter" / "solidarity.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% extends "builtin:letter/solidarity.html" %}{% block body %}{{ super() }}'
                        '<img src="data:image/png;base64,iVBORw0KGgo=">{% endblock %}', encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert len(result.failures) == 2 and all("images" in f.message for f in result.failures)


def test_every_builtin_template_passes_the_lint(tmp_path):
    """Every product of the print-shop campaign, in both languages, with no finding at all."""
    import shutil

    from letters.products.registry import builtin_registry

    PRODUCTS = builtin_registry().products

    from .conftest import CAMPAIGNS

    root = tmp_path / "shop"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    shutil.copytree(CAMPAIGNS / "print-shop", root, dirs_exist_ok=True)
    result = build_campaign(root, tmp_path / "out", list(PRODUCTS), jobs=2)
    assert result.ok, result.failures
    prisoner_docs = documents(result, audience="prisoner")
    # lint warnings are reported as "<document id>: line:column: warning: rule: ..."
    assert not [w for w in result.warnings if w.message.startswith(tuple(f"{d['id']}:" for d in prisoner_docs))]
    assert {d["product"] for d in prisoner_docs} == {n for n, p in PRODUCTS.items() if p.audience == "prisoner"}


def test_warnings_are_reported_and_do_not_block(campaign, tmp_path):
    root = with_letter_text(campaign("minimal"), "be: {name: Мяне завуць", "be: {name: Абдымаю Вас з ГУМа. Мяне завуць")
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert result.ok and len(documents(result)) == 2
    warned = [w.message for w in result.warnings if "abbreviations" in w.message]
    assert len(warned) == 1 and warned[0].startswith("letter-alena-testava-be: ") and '"ГУМа"' in warned[0]


@pytest.mark.parametrize("content,error", [
    ("rules: [politics]\n", "rules: Input should be a valid dictionary"),
    ("rules: {politics: {patterns: ['(']}}\n", "bad pattern '('"),
    ("max_chars: 0\n", "max_chars: Input should be greater than or equal to 1"),
    ("rules: {politics: {words: кот}}\n", "rules.politics.words: Input should be a valid list"),
])
def test_a_wrong_lint_yaml_is_one_clear_line_naming_it(campaign, content, error):
    root = campaign("minimal")
    (root / "lint.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(LettersError, match=re.escape(f"{root / 'lint.yaml'}: ") + ".*" + re.escape(error)):
        rules_for(root)


def test_words_split_by_inline_tags_and_css_pictures_are_still_caught():
    from letters.pipeline.lint import lint_document

    assert [f.code for f in lint_document("<p><b>Жыве</b> Беларусь</p>", RULES, [])] == ["politics"]
    assert [f.code for f in lint_document("<p>Мы <em>верым</em> у свабоду</p>", RULES, [])] == ["politics"]
    found = lint_document('<div style="background: url(qr.png)">Дзень добры</div>', RULES, [])
    assert [f.code for f in found] == ["images"]


def test_a_sender_who_chose_to_be_on_prisoner_mail_passes_the_gate(campaign, tmp_path):
    root = campaign("minimal")
    with open(root / "campaign.yaml", "a", encoding="utf-8") as handle:
        handle.write('sender: {name: Ганна, address: ["Wilcza 1", "00-001 Warszawa", POLAND], on_prisoner_mail: true}\n')
    result = build_campaign(root, tmp_path / "out", ["letter", "envelope-dl"], jobs=1)
    assert result.ok, result.failures


def test_a_document_the_lint_now_refuses_leaves_the_folder(campaign, tmp_path):
    root = campaign("minimal")
    build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    (root / "lint.yaml").write_text("rules: {politics: {words: [завуць]}}\n", encoding="utf-8")  # in every Belarusian letter
    again = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert [f.subject for f in again.failures] == ["letter-alena-testava-be"]
    assert not (tmp_path / "out" / "letter" / "alena-testava-be.pdf").exists()
    assert [d["id"] for d in documents(again)] == ["letter-alena-testava-ru"]


def test_text_drawn_in_svg_or_generated_by_css_is_linted_too():
    from letters.pipeline.lint import lint_document

    assert [(f.code, f.text) for f in lint_document("<svg><text>Free Belarus</text></svg>", RULES, [])] == [("latin", "Free Belarus")]
    css = '<style>.x::after { content: "свабода"; }</style><p class="x">Дзень добры</p>'
    assert [(f.code, f.text) for f in lint_document(css, RULES, [])] == [("politics", "свабода")]


# Issue 14, item 8: invisible and combining characters must not hide a word; the finding
# points at the words as written.
@pytest.mark.parametrize("text,hidden", [
    ("Жадаю Вам сваб\u00adоды!", "сваб\u00adоды"),  # soft hyphen
    ("Жадаю Вам сваб\u200bоды!", "сваб\u200bоды"),  # zero-width space
    ("Жадаю Вам сва\u200dбо\u200cды!", "сва\u200dбо\u200cды"),  # zero-width joiner and non-joiner
    ("Жадаю Вам \u200fсвабоды\u200e!", "свабоды"),  # bidi marks around it: not part of the word
    ("Жадаю Вам \u2066сваб\u202eоды\u2069!", "сваб\u202eоды"),  # bidi isolates and an override
    ("Жадаю Вам свабо\u0301ды!", "свабо\u0301ды"),  # a stress accent, as learners' texts have
    ("Жадаю Вам с в а б о д ы!", "с в а б о д ы"),  # spaced out
    ("Жадаю Вам С-в-а-б-о-д-ы!", "С-в-а-б-о-д-ы"),  # hyphenated
    ("Жадаю Вам с.в.а.б.о.д.ы!", "с.в.а.б.о.д.ы"),
    ("Жадаю Вам свабоды\ufeff!", "свабоды"),  # a byte-order mark after it
])
def test_hidden_characters_do_not_hide_a_word_and_the_finding_is_where_it_was_written(text, hidden):
    [found] = lint_text(text, RULES)
    assert (found.code, found.text) == ("politics", hidden)
    assert text[found.column - 1 : found.end_column - 1] == hidden and found.column == text.index(hidden) + 1


def test_positions_after_hidden_characters_stay_those_of_the_line_as_written():
    text = "Д\u00adа\u0301ра\u200bгая! Мы за Жы\u00adве Бе\u0301ларусь і за «Вя\u200bсну»."
    found = lint_text(text, RULES)
    assert [(f.code, f.text) for f in found] == [("politics", "Жы\u00adве Бе\u0301ларусь"), ("organisations", "«Вя\u200bсну»")]
    for f in found:
        assert text[f.column - 1 : f.end_column - 1] == f.text
    spaced = "Ж ы в е  Б е л а р у с ь"  # a several-word entry spelled out letter by letter
    assert [(f.code, f.column, f.end_column) for f in lint_text(spaced, RULES)] == [("politics", 1, len(spaced) + 1)]


def test_normalising_keeps_the_letters_that_are_built_from_marks():
    """й, ў and ё decompose into a letter and a mark; only accents are dropped."""
    from letters.pipeline.lint import normal_line

    decomposed = "Мои\u0306 сябар у\u0306 Мінску, е\u0308лка, сваё\u0301"
    normal = normal_line(decomposed)
    assert normal.text == "Мой сябар ў Мінску, ёлка, сваё"
    assert normal_line("Вясна ў гэтым годзе ранняя.").starts is None  # an ordinary line is left as it is
    assert lint_text("Я спакойна чакаю лета, мае\u0301 сябры́ побач.", RULES) == []
    # single letters in a row that are words, not a word spelled out
    assert lint_text("А я з Вамі, і ў думках, і ў сэрцы.", RULES) == []
    assert [(f.code, f.text) for f in lint_text("Гэта і ё, і й, і г. д.", RULES)] == [("abbreviations", "і г. д")]


def test_the_gate_normalises_too():
    from letters.pipeline.lint import lint_document

    found = lint_document("<p>Хутчэй бы сваб&shy;ода!</p><p>С-в-о-б-о-д-а!</p>", RULES, [])
    assert [(f.code, f.line, f.text) for f in found] == [("politics", 1, "сваб\u00adода"), ("politics", 2, "С-в-о-б-о-д-а")]


# Issue 14, item 9: Russian words by lemma (pymorphy3), Belarusian words by stem and ending class.
@pytest.mark.parametrize("text,code", [
    ("Ждём вашего освобождения.", "release"),
    ("Мы все думаем о вашем освобождении.", "release"),
    ("Надеюсь на скорое освобождение.", "release"),
    ("Когда вас освободят, приезжайте.", "release"),
    ("Вас скоро освободят.", "release"),
    ("Ходят слухи о помиловании.", "release"),
    ("Вас признали иноагентом?", "extremism"),
    ("Этих экстремистских списков всё больше.", "extremism"),
    ("На суде было много людей.", "criminal-case"),
    ("Вас приговорили к пяти годам.", "criminal-case"),
    ("Мы помним каждого политзаключённого.", "politics"),
    ("У меня лента бело-красно-белого цвета.", "symbols"),
    ("Чакаем Вашага вызвалення.", "release"),
    ("Пра памілаванне пакуль нічога не чуваць.", "release"),
    ("Мы падпісалі петыцыі за Вас.", "release"),
    ("Сцяг бел-чырвона-белага колеру вісіць у мяне дома.", "symbols"),
    ("Вас прызналі экстрэмісцкім фармаваннем?", "extremism"),
    ("Хутка Вас вызваляць.", "release"),
    ("Мы стаялі на пікеце.", "politics"),
])
def test_words_are_caught_in_forms_the_rules_do_not_list(text, code):
    assert code in {f.code for f in lint_text(text, RULES) if f.severity == "error"}, text


@pytest.mark.parametrize("text", [
    "Я освободила полку для новых книг.",  # освободить without a person freed
    "Сегодня освободилась пораньше.",
    "Господи, помилуй и сохрани.",  # a prayer, not a pardon
    "Соблюдаю режим дня.",
    "Как ваши дела?",
    "Судья дал пенальти на последней минуте.",
    "Смотрели комедию с погоней на лодках.",
    "Срок годности у творога три дня.",
    "На клумбе белые и красные розы.",
    "Я вызвалілася раней і пайшла ў парк.",
    "Як справы ў Вашай сям'і?",
    "Божа, памілуй і захавай.",
    "Мой рэжым дня: прагулка, кніга, сон.",
    "У садзе белыя і чырвоныя ружы.",
    "Суддзя ў матчы быў строгі.",
])
def test_lemmas_and_stems_leave_everyday_words_alone(text):
    assert lint_text(text, RULES) == [], text


def test_ending_classes_expand_stems_and_a_wrong_class_is_named():
    endings = {"neut-nne": ["е", "я", "ю", "ем", "і"]}
    assert {f[0] for f in expand("вызваленн{@neut-nne}", endings)} == {"вызваленне", "вызвалення", "вызваленню", "вызваленнем", "вызваленні"}
    assert expand("{вольн,свабодн}{ая,ай} беларусь", endings) >= {("вольная", "беларусь"), ("свабоднай", "беларусь")}
    assert expand("бел-чырвона-белы") == {("бел", "чырвона", "белы")}
    assert expand("вы * освободить", lemmas=True) == {("=вы", "*", "=освободить")}
    assert expand("{вас,тебя} освободить", lemmas=True) == {("вас", "=освободить"), ("тебя", "=освободить")}
    with pytest.raises(LettersError, match="unknown ending class 'nope'"):
        expand("суд{@nope}", endings)
    with pytest.raises(LettersError, match="between words"):
        expand("* суд")


def test_every_lemma_in_the_rules_is_a_dictionary_form():
    """A lemma that pymorphy3 would not give any word could never match: a typo in the data."""
    from letters.pipeline.lint import LEMMA, WILDCARD, russian_lemmas

    for rule in RULES.rules.values():
        for entry in rule.lemmas:
            for key in entry:
                if key.startswith(LEMMA):
                    assert key[1:] in russian_lemmas(key[1:]), (rule.name, entry)
                    # words under three letters are never lemmatised: write them as forms ("{за}")
                    assert len(key) > 3, (rule.name, entry)
                else:
                    assert key == WILDCARD or not key.startswith(LEMMA)


def test_a_campaign_adds_lemmas(campaign):
    root = campaign("minimal")
    (root / "lint.yaml").write_text("rules:\n  politics:\n    lemmas: [референдум, выборный кампания]\n", encoding="utf-8")
    rules = rules_for(root)
    assert [f.text for f in lint_text("Вся выборная кампания прошла тихо.", rules)] == ["выборная кампания"]
    assert rules_digest(root) != rules_digest(None)



def test_a_prisoner_document_may_not_fetch_a_stylesheet_the_lint_cannot_read(campaign, tmp_path):
    """Found by review: words drawn by a linked stylesheet's `content:` were never linted."""
    root = campaign("minimal")
    (root / "templates" / "styles").mkdir(parents=True)
    (root / "templates" / "styles" / "extra.css").write_text('.letter::after { content: "Жыве Беларусь!" }', encoding="utf-8")
    template = root / "templates" / "letter" / "solidarity.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% extends "builtin:letter/solidarity.html" %}{% block style %}{{ super() }}'
                        '@import "styles/extra.css";{% endblock %}', encoding="utf-8")
    result = build_campaign(root, tmp_path / "out", ["letter"], jobs=1)
    assert len(result.failures) == 2 and all("fetched" in f.message and "@import" in f.message for f in result.failures)
    assert not documents(result)


@pytest.mark.parametrize("text,clean", [
    ("Прочла «Войну и мир» целиком.", True),
    ("Читаю Войну и мир Толстого.", True),
    ("Толстой, «Война и мир», третий том.", True),
    ("Перачытала «Вайну і мір» Талстога.", True),
    ("Дзед быў партызанам у вайну.", True),
    ("Синоптики обещают холодный фронт.", True),
    ("Война и мир не уживаются в одной стране.", False),  # at the start of a sentence: the war
    ("Вайна і мір ніколі не бываюць разам.", False),
    ("Вайна ва Украіне не скончылася.", False),
])
def test_an_unless_pattern_keeps_a_title_or_an_idiom_and_not_the_war(text, clean):
    assert (lint_text(text, RULES) == []) is clean, text


def test_words_cut_into_pieces_and_belarusian_u_after_a_vowel_are_caught():
    found = lint_text("Жыве Бе-ла-русь! Скорее бы св*обода. Гэтая ўлада баіцца.", RULES)
    assert [(f.code, f.text) for f in found] == [("politics", "Жыве Бе-ла-русь"), ("politics", "св*обода"), ("regime", "ўлада")]
    assert lint_text("Кто-то из-за снега опоздал, а бела-шэры кот спаў.", RULES) == []


def test_a_campaign_adds_an_unless_pattern(campaign):
    root = campaign("minimal")
    (root / "lint.yaml").write_text("rules:\n  war:\n    unless: ['Вайна\\s+і\\s+мір']\n", encoding="utf-8")
    rules = rules_for(root)
    assert lint_text("Вайна і мір ніколі не бываюць разам.", rules) == [] and rules_digest(root) != rules_digest(None)
