"""Read a campaign folder and validate it into typed models.

Every problem names its file, the YAML line where there is one, the field and
what was expected; all problems of a run are collected, not only the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..core import templates
from ..core.diagnostics import Diagnostic, Severity, from_validation
from ..core.errors import CampaignError
from ..products.registry import Registry, load_registry
from . import language
from .models import Addressee, Campaign, Facility, Prisoner

M = TypeVar("M", bound=BaseModel)
SafeLoader = templates.SafeLoader  # libyaml when present: 1,000 profiles load fast
Loc = tuple[Any, ...]

MAX_YAML_BYTES = 2_000_000  # one campaign file: a facilities.yaml for a thousand places is a tenth of this
MAX_ALIASES = 100  # uses of &anchors (*alias) in one file: a campaign file needs few, an alias bomb needs many
MAX_DEPTH = 40  # levels of nesting: a profile has four
MAX_NODES = 200_000  # values in one file with its aliases expanded: a thousand facilities are 30,000
CAMPAIGN_FILES = ("campaign.yaml", "facilities.yaml", "addressees.yaml", "lint.yaml", "import-columns.yaml")
DATA_FOLDERS = ("prisoners", "messages", "photos", "templates")


def campaign_file_refusal(root: Path, target: Path) -> str | None:
    """Why `target` must not be written by a command's -o, or None: it is one of the campaign's
    own data files (campaign.yaml, facilities.yaml, addressees.yaml, any YAML beside them) or
    inside its prisoners/, messages/, photos/ or templates/ folder."""
    root, target = Path(root).resolve(), Path(target).resolve()
    if not target.is_relative_to(root):
        return None
    parts = target.relative_to(root).parts
    if not parts:
        return f"{target} is the campaign folder itself"
    if len(parts) == 1 and (parts[0] in CAMPAIGN_FILES or parts[0].endswith((".yaml", ".yml"))):
        return f"{target} is one of the campaign's own files"
    if parts[0] in DATA_FOLDERS:
        return f"{target} is inside the campaign's {parts[0]}/ folder"
    return None


@dataclass
class CampaignData:
    """A validated campaign: everything later stages need, keyed by id."""

    root: Path
    campaign: Campaign
    prisoners: dict[str, Prisoner]
    facilities: dict[str, Facility]
    addressees: dict[str, Addressee]
    registry: Registry = field(default_factory=load_registry)  # the products this campaign can make
    warnings: list[Diagnostic] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # prisoner id -> profile file
    include_stale: bool = False  # let prisoner mail go to people whose data is past its check-by date

    def is_stale(self, verified: dt.date) -> bool:
        """Older than the campaign's limit before its date: an address may have changed."""
        return (self.date - verified).days > self.campaign.stale_after_days

    @property
    def date(self) -> dt.date:
        """The campaign's date: printed on appeals and used to judge freshness."""
        return self.campaign.date or dt.date.today()


