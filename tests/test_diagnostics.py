"""One diagnostic type with one text form and one JSON form; `check` and `lint` give the same in both."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from letters.cli import main
from letters.core.diagnostics import Diagnostic

from .conftest import CAMPAIGNS


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def text_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error:" in line or ": warning:" in line]


def from_json(output: str) -> list[Diagnostic]:
    """Diagnostics read back from `--format json`: every line that is a JSON object."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            fields = json.loads(line)
            fields["file"] = Path(fields["file"]) if fields["file"] else None
            found.append(Diagnostic(**fields))
    return found


def test_the_text_form_names_file_line_column_field_and_says_what_to_do():
    d = Diagnostic('politics: "свабода": a political word (source).', code="politics", file="a.txt", line=3, column=7,
                   end_column=14, hint="write about everyday things", text="свабода")
    assert str(d) == 'a.txt:3:7: error: politics: "свабода": a political word (source). Suggestion: write about everyday things.'
    assert str(Diagnostic("is required but missing", file=Path("p.yaml"), line=2, field="gender")) == "p.yaml:2: error: gender: is required but missing"
    assert str(Diagnostic("no file", severity="warning")) == "warning: no file"
    assert json.loads(d.as_json())["end_column"] == 14 and json.loads(d.as_json())["text"] == "свабода"


def test_check_in_json_gives_the_same_diagnostics_as_in_text(campaign):
    root = campaign("invalid-fields", base="minimal")
    as_text, as_json = run("check", root), run("check", root, "--format", "json")
    assert as_text.exit_code == as_json.exit_code == 1
    found = from_json(as_json.output)
    assert len(found) == 5 and {d.severity for d in found} == {"error"}
    assert [str(d) for d in found] == text_lines(as_text.output)
    assert {(d.file.name, d.field, d.line) for d in found} >= {("campaign.yaml", "paper", 3), ("alena-testava.yaml", "gender", 1)}


def test_check_of_a_clean_campaign_in_json_lists_its_warnings():
    as_text, as_json = run("check", CAMPAIGNS / "minimal"), run("check", CAMPAIGNS / "minimal", "--format", "json")
    assert as_text.exit_code == as_json.exit_code == 0
    found = from_json(as_json.output)
    assert [str(d) for d in found] == text_lines(as_text.output) and [d.severity for d in found] == ["warning"]


def test_lint_in_json_gives_the_same_findings_as_in_text_with_columns_to_mark(tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text("Дарагая Марфа!\nТрымайцеся, хутка свабода! Пішу з Warszawa 🙂\n", encoding="utf-8")
    as_text, as_json = run("lint", letter), run("lint", letter, "--format", "json")
    assert as_text.exit_code == as_json.exit_code == 1
    found = from_json(as_json.output)
    assert [str(d) for d in found] == text_lines(as_text.output)
    assert {d.code for d in found} >= {"politics", "latin", "emoji"}
    line = letter.read_text(encoding="utf-8").splitlines()[1]
    for d in found:  # a page can mark exactly the words: columns are 1-based, end exclusive
        assert line[d.column - 1 : d.end_column - 1] == d.text and d.hint
