"""The censorship-risk lint: what in a text to a prisoner gets it withheld, or endangers someone.

The rules are data (templates/lint/rules.yaml, extended by a campaign's
lint.yaml); this module only tokenises and matches. It checks plain text
(`letters lint FILE`, personal messages) and the rendered text of every
prisoner-audience document, so template words, profile data and the writer's
own words all pass the same gate. Address lines are exempt: they are copied
as published and end with the country in Latin capitals.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.diagnostics import Diagnostic, from_validation
from ..core.errors import LettersError
from ..core.templates import load_text, make_environment
from ..data import messages

RULES_FILE = "lint/rules.yaml"
CAMPAIGN_FILE = "lint.yaml"
WORD = re.compile(r"[^\W\d_]+(?:[ʼ'’][^\W\d_]+)*")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2300-\u23FF\uFE0F\u200D\u20E3]+"
)
BUILT_IN = {"latin", "emoji"}
CSS_CONTENT = re.compile(r"content\s*:\s*(['\"])(.*?)\1")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")  # rules whose matching is code, not lists


def normalize(word: str) -> str:
    """Compare words as a reader would: case, ё/е and the apostrophe's spelling do not matter."""
    return word.lower().replace("ё", "е").replace("’", "ʼ").replace("'", "ʼ")


def expand(entry: str) -> set[tuple[str, ...]]:
    """'свабод{а,ы}' -> {('свабода',), ('свабоды',)}; words in a row become longer tuples."""
    options = []
    for word in WORD_OR_BRACES.findall(entry):
        match = BRACES.fullmatch(word)
        if match:
            options.append([normalize(match["stem"] + ending) for ending in match["endings"].split(",")])
        else:
            options.append([normalize(word)])
    return {tuple(words) for words in itertools.product(*options)}


