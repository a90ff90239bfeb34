"""The letter bank: everything generated for one person, to hand over after release.

Copies every document the ledger knows for the person (the files the packs
wrote, checked against their sha256) into a folder with an index of what was
generated, when, in which pack, and what happened to it (sent, returned,
reply). Volunteers appear only through the letter number (K3-2-1: pack 3,
volunteer 2), never by name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import LettersError
from ..core.files import inside, write_atomic
from ..data.load import load_campaign
from ..data.spreadsheet import csv_text
from .ledger import Ledger, campaign_key, db_path


@dataclass
class ArchiveResult:
    out_dir: Path
    copied: int = 0
    missing: list[str] = field(default_factory=list)


def make_archive(root: Path, person: str, out_dir: Path, db: Path | None = None) -> ArchiveResult:
    data = load_campaign(root)
    if person not in data.prisoners:
        raise LettersError(f"no prisoner {person!r} in {Path(root) / 'prisoners'}")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise LettersError(f"{out_dir} is not empty; choose a new folder for the archive")
    with Ledger(db_path(root, db), create=False) as ledger:
        history = ledger.history(campaign_key(root), person)
    if not history:
        raise LettersError(f"the ledger has nothing generated for {person} yet")
    result = ArchiveResult(out_dir)
    rows = []
    for doc in history:
        source = Path(doc["path"]) if doc["path"] else None
        copy, note = None, None
        if not source or not source.is_file():
            note = "no longer on disk"
        elif hashlib.sha256(source.read_bytes()).hexdigest() != doc["sha256"]:
            note = "changed on disk since it was generated (not copied)"
        else:
            copy = f"documents/{doc['id']}-{doc['product']}.pdf"
            (out_dir / "documents").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, inside(out_dir, copy, "a document number in the ledger"))
            result.copied += 1
        if note:
            result.missing.append(doc["id"])
        rows.append({"number": doc["id"], "product": doc["product"], "lang": doc["lang"], "generated_on": doc["generated_on"],
                     "pack": doc["pack"], "file": copy, "note": note, "events": doc["events"]})
    names = data.prisoners[person].names
    index = {"person": {"id": person, "names": names.model_dump()}, "campaign": data.campaign.title, "documents": rows}
    write_atomic(out_dir / "index.json", (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    table = [["number", "product", "lang", "generated on", "pack", "file", "sent", "returned", "reply"]]
    for row in rows:
        on = {kind: ", ".join(e["on"] for e in row["events"] if e["kind"] == kind) for kind in ("sent", "returned", "reply")}
        table.append([row["number"], row["product"], row["lang"], row["generated_on"], row["pack"] or "", row["file"] or f"({row['note']})",
                      on["sent"], on["returned"], on["reply"]])
    write_atomic(out_dir / "index.csv", csv_text(table, lineterminator="\n").encode("utf-8"))
    return result
