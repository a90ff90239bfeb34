"""How well the lint does on letters it was not tuned on (issue 14, item 9).

tests/lint/heldout.yaml is a blind held-out set: written apart from the rules, by
a writer who never saw them nor the tuning corpora, and measured once after the
rules were tuned on corpus.yaml, tuning-2025.yaml, tuning-2026.yaml,
tuning-2026-12.yaml and tuning-2026-12b.yaml (the four earlier held-out sets,
retired to tuning once measured). Do not tune the rules on its misses; add similar
texts to corpus.yaml, and write a new blind set to measure again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from letters.pipeline.lint import lint_text, rules_for

HELDOUT_FILE = Path(__file__).parent / "lint" / "heldout.yaml"
RULES = rules_for(None)

GOAL_RECALL = 0.95  # the goals
GOAL_FALSE_ALARMS = 0.01
# Measured once on 2026-12-02: 141 of 199 risky letters caught (70.9%); 5 of 206
# clean letters flagged (2.4%: a cousin who is a lawyer, in be and ru; a cake's and
# a cookery jury's "verdict"; pansies planted on a grave, «пасадзілі браткі»).
# Neither goal is met on unseen text; these keep the measured figures from falling.
FLOOR_RECALL = 0.70
CEILING_FALSE_ALARMS = 0.025


@pytest.fixture(scope="module")
def heldout() -> dict:
    if not HELDOUT_FILE.is_file():
        pytest.skip("no blind held-out set yet (tests/lint/heldout.yaml)")
    return yaml.safe_load(HELDOUT_FILE.read_text(encoding="utf-8"))


def caught(text: str) -> bool:
    return any(f.severity == "error" for f in lint_text(text, RULES))


def test_the_heldout_corpus_is_big_enough_and_in_both_languages(heldout):
    for kind in ("risky", "clean"):
        assert len(heldout[kind]) >= 100
        assert {c["lang"] for c in heldout[kind]} == {"be", "ru"}


def test_recall_and_false_alarms_on_heldout_letters(heldout):
    risky, clean = heldout["risky"], heldout["clean"]
    recall = sum(caught(c["text"]) for c in risky) / len(risky)
    false_alarms = sum(bool(lint_text(c["text"], RULES)) for c in clean) / len(clean)  # a warning counts too
    report = f"recall {recall:.1%} (goal {GOAL_RECALL:.0%}), false alarms {false_alarms:.1%} (goal {GOAL_FALSE_ALARMS:.0%})"
    assert false_alarms <= CEILING_FALSE_ALARMS, report
    assert recall >= FLOOR_RECALL, report
