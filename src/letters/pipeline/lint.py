"""The censorship-risk lint: what in a text to a prisoner gets it withheld, or endangers someone.

The rules are data (templates/lint/rules.yaml, extended by a campaign's
lint.yaml); this module only tokenises and matches. It checks plain text
(`letters lint FILE`, personal messages) and the rendered text of every
prisoner-audience document, so template words, profile data and the writer's
own words all pass the same gate. Address lines are exempt: they are copied
as published and end with the country in Latin capitals.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
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
from ..core.templates import SafeLoader, load_text, make_environment, text_source, too_deep
from ..data import language, messages
from .patterns import Pattern, fold

RULES_FILE = "lint/rules.yaml"
CAMPAIGN_FILE = "lint.yaml"
WORD = re.compile(r"[^\W\d_]+(?:[ʼ'’][^\W\d_]+)*")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2300-\u23FF\uFE0F\u200D\u20E3]+"
)
JOINERS = "\u200d\ufe0f"  # zero-width joiner, emoji presentation selector: part of an emoji, not one alone
BUILT_IN = {"latin", "emoji"}
CSS_CONTENT = re.compile(r"content\s*:\s*(['\"])(.*?)\1")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")  # rules whose matching is code, not lists

# A line made only of these is already in normal form (the common case: no work to do).
# Everything else goes through `normal_line`: soft hyphens, zero-width and bidi characters,
# combining accents, compatibility forms (NFKC), emoji.
PLAIN = re.compile(r"[\x20-\x7e\u00a1-\u00ac\u00ae-\u02ff\u0400-\u0482\u048a-\u04ff\u2010-\u2027\u2030-\u205e\u20ac\u2116]*")
KEEP_MARKS = {"\u0306": frozenset("иИуУ"), "\u0308": frozenset("еЕіІ")}  # й, ў, ё, ї: letters, not accents
MARKS = frozenset({"Mn", "Me", "Mc"})
LETTER_GAP = re.compile(r"[\s.\-‐‑‒–—_·*]{1,3}")  # between spaced-out letters: "с в а", "С-в-а", "с.в.а"
PIECE_GAP = re.compile(r"[.\-‐‑‒–—_·*/|+]{1,2}")  # inside a word cut into pieces: "Бе-ла-русь", "св*обода"
MAX_PIECES = 8  # pieces of one cut word
MAX_RUN = 40  # letters in one spaced-out word
BELARUSIAN_ONLY = re.compile("[іўʼ]")  # a word with these is not Russian: no Russian lemma for it
WILDCARD = "*"  # in a several-word entry: any one word ("вы * освободить": "вас скоро освободят")
LEMMA = "="  # a key that is a lemma, not a written form: "=освобождение"
PREFIX = 2  # a word is lemmatised when its first letters begin some lemma of the rules


def normalize(word: str) -> str:
    """Compare words as a reader would: case, ё/е and the apostrophe's spelling do not matter,
    nor Belarusian у/ў at the start of a word (ў after a vowel: "улада", "гэтая ўлада")."""
    word = word.lower().replace("ё", "е").replace("’", "ʼ").replace("'", "ʼ")
    return "у" + word[1:] if word.startswith("ў") else word


@dataclass(frozen=True)
class NormalLine:
    """A line as the rules see it, and where each of its characters came from.

    `text` is NFKC, without format characters (Cf: soft hyphen, zero-width
    space, joiners, bidi marks) and without combining marks other than those
    that make й, ў, ё and ї. Character k of `text` came from `line[starts[k]:ends[k]]`
    (None: the line was already normal, so offsets are the same)."""

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets start..end in `text` as offsets in the original line."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:  # an empty match: where it is
            at = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
            return at, at
        return self.starts[start], self.ends[end - 1]


def normal_line(line: str) -> NormalLine:
    """`line` with nothing that hides a word from the rules (issue 14, item 8)."""
    if PLAIN.fullmatch(line) and unicodedata.is_normalized("NFKC", line):
        return NormalLine(line)
    clusters: list[list[Any]] = []  # [characters, start, end]: a character with its combining marks
    for i, char in enumerate(line):
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category in MARKS:
            if clusters:
                clusters[-1][0] += char
                clusters[-1][2] = i + 1
            continue
        clusters.append([char, i, i + 1])
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chars, start, end in clusters:
        kept = []
        for char in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", chars)):
            if unicodedata.category(char) not in MARKS or (kept and kept[-1] in KEEP_MARKS.get(char, ())):
                kept.append(char)
        text = unicodedata.normalize("NFC", "".join(kept))
        out.append(text)
        starts += [start] * len(text)
        ends += [end] * len(text)
    return NormalLine("".join(out), tuple(starts), tuple(ends))


def expand(entry: str, endings: dict[str, list[str]] | None = None, lemmas: bool = False) -> set[tuple[str, ...]]:
    """'свабод{а,ы}' -> {('свабода',), ('свабоды',)}; words in a row become longer tuples.

    Braces list alternatives, and a word may have several ("{вольн,свабодн}{ая,ай}");
    in braces, `@name` stands for the ending class `name` (rules.yaml's `endings:`).
    Words are split where the text's words are: at spaces, dots and hyphens
    ("бел-чырвона-белы" is three words). With `lemmas`, a bare word is a lemma
    (a key "=word", matching any of its forms); a word with braces is still forms.
    """
    options = []
    for word in WORD_OR_BRACES.findall(entry):
        if "{" not in word:
            options.append([WILDCARD] if word == WILDCARD else [(LEMMA if lemmas else "") + normalize(word)])
            continue
        parts = []
        for part in PART.findall(word):
            if not part.startswith("{"):
                parts.append([part])
                continue
            items: list[str] = []
            for item in (i.strip() for i in part[1:-1].split(",")):
                if item.startswith("@"):
                    if endings is None or item[1:] not in endings:
                        raise LettersError(f"unknown ending class {item[1:]!r} in {entry!r}")
                    items += endings[item[1:]]
                else:
                    items.append(item)
            parts.append(items)
        options.append(list(dict.fromkeys(normalize("".join(p)) for p in itertools.product(*parts))))
    if options and WILDCARD in (options[0] + options[-1]):
        raise LettersError(f"{entry!r}: {WILDCARD} stands between words, not first or last")
    return {tuple(words) for words in itertools.product(*options)}


WORD_OR_BRACES = re.compile(r"(?:[^\s{}.\-‐‑]|\{[^}]*\})+")
PART = re.compile(r"\{[^}]*\}|[^{}]+")


@functools.lru_cache(maxsize=200_000)
def russian_lemmas(word: str) -> tuple[str, ...]:
    """The lemmas pymorphy3 gives a (normalised) word, every reading, normalised too."""
    return tuple(dict.fromkeys(normalize(p.normal_form) for p in language.russian_morph().parse(word)))


def _dictionary_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pymorphy3 {version('pymorphy3')}, dicts {version('pymorphy3-dicts-ru')}"
    except PackageNotFoundError:
        return "pymorphy3"


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    why: str
    source: str
    suggestion: str
    forms: frozenset[tuple[str, ...]] = frozenset()
    patterns: tuple[Pattern, ...] = ()
    lemmas: frozenset[tuple[str, ...]] = frozenset()  # entries matched by lemma (keys "=lemma")
    unless: tuple[Pattern, ...] = ()  # a finding inside a match of one of these is no finding («Война и мир»)


Node = dict[Any, Any]  # a trie of keys; the key None holds the rules an entry ending there names
KEYS_CACHE = 100_000  # words whose keys one Rules keeps


class FirstWords:
    """The trie's first level: the rest of an entry's trie is built when a text first has its first word.

    The rules hold some 27,000 entries, and building all their tries took a tenth of a
    second, which every cold `letters render` paid for the few words a letter holds."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.waiting: dict[str, list[tuple[tuple[str, ...], Rule]]] = {}
        for rule in rules:
            for entry in rule.forms | rule.lemmas:
                self.waiting.setdefault(entry[0], []).append((entry, rule))
        self.built: dict[str, Node] = {}

    def __contains__(self, key: str) -> bool:
        return key in self.waiting

    def get(self, key: str) -> Node | None:
        node = self.built.get(key)
        if node is None and key in self.waiting:
            node = {}  # filled before it is shared: the web page's threads lint at once
            for entry, rule in self.waiting[key]:
                child = node
                for part in entry[1:]:
                    child = child.setdefault(part, {})
                named = child.setdefault(None, [])
                if rule not in named:
                    named.append(rule)
            self.built[key] = node
        return node


@dataclass(frozen=True)
class Rules:
    rules: dict[str, Rule]
    max_chars: int
    length: Rule
    images: Rule
    trie: FirstWords = field(init=False, repr=False)  # every entry, word by word
    prefixes: frozenset[str] = field(init=False, repr=False)  # first letters of the lemmas: which words to lemmatise
    keys_of: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)  # word as written -> its keys, once
    patterns: tuple[tuple[Rule, Pattern], ...] = field(init=False, repr=False)  # every rule's, in order
    guarded: bool = field(init=False, repr=False)  # some rule has `unless` patterns

    def __post_init__(self) -> None:
        prefixes = {key[1 : 1 + PREFIX] for rule in self.rules.values() for entry in rule.lemmas
                    for key in entry if key.startswith(LEMMA)}
        object.__setattr__(self, "trie", FirstWords(self.rules.values()))
        object.__setattr__(self, "prefixes", frozenset(prefixes))
        object.__setattr__(self, "keys_of", {})
        object.__setattr__(self, "patterns", tuple((r, p) for r in self.rules.values() for p in r.patterns))
        object.__setattr__(self, "guarded", any(r.unless for r in self.rules.values()))

    @cached_property
    def joined(self) -> dict[str, list[Rule]]:
        """Entries of several written words as one ("жывебеларусь"), for words spelled out letter by letter."""
        joined: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            for entry in rule.forms | rule.lemmas:
                if len(entry) > 1 and not any(k == WILDCARD or k.startswith(LEMMA) for k in entry):
                    named = joined.setdefault("".join(entry), [])
                    if rule not in named:
                        named.append(rule)
        return joined

    def keys(self, written: str) -> tuple[str, ...]:
        """What a word can match: itself normalised, and its Russian lemmas as "=lemma" keys.

        Only words that begin like some lemma of the rules are lemmatised: a lemma and
        its forms share their first letters (дали: дать), except a few suppletive words
        (вас: вы, лет: год), which the rules write as forms in braces."""
        keys = self.keys_of.get(written)
        if keys is None:
            word = normalize(written)
            keys = (word,)
            if word[:PREFIX] in self.prefixes and len(word) >= 3 and not BELARUSIAN_ONLY.search(word):
                keys += tuple(LEMMA + lemma for lemma in russian_lemmas(word))
            if len(self.keys_of) >= KEYS_CACHE:
                self.keys_of.clear()
            self.keys_of[written] = keys
        return keys

    def matches(self, keys: list[tuple[str, ...]], i: int) -> Iterable[tuple[int, list[Rule]]]:
        """(j, rules) for every entry that words i..j (inclusive) match."""
        nodes = [self.trie]
        for j in range(i, len(keys)):
            following = [child for node in nodes for key in keys[j] if (child := node.get(key)) is not None]
            if j > i:
                following += [child for node in nodes if (child := node.get(WILDCARD)) is not None]
            if not following:
                return
            for node in following:
                if None in node:
                    yield j, node[None]
            nodes = following

    def whole(self, word: str) -> list[Rule]:
        """The rules a word spelled out letter by letter names, as one word or as an entry of several."""
        found = [rule for key in self.keys(word) for rule in (self.trie.get(key) or {}).get(None, ())]
        return found + self.joined.get(word, [])


