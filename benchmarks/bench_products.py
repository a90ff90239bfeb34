"""Benchmark of every product (issue 11): each product alone, the whole list, rebuilds,
the whole list without HarfBuzz's subsetter, and one document in a warm process.

Run by hand:  .venv/bin/python benchmarks/bench_products.py [N] [options]   (default N = 1000)
              .venv/bin/python benchmarks/bench_products.py --quick         (N = 20: does it work?)
Options: --products a,b   --only products,mix,single   --skip-reference   --skip-no-subsetter   --keep DIR

The synthetic campaign has N clearly fictional people at the test fixture's
fictional colony, makes the example campaign's whole product list for all of
them, and is written to a temporary folder, never into campaigns/. Every
build is `letters build` in a new process (cold, default --jobs); its memory
is the peak of its whole process tree. The results are printed as Markdown.
"""

from __future__ import annotations

import argparse
import ctypes.util
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from harness import LETTERS, REPO, compile_package, median_time, person_id, run, timed, write_campaign

EXAMPLE = REPO / "campaigns" / "belarus-2025" / "campaign.yaml"
NO_SUBSETTER_SITE = Path(__file__).resolve().parent / "no_subsetter"  # its sitecustomize.py hides the subsetter
NO_SUBSETTER_ENV = "LETTERS_BENCH_NO_SUBSETTER"
PARTS = ("products", "mix", "single")
QUICK_N = 20
SINGLE_N = 10  # people in the campaign of the one-document timings: the example campaign's size
CHILD = "child"  # argv[1] of this script run as a subprocess for one in-process measurement
EDIT = ("person number 0.", "person number zero.")  # the bio edit before the one-profile rebuild
REBUILDS = 3  # runs of each rebuild, for a median


# ------------------------------------------------------------------ targets and results


@dataclass(frozen=True)
class Target:
    """A bound from issue 11: `value >= bound` (at_least) or `value < bound`."""

    bound: float
    at_least: bool
    unit: str = ""

    def __str__(self) -> str:
        return f"{'>=' if self.at_least else '<'} {self.bound:g}{self.unit}"

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value < self.bound


VS_LETTER = Target(0.5, True, "x letter")
VS_REFERENCE = Target(1.6, True, "x")
PEAK_MB = Target(600, False, " MB")
NO_CHANGE_S = Target(2, False, " s")
ONE_EDIT_S = Target(3, False, " s")
NO_SUBSETTER = Target(0.5, True, "x")
WARM_LETTER_S = Target(0.15, False, " s")
WARM_PNG_S = Target(0.3, False, " s")
COLD_RENDER_S = Target(1, False, " s")


@dataclass(frozen=True)
class Row:
    """One line of the results table: what, the number as shown, and the target it is held to."""

    what: str
    shown: str
    value: float | None = None
    target: Target | None = None

    def cells(self) -> list[str]:
        return [self.what, self.shown, *verdict(self.value, self.target)]


def verdict(value: float | None, target: Target | None) -> list[str]:
    """The target and whether the value meets it, as two table cells (empty without a target)."""
    if target is None or value is None:
        return ["", ""]
    return [str(target), "met" if target.met(value) else "**NOT met**"]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def noted(rows: list[Row]) -> list[Row]:
    """Rows also as progress, as soon as measured: the table itself comes at the end."""
    for row in rows:
        note("  " + " | ".join(str(cell) for cell in row.cells() if cell))
    return rows


