"""How well the lint does on letters it was not tuned on (issue 14, item 9).

tests/lint/heldout.yaml was written apart from the rules, by a writer who never saw
them, and measured once after the rules were tuned on corpus.yaml and
tuning-2025.yaml. Do not tune the rules on its misses.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from letters.pipeline.lint import lint_text, rules_for

HELDOUT = yaml.safe_load((Path(__file__).parent / "lint" / "heldout.yaml").read_text(encoding="utf-8"))
RULES = rules_for(None)

GOAL_RECALL = 0.95  # the goals
GOAL_FALSE_ALARMS = 0.01
# Measured on 2026-12-02: 140 of 158 risky letters caught (88.6%); 3 of 154 clean
# letters flagged (1.9%: «выношу на ваш суд» twice, «торт мы приговорили»). Neither
# goal is met on unseen text; these floors keep the measured figures from falling.
FLOOR_RECALL = 0.88
CEILING_FALSE_ALARMS = 0.02


def caught(text: str) -> bool:
    return any(f.severity == "error" for f in lint_text(text, RULES))


def test_the_heldout_corpus_is_big_enough_and_in_both_languages():
    for kind in ("risky", "clean"):
        assert len(HELDOUT[kind]) >= 100
        assert {c["lang"] for c in HELDOUT[kind]} == {"be", "ru"}


def test_recall_and_false_alarms_on_heldout_letters():
    risky, clean = HELDOUT["risky"], HELDOUT["clean"]
    recall = sum(caught(c["text"]) for c in risky) / len(risky)
    false_alarms = sum(bool(lint_text(c["text"], RULES)) for c in clean) / len(clean)  # a warning counts too
    report = f"recall {recall:.1%} (goal {GOAL_RECALL:.0%}), false alarms {false_alarms:.1%} (goal {GOAL_FALSE_ALARMS:.0%})"
    assert false_alarms <= CEILING_FALSE_ALARMS, report
    assert recall >= FLOOR_RECALL, report
