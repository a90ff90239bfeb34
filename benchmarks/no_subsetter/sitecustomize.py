"""Hide HarfBuzz's font subsetter from WeasyPrint in every process of a run, without uninstalling it.

Active only when LETTERS_BENCH_NO_SUBSETTER is set, in a process that has this
folder on PYTHONPATH: Python imports `sitecustomize` at start-up, so spawned
build workers (new interpreters with the same environment) hide it too.

    LETTERS_BENCH_NO_SUBSETTER=1 PYTHONPATH=benchmarks/no_subsetter .venv/bin/letters doctor

WeasyPrint subsets fonts with fontTools when `weasyprint.text.ffi.harfbuzz_subset`
is None. `weasyprint.pdf.fonts` copies that name when it is imported
(`from ..text.ffi import harfbuzz_subset`), so setting it later would not
reach the subsetting code: the name is cleared as soon as `ffi` has been
loaded, before anything can copy it. WeasyPrint itself is not imported here,
so a process that renders nothing starts as fast as before.

When the variable's value is a folder, each process that loaded WeasyPrint
with the subsetter hidden leaves a file named by its pid there, so a
benchmark can check that the workers, not only the main process, were affected.
"""

from __future__ import annotations

import os
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType

ENV = "LETTERS_BENCH_NO_SUBSETTER"
MODULE = "weasyprint.text.ffi"


class HideSubsetter(MetaPathFinder):
    """Finds `weasyprint.text.ffi` as usual, and clears `harfbuzz_subset` once it has run."""

    def find_spec(self, name: str, path: object = None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name != MODULE:
            return None
        spec = PathFinder.find_spec(name, path)  # type: ignore[arg-type]
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            module.harfbuzz_subset = None  # type: ignore[attr-defined]
            record()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def record() -> None:
    """Leave this process's pid in the folder named by the variable, if it names one."""
    folder = Path(os.environ.get(ENV, ""))
    if folder.is_dir():
        (folder / str(os.getpid())).touch()


if os.environ.get(ENV):
    sys.meta_path.insert(0, HideSubsetter())
