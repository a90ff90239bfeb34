"""Event packs: one printable PDF per volunteer, and a sheet for the organizer.

`letters pack CAMPAIGN --volunteers N` shares out the people who can receive
mail (least written first, from the ledger), renders each one's writer's
sheet, letter and envelope through the batch engine, and merges per
volunteer: a cover page, then for each person the sheet and the letter, each
padded to an even page count so everything starts on a front side in duplex;
the envelopes, another paper size fed one by one, go in a file of their own. Every letter and envelope is recorded in the ledger with the
pack and the volunteer; the letter's number is printed on the writer's sheet,
never on the letter. Volunteers' names appear only on the cover and the
organizer's sheet (volunteer audience), never on anything posted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.errors import LettersError
from ..core.files import write_atomic
from ..data.load import CampaignData, load_campaign
from ..pipeline import manifest
from ..pipeline.bundles import merge_pdfs
from ..pipeline.compose import Composer
from ..pipeline.engine import BuildResult, file_roots, render_jobs
from ..pipeline.plan import Job, mail_refusal
from ..pipeline.render import Renderer
from .ledger import Generated, Ledger, campaign_key, db_path, letters_of


@dataclass(frozen=True)
class Volunteer:
    number: int
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"Volunteer {self.number}"

    @property
    def file_name(self) -> str:
        slug = re.sub(r"[^\w]+", "-", (self.name or "").lower()).strip("-")[:40].strip("-")
        return f"{self.number:02d}-{slug}.pdf" if slug else f"{self.number:02d}.pdf"


def volunteers_from(count: int | None, names_file: Path | None) -> list[Volunteer]:
    """Numbered volunteers, or named ones from a file (one name per line)."""
    if names_file:
        try:
            names = [line.strip() for line in Path(names_file).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise LettersError(f"{names_file}: cannot read the volunteers' names ({exc})") from None
        if not names:
            raise LettersError(f"{names_file}: no names in it (one volunteer per line)")
        if count is not None and count != len(names):
            raise LettersError(f"--volunteers {count} but {names_file} names {len(names)}")
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise LettersError(f"{names_file}: {', '.join(twice)} named twice; give each volunteer a different name")
        return [Volunteer(i, name) for i, name in enumerate(names, start=1)]
    if not count or count < 1:
        raise LettersError("say how many volunteers (--volunteers N) or name them (--names FILE)")
    return [Volunteer(i) for i in range(1, count + 1)]


@dataclass
class Seat:
    """One person in one volunteer's pack, and the documents for them."""

    volunteer: Volunteer
    person: str
    number: str  # the letter's number in the ledger, e.g. K3-2-1
    sheet: Job
    letter: Job
    envelope: Job | None


@dataclass
class PackResult:
    pack: str
    out_dir: Path
    seats: list[Seat]
    files: dict[str, Path] = field(default_factory=dict)  # volunteer label (or "organizer") -> PDF
    build: BuildResult | None = None


def make_packs(
    root: Path,
    volunteers: list[Volunteer],
    out_dir: Path | None = None,
    per_volunteer: int | None = None,
    lang: str | None = None,
    envelope: str | None = "envelope-dl",
    db: Path | None = None,
    jobs: int | None = None,
    include_stale: bool = False,
    progress=None,
) -> PackResult:
    data = replace(load_campaign(root), include_stale=include_stale)
    lang = lang or data.campaign.languages[0]
    if lang not in ("be", "ru"):
        raise LettersError(f"--lang must be be or ru, not {lang!r}")
    envelopes = data.registry.named("envelope")
    if envelope and envelope not in envelopes:
        raise LettersError(f"--envelope must be one of {', '.join(envelopes)} or none")
    people = [pid for pid in sorted(data.prisoners) if mail_refusal(data.prisoners[pid], data) is None]
    if not people:
        raise LettersError(f"nobody in {root} can receive mail now (see `letters build` for the reasons)")
    key = campaign_key(root)
    if out_dir is not None:
        _refuse_taken_folder(Path(out_dir))  # before a pack number is taken for it
    with Ledger(db_path(root, db)) as ledger:
        counts = ledger.counts(key, letters_of(data))
        number = ledger.reserve_pack(key, dt.date.today(), len(volunteers))
        pack = f"K{number}"
        written = {p: (c.sent, c.generated) for p, c in counts.items()}
        shares = assign(people, written, len(volunteers), per_volunteer, seed=f"{key}:{pack}")
        out_dir = Path(out_dir or Path("output") / f"{key}-pack-{pack}")
        _refuse_taken_folder(out_dir)
        _make_pack_folder(out_dir)
        seats = _seats(data, volunteers, shares, pack, lang, envelope)
        unique = list({job.doc_id: job for seat in seats for job in (seat.sheet, seat.letter, seat.envelope) if job}.values())
        result = render_jobs(data, unique, BuildResult(out_dir), jobs=jobs, bundle=False, progress=progress,
                             others=lambda doc_id: True)  # nothing in a pack's folder is stale: an earlier try's files stay
        if result.failures:
            lines = "\n  ".join(f"{f.file}: {f.message}" for f in result.failures)
            raise LettersError(f"pack {pack} not made, {len(result.failures)} document(s) failed:\n  {lines}")
        entries = {e.id: e for e in result.entries}
        files = _assemble(data, out_dir, pack, volunteers, seats, entries, counts)
        ledger.record([
            Generated(seat_doc_id, key, seat.person, job.product.name, job.lang, dt.date.today(), pack, seat.volunteer.label,
                      str((out_dir / entries[job.doc_id].path).resolve()), entries[job.doc_id].sha256)
            for seat in seats
            for seat_doc_id, job in ((seat.number, seat.letter), (f"{seat.number}E", seat.envelope)) if job
        ])
    return PackResult(pack, out_dir, seats, files, result)