def note(message: str) -> None:
    """Progress on stderr: a full run takes many minutes, and the table comes at the end."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the synthetic campaign

FIRST_NAMES = {  # (be, ru, latin); the surnames say "made-up"
    "male": [("Алесь", "Алесь", "Ales"), ("Мікола", "Николай", "Mikola"), ("Сяргей", "Сергей", "Siarhei"),
             ("Андрэй", "Андрей", "Andrei")],
    "female": [("Ганна", "Анна", "Hanna"), ("Вольга", "Ольга", "Volha"), ("Тацяна", "Татьяна", "Tatsiana"),
               ("Марына", "Марина", "Maryna")],
}
SURNAMES = {"male": ("Выдуманы", "Вымышленный", "Vydumany"), "female": ("Выдуманая", "Вымышленная", "Vydumanaya")}
ROLES = [("fictional librarian", "вымышленный библиотекарь"), ("fictional engineer", "вымышленный инженер"),
         ("fictional journalist", "вымышленный журналист"), ("fictional teacher", "вымышленный учитель")]
TOPICS = [("books", "sport"), ("gardening", "films"), ("music", "chess"), ("history", "travel")]


def campaign_yaml(products: list[str]) -> str:
    """The example campaign's settings with a fixed date, five days after every profile was verified."""
    return f"""title: Benchmark, every product (fictional people)
date: 2026-01-15
languages: [be, ru]
appeal_languages: [en, ru]
paper: a4
products: [{", ".join(products)}]
appeal_to: prosecutor-general
stale_after_days: 90
"""


def full_profile(i: int) -> str:
    """A letter-eligible fictional person with every field the templates print, and a
    two-sentence bio, so that each product lays out as much text as a real profile's."""
    gender = "female" if i % 2 else "male"
    first = FIRST_NAMES[gender][i // 2 % 4]
    last = SURNAMES[gender]
    role = ROLES[i % len(ROLES)]
    topics = TOPICS[i % len(TOPICS)]
    detained = dt.date(2020 + i % 5, 1 + i % 12, 1 + i % 28)
    names = "\n".join(f"  {lang}: {{first: {first[k]}, last: {last[k]}}}" for k, lang in enumerate(("be", "ru", "latin")))
    return f"""id: {person_id(i)}
names:
{names}
gender: {gender}
birth_date: {dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)}
status: imprisoned
correspondence: open
facility: test-colony-1
detention_date: {detained}
articles: ["342 part 1"]
sentence: {{years: 3}}
role: {{en: {role[0]}, ru: {role[1]}}}
bio: >-
  A {role[0]} invented for this benchmark, person number {i}. Detained on
  {detained:%d %B %Y} in a made-up town after a peaceful gathering that never
  took place, and sentenced to three years in a colony that does not exist either.
topics: [{topics[0]}, {topics[1]}]
sources: [{{url: "https://example.org/fictional/{i}", title: Fictional source}}]
last_verified: 2026-01-10
"""


def make_campaign(root: Path, n: int, products: list[str]) -> Path:
    return write_campaign(root, n, campaign_yaml(products), full_profile)


def example_products() -> list[str]:
    """The example campaign's product list: the mix this benchmark is about."""
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["products"]


# ------------------------------------------------------------------ builds


@dataclass(frozen=True)
class Build:
    """One cold `letters build`: its time and memory, and what it made (from its manifest)."""

    seconds: float
    peak_mb: float
    documents: int
    pages: int
    parent_mb: float = 0.0  # the peak of the `letters build` process alone
    worker_mb: float = 0.0  # the peak of its largest worker
    pss_mb: float = 0.0  # the peak of all processes' proportional memory (shared pages counted once)
    at_peak: str = ""  # the processes at the summed peak, largest first

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds

    @property
    def documents_per_s(self) -> float:
        return self.documents / self.seconds


def build(campaign: Path, out: Path, products: list[str] | None = None, env: dict[str, str] | None = None) -> Build:
    """`letters build` in a new process; a failed document fails it (exit 1), and so does a skip."""
    command = [*LETTERS, "build", str(campaign), "-o", str(out), "-q", *(f"--product={p}" for p in products or [])]
    split: dict[str, object] = {}
    seconds, peak = timed(command, env, split)
    return Build(seconds, peak, *made(out), split["parent"], split["worker"], split["pss"], split["at_peak"])


def made(out: Path) -> tuple[int, int]:
    """Documents and pages in a build's manifest. Everyone is meant to get everything:
    a skipped document would make the product look faster than it is."""
    found = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if found["skipped"]:
        raise SystemExit(f"{out}: the benchmark's campaign should skip nothing, but: {found['skipped'][:3]}")
    documents = [d for d in found["documents"] if d.get("kind", "document") == "document"]
    return len(documents), sum(d["pages"] for d in documents)


def without_subsetter(folder: Path) -> dict[str, str]:
    """The environment of a process tree with HarfBuzz's subsetter hidden (no_subsetter/sitecustomize.py):
    each process that loads WeasyPrint leaves its pid in `folder`."""
    folder.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(NO_SUBSETTER_SITE), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, NO_SUBSETTER_ENV: str(folder), "PYTHONPATH": path}


