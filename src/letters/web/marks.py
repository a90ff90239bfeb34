"""A letter as the page shows it: lines of pieces, each marked with the finding it is about."""

from __future__ import annotations

import re
from typing import Any

Piece = dict[str, Any]  # {"text": str, "mark": int | None}: mark is the finding's index


def pieces(text: str, findings: list[dict[str, Any]]) -> list[list[Piece]]:
    """Split each line of `text` where the lint's findings start and end (1-based columns,
    end exclusive), so that a page can mark the words. Overlapping findings: the first wins.
    A finding about the whole text (no line) marks nothing; it is listed on its own."""
    lines = text.split("\n")
    out: list[list[Piece]] = []
    for number, line in enumerate(lines, start=1):
        owner: list[int | None] = [None] * len(line)
        for index, finding in enumerate(findings):
            if finding.get("line") != number or not finding.get("column"):
                continue
            start = max(finding["column"] - 1, 0)
            end = min((finding.get("end_column") or finding["column"] + 1) - 1, len(line))
            for i in range(start, end):
                if owner[i] is None:
                    owner[i] = index
        row: list[Piece] = []
        for char, mark in zip(line, owner, strict=True):
            if row and row[-1]["mark"] == mark:
                row[-1]["text"] += char
            else:
                row.append({"text": char, "mark": mark})
        out.append(row)
    return out


def explained(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings with `why`: the message without the rule's name and the quoted words in
    front ('politics: "свабода": political words...' -> 'political words...'), which the page
    shows apart."""
    out = []
    for finding in findings:
        why = finding["message"]
        for prefix in (f'{finding.get("code")}: ', f'"{finding.get("text")}": '):
            if why.startswith(prefix):
                why = why[len(prefix):]
        why = re.sub(r"\s*\((?:[^()]*\b)?domain\.md[^()]*\)", "", why)  # the project's own notes mean nothing here
        out.append({**finding, "why": why[:1].upper() + why[1:]})
    return out
