"""Stage 6: the manifest, the output contract that scripts and tests rely on.

`DIR/manifest.json` lists every document with its product, audience, prisoner,
language, path (relative to DIR), page count and sha256; no timestamps, so the
same inputs give the same manifest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import LettersError
from .render import write_atomic

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Entry:
    id: str
    product: str
    audience: str
    prisoner: str | None
    lang: str
    paper: str
    path: str
    pages: int
    sha256: str
    title: str
    key: str = ""  # hash of everything that determines the PDF; equal key, no re-render
    kind: str = "document"  # or "bundle": documents merged for printing in one go
    parts: tuple[str, ...] = ()  # a bundle's documents (ids), in order


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_manifest(out_dir: Path, campaign: str, entries: list[Entry], skipped: list[dict[str, str]]) -> Path:
    """Write the manifest atomically, documents sorted by path."""
    document: dict[str, Any] = {
        "campaign": campaign,
        "documents": [asdict(e) for e in sorted(entries, key=lambda e: e.path)],
        "skipped": sorted(skipped, key=lambda s: (s["prisoner"], s["product"])),
    }
    path = out_dir / MANIFEST
    write_atomic(path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def read_manifest(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))


def merge_outputs(out_dir: Path, shard_dirs: list[Path]) -> int:
    """Copy every shard's documents into out_dir and write one manifest listing them all."""
    entries: dict[str, Entry] = {}
    skipped: dict[tuple[str, str], dict[str, str]] = {}
    campaign = ""
    for shard in shard_dirs:
        manifest = read_manifest(shard)
        campaign = manifest["campaign"]
        for doc in manifest["documents"]:
            entry = Entry(**doc)
            data = (shard / entry.path).read_bytes()
            if sha256(data) != entry.sha256:
                raise LettersError(f"{shard / entry.path}: does not match its manifest's sha256")
            if Path(shard).resolve() != Path(out_dir).resolve():
                write_atomic(out_dir / entry.path, data)
            entries[entry.id] = entry
        for skip in manifest["skipped"]:
            skipped[(skip["prisoner"], skip["product"])] = skip
    write_manifest(out_dir, campaign, list(entries.values()), list(skipped.values()))
    return len(entries)
