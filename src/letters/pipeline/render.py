"""HTML to PDF with WeasyPrint, inside a file jail, with the bundled fonts.

WeasyPrint is imported lazily so that commands which render nothing start fast.
Each process keeps one FontConfiguration and one parsed font stylesheet.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..core.clock import alarm
from ..core.errors import RenderError, SystemLibraryError
from ..core.files import is_inside
from ..core.fonts import FONT_DIR, font_face_css
from . import subsetting

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

# Font subsets written by WeasyPrint's fontTools fallback carry the time of
# rendering unless this is set; a fixed value keeps identical input identical.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")

Outcome = tuple[bytes, int] | str  # a document's (PDF, pages), or why it failed
RenderChunk = Callable[[list[str], Path, list[Path]], list[Outcome]]  # what the engine calls, in a worker


PANGO_HINT = (
    "WeasyPrint cannot load Pango, which it needs to lay out text. Install it: "
    "Debian/Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0`, "
    "Fedora `dnf install pango`, macOS `brew install pango`. ({error})"
)


def weasyprint_module() -> Any:
    """Import WeasyPrint, turning a missing system library into a clear instruction."""
    try:
        with quick_library_lookup():
            import weasyprint
    except OSError as exc:
        raise SystemLibraryError(PANGO_HINT.format(error=exc)) from None
    subsetting.install()
    return weasyprint


@contextmanager
def quick_library_lookup() -> Iterator[None]:
    """While WeasyPrint imports, answer `ctypes.util.find_library` from one `ldconfig -p`.

    WeasyPrint tries each system library under several names (Windows' and macOS'
    first); on Linux every miss makes ctypes run ldconfig and then gcc, about 0.6 s of
    a cold `letters render`. One listing answers them all. Elsewhere, or without
    ldconfig, the standard lookup runs as before.
    """
    import ctypes.util
    import subprocess

    original = ctypes.util.find_library
    if not sys.platform.startswith("linux"):
        yield
        return
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10,
                                 env={**os.environ, "LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    if not listing:
        yield
        return

    def find_library(name: str) -> str | None:
        found = re.search(rf"\s(lib{re.escape(name)}\.so[^\s]*)\s", listing)
        return found[1] if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


@lru_cache(maxsize=1)
def jailed_fetcher_class() -> type:
    """A WeasyPrint URL fetcher that serves data: URLs and files under the allowed roots only."""
    weasyprint_module()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class Refused(FatalURLFetchingError):
        pass

    class JailedFetcher(URLFetcher):
        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True, timeout=1)
            self.roots = [Path(r).resolve() for r in roots]

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise Refused(f"refused {url!r}: only files of the campaign, templates and fonts may be used, never the network")
            path = Path(unquote(parts.path)).resolve()
            if not is_inside(path, self.roots):
                raise Refused(f"refused {url!r}: outside the campaign, template and font folders "
                              f"(a document may use only the template folders, the fonts and the campaign's photos/)")
            if not path.is_file():
                raise Refused(f"missing file {path}")
            return super().fetch(url, headers)

    return JailedFetcher


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_warnings():
    """Collect what WeasyPrint logs while one document renders."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


MISSING_GLYPH = re.compile(r'\.notdef glyph rendered for Unicode string unsupported by fonts: "(.*)" \((U\+[0-9A-F]+)\)')


def missing_glyphs(messages: list[str]) -> list[str]:
    """Characters drawn as empty boxes, from WeasyPrint's warnings: ['漢 (U+6F22)']."""
    found = [f"{m[1]} ({m[2]})" for m in map(MISSING_GLYPH.search, messages) if m]
    return sorted(set(found))


SECONDS_PER_DOCUMENT = 60.0  # a letter takes a fraction of a second: a document past this is broken or hostile
SECONDS_PER_MEGABYTE = 60.0  # and a campaign document (everyone's labels) gets more time for more text


def seconds_for(html: str) -> float:
    """How long one document may take to lay out and write: it grows with its text."""
    return SECONDS_PER_DOCUMENT + SECONDS_PER_MEGABYTE * len(html) / 1e6


def time_limit(seconds: float):
    """Stop a render that runs past `seconds` with a RenderError (builds and `letters
    render`; the page's renders, in server threads, rely on its size limits instead)."""
    return alarm(seconds, lambda: RenderError(
        f"rendering took longer than {seconds:.0f} s, so it was stopped: the template or its data make the "
        f"layout run away (a huge table, a word thousands of letters long?)"))


