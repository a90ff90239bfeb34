"""The README's reference sections are generated (cog, docs/reference.py) and must be up to date.

A changed option, help text or product shows up here as a failed `cog --check`,
not as a README that quietly describes another version.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from cogapp import Cog

from letters.cli import main
from letters.products.registry import builtin_registry

from .conftest import REPO

README = REPO / "README.md"
REGENERATE = ".venv/bin/cog -r -I . README.md"
CHECK_FAILED = 5  # cog's exit status when --check finds a file that would change


def cog_check(path: Path) -> tuple[int, str]:
    """Run `cog --check` on `path` in this process, the generators imported from the repository root."""
    out = io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=out)
    status = cog.main(["cog", "--check", "--diff", "--check-fail-msg", f"run `{REGENERATE}`", "-I", str(REPO), str(path)])
    return status, out.getvalue()


def generated(text: str, call: str) -> str:
    """The output of the one cog block whose code contains `call`, e.g. `r.products()`."""
    blocks = re.findall(r"<!-- \[\[\[cog (.*?)\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, flags=re.S)
    found = [output for code, output in blocks if call in code]
    assert len(found) == 1, f"expected one cog block calling {call} in README.md, found {len(found)}"
    return found[0]


def test_readme_reference_is_up_to_date():
    status, output = cog_check(README)
    assert status == 0, (
        f"README.md's generated sections are out of date (or their generator failed): "
        f"run `{REGENERATE}` from the repository root and commit the result.\n{output}"
    )


def test_check_fails_on_a_stale_readme(tmp_path: Path):
    """Proof that the test above can fail: one character changed inside a generated block."""
    stale = tmp_path / "README.md"
    shutil.copyfile(README, stale)
    text = stale.read_text(encoding="utf-8")
    table = generated(text, "r.products()")
    start = text.index(table)
    row = text.index("| `letter` |", start)
    stale.write_text(text[:row] + "| `lettre` |" + text[row + len("| `letter` |"):], encoding="utf-8")

    status, output = cog_check(stale)
    assert status == CHECK_FAILED, output
    assert "changed" in output and REGENERATE in output


def test_every_product_is_in_the_products_table():
    table = generated(README.read_text(encoding="utf-8"), "r.products()")
    names = re.findall(r"^\| `([^`]+)` \|", table, flags=re.M)
    assert names == list(builtin_registry().products), f"run `{REGENERATE}`"


def test_every_command_has_a_heading():
    commands = generated(README.read_text(encoding="utf-8"), "r.commands()")
    headings = set(re.findall(r"^#### `letters (\S+)`$", commands, flags=re.M))
    assert set(main.commands) <= headings, f"missing: {sorted(set(main.commands) - headings)}; run `{REGENERATE}`"
    assert "#### `letters`" in commands  # `letters --help` itself
