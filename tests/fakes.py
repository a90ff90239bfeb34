"""A fast fake renderer, so the batch engine's own behaviours can be tested without WeasyPrint.

The engine takes its render function as a parameter (`render=`). WeasyPrint
costs seconds per chunk; these fakes cost milliseconds, so the tests of
incremental builds, failure isolation, stale removal, shards and pools run in
a few seconds, with the campaign's loading, planning, composing and linting
all real.

The fakes are top-level functions of an importable module (`tests.fakes`):
with jobs > 1 the engine runs them on a spawn pool, whose fresh worker
processes find them by module name.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf

FAIL_MARKER = "FAKE-FAIL"  # a document whose HTML holds this fails alone, as a broken render would
LOG_VARIABLE = "FAKE_RENDER_LOG"  # the file that gets a line (pid, title) per rendered document
WARM_UP = "(warm-up)"  # the title logged for an empty chunk: a pool worker started before composing
A4 = (595, 842)  # points

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def fake_pdf(html: str) -> bytes:
    """A tiny, valid one-page PDF whose bytes depend only on the HTML.

    A real PDF, since bundles are merged with pikepdf. The HTML's sha256 is in
    the page's content stream (a PDF comment), so a changed document gives a
    changed file and also a changed bundle: a bundle copies pages, not the
    parts' titles. A deterministic id, so the same HTML gives the same bytes in
    any process.
    """
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=A4)
    page.obj.Contents = pdf.make_stream(f"% fake render of HTML {digest}\n".encode("ascii"))
    pdf.docinfo["/Title"] = title_of(html)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def title_of(html: str) -> str:
    """The HTML's <title>: the engine records it as the manifest entry's title,
    so a log of titles tells which documents were rendered."""
    from html import unescape

    match = _TITLE.search(html)
    return unescape(match.group(1)).strip() if match else ""


def _log(html: str) -> None:
    """One line per rendered document, when FAKE_RENDER_LOG names a file: the process id and the title.

    A file (not a counter in memory), because pool workers are other processes;
    they inherit the environment variable. Lines are short single appends, so
    workers writing at once do not interleave within a line.
    """
    if path := os.environ.get(LOG_VARIABLE):
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\t{title_of(html)}\n")


def fake_render(htmls: list[str], base_dir: Path, roots: list[Path]) -> list[tuple[bytes, int] | str]:
    """The engine's render function, faked: per document (pdf, 1 page), or a failure message
    for a document whose HTML holds FAIL_MARKER (the others of its chunk still succeed)."""
    if not htmls:  # a pool's warm-up (engine.Workers.warm): logged as such
        _log(f"<title>{WARM_UP}</title>")
    results: list[tuple[bytes, int] | str] = []
    for html in htmls:
        _log(html)
        if FAIL_MARKER in html:
            results.append(f"fake failure: the HTML holds {FAIL_MARKER}")
        else:
            results.append((fake_pdf(html), 1))
    return results


def log_lines(log: Path) -> list[tuple[int, str]]:
    """(process id, title) of each document rendered since the log was last cleared, in order."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [(int(pid), title) for pid, title in (line.split("\t", 1) for line in lines)]


def rendered_titles(log: Path) -> list[str]:
    """The titles of the documents rendered since the log was last cleared, in order."""
    return [title for _, title in log_lines(log)]


class Interrupted(KeyboardInterrupt):
    """What `InterruptAfter` raises: a build stopped part way, as by Ctrl-C (not an engine error)."""


class InterruptAfter:
    """A function that works `calls` times, then stops the build: raises `Interrupted` instead.

    It stands in for a build killed part way (between two chunks, when wrapping
    the renderer; between listing and writing a file, when wrapping the writer),
    which must leave no manifest entry for a file it never wrote. It counts in
    memory, so it is for jobs=1 only: a pool runs the render function in other processes.
    """

    def __init__(self, calls: int, function: Callable[..., Any] = fake_render):
        self.left, self.function = calls, function

    def __call__(self, *args: Any) -> Any:
        if self.left <= 0:
            raise Interrupted
        self.left -= 1
        return self.function(*args)


@contextmanager
def lock_held_elsewhere(folder: Path) -> Iterator[int]:
    """Hold the build lock on `folder` in another process (flock is per process); yields its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from letters.pipeline.engine import build_lock\n"
         f"with build_lock(Path({str(folder)!r})):\n    print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
