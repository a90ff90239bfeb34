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

from ..core.diagnostics import Diagnostic, Severity, from_validation
from ..core.errors import CampaignError
from ..products.registry import Registry, load_registry
from .models import Addressee, Campaign, Facility, Prisoner

M = TypeVar("M", bound=BaseModel)
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 1,000 profiles load fast
Loc = tuple[Any, ...]


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
    """Map every key path in a YAML document to its 1-based line number."""
    lines = {loc: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            lines.update(_line_index(value, child))
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*loc, i)))
    return lines


def read_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML file; a syntax error becomes a diagnostic with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CampaignError([Diagnostic(f"is not UTF-8 text ({exc.reason})", code="yaml", file=path)]) from None
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
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
    """A key given twice in one mapping (YAML keeps the last silently), with both lines."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                return key.value, seen[key.value], line
            seen[key.value] = line
            if found := _duplicate_key(value):
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if found := _duplicate_key(item):
                return found
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
    campaign_file = data.root / "campaign.yaml"
    if data.campaign.appeal_to not in data.addressees and "appeal" in data.campaign.products:
        problems.append(_at(lines, campaign_file, ("appeal_to",), f"unknown addressee {data.campaign.appeal_to!r}; expected one of {sorted(data.addressees)} from addressees.yaml"))
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
