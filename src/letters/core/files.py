"""Files the tool writes and reads: atomic writes, and the jail that keeps paths inside a folder."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import LettersError


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared like any file
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_inside(path: Path, roots: list[Path]) -> bool:
    """Is `path`, with every link resolved, inside one of `roots` (also resolved)?"""
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots)


def inside(root: Path, relative: str, what: str = "a path") -> Path:
    """`root / relative`, refused unless it stays inside `root` once links are resolved.

    Every path read from a manifest goes through here before anything is read,
    written or deleted, so a forged manifest cannot reach outside its folder.
    """
    if not relative or Path(relative).is_absolute():
        raise LettersError(f"{what} {relative!r} must be relative to {root}")
    target = Path(root) / relative
    if not is_inside(target, [Path(root)]):
        raise LettersError(f"{what} {relative!r} points outside {root}")
    return target
