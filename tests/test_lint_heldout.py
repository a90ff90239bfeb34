"""How well the lint does on letters its rules were not tuned on (issue 14, item 9).

tests/lint/heldout.yaml was written before the lexicon was extended and kept
apart while the rules were tuned (on tests/lint/corpus.yaml). Do not tune the
rules on its misses: that would make these figures meaningless. Add a similar
text to corpus.yaml instead, and measure here again.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from letters.pipeline.lint import lint_text, rules_for

HELDOUT = yaml.safe_load((Path(__file__).parent / "lint" / "heldout.yaml").read_text(encoding="utf-8"))
RULES = rules_for(None)

GOAL_RECALL = 0.95  # the goals
GOAL_FALSE_ALARMS = 0.01
# Measured when the lexicon was extended: 116 of 128 risky letters caught (90.6%),
# 1 of 116 clean letters flagged (0.9%: «Войну и мир» read as the war). The recall
# goal is not met on held-out text, so this asserts the measured floor; the goal
# stays above it as the target.
FLOOR_RECALL = 0.90


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
    assert false_alarms <= GOAL_FALSE_ALARMS, report
    assert recall >= FLOOR_RECALL, report