def hidden_build(campaign: Path, out: Path, folder: Path, products: list[str] | None = None) -> tuple[Build, int]:
    """A cold build without the subsetter, and how many of its processes loaded WeasyPrint
    that way; refuses to report a number unless the subsetter really was hidden."""
    env = without_subsetter(folder)
    _, _, doctor = run([*LETTERS, "doctor"], env)
    if "!! harfbuzz subsetter" not in doctor:  # doctor marks what is missing with !!
        raise SystemExit(f"the subsetter is not hidden; `letters doctor` says:\n{doctor}")
    for pid in folder.iterdir():  # doctor's own
        pid.unlink()
    result = build(campaign, out, products, env)
    shutil.rmtree(out)
    processes = len(list(folder.iterdir()))
    if not processes:
        raise SystemExit("no process of the build loaded WeasyPrint with the subsetter hidden")
    return result, processes


def text_per_page(folder: Path, sample: int = 40) -> float:
    """The printed characters (not white space) a page of the first `sample` PDFs in `folder`,
    read back with pdfium: how much text a product lays out on a page, which is what its
    pages cost."""
    import pypdfium2

    characters = pages = 0
    for path in sorted(folder.rglob("*.pdf"))[:sample]:
        pdf = pypdfium2.PdfDocument(path)
        for page in pdf:
            characters += sum(not c.isspace() for c in page.get_textpage().get_text_range())
            pages += 1
        pdf.close()
    return characters / pages if pages else 0.0


def rate(result: Build) -> str:
    return f"{result.seconds:.1f} s, {result.pages} pages, {result.pages_per_s:.1f} pages/s"


# ------------------------------------------------------------------ 1. each product alone


def per_product(campaign: Path, tmp: Path, products: list[str], subsetter_too: bool) -> tuple[str, list[Row]]:
    """Each product built alone: documents/s, pages/s, and pages/s against the letter's."""
    builds: dict[str, Build] = {}
    text: dict[str, float] = {}
    for product in products:
        note(f"per product: {product}")
        builds[product] = build(campaign, tmp / product, [product])
        text[product] = text_per_page(tmp / product)
        note(f"  {product}: {rate(builds[product])}, {text[product]:.0f} characters a page")
        shutil.rmtree(tmp / product)  # N = 1000 makes hundreds of MB per product
    letter = builds.get("letter")
    lines = []
    for product, result in builds.items():
        ratio = result.pages_per_s / letter.pages_per_s if letter else None
        by_text = (result.pages_per_s * text[product]) / (letter.pages_per_s * text["letter"]) if letter and text["letter"] else None
        lines.append([product, str(result.documents), str(result.pages), f"{result.seconds:.1f} s",
                      f"{result.documents_per_s:.1f}", f"{result.pages_per_s:.1f}",
                      f"{ratio:.2f}" if ratio is not None else "n/a (no letter)", f"{text[product]:.0f}",
                      f"{by_text:.2f}" if by_text is not None else "n/a", f"{result.peak_mb:.0f}",
                      *verdict(ratio, VS_LETTER if product != "letter" else None)])
    header = ["product", "documents", "pages", "time", "documents/s", "pages/s", "vs letter",
              "characters a page", "characters/s vs letter", "peak MB", "target", ""]
    rows = []
    if letter and subsetter_too:
        note("per product: letter without the subsetter")
        hidden, processes = hidden_build(campaign, tmp / "letter-no-subsetter", tmp / "pids-letter", ["letter"])
        ratio = hidden.pages_per_s / letter.pages_per_s
        rows = [Row(f"letter alone without the subsetter ({processes} processes hid it): {rate(hidden)}, vs with it",
                    f"{ratio:.2f}x", ratio, NO_SUBSETTER)]
    return table(header, lines), rows


