"""The batch engine: render planned documents into an output folder, fast and safely.

Documents sharing a layout are laid out in chunks, on a spawn pool of worker
processes; documents are composed as the workers need them, so a chunk is
rendered while the next ones are made and only a few chunks' HTML is held at
once; only what changed since the last build is rendered (`cache`); the
lint's gate runs on each chunk as it is handed out; one broken document fails
alone and the good output it would have replaced stays as it was; the
manifest is saved once a second (or, where writing it takes longer than a
tenth of a second, after ten times as long), so a killed build loses at most
the last seconds' work; a lock refuses a second build on the same folder.

The render function is a parameter (`render=`): the build's behaviours can be
tested against a fast fake renderer as well as WeasyPrint.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

from ..core.diagnostics import Diagnostic
from ..core.errors import LettersError, LintError, RenderError, TemplateError
from ..core.files import inside, write_atomic
from ..core.templates import describe_failure, template_dirs
from ..data.load import CampaignData
from . import bundles, cache, lint, manifest
from .compose import Composer
from .outputs import OUTPUTS
from .outputs.base import Output
from .plan import Job, failed
from .render import TITLE, Outcome, RenderChunk, html_title, render_chunk

SAVE_EVERY_SECONDS = 1.0
SAVE_SHARE = 10  # the manifest is saved after at least ten times as long as its last save took
Others = Callable[[str], bool]  # a document id -> whether it belongs to another run sharing the folder
Progress = Callable[[int, int, list[Diagnostic]], None]  # (documents finished in this step, total, their failures)


@dataclass
class BuildResult:
    out_dir: Path
    entries: list[manifest.Entry] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    failures: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0
    reused: int = 0
    removed: int = 0
    bundles: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Pending:
    """A document whose HTML is composed and which must be rendered.

    The HTML is kept compressed until it is rendered: it waits in a chunk that is
    still filling, sometimes for the whole build (zlib's fastest level shrinks it
    about five times in 0.1 ms a document).
    """

    job: Job
    packed: bytes
    key: str
    inputs: str = ""
    layout: str = ""  # what documents laid out together must share (see `chunked`)

    @classmethod
    def of(cls, job: Job, html: str, key: str, inputs: str = "") -> Pending:
        head = TITLE.sub("", html.split("<body", 1)[0])
        layout = hashlib.sha256(head.encode()).hexdigest()
        return cls(job, zlib.compress(html.encode("utf-8"), 1), key, inputs, layout)

    @property
    def html(self) -> str:
        return zlib.decompress(self.packed).decode("utf-8")

    @property
    def weight(self) -> int:
        """What laying it out costs, in people: a campaign document counts everyone on it."""
        return max(1, len(self.job.people))


def file_roots(data: CampaignData) -> list[Path]:
    """The folders the renderer may read (its file jail; the fonts are added by the renderer):
    the template folders and the campaign's photos/, never the whole campaign (its ledger,
    messages and spreadsheets live there). A photos/ that is a link out of the campaign is not one."""
    root = Path(data.root)
    photos = root / "photos"
    inside_campaign = photos.is_dir() and photos.resolve().is_relative_to(root.resolve())
    return [*template_dirs(root), *([photos] if inside_campaign else [])]


def check_pages(job: Job, pages: int) -> None:
    if job.product.max_pages and pages > job.product.max_pages:
        raise RenderError(
            f"{job.doc_id} runs to {pages} pages; a {job.product.name} must fit on "
            f"{job.product.max_pages}: shorten the profile's role or the template"
        )


def entry(job: Job, path: str, data: bytes, pages: int, title: str, key: str = "", output: Output = OUTPUTS["pdf"]) -> manifest.Entry:
    """The manifest's record of one written document."""
    return manifest.Entry(
        id=job.doc_id, product=job.product.name, audience=job.product.audience, prisoner=job.prisoner_id,
        lang=job.lang, paper=job.paper, path=path, pages=pages, sha256=manifest.sha256(data), title=title,
        key=key, format=output.name,
    )


def gate(composer: Composer, job: Job, html: str) -> list[Diagnostic]:
    """The safety gate on everything sent to a prisoner: lint errors refuse the document
    (raised), warnings are returned to be reported."""
    if job.product.audience != "prisoner":
        return []
    findings = composer.lint(job, html)
    where = composer.data.files.get(job.prisoner_id or "", composer.data.root)
    if refused := lint.errors(findings):
        lines = "\n  ".join(lint.short(f) for f in refused)
        raise LintError(f"refused by the lint ({len(refused)} error(s) in the rendered text):\n  {lines}")
    return [Diagnostic(f"{job.doc_id}: {lint.short(f)}", "warning", f.code, file=where, subject=job.doc_id) for f in findings]


