"""The Python API: build a whole campaign, or render one document.

The CLI is a thin layer over `build_campaign` and `render_document`. One
broken document does not stop the others: it is reported as a failure and
the good output it would have replaced stays as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from . import compose, lint, messages, record
from .assemble import merge_pdfs
from .errors import LettersError, LintError, Problem, RenderError
from .load import CampaignData, load_campaign
from .models import PrintSettings
from .render import FONT_DIR, TITLE, Renderer, html_title, render_chunk, write_atomic
from .select import CAMPAIGN, PRODUCTS, Failure, Job, Skip, plan, plan_messages, product


@dataclass
class BuildResult:
    out_dir: Path
    entries: list[record.Entry] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rendered: int = 0
    reused: int = 0
    removed: int = 0
    bundles: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def file_roots(data: CampaignData) -> list[Path]:
    """The folders the renderer may read (its file jail): the campaign and its template folders."""
    return [Path(data.root), *compose.template_dirs(data.root)]


def _check_pages(job: Job, pages: int) -> None:
    if job.product.max_pages and pages > job.product.max_pages:
        raise RenderError(
            f"{job.doc_id} runs to {pages} pages; a {job.product.name} must fit on "
            f"{job.product.max_pages}: shorten the profile's role or the template"
        )


def _entry(job: Job, path: str, pdf: bytes, pages: int, title: str, key: str = "") -> record.Entry:
    return record.Entry(
        id=job.doc_id,
        product=job.product.name,
        audience=job.product.audience,
        prisoner=job.prisoner_id,
        lang=job.lang,
        paper=job.paper,
        path=path,
        pages=pages,
        sha256=record.sha256(pdf),
        title=title,
        key=key,
    )


def skip_summary(skips: list[Skip]) -> dict[str, str]:
    """One line per person: which products they get none of, and why."""
    by_person: dict[str, dict[str, list[str]]] = {}
    for skip in skips:
        by_person.setdefault(skip.prisoner_id, {}).setdefault(skip.reason, []).append(skip.product)
    return {
        pid: "; ".join(f"no {', '.join(products)}: {reason}" for reason, products in reasons.items())
        for pid, reasons in sorted(by_person.items())
    }


@dataclass
class Pending:
    """A document whose HTML is composed and which must be rendered."""

    job: Job
    html: str
    key: str


def gate(composer: compose.Composer, job: Job, html: str) -> list[Problem]:
    """The safety gate on everything sent to a prisoner: lint errors refuse the document
    (raised), warnings are returned to be reported."""
    if job.product.audience != "prisoner":
        return []
    findings = composer.lint(job, html)
    where = composer.data.files.get(job.prisoner_id or "", composer.data.root)
    if refused := lint.errors(findings):
        lines = "\n  ".join(str(f) for f in refused)
        raise LintError(f"refused by the lint ({len(refused)} error(s) in the rendered text):\n  {lines}")
    return [Problem(where, f"{job.doc_id}: {f}", severity="warning") for f in findings]


def assets_digest(root: Path) -> str:
    """The campaign's templates/ files that are not templates or texts: a stylesheet or a
    picture fetched while rendering is not in the HTML, but changes the PDF. (Templates
    and texts are in the HTML already, so editing one re-renders only what uses it.)"""
    digest = hashlib.sha256()
    folder = root / "templates"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and path.suffix not in (".html", ".yaml", ".yml"):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def document_key(html: str, data: CampaignData, job: Job, rules: str = "", assets: str = "") -> str:
    """Everything that determines a PDF: its HTML (templates, texts, profile, facility,
    campaign settings are all in it), the photo it shows, the files the campaign's
    templates may fetch, the fonts and the versions; and the lint rules it passed,
    so new rules check it again."""
    digest = hashlib.sha256()
    for part in (_static_key(), job.paper, html, rules if job.product.audience == "prisoner" else "", assets):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for person in job.people:
        photo = data.prisoners[person].photo
        if photo:
            digest.update((Path(data.root) / photo).read_bytes())
    return digest.hexdigest()


@cache
def _static_key() -> str:
    """Fonts, letters' version and WeasyPrint's version (read without importing it)."""
    from importlib.metadata import version

    from . import __version__

    digest = hashlib.sha256(f"{__version__} weasyprint {version('weasyprint')}".encode())
    for font in sorted(FONT_DIR.glob("*.ttf")):
        digest.update(font.read_bytes())
    return digest.hexdigest()


def shard_of(doc_id: str, count: int) -> int:
    """A stable shard number in 1..count (the same on every machine and run)."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % count + 1


