"""Outputs: what a rendered document is written as. Each format is one module with one `OUTPUT`.

The renderer always makes a PDF; an output turns those bytes into the file
that is written (the PDF itself, or PNG pictures of its pages). Adding a
format is one module here and one line in `OUTPUTS`.
"""

from __future__ import annotations

from ...core.errors import LettersError
from . import pdf, png
from .base import Output

OUTPUTS: dict[str, Output] = {output.name: output for output in (pdf.OUTPUT, png.OUTPUT)}


def output(name: str) -> Output:
    """The output called `name`, or a clear error listing the known ones."""
    if name not in OUTPUTS:
        raise LettersError(f"unknown output format {name!r}; expected one of {', '.join(OUTPUTS)}")
    return OUTPUTS[name]


def for_path(path: str) -> Output:
    """The output a file name asks for, by its suffix (x.png -> png); PDF unless another matches."""
    suffix = path[path.rfind(".") :].lower() if "." in path else ""
    return next((o for o in OUTPUTS.values() if o.suffix == suffix), pdf.OUTPUT)