def shard_of(doc_id: str, count: int) -> int:
    """A stable shard number in 1..count (the same on every machine and run)."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % count + 1


def chunked(pending: Iterable[Pending], size: int) -> Iterator[list[Pending]]:
    """Chunks of documents that share one layout: the same <head> (styles, page size), language
    and paper, of at most `size` people each, each handed on as soon as it is full (the
    chunks not yet full follow at the end), so that only the chunks still filling are held.

    A chunk is laid out with its first document's head, so two products that share a
    template but not their page setup (a letter and its window variant) never mix.
    A campaign document counts its people (`Pending.weight`): a volume of a hundred
    people's cards is laid out alone, not with nine others as one 500-page document
    that held a worker's memory past half a gigabyte.
    """
    filling: dict[tuple[str, str, str], tuple[list[Pending], int]] = {}  # a layout's open chunk, its people
    for item in pending:
        layout = (item.layout, item.job.lang, item.job.paper)
        chunk, people = filling.get(layout, ([], 0))
        if chunk and people + item.weight > size:
            yield chunk
            chunk, people = [], 0
        chunk.append(item)
        filling[layout] = (chunk, people + item.weight)
    for chunk, _ in filling.values():
        yield chunk


LOCK = ".letters.lock"


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Refuse a second build on the same output folder; the OS frees the lock if we die.

    The lock is opened without following links and must be a plain file, so a
    link planted in its place cannot make the build write anywhere else.
    """
    import fcntl

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LettersError(f"{out_dir}: cannot make the output folder ({exc.strerror})") from None
    path = out_dir / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise LettersError(f"{path}: cannot open the build's lock ({exc.strerror}); remove it if it is a link") from None
    with os.fdopen(fd, "r+") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LettersError(f"{path}: the build's lock is not a plain file; remove it")
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