WORD_OR_BRACES = re.compile(r"[^\s{}.]+\{[^}]*\}|[^\s.]+")
BRACES = re.compile(r"(?P<stem>[^{]*)\{(?P<endings>[^}]*)\}")


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    why: str
    source: str
    suggestion: str
    forms: frozenset[tuple[str, ...]] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Rules:
    rules: dict[str, Rule]
    max_chars: int
    length: Rule
    images: Rule
    index: dict[tuple[str, ...], list[Rule]] = field(init=False, repr=False)  # word form -> rules naming it
    longest: int = field(init=False)  # most words in one entry ("жыве беларусь": 2)

    def __post_init__(self) -> None:
        index: dict[tuple[str, ...], list[Rule]] = {}
        for rule in self.rules.values():
            for form in rule.forms:
                index.setdefault(form, []).append(rule)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "longest", max((len(f) for f in index), default=1))

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the rules (stable across processes), for the build's cache keys."""
        import hashlib

        parts = [str(self.max_chars)]
        for rule in [*self.rules.values(), self.length, self.images]:
            parts += [rule.name, rule.severity, *sorted(" ".join(f) for f in rule.forms), *(p.pattern for p in rule.patterns)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def short(finding: Diagnostic) -> str:
    """A finding without its file: "3:14: error: politics: ..." (for messages that name the file already)."""
    return str(Diagnostic(**{**finding.__dict__, "file": None}))


def _rule(name: str, spec: dict[str, Any], where: str) -> Rule:
    try:
        forms = frozenset(f for entry in spec.get("words", []) for f in expand(str(entry)))
        patterns = tuple(re.compile(p) for p in spec.get("patterns", []))
        return Rule(name, spec["severity"], spec["why"], spec["source"], spec["suggestion"], forms, patterns)
    except KeyError as exc:
        raise LettersError(f"{where}: rule {name!r} needs {exc.args[0]!r}") from None
    except re.error as exc:
        raise LettersError(f"{where}: rule {name!r}: bad pattern: {exc}") from None


def load_rules(builtin: dict[str, Any], extra: dict[str, Any] | None = None, where: str = RULES_FILE) -> Rules:
    """The built-in rules, with a campaign's words and patterns added to them."""
    specs = {name: dict(spec) for name, spec in builtin["rules"].items()}
    for name, spec in ((extra or {}).get("rules") or {}).items():
        if name not in specs:
            raise LettersError(f"{CAMPAIGN_FILE}: unknown rule {name!r}; expected one of {', '.join(n for n in specs if n not in BUILT_IN)}")
        for key in ("words", "patterns"):
            specs[name][key] = [*specs[name].get(key, []), *(spec or {}).get(key, [])]
    max_chars = int((extra or {}).get("max_chars") or builtin["max_chars"])
    return Rules(
        {name: _rule(name, spec, where) for name, spec in specs.items()},
        max_chars,
        _rule("length", builtin["length"], where),
        _rule("images", builtin["images"], where),
    )


class _Additions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    words: list[str] = []
    patterns: list[str] = []


class _CampaignRules(BaseModel):
    """The shape of a campaign's lint.yaml: more words and patterns per rule, a length limit."""

    model_config = ConfigDict(extra="forbid")
    rules: dict[str, _Additions] = {}
    max_chars: int | None = Field(default=None, ge=1)


def read_campaign_rules(root: Path | None) -> dict[str, Any] | None:
    """A campaign's lint.yaml, if it has one, checked for its shape."""
    if root is None or not (Path(root) / CAMPAIGN_FILE).is_file():
        return None
    path = Path(root) / CAMPAIGN_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        checked = _CampaignRules.model_validate(data)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LettersError(f"{path}: not readable YAML: {exc}") from None
    except ValidationError as exc:
        first = from_validation(exc, data, path)[0]
        raise LettersError(f"{first} (expected rules: {{politics: {{words: [...], patterns: [...]}}}}, max_chars: N)") from None
    for pattern in (p for extra in checked.rules.values() for p in extra.patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise LettersError(f"{path}: bad pattern {pattern!r}: {exc}") from None
    return checked.model_dump(exclude_none=True)


def _finding(rule: Rule, line: int, start: int, end: int, text: str, why: str | None = None) -> Diagnostic:
    """A finding at line, columns start..end (0-based, end exclusive), with the words it is about."""
    return Diagnostic(f'{rule.name}: "{text}": {why or rule.why} ({rule.source}).', rule.severity, rule.name,
                      line=line, column=start + 1, end_column=end + 1, hint=rule.suggestion, text=text)


def _line_findings(number: int, line: str, rules: Rules) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    tokens = list(WORD.finditer(line))
    words = [normalize(t.group()) for t in tokens]
    for i in range(len(tokens)):
        for n in range(min(rules.longest, len(tokens) - i), 0, -1):
            for rule in rules.index.get(tuple(words[i : i + n]), ()):
                start, end = tokens[i].start(), tokens[i + n - 1].end()
                found.append(_finding(rule, number, start, end, line[start:end]))
    for rule in rules.rules.values():
        for pattern in rule.patterns:
            found.extend(_finding(rule, number, m.start(), m.end(), m.group()) for m in pattern.finditer(line))
    if "emoji" in rules.rules:
        found.extend(_finding(rules.rules["emoji"], number, m.start(), m.end(), m.group()) for m in EMOJI.finditer(line))
    found = _outermost(found)
    if "latin" in rules.rules:
        found += _latin_runs(number, line, found, rules.rules["latin"])
    return found


def _overlaps(a: Diagnostic, b: Diagnostic) -> bool:
    return a.line == b.line and a.column < b.end_column and b.column < a.end_column


def _outermost(found: list[Diagnostic]) -> list[Diagnostic]:
    """Of findings of one rule that overlap ("https://x.org" and "x.org"), keep the longest."""
    keep = []
    for f in sorted(found, key=lambda f: (f.column - f.end_column)):
        if not any(k.code == f.code and _overlaps(k, f) for k in keep):
            keep.append(f)
    return keep


def _latin_runs(number: int, line: str, found: list[Diagnostic], rule: Rule) -> list[Diagnostic]:
    """One finding per run of neighbouring Latin words ("Free Marfa"), outside what other
    rules already named (a link or "Viasna" is reported once, by its own rule)."""
    masked = list(line)
    for f in found:
        masked[f.column - 1 : f.end_column - 1] = " " * (f.end_column - f.column)
    masked_line = "".join(masked)
    tokens = list(WORD.finditer(masked_line))
    out = []
    for latin, run in itertools.groupby(tokens, key=lambda t: bool(LATIN.search(t.group()))):
        if latin:
            run = list(run)
            start, end = run[0].start(), run[-1].end()
            out.append(_finding(rule, number, start, end, line[start:end]))
    return out


def lint_text(text: str, rules: Rules, exempt: Iterable[str] = (), check_length: bool = True) -> list[Diagnostic]:
    """Every finding in `text`, by line and column. Lines equal to an `exempt` line are skipped."""
    skip = {line.strip() for line in exempt if line.strip()}
    found: list[Diagnostic] = []
    counted = 0  # characters so far, spaces collapsed, one per line break
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() in skip:
            continue
        found.extend(_line_findings(number, line, rules))
        words = " ".join(line.split())
        if check_length and words and counted <= rules.max_chars < counted + len(words):
            column = line.index(line.strip()[0]) + rules.max_chars - counted
            found.append(_finding(rules.length, number, column, len(line), "…" + line[column:].strip()[:30]))
        counted += len(words) + 1 if words else 0
    total = max(counted - 1, 0)
    if check_length and total > rules.max_chars:
        why = f"{rules.length.why}: {total} characters, the limit is {rules.max_chars}"
        found = [f if f.code != "length" else _finding(rules.length, f.line, f.column - 1, f.end_column - 1, f.text, why) for f in found]
    unique = {(f.line, f.column, f.code): f for f in found}
    return sorted(unique.values(), key=lambda f: (f.line, f.column, f.code))


class _Text(HTMLParser):
    """The text a reader sees, one line per block; images noted with their line."""

    SKIP = frozenset({"head", "style", "script", "title"})  # SVG <text> is text a reader sees: not skipped
    BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "tr", "section", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.images: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in ("img", "object", "embed", "iframe", "image"):
            source = dict(attrs).get("src") or dict(attrs).get("data") or tag
            self.images.append((self._line(), f"<{tag}> {source[:40]}"))
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # keep a space where the text had one: "<b>Жыве</b> Беларусь" is two words
            inner = " ".join(data.split())
            lead = " " if data[:1].isspace() and inner else ""
            trail = " " if data[-1:].isspace() and inner else ""
            self.parts.append(f"{lead}{inner}{trail}" if inner else (" " if data else ""))

    def _line(self) -> int:
        return "".join(self.parts).count("\n") + 1


def document_text(html: str) -> tuple[str, list[tuple[int, str]]]:
    """A rendered document's visible text (blank lines dropped) and its images."""
    parser = _Text()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    kept = [line for line in lines if line]
    images = [(sum(1 for x in lines[: n - 1] if x) + 1, what) for n, what in parser.images]
    return "\n".join(kept), images


def lint_document(html: str, rules: Rules, exempt: Iterable[str]) -> list[Diagnostic]:
    """Lint a prisoner-audience document as rendered: its text, and any image it carries.

    Length is not checked here: the limit is for the writer's words (a message,
    `letters lint FILE`), which are checked on their own before they go in.
    """
    text, images = document_text(html)
    # a picture can also come in through CSS (background: url(...)); the fonts are not in the document
    images += [(1, f"url({m.group(1)[:40]})") for m in CSS_URL.finditer(html) if not m.group(1).startswith("data:font")]
    # and words through CSS generated content (content: "..."): checked as lines after the text
    generated = [m.group(2) for m in CSS_CONTENT.finditer(html) if m.group(2).strip()]
    if generated:
        text = "\n".join([text, *generated])
    found = lint_text(text, rules, exempt, check_length=False)
    found += [_finding(rules.images, line, 0, len(what), what) for line, what in images]
    return sorted(found, key=lambda f: (f.line, f.column, f.code))


def errors(findings: list[Diagnostic]) -> list[Diagnostic]:
    return [f for f in findings if f.severity == "error"]


def in_file(findings: list[Diagnostic], file: Path | str) -> list[Diagnostic]:
    """The findings of a text, placed in the file (or message) they came from."""
    return [Diagnostic(**{**f.__dict__, "file": file}) for f in findings]


def rules_for(root: Path | None) -> Rules:
    """The rules in force for a campaign (or the built-in ones without a campaign).

    lint/rules.yaml is found through the template lookup, so a campaign can replace
    it under templates/; lint.yaml in the campaign folder adds to it.
    """
    return load_rules(load_text(make_environment(root), RULES_FILE), read_campaign_rules(root))


def lint_messages(root: Path, people: set[str]) -> list[Diagnostic]:
    """Every problem with the campaign's messages, as `letters check` reports them:
    misplaced files, unreadable text, an unclear language, and the lint's findings."""
    rules = rules_for(root)
    found, misplaced = messages.find(root, people)
    problems = [Diagnostic(**{**p.__dict__, "file": Path(root) / str(p.file)}) for p in misplaced]
    for message in found:
        try:
            text, _ = messages.read_checked(message.path)
        except messages.MessageError as exc:
            problems.append(Diagnostic(exc.reason, code="message", file=message.path))
            continue
        problems += in_file(lint_text(text, rules), message.path)
    return problems