def short(finding: Diagnostic) -> str:
    """A finding without its file: "3:14: error: politics: ..." (for messages that name the file already)."""
    return str(Diagnostic(**{**finding.__dict__, "file": None}))


def _rule(name: str, spec: dict[str, Any], where: str, endings: dict[str, list[str]] | None = None) -> Rule:
    try:
        forms = frozenset(f for entry in spec.get("words", []) for f in expand(str(entry), endings))
        lemmas = frozenset(f for entry in spec.get("lemmas", []) for f in expand(str(entry), endings, lemmas=True))
        patterns = tuple(Pattern.of(p, where) for p in spec.get("patterns", []))
        unless = tuple(Pattern.of(p, where) for p in spec.get("unless", []))
        return Rule(name, spec["severity"], spec["why"], spec["source"], spec["suggestion"], forms, patterns, lemmas, unless)
    except KeyError as exc:
        raise LettersError(f"{where}: rule {name!r} needs {exc.args[0]!r}") from None
    except re.error as exc:
        raise LettersError(f"{where}: rule {name!r}: bad pattern: {exc}") from None
    except LettersError as exc:
        raise LettersError(f"{where}: rule {name!r}: {exc}") from None


def load_rules(builtin: dict[str, Any], extra: dict[str, Any] | None = None, where: str = RULES_FILE) -> Rules:
    """The built-in rules, with a campaign's words, lemmas and patterns added to them."""
    specs = {name: dict(spec) for name, spec in builtin["rules"].items()}
    endings = {str(k): [str(e) for e in v] for k, v in (builtin.get("endings") or {}).items()}
    for name, spec in ((extra or {}).get("rules") or {}).items():
        if name not in specs:
            raise LettersError(f"{CAMPAIGN_FILE}: unknown rule {name!r}; expected one of {', '.join(n for n in specs if n not in BUILT_IN)}")
        for key in ("words", "lemmas", "patterns", "unless"):
            specs[name][key] = [*specs[name].get(key, []), *(spec or {}).get(key, [])]
    max_chars = int((extra or {}).get("max_chars") or builtin["max_chars"])
    return Rules(
        {name: _rule(name, spec, where, endings) for name, spec in specs.items()},
        max_chars,
        _rule("length", builtin["length"], where),
        _rule("images", builtin["images"], where),
    )