def chunked(pending: list[Pending], size: int) -> list[list[Pending]]:
    """Chunks of documents that share one layout: the same <head> (styles, page size), language and paper.

    A chunk is laid out with its first document's head, so two products that share a
    template but not their page setup (a letter and its window variant) never mix.
    """
    groups: dict[tuple[str, str, str], list[Pending]] = {}
    for item in pending:
        head = TITLE.sub("", item.html.split("<body", 1)[0])
        key = (hashlib.sha256(head.encode()).hexdigest(), item.job.lang, item.job.paper)
        groups.setdefault(key, []).append(item)
    return [group[i : i + size] for group in groups.values() for i in range(0, len(group), size)]


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Refuse a second build on the same output folder; the OS frees the lock if we die."""
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ".letters.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LettersError(f"another build is writing to {out_dir} ({holder}); wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


SAVE_EVERY_SECONDS = 1.0
Progress = Callable[[int, int, list[Failure]], None]  # (documents finished in this step, total, their failures)


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
) -> BuildResult:
    """Render what changed since the last build into out_dir, in parallel chunks.

    Unchanged documents are reused (keyed by `document_key`), outputs that no
    longer belong to the campaign are removed, and the manifest is rewritten
    at least once a second while chunks finish, so a killed build loses at most
    the last second's work and the next build renders only what is missing.
    """
    data = replace(with_print_options(load_campaign(root), print_options), include_stale=include_stale)
    planned, skips = plan(data, products, paper, people)
    with_messages, refused = plan_messages(data, products, paper, people)
    planned += with_messages
    if shard:
        planned = [j for j in planned if shard_of(j.doc_id, shard[1]) == shard[0]]
    result = BuildResult(Path(out_dir), skipped=skips, warnings=list(data.warnings))
    result.failures.extend(refused)
    return render_jobs(data, planned, result, jobs=jobs, force=force, partial=bool(shard), chunk_size=chunk_size,
                       progress=progress, bundle=not shard)


def render_jobs(
    data: CampaignData,
    planned: list[Job],
    result: BuildResult,
    *,
    jobs: int | None = None,
    force: bool = False,
    partial: bool = False,
    chunk_size: int = 20,
    progress: Progress | None = None,
    bundle: bool = True,
) -> BuildResult:
    """Render `planned` into result.out_dir: the batch engine under builds and packs.

    `partial`: the folder also holds documents of other runs (shards), which stay.
    """
    out_dir = result.out_dir
    skips = result.skipped
    shard = partial
    with build_lock(out_dir):
        existing = _previous_entries(out_dir)
        previous = {} if force else existing
        composer = compose.Composer(data)
        assets = assets_digest(Path(data.root))
        done: dict[str, record.Entry] = {}
        pending: list[Pending] = []

        def withdraw(doc_id: str) -> None:
            # A render failure keeps the last good PDF; a document the lint now refuses
            # is no longer good: its earlier PDF leaves the folder and the manifest.
            old = existing.pop(doc_id, None)
            previous.pop(doc_id, None)
            if old:
                (out_dir / old.path).unlink(missing_ok=True)
                result.removed += 1
        for job in planned:
            try:
                html = composer.html(job)
                key = document_key(html, data, job, composer.rules.digest, assets)
                old = previous.get(job.doc_id)
                if old and old.key == key and old.path == job.relpath:
                    # the same HTML passed the same lint rules when it was made
                    done[job.doc_id] = old
                    result.reused += 1
                else:
                    pending.append(Pending(job, html, key))  # linted just before it is rendered
            except LettersError as exc:
                result.failures.append(Failure(job.doc_id, job.relpath, exc.format_message()))
                if isinstance(exc, LintError):
                    withdraw(job.doc_id)
                continue
            finally:
                result.warnings.extend(composer.notes)
                composer.notes.clear()
        total = len(planned)
        if progress:
            progress(len(done) + len(result.failures), total, list(result.failures))

        planned_ids = {j.doc_id for j in planned}

        def entries() -> list[record.Entry]:
            # An old entry (and its file) stays until its replacement is written;
            # a sharded build leaves other shards' entries alone.
            kept = {**existing, **done}
            return [e for doc_id, e in kept.items() if doc_id in planned_ids or shard]

        last_save = time.monotonic()

        def save(now: bool = True) -> None:
            # Rewriting the manifest after every chunk would cost O(N^2) at 10,000
            # documents; once a second bounds what a killed build can lose.
            nonlocal last_save
            if now or time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
                record.write_manifest(out_dir, data.campaign.title, entries(), _skipped(skips))
                last_save = time.monotonic()

        def admit(chunk: list[Pending]) -> list[Pending]:
            # The safety gate, chunk by chunk as chunks are handed to workers, so that
            # linting overlaps rendering instead of delaying it.
            passed, refused = [], []
            for item in chunk:
                try:
                    result.warnings.extend(gate(composer, item.job, item.html))
                    passed.append(item)
                except LettersError as exc:
                    refused.append(Failure(item.job.doc_id, item.job.relpath, exc.format_message()))
                    withdraw(item.job.doc_id)
            result.failures.extend(refused)
            if progress and refused:
                progress(len(refused), total, refused)
            return passed

        for chunk, outcomes in _render_chunks(chunked(pending, chunk_size), data, jobs, admit):
            failures = []
            for item, outcome in zip(chunk, outcomes, strict=True):
                try:
                    if isinstance(outcome, str):
                        raise RenderError(outcome)
                    pdf, pages = outcome
                    _check_pages(item.job, pages)
                except LettersError as exc:
                    failures.append(Failure(item.job.doc_id, item.job.relpath, exc.format_message()))
                    continue
                write_atomic(out_dir / item.job.relpath, pdf)
                done[item.job.doc_id] = _entry(item.job, item.job.relpath, pdf, pages, html_title(item.html), item.key)
                result.rendered += 1
            result.failures.extend(failures)
            save(now=False)
            if progress:
                progress(len(chunk), total, failures)
        if bundle:  # a shard holds part of each product; `letters merge` makes the bundles
            bundles = make_bundles(out_dir, plan_bundles(list(done.values())), previous, data.campaign.print.duplex != "off")
            done.update((b.id, b) for b in bundles)
            planned_ids.update(b.id for b in bundles)
            result.bundles = len(bundles)
        result.removed = _remove_stale(out_dir, existing, planned_ids, keep_others=bool(shard))
        save()
        result.entries = [e for e in entries() if e.id in planned_ids]
    return result


def with_print_options(data: CampaignData, options: dict[str, Any] | None) -> CampaignData:
    """The campaign with its `print:` settings overridden from the command line."""
    if not options:
        return data
    from pydantic import ValidationError

    try:
        settings = PrintSettings.model_validate({**data.campaign.print.model_dump(), **options})
    except ValidationError as exc:
        error = exc.errors()[0]
        option = {"label_start": "--start", "offset_x_mm": "--offset-x", "offset_y_mm": "--offset-y"}.get(str(error["loc"][0]), f"--{error['loc'][0]}")
        raise LettersError(f"{option}: {error['msg']}") from None
    return replace(data, campaign=data.campaign.model_copy(update={"print": settings}))


BUNDLE_LIMIT = 500  # documents per bundle file: printable in one go, and bounded memory


@dataclass(frozen=True)
class BundlePlan:
    id: str
    path: str
    product: str
    prisoner: str | None
    parts: list[record.Entry]
    title: str


def plan_bundles(documents: list[record.Entry]) -> list[BundlePlan]:
    """Documents to print in one go: each product for the whole campaign, and everything for one person.

    Products that already make one document for everyone (card sheets, labels) need no bundle,
    nor does a person with a single document.
    Parts follow the order of `letters products`, then person, then language.
    """
    rank = {name: i for i, name in enumerate(PRODUCTS)}
    docs = sorted(
        (d for d in documents if d.kind == "document" and d.prisoner),
        key=lambda d: (rank.get(d.product, len(rank)), d.prisoner, d.lang),
    )
    plans: list[BundlePlan] = []
    for name in dict.fromkeys(d.product for d in docs):
        if PRODUCTS[name].per_campaign:
            continue
        parts = [d for d in docs if d.product == name]
        volumes = [parts[i : i + BUNDLE_LIMIT] for i in range(0, len(parts), BUNDLE_LIMIT)]
        for number, volume in enumerate(volumes, start=1):
            suffix = f"-{number:03d}" if len(volumes) > 1 else ""
            title = f"{name}: everyone" + (f" ({number} of {len(volumes)})" if suffix else "")
            plans.append(BundlePlan(f"bundle-{name}{suffix}", f"bundles/{name}{suffix}.pdf", name, None, volume, title))
    for person in sorted({d.prisoner for d in docs}):
        parts = [d for d in docs if d.prisoner == person]
        if len(parts) < 2:
            continue  # one document is already everything for that person
        plans.append(BundlePlan(f"bundle-{person}", f"bundles/people/{person}.pdf", "bundle", person, parts, f"Everything for {person}"))
    return plans


def make_bundles(out_dir: Path, plans: list[BundlePlan], previous: dict[str, record.Entry], pad: bool) -> list[record.Entry]:
    """Merge each bundle's documents (reusing an unchanged bundle), padded for duplex when asked."""
    made = []
    for bundle in plans:
        key = hashlib.sha256(f"{pad} {' '.join(p.sha256 for p in bundle.parts)}".encode()).hexdigest()
        old = previous.get(bundle.id)
        if old and old.key == key and old.path == bundle.path:
            made.append(old)
            continue
        pdf, pages = merge_pdfs([(out_dir / p.path).read_bytes() for p in bundle.parts], bundle.title, pad)
        write_atomic(out_dir / bundle.path, pdf)
        audiences = {p.audience for p in bundle.parts}
        langs = {p.lang for p in bundle.parts}
        made.append(
            record.Entry(
                id=bundle.id,
                product=bundle.product,
                audience=audiences.pop() if len(audiences) == 1 else "volunteer",  # a person's pack goes to the volunteer
                prisoner=bundle.prisoner,
                lang=langs.pop() if len(langs) == 1 else "mul",
                paper=bundle.parts[0].paper,
                path=bundle.path,
                pages=pages,
                sha256=record.sha256(pdf),
                title=bundle.title,
                key=key,
                kind="bundle",
                parts=tuple(p.id for p in bundle.parts),
            )
        )
    return made


