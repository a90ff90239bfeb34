"""From spreadsheets: import prisoner lists into a campaign, and export them back.

Organizers keep their lists in Excel, LibreOffice or Google Sheets. `letters
import` reads CSV (UTF-8 with or without BOM, comma, semicolon or tab) or XLSX,
maps its headers (English, Belarusian or Russian; templates/import/columns.yaml,
extendable) to profile fields, and writes profiles and facilities. A row with
a problem is reported with its row number, column and reason; the good rows
are written. Re-importing updates profiles field by field: what the sheet does
not have stays, comments in the YAML too (ruamel.yaml round trip).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from ..core.diagnostics import Diagnostic, from_validation
from ..core.errors import CampaignError, LettersError
from ..core.files import write_all, write_atomic
from ..core.templates import builtin_templates_dir
from .load import campaign_file_refusal, load_campaign, read_yaml
from .models import Facility, Prisoner

if TYPE_CHECKING:
    from ruamel.yaml import YAML

COLUMNS_FILE = "import/columns.yaml"
MAX_CELL = 100_000  # characters in one cell: far beyond any profile, short of a runaway file
MAX_ROWS = 10_000  # rows of one sheet: every political prisoner of Belarus several times over
MAX_COLUMNS = 200
MAX_FILE_BYTES = 20_000_000  # a CSV or XLSX file as it is on disk
MAX_UNZIPPED_BYTES = 100_000_000  # an XLSX unpacked: a zip bomb of 1 MB unpacks to 400 MB
CAMPAIGN_COLUMNS = "import-columns.yaml"
GENDERS = {"female": "female", "f": "female", "w": "female", "ж": "female", "жен": "female", "жанчына": "female", "женщина": "female",
           "male": "male", "m": "male", "м": "male", "муж": "male", "мужчына": "male", "мужчина": "male"}


def row_problem(sheet: Path | str, row: int, column: str, reason: str) -> Diagnostic:
    """A problem in one row: the row is the line, the column's header the field."""
    return Diagnostic(reason, code="import", file=sheet, line=row, field=column)


@dataclass
class Change:
    kind: str  # "new" or "update"
    what: str  # "prisoner" or "facility"
    id: str
    fields: list[str] = field(default_factory=list)  # "names.ru.first: Алёна -> Алена"


@dataclass
class ImportResult:
    changes: list[Change] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # headers no field is known by
    rows: int = 0
    written: bool = False


# ------------------------------------------------------------------ reading


def _norm(header: str) -> str:
    return re.sub(r"[\s_*]+", "", str(header).lower())