# ------------------------------------------------------------------ 2-4. the whole list


def whole_list(campaign: Path, tmp: Path, reference_too: bool, subsetter_too: bool) -> list[Row]:
    """The whole list cold (against one WeasyPrint document per layout), its rebuilds, and without the subsetter."""
    note("whole list: cold build")
    out = tmp / "mix"
    mix = build(campaign, out)
    rows = noted([Row(f"whole list, cold: {mix.documents} documents", rate(mix)),
            Row("peak memory of that build, all processes together (proportional: a page shared by "
                "n processes counts 1/n in each)", f"{mix.pss_mb:.0f} MB", mix.pss_mb, PEAK_MB),
            Row("the same, resident memory summed (shared libraries counted once per process)",
                f"{mix.peak_mb:.0f} MB", mix.peak_mb, PEAK_MB),
            Row("its parts' own resident peaks: the build's process, its largest worker",
                f"{mix.parent_mb:.0f} MB, {mix.worker_mb:.0f} MB"),
            Row("the processes at the moment of the summed peak", mix.at_peak)])
    if reference_too:
        note("whole list: reference, one WeasyPrint document per product and layout, one process (slow)")
        found, peak = child("reference", campaign)
        pages_per_s = found["pages"] / found["seconds"]
        ratio = mix.pages_per_s / pages_per_s
        differ = f" (the build made {mix.pages})" if found["pages"] != mix.pages else ""
        rows += noted([Row(f"reference: {found['groups']} WeasyPrint documents (one per product and language), "
                     f"one process, peak {peak:.0f} MB",
                     f"{found['seconds']:.1f} s, {found['pages']} pages{differ}, {pages_per_s:.1f} pages/s"),
                 Row("whole list build vs the reference, pages/s", f"{ratio:.2f}x", ratio, VS_REFERENCE)])
    rows += noted(rebuilds(campaign, out))
    if subsetter_too:
        note("whole list: cold build without the subsetter")
        hidden, processes = hidden_build(campaign, tmp / "mix-no-subsetter", tmp / "pids-mix")
        ratio = hidden.pages_per_s / mix.pages_per_s
        rows += noted([Row(f"whole list without the subsetter, cold ({processes} processes hid it)", rate(hidden)),
                       Row("without / with the subsetter, pages/s", f"{ratio:.2f}x", ratio, NO_SUBSETTER)])
    return rows


