"""Benchmark: naive loop vs `letters build` (cold, no change, one edit), --help, one big document.

Run by hand:  .venv/bin/python benchmarks/bench_build.py [N]   (default N = 1000)
The synthetic campaign has clearly fictional people and addresses and is
written to a temporary folder, never into campaigns/.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "campaigns" / "minimal"


def make_campaign(root: Path, n: int) -> Path:
    """N fictional people held at the fixture's fictional colony; letters in Belarusian only."""
    shutil.copytree(FIXTURE, root)
    for old in (root / "prisoners").glob("*.yaml"):
        old.unlink()
    (root / "campaign.yaml").write_text(
        "title: Benchmark (fictional people)\ndate: 2026-01-15\nlanguages: [be]\nproducts: [letter]\n", encoding="utf-8")
    for i in range(n):
        (root / "prisoners" / f"fictional-{i:05d}.yaml").write_text(f"""id: fictional-{i:05d}
names:
  be: {{first: Тэст{i}, last: Выдуманы}}
  ru: {{first: Тест{i}, last: Вымышленный}}
  latin: {{first: Test{i}, last: Fictional}}
gender: {"female" if i % 2 else "male"}
status: imprisoned
facility: test-colony-1
bio: A fictional person number {i}.
sources: [{{url: "https://example.org/{i}", title: Fictional}}]
last_verified: 2026-01-10
""", encoding="utf-8")
    return root


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def naive_and_single(campaign: Path) -> tuple[float, float]:
    """(a) one default WeasyPrint document per letter; (f) all letters as one document."""
    code = f"""
import time, weasyprint
from pathlib import Path
from letters import compose
from letters.load import load_campaign
from letters.render import font_face_css, combine
from letters.select import plan
data = load_campaign(Path({str(campaign)!r}))
jobs, _ = plan(data)
composer = compose.Composer(data)
htmls = [composer.html(j) for j in jobs]
css = font_face_css()
t = time.perf_counter()
for h in htmls:
    weasyprint.HTML(string=h.replace('<style>', '<style>' + css, 1)).write_pdf()
a = time.perf_counter() - t
t = time.perf_counter()
weasyprint.HTML(string=combine(htmls).replace('<style>', '<style>' + css, 1)).write_pdf()
f = time.perf_counter() - t
print(a, f)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    letters = [sys.executable, "-m", "letters.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        campaign = make_campaign(Path(tmp) / "campaign", n)
        out = Path(tmp) / "out"
        a, f = naive_and_single(campaign)
        b = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        c = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        profile = campaign / "prisoners" / "fictional-00000.yaml"
        profile.write_text(profile.read_text(encoding="utf-8").replace("number 0.", "number zero."), encoding="utf-8")
        d = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        e = timed([*letters, "--help"])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pps = {k: n / v for k, v in {"a naive loop": a, "b build cold": b, "f one document": f}.items()}
    print(f"N = {n} one-page letters")
    for name, rate in pps.items():
        print(f"{name:16s} {n / rate:7.2f} s  {rate:7.1f} pages/s  x{rate / pps['a naive loop']:.2f} of (a)  x{rate / pps['f one document']:.2f} of (f)")
    print(f"c build again     {c:7.2f} s\nd one profile     {d:7.2f} s\ne --help          {e:7.2f} s")
    print(f"peak RSS of the largest child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
