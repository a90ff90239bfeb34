"""Spreadsheet import and export, with the files organizers really have."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from letters.cli import main
from letters.core.errors import LettersError
from letters.data.load import load_campaign
from letters.data.spreadsheet import export_csv, import_sheet

from .conftest import CAMPAIGNS, EXAMPLE

CYRILLIC_HEADER = ["Фамилия", "Имя", "Отчество", "Прозвішча", "Імя", "Last name", "First name", "Пол", "Дата рождения",
                   "Статус", "Установа", "Дата задержания", "Статьи", "Срок (лет)", "Биография", "Источник", "Проверено"]


def row(last_ru, first_ru, last_be, first_be, last, first, gender, born, facility="test-colony-1", patronymic=""):
    return [last_ru, first_ru, patronymic, last_be, first_be, last, first, gender, born, "imprisoned", facility,
            "14.07.2021", "342 part 1; 361-1", "5", "A fictional person from a spreadsheet.", "https://example.org/sheet", "10.01.2026"]


@pytest.fixture
def target(tmp_path):
    root = tmp_path / "campaign"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    return root


def test_xlsx_with_cyrillic_headers_date_cells_dates_as_text_and_empty_rows(target, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([])  # an empty first row, as exported sheets often have
    sheet.append(CYRILLIC_HEADER)
    sheet.append(row("Новікава", "Вера", "Навікова", "Вера", "Novikava", "Vera", "ж", dt.datetime(1988, 3, 4)))
    sheet.append([None] * len(CYRILLIC_HEADER))  # an empty row in the middle
    sheet.append(row("Петров", "Пётр", "Пятроў", "Пятро", "Pyatrou", "Pyatro", "м", "12.11.1979", patronymic="Иванович"))
    sheet.append(row("Годов", "Год", "Гадоў", "Год", "Hadou", "Hod", "m", 1975))  # a year alone, typed as a number
    path = tmp_path / "list.xlsx"
    book.save(path)
    result = import_sheet(target, path)
    assert result.problems == [] and result.rows == 3
    data = load_campaign(target)
    vera = data.prisoners["vera-novikava"]
    assert vera.birth_date == dt.date(1988, 3, 4) and vera.gender == "female" and vera.names.be.last == "Навікова"
    assert vera.detention_date == dt.date(2021, 7, 14) and vera.articles == ["342 part 1", "361-1"]
    assert data.prisoners["pyatro-pyatrou"].birth_date == dt.date(1979, 11, 12)
    assert data.prisoners["pyatro-pyatrou"].names.ru.patronymic == "Иванович"
    assert data.prisoners["hod-hadou"].birth_date == 1975


def test_csv_with_bom_semicolons_and_bad_rows_reports_row_and_column_and_writes_the_good_ones(target, tmp_path):
    path = tmp_path / "list.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(CYRILLIC_HEADER)
        writer.writerow(row("Новікава", "Вера", "Навікова", "Вера", "Novikava", "Vera", "ж", "04.03.1988"))
        writer.writerow(row("Плохой", "Пол", "Дрэнны", "Пол", "Drenny", "Pol", "x", "04.03.1988"))
        writer.writerow([""] * len(CYRILLIC_HEADER))
        writer.writerow(row("Дата", "Кривая", "Дата", "Крывая", "Data", "Kryvaja", "ж", "31.02.1990"))
        writer.writerow(row("Нет", "Колонии", "Няма", "Калоніі", "Niama", "Kalonii", "м", "1980", facility="no-such-colony"))
    result = import_sheet(target, path)
    assert [str(p) for p in result.problems] == [
        f"{path}:3: error: Пол: expected female or male (f/m, ж/м), not 'x'",
        f"{path}:5: error: Дата рождения: not a date: '31.02.1990' (write 2026-01-15 or 15.01.2026; a year alone is fine)",
        f"{path}:6: error: Установа: unknown facility 'no-such-colony': add it to facilities.yaml, or fill the facility name and address columns",
    ]
    assert "vera-novikava" in load_campaign(target).prisoners
    assert not (target / "prisoners" / "pol-drenny.yaml").exists()


def test_cli_import_exit_code_dry_run_and_unused_columns(target, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("first name,last name,imya,Имя,Фамилия,Імя,Прозвішча,Пол,Статус,Установа,Источник,Проверено,Биография,Favourite colour\n"
                    "Vera,Novikava,x,Вера,Новикова,Вера,Навікова,ж,imprisoned,test-colony-1,https://example.org/v,2026-01-10,Bio.,blue\n",
                    encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(main, ["import", str(path), "--campaign", str(target), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would add prisoner vera-novikava" in dry.output and "dry run, nothing written" in dry.output
    assert "column 'Favourite colour' is not used" in dry.output
    assert not (target / "prisoners" / "vera-novikava.yaml").exists()
    real = runner.invoke(main, ["import", str(path), "--campaign", str(target)])
    assert real.exit_code == 0 and (target / "prisoners" / "vera-novikava.yaml").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("first name,last name\nVera,\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(bad), "--campaign", str(target)])
    assert result.exit_code == 1 and "bad.csv:2: error:" in result.output and "Traceback" not in result.output


def test_reimport_updates_fields_and_keeps_what_the_sheet_lacks_and_the_comments(target, tmp_path):
    profile = target / "prisoners" / "alena-testava.yaml"
    profile.write_text("# checked by hand against the live list\n" + profile.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "update.csv"
    path.write_text("id,status,last verified\nalena-testava,released,2026-01-14\n", encoding="utf-8")
    result = import_sheet(target, path)
    assert [(c.kind, c.id) for c in result.changes] == [("update", "alena-testava")]
    assert sorted(result.changes[0].fields) == ["last_verified: 2026-01-10 -> 2026-01-14", "status: imprisoned -> released"]
    text = profile.read_text(encoding="utf-8")
    assert text.startswith("# checked by hand against the live list\n")
    alena = load_campaign(target).prisoners["alena-testava"]
    assert alena.status == "released" and alena.bio.startswith("A fictional person") and alena.topics == ["gardening", "films"]


def test_export_then_import_gives_the_same_campaign(tmp_path):
    exported = tmp_path / "all.csv"
    assert export_csv(EXAMPLE, exported) == 10
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Cyrillic right
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    assert import_sheet(copy, exported).changes == []  # nothing to change: the same data
    empty = tmp_path / "empty"
    (empty / "prisoners").mkdir(parents=True)
    for name in ("campaign.yaml", "addressees.yaml"):
        shutil.copy(EXAMPLE / name, empty / name)
    result = import_sheet(empty, exported)
    assert result.problems == []
    original, imported = load_campaign(EXAMPLE), load_campaign(empty)
    for pid, person in original.prisoners.items():
        again = imported.prisoners[pid]
        for attribute in ("names", "gender", "birth_date", "status", "correspondence", "facility", "detention_date",
                          "articles", "sentence", "bio", "topics", "last_verified"):
            assert getattr(again, attribute) == getattr(person, attribute), (pid, attribute)
    for fid, facility in original.facilities.items():
        if any(p.facility == fid for p in original.prisoners.values()):
            assert imported.facilities[fid].address == facility.address


def test_a_file_that_is_not_utf8_is_a_clear_error(target, tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes("Имя;Фамилия\nВера;Новикова\n".encode("cp1251"))
    with pytest.raises(LettersError, match="not UTF-8; in Excel choose 'CSV UTF-8'"):
        import_sheet(target, path)


def test_minimal_campaign_round_trips_and_formulas_are_never_exported(tmp_path):
    root = tmp_path / "minimal"
    shutil.copytree(CAMPAIGNS / "minimal", root)
    profile = root / "prisoners" / "alena-testava.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("bio: A fictional", "bio: =HYPERLINK(1) A fictional"), encoding="utf-8")
    exported = tmp_path / "out.csv"
    export_csv(root, exported)
    assert "'=HYPERLINK(1)" in exported.read_text(encoding="utf-8-sig")
    result = import_sheet(root, exported)
    assert result.problems == [] and result.changes == []


def test_a_rejected_row_changes_nothing_not_even_its_facility(target, tmp_path):
    before = (target / "facilities.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([
            ["id", "status", "facility", "facility name en", "facility name ru", "facility address"],
            ["alena-testava", "bogus", "test-colony-1", "Test", "Тест", "ИК №1 / ул. Новая, 2 / 000000, г. Тэставы / REPUBLIC OF BELARUS"],
        ])
    result = import_sheet(target, path)
    assert [p.field for p in result.problems] == ["status"] and result.changes == []
    assert (target / "facilities.yaml").read_text(encoding="utf-8") == before
