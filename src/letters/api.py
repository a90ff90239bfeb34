"""The Python API: what the faces (the command line, and the web page) call.

Each function loads what it needs, calls the layers below and returns data or
raises a `LettersError` with one clear line. Names here are the API's own
(`label_start`, `message`); the command line maps its flags onto them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .core.diagnostics import Diagnostic, Reporter, from_validation, ignore
from .core.errors import CampaignError, LettersError, SettingsError, TemplateError
from .core.files import write_atomic
from .core.templates import describe_failure
from .data import messages, spreadsheet
from .data.load import CampaignData, campaign_file_refusal, load_campaign
from .data.models import PrintSettings
from .organize import archive, birthdays, ledger, packs
from .organize.desk import Desk, LedgerFault, clean_text, sendable
from .pipeline import lint, manifest, subsetting
from .pipeline.bundles import make_bundles, plan_bundles
from .pipeline.compose import Composer
from .pipeline.doctor import Check, run_checks
from .pipeline.engine import (
    BuildResult,
    Progress,
    build_lock,
    check_pages,
    entry,
    file_roots,
    gate,
    render_jobs,
    shard_of,
)
from .pipeline.outputs import OUTPUTS, for_path, output, png
from .pipeline.plan import CAMPAIGN, Job, languages, plan, plan_messages, refusal, skip_summary
from .pipeline.render import RenderChunk, Renderer, html_title, render_chunk, weasyprint_module
from .products.registry import Product, builtin_registry

__all__ = [
    "CAMPAIGN",
    "OUTPUTS",
    "BuildResult",
    "CampaignError",
    "Check",
    "Desk",
    "Diagnostic",
    "LedgerFault",
    "LettersError",
    "Progress",
    "SettingsError",
    "build_campaign",
    "builtin_registry",
    "check_campaign",
    "clean_text",
    "doctor",
    "export_csv",
    "import_sheet",
    "lint_text",
    "load",
    "merge_builds",
    "preview",
    "products",
    "render_document",
    "sendable",
    "skip_summary",
]
import_sheet = spreadsheet.import_sheet
csv_text = spreadsheet.csv_text  # the one CSV writer: every cell that starts like a formula is guarded
make_packs = packs.make_packs
volunteers_from = packs.volunteers_from
make_archive = archive.make_archive
parse_month = birthdays.parse_month


def doctor(campaign: Path | None = None, db: Path | None = None) -> list[Check]:
    """What this machine has for rendering; with a campaign or a ledger, also whether the
    ledger is whole (SQLite's integrity check, read only)."""
    checks = run_checks()
    if campaign is not None or db is not None:
        path = ledger.db_path(Path(campaign) if campaign else Path("."), db)
        ok, detail = ledger.integrity(path)
        checks.append(Check("ledger", ok, detail))
    return checks


def export_csv(root: Path, out: Path, force: bool = False) -> int:
    """The campaign's profiles as CSV into `out`: never over the campaign's own files or its
    ledger; over another existing file only if it is an earlier export, or with `force`."""
    _refuse_campaign_target(Path(root), Path(out), "export writes a CSV file elsewhere")
    return spreadsheet.export_csv(root, out, force=force)


def _refuse_campaign_target(root: Path, out: Path, advice: str) -> None:
    """A command's -o never points into the campaign's data (its YAML files, prisoners/,
    messages/, photos/, templates/) or at its ledger."""
    reason = campaign_file_refusal(root, out)
    if reason is None and out.resolve() in {ledger.db_path(root).resolve(), (root / ledger.FILE).resolve()}:
        reason = f"{out} is the campaign's ledger"
    if reason:
        raise LettersError(f"{reason}; {advice}, never over the campaign's data")


# ------------------------------------------------------------------ campaigns


def load(root: Path, include_stale: bool = False, print_options: dict[str, Any] | None = None) -> CampaignData:
    """A validated campaign, with its `print:` settings overridden for this run."""
    data = replace(load_campaign(root), include_stale=include_stale)
    if not print_options:
        return data
    try:
        settings = PrintSettings.model_validate({**data.campaign.print.model_dump(), **print_options})
    except ValidationError as exc:
        first = from_validation(exc, print_options, None)[0]
        raise SettingsError(first.field or "print", first.message) from None
    return replace(data, campaign=data.campaign.model_copy(update={"print": settings}))


def check_campaign(root: Path) -> tuple[CampaignData, list[Diagnostic]]:
    """Validate a campaign and lint its writers' messages: the data, and every warning and
    message problem (a load error raises CampaignError with all of them)."""
    data = load_campaign(root)
    return data, [*data.warnings, *lint.lint_messages(root, set(data.prisoners))]


def lint_text(text: str, campaign: Path | None = None, file: str | None = None) -> list[Diagnostic]:
    """The lint's findings on a text to a prisoner, with a campaign's own rules when given."""
    return lint.in_file(lint.lint_text(text, lint.rules_for(campaign)), file) if file else lint.lint_text(text, lint.rules_for(campaign))


def products(campaign: Path | None = None) -> list[Product]:
    """Every product a campaign can make (the built-in ones without a campaign), in registry order."""
    registry = load_campaign(campaign).registry if campaign else builtin_registry()
    return list(registry.products.values())


# ------------------------------------------------------------------ building


def renderer_notice() -> str:
    """The renderer and the font subsetting path this machine uses: a build's first line."""
    weasyprint = weasyprint_module()
    return f"rendering with WeasyPrint {weasyprint.__version__}; {subsetting.describe()}"


def build_campaign(
    root: Path,
    out_dir: Path,
    products: list[str] | None = None,
    paper: str | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    shard: tuple[int, int] | None = None,
    chunk_size: int = 20,
    progress: Progress | None = None,
    print_options: dict[str, Any] | None = None,
    people: set[str] | None = None,
    include_stale: bool = False,
    format: str = "pdf",
    render: RenderChunk = render_chunk,
    announce: Callable[[], None] | None = None,
) -> BuildResult:
    """Render what changed since the last build into out_dir, in parallel chunks.

    Unchanged documents are reused, outputs that no longer belong to the
    campaign are removed, and the manifest is rewritten about once a second
    while chunks finish, so a killed build loses at most the last seconds' work
    and the next build renders only what is missing.
    """
    data = load(root, include_stale, print_options)
    _refuse_campaign_target(Path(root), Path(out_dir), "give the build a folder of its own")
    planned, skips = plan(data, products, paper, people)
    with_messages, refused = plan_messages(data, products, paper, people)
    planned += with_messages
    def others(doc_id: str) -> bool:  # another shard's documents stay in a shared folder
        return bool(shard) and shard_of(doc_id, shard[1]) != shard[0]

    planned = [j for j in planned if not others(j.doc_id)]
    result = BuildResult(Path(out_dir), skipped=skips, warnings=list(data.warnings), failures=list(refused))
    return render_jobs(data, planned, result, jobs=jobs, force=force, others=others, chunk_size=chunk_size,
                       progress=progress, bundle=not shard, render=render, output=output(format), announce=announce)


def render_document(
    root: Path,
    product_name: str,
    prisoner_id: str,
    out_file: Path,
    lang: str | None = None,
    paper: str | None = None,
    print_options: dict[str, Any] | None = None,
    on_warning: Reporter = ignore,
    message: Path | None = None,
    phrases: list[str] | None = None,
    writer: int = 1,
    include_stale: bool = False,
    force: bool = False,
) -> manifest.Entry:
    """Render one document to out_file (a PDF, or a PNG picture of its pages by the file's
    suffix); refuse one the person must not receive, or one the lint refuses (its
    warnings go to `on_warning`). Never over the campaign's own files; over an existing
    file that is not a PDF (or PNG) only with `force`.

    `message` (a text file) or `phrases` (phrase ids) put the writer's own words
    into a letter; a message decides the letter's language. `writer` picks the
    phrases a writer's sheet suggests.
    """
    data = load(root, include_stale, print_options)
    kind = for_path(str(out_file))
    _refuse_campaign_target(Path(root), Path(out_file), "write the document elsewhere")
    _refuse_foreign_file(Path(out_file), kind.suffix, force)
    job = _one_job(data, product_name, prisoner_id, lang, paper, message, phrases, writer)
    composer = Composer(data, report=on_warning)
    try:
        html = composer.html(job)
        for warning in gate(composer, job, html):
            on_warning(warning)
    except LettersError:
        raise
    except Exception as exc:  # a bug or a hostile template: one clear line, with where it came from
        raise TemplateError(f"{job.doc_id}: {describe_failure(exc)}") from None
    pdf, pages = Renderer.shared().render(html, base_dir=Path(data.root), roots=file_roots(data))
    check_pages(job, pages)
    written = kind.encode(pdf)
    write_atomic(Path(out_file), written)
    return entry(job, str(out_file), written, pages, html_title(html) or job.doc_id, output=kind)


MAGIC = {".pdf": b"%PDF-", ".png": b"\x89PNG"}


def _refuse_foreign_file(out: Path, suffix: str, force: bool) -> None:
    """An existing file is replaced only if letters could have made it (a PDF or PNG, by its
    first bytes), or with `force`."""
    if force or not (out.exists() or out.is_symlink()):
        return
    if out.is_symlink() or not out.is_file():
        raise LettersError(f"{out} is {'a link' if out.is_symlink() else 'a folder'}; give a file name to write")
    with out.open("rb") as handle:
        start = handle.read(8)
    if not start.startswith(MAGIC.get(suffix, b"%PDF-")):
        raise LettersError(f"{out} exists and is not a {suffix[1:].upper() or 'PDF'} file; "
                           f"choose another name, or --force to replace it")


def _one_job(data: CampaignData, product_name: str, prisoner_id: str, lang: str | None, paper: str | None,
             message: Path | None, phrases: list[str] | None, writer: int) -> Job:
    """The one document `render_document` makes, or why it cannot be made."""
    spec = data.registry.product(product_name, called="template")
    if (message or phrases) and not spec.takes_message:
        raise LettersError(f"a {spec.name} takes no message or phrases; they are for letters")
    if message and phrases:
        raise LettersError("give either a message or phrases, not both")
    allowed = languages(spec, data)
    if message:
        _, told = messages.read_checked(message, lang)
        lang = told
        allowed = [*allowed, told] if told not in allowed else allowed
    lang = lang or allowed[0]
    if lang not in allowed:
        raise LettersError(f"a {spec.name} is made in {', '.join(allowed)}, not {lang!r}")
    paper = paper or data.campaign.paper
    if paper not in spec.papers:
        raise LettersError(f"a {spec.name} is made on {', '.join(spec.papers)} paper only, not {paper}")
    if prisoner_id == CAMPAIGN and spec.per_campaign:
        jobs = [j for j in plan(data, [spec.name], paper)[0] if j.prisoner_id is None and j.lang == lang]
        if not jobs:
            raise LettersError(f"nobody in the campaign can receive a {spec.name}")
        return Job(spec, None, lang, paper, members=tuple(p for j in jobs for p in j.members))  # one file, all volumes
    if not spec.per_person:
        raise LettersError(f"{spec.name} are made for the whole campaign: use {CAMPAIGN!r} as the PRISONER_ID")
    if prisoner_id not in data.prisoners:
        raise LettersError(f"no prisoner {prisoner_id!r} in {data.root / 'prisoners'}")
    if reason := refusal(spec, data.prisoners[prisoner_id], data):
        raise LettersError(f"{prisoner_id} gets no {spec.name}: {reason}")
    return Job(spec, prisoner_id, lang, paper, message=str(message) if message else None,
               phrases=tuple(phrases or ()), writer=writer)


def merge_builds(out_dir: Path, shard_dirs: list[Path], pad: bool = True, campaign: Path | None = None) -> int:
    """Join sharded builds into out_dir (documents and manifest), then make the bundles."""
    out_dir = Path(out_dir)
    registry = load_campaign(campaign).registry if campaign else builtin_registry()
    with build_lock(out_dir):
        count = manifest.merge_outputs(out_dir, shard_dirs)
        found = manifest.read_manifest(out_dir)
        docs = [manifest.entry_from(d) for d in found["documents"] if d.get("kind", "document") == "document"]
        made = make_bundles(out_dir, plan_bundles(docs, registry), {}, pad, registry)
        manifest.write_manifest(out_dir, found["campaign"], docs + made, found["skipped"])
    return count


# ------------------------------------------------------------------ previews


@dataclass
class PreviewResult:
    build: BuildResult
    sheets: dict[str, Path] = field(default_factory=dict)  # product -> its contact sheet
    pages: int = 0  # full-page pictures written


def preview(root: Path, out_dir: Path, products: list[str] | None = None, paper: str | None = None, *,
            jobs: int | None = None, include_stale: bool = False, progress: Progress | None = None,
            print_options: dict[str, Any] | None = None) -> PreviewResult:
    """Pictures of a whole build before printing: for every product a contact sheet
    (`<product>.png`, a named thumbnail of every page of every document) and a
    full-page picture of each page (`pages/<product>/<document>-p<N>.png`).

    The PDFs are built (incrementally) into `out_dir/pdf`, by the same engine as
    `build_campaign`; `out_dir/manifest.json` lists the pictures, format png.
    """
    out_dir = Path(out_dir)
    manifest.refuse_foreign(out_dir)
    built = build_campaign(root, out_dir / "pdf", products, paper, jobs=jobs, include_stale=include_stale,
                           progress=progress, print_options=print_options)
    result = PreviewResult(built)
    documents = [e for e in built.entries if e.kind == "document"]
    order = {name: i for i, name in enumerate(load_campaign(root).registry.products)}
    pictures: list[manifest.Entry] = []
    for product in sorted({e.product for e in documents}, key=lambda p: order.get(p, len(order))):
        mine = sorted((e for e in documents if e.product == product), key=lambda e: e.path)
        pdfs = [(Path(e.path).stem, (built.out_dir / e.path).read_bytes()) for e in mine]
        sheet = out_dir / f"{product}.png"
        data = png.contact_sheet(f"{product}: {len(mine)} document(s)", pdfs)
        write_atomic(sheet, data)
        result.sheets[product] = sheet
        langs = {e.lang for e in mine}
        pictures.append(replace(mine[0], id=f"sheet-{product}", prisoner=None, lang=langs.pop() if len(langs) == 1 else "mul",
                                path=sheet.name, pages=1,
                                sha256=manifest.sha256(data), title=f"{product}: contact sheet", key="",
                                kind="sheet", parts=tuple(e.id for e in mine), format="png"))
        for doc, (name, pdf) in zip(mine, pdfs, strict=True):
            for number, image in enumerate(png.page_images(pdf), start=1):
                relative = f"pages/{product}/{name}-p{number}.png"
                data = png.png_bytes(image)
                write_atomic(out_dir / relative, data)
                pictures.append(replace(doc, id=f"{doc.id}-p{number}", path=relative, pages=1, sha256=manifest.sha256(data),
                                        key="", kind="page", parts=(doc.id,), format="png"))
                result.pages += 1
    manifest.write_manifest(out_dir, load_campaign(root).campaign.title, pictures, [])
    return result


# ------------------------------------------------------------------ the organizer's tools


def month_birthdays(root: Path, month: str, post_days: int = birthdays.POST_DAYS_BEFORE,
                    include_stale: bool = False) -> tuple[CampaignData, list[birthdays.Birthday], list[tuple[str, int]]]:
    """Who has a birthday in `month` (YYYY-MM): the data, the birthdays by day, and those known only by year."""
    data = load(root, include_stale)
    found, year_only = birthdays.month_birthdays(data, *birthdays.parse_month(month), post_days=post_days)
    return data, found, year_only


birthday_rows = birthdays.rows
BIRTHDAY_PRODUCTS = birthdays.PRODUCTS


def log_letters(root: Path, kind: str, numbers: list[str], on: dt.date, db: Path | None = None) -> int:
    """Record what happened to letters (sent, returned, reply) by their numbers."""
    if on > dt.date.today():
        raise SettingsError("date", f"{on} is in the future")
    if on < ledger.EARLIEST:
        raise SettingsError("date", f"{on} is before {ledger.EARLIEST.year}: no letter in the ledger is that old")
    data = load_campaign(root)
    with ledger.Ledger(ledger.db_path(root, db), create=False) as book:
        return book.log(ledger.campaign_key(root), kind, numbers, on, ledger.letters_of(data))


def letter_stats(root: Path, db: Path | None = None) -> list[ledger.Counts]:
    """Per person: letters generated, sent, returned, replies and the last sent (everyone imprisoned listed)."""
    data = load_campaign(root)
    with ledger.Ledger(ledger.db_path(root, db), create=False) as book:
        counts = book.counts(ledger.campaign_key(root), ledger.letters_of(data))
    people = sorted(set(counts) | {pid for pid, p in data.prisoners.items() if p.status == "imprisoned"})
    return [counts.get(pid) or ledger.Counts(pid) for pid in people]