class _Additions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    words: list[str] = []
    lemmas: list[str] = []
    patterns: list[str] = []
    unless: list[str] = []


class _CampaignRules(BaseModel):
    """The shape of a campaign's lint.yaml: more words, lemmas and patterns per rule, a length limit."""

    model_config = ConfigDict(extra="forbid")
    rules: dict[str, _Additions] = {}
    max_chars: int | None = Field(default=None, ge=1)


def read_campaign_rules(root: Path | None) -> dict[str, Any] | None:
    """A campaign's lint.yaml, if it has one, checked for its shape."""
    if root is None or not (Path(root) / CAMPAIGN_FILE).is_file():
        return None
    path = Path(root) / CAMPAIGN_FILE
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}
        checked = _CampaignRules.model_validate(data)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        if too_deep(exc):
            raise LettersError(f"{path}: nested too deeply to be a lint.yaml") from None
        raise LettersError(f"{path}: not readable YAML: {exc}") from None
    except ValidationError as exc:
        first = from_validation(exc, data, path)[0]
        raise LettersError(f"{first} (expected rules: {{politics: {{words: [...], patterns: [...]}}}}, max_chars: N)") from None
    for pattern in (p for extra in checked.rules.values() for p in [*extra.patterns, *extra.unless]):
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
    """Every finding in one line. The rules see the line normalised (`normal_line`);
    each finding is placed, and quoted, at its place in the line as written."""
    normal = normal_line(line)
    text = normal.text
    spans: list[tuple[Rule, int, int]] = []  # in `text`'s offsets
    tokens = list(WORD.finditer(text))
    keys = [rules.keys(t.group()) for t in tokens]
    trie = rules.trie
    for i, token_keys in enumerate(keys):
        if any(key in trie for key in token_keys):  # most words begin no entry
            for j, named in rules.matches(keys, i):
                spans.extend((rule, tokens[i].start(), tokens[j].end()) for rule in named)
    if sum(t.end() - t.start() == 1 for t in tokens) >= 3:
        for start, end, word in _spelled_out(text, tokens):
            spans.extend((rule, start, end) for rule in rules.whole(word))
    if (joined := _cut_words(text, tokens)) is not None:  # also as words joined: "Жыве Бе-ла-русь"
        joined_keys = [rules.keys(word) for _, _, word in joined]
        for i, token_keys in enumerate(joined_keys):
            if any(key in trie for key in token_keys):
                for j, named in rules.matches(joined_keys, i):
                    spans.extend((rule, joined[i][0], joined[j][1]) for rule in named)
    folded = fold(text)
    for rule, pattern in rules.patterns:
        for m in pattern.finditer(text, folded):
            spans.append((rule, m.start(), m.end()))
    if rules.guarded and spans:
        spans = _not_excepted(text, folded, spans)
    found = []
    for rule, start, end in spans:
        begin, finish = normal.span(start, end)
        found.append(_finding(rule, number, begin, finish, line[begin:finish]))
    if "emoji" in rules.rules:  # on the line as written: the joiners and selectors are part of the emoji
        found.extend(_finding(rules.rules["emoji"], number, m.start(), m.end(), m.group())
                     for m in EMOJI.finditer(line) if m.group().strip(JOINERS))  # a joiner alone is no emoji
    found = _outermost(found)
    if "latin" in rules.rules and LATIN.search(text):
        found += _latin_runs(number, line, normal, found, rules.rules["latin"])
    return found


