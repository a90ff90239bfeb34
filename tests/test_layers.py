"""The layers hold: import-linter's contracts pass on the package, and fail on a forbidden import.

The second test copies the package, adds one import from the lowest layer to
the highest, and runs the same `lint-imports` with the same contracts: it must
be refused, so the contracts in pyproject.toml are not a check that cannot fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run_lint_imports(package_parent: Path, config_dir: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the package found in `package_parent`, with pyproject.toml of `config_dir`."""
    env = {"PYTHONPATH": str(package_parent), "PATH": str(LINT_IMPORTS.parent)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=config_dir, env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layers():
    result = run_lint_imports(REPO / "src", REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_import_from_a_lower_layer_to_a_higher_one_fails_the_contract(tmp_path):
    shutil.copytree(REPO / "src" / "letters", tmp_path / "src" / "letters", ignore=shutil.ignore_patterns("__pycache__", "fonts"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    errors = tmp_path / "src" / "letters" / "core" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nfrom ..pipeline import engine  # forbidden: core is the lowest layer\n",
                      encoding="utf-8")
    result = run_lint_imports(tmp_path / "src", tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "letters.core.errors -> letters.pipeline.engine" in result.stdout