def rebuilds(campaign: Path, out: Path) -> list[Row]:
    """The build again with nothing changed, then after one profile's bio is edited: each
    the median of REBUILDS runs (a shared machine's noise is a second), the edits
    alternating between two texts so that each run has one edit to build."""
    note("whole list: rebuild with no change, then after one bio edit")
    command = [*LETTERS, "build", str(campaign), "-o", str(out), "-q"]
    same = statistics.median(timed(command)[0] for _ in range(REBUILDS))
    profile = campaign / "prisoners" / f"{person_id(0)}.yaml"
    if EDIT[0] not in profile.read_text(encoding="utf-8"):
        raise SystemExit(f"{profile} has no {EDIT[0]!r} to edit")
    edits = []
    for number in range(REBUILDS):
        old, new = EDIT if number % 2 == 0 else EDIT[::-1]
        profile.write_text(profile.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        edits.append(timed(command)[0])
    edited = statistics.median(edits)
    shown = ", ".join(f"{t:.2f}" for t in edits)
    return [Row(f"rebuild, no change (median of {REBUILDS})", f"{same:.2f} s", same, NO_CHANGE_S),
            Row(f"rebuild after one profile's bio is edited (median of {REBUILDS}: {shown} s)", f"{edited:.2f} s",
                edited, ONE_EDIT_S)]


# ------------------------------------------------------------------ 5. one document


def one_document(tmp: Path, big: Path) -> list[Row]:
    """One letter in a warm process, its PNG preview, and `letters render` cold, in a campaign
    of the example's size; the cold render also in the N-person campaign, to show what loading it costs."""
    small = make_campaign(tmp / "small", SINGLE_N, ["letter"])
    note(f"one document: warm renderer ({SINGLE_N}-person campaign)")
    found, _ = child("single", small)
    rows = [Row("one letter, warm renderer: compose + lint + render, median of 20", f"{found['letter']:.3f} s",
                found["letter"], WARM_LETTER_S),
            Row("its PNG preview, warm: the same + PNG encoding, median of 10", f"{found['png']:.3f} s",
                found["png"], WARM_PNG_S)]
    for campaign, people, target in ((small, SINGLE_N, COLD_RENDER_S), (big, None, None)):
        note(f"one document: `letters render` cold, median of 5 ({campaign.name})")
        command = [*LETTERS, "render", "letter", person_id(0), "--campaign", str(campaign), "-o", str(tmp / "one.pdf")]
        seconds = median_time(command, 5)
        where = f"{people}-person campaign" if people else "the N-person campaign"
        rows.append(Row(f"`letters render letter` cold, {where}, median of 5", f"{seconds:.2f} s", seconds, target))
    return rows


# ------------------------------------------------------------------ measurements made in a child process


def child(name: str, campaign: Path) -> tuple[dict, float]:
    """Run one in-process measurement in a new process (cold, alone): its JSON result and peak memory."""
    _, peak, out = run([sys.executable, str(Path(__file__).resolve()), CHILD, name, str(campaign)])
    return json.loads(out.strip().splitlines()[-1]), peak


def reference(campaign: Path) -> dict:
    """The whole list as one WeasyPrint document per product and layout (language, paper:
    the engine's `chunked` groups), in this one process: the renderer's one-core rate
    for the same pages. Only rendering is timed, not composing.

    Grouped by product first: products that share a head (the postcards) would
    otherwise make one document of thousands of pages, slower per page and
    larger in memory than "one document per product"."""
    from letters.api import load
    from letters.pipeline.compose import Composer
    from letters.pipeline.engine import Pending, chunked, file_roots
    from letters.pipeline.plan import plan
    from letters.pipeline.render import Renderer, combine

    data = load(campaign)
    composer = Composer(data)
    by_product: dict[str, list[Pending]] = {}
    for job in plan(data)[0]:
        by_product.setdefault(job.product.name, []).append(Pending.of(job, composer.html(job), ""))
    everyone = sum(p.weight for items in by_product.values() for p in items)  # one chunk per layout
    groups = [group for items in by_product.values() for group in chunked(items, everyone)]
    renderer, base, roots = Renderer.shared(), Path(data.root), file_roots(data)
    start = time.perf_counter()
    pages = sum(renderer.render(combine([p.html for p in group]), base, roots)[1] for group in groups)
    return {"seconds": time.perf_counter() - start, "pages": pages, "groups": len(groups)}


def single(campaign: Path) -> dict:
    """One letter in a process that keeps its campaign, composer and renderer, as a
    long-running preview would: the first render warms fonts and templates, then
    the median of many. The lint's gate is included: no letter is shown without it."""
    from letters.api import load
    from letters.pipeline.compose import Composer
    from letters.pipeline.engine import file_roots, gate
    from letters.pipeline.outputs import png
    from letters.pipeline.plan import plan
    from letters.pipeline.render import Renderer

    data = load(campaign)
    composer, job = Composer(data), plan(data, ["letter"])[0][0]
    renderer, base, roots = Renderer.shared(), Path(data.root), file_roots(data)

    def letter() -> bytes:
        html = composer.html(job)
        gate(composer, job, html)
        return renderer.render(html, base, roots)[0]

    png.encode(letter())  # warm-up: fonts, templates, PDFium
    return {"letter": median_of(20, letter), "png": median_of(10, lambda: png.encode(letter()))}


def median_of(times: int, work: Callable[[], object]) -> float:
    def once() -> float:
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    return statistics.median(once() for _ in range(times))


CHILDREN: dict[str, Callable[[Path], dict]] = {"reference": reference, "single": single}


# ------------------------------------------------------------------ the run


def machine(n: int, products: list[str], started: dt.datetime, load_before: float) -> str:
    """What the numbers depend on: the machine (shared: its load), the versions, the subsetter, N."""
    subsetter = ctypes.util.find_library("harfbuzz-subset")
    took = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return (f"{started:%Y-%m-%d %H:%M} UTC, {took:.0f} s in all; N = {n} fictional people; "
            f"products: {', '.join(products)}; "
            f"{os.cpu_count()} cores, load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after; "
            f"Python {platform.python_version()}, WeasyPrint {importlib.metadata.version('weasyprint')}; "
            f"libharfbuzz-subset {'present (' + subsetter + ')' if subsetter else '**missing**'}; "
            "`letters build` with the default --jobs, cold.")


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="fictional people (default 1000)")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_N}: a smoke run, to see that it works")
    parser.add_argument("--products", type=lambda s: s.split(","), help="only these products, comma-separated "
                        "(per product and in the whole list; default: the example campaign's list)")
    parser.add_argument("--only", type=lambda s: s.split(","), default=list(PARTS),
                        help=f"only these parts, comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--skip-reference", action="store_true", help="skip the one-process reference (slow)")
    parser.add_argument("--skip-no-subsetter", action="store_true", help="skip the builds without the subsetter")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR (new or empty) and keep it: "
                        "the campaign and its built folders, to time later rebuilds by hand")
    args = parser.parse_args(argv)
    if unknown := set(args.only) - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; expected {', '.join(PARTS)}")
    args.n = QUICK_N if args.quick else args.n
    if args.keep and args.keep.exists() and (not args.keep.is_dir() or any(args.keep.iterdir())):
        parser.error(f"--keep {args.keep}: not a new or empty folder")
    args.products = args.products or example_products()
    return args


