"""The writer's own words: personal messages that go into a letter's text.

A campaign keeps them as `messages/<prisoner-id>/<name>.txt` (UTF-8); `letters
render ... --message FILE` takes one directly. Each becomes its own letter, in
the message's language (told from its letters: ў and і are Belarusian, и, щ
and ъ Russian). Every message is linted before it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import Diagnostic
from ..core.errors import LettersError
from .models import SLUG

FOLDER = "messages"
PAGE = "web-"  # the volunteers' page names its letters web-<n>.<lang>.txt: it prints them itself, after approval
PAGE_FILE = re.compile(r"web-\d+\.(be|ru)\.txt")
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, new line and carriage return are text
MAX_BYTES = 100_000  # a letter is a page; a larger file is not a message
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # marks and overrides that reorder text


class MessageError(LettersError):
    """A message that cannot be used: the file and why (`reason` alone, for faces that show the file apart)."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Message:
    person: str
    path: Path
    name: str


def letters_say(text: str) -> str | None:
    """'be' or 'ru' by the letters only one of the two alphabets has; None when it has neither.
    An empty text, or one that mixes the two, is refused."""
    if not re.search(r"[^\W\d_]", text):
        raise LettersError("is empty: write the message, or remove the file")
    lower = text.lower()
    be, ru = bool(re.search(r"[ўі]", lower)), bool(re.search(r"[ищъ]", lower))
    if be and ru:
        raise LettersError("mixes Belarusian (ў, і) and Russian (и, щ, ъ) letters: write the whole message in one language")
    return "be" if be else "ru" if ru else None


def language_of(text: str, hint: str | None = None) -> str:
    """'be' or 'ru': from letters only one of the two alphabets has, or from `hint`
    (a `.be.txt` / `.ru.txt` file name, or --lang) when the text has neither."""
    told = letters_say(text)
    if told and hint and told != hint:
        raise LettersError(f"is marked {hint!r} but written in {told!r}")
    if told or hint:
        return told or hint
    raise LettersError("cannot tell whether it is Belarusian or Russian: name it <name>.be.txt or <name>.ru.txt")


def hint_of(path: Path) -> str | None:
    """The language a file name declares: anna.ru.txt -> 'ru'."""
    suffixes = Path(path).suffixes
    return suffixes[-2][1:] if len(suffixes) >= 2 and suffixes[-2] in (".be", ".ru") else None


def name_of(path: Path) -> str:
    """The message's name without its language: anna.ru.txt -> 'anna'."""
    return Path(path).name.split(".")[0]


def read(path: Path) -> str:
    """The message's text; a file that is not text is refused (the reason, without the file name)."""
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise LettersError(f"larger than {MAX_BYTES // 1000} kB; a message is one page at most")
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LettersError("not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise LettersError(f"cannot read it: {exc.strerror}") from None
    return refuse_unsafe(text)


def refuse_unsafe(text: str) -> str:
    """The text, unless it holds what no letter may: NUL bytes, control characters (which
    no font draws), halves of characters, or characters that reorder the printed words (a
    file and a text typed on the page are checked alike)."""
    if "\0" in text:
        raise LettersError("holds NUL bytes: it is not a text file")
    if found := CONTROL.search(text):
        line = text.count("\n", 0, found.start()) + 1
        raise LettersError(f"line {line}: holds a control character U+{ord(found.group()):04X}, which prints as "
                           f"nothing or a box; retype the line without it")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise LettersError("holds half of a character (a lone surrogate); retype the text") from None
    if found := BIDI.search(text):
        line = text.count("\n", 0, found.start()) + 1
        raise LettersError(f"line {line}: holds a direction-changing character U+{ord(found.group()):04X}, "
                           f"which prints the words in another order; retype the line without it")
    return text


def read_checked(path: Path, lang: str | None = None) -> tuple[str, str]:
    """A message's text and language: readable, not empty, in one language (`lang`,
    or its .be/.ru name, decides when the letters cannot).

    The one place a message is read for use: its errors name the file.
    """
    try:
        text = read(path)
        return text, language_of(text, lang or hint_of(path))
    except LettersError as exc:
        raise MessageError(path, exc.format_message()) from None


def paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; lines inside one are joined."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]


def find(root: Path, people: set[str]) -> tuple[list[Message], list[Diagnostic]]:
    """Every message in the campaign, and a diagnostic for each misplaced one."""
    folder = Path(root) / FOLDER
    found: list[Message] = []
    problems: list[Diagnostic] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.startswith(".") or PAGE_FILE.fullmatch(path.name):
            continue  # a file being written, or a letter of the page (printed there once approved)
        relative = path.relative_to(root)
        if len(relative.parts) != 3 or path.suffix != ".txt":
            problems.append(Diagnostic("a message must be messages/<prisoner-id>/<name>.txt", code="message", file=relative))
        elif relative.parts[1] not in people:
            problems.append(Diagnostic(f"no prisoner {relative.parts[1]!r} in this campaign", code="message", file=relative))
        elif not re.fullmatch(SLUG, name_of(path)):
            problems.append(Diagnostic("name it with lower-case letters, digits and dashes, e.g. anna-1.txt or anna-1.ru.txt", code="message", file=relative))
        elif any(m.person == relative.parts[1] and m.name == name_of(path) for m in found):
            problems.append(Diagnostic(f"another message for {relative.parts[1]} is also named {name_of(path)!r}; rename one", code="message", file=relative))
        else:
            found.append(Message(relative.parts[1], path, name_of(path)))
    return found, problems
