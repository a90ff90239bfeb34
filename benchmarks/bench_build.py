"""Benchmark: naive loop vs `letters build` (cold, no change, one edit), --help, one big document.

Run by hand:  .venv/bin/python benchmarks/bench_build.py [N]   (default N = 1000)
              .venv/bin/python benchmarks/bench_build.py 10000 --build-only   (memory at large N)
The synthetic campaign has clearly fictional people and addresses and is
written to a temporary folder, never into campaigns/.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from harness import LETTERS, compile_package, person_id, timed, write_campaign

CAMPAIGN_YAML = "title: Benchmark (fictional people)\ndate: 2026-01-15\nlanguages: [be]\nproducts: [letter]\n"


def make_campaign(root: Path, n: int) -> Path:
    """N fictional people held at the fixture's fictional colony; letters in Belarusian only.

    Kept as it was when the README's results were measured, so that they stay comparable.
    """
    return write_campaign(root, n, CAMPAIGN_YAML, minimal_profile)


def minimal_profile(i: int) -> str:
    """A profile with only what a letter needs (bench_products.py writes full ones)."""
    return f"""id: {person_id(i)}
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
"""


def naive_and_single(campaign: Path) -> tuple[float, float]:
    """(a) one default WeasyPrint document per letter; (f) all letters as one document."""
    code = f"""
import time, weasyprint
from pathlib import Path
from letters.core.templates import template_dirs
from letters.pipeline import compose
from letters.data.load import load_campaign
from letters.core.fonts import font_face_css
from letters.pipeline.render import combine
from letters.pipeline.plan import plan
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1000
    compile_package()
    letters = LETTERS
    with tempfile.TemporaryDirectory() as tmp:
        campaign = make_campaign(Path(tmp) / "campaign", n)
        out = Path(tmp) / "out"
        if "--build-only" in sys.argv:  # memory at large N, without the slow references
            b, b_peak = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
            print(f"N = {n}: build cold {b:.1f} s, {n / b:.1f} pages/s, peak memory of all processes {b_peak:.0f} MB")
            return
        a, f = naive_and_single(campaign)
        b, b_peak = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        c, _ = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        profile = campaign / "prisoners" / "fictional-00000.yaml"
        profile.write_text(profile.read_text(encoding="utf-8").replace("number 0.", "number zero."), encoding="utf-8")
        d, _ = timed([*letters, "build", str(campaign), "-o", str(out), "-q"])
        e, _ = timed([*letters, "--help"])
    pps = {k: n / v for k, v in {"a naive loop": a, "b build cold": b, "f one document": f}.items()}
    print(f"N = {n} one-page letters")
    for name, rate in pps.items():
        print(f"{name:16s} {n / rate:7.2f} s  {rate:7.1f} pages/s  x{rate / pps['a naive loop']:.2f} of (a)  x{rate / pps['f one document']:.2f} of (f)")
    print(f"c build again     {c:7.2f} s\nd one profile     {d:7.2f} s\ne --help          {e:7.2f} s")
    print(f"peak memory of the cold build, all processes summed: {b_peak:.0f} MB")


if __name__ == "__main__":
    main()
