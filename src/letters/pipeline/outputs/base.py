"""What an output is: a name, a file suffix, and how a document's PDF becomes that file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Output:
    name: str  # as in --format and the manifest's "format"
    suffix: str  # the file name's ending
    media_type: str  # for a web page that serves it
    encode: Callable[[bytes], bytes]  # a document's PDF -> the file's bytes
    bundles: bool = False  # whether documents of this format are merged into bundles for printing
