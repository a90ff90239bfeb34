"""The lint's patterns are compiled on first use and searched only where their literals are."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from letters.core.errors import LettersError
from letters.pipeline.lint import lint_text, normal_line, rules_for
from letters.pipeline.patterns import Pattern, fold, needs_of

LINT_DIR = Path(__file__).parent / "lint"


def texts(value) -> list[str]:
    """Every text in a lint corpus file, however it is nested."""
    if isinstance(value, dict):
        return [t for key, v in value.items() for t in ([v] if key == "text" and isinstance(v, str) else texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in ([v] if isinstance(v, str) else texts(v))]
    return []


@pytest.mark.parametrize("source,needs", [
    (r"(?i)\b(?:сцяг|флаг)[а-я]*", {("сцяг", True), ("флаг", True)}),
    (r"Вясн(?<=[а-я,]\sВясн)а", {("Вясна", False)}),  # across a look-behind; the capital kept
    (r"П(?<=\sП)(?:агон|огон)я", {("агон", False), ("огон", False)}),  # the longer of "П" and the branch
    (r"(?i)\b(?:не\s+забуду|помню)", {("забуду", True), ("помню", True)}),
    (r"(?i:СВАБОД)а", {("свабод", True)}),  # an inline flag: its own, folded
    (r"[\w.+-]+@[\w-]+\.[\w.-]+", {("@", False)}),
    (r"(?i)(?:ветеран|\d+)\s+войны", {("войны", True)}),  # one alternative has no literal: the next part
    (r"(?:а|\d)б?", None),  # nothing every match needs
    (r"\b[А-Я]{2,6}\b", None),
    (r"(?:мир){0,2}x", {("x", False)}),  # a repeat that may be absent needs nothing
])
def test_needs_are_the_literals_every_match_contains(source, needs):
    found = needs_of(source)
    assert (set(found) if found is not None else None) == needs


def test_a_case_insensitive_pattern_finds_its_literal_in_any_case_and_in_re_s_own_equivalents():
    pattern = Pattern.of(r"(?i)\bсвабод[а-я]*")
    for line in ["Жадаю СВАБОДЫ", "Жадаю Свабоды", "жадаю сᲀабоды".replace("ᲀ", "в")]:
        assert pattern.can_match(line, fold(line)) and list(pattern.finditer(line, fold(line)))
    odd = "жадаю сᲀабоды"  # U+1C80, which `re` holds equal to в when ignoring case
    assert pattern.compiled.search(odd) and pattern.can_match(odd, fold(odd))
    assert not pattern.can_match("Добры дзень", fold("Добры дзень"))


def test_a_pattern_is_not_compiled_until_a_line_can_match_it():
    pattern = Pattern.of(r"(?i)\bкраты\b")
    assert list(pattern.finditer("Добры дзень", fold("Добры дзень"))) == []
    assert "compiled" not in pattern.__dict__
    assert [m.group() for m in pattern.finditer("За КРАТЫ", fold("За КРАТЫ"))] == ["КРАТЫ"]


def test_a_pattern_that_parses_but_cannot_compile_is_a_clear_error():
    pattern = Pattern.of(r"(?<=a+)b", "lint/rules.yaml")  # a look-behind of no fixed width
    with pytest.raises(LettersError, match=r"lint/rules.yaml: bad pattern"):
        _ = pattern.compiled


def test_every_builtin_pattern_compiles():
    rules = rules_for(None)
    for rule in rules.rules.values():
        for pattern in (*rule.patterns, *rule.unless):
            assert pattern.compiled.pattern == pattern.source


@pytest.fixture(scope="module")
def corpus_lines() -> list[str]:
    lines = []
    for path in sorted(LINT_DIR.glob("*.yaml")):
        for text in texts(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for line in text.splitlines():
                for variant in (line, line.upper(), line.lower()):
                    lines.append(normal_line(variant).text)
    assert len(lines) > 3000
    return lines


def test_the_prefilter_never_skips_a_line_that_a_pattern_matches(corpus_lines):
    """On every line of the lint's corpora (in three cases), each built-in pattern that
    matches the line is one whose literals the line holds: skipping loses no finding."""
    rules = rules_for(None)
    patterns = [p for rule in rules.rules.values() for p in (*rule.patterns, *rule.unless)]
    matched = 0
    for line in corpus_lines:
        folded = fold(line)
        for pattern in patterns:
            if pattern.compiled.search(line):
                matched += 1
                assert pattern.can_match(line, folded), (pattern.source, line)
    assert matched > 500  # the check saw many matches, not none


def test_a_campaign_pattern_is_checked_when_read(tmp_path):
    (tmp_path / "lint.yaml").write_text("rules:\n  politics:\n    patterns: ['(?<=a+)b']\n", encoding="utf-8")
    with pytest.raises(LettersError, match="bad pattern"):
        rules_for(tmp_path)


def test_lint_finds_the_same_with_and_without_the_prefilter():
    rules = rules_for(None)
    text = "Жадаю СВАБОДЫ і сіл. Бел-чырвона-белы сцяг у вакне. anna@example.org"
    with_filter = [str(d) for d in lint_text(text, rules)]
    unfiltered = rules_for(None)  # a fresh copy of the rules, made to search every line, as before
    for _, pattern in unfiltered.patterns:
        object.__setattr__(pattern, "needs", None)
    assert [str(d) for d in lint_text(text, unfiltered)] == with_filter
    assert len(with_filter) >= 3
