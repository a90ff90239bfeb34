"""Errors that reach the user as one clear line, never as a traceback.

`LettersError` is a `click.ClickException`, so the CLI prints its message and
exits 1 without any special handling (the MkDocs pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class Problem:
    """One finding about a campaign file: where it is, what is wrong, how bad."""

    file: Path
    message: str
    field: str | None = None
    line: int | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}: {self.severity}:{field} {self.message}"


class LettersError(click.ClickException):
    """Base of every error the tool reports to the user."""


class CampaignError(LettersError):
    """The campaign's data is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} error(s) in the campaign:\n{lines}")


class TemplateError(LettersError):
    """A template failed: syntax, undefined variable, or refused by the sandbox."""


class LintError(LettersError):
    """A text for a prisoner breaks a rule that gets letters withheld or endangers someone."""


class RenderError(LettersError):
    """WeasyPrint could not produce a PDF (for example a resource outside the jail)."""


class SystemLibraryError(LettersError):
    """A system library that WeasyPrint needs (Pango) is missing."""
