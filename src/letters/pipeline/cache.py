"""What a build can reuse: the key of each document, the previous manifest, and stale outputs.

A document is re-rendered only when its key changes. The key holds everything
that determines its bytes: its HTML (templates, texts, profile, facility and
campaign settings are all in it), the photo it shows, the files the
campaign's templates may fetch, the fonts, the versions and the lint rules it
passed.

Composing the HTML of every document to learn its key costs seconds at a
thousand people, so each document also has an *inputs* key: the files and
settings its HTML is made from (its people's profiles and photos, the
campaign's files, every template and text file, letters' own code, the date
and the print settings). When the inputs are unchanged, the document is
reused without composing it; when they changed, its HTML is composed and the
HTML key decides (an edited bio re-renders only what shows the bio).

Paths read from the previous manifest are checked to stay inside the output
folder before anything is read or deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.errors import LettersError
from ..core.files import inside
from ..core.fonts import FONT_DIR
from ..core.templates import template_dirs
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
    """Fonts, letters' version and the versions of the libraries that shape the output (read
    without importing them): an upgrade of Babel or Jinja2 may change a document's words."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    libraries = " ".join(f"{n} {installed(n)}" for n in ("weasyprint", "jinja2", "babel", "fonttools", "pydyf", "pymorphy3"))
    digest = hashlib.sha256(f"{__version__} {libraries}".encode())
    for font in sorted(FONT_DIR.glob("*.ttf")):
        digest.update(font.read_bytes())
    return digest.hexdigest()


def _digest_files(paths: list[Path], root: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in paths:
        name = path.relative_to(root).as_posix() if root else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def _code_key() -> str:
    """letters' own source: a change to the code may change any document."""
    package = Path(__file__).resolve().parents[1]
    return _digest_files(sorted(package.rglob("*.py")), package)


class InputKeys:
    """The inputs key of each document of one build (see the module's docstring)."""

    def __init__(self, data: CampaignData, rules: str, assets: str):
        self.data = data
        root = Path(data.root)
        library = [p for folder in template_dirs(root) for p in sorted(folder.rglob("*")) if p.is_file()]
        campaign_files = [p for p in sorted(root.glob("*.y*ml")) if p.is_file()]
        settings = f"{data.date} {data.include_stale} {data.campaign.model_dump_json()}"
        self.common = hashlib.sha256("\0".join([
            _static_key(), _code_key(), rules, assets, settings,
            _digest_files(library, None), _digest_files(campaign_files, root),
        ]).encode()).hexdigest()
        self.people: dict[str, str] = {}
        self.keys: dict[tuple[str, str], str] = {}

    def person(self, pid: str) -> str:
        """A person's profile file and photo."""
        if pid not in self.people:
            files = [self.data.files[pid]]
            photo = self.data.prisoners[pid].photo
            if photo:
                files.append(Path(self.data.root) / photo)
            self.people[pid] = _digest_files(files)
        return self.people[pid]

    def key(self, job: Job, last: bool = False) -> str:
        """The job's inputs key, made once per build (the engine asks twice: to see how much
        there is to compose, then to compose it). `last`: the last ask; the key is not kept
        here after it (the manifest's entry keeps it: 110,000 of them at 10,000 people)."""
        where = (job.doc_id, job.paper)
        found = self.keys.pop(where, None) if last else self.keys.get(where)
        if found is None:
            parts = [self.common, repr(job), *(self.person(p) for p in job.people)]
            if job.message:
                parts.append(hashlib.sha256(Path(job.message).read_bytes()).hexdigest())
            found = hashlib.sha256("\0".join(parts).encode()).hexdigest()
            if not last:
                self.keys[where] = found
        return found


def previous_entries(out_dir: Path, found: dict[str, Any] | None = None,
                     plain: dict[str, int] | None = None) -> dict[str, manifest.Entry]:
    """The entries of the last build (its manifest `found`, read when not given)
    whose files are still there, inside out_dir, as that build wrote them.

    A file changed since the manifest was written (newer than it) is reused only if
    its sha256 is still the manifest's: an edited or damaged PDF is made again, never
    merged into a bundle as if it were the one the manifest describes.
    `plain`: the folder's `plain_files`, when they were listed already."""
    try:
        written = (Path(out_dir) / manifest.MANIFEST).stat().st_mtime_ns
        documents = (found if found is not None else manifest.read_manifest(out_dir))["documents"]
        entries = [manifest.entry_from(d) for d in documents]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    plain = plain_files(out_dir) if plain is None else plain
    kept = {}
    for entry in entries:
        changed = plain.get(entry.path) if isinstance(entry.path, str) else None
        if changed is None:  # not a plain file reached without a link: checked the slow way
            try:
                path = inside(out_dir, entry.path)
                changed = path.stat().st_mtime_ns if path.is_file() else None
            except (LettersError, OSError):
                continue  # a path outside the folder is never ours: it is neither reused nor deleted
            if changed is None:
                continue
        if changed > written and not _unchanged(Path(out_dir) / entry.path, entry.sha256):
            continue
        kept[entry.id] = entry
    return kept


def _unchanged(path: Path, sha256: str) -> bool:
    try:
        return manifest.sha256(path.read_bytes()) == sha256
    except OSError:
        return False


LEFTOVER = re.compile(r"(?:^|/)\.[^/]+\.part$")  # write_atomic's temporary name: ".name.<random>.part"


def remove_leftovers(out_dir: Path, plain: dict[str, int]) -> None:
    """A build that was killed mid-write leaves write_atomic's temporary file behind; under
    the build lock no other build is writing one, so every such file is debris."""
    for name in [n for n in plain if LEFTOVER.search(n)]:
        (Path(out_dir) / name).unlink(missing_ok=True)
        del plain[name]


def plain_files(out_dir: Path) -> dict[str, int]:
    """Every plain file under out_dir reached without following a link, as its relative POSIX
    path, with the time it was last changed (ns). Such a file is inside the folder by
    construction, so only the other paths of a manifest need `inside`, which resolves each
    path link by link: 12,000 paths took a second."""
    found: dict[str, int] = {}
    folders = [("", Path(out_dir))]
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as items:
                for item in items:
                    if item.is_dir(follow_symlinks=False):
                        folders.append((f"{prefix}{item.name}/", Path(item.path)))
                    elif item.is_file(follow_symlinks=False):
                        found[prefix + item.name] = item.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
    return found


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