def _not_excepted(text: str, folded: str, spans: list[tuple[Rule, int, int]]) -> list[tuple[Rule, int, int]]:
    """The spans that no `unless` pattern of their rule covers: "войну" in «Войну и мир» is a book."""
    covers: dict[str, list[tuple[int, int]]] = {}
    for rule in {rule.name: rule for rule, _, _ in spans if rule.unless}.values():
        covers[rule.name] = [m.span() for p in rule.unless for m in p.finditer(text, folded)]
    return [(rule, start, end) for rule, start, end in spans
            if not any(a <= start and end <= b for a, b in covers.get(rule.name, ()))]


def _spelled_out(text: str, tokens: list[re.Match[str]]) -> Iterable[tuple[int, int, str]]:
    """Words written letter by letter ("с в а б о д а", "С-в-а-б-о-д-а"): (start, end, the
    letters joined) for every stretch of three or more single letters in a row."""
    run: list[re.Match[str]] = []
    for token in [*tokens, None]:
        if token is not None and len(token.group()) == 1 and (
                not run or LETTER_GAP.fullmatch(text, run[-1].end(), token.start())):
            run.append(token)
            continue
        if len(run) >= 3:
            letters = [t.group() for t in run]
            for a in range(len(run) - 2):
                for b in range(a + 3, min(len(run), a + MAX_RUN) + 1):
                    yield run[a].start(), run[b - 1].end(), normalize("".join(letters[a:b]))
        run = [token] if token is not None and len(token.group()) == 1 else []