class _Run:
    """One run of the engine over one output folder: the state its steps share, in one place."""

    def __init__(self, data: CampaignData, planned: list[Job], result: BuildResult, force: bool, others: Others,
                 output: Output, progress: Progress | None, saved: dict[str, Any] | None, digest: str | None):
        self.data, self.result, self.others, self.output, self.progress = data, result, others, output, progress
        self.out_dir = result.out_dir
        self.digest = digest  # the sha256 of the manifest on disk
        listing = cache.plain_files(self.out_dir)
        cache.remove_leftovers(self.out_dir, listing)  # a killed build's half-written files
        self.existing = cache.previous_entries(self.out_dir, saved, listing)  # what the folder holds now
        self.previous = {} if force else dict(self.existing)  # what may be reused
        self.composer = Composer(data, report=result.warnings.append)
        self.assets = cache.assets_digest(Path(data.root))
        self.inputs = cache.InputKeys(data, self.composer.rules_digest, self.assets)
        self.done: dict[str, manifest.Entry] = {}
        self.planned_ids = {j.doc_id for j in planned}
        self.total = len(planned)
        self.last_save = time.monotonic()
        self.save_took = 0.0  # how long the last save of the manifest took
        self.settled: list[Diagnostic | None] = []  # reused (None) or failed before rendering, not yet reported

    def fail(self, job: Job, exc: LettersError, code: str = "failed") -> Diagnostic:
        failure = failed(job.doc_id, job.path(self.output.suffix), exc.format_message(), code)
        self.result.failures.append(failure)
        if isinstance(exc, LintError):
            self.withdraw(job.doc_id)
        return failure

    def withdraw(self, doc_id: str) -> None:
        """A render failure keeps the last good file; a document the lint now refuses is
        no longer good: its earlier file leaves the folder and the manifest."""
        old = self.existing.pop(doc_id, None)
        self.previous.pop(doc_id, None)
        if old and cache.remove_output(self.out_dir, old):
            self.result.removed += 1

    def earlier(self, job: Job) -> manifest.Entry | None:
        """The entry the last build made for this document, if it may be reused (same file)."""
        old = self.previous.get(job.doc_id)
        return old if old and old.path == job.path(self.output.suffix) else None

    def to_compose(self, planned: list[Job], enough: int) -> int:
        """How many documents' files or settings changed (each must be composed), counted
        up to `enough`: before composing, whether there is a lot of work to start workers for."""
        count = 0
        for job in planned:
            old = self.earlier(job)
            try:
                count += not (old and old.inputs == self.inputs.key(job))
            except LettersError:
                count += 1  # compose reports it
            if count >= enough:
                break
        return count

    def compose(self, planned: list[Job]) -> Iterator[Pending]:
        """HTML for each planned document in turn, as rendering asks for it; unchanged
        documents are reused, the rest are handed on to be rendered."""
        for job in planned:
            old = self.earlier(job)
            try:
                inputs = self.inputs.key(job, last=True)
                if old and old.inputs == inputs:
                    self.reuse(old)  # made from the same files and settings: not even composed
                    continue
                html = self.composer.html(job)
                key = cache.document_key(html, self.data, job, self.composer.rules_digest, self.assets)
            except LettersError as exc:
                self.settled.append(self.fail(job, exc, "lint" if isinstance(exc, LintError) else "compose"))
                continue
            except Exception as exc:  # a bug or a hostile template: this document's failure, not the build's
                self.settled.append(self.fail(job, TemplateError(describe_failure(exc)), "compose"))
                continue
            if old and old.key == key:
                self.reuse(replace(old, inputs=inputs))  # the same HTML passed the same lint rules when it was made
            else:
                yield Pending.of(job, html, key, inputs)  # linted just before it is rendered

    def reuse(self, old: manifest.Entry) -> None:
        self.done[old.id] = old
        self.result.reused += 1
        self.settled.append(None)

    def report_settled(self) -> None:
        """Count the documents reused or failed since the last report in the progress, in one step:
        a rebuild that reuses ten thousand documents is one line, not ten thousand."""
        if self.progress and self.settled:
            self.progress(len(self.settled), self.total, [d for d in self.settled if d is not None])
        self.settled = []

    def admit(self, chunk: list[Pending]) -> list[Pending]:
        """The safety gate, chunk by chunk as chunks are handed to workers, so that
        linting overlaps rendering instead of delaying it."""
        passed, refused = [], []
        for item in chunk:
            try:
                self.result.warnings.extend(gate(self.composer, item.job, item.html))
                passed.append(item)
            except LettersError as exc:
                refused.append(self.fail(item.job, exc, "lint"))
            except Exception as exc:  # the lint must never let a document through by crashing
                refused.append(self.fail(item.job, LintError(f"the lint failed: {describe_failure(exc)}"), "lint"))
        if self.progress and refused:
            self.progress(len(refused), self.total, refused)
        return passed

    def finish(self, chunk: list[Pending], outcomes: list[Outcome], more: bool) -> None:
        """Write each rendered document of a chunk, or record why it failed; `more`: whether
        other chunks may follow (after the last one the final save follows)."""
        self.report_settled()
        failures = []
        for item, outcome in zip(chunk, outcomes, strict=True):
            path = item.job.path(self.output.suffix)
            try:
                if isinstance(outcome, str):
                    raise RenderError(outcome)
                pdf, pages = outcome
                check_pages(item.job, pages)
                written = self.output.encode(pdf)
            except LettersError as exc:
                failures.append(self.fail(item.job, exc, "render"))
                continue
            write_atomic(inside(self.out_dir, path), written)
            made = entry(item.job, path, written, pages, html_title(item.html), item.key, self.output)
            self.done[item.job.doc_id] = replace(made, inputs=item.inputs)
            self.result.rendered += 1
        if more:  # a thousand people's manifest takes a quarter of a second to write
            self.save(now=False)
        if self.progress:
            self.progress(len(chunk), self.total, failures)

    def entries(self) -> list[manifest.Entry]:
        """An old entry (and its file) stays until its replacement is written;
        a sharded build leaves other shards' entries alone."""
        kept = {**self.existing, **self.done}
        return [e for doc_id, e in kept.items() if doc_id in self.planned_ids or self.others(doc_id)]

    def save(self, now: bool = True) -> None:
        """Rewriting the manifest after every chunk would cost O(N^2) at 10,000
        documents; once a second bounds what a killed build can lose."""
        if now or time.monotonic() - self.last_save >= self.save_interval():
            started = time.monotonic()
            skipped = [{"prisoner": s.subject, "product": s.product, "reason": s.message} for s in self.result.skipped]
            # a build that changed nothing leaves the manifest as it was, not even touched
            self.digest = manifest.write_manifest(self.out_dir, self.data.campaign.title, self.entries(), skipped, self.digest or "")
            self.last_save = time.monotonic()
            self.save_took = self.last_save - started

    def save_interval(self) -> float:
        """Once a second; but a thousand people's manifest takes a quarter of a second to
        write, on a core the workers need, so never more than a tenth of the time."""
        return SAVE_EVERY_SECONDS and max(SAVE_EVERY_SECONDS, SAVE_SHARE * self.save_took)

    def bundle(self) -> None:
        plans = bundles.plan_bundles(list(self.done.values()), self.data.registry)
        made = bundles.make_bundles(self.out_dir, plans, self.previous, self.data.campaign.print.duplex != "off", self.data.registry)
        self.done.update((b.id, b) for b in made)
        self.planned_ids.update(b.id for b in made)
        self.result.bundles = len(made)


