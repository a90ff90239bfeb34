"""The build's own process at N people: what it holds over a whole-list build, without the renderer.

Run by hand:  .venv/bin/python benchmarks/bench_memory.py [N]   (default N = 10000)

A real build at 10,000 people takes hours here; the memory of the build's own
process (loading, planning, composing, the lint's gate, the manifest, the
bundles) does not depend on WeasyPrint. So this builds bench_products.py's
campaign of N fictional people, with the whole example product list, in one
process (`--jobs 1`) with the tests' fake renderer (tests/fakes.py: a
one-page PDF a document), and prints that process's resident memory after
loading and every 10,000 documents, and its peak, read every 50 ms. The
workers' memory is not in it: bench_products.py measures that, with real
renders.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_products import example_products, make_campaign
from harness import REPO

sys.path.insert(0, str(REPO / "tests"))
from fakes import fake_render
from letters import api

STEP = 10_000  # documents between two progress lines


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    """The process's largest resident memory, read every 50 ms in a thread."""

    def __init__(self) -> None:
        self.mb = resident_mb()
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self) -> None:
        while True:
            self.mb = max(self.mb, resident_mb())
            time.sleep(0.05)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        campaign = make_campaign(Path(tmp) / "campaign", n, example_products())
        peak, started = Peak(), time.monotonic()

        def line(what: str) -> None:
            print(f"| {what} | {resident_mb():.0f} MB | {peak.mb:.0f} MB | {time.monotonic() - started:.0f} s |", flush=True)

        print(f"# The build's own process, {n:,} people, fake renderer\n")
        print("| step | resident | peak so far | time |\n| --- | --- | --- | --- |")
        line("started, letters imported")
        api.load(campaign)
        gc.collect()
        line("campaign loaded once (and let go)")
        done = [0]

        def progress(finished: int, total: int, failures: list) -> None:
            before, done[0] = done[0], done[0] + finished
            if done[0] // STEP > before // STEP or done[0] == total:
                line(f"{done[0]:,} of {total:,} documents")

        result = api.build_campaign(campaign, Path(tmp) / "out", jobs=1, render=fake_render, progress=progress)
        line(f"built: {result.rendered:,} rendered, {len(result.failures)} failed, {result.bundles} bundles")


if __name__ == "__main__":
    main()