def _cut_words(text: str, tokens: list[re.Match[str]]) -> list[tuple[int, int, str]] | None:
    """The line's words with each word cut into pieces by hyphens, dots or asterisks with
    no space ("Бе-ла-русь", "св*обода", "сва.бо.да") joined into one: (start, end, word);
    None if no word is cut. Hyphenated words ("бела-чырвона-белы", "кто-то") are joined
    too, which only matters when the joined word is one the rules name."""
    words: list[tuple[int, int, str]] = []
    cut = False
    previous: re.Match[str] | None = None
    for token in tokens:
        if previous is not None and PIECE_GAP.fullmatch(text, previous.end(), token.start()):
            start, _, word = words[-1]
            words[-1] = (start, token.end(), word + token.group())
            cut = True
        else:
            words.append((token.start(), token.end(), token.group()))
        previous = token
    return words if cut else None


def _overlaps(a: Diagnostic, b: Diagnostic) -> bool:
    return a.line == b.line and a.column < b.end_column and b.column < a.end_column


def _outermost(found: list[Diagnostic]) -> list[Diagnostic]:
    """Of findings of one rule that overlap ("https://x.org" and "x.org"), keep the longest;
    and a warning about words an error names already ("БЧБ": a symbol, not just capitals) goes."""
    keep: list[Diagnostic] = []
    for f in sorted(found, key=lambda f: (f.column - f.end_column)):
        if not any(k.code == f.code and _overlaps(k, f) for k in keep):
            keep.append(f)
    errors = [f for f in keep if f.severity == "error"]
    return [f for f in keep if f.severity == "error" or not any(_overlaps(e, f) for e in errors)]


