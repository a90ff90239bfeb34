"""Stage 4: HTML to PDF with WeasyPrint, inside a file jail, with the bundled fonts.

WeasyPrint is imported lazily so that commands which render nothing start fast.
Each process keeps one FontConfiguration and one parsed font stylesheet.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import RenderError, SystemLibraryError

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILIES = {
    "PT Serif": {
        ("normal", "normal"): "PTSerif-Regular.ttf",
        ("italic", "normal"): "PTSerif-Italic.ttf",
        ("normal", "bold"): "PTSerif-Bold.ttf",
        ("italic", "bold"): "PTSerif-BoldItalic.ttf",
    },
    "PT Sans": {
        ("normal", "normal"): "PTSans-Regular.ttf",
        ("normal", "bold"): "PTSans-Bold.ttf",
    },
}

# Font subsets written by WeasyPrint's fontTools fallback carry the time of
# rendering unless this is set; a fixed value keeps identical input identical.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")

PANGO_HINT = (
    "WeasyPrint cannot load Pango, which it needs to lay out text. Install it: "
    "Debian/Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0`, "
    "Fedora `dnf install pango`, macOS `brew install pango`. ({error})"
)


def weasyprint_module() -> Any:
    """Import WeasyPrint, turning a missing system library into a clear instruction."""
    try:
        import weasyprint
    except OSError as exc:
        raise SystemLibraryError(PANGO_HINT.format(error=exc)) from None
    return weasyprint


def font_face_css() -> str:
    """@font-face rules for the bundled fonts, so no page depends on the host's fonts."""
    rules = []
    for family, faces in FONT_FAMILIES.items():
        for (style, weight), filename in faces.items():
            url = (FONT_DIR / filename).as_uri()
            rules.append(
                f"@font-face {{ font-family: '{family}'; font-style: {style}; "
                f"font-weight: {weight}; src: url('{url}') format('truetype'); }}"
            )
    return "\n".join(rules)


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
            if not any(path.is_relative_to(root) for root in self.roots):
                raise Refused(f"refused {url!r}: outside the campaign, template and font folders")
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
        weasyprint = weasyprint_module()
        from weasyprint.urls import FatalURLFetchingError

        fetcher = jailed_fetcher_class()([*roots, FONT_DIR])
        try:
            with _weasyprint_warnings() as warnings:
                document = weasyprint.HTML(
                    string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
                ).render(stylesheets=[self.fonts_css], font_config=self.font_config)
                pdf = document.write_pdf()
        except FatalURLFetchingError as exc:
            raise RenderError(str(exc)) from None
        if boxes := missing_glyphs(warnings):
            raise RenderError(f"characters the bundled fonts cannot draw (they would print as empty boxes): {', '.join(boxes)}")
        return pdf, len(document.pages)


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