def merge_builds(out_dir: Path, shard_dirs: list[Path], pad: bool = True) -> int:
    """Join sharded builds into out_dir (documents and manifest), then make the bundles."""
    out_dir = Path(out_dir)
    with build_lock(out_dir):
        count = record.merge_outputs(out_dir, shard_dirs)
        manifest = record.read_manifest(out_dir)
        docs = [record.Entry(**d) for d in manifest["documents"] if d.get("kind", "document") == "document"]
        bundles = make_bundles(out_dir, plan_bundles(docs), {}, pad)
        record.write_manifest(out_dir, manifest["campaign"], docs + bundles, manifest["skipped"])
    return count


def _skipped(skips: list[Skip]) -> list[dict[str, str]]:
    return [{"prisoner": s.prisoner_id, "product": s.product, "reason": s.reason} for s in skips]


def _render_chunks(
    chunks: list[list[Pending]], data: CampaignData, jobs: int | None, admit: Callable[[list[Pending]], list[Pending]]
) -> Iterator[tuple[list[Pending], list]]:
    """Yield (chunk, outcomes) as chunks finish: in this process, or on a spawn pool.

    `admit` filters each chunk just before it is rendered (the lint's gate).
    """
    workers = min(jobs or os.cpu_count() or 1, len(chunks))
    base, roots = Path(data.root), file_roots(data)
    if workers <= 1:
        for chunk in chunks:
            if chunk := admit(chunk):
                yield chunk, render_chunk([p.html for p in chunk], base, roots)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")  # WeasyPrint's GLib state must not be forked
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(render_chunk, [p.html for p in chunk], base, roots): chunk
                   for chunk in map(admit, chunks) if chunk}
        for future in as_completed(futures):
            # pop: a finished chunk's PDFs must not stay in memory until the build ends
            yield futures.pop(future), future.result()


