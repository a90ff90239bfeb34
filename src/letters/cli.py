"""The `letters` command: a thin Click layer over the Python API (`api.py`).

Each command parses its options, calls one API function and prints what it
returns. Flag names (--start, --offset-x) live only here. WeasyPrint is
imported only when something is rendered, so `letters --help` and
`letters check` start fast.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__


class _API:
    """The Python API (`api.py`), imported when a command first uses it: it loads pydantic,
    Jinja2 and Babel, which `letters --help` does not need."""

    def __getattr__(self, name: str) -> object:
        from . import api as module

        return getattr(module, name)


api = _API()


class _LazyChoice(click.Choice):
    """A choice whose values are read from the API when the command runs, not at start-up."""

    def __init__(self, values: Callable[[], list[str]]):
        self._values = values
        super().__init__([])

    @property
    def choices(self) -> list[str]:  # type: ignore[override]
        return self._values()

    @choices.setter
    def choices(self, value: object) -> None:
        pass

CAMPAIGN = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="letters")
def main() -> None:
    """Letters to political prisoners, and appeals for their release, as printable PDFs.

    A campaign is a folder: campaign.yaml, prisoners/<id>.yaml, facilities.yaml,
    addressees.yaml and optional templates/. Start with `letters check CAMPAIGN`,
    then `letters build CAMPAIGN -o output/` (`letters products` lists what it
    can make). For an evening: `letters import` a spreadsheet, `letters pack`
    for the volunteers, `letters log sent` afterwards, `letters stats`.
    Everything sent to a prisoner passes `letters lint` first.
    """


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text: one line per finding; json: one JSON object per line (file, line, column, field, severity, code, message, hint).")


def _show(diagnostics: list, fmt: str, err: bool = True) -> None:
    """Diagnostics in the one text form, or one JSON object per line on standard output."""
    for diagnostic in diagnostics:
        if fmt == "json":
            click.echo(diagnostic.as_json())
        else:
            click.echo(str(diagnostic), err=err)


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@FORMAT
def check(campaign: Path, fmt: str) -> None:
    """Validate a campaign folder: every error with its file, line and field.

    Also checks the writers' messages (messages/<id>/*.txt) with the lint and the
    campaign's lint.yaml. Exits 1 when there are errors; warnings (stale
    profiles, facilities without an address, lint warnings) are shown but do
    not fail.
    """
    try:
        data, found = api.check_campaign(campaign)
    except api.CampaignError as exc:
        _show(exc.problems, fmt)
        raise click.ClickException(f"{len(exc.problems)} error(s); nothing was built") from None
    _show(found, fmt)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise click.ClickException(f"{len(errors)} error(s) in the writers' messages")
    click.echo(
        f"{campaign}: {len(data.prisoners)} people, {len(data.facilities)} facilities, "
        f"{len(data.addressees)} addressees; no errors, {len(found)} warning(s)", err=fmt == "json"
    )


def print_settings(command: Callable) -> Callable:
    """Options that override the campaign's `print:` settings for one run."""
    options = [
        click.option("--duplex", type=click.Choice(["long", "short", "off"]), help="Postcard backs for long- or short-edge duplex, or single-sided (off); a build pads its bundles to even pages unless off. Default: the campaign's (long)."),
        click.option("--start", "label_start", type=click.IntRange(min=1), help="First free label on a partly used sheet (1 = top left)."),
        click.option("--offset-x", "offset_x_mm", type=float, metavar="MM", help="Printer calibration: move labels and envelope text right by MM (negative: left)."),
        click.option("--offset-y", "offset_y_mm", type=float, metavar="MM", help="Printer calibration: move labels and envelope text down by MM (negative: up)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _given(**options: object) -> dict[str, object]:
    return {k: v for k, v in options.items() if v is not None}


FLAGS = {"label_start": "--start", "offset_x_mm": "--offset-x", "offset_y_mm": "--offset-y", "duplex": "--duplex", "date": "--date"}


@contextmanager
def _flags() -> Iterator[None]:
    """An API setting out of range, named by the flag the user typed."""
    try:
        yield
    except api.SettingsError as exc:
        raise click.BadParameter(exc.reason, param_hint=FLAGS.get(exc.field, f"--{exc.field}")) from None


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--campaign", type=CAMPAIGN, help="Use this campaign's word lists and length limit (its lint.yaml).")
@FORMAT
def lint(file, campaign: Path | None, fmt: str) -> None:
    """Check a text to a prisoner for what gets letters withheld.

    FILE is a UTF-8 text file, or - for standard input.

    Rules: Latin script, political, war and criminal-case words in any word form,
    organisation names, links, e-mail addresses and handles, emoji,
    abbreviations, length. Each finding gives line:column, the words, the rule,
    why (with its source) and what to do instead. Exit 0 when clean (warnings
    allowed), 1 with errors. The same check runs on every document a build
    makes for a prisoner.
    """
    name = "-" if file.name == "<stdin>" else file.name
    try:
        text = file.read()
    except UnicodeDecodeError:
        raise click.ClickException(f"{name}: not UTF-8 text; save it as UTF-8 and try again") from None
    findings = api.lint_text(text, campaign, file=name)
    _show(findings, fmt, err=False)
    bad = [f for f in findings if f.severity == "error"]
    click.echo(f"{name}: {len(bad)} error(s), {len(findings) - len(bad)} warning(s)", err=True)
    if bad:
        sys.exit(1)


@main.command()
@click.option("--campaign", type=CAMPAIGN, help="Include the campaign's own products (its templates/products/).")
def products(campaign: Path | None) -> None:
    """List the products a campaign can make (names for campaign.yaml and --product)."""
    for spec in api.products(campaign):
        papers = "" if len(spec.papers) > 1 else f" [{', '.join(spec.papers)} only]"
        click.echo(f"{spec.name:<18} {spec.audience:<10} {spec.description}{papers}")


@main.command()
@click.argument("template")
@click.argument("prisoner_id")
@click.option("--campaign", "campaign", type=CAMPAIGN, required=True, help="The campaign folder.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write: a PDF, or a .png picture of its pages to look at.")
@click.option("--lang", help="Language: be or ru for letters and sheets, en or ru for appeals.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size (default: the campaign's).")
@click.option("--message", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A letter with your own words from this UTF-8 text file (linted first; its language decides the letter's).")
@click.option("--phrases", help="A letter with phrasebook sentences, by id: greet.3,weather.1,wishes.2 (ids are on the writer's sheet).")
@click.option("--writer", type=click.IntRange(min=1), default=1, show_default=True, help="Which writer the letter and the writer's sheet are for: each writer's letter has its own sentences and question, and its sheet its own suggestions.")
@click.option("--include-stale", is_flag=True, help="Make prisoner mail even where the data is past the campaign's stale_after_days.")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if it is not a PDF (or PNG) file. Never the campaign's own files.")
@print_settings
def render(template: str, prisoner_id: str, campaign: Path, output: Path, lang: str | None, paper: str | None,
           message: Path | None, phrases: str | None, writer: int, include_stale: bool, force: bool,
           **print_options: object) -> None:
    """Render one document: TEMPLATE (a product, see `letters products`) for PRISONER_ID.

    PRISONER_ID `campaign` makes the document about everyone who can receive
    mail, for products that have one (card sheets, labels).

    \b
    Example:
      letters render letter marfa-rabkova --campaign campaigns/belarus-2025 --lang be -o rabkova.pdf
    """
    if message and phrases is not None:
        raise click.UsageError("give either --message or --phrases, not both")
    with _flags():
        entry = api.render_document(
            campaign, template, prisoner_id, output, lang=lang, paper=paper, print_options=_given(**print_options),
            on_warning=lambda w: click.echo(str(w), err=True), message=message,
            phrases=phrases.split(",") if phrases is not None else None, writer=writer,
            include_stale=include_stale, force=force,
        )
    click.echo(f"wrote {output} ({entry.pages} page{'s' if entry.pages != 1 else ''}, {entry.audience} audience)")


def parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter("expected K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise click.BadParameter("K must be between 1 and N")
    return k, n


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the PDFs and manifest.json (default: output/, or output/birthdays-YYYY-MM with --birthdays). A build folder mirrors its build: give a subset (--product, --birthdays) its own folder.")
@click.option("--product", "products", multiple=True, help="Only these products (repeatable); default: the campaign's list.")
@click.option("--birthdays", metavar="YYYY-MM", help="Only people with a birthday that month: birthday letters and cards (unless --product says otherwise).")
@click.option("--include-stale", is_flag=True, help="Send prisoner mail even where a profile or facility is past the campaign's stale_after_days.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size (default: the campaign's).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("--force", is_flag=True, help="Re-render every document, even unchanged ones; and replace a manifest.json that letters did not write.")
@click.option("--shard", callback=parse_shard, metavar="K/N", help="Build only the K-th of N deterministic slices; merge with `letters merge`.")
@click.option("--format", "fmt", type=_LazyChoice(lambda: list(api.OUTPUTS)), default="pdf", show_default=True, help="Write each document as a PDF, or as a PNG picture of its pages.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@print_settings
def build(campaign: Path, out_dir: Path | None, products: tuple[str, ...], birthdays: str | None, include_stale: bool, paper: str | None,
          jobs: int | None, force: bool, shard: tuple[int, int] | None, fmt: str, quiet: bool, **print_options: object) -> None:
    """Build every document of a campaign into OUTPUT, with OUTPUT/manifest.json.

    Letters and writer's sheets go to people who are imprisoned, whose
    correspondence is open and whose facility address is known; appeals to
    everyone imprisoned; released people get nothing. The summary says who was
    skipped and why. Prisoner mail is also held back where the profile or the
    facility was last verified more than `stale_after_days` ago
    (--include-stale sends it anyway), and every text for a prisoner passes
    the lint first.

    Only what changed since the last build is rendered: documents sharing a
    template are laid out in chunks on all CPUs. Outputs of people who left
    the campaign are removed. OUTPUT/bundles/ holds each product for everyone
    in one PDF and everything for one person in one PDF, ready to print.
    """
    started = time.monotonic()
    people = None
    if birthdays:
        people, products = _birthday_people(campaign, birthdays, include_stale, quiet), products or tuple(api.BIRTHDAY_PRODUCTS)
        out_dir = out_dir or Path("output") / f"birthdays-{birthdays}"
    out_dir = out_dir or Path("output")
    reporter = _Progress(quiet)
    # the renderer's line comes when the first document renders: a rebuild that renders nothing does not import it
    announce = None if quiet else lambda: click.echo(api.renderer_notice())
    try:
        with _flags():
            result = api.build_campaign(
                campaign, out_dir, list(products) or None, paper, jobs=jobs, force=force, shard=shard,
                progress=reporter, print_options=_given(**print_options), people=people, include_stale=include_stale,
                format=fmt, announce=announce,
            )
    finally:
        reporter.close()
    _summary(result, quiet, started)


def _summary(result: api.BuildResult, quiet: bool, started: float, what: str = "") -> None:
    """The build's warnings, who was skipped and why, the counts, and every failure (exit 1 if any)."""
    if not quiet:
        for warning in result.warnings:
            click.echo(str(warning), err=True)
        for pid, reason in api.skip_summary(result.skipped).items():
            click.echo(f"skipped {pid}: {reason}")
        click.echo(
            f"{result.rendered} rendered, {result.reused} reused from cache, {len(result.skipped)} not made (see 'skipped'), "
            f"{len(result.failures)} failed, {result.removed} removed, {result.bundles} bundles in {time.monotonic() - started:.1f} s; "
            f"{what or 'manifest: ' + str(result.out_dir / 'manifest.json')}"
        )
    for failure in result.failures:
        click.echo(f"FAILED {failure}", err=True)
    if result.failures:
        raise click.ClickException(f"{len(result.failures)} document(s) failed")


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the pictures (the PDFs are built into OUTPUT/pdf).")
@click.option("--product", "products", multiple=True, help="Only these products (repeatable); default: the campaign's list.")
@click.option("--include-stale", is_flag=True, help="Include prisoner mail where the data is past the campaign's stale_after_days.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size (default: the campaign's).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@print_settings
def preview(campaign: Path, out_dir: Path, products: tuple[str, ...], include_stale: bool, paper: str | None,
            jobs: int | None, quiet: bool, **print_options: object) -> None:
    """Pictures of a whole build, to look at before printing.

    For every product, OUTPUT/<product>.png is a contact sheet: a named
    thumbnail of every page of every document, so a whole pack is seen at one
    glance. OUTPUT/pages/<product>/ holds a full-page picture of each page.
    The PDFs are built (only what changed) into OUTPUT/pdf.
    """
    started = time.monotonic()
    reporter = _Progress(quiet)
    try:
        with _flags():
            result = api.preview(campaign, out_dir, list(products) or None, paper, jobs=jobs, include_stale=include_stale,
                                 progress=reporter, print_options=_given(**print_options))
    finally:
        reporter.close()
    _summary(result.build, quiet, started, f"{len(result.sheets)} contact sheet(s) and {result.pages} page picture(s) in {out_dir}")
    if not quiet:
        for product, sheet in result.sheets.items():
            click.echo(f"  {product}: {sheet}")


def _birthday_people(campaign: Path, month: str, include_stale: bool, quiet: bool) -> set[str]:
    _, found, _ = api.month_birthdays(campaign, month, include_stale=include_stale)
    if not quiet:
        click.echo(f"birthdays in {month}: {', '.join(b.person for b in found) or 'nobody'}")
    return {b.person for b in found}


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--month", required=True, metavar="YYYY-MM", help="The month, e.g. 2026-12.")
@click.option("--post-days", type=click.IntRange(min=0, max=366), default=21, show_default=True, help="How many days before the birthday to post (post and censorship take weeks).")
@click.option("--include-stale", is_flag=True, help="Count addresses past the campaign's stale_after_days as usable.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
def birthdays(campaign: Path, month: str, post_days: int, include_stale: bool, as_csv: bool) -> None:
    """Who in CAMPAIGN has a birthday in --month: the day, the address, and when to post.

    People known only by their year of birth are listed at the end, never given
    a guessed day. Build their cards and letters with
    `letters build CAMPAIGN --birthdays YYYY-MM`.
    """
    data, found, year_only = api.month_birthdays(campaign, month, post_days, include_stale)
    header = ["birthday", "id", "name", "turns", "post by", "address"]
    table = api.birthday_rows(data, found)
    if as_csv:
        _print_table(header, table + [["", pid, f"born {year}, day not known", "", "", ""] for pid, year in year_only], as_csv)
        return
    _print_table(header, table, as_csv)
    if not table:
        click.echo(f"nobody in {campaign} has a known birthday in {month}")
    if year_only:
        click.echo("\nKnown only by year of birth (no day is guessed): "
                   + ", ".join(f"{pid} ({year})" for pid, year in year_only))


def _print_table(header: list[str], rows: list[list[str]], as_csv: bool) -> None:
    """Rows as CSV on standard output, or as a table whose columns line up (the last runs free)."""
    if as_csv:  # the one CSV writer: a cell that starts like a formula (=HYPERLINK...) is guarded
        sys.stdout.write(api.csv_text([header, *rows], lineterminator="\n"))
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        click.echo(("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1]).rstrip())


@main.command("import")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", type=CAMPAIGN, required=True, help="The campaign folder to import into.")
@click.option("--dry-run", is_flag=True, help="Only show what would change; write nothing.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="More header names for the fields (YAML, like templates/import/columns.yaml).")
def import_(sheet: Path, campaign: Path, dry_run: bool, mapping: Path | None) -> None:
    """Import prisoner profiles and facilities from SHEET (.csv or .xlsx).

    CSV in UTF-8 (with or without BOM), comma, semicolon or tab; headers in
    English, Belarusian or Russian (see templates/import/columns.yaml). Rows
    with problems are reported by row, column and reason (exit 1) and the good
    rows are written. Re-importing updates existing profiles field by field and
    keeps what the sheet does not have.
    """
    result = api.import_sheet(campaign, sheet, dry_run=dry_run, mapping=mapping)
    for header in result.unused:
        click.echo(f"{sheet}: column {header!r} is not used (no field is known by that name; see --mapping)", err=True)
    for change in result.changes:
        click.echo(f"{'would add' if dry_run and change.kind == 'new' else 'would update' if dry_run else 'added' if change.kind == 'new' else 'updated'} "
                   f"{change.what} {change.id}" + "".join(f"\n    {line}" for line in change.fields))
    for problem in result.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{result.rows} row(s): {len(result.changes)} change(s), {len(result.problems)} with problems"
               + ("; dry run, nothing written" if dry_run else ""), err=True)
    if result.problems:
        sys.exit(1)


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The CSV file to write.")
@click.option("--force", is_flag=True, help="Replace OUTPUT even if it is not an earlier export. Never the campaign's own files.")
def export(campaign: Path, output: Path, force: bool) -> None:
    """Export the campaign's profiles as CSV.

    Each row is one person with their facility, to share or edit and import again.
    """
    click.echo(f"wrote {api.export_csv(campaign, output, force=force)} profile(s) to {output}")


DB = click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help="The ledger (SQLite) to use; default: $LETTERS_DB, or letters.sqlite in the campaign folder.")


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--volunteers", "count", type=click.IntRange(min=1, max=1000), help="How many volunteers (numbered 1..N).")
@click.option("--names", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A file with one volunteer's name per line (instead of numbers).")
@click.option("--per-volunteer", type=click.IntRange(min=1), help="People per volunteer (default: enough to cover everyone once).")
@click.option("--lang", type=click.Choice(["be", "ru"]), help="Language of the letters (default: the campaign's first).")
@click.option("--envelope", default="envelope-dl", show_default=True, metavar="PRODUCT",
              help="The envelope in each pack: an envelope product (envelope-dl, -c5, -c6, -us10 or one the campaign adds; see `letters products`), or none.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder (default: output/<campaign>-pack-K<n>).")
@click.option("--include-stale", is_flag=True, help="Include people whose data is past the campaign's stale_after_days.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@DB
def pack(campaign: Path, count: int | None, names: Path | None, per_volunteer: int | None, lang: str | None, envelope: str,
         out_dir: Path | None, include_stale: bool, jobs: int | None, db: Path | None) -> None:
    """Packs for a letter-writing evening: one PDF per volunteer, and an organizer's sheet.

    The people who can receive mail are shared out least-written-first (from
    the ledger), nobody twice in a pack, as evenly as the numbers allow. Each
    pack: a cover page (how to write, what never to write, how to post), then
    for each person the writer's sheet and the letter, padded for double-sided
    printing; the envelopes in a file of their own, to feed one at a time. Every letter goes into the ledger with its number,
    which is printed on the writer's sheet.
    """
    volunteers = api.volunteers_from(count, names)
    result = api.make_packs(campaign, volunteers, out_dir, per_volunteer, lang, None if envelope == "none" else envelope,
                            db, jobs, include_stale, progress=_Progress(quiet=True))
    people = len({s.person for s in result.seats})
    click.echo(f"pack {result.pack}: {len(result.seats)} letters to {people} people for {len(volunteers)} volunteers in {result.out_dir / 'packs'}")
    if len(result.seats) > people:
        click.echo("note: more seats than people, so some people are in more than one pack (never twice in one)", err=True)
    for label, path in result.files.items():
        click.echo(f"  {label}: {path}")


@main.command()
@click.argument("kind", type=click.Choice(["sent", "returned", "reply"]))
@click.argument("numbers", nargs=-1, required=True)
@click.option("--campaign", type=CAMPAIGN, required=True, help="The campaign the letters belong to.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="When it happened (default: today).")
@DB
def log(kind: str, numbers: tuple[str, ...], campaign: Path, on, db: Path | None) -> None:
    """Record what happened to letters: `letters log sent K3-2-1 K3-2-2 --campaign DIR`.

    NUMBERS are the letter numbers printed on the writer's sheets and the
    organizer's sheet. An unknown number records nothing at all (exit 1).
    """
    with _flags():
        count = api.log_letters(campaign, kind, list(numbers), on.date() if on else dt.date.today(), db)
    click.echo(f"recorded {count} letter(s) as {kind}")


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@DB
def stats(campaign: Path, as_csv: bool, db: Path | None) -> None:
    """Per person: letters generated, sent, returned, replies, and the last one sent."""
    _print_table(
        ["prisoner", "generated", "sent", "returned", "replies", "last sent"],
        [[c.prisoner, str(c.generated), str(c.sent), str(c.returned), str(c.replies), c.last_sent or ""]
         for c in api.letter_stats(campaign, db)],
        as_csv,
    )


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.argument("prisoner_id")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the archive into.")
@DB
def archive(campaign: Path, prisoner_id: str, out_dir: Path, db: Path | None) -> None:
    """The letter bank for one person.

    Copies of everything generated for them, with the ledger's record.

    To hand over after release. Volunteers appear by number, not by name.
    """
    result = api.make_archive(campaign, prisoner_id, out_dir, db)
    click.echo(f"archived {result.copied} document(s) for {prisoner_id} into {out_dir}"
               + (f"; {len(result.missing)} missing or changed on disk (see index.json)" if result.missing else ""))


class _Progress:
    """A bar on a terminal; one line per finished chunk otherwise; nothing with --quiet."""

    def __init__(self, quiet: bool):
        self.quiet, self.bar, self.done = quiet, None, 0
        self.tty = sys.stdout.isatty()
        self.started = time.monotonic()

    def __call__(self, step: int, total: int, failures: list) -> None:
        """`step` documents finished (those reused or failed before rendering come in steps of their own)."""
        if self.quiet:
            return
        self.done += step
        rate = f"{self.done / max(time.monotonic() - self.started, 1e-6):.1f} documents/s"
        if self.tty:
            if self.bar is None:
                self.bar = click.progressbar(length=total, label="rendering", show_pos=True, show_eta=True, item_show_func=lambda item: item)
                self.bar.__enter__()
            self.bar.update(step, rate)
        elif step:
            click.echo(f"{self.done}/{total} documents done, {rate}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--duplex", type=click.Choice(["long", "short", "off"]), default="long", show_default=True, help="Pad bundled documents to even pages unless off.")
@click.option("--campaign", type=CAMPAIGN, help="The campaign the shards were built from, when it adds products of its own.")
def merge(out_dir: Path, shards: tuple[Path, ...], duplex: str, campaign: Path | None) -> None:
    """Merge sharded builds into OUT_DIR, and bundle them.

    SHARDS are the output folders of `letters build --shard K/N`.
    """
    count = api.merge_builds(out_dir, list(shards), pad=duplex != "off", campaign=campaign)
    click.echo(f"merged {count} document(s) from {len(shards)} shard(s) into {out_dir / 'manifest.json'}")


@main.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--host", help="The address to listen on: 127.0.0.1 (this computer only) unless --lan.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port.")
@click.option("--lan", is_flag=True, help="Let phones and laptops on the event's network in, on --host only; "
              "every page then needs the access code printed at start.")
@click.option("--include-stale", is_flag=True, help="Offer people whose data is past its re-verification date.")
@click.option("--locale", help="The page's language, from a translation in the package (default: English).")
@DB
def serve(campaign: Path, host: str | None, port: int, lan: bool, include_stale: bool, locale: str | None,
          db: Path | None) -> None:
    """Start the volunteers' page for CAMPAIGN in a browser: choose someone, write a
    letter with the lint checking it as you type, see the printed page, then
    download the PDF or send it to the organizer (into CAMPAIGN/messages/ and
    the ledger). The organizer's page (/organizer, with the code printed at
    start) approves, returns and prints the letters.
    """
    from .web.serve import serve as run

    run(campaign, host, port, lan, db, include_stale, locale, say=lambda line: click.echo(line, err=False))


@main.command()
@click.option("--campaign", type=CAMPAIGN, help="Also check this campaign's ledger (letters.sqlite, or $LETTERS_DB).")
@DB
def doctor(campaign: Path | None, db: Path | None) -> None:
    """Report what this machine has: WeasyPrint, Pango, fonts, HarfBuzz subsetter.

    With --campaign or --db, also check that the ledger is whole (SQLite's
    integrity check; nothing is written).
    """
    checks = api.doctor(campaign, db)
    for check in checks:
        mark = "ok " if check.ok else "!! "
        click.echo(f"{mark}{check.name}: {check.detail}")
    if not all(c.ok for c in checks if c.name in ("weasyprint", "pango") or c.name.startswith("font")):
        raise click.ClickException("this machine cannot render letters yet; see the lines marked !!")
    if not all(c.ok for c in checks if c.name == "ledger"):
        raise click.ClickException("the ledger is missing or damaged; see the line marked !!")


if __name__ == "__main__":
    main()
