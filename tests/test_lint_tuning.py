"""The lint on tests/lint/tuning-2025.yaml: every risky letter caught, every clean one left alone.

tuning-2025.yaml was the held-out set of issue 14 (item 9); once measured, it became
tuning material, so here it is a regression test, not a measure of how well the lint
does on letters it has not seen.
"""

# The blind held-out set that measures the lint is tests/lint/heldout.yaml
# (tests/test_lint_heldout.py); do not tune the rules on its misses.

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from letters.pipeline.lint import lint_text, rules_for

TUNING = yaml.safe_load((Path(__file__).parent / "lint" / "tuning-2025.yaml").read_text(encoding="utf-8"))
RULES = rules_for(None)


def test_the_tuning_corpus_is_in_both_languages():
    for kind in ("risky", "clean"):
        assert len(TUNING[kind]) >= 100
        assert {c["lang"] for c in TUNING[kind]} == {"be", "ru"}


@pytest.mark.parametrize("case", TUNING["risky"], ids=lambda c: c["text"][:30])
def test_every_risky_tuning_letter_is_caught(case):
    assert any(f.severity == "error" for f in lint_text(case["text"], RULES)), case["text"]


@pytest.mark.parametrize("case", TUNING["clean"], ids=lambda c: c["text"][:30])
def test_no_clean_tuning_letter_gets_a_finding(case):
    assert lint_text(case["text"], RULES) == [], case["text"]  # a warning is a false alarm too