@dataclass
class Renderer:
    """Reusable per process: fonts are configured and parsed once, then many documents render."""

    font_config: FontConfiguration
    fonts_css: CSS

    @classmethod
    @lru_cache(maxsize=1)
    def shared(cls) -> Renderer:
        weasyprint = weasyprint_module()
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = weasyprint.CSS(string=font_face_css(), font_config=font_config)
        return cls(font_config, css)

    def render(self, html: str, base_dir: Path, roots: list[Path]) -> tuple[bytes, int]:
        """Render one HTML document; return the PDF bytes and its page count."""
        with time_limit(seconds_for(html)):
            document = self._layout(html, base_dir, roots)
            return write_pdf(document), len(document.pages)

    def render_many(self, htmls: list[str], base_dir: Path, roots: list[Path]) -> list[Outcome]:
        """Lay out documents of one template as one WeasyPrint document, then split it.

        Layout has a high fixed cost per document; a chunk pays it once. Each
        document's pages are found from the layout (the page its wrapper starts
        on), and each part is written alone, so its bytes equal a single render.
        A part that cannot be written (a missing glyph) fails alone, as a message.
        """
        with time_limit(sum(map(seconds_for, htmls))):
            document = self._layout(combine(htmls), base_dir, roots)
        starts = document_starts(document, len(htmls))
        ends = [*starts[1:], len(document.pages)]
        results: list[Outcome] = []
        for html, start, end in zip(htmls, starts, ends, strict=True):
            part = document.copy(document.pages[start:end])
            part.metadata.title = html_title(html)
            try:
                results.append((write_pdf(part), end - start))
            except RenderError as exc:
                results.append(exc.format_message())
        return results

    def _layout(self, html: str, base_dir: Path, roots: list[Path]) -> Any:
        weasyprint = weasyprint_module()
        from weasyprint.urls import FatalURLFetchingError

        fetcher = jailed_fetcher_class()([*roots, FONT_DIR])
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
            ).render(stylesheets=[self.fonts_css], font_config=self.font_config)
        except FatalURLFetchingError as exc:
            raise RenderError(str(exc)) from None
        refuse_attachments(document)
        return document


def refuse_attachments(document: Any) -> None:
    """No file is ever attached to a PDF: `<link rel="attachment">` in the head and
    `<a rel="attachment">` links would embed files (the ledger, /etc/passwd) in it."""
    found = [_attachment_url(a) for a in document.metadata.attachments]
    found += [target for page in document.pages for kind, target, *_ in page.links if kind == "attachment"]
    if found:
        raise RenderError(f"refused: the template attaches {', '.join(map(repr, found[:3]))} to the PDF; "
                          f"a document never carries attachments (remove <link rel=\"attachment\"> or <a rel=\"attachment\">)")
    document.metadata.attachments = []


def _attachment_url(attachment: Any) -> str:
    """The URL an Attachment would fetch (WeasyPrint keeps it only in its source's generator)."""
    frame = getattr(getattr(attachment.source, "gen", None), "gi_frame", None)
    return str((frame.f_locals.get("url") if frame else None) or "a file")


def write_pdf(document: Any) -> bytes:
    """Write a laid-out document; glyphs the fonts lack (drawn as boxes) fail it. No attachments,
    and nothing fetched while writing may leave the jail."""
    from weasyprint.urls import FatalURLFetchingError

    refuse_attachments(document)
    with _weasyprint_warnings() as warnings:
        try:
            pdf = document.write_pdf(attachments=None)
        except FatalURLFetchingError as exc:
            raise RenderError(str(exc)) from None
    if boxes := missing_glyphs(warnings):
        raise RenderError(f"characters the bundled fonts cannot draw (they would print as empty boxes): {', '.join(boxes)}")
    return pdf


BODY = re.compile(r"(<body[^>]*>)(.*)</body>", re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
DOC_MARK = "data-letters-doc"


def html_title(html: str) -> str:
    from html import unescape

    match = TITLE.search(html)
    return unescape(match.group(1)).strip() if match else ""


def combine(htmls: list[str]) -> str:
    """One HTML document from many of the same template: the first head, every body in turn."""
    first = BODY.search(htmls[0])
    parts = [htmls[0][: first.start()], first.group(1)]
    for i, html in enumerate(htmls):
        body = BODY.search(html).group(2)
        parts.append(f'<section {DOC_MARK}="{i}" style="break-before: page">{body}</section>')
    parts.append("</body></html>")
    return "".join(parts)


def document_starts(document: Any, count: int) -> list[int]:
    """The page on which each combined document starts, read from the laid-out boxes."""
    starts: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get(DOC_MARK) is not None:
                starts.setdefault(int(element.get(DOC_MARK)), number)
    if sorted(starts) != list(range(count)):
        raise RenderError(f"could not find where each of {count} documents starts in a chunk")
    return [starts[i] for i in range(count)]


def render_chunk(htmls: list[str], base_dir: Path, roots: list[Path]) -> list[Outcome]:
    """Render a chunk in this process; a failing chunk is retried one document at a time.

    Returns, per document, (pdf, pages) or the reason it failed, so one broken
    document never costs the others. This is what pool workers run.
    """
    renderer = Renderer.shared()
    if not htmls:  # a pool's warm-up: WeasyPrint imported and the fonts loaded before the first chunk
        return []
    try:
        return renderer.render_many(htmls, base_dir, roots)
    except Exception:
        pass  # e.g. a resource outside the jail: find which document it was
    results: list[Outcome] = []
    for html in htmls:
        try:
            results.append(renderer.render(html, base_dir, roots))
        except RenderError as exc:
            results.append(exc.format_message())
        except Exception as exc:  # WeasyPrint choking on one document: that document's failure alone
            results.append(f"WeasyPrint failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return results