def _latin_runs(number: int, line: str, normal: NormalLine, found: list[Diagnostic], rule: Rule) -> list[Diagnostic]:
    """One finding per run of neighbouring Latin words ("Free Marfa"), outside what other
    rules already named (a link or "Viasna" is reported once, by its own rule)."""
    named = [False] * (len(line) + 1)
    for f in found:
        named[f.column - 1 : f.end_column - 1] = [True] * (f.end_column - f.column)
    text = normal.text
    masked = "".join(" " if named[normal.span(k, k + 1)[0]] else char for k, char in enumerate(text))
    tokens = list(WORD.finditer(masked))
    out = []
    for latin, run in itertools.groupby(tokens, key=lambda t: bool(LATIN.search(t.group()))):
        if latin:
            run = list(run)
            start, end = normal.span(run[0].start(), run[-1].end())
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


# Styles the lint cannot read: a linked or imported stylesheet can draw words (content:,
# quotes:, counters) that the gate would never see, so a prisoner document may not fetch one.
FETCHED_STYLES = re.compile(r"<link\b[^>]*\brel\s*=\s*['\"]?[^'\">]*stylesheet[^>]*>|@import\b[^;]*", re.I)
FETCHED = Rule(
    "fetched", "error",
    "a stylesheet fetched from a file or imported can print words the lint never reads",
    "DESIGN.md: every text sent to a prisoner passes the lint",
    "put the styles in the template's own <style> block",
)


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
    found += [_finding(FETCHED, 1, 0, len(m.group()[:60]), m.group()[:60]) for m in FETCHED_STYLES.finditer(html)]
    return sorted(found, key=lambda f: (f.line, f.column, f.code))


def errors(findings: list[Diagnostic]) -> list[Diagnostic]:
    return [f for f in findings if f.severity == "error"]


def in_file(findings: list[Diagnostic], file: Path | str) -> list[Diagnostic]:
    """The findings of a text, placed in the file (or message) they came from."""
    return [Diagnostic(**{**f.__dict__, "file": file}) for f in findings]


def rules_digest(root: Path | None) -> str:
    """A fingerprint of the rules in force, for the build's cache keys: the text of the rules
    file the template lookup finds, the campaign's lint.yaml, the dictionary's version and
    the lint's own code (a change to how words are matched must check every document again).

    Read from the files, not from built rules: a rebuild that lints nothing (nothing
    changed, or only a bio that only the writer's sheet shows) never builds them (0.1-0.2 s)."""
    source, _ = text_source(make_environment(root), RULES_FILE)
    extra = Path(root) / CAMPAIGN_FILE if root is not None else None
    code = [Path(__file__).read_bytes(), Path(__file__).with_name("patterns.py").read_bytes()]
    parts = [source.encode(), extra.read_bytes() if extra is not None and extra.is_file() else b"",
             _dictionary_version().encode(), *code]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


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
