"""What a build can reuse: the key of each document, the previous manifest, and stale outputs.

A document is re-rendered only when its key changes. The key holds everything
that determines its bytes: its HTML (templates, texts, profile, facility and
campaign settings are all in it), the photo it shows, the files the
campaign's templates may fetch, the fonts, the versions and the lint rules it
passed. Paths read from the previous manifest are checked to stay inside the
output folder before anything is read or deleted.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from .. import __version__
from ..core.errors import LettersError
from ..core.files import inside
from ..core.fonts import FONT_DIR
from ..data.load import CampaignData
from . import manifest
from .plan import Job


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
    """Everything that determines a document's file (see the module's docstring)."""
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

    digest = hashlib.sha256(f"{__version__} weasyprint {version('weasyprint')}".encode())
    for font in sorted(FONT_DIR.glob("*.ttf")):
        digest.update(font.read_bytes())
    return digest.hexdigest()


def previous_entries(out_dir: Path) -> dict[str, manifest.Entry]:
    """The entries of the last build whose files are still there, inside out_dir."""
    try:
        documents = manifest.read_manifest(out_dir)["documents"]
        entries = [manifest.entry_from(d) for d in documents]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    kept = {}
    for entry in entries:
        try:
            if inside(out_dir, entry.path).is_file():
                kept[entry.id] = entry
        except LettersError:
            continue  # a path outside the folder is never ours: it is neither reused nor deleted
    return kept


def remove_output(out_dir: Path, entry: manifest.Entry) -> bool:
    """Delete the file of an entry, only inside out_dir; whether a file was removed."""
    try:
        path = inside(out_dir, entry.path)
    except LettersError:
        return False
    if path.is_file():
        path.unlink()
        return True
    return False


def remove_stale(out_dir: Path, previous: dict[str, manifest.Entry], planned: set[str]) -> int:
    """Delete outputs of documents that no longer belong to the campaign (only files we made)."""
    return sum(remove_output(out_dir, entry) for doc_id, entry in previous.items() if doc_id not in planned)
