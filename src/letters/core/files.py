"""Files the tool writes and reads: atomic writes, and the jail that keeps paths inside a folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .errors import LettersError


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | Iterable[bytes], unless: str | None = None) -> str | None:
    """Write next to the target, then rename: a reader never sees a half-written file.

    `data` may come in pieces, written as they come: a 10,000-person manifest is
    70 MB, and several times that while `json.dumps` joins it. With `unless` (a
    sha256), what was written is hashed, and if it equals `unless` the target is
    left as it was, not even touched; the sha256 is returned (None without `unless`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    digest = hashlib.sha256() if unless is not None else None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared like any file
        with os.fdopen(fd, "wb") as handle:
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
                if digest is not None:
                    digest.update(piece)
            handle.flush()
            if digest is not None and digest.hexdigest() == unless:
                Path(tmp).unlink()
                return unless
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest() if digest is not None else None


def write_exclusive(path: Path, data: bytes) -> bool:
    """Write a file that must not exist yet, whole or not at all: written beside it, then
    linked in under its name, which fails if the name is taken (never over another file).
    On a file system without hard links (FAT, some shares) it is created exclusively and
    written in place. False when the name is taken."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links here
            try:
                exclusive = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                return False
            try:
                with os.fdopen(exclusive, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except BaseException:
                path.unlink(missing_ok=True)  # half a letter is no letter
                raise
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def is_inside(path: Path, roots: list[Path]) -> bool:
    """Is `path`, with every link resolved, inside one of `roots` (also resolved)?"""
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots)


def inside(root: Path, relative: str, what: str = "a path") -> Path:
    """`root / relative`, refused unless it stays inside `root` once links are resolved.

    Every path read from a manifest goes through here before anything is read,
    written or deleted, so a forged manifest cannot reach outside its folder.
    """
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute():
        raise LettersError(f"{what} {relative!r} must be relative to {root}")
    if ".." in Path(relative).parts or "\0" in relative:
        raise LettersError(f"{what} {relative!r} climbs out of {root} ('..'); letters never writes such a path")
    target = Path(root) / relative
    if not is_inside(target, [Path(root)]):
        raise LettersError(f"{what} {relative!r} points outside {root}")
    return target


def write_all(files: dict[Path, bytes], what: str = "nothing") -> None:
    """Write several files all or nothing: check every target, stage every file next to
    its target, then rename them in; if a rename fails, the ones already renamed are
    put back as they were. A reader never sees half of the change.

    `what` ends the error message ("nothing was written" by default).
    """
    targets = [Path(p) for p in files]
    for path in targets:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            kind = "a link" if path.is_symlink() else "a folder" if path.is_dir() else "not a plain file"
            raise LettersError(f"{path} is {kind}, not a file letters can write; {what} was written")
    staged: list[tuple[Path, Path, Path | None]] = []  # (target, staged file, backup of the old one)
    path, tmp = targets[0] if targets else Path(), ""
    try:
        for path, data in zip(targets, files.values(), strict=True):
            tmp = ""
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            backup = None
            if path.exists():
                backup = Path(f"{tmp}.old")
                try:
                    os.link(path, backup)  # a second name for the old file: putting it back is a rename
                except OSError:
                    shutil.copy2(path, backup)  # a file system without hard links
            staged.append((path, Path(tmp), backup))
    except OSError as exc:
        _discard(staged)
        if tmp and all(tmp != str(item[1]) for item in staged):
            Path(tmp).unlink(missing_ok=True)
        raise LettersError(f"cannot write {path}: {exc.strerror or exc}; {what} was written") from None
    done: list[tuple[Path, Path, Path | None]] = []
    try:
        for item in staged:
            os.replace(item[1], item[0])
            done.append(item)
    except OSError as exc:
        for path, _, backup in reversed(done):
            if backup is not None:
                os.replace(backup, path)
            else:
                path.unlink(missing_ok=True)
        _discard(staged)
        raise LettersError(f"cannot write {item[0]}: {exc.strerror or exc}; {what} was written") from None
    for _, _, backup in staged:
        if backup is not None:
            backup.unlink(missing_ok=True)


def _discard(staged: list[tuple[Path, Path, Path | None]]) -> None:
    for _, tmp, backup in staged:
        tmp.unlink(missing_ok=True)
        if backup is not None:
            backup.unlink(missing_ok=True)
