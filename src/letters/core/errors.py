"""Errors that reach the user as one clear line, never as a traceback.

`LettersError` is a `click.ClickException`, so the CLI prints its message and
exits 1 without any special handling (the MkDocs pattern). An error that is
about a file carries its diagnostics, so a face can show them as it likes.
"""

from __future__ import annotations

import click

from .diagnostics import Diagnostic


class LettersError(click.ClickException):
    """Base of every error the tool reports to the user."""


class CampaignError(LettersError):
    """The campaign's data is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Diagnostic]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} error(s) in the campaign:\n{lines}")


class SettingsError(LettersError):
    """A setting given for one run (the print settings) is out of range; `field` names it
    as the campaign file does, so each face can name it as its user typed it."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class TemplateError(LettersError):
    """A template failed: syntax, undefined variable, or refused by the sandbox."""


class LintError(LettersError):
    """A text for a prisoner breaks a rule that gets letters withheld or endangers someone."""


class RenderError(LettersError):
    """WeasyPrint could not produce a PDF (for example a resource outside the jail)."""


class FitError(LettersError):
    """An address that cannot be set legibly inside its zone, or a label beyond its sheet."""


class SystemLibraryError(LettersError):
    """A system library that WeasyPrint needs (Pango) is missing."""
