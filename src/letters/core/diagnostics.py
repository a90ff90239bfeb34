"""One kind of diagnostic for everything the tool reports about its input.

Loading, the lint, spreadsheet import, skipped documents and failed documents
all produce `Diagnostic`s: where (file, line, column, field), how bad
(severity), what kind (code) and what (message, and a hint of what to do).
`str()` is the one text form; `as_json()` the one machine form, which the
web page and `--format json` use. Diagnostics go to a `Reporter` passed in
by the caller, never into lists that a module keeps.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Reporter = Callable[["Diagnostic"], None]
Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where it is, how bad, what kind, what is wrong and what to do."""

    message: str
    severity: Severity = "error"
    code: str = ""  # what kind: a lint rule's name, "yaml", "schema", "skipped", "failed", ...
    file: Path | str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    end_column: int | None = dataclasses.field(default=None, compare=False)  # the lint marks text from column to end_column
    text: str | None = dataclasses.field(default=None, compare=False)  # the words it is about, as written
    hint: str | None = None  # what to write or do instead
    subject: str | None = None  # the person or document it is about
    product: str | None = None  # the product it is about (skips)

    def __str__(self) -> str:
        where = [str(self.file)] if self.file is not None else []
        where += [str(n) for n in (self.line, self.column) if n is not None]
        head = ":".join(where)
        field_part = f" {self.field}:" if self.field else ""
        hint = f" Suggestion: {self.hint}." if self.hint else ""
        return f"{head + ': ' if head else ''}{self.severity}:{field_part} {self.message}{hint}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file) if self.file is not None else None,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            "field": self.field,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "text": self.text,
            "subject": self.subject,
            "product": self.product,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def collect() -> tuple[list[Diagnostic], Reporter]:
    """A list and the reporter that appends to it: for callers that want them all at the end."""
    found: list[Diagnostic] = []
    return found, found.append


def ignore(diagnostic: Diagnostic) -> None:
    """A reporter that drops everything (a caller that has no use for warnings)."""


# ------------------------------------------------------------------ from pydantic


def describe(error: dict[str, Any]) -> str:
    """A pydantic error in the words a person editing YAML or a spreadsheet understands."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return "is required but missing"
    if error["type"] == "extra_forbidden":
        return "is not a known field (a typo?)"
    if error["type"] == "literal_error":
        return message.replace("Input should be", "expected")
    return message


def data_path(data: Any, loc: Loc) -> Loc:
    """Keep the parts of a pydantic error location that are keys in the data.

    pydantic adds the name of each union member tried ("date", "int") to the
    location; those are not fields the user can find in their file.
    """
    path: list[Any] = []
    current = data
    for i, part in enumerate(loc):
        if (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            current = current[part]
        elif isinstance(current, dict) and i == len(loc) - 1:
            pass  # a missing field: name it
        else:
            continue  # a union member's tag
        path.append(part)
    return tuple(path)


def from_validation(
    exc: Any, data: Any, file: Path | str | None, line_of: Callable[[Loc], int | None] = lambda loc: None, prefix: Loc = ()
) -> list[Diagnostic]:
    """Every error of a pydantic ValidationError as diagnostics, one per field.

    `line_of` maps a key path to its line in the file (YAML gives them);
    a union's several complaints about one field are joined with "or".
    """
    merged: dict[tuple[Any, ...], Diagnostic] = {}
    for error in exc.errors():
        loc = (*prefix, *data_path(data, error["loc"]))
        name = ".".join(str(part) for part in loc) or None
        found = Diagnostic(describe(error), code="schema", file=file, field=name, line=line_of(loc))
        key = (found.field, found.line)
        if key in merged:
            first = merged[key]
            found = Diagnostic(f"{first.message}, or {found.message}", code="schema", file=file, field=name, line=found.line)
        merged[key] = found
    return list(merged.values())