def _remove_stale(out_dir: Path, previous: dict[str, record.Entry], planned: set[str], keep_others: bool) -> int:
    """Delete outputs of documents that no longer belong to the campaign (only files we made)."""
    if keep_others:
        return 0
    removed = 0
    for doc_id, entry in previous.items():
        if doc_id not in planned:
            path = (out_dir / entry.path).resolve()
            if path.is_relative_to(out_dir.resolve()) and path.is_file():
                path.unlink()
                removed += 1
    return removed


def _previous_entries(out_dir: Path) -> dict[str, record.Entry]:
    try:
        documents = record.read_manifest(out_dir)["documents"]
        return {d["id"]: record.Entry(**d) for d in documents if (out_dir / d["path"]).is_file()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def render_document(
    root: Path,
    product_name: str,
    prisoner_id: str,
    out_file: Path,
    lang: str | None = None,
    paper: str | None = None,
    print_options: dict[str, Any] | None = None,
    on_warning: Callable[[Problem], None] = lambda problem: None,
    message: Path | None = None,
    phrases: list[str] | None = None,
    writer: int = 1,
    include_stale: bool = False,
) -> record.Entry:
    """Render one document to out_file; refuse one the person must not receive, or
    one the lint refuses (its warnings go to `on_warning`).

    `message` (a text file) or `phrases` (phrase ids) put the writer's own words
    into a letter; a message decides the letter's language. `writer` picks the
    phrases a writer's sheet suggests.
    """
    data = replace(with_print_options(load_campaign(root), print_options), include_stale=include_stale)
    spec = product(product_name, called="template")
    if (message or phrases) and not spec.takes_message:
        raise LettersError(f"a {spec.name} takes no message; --message and --phrases are for letters")
    if message and phrases:
        raise LettersError("give either --message or --phrases, not both")
    languages = spec.languages(data)
    if message:
        try:
            _, told = messages.read_checked(message, lang)
        except LettersError as exc:
            raise LettersError(f"{message}: {exc.format_message()}") from None
        lang = told
        languages = [*languages, told] if told not in languages else languages
    lang = lang or languages[0]
    if lang not in languages:
        raise LettersError(f"a {spec.name} is made in {', '.join(languages)}, not {lang!r}")
    paper = paper or data.campaign.paper
    if paper not in spec.papers:
        raise LettersError(f"a {spec.name} is made on {', '.join(spec.papers)} paper only, not {paper}")
    if prisoner_id == CAMPAIGN and spec.per_campaign:
        jobs = [j for j in plan(data, [spec.name], paper)[0] if j.prisoner_id is None and j.lang == lang]
        if not jobs:
            raise LettersError(f"nobody in the campaign can receive a {spec.name}")
        job = jobs[0]
    elif not spec.per_person:
        raise LettersError(f"{spec.name} are made for the whole campaign: use {CAMPAIGN!r} as the PRISONER_ID")
    else:
        if prisoner_id not in data.prisoners:
            raise LettersError(f"no prisoner {prisoner_id!r} in {data.root / 'prisoners'}")
        reason = spec.refusal(data.prisoners[prisoner_id], data)
        if reason:
            raise LettersError(f"{prisoner_id} gets no {spec.name}: {reason}")
        job = Job(spec, prisoner_id, lang, paper, message=str(message) if message else None,
                  phrases=tuple(phrases or ()), writer=writer)
    composer = compose.Composer(data)
    html = composer.html(job)
    for warning in [*composer.notes, *gate(composer, job, html)]:
        on_warning(warning)
    pdf, pages = Renderer.shared().render(html, base_dir=Path(data.root), roots=file_roots(data))
    _check_pages(job, pages)
    write_atomic(Path(out_file), pdf)
    return _entry(job, str(out_file), pdf, pages, html_title(html) or job.doc_id)