def render_jobs(
    data: CampaignData,
    planned: list[Job],
    result: BuildResult,
    *,
    jobs: int | None = None,
    force: bool = False,
    others: Others = lambda doc_id: False,
    chunk_size: int = 20,
    progress: Progress | None = None,
    bundle: bool = True,
    render: RenderChunk = render_chunk,
    output: Output = OUTPUTS["pdf"],
    announce: Callable[[], None] | None = None,
) -> BuildResult:
    """Render `planned` into result.out_dir: the engine under builds, packs and previews.

    `others`: which documents in the folder belong to other runs (another shard), and stay;
    every other document that is not planned is removed, with its file.
    `render`: what turns a chunk's HTML into PDFs (a top-level function, so a pool can run it).
    `output`: the format each document is written in.
    `announce`: called once, just before the first document is rendered (or the workers
    start): the CLI's line naming the renderer, which a build that renders nothing skips.
    """
    with build_lock(result.out_dir), Workers(jobs, render, Path(data.root), file_roots(data), announce) as workers:
        saved, digest = manifest.read_with_digest(result.out_dir)
        manifest.refuse_foreign(result.out_dir, force, saved)
        run = _Run(data, planned, result, force, others, output, progress, saved, digest)
        if run.to_compose(planned, WARM_START_DOCUMENTS) >= WARM_START_DOCUMENTS:
            workers.warm()
        for chunk, outcomes, more in run_chunks(chunked(run.compose(planned), chunk_size), workers, run.admit):
            run.finish(chunk, outcomes, more)
        run.report_settled()
        workers.close()  # before the bundles are merged: idle workers would hold their memory
        if bundle and output.bundles:  # a shard holds part of each product; `letters merge` makes the bundles
            run.bundle()
        stale = {doc_id: e for doc_id, e in run.existing.items() if not others(doc_id)}
        result.removed += cache.remove_stale(run.out_dir, stale, run.planned_ids)
        run.save()
        result.entries = [e for e in run.entries() if e.id in run.planned_ids]
    return result


class Workers:
    """A build's spawn pool of renderers: started when the first chunks are handed out, or
    early (`warm`), before composing, when there is a lot to compose. Started early, the
    workers import WeasyPrint and load the fonts while the HTML is made, and they are
    spawned while this process is still small: until a spawned child has started, it shows
    its parent's memory as its own."""

    def __init__(self, jobs: int | None, render: RenderChunk, base: Path, roots: list[Path],
                 announce: Callable[[], None] | None = None):
        self.size = jobs or os.cpu_count() or 1
        self.render, self.base, self.roots = render, base, roots
        self.announce = announce  # called once, before the first render here or the pool's start
        self.pool: Any = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (they hold their memory while they live)."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def announced(self) -> None:
        if self.announce is not None:
            self.announce, announce = None, self.announce
            announce()

    def start(self, size: int) -> Any:
        """The pool (a ProcessPoolExecutor), started with `size` workers if it is not running."""
        if self.pool is None:
            self.announced()
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")  # WeasyPrint's GLib state must not be forked
            self.pool = ProcessPoolExecutor(size, mp_context=context, max_tasks_per_child=CHUNKS_PER_WORKER)
        return self.pool

    def warm(self) -> None:
        """Start every worker now, each on an empty chunk: the renderer made, nothing rendered."""
        if self.size > 1:
            pool = self.start(self.size)
            for _ in range(self.size):
                pool.submit(render_released, self.render, [], self.base, self.roots)

    def submit(self, htmls: list[str]) -> Any:
        return self.pool.submit(render_released, self.render, htmls, self.base, self.roots)