def _line_index(node: yaml.Node, loc: Loc = ()) -> dict[Loc, int]:
    """Map every key path in a YAML document to its 1-based line number.

    Each node is visited once: a node reached again through an alias gets its own line
    but is not walked again (walking aliases again made an alias bomb cost 2^N).
    """
    lines: dict[Loc, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(node, loc)]
    while stack:
        current, where = stack.pop()
        lines.setdefault(where, current.start_mark.line + 1)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                child = (*where, key.value)
                lines[child] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*where, i)) for i, item in enumerate(current.value))
    return lines


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _shape_problem(node: yaml.Node) -> tuple[str, int] | None:
    """Too many aliases, too deep a nesting, an alias inside itself, or a document that
    would be too large once its aliases are expanded (an alias bomb: 9 levels of 9 aliases
    are 387 million values): the reason and a line. Each node is visited once, without
    recursion, before anything is built from the document."""
    sizes: dict[int, int] = {}  # a node -> how many nodes it stands for, its aliases expanded
    open_nodes: set[int] = set()  # nodes being walked: the ancestors of the current one
    aliases = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, finished = stack.pop()
        key = id(current)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(current))
            if sizes[key] > MAX_NODES:
                return (f"stands for more than {MAX_NODES:,} values once its aliases (*name) are expanded",
                        current.start_mark.line + 1)
            continue
        if key in open_nodes:
            return "an alias (*name) inside the value it names", current.start_mark.line + 1
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                return (f"uses aliases (*name) more than {MAX_ALIASES} times; write the values out",
                        current.start_mark.line + 1)
            continue
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep", current.start_mark.line + 1
        if isinstance(current, yaml.ScalarNode):  # a leaf is finished at once: most nodes, walked once, not twice
            sizes[key] = 1
            continue
        open_nodes.add(key)
        stack.append((current, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(current))
    return None


def read_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML file; a syntax error becomes a diagnostic with its line.

    Refused before parsing: a file larger than MAX_YAML_BYTES, a folder, a file that
    cannot be read; before building: more than MAX_ALIASES aliases, or deeper than MAX_DEPTH.
    """
    try:
        if path.is_dir():
            raise CampaignError([Diagnostic("is a folder, not a YAML file; move it out or rename it", code="yaml", file=path)])
        if (size := path.stat().st_size) > MAX_YAML_BYTES:
            raise CampaignError([Diagnostic(f"is {size:,} bytes; a campaign file is at most {MAX_YAML_BYTES:,}",
                                            code="yaml", file=path)])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CampaignError([Diagnostic(f"is not UTF-8 text ({exc.reason})", code="yaml", file=path)]) from None
    except OSError as exc:
        raise CampaignError([Diagnostic(f"cannot be read ({exc.strerror or exc})", code="yaml", file=path)]) from None
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and (shape := _shape_problem(node)):
                raise CampaignError([Diagnostic(f"invalid YAML: {shape[0]}", code="yaml", file=path, line=shape[1])])
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except RecursionError:
        raise CampaignError([Diagnostic(f"invalid YAML: nested too deeply (at most {MAX_DEPTH} levels)",
                                        code="yaml", file=path)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            reason += f" ({exc.context} that began on line {exc.context_mark.line + 1})"
        raise CampaignError([Diagnostic(f"invalid YAML: {reason}", code="yaml", file=path, line=line)]) from None
    except yaml.YAMLError as exc:
        raise CampaignError([Diagnostic(f"invalid YAML: {exc}", code="yaml", file=path)]) from None
    if node is not None and (twice := _duplicate_key(node)):
        key, first, second = twice
        raise CampaignError([Diagnostic(f"{key!r} is given twice (lines {first} and {second}); keep one", code="yaml", file=path, line=second)])
    return data, (_line_index(node) if node is not None else {})


def _duplicate_key(node: yaml.Node) -> tuple[str, int, int] | None:
    """A key given twice in one mapping (YAML keeps the last silently), with both lines.

    Each node is checked once (an alias is not walked again), without recursion, in file order.
    """
    visited: set[int] = set()
    stack: list[yaml.Node] = [node]
    while stack:
        current = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, _ in current.value:
                line = key.start_mark.line + 1
                if key.value in seen:
                    return key.value, seen[key.value], line
                seen[key.value] = line
            stack.extend(value for _, value in reversed(current.value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return None


def _nearest_line(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its closest parent that YAML knows about."""
    while True:
        if loc in lines:
            return lines[loc]
        if not loc:
            return None
        loc = loc[:-1]


def validate(model: type[M], data: Any, path: Path, lines: dict[Loc, int], prefix: Loc = ()) -> tuple[M | None, list[Diagnostic]]:
    """Validate `data` into `model`; return the model or the problems, with lines."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, from_validation(exc, data, path, lambda loc: _nearest_line(lines, loc), prefix)


Lines = dict[Path, dict[Loc, int]]  # every file read -> its key paths and line numbers


def _at(lines: Lines, path: Path, loc: Loc, message: str, severity: Severity = "error", code: str = "schema") -> Diagnostic:
    """A problem at a field of a file, with the field's line where YAML gave one."""
    return Diagnostic(message, severity, code, path, _nearest_line(lines.get(path, {}), loc), field=".".join(map(str, loc)))


def _read(path: Path, lines: Lines, problems: list[Diagnostic]) -> Any:
    """Parse a file and remember its lines; None (and a problem) when it cannot be read."""
    if not path.exists():
        problems.append(Diagnostic("file is missing", file=path))
        return None
    try:
        data, lines[path] = read_yaml(path)
    except CampaignError as exc:
        problems.extend(exc.problems)
        return None
    return data


def _load_keyed(model: type[M], path: Path, lines: Lines, problems: list[Diagnostic]) -> dict[str, M]:
    """Load a file that maps ids to records (facilities.yaml, addressees.yaml)."""
    data = _read(path, lines, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Diagnostic("expected a mapping from id to record", code="schema", file=path, line=1))
        return {}
    records: dict[str, M] = {}
    for key, value in data.items():
        if isinstance(value, dict) and "id" not in value:
            value = {"id": key, **value}
        record, found = validate(model, value, path, lines[path], prefix=(key,))
        problems.extend(found)
        if record is not None and record.id != key:
            problems.append(_at(lines, path, (key, "id"), f"id {record.id!r} differs from its key {key!r}"))
        elif record is not None:
            records[key] = record
    return records


def _load_prisoners(folder: Path, lines: Lines, problems: list[Diagnostic]) -> tuple[dict[str, Prisoner], dict[str, Path]]:
    prisoners: dict[str, Prisoner] = {}
    files: dict[str, Path] = {}
    if not folder.is_dir():
        problems.append(Diagnostic("folder is missing: one YAML file per person is expected", file=folder))
        return prisoners, files
    for path in sorted(folder.glob("*.y*ml")):
        data = _read(path, lines, problems)
        if path not in lines:
            continue
        prisoner, found = validate(Prisoner, data, path, lines[path])
        problems.extend(found)
        if prisoner is None:
            continue
        if prisoner.id != path.stem:
            problems.append(_at(lines, path, ("id",), f"id {prisoner.id!r} must equal the file name {path.stem!r}"))
            continue
        if prisoner.id in files:
            problems.append(Diagnostic(f"a second profile for {prisoner.id!r} (also {files[prisoner.id].name}); keep one", file=path))
            continue
        prisoners[prisoner.id] = prisoner
        files[prisoner.id] = path
    return prisoners, files


def _cross_check(data: CampaignData, lines: Lines, problems: list[Diagnostic]) -> None:
    """References between files (addressee, facilities, photos), and warnings on freshness."""
    days = data.campaign.stale_after_days

    def stale(path: Path, loc: Loc, verified: dt.date, advice: str) -> None:
        if data.is_stale(verified):
            data.warnings.append(_at(lines, path, loc, f"last verified {verified}, more than {days} days before {data.date}{advice}", "warning", "stale"))

    for pid, prisoner in data.prisoners.items():
        path = data.files[pid]
        if prisoner.facility and prisoner.facility not in data.facilities:
            problems.append(_at(lines, path, ("facility",), f"unknown facility {prisoner.facility!r}; add it to facilities.yaml"))
        if prisoner.photo and not (data.root / prisoner.photo).is_file():
            problems.append(_at(lines, path, ("photo",), f"photo file {prisoner.photo!r} does not exist"))
        stale(path, ("last_verified",), prisoner.last_verified, "; check the profile against the live list")
    facilities_file = data.root / "facilities.yaml"
    for fid, facility in data.facilities.items():
        if facility.address is None:
            data.warnings.append(_at(lines, facilities_file, (fid, "address"), "no published address; no letter or envelope is made for people held there", "warning", "address"))
        stale(facilities_file, (fid, "last_verified"), facility.last_verified, "")
    # the addressee of each appeal language, vocatives and accusatives (data/language.py)
    for found in language.check(data, lambda path, loc, message, severity: _at(
            lines, path, loc, message, severity, "schema" if severity == "error" else "names")):  # type: ignore[arg-type]
        (problems if found.severity == "error" else data.warnings).append(found)


def _unknown_products(raw: Any, registry: Registry, campaign_file: Path, lines: Lines) -> list[Diagnostic]:
    """Products campaign.yaml names that the registry (built-in and the campaign's own) does not know."""
    names = raw.get("products") if isinstance(raw, dict) else None
    unknown = [str(n) for n in names if n not in registry.products] if isinstance(names, list) else []
    if not unknown:
        return []
    return [_at(lines, campaign_file, ("products",), f"unknown product(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(registry.products)}")]


def load_campaign(root: Path) -> CampaignData:
    """Read and validate a campaign folder; raise CampaignError listing every problem."""
    root = Path(root)
    if not root.is_dir():
        raise CampaignError([Diagnostic("campaign folder does not exist", file=root)])
    problems: list[Diagnostic] = []
    lines: Lines = {}
    campaign_file = root / "campaign.yaml"
    campaign = None
    raw = _read(campaign_file, lines, problems)
    if campaign_file in lines:
        campaign, found = validate(Campaign, raw if raw is not None else {}, campaign_file, lines[campaign_file])
        problems.extend(found)
    facilities = _load_keyed(Facility, root / "facilities.yaml", lines, problems)
    addressees = _load_keyed(Addressee, root / "addressees.yaml", lines, problems)
    prisoners, files = _load_prisoners(root / "prisoners", lines, problems)
    try:
        registry = load_registry(root)
    except CampaignError as exc:
        problems.extend(exc.problems)
        campaign = None
    else:
        problems.extend(_unknown_products(raw, registry, campaign_file, lines))
    if campaign is not None:
        data = CampaignData(root, campaign, prisoners, facilities, addressees, registry, files=files)
        _cross_check(data, lines, problems)
    if problems:
        raise CampaignError(problems)
    return data
