"""What the benchmarks here share: a campaign of fictional people, and a process tree's time and memory.

Benchmarks run `letters` in subprocesses, so that each measurement is cold
(a new interpreter, new workers) and its memory is the whole process tree's.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "campaigns" / "minimal"  # fictional facilities and addressee
LETTERS = [sys.executable, "-m", "letters.cli"]


def compile_package() -> None:
    """Write the bytecode of letters' own modules first, as a user's first run does.

    An editable install leaves src/ uncompiled, and with PYTHONDONTWRITEBYTECODE set
    (as on this project's machine) every start compiled 49 modules again: 0.12 s of
    each cold `letters render`, which no user pays twice."""
    import letters

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(letters.__file__).parent)], check=True)


def write_campaign(root: Path, n: int, campaign_yaml: str, profile: Callable[[int], str]) -> Path:
    """A campaign at root (a temporary folder, never campaigns/): the fixture's fictional
    facilities and addressee, `campaign_yaml`, and N profiles written by `profile(i)`."""
    shutil.copytree(FIXTURE, root)
    for old in (root / "prisoners").glob("*.yaml"):
        old.unlink()
    (root / "campaign.yaml").write_text(campaign_yaml, encoding="utf-8")
    for i in range(n):
        (root / "prisoners" / f"{person_id(i)}.yaml").write_text(profile(i), encoding="utf-8")
    return root


def person_id(i: int) -> str:
    return f"fictional-{i:05d}"


def tree_rss(root: int) -> dict[int, float]:
    """Resident memory (MB) of a process and of each of its descendants, from /proc (Linux)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid], rss[pid] = int(fields[1]), int(fields[21])
    tree, grew = {root}, True
    while grew:
        before = len(tree)
        tree |= {pid for pid, parent in parents.items() if parent in tree}
        grew = len(tree) > before
    return {pid: rss.get(pid, 0) * resource.getpagesize() / 2**20 for pid in tree}


def pss_mb(pids: Iterable[int]) -> float:
    """Proportional memory (MB) of processes together, from /proc/PID/smaps_rollup (Linux):
    a page that n of them share counts 1/n in each. Summed resident memory counts the
    shared libraries once per process, and a child spawned but not yet started as its
    parent's whole size again."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)
    return total / 1024


def command_name(pid: int) -> str:
    """A process's command line, shortened to what tells the build's processes apart."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "(gone)"
    text = " ".join(w for w in words if w)
    for marker, name in (("resource_tracker", "resource tracker"), ("multiprocessing", "worker"),
                         ("letters.cli", "build")):
        if marker in text:
            return name
    return text[:60] or "(starting)"


def at_peak(sizes: dict[int, float]) -> str:
    """The processes of a tree at one moment, largest first: "build 218 MB, worker 179 MB, ..."."""
    return ", ".join(f"{command_name(pid)} {mb:.0f} MB" for pid, mb in sorted(sizes.items(), key=lambda kv: -kv[1]))


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    return sum(tree_rss(root).values())


def run(command: list[str], env: dict[str, str] | None = None,
        split: dict[str, object] | None = None) -> tuple[float, float, str]:
    """Wall time, peak memory of the whole process tree (all workers summed) and stdout.

    `split`, when given, gets the peaks of its parts: "parent" (the command's own
    process) and "worker" (the largest of its descendants), each at its own moment,
    and "pss": the peak of the tree's proportional memory (`pss_mb`); and in
    "at_peak" the tree's processes at the moment of the summed peak (`at_peak`).
    Output goes to files, not pipes: a process that writes more than a pipe
    holds while nobody reads would block and be timed as slow.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        peak = parent = worker = pss = 0.0
        snapshot = ""
        while process.poll() is None:
            sizes = tree_rss(process.pid)
            if sum(sizes.values()) > peak:
                peak = sum(sizes.values())
                if split is not None:
                    snapshot = at_peak(sizes)
            if split is not None:
                pss = max(pss, pss_mb(sizes))
            parent = max(parent, sizes.get(process.pid, 0.0))
            worker = max([worker, *(mb for pid, mb in sizes.items() if pid != process.pid)])
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        if split is not None:
            split.update(parent=parent, worker=worker, pss=pss, at_peak=snapshot)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read().decode()}{out.read().decode()}")
        return seconds, peak, out.read().decode()


def timed(command: list[str], env: dict[str, str] | None = None,
          split: dict[str, object] | None = None) -> tuple[float, float]:
    """Wall time and peak memory of the whole process tree (all workers summed); see `run` for `split`."""
    seconds, peak, _ = run(command, env, split)
    return seconds, peak


def median_time(command: list[str], times: int) -> float:
    """A cold command's median wall time: one run on a shared machine is noise."""
    return statistics.median(timed(command)[0] for _ in range(times))