def assign(
    people: list[str], written: dict[str, tuple[int, ...]], volunteers: int, per_volunteer: int | None, seed: str
) -> list[list[str]]:
    """Share people out to volunteers for an event: the least written first (by `written`,
    e.g. (letters sent, letters generated) from the ledger), nobody twice in one pack,
    and everyone covered as evenly as the numbers allow.

    Each volunteer gets `per_volunteer` people (default: enough for everyone to be
    covered once), at most everyone. Ties are broken by a hash with `seed`, so
    equally-written people take turns from one event to the next.
    """
    if volunteers < 1:
        raise LettersError("at least one volunteer")
    if not people:
        return [[] for _ in range(volunteers)]
    order = sorted(people, key=lambda p: (written.get(p, ()), hashlib.sha256(f"{seed}\0{p}".encode()).hexdigest()))
    per = min(per_volunteer or math.ceil(len(order) / volunteers), len(order))
    total = volunteers * per
    rank = {p: i for i, p in enumerate(order)}
    # how many packs each person should be in: the same for all, one more for the least written
    quota = {p: total // len(order) + (1 if rank[p] < total % len(order) else 0) for p in order}
    packs: list[list[str]] = [[] for _ in range(volunteers)]
    given = dict.fromkeys(order, 0)
    for _ in range(per):
        for pack in packs:
            # whoever has the fewest writers so far; then whoever is owed most; then the least written
            best = min((p for p in order if p not in pack), key=lambda p: (given[p], -quota[p], rank[p]))
            quota[best] -= 1
            given[best] += 1
            pack.append(best)
    return packs


MARKER = ".letters-pack"  # marks a folder as a pack's, so a pack never takes over a build's folder


def _refuse_taken_folder(out_dir: Path) -> None:
    """A pack writes its own manifest and files with the same names as any other pack's
    (packs/01.pdf, organizer.pdf): never into a build's folder, nor into another pack's."""
    if not (out_dir / manifest.MANIFEST).is_file():
        return
    if not (out_dir / MARKER).is_file():
        raise LettersError(f"{out_dir} holds a build (manifest.json without a pack); give the pack its own folder with -o")
    try:
        made = sorted({str(d.get("id", "")).split("-")[1] for d in manifest.read_manifest(out_dir)["documents"]
                       if isinstance(d, dict) and d.get("kind") == "pack" and str(d.get("id", "")).count("-") >= 2})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise LettersError(f"{out_dir}/manifest.json is not readable; give the pack a new folder with -o") from None
    if made:
        raise LettersError(f"{out_dir} holds pack {', '.join(made)} already, which a new pack would overwrite; "
                           "give it a new folder with -o (the default is a folder per pack)")


def _make_pack_folder(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).touch()


def _seats(data: CampaignData, volunteers: list[Volunteer], shares: list[list[str]], pack: str, lang: str, envelope: str | None) -> list[Seat]:
    paper = data.campaign.paper
    envelope_lang = data.campaign.languages[0]
    product = data.registry.product
    seats = []
    for volunteer, people in zip(volunteers, shares, strict=True):
        for k, person in enumerate(people, start=1):
            number = f"{pack}-{volunteer.number}-{k}"
            seats.append(Seat(
                volunteer, person, number,
                Job(product("writer-sheet"), person, lang, paper, writer=volunteer.number, tag=number),
                # every volunteer's letter is their own: writer n's sentences and question (Job.name: -writerN)
                Job(product("letter"), person, lang, paper, writer=volunteer.number),
                Job(product(envelope), person, envelope_lang, paper) if envelope else None,
            ))
    return seats


def _assemble(data, out_dir: Path, pack: str, volunteers: list[Volunteer], seats: list[Seat], entries: dict[str, manifest.Entry], counts) -> dict[str, Path]:
    """Cover pages and the organizer's sheet, then one merged PDF per volunteer."""
    composer = Composer(data)
    renderer = Renderer.shared()
    roots = file_roots(data)
    names = {pid: p.names for pid, p in data.prisoners.items()}
    files: dict[str, Path] = {}
    listed: list[manifest.Entry] = list(entries.values())
    for volunteer in volunteers:
        mine = [s for s in seats if s.volunteer == volunteer]
        html = composer.page("pack/cover.html", {"pack": pack, "volunteer": volunteer, "seats": [_seat_row(s, names) for s in mine],
                                                 "envelopes": any(s.envelope for s in mine)})
        cover, _ = renderer.render(html, Path(data.root), roots)
        parts = [cover] + [(out_dir / entries[job.doc_id].path).read_bytes() for s in mine for job in (s.sheet, s.letter)]
        pdf, pages = merge_pdfs(parts, f"Pack {pack}: {volunteer.label}", pad=True)
        path = out_dir / "packs" / volunteer.file_name
        write_atomic(path, pdf)
        files[volunteer.label] = path
        listed.append(_pack_entry(f"pack-{pack}-{volunteer.number}", path, out_dir, pdf, pages,
                                    f"Pack {pack}: {volunteer.label}", [s.number for s in mine]))
        if envelopes := [(out_dir / entries[s.envelope.doc_id].path).read_bytes() for s in mine if s.envelope]:
            # envelopes are fed on their own (another size, one side): a file of their own
            pdf, pages = merge_pdfs(envelopes, f"Pack {pack}: {volunteer.label}, envelopes", pad=False)
            path = out_dir / "packs" / volunteer.file_name.replace(".pdf", "-envelopes.pdf")
            write_atomic(path, pdf)
            files[f"{volunteer.label}, envelopes"] = path
            listed.append(_pack_entry(f"pack-{pack}-{volunteer.number}-envelopes", path, out_dir, pdf, pages,
                                        f"Pack {pack}: {volunteer.label}, envelopes", [f"{s.number}E" for s in mine]))
    rows = [_seat_row(s, names) for s in seats]
    coverage = sorted({s.person for s in seats})
    html = composer.page("pack/organizer.html", {
        "pack": pack, "volunteers": volunteers, "seats": rows,
        "coverage": [{"person": p, "latin": f"{names[p].latin.first} {names[p].latin.last}",
                      "writers": sum(1 for s in seats if s.person == p),
                      "before": counts.get(p)} for p in coverage],
    })
    pdf, pages = renderer.render(html, Path(data.root), roots)
    path = out_dir / "packs" / "organizer.pdf"
    write_atomic(path, pdf)
    files["organizer"] = path
    listed.append(_pack_entry(f"pack-{pack}-organizer", path, out_dir, pdf, pages, f"Pack {pack}: organizer's sheet", [s.number for s in seats]))
    manifest.write_manifest(out_dir, data.campaign.title, listed, [])
    return files


def _seat_row(seat: Seat, names) -> dict[str, str]:
    n = names[seat.person]
    return {"number": seat.number, "person": seat.person, "latin": f"{n.latin.first} {n.latin.last}",
            "cyrillic": f"{getattr(n, seat.letter.lang).first} {getattr(n, seat.letter.lang).last}",
            "volunteer": seat.volunteer.label, "volunteer_number": str(seat.volunteer.number)}


def _pack_entry(doc_id: str, path: Path, out_dir: Path, pdf: bytes, pages: int, title: str, parts: list[str]) -> manifest.Entry:
    return manifest.Entry(id=doc_id, product="pack", audience="volunteer", prisoner=None, lang="mul", paper="",
                        path=path.relative_to(out_dir).as_posix(), pages=pages, sha256=manifest.sha256(pdf), title=title,
                        kind="pack", parts=tuple(parts))