def measure(args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    """The parts asked for, in order, each as a Markdown section."""
    campaign = make_campaign(tmp / "campaign", args.n, args.products)
    rows: list[Row] = []
    letter_rows: list[Row] = []  # the letter without the subsetter: shown beside the whole list's
    if "products" in args.only:
        lines, letter_rows = per_product(campaign, tmp, args.products, not args.skip_no_subsetter)
        yield f"## Each product alone: `letters build --product P`\n\n{lines}"
    if "mix" in args.only:
        rows += whole_list(campaign, tmp, not args.skip_reference, not args.skip_no_subsetter)
    rows += letter_rows
    if "single" in args.only:
        rows += one_document(tmp, campaign)
    if rows:
        header = ["measurement", "result", "target", ""]
        yield "## The whole list, rebuilds, without the subsetter, one document\n\n" + table(
            header, [r.cells() for r in rows])


def main() -> None:
    if sys.argv[1:2] == [CHILD]:
        print(json.dumps(CHILDREN[sys.argv[2]](Path(sys.argv[3]))))
        return
    args = options(sys.argv[1:])
    compile_package()
    load_before, started = os.getloadavg()[0], dt.datetime.now(dt.UTC)
    print("# Benchmark: every product (issue 11)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-products-") as tmp:
        work = Path(tmp) if args.keep is None else args.keep
        work.mkdir(parents=True, exist_ok=True)
        for section in measure(args, work):  # each part as soon as it is measured: a run takes an hour or more
            print(f"\n{section}", flush=True)
    print(f"\n{machine(args.n, args.products, started, load_before)}")


if __name__ == "__main__":
    main()