def load_columns(root: Path | None, mapping: Path | None = None) -> dict[str, list[str]]:
    """Field -> headers: the built-in list, plus the campaign's or --mapping's additions."""
    columns = yaml.safe_load((builtin_templates_dir() / COLUMNS_FILE).read_text(encoding="utf-8"))
    for extra in [root / CAMPAIGN_COLUMNS if root else None, mapping]:
        if extra and Path(extra).is_file():
            try:
                added = yaml.safe_load(Path(extra).read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise LettersError(f"{extra}: not readable YAML: {exc}") from None
            if not isinstance(added, dict) or not all(
                isinstance(h, str) or (isinstance(h, list) and all(isinstance(x, str) for x in h)) for h in added.values()
            ):
                raise LettersError(f"{extra}: expected field: [header, header, ...], e.g. name_ru_last: [Прозвище]")
            for key, headers in added.items():
                if key not in columns:
                    raise LettersError(f"{extra}: unknown field {key!r}; expected one of {', '.join(columns)}")
                columns[key] = [*columns[key], *(headers if isinstance(headers, list) else [headers])]
    return columns


def read_table(path: Path) -> list[list[Any]]:
    """All rows of the first sheet (XLSX) or of the CSV file, as cells."""
    path = Path(path)
    if path.suffix.lower() in (".xls", ".ods", ".numbers"):
        raise LettersError(f"{path}: {path.suffix} is not read; save it as .xlsx, or as CSV (UTF-8)")
    if (size := path.stat().st_size) > MAX_FILE_BYTES:
        raise LettersError(f"{path}: {size:,} bytes; a sheet to import is at most {MAX_FILE_BYTES:,}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _checked(path, _xlsx_rows(path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LettersError(f"{path}: not UTF-8; in Excel choose 'CSV UTF-8', in LibreOffice 'Unicode (UTF-8)'") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = max(",;\t", key=sample.count)
    csv.field_size_limit(MAX_CELL)
    try:
        return _checked(path, csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise LettersError(f"{path}: not a readable CSV file ({exc})") from None


def _xlsx_rows(path: Path) -> Any:
    """The first sheet's rows, streamed (openpyxl's read-only mode), after checking what the
    file unpacks to: a zip bomb is refused before it is unpacked."""
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise LettersError(f"{path}: not a readable .xlsx file ({exc})") from None
    if unpacked > MAX_UNZIPPED_BYTES:
        raise LettersError(f"{path}: unpacks to {unpacked:,} bytes; a sheet to import is at most "
                           f"{MAX_UNZIPPED_BYTES:,} (is it really a list of people?)")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LettersError(f"{path}: not a readable .xlsx file ({exc})") from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    except LettersError:
        raise
    except Exception as exc:
        raise LettersError(f"{path}: not a readable .xlsx file ({exc})") from None
    finally:
        book.close()


def _checked(path: Path, rows: Any) -> list[list[Any]]:
    """Rows read one by one, refused past MAX_ROWS rows, MAX_COLUMNS columns or MAX_CELL characters in a cell."""
    table: list[list[Any]] = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise LettersError(f"{path}: more than {MAX_ROWS:,} rows; split the sheet")
        cells = list(row)
        while cells and _blank(cells[-1]):
            cells.pop()  # a sheet often reports empty cells far to the right
        if len(cells) > MAX_COLUMNS:
            raise LettersError(f"{path}: row {number} has more than {MAX_COLUMNS} columns")
        for cell in cells:
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                raise LettersError(f"{path}: row {number} has a cell of {len(cell):,} characters; at most {MAX_CELL:,}")
        table.append(cells)
    return table


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    text = str(cell).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # our export's guard against formulas
    return text


def parse_date(cell: Any, year_alone: bool = False) -> dt.date | int:
    """A date as spreadsheets give it: a date cell, 2026-01-15, 15.01.2026, 15/01/2026; a year alone if allowed."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = _text(cell)
    if year_alone and re.fullmatch(r"\d{4}", text):
        return int(text)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (write 2026-01-15 or 15.01.2026{'; a year alone is fine' if year_alone else ''})")


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


# ------------------------------------------------------------------ rows to records


def header_map(header: list[Any], columns: dict[str, list[str]]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field, and the headers nothing is known by."""
    known = {_norm(h): key for key, headers in columns.items() for h in headers}
    mapped: dict[int, str] = {}
    unused = []
    for i, cell in enumerate(header):
        if _blank(cell):
            continue
        key = known.get(_norm(cell))
        if key and key not in mapped.values():
            mapped[i] = key
        else:
            unused.append(_text(cell))
    return mapped, unused


def _set(target: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


FIELD_PATHS = {
    "id": "id", "gender": "gender", "status": "status", "correspondence": "correspondence", "facility": "facility",
    "name_be_first": "names.be.first", "name_be_last": "names.be.last", "name_ru_first": "names.ru.first",
    "name_ru_last": "names.ru.last", "name_ru_patronymic": "names.ru.patronymic", "name_latin_first": "names.latin.first",
    "name_latin_last": "names.latin.last", "regime": "sentence.regime", "bio": "bio", "facility_note": "facility_note",
    "name_be_vocative": "names.be.vocative", "name_ru_official_first": "names.ru.official_first",
    "name_ru_accusative": "names.ru.accusative",
}


def row_values(cells: dict[str, Any], source: str) -> tuple[dict, dict]:
    """One row's profile fields and facility fields, as nested dicts (only what the row has).

    A cell that cannot be read raises FieldError naming its field.
    """
    profile: dict[str, Any] = {}
    facility: dict[str, Any] = {}
    for key, cell in cells.items():
        if key in FIELD_PATHS:
            value = _text(cell)
            if key == "gender":
                if value.lower() not in GENDERS:
                    raise FieldError(key, f"expected female or male (f/m, ж/м), not {value!r}")
                value = GENDERS[value.lower()]
            elif key in ("status", "correspondence"):
                value = value.lower()
            _set(profile, FIELD_PATHS[key], value)
        elif key in ("birth_date", "detention_date", "last_verified"):
            try:
                _set(profile, key, parse_date(cell, year_alone=key == "birth_date"))
            except ValueError as exc:
                raise FieldError(key, str(exc)) from None
        elif key in ("sentence_years", "sentence_months"):
            value = _text(cell)
            if not value.isdigit():
                raise FieldError(key, f"expected a whole number, not {value!r}")
            _set(profile, f"sentence.{key.split('_')[1]}", int(value))
        elif key in ("articles", "topics"):
            profile[key] = _split(_text(cell)) if key == "articles" else [t.strip() for t in re.split(r"[;,\n]", _text(cell)) if t.strip()]
        elif key == "source_url":
            profile["sources"] = [{"url": _text(cell), "title": _text(cells.get("source_title", "")) or f"Imported from {source}"}]
        elif key.startswith("facility_"):
            name = key.removeprefix("facility_")
            if name == "address":
                facility["address"] = [line.strip() for line in re.split(r"\s*/\s*|\n", _text(cell)) if line.strip()]
            elif name == "last_verified":
                try:
                    facility["last_verified"] = parse_date(cell)
                except ValueError as exc:
                    raise FieldError(key, str(exc)) from None
            elif name == "country":
                facility["country"] = _text(cell).upper()
            else:
                _set(facility, f"name.{name.split('_')[1]}", _text(cell))
    return profile, facility


class FieldError(ValueError):
    def __init__(self, key: str, reason: str):
        super().__init__(reason)
        self.key = key


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


DEFAULTS = {"correspondence": "open", "sentence.months": 0, "country": "BY"}  # what the models assume when a key is absent


def merge(old: Any, new: dict, prefix: str = "") -> list[str]:
    """Write `new` into `old` (a ruamel mapping) in place; return 'path: before -> after' lines.

    A value equal to the models' default is not written where the key is absent.
    """
    changed = []
    for key, value in new.items():
        path = f"{prefix}{key}"
        if key not in old and path in DEFAULTS and DEFAULTS[path] == value:
            continue
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            changed += merge(old[key], value, f"{path}.")
        elif key == "sources" and isinstance(old.get(key), list):
            known = {s.get("url") if isinstance(s, dict) else s for s in old[key]}  # a string is the profile's mistake
            for source in value:
                if source["url"] not in known:
                    old[key].append(_mapping(source))
                    changed.append(f"{path}: + {source['url']}")
        elif _plain(old.get(key)) != _plain(value):
            changed.append(f"{path}: {_show(old.get(key))} -> {_show(value)}")
            old[key] = _mapping(value) if isinstance(value, dict) else value
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    return "(none)" if value is None else str(_plain(value))


# ------------------------------------------------------------------ import


def _mapping(items: Any = ()) -> Any:
    """A mapping that keeps YAML comments (ruamel.yaml, imported only when a sheet is imported:
    it is heavy, and `letters render` does not need it)."""
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(items)


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML()
    y.allow_unicode = True
    y.width = 120
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    return y


def _load(y: YAML, path: Path) -> Any:
    """An existing campaign file, or a clear error: import never rewrites a file it cannot read.

    The file passes the loader's checks first (its size, aliases, depth, keys given twice):
    the round trip below would expand an alias bomb.
    """
    try:
        read_yaml(path)
    except CampaignError as exc:
        reason = exc.problems[0]
        where = f"line {reason.line}: " if reason.line else ""
        raise LettersError(f"{path}: cannot read it to update it ({where}{reason.message}); fix it first (`letters check`)") from None
    try:
        data = y.load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, _yaml_error()) as exc:
        raise LettersError(f"{path}: cannot read it to update it ({str(exc).splitlines()[0]}); fix it first (`letters check`)") from None
    if data is not None and not isinstance(data, dict):
        raise LettersError(f"{path}: expected a mapping; fix it first (`letters check`)")
    return data


def _yaml_error() -> type[Exception]:
    from ruamel.yaml.error import YAMLError

    return YAMLError


def _dump(y: YAML, data: Any) -> bytes:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue().encode("utf-8")


def import_sheet(root: Path, sheet: Path, dry_run: bool = False, mapping: Path | None = None) -> ImportResult:
    """Import a spreadsheet into the campaign at `root` (or only report, with dry_run)."""
    root = Path(root)
    if not (root / "campaign.yaml").is_file():
        raise LettersError(f"{root}: not a campaign folder (no campaign.yaml)")
    columns = load_columns(root, mapping)
    table = read_table(sheet)
    start = next((i for i, row in enumerate(table) if not all(_blank(c) for c in row)), None)
    if start is None:
        raise LettersError(f"{sheet}: empty (only the first sheet of a workbook is read)")
    header = table[start]
    mapped, unused = header_map(header, columns)
    headers = {key: _text(header[i]) for i, key in mapped.items()}
    if not mapped:
        raise LettersError(f"{sheet}: no column header is known (e.g. 'first name', 'фамилия'); see templates/{COLUMNS_FILE}")
    result = ImportResult(unused=unused)
    y = _yaml()
    facilities_path = root / "facilities.yaml"
    facilities = _load(y, facilities_path) if facilities_path.is_file() else _mapping()
    facilities = facilities if facilities is not None else _mapping()
    profiles: dict[str, tuple[Path, Any, bool]] = {}
    for number, row in enumerate(table[start + 1 :], start=start + 2):
        if all(_blank(c) for c in row):
            continue
        result.rows += 1
        cells = {key: row[i] for i, key in mapped.items() if i < len(row) and not _blank(row[i])}
        try:
            profile, facility = row_values(cells, Path(sheet).name)
        except FieldError as exc:
            result.problems.append(row_problem(sheet, number, headers.get(exc.key, exc.key), str(exc)))
            continue
        problem = _apply(root, y, number, headers, profile, facility, facilities, profiles, result)
        if problem:
            column, reason = problem
            result.problems.append(row_problem(sheet, number, column, reason))
    if not dry_run:  # all or nothing: every file is staged, then renamed in
        files = {path: _dump(y, data) for path, data, changed in profiles.values() if changed}
        if any(c.what == "facility" for c in result.changes):
            files = {facilities_path: _dump(y, facilities), **files}
        write_all(files, "nothing of the import")
        result.written = True
    return result


def _apply(root, y, number, headers, profile, facility, facilities, profiles, result) -> tuple[str, str] | None:
    """Validate one row merged into what exists; record its changes. Returns its problem
    (the column and why), if any.

    Nothing of a row with a problem is kept: its facility changes are applied
    only once the profile is valid too.
    """
    latin = profile.get("names", {}).get("latin", {})
    pid = profile.get("id") or slug(f"{latin.get('first', '')} {latin.get('last', '')}")
    if not pid:
        return (headers.get("id", "id"), "no id, and no Latin first and last name to make one from")
    profile["id"] = pid
    fid = profile.get("facility")
    facility_change = None
    if facility:
        if not fid:
            return (headers.get("facility", "facility"), "facility details without a facility id")
        old = facilities.get(fid)
        trial = {"id": fid, **_plain(old)} if old is not None else {"id": fid, "sources": profile.get("sources", [])}
        changed = merge(trial, facility)
        try:
            Facility.model_validate(trial)
        except ValidationError as exc:
            return _pydantic_problem(exc, trial, headers, facility=True)
        facility_change = (old, trial, changed)
    elif fid and fid not in facilities:
        return (headers.get("facility", "facility"),
                          f"unknown facility {fid!r}: add it to facilities.yaml, or fill the facility name and address columns")
    path = root / "prisoners" / f"{pid}.yaml"
    if pid in profiles:
        return (headers.get("id", "id"), f"{pid} appears twice in the sheet")
    existing = _load(y, path) if path.is_file() else None
    data = existing if existing is not None else _mapping()
    note = data.get("facility_note")
    if isinstance(note, dict) and profile.get("facility_note") == note.get("en"):
        del profile["facility_note"]  # the sheet holds the English note only: keep the translations
    trial = _mapping(_plain(data))
    changed = merge(trial, profile)
    try:
        Prisoner.model_validate(_plain(trial))
    except ValidationError as exc:
        return _pydantic_problem(exc, _plain(trial), headers)
    if facility_change:
        old, new, facility_changed = facility_change
        if old is None:
            facilities[fid] = new
            result.changes.append(Change("new", "facility", fid))
        elif facility_changed:
            merge(old, facility)
            result.changes.append(Change("update", "facility", fid, facility_changed))
    merge(data, profile)
    profiles[pid] = (path, data, bool(changed))
    if existing is None:
        result.changes.append(Change("new", "prisoner", pid))
    elif changed:
        result.changes.append(Change("update", "prisoner", pid, changed))
    return None


REVERSE = {v: k for k, v in FIELD_PATHS.items()} | {
    "birth_date": "birth_date", "detention_date": "detention_date", "last_verified": "last_verified",
    "sentence.years": "sentence_years", "sentence.months": "sentence_months", "articles": "articles", "topics": "topics",
    "sources": "source_url", "sources.url": "source_url", "sources.title": "source_title", "bio": "bio",
}


def _pydantic_problem(exc: ValidationError, data: dict, headers: dict[str, str], facility: bool = False) -> tuple[str, str]:
    """The first problem pydantic found, as (the column it is in, why)."""
    first = from_validation(exc, data, None)[0]
    dotted = ".".join(p for p in (first.field or "").split(".") if not p.isdigit())
    key = f"facility_{dotted.replace('name.', 'name_')}" if facility else REVERSE.get(dotted, dotted)
    column = headers.get(key) or (f"(no {key} column)" if key else "(row)")
    if first.message == "is required but missing":
        return column, f"{dotted} is required and the row has none"
    return column, first.message


# ------------------------------------------------------------------ export


def export_rows(root: Path, columns: dict[str, list[str]]) -> list[list[str]]:
    """Every profile as a row under the first header of each field (facility details included)."""
    data = load_campaign(root)
    keys = list(columns)
    rows = [[columns[k][0] for k in keys]]
    for pid, p in sorted(data.prisoners.items()):
        f = data.facilities.get(p.facility or "")
        value = {
            "id": pid, "name_latin_first": p.names.latin.first, "name_latin_last": p.names.latin.last,
            "name_be_first": p.names.be.first, "name_be_last": p.names.be.last, "name_ru_first": p.names.ru.first,
            "name_ru_last": p.names.ru.last, "name_ru_patronymic": p.names.ru.patronymic or "", "gender": p.gender,
            "name_be_vocative": p.names.be.vocative or "", "name_ru_official_first": p.names.ru.official_first or "",
            "name_ru_accusative": p.names.ru.accusative or "",
            "birth_date": str(p.birth_date or ""), "status": p.status, "correspondence": p.correspondence,
            "facility": p.facility or "", "facility_note": _note(p.facility_note), "detention_date": str(p.detention_date or ""), "articles": "; ".join(p.articles),
            "sentence_years": str(p.sentence.years) if p.sentence else "", "sentence_months": str(p.sentence.months) if p.sentence else "",
            "regime": (p.sentence.regime or "") if p.sentence else "", "bio": p.bio, "topics": "; ".join(p.topics),
            "source_url": p.sources[0].url, "source_title": p.sources[0].title, "last_verified": str(p.last_verified),
            "facility_name_en": f.name.en if f else "", "facility_name_ru": f.name.ru if f else "",
            "facility_name_be": (f.name.be or "") if f else "", "facility_country": f.country if f else "",
            "facility_address": " / ".join(f.address or []) if f else "",
            "facility_last_verified": str(f.last_verified) if f else "",
        }
        rows.append([value.get(k, "") for k in keys])
    return rows


def _note(note: str | dict | None) -> str:
    return (note.get("en") or "") if isinstance(note, dict) else (note or "")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell: Any) -> str:
    """A cell that starts like a formula (=HYPERLINK(...), +, -, @) gets a leading ', so a
    spreadsheet shows it and never runs it; import takes the ' off again."""
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_text(rows: list[list[Any]], lineterminator: str = "\r\n") -> str:
    """Rows as CSV with every cell guarded (`safe_cell`): the one CSV writer of the tool."""
    text = io.StringIO()
    csv.writer(text, lineterminator=lineterminator).writerows([[safe_cell(c) for c in row] for row in rows])
    return text.getvalue()


def export_csv(root: Path, out: Path, force: bool = False) -> int:
    """Write the campaign's profiles as CSV (UTF-8 with BOM, so Excel reads Cyrillic right).

    Never over one of the campaign's own files; over another existing file only if it is
    an earlier export (the same header), or with `force`.
    """
    rows = export_rows(root, load_columns(Path(root)))
    if reason := campaign_file_refusal(Path(root), Path(out)):
        raise LettersError(f"{reason}; export writes a new CSV file elsewhere, never over campaign data")
    data = csv_text(rows).encode("utf-8-sig")
    if not force and Path(out).exists() and not _an_export(Path(out), data):
        raise LettersError(f"{out} exists and is not an earlier export of letters; choose another file, or --force to replace it")
    write_atomic(Path(out), data)
    return len(rows) - 1


def _an_export(path: Path, data: bytes) -> bool:
    """Whether `path` starts with the header line an export writes (`data` starts with it)."""
    header = data.split(b"\r\n", 1)[0]
    try:
        with path.open("rb") as handle:
            return path.is_file() and handle.read(len(header) + 2) == header + b"\r\n"
    except OSError:
        return False