def run_chunks(
    chunks: Iterator[list[Pending]], workers: Workers, admit: Callable[[list[Pending]], list[Pending]],
) -> Iterator[tuple[list[Pending], list[Outcome], bool]]:
    """Yield (chunk, outcomes, more) as chunks finish, in this process or on the spawn pool;
    `more` says whether other chunks may follow.

    `chunks` are composed as they are read; `admit` filters each one just before it is
    rendered (the lint's gate). A few documents (an edited profile's) render here:
    starting workers would cost more than rendering them. A pool gets a few chunks at
    a time: each chunk handed over holds its HTML uncompressed until a worker takes it.
    While the workers lay out, this process composes the next few chunks.
    """
    first, people = [], 0  # enough chunks read to know where to render them
    for chunk in chunks:
        first.append(chunk)
        people += sum(p.weight for p in chunk)
        if len(first) >= workers.size and people > IN_PROCESS_PEOPLE:
            break
    size = min(workers.size, len(first))
    stream = admitted(chain(first, chunks), admit)
    if size <= 1 or people <= IN_PROCESS_PEOPLE:
        yield from in_process(stream, workers)
    else:
        yield from on_pool(stream, workers, size)


IN_PROCESS_PEOPLE = 4  # at most this many documents (in people, see `Pending.weight`) render without workers:
# starting a worker costs a second, one document a tenth to a third of one
IN_FLIGHT_PER_WORKER = 2  # chunks handed to the pool per worker: one laid out, one waiting
COMPOSED_AHEAD = 4  # chunks composed and linted ahead of the pool, so that a worker that finishes never waits
CHUNKS_PER_WORKER = 100  # chunks a worker lays out before a new one takes its place: a worker's heap
# only grows (from 90 to 220 MB over 300 chunks of writer's sheets), and a new one starts in about a second
WARM_START_DOCUMENTS = 100  # documents to compose from which the workers start before composing
# (a bio edit composes about 16, a cold build of a thousand people 11,000)


def admitted(chunks: Iterable[list[Pending]], admit: Callable[[list[Pending]], list[Pending]]) -> Iterator[list[Pending]]:
    """What passes the gate of each chunk, as it is read; a chunk refused whole is left out."""
    for chunk in chunks:
        if passed := admit(chunk):
            yield passed


def in_process(chunks: Iterator[list[Pending]], workers: Workers) -> Iterator[tuple[list[Pending], list[Outcome], bool]]:
    """Render each chunk here in turn (the next one is composed before this one is yielded, to know whether it comes)."""
    chunk = next(chunks, None)
    while chunk is not None:
        workers.announced()
        outcomes = workers.render([p.html for p in chunk], workers.base, workers.roots)
        following = next(chunks, None)
        yield chunk, outcomes, following is not None
        chunk = following


def on_pool(chunks: Iterator[list[Pending]], workers: Workers, size: int) -> Iterator[tuple[list[Pending], list[Outcome], bool]]:
    """Keep IN_FLIGHT_PER_WORKER chunks a worker on the pool, and up to COMPOSED_AHEAD more
    composed in this process while the workers lay out; yield each chunk as it finishes."""
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    workers.start(size)
    running: dict[Future[list[Outcome]], list[Pending]] = {}
    ready: deque[list[Pending]] = deque()  # composed and admitted, not yet handed out
    more = True  # whether `chunks` may still give one

    def read() -> None:
        nonlocal more
        if (chunk := next(chunks, None)) is None:
            more = False
        else:
            ready.append(chunk)

    while True:
        while len(running) < IN_FLIGHT_PER_WORKER * size and (ready or more):
            if not ready:
                read()
            if ready:
                chunk = ready.popleft()
                running[workers.submit([p.html for p in chunk])] = chunk
        if not running:
            return
        finished, _ = wait(running, timeout=0, return_when=FIRST_COMPLETED)
        if not finished and more and len(ready) < COMPOSED_AHEAD:
            read()  # compose the next chunk while the workers lay out
            continue
        if not finished:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            chunk = running.pop(future)  # a finished chunk's PDFs must not stay in memory until the build ends
            yield chunk, future.result(), bool(running or ready or more)


def render_released(render: RenderChunk, htmls: list[str], base_dir: Path, roots: list[Path]) -> list[Outcome]:
    """`render` in a pool worker, then the memory its layout used is given back: WeasyPrint's
    boxes are cyclic garbage that would wait for the collector, and glibc keeps freed pages
    unless asked to return them, so a worker would otherwise stay as large as its largest chunk."""
    try:
        return render(htmls, base_dir, roots)
    finally:
        release_memory()


def release_memory() -> None:
    """Collect cyclic garbage now and return freed heap pages to the system (glibc only)."""
    gc.collect()
    if libc := _libc():
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def _libc() -> Any:
    """The C library this process runs on, found in its own symbols (CDLL(None)), not by
    `ctypes.util.find_library`, which runs `ldconfig -p`: a child that, until it has
    started, shows the whole of a 200 MB build's memory as its own."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None
