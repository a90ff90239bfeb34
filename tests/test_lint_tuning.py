"""The lint on the retired held-out sets: every risky letter caught, every clean one left alone.

tests/lint/tuning-2025.yaml, tuning-2026.yaml, tuning-2026-12.yaml and tuning-2026-12b.yaml
were the held-out sets of issue 14 (item 9), the last two measured once on 2026-12-02; once
measured, each became tuning material, so here they are regression tests, not a measure of
how well the lint does on letters it has not seen.
"""

# The blind held-out set that measures the lint is tests/lint/heldout.yaml
# (tests/test_lint_heldout.py) when there is one; do not tune the rules on its misses.

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from letters.pipeline.lint import lint_text, rules_for

SETS = ("tuning-2025", "tuning-2026", "tuning-2026-12", "tuning-2026-12b")
TUNING = {name: yaml.safe_load((Path(__file__).parent / "lint" / f"{name}.yaml").read_text(encoding="utf-8"))
          for name in SETS}
RULES = rules_for(None)


def cases(kind: str) -> list:
    return [pytest.param(case, id=f"{name}: {case['text'][:30]}") for name in SETS for case in TUNING[name][kind]]


@pytest.mark.parametrize("name", SETS)
def test_the_tuning_corpus_is_in_both_languages(name):
    for kind in ("risky", "clean"):
        assert len(TUNING[name][kind]) >= 100
        assert {c["lang"] for c in TUNING[name][kind]} == {"be", "ru"}


@pytest.mark.parametrize("case", cases("risky"))
def test_every_risky_tuning_letter_is_caught(case):
    assert any(f.severity == "error" for f in lint_text(case["text"], RULES)), case["text"]


@pytest.mark.parametrize("case", cases("clean"))
def test_no_clean_tuning_letter_gets_a_finding(case):
    assert lint_text(case["text"], RULES) == [], case["text"]  # a warning is a false alarm too
