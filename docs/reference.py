"""The README's reference sections, generated from the code with cog.

README.md calls these functions from `<!-- [[[cog ... ]]] -->` blocks, so the
command help and the product tables it shows are the ones the code has.
Regenerate from the repository root with `.venv/bin/cog -r -I . README.md`;
tests/test_docs.py runs `cog --check` and fails when the README is out of date.

Everything here must be deterministic: fixed terminal width, registry order,
fixed number formatting, nothing from the machine or the environment.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from letters.cli import main
from letters.products.registry import builtin_registry

WIDTH = 100  # the help's terminal width: fixed, so that the README does not depend on who ran cog

# The order of a campaign's work (as in the README's "Next steps"), not click's alphabetical
# one. A command missing here still appears, after these, alphabetically.
ORDER = ("check", "lint", "products", "render", "build", "preview", "birthdays", "import", "export",
         "pack", "log", "stats", "archive", "merge", "doctor")

PAPER_NAMES = {"a4": "A4", "letter": "Letter"}

# What the registry's rule names mean (the rules are in src/letters/pipeline/plan.py). A new value
# without an entry here stops the generator rather than printing an unexplained word.
ELIGIBLE = {
    "mail": "people a letter can reach (imprisoned, correspondence open, a facility with a published "
            "address, data verified within `stale_after_days` or `--include-stale`, and in Russia the "
            "patronymic and year of birth known)",
    "appeal": "everyone imprisoned, correspondence bans included",
}
LANGUAGES = {
    "campaign": "each of the campaign's `languages`",
    "first": "the first of the campaign's `languages` only",
    "appeal": "each of the campaign's `appeal_languages`",
}


def command_names() -> list[str]:
    """Every command of `letters`, in ORDER first, then any other alphabetically."""
    names = main.list_commands(click.Context(main))
    return [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)


def help_text(*args: str) -> str:
    """What `letters ARGS --help` prints, at WIDTH columns, without trailing spaces."""
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="letters", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"letters {' '.join(args)} --help failed: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())


def commands() -> str:
    """`letters --help` and every command's `--help`, each under a heading in a text block."""
    parts = []
    for args in [(), *((name,) for name in command_names())]:
        title = " ".join(("letters", *args))
        parts.append(f"#### `{title}`\n\n```text\n{help_text(*args)}\n```\n")
    return "\n".join(parts)


def _cell(text: object) -> str:
    """A Markdown table cell: a `|` would end the cell, a newline the row."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "".join("| " + " | ".join(_cell(c) for c in line) + " |\n" for line in lines)


def _mm(value: float) -> str:
    """A length in mm, to 0.01 mm, without trailing zeros: 104.775 -> 104.78, 220.0 -> 220."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _explain(meanings: dict[str, str], used: list[str], what: str) -> str:
    missing = sorted(set(used) - set(meanings))
    if missing:
        raise KeyError(f"docs/reference.py: explain {what} {', '.join(missing)} in {what.upper()}")
    return "; ".join(f"`{value}`, {meanings[value]}" for value in meanings if value in used)


def products() -> str:
    """Every built-in product in registry order (that of `letters products` and of bundles), with a legend."""
    items = builtin_registry().products.values()
    rows = [[f"`{p.name}`", p.audience, p.eligible, p.languages,
             ", ".join(PAPER_NAMES.get(paper, paper) for paper in p.papers)
             + (f" (at most {p.max_pages} page{'s' if p.max_pages != 1 else ''})" if p.max_pages else ""),
             p.description] for p in items]
    table = _table(["product", "audience", "who may get it", "languages", "paper", "description"], rows)
    eligible = _explain(ELIGIBLE, [p.eligible for p in items], "eligible")
    languages = _explain(LANGUAGES, [p.languages for p in items], "languages")
    return f"{table}\n- *who may get it*: {eligible};\n- *languages*: {languages}.\n"


def envelopes() -> str:
    """The envelope sizes, the products printed on them and their postal address zones."""
    registry = builtin_registry()
    rows = []
    for e in registry.envelopes.values():
        used = [f"`{n}`" for n, p in registry.products.items() if p.layout == "envelope" and p.variant == e.name]
        z = e.zone
        rows.append([f"`{e.name}`", ", ".join(used) or "-", e.title, f"{_mm(e.w)} x {_mm(e.h)}",
                     f"{_mm(z.x)}, {_mm(z.y)}", f"{_mm(z.w)} x {_mm(z.h)}"])
    return _table(["size", "product", "envelope", "width x height (mm)", "address zone: left, top (mm)",
                   "address zone: width x height (mm)"], rows)


def label_sheets() -> str:
    """The label sheets: the published geometry the labels are placed by, and the products using them."""
    registry = builtin_registry()
    rows = []
    for s in registry.label_sheets.values():
        used = [f"`{n}`" for n, p in registry.products.items() if (s.paper, s.name) in p.label_sheets]
        rows.append([f"`{s.name}`", ", ".join(used) or "-", PAPER_NAMES.get(s.paper, s.paper),
                     f"{s.cols} x {s.rows} = {s.per_sheet}", f"{_mm(s.w)} x {_mm(s.h)}",
                     f"{_mm(s.x0)}, {_mm(s.y0)}", f"{_mm(s.dx)}, {_mm(s.dy)}"])
    return _table(["sheet", "product", "paper", "labels (across x down)", "label width x height (mm)",
                   "first label: left, top (mm)", "pitch: across, down (mm)"], rows)
