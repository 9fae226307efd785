"""``kpi import`` of what spreadsheets write: workbooks (.xlsx, .ods, .xls) and CSV as Excel saves
it (``;`` between fields, decimal commas, Vietnamese headers, UTF-16, legacy code pages).

Each form of tests/fixtures/observations.csv must import to the very bytes that the plain CSV
gives; a bad cell is named as Excel names it (``'Số liệu 2025'!C4``) and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import tomllib
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from kpi.cli import app
from kpi.import_workbook import column_letters, is_percent_format, sheet_reference

FIXTURES = Path(__file__).parent / "fixtures"
PLAIN = FIXTURES / "observations.csv"
with PLAIN.open(encoding="utf-8", newline="") as _handle:
    ROWS: list[dict[str, str]] = list(csv.DictReader(_handle))
COLUMNS = list(ROWS[0])
ADDED = f"{len(ROWS)} added, 0 replaced, 0 unchanged"
VIETNAMESE_HEADER = [
    "Mã chỉ tiêu", "NĂM", "Giá trị", "Nguồn", "Trạng thái", "Gián đoạn chuỗi", "Đường dẫn",
    "ghi chu",
]  # fmt: skip


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=False)


def kpi(root: Path, *args: str | Path) -> Result:
    return run("--project", root, *args)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def observation_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "observations").glob("*.toml"))}


def new_empty_project(folder: Path) -> Path:
    assert run("init", folder).exit_code == 0
    for path in (folder / "observations").glob("*.toml"):
        path.unlink()
    return folder


@pytest.fixture()
def empty(tmp_path: Path) -> Path:
    """The Hai Phong targets with no observation at all."""
    return new_empty_project(tmp_path / "empty")


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The observation files that importing the plain CSV writes into an empty project."""
    root = new_empty_project(tmp_path_factory.mktemp("reference") / "city")
    result = kpi(root, "import", PLAIN)
    assert result.exit_code == 0, result.stderr
    files = observation_files(root)
    assert b"value = 0.30000000000000004" in files["high_tech_share.toml"]
    assert (
        b'note = "chu\xe1\xbb\x97i m\xe1\xbb\x9bi, sau s\xc3\xa1p nh\xe1\xba\xadp"'
        in (files["iip_growth.toml"])
    )
    return files


def import_all(root: Path, file: Path, *options: str) -> dict[str, bytes]:
    """Import ``file`` into ``root``, which must succeed with every row added."""
    result = kpi(root, "import", file, *options)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert ADDED in result.stderr
    return observation_files(root)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def assert_refused(result: Result) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ CSV as Excel writes it


def vietnamese_cells(row: dict[str, str]) -> list[str]:
    """A row as Excel in a Vietnamese locale saves it: decimal commas, có/không."""
    cells = dict(row, value=row["value"].replace(".", ","))
    cells["series_break"] = {"true": "có", "false": "không"}.get(row["series_break"], "")
    return [cells[column] for column in COLUMNS]


def vietnamese_csv_text() -> str:
    lines = ["Bảng 5. Số liệu các chỉ tiêu, năm 2026" + ";" * 7, ";" * 7]
    lines += [";".join(VIETNAMESE_HEADER)] + [";".join(vietnamese_cells(r)) for r in ROWS]
    return "".join(line + "\r\n" for line in lines)


VOWEL_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn: part of a letter in cp1258


def cp1258(text: str) -> bytes:
    """``text`` in Windows code page 1258 as Windows writes it: the letter with its vowel mark
    (``ô``, ``ă``, ``ơ``) where the code page has it, the tone as a combining mark after it."""
    encoded = []
    for character in text:
        try:
            encoded.append(character.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", character)
            vowel = "".join(mark for mark in marks if mark in VOWEL_MARKS)
            tones = "".join(mark for mark in marks if mark not in VOWEL_MARKS)
            letter = unicodedata.normalize("NFC", base + vowel)
            encoded.append(letter.encode("cp1258") + tones.encode("cp1258"))
    return b"".join(encoded)


def test_a_vietnamese_excel_csv_imports_to_the_plain_csv_observations(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    data = tmp_path / "nien-giam.csv"
    data.write_bytes(vietnamese_csv_text().encode("utf-8-sig"))
    assert data.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data.read_bytes()
    assert b"62,5;" in data.read_bytes()

    assert import_all(empty, data) == expected


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_tab_separated_utf16_imports_to_the_same(
    empty: Path, tmp_path: Path, expected: dict[str, bytes], codec: str
) -> None:
    header = ["Indicator", "Year", "Value", "Source", "Status", "Series Break", "URL", "Note"]
    lines = ["\t".join(header)]
    for row in ROWS:
        cells = dict(row, series_break=row["series_break"].upper())  # Excel's TRUE/FALSE
        lines.append("\t".join(cells[column] for column in COLUMNS))
    data = tmp_path / "unicode-text.txt"
    data.write_bytes("\ufeff".encode(codec) + "\r\n".join(lines).encode(codec))

    assert import_all(empty, data) == expected


def test_utf16_without_a_byte_order_mark_is_named_and_read_with_encoding(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    data = tmp_path / "no-mark.csv"
    data.write_bytes(PLAIN.read_text("utf-8").encode("utf-16-le"))

    refused = kpi(empty, "import", data)

    assert_refused(refused)
    assert error_lines(refused) == [
        f"error: {data}:1: looks like UTF-16 text without a byte-order mark"
    ]
    assert "--encoding utf-16-le" in refused.stderr
    assert import_all(empty, data, "--encoding", "utf-16-le") == expected


def test_a_cp1258_csv_needs_encoding_and_then_imports_to_the_same(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    data = tmp_path / "windows.csv"
    data.write_bytes(cp1258(vietnamese_csv_text()))
    assert "Niên giám".encode() not in data.read_bytes()
    before = snapshot(empty)

    refused = kpi(empty, "import", data)

    assert_refused(refused)
    assert f"error: {data}:1: is not UTF-8 text" in refused.stderr
    assert "--encoding cp1258" in refused.stderr
    assert snapshot(empty) == before
    assert import_all(empty, data, "--encoding", "cp1258") == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [("klingon", "'klingon' is not a text encoding"), ("base64", "'base64' is not a text")],
)
def test_an_unknown_encoding_is_refused(
    empty: Path, tmp_path: Path, name: str, reason: str
) -> None:
    result = kpi(empty, "import", PLAIN, "--encoding", name)

    assert_refused(result)
    assert f"error: --encoding: {reason}" in result.stderr


def test_a_byte_order_mark_decides_over_encoding(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    data = tmp_path / "utf8.csv"
    data.write_bytes(PLAIN.read_bytes().replace(b"\n", b"\r\n"))
    data.write_bytes(b"\xef\xbb\xbf" + data.read_bytes())

    assert import_all(empty, data, "--encoding", "cp1258") == expected


def csv_file(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def recorded(root: Path, indicator: str) -> list[dict[str, Any]]:
    path = root / "observations" / f"{indicator}.toml"
    records: list[dict[str, Any]] = tomllib.loads(path.read_text("utf-8"))["observations"]
    return records


@pytest.mark.parametrize(
    ("text", "expected_value"),
    [
        ("indicator;year;value;source\ngrdp_growth;2024;62,5;S\n", 62.5),
        ("indicator;year;value;source\ngrdp_growth;2024;62.5;S\n", 62.5),
        ("indicator\tyear\tvalue\tsource\ngrdp_growth\t2024\t62,5\tS\n", 62.5),
        ("indicator;year;value;source\ngrdp_growth;2024;-0,25e1;S\n", -2.5),
        ("indicator;year;value;source\ngrdp_growth;2024;7;S\n", 7.0),
    ],
)
def test_decimal_commas_are_read_where_the_delimiter_is_not_a_comma(
    empty: Path, tmp_path: Path, text: str, expected_value: float
) -> None:
    result = kpi(empty, "import", csv_file(tmp_path, text))

    assert result.exit_code == 0, result.stderr
    assert [o["value"] for o in recorded(empty, "grdp_growth")] == [expected_value]


def test_with_a_comma_delimiter_a_decimal_comma_is_still_refused(
    empty: Path, tmp_path: Path
) -> None:
    data = csv_file(tmp_path, 'indicator,year,value,source\ngrdp_growth,2024,"6,2",S\n')

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {data}:2: value: '6,2' is not a number (use '.' for decimals, e.g. 45.12)"
    ]


@pytest.mark.parametrize(
    ("value", "other", "reason"),
    [
        ("12.345", "62,5", "'12.345' has a '.' but this file writes decimals with a comma"),
        ("1.234,5", "62", "'1.234,5' has both '.' and ','"),
        ("1,234.5", "62.5", "'1,234.5' has both '.' and ','"),
    ],
)
def test_a_dot_beside_decimal_commas_is_refused_as_ambiguous(
    empty: Path, tmp_path: Path, value: str, other: str, reason: str
) -> None:
    data = csv_file(
        tmp_path,
        f"indicator;year;value;source\nhigh_tech_share;2024;{other};S\n"
        f"high_tech_share;2025;{value};S\n",
    )
    before = snapshot(empty)

    result = kpi(empty, "import", data)

    assert_refused(result)
    [error] = error_lines(result)
    assert error.startswith(f"error: {data}:3: value: {reason}")
    assert "(e.g. 1234,5)" in error
    assert snapshot(empty) == before


def test_the_delimiter_is_the_one_that_makes_a_header(empty: Path, tmp_path: Path) -> None:
    data = csv_file(
        tmp_path,
        'Bảng 5, "giá trị; năm"\n\nindicator;year;value;source;note\n'
        "high_tech_share;2024;62,5;S;a, b\n",
    )

    result = kpi(empty, "import", data, "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"added: high_tech_share 2024 = 62.5 ({data}:4)"


def test_a_capitalised_header_is_read(empty: Path, tmp_path: Path) -> None:
    data = csv_file(tmp_path, "Indicator,YEAR,Value,Source\nhigh_tech_share,2024,62.5,S\n")

    result = kpi(empty, "import", data)

    assert result.exit_code == 0, result.stderr
    assert "1 added" in result.stderr


def test_a_header_with_one_unknown_name_gets_one_error_not_eight(
    empty: Path, tmp_path: Path
) -> None:
    data = csv_file(tmp_path, "Indicator;Year;Value;Source;Unit\nhigh_tech_share;2024;1;S;%\n")

    result = kpi(empty, "import", data)

    assert_refused(result)
    [error] = error_lines(result)
    assert error.startswith(f"error: {data}:1: Unit: unknown column (the columns are: indicator,")


def test_a_header_below_the_first_ten_rows_is_not_looked_for(empty: Path, tmp_path: Path) -> None:
    titles = "".join(f"title {n}\n" for n in range(10))
    data = csv_file(tmp_path, f"{titles}indicator,year,value,source\nhigh_tech_share,2024,1,S\n")

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result)[0].startswith(f"error: {data}:1: title 0: unknown column")
    assert f"error: {data}:1: source: required column is missing" in result.stderr


def test_a_column_named_twice_through_its_vietnamese_name_is_refused(
    empty: Path, tmp_path: Path
) -> None:
    data = csv_file(tmp_path, "indicator,year,value,source,Giá trị\nhigh_tech_share,2024,1,S,1\n")

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {data}:1: Giá trị: names the column value again, as 'value' does; keep one"
    ]


def test_a_value_under_an_empty_header_cell_is_refused(empty: Path, tmp_path: Path) -> None:
    data = csv_file(
        tmp_path, "indicator,year,value,source,\nhigh_tech_share,2024,1,S,\niip_growth,2026,1,S,x\n"
    )

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {data}:3: column 5: has a value but no column name above it in the header; "
        "name the column or clear the cell"
    ]


@pytest.mark.parametrize(
    ("status", "series_break", "expected_status", "expected_break"),
    [("e", "Có", "E", True), ("p", "KHÔNG", "P", False), ("", "TRUE", None, True),
     ("F", "không", "F", False)],
)  # fmt: skip
def test_status_and_series_break_spellings(
    empty: Path,
    tmp_path: Path,
    status: str,
    series_break: str,
    expected_status: str | None,
    expected_break: bool,
) -> None:
    data = csv_file(
        tmp_path,
        "indicator;year;value;source;status;series_break\n"
        f"high_tech_share;2024;62,5;S;{status};{series_break}\n",
    )

    result = kpi(empty, "import", data)

    assert result.exit_code == 0, result.stderr
    [observation] = recorded(empty, "high_tech_share")
    assert observation.get("status") == expected_status
    assert observation.get("series_break", False) is expected_break


def test_an_excel_error_written_into_a_csv_is_refused_by_name(empty: Path, tmp_path: Path) -> None:
    data = csv_file(tmp_path, "indicator;year;value;source\nhigh_tech_share;2024;#DIV/0!;S\n")

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {data}:2: value: holds the error #DIV/0! of a formula: correct the formula or "
        "type the value"
    ]


# --------------------------------------------------------------------------------- workbooks


def cell_of(row: dict[str, str], column: str) -> Any:
    """The cell a planner types: numbers as numbers, a break as a boolean, text as text."""
    text = row[column]
    if column == "year":
        return int(text)
    if column == "value":
        return int(text) if text.isdigit() else float(text)
    if column == "series_break":
        return {"true": True, "false": False}.get(text)
    return text or None


def with_excel_precision(path: Path) -> None:
    """Give the numbers of the workbook ``path`` the 17 significant digits Excel saves (so that
    every double reads back as it was): openpyxl saves 16, and 0.30000000000000004 as 0.3."""
    values = [float(row["value"]) for row in ROWS]
    shortened = {f"<v>{v:.16g}</v>": f"<v>{v!r}</v>" for v in values if f"{v:.16g}" != repr(v)}
    assert shortened
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/"):
            text = parts[name].decode()
            for short, exact in shortened.items():
                text = text.replace(short, exact)
            parts[name] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)


def test_an_xlsx_workbook_imports_to_the_plain_csv_observations(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    book = openpyxl.Workbook()
    hidden = book.active
    assert hidden is not None
    hidden.title = "Danh sách"
    hidden.append(["high_tech_share"])
    hidden.sheet_state = "hidden"  # the first sheet, but not the one people see first
    sheet = book.create_sheet("Dữ liệu")
    sheet.append(["Bảng 5. Số liệu các chỉ tiêu"])
    sheet.append([column.replace("_", " ").title() for column in COLUMNS])  # "Series Break"
    for row in ROWS:
        sheet.append([cell_of(row, column) for column in COLUMNS])
    data = tmp_path / "so-lieu.xlsx"
    book.save(data)
    with_excel_precision(data)

    assert import_all(empty, data) == expected


def ods_cell(value: Any) -> str:
    if value is None:
        return '<table:table-cell table:number-columns-repeated="1"/>'
    if isinstance(value, bool):
        flag = "true" if value else "false"
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{flag}"/>'
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"/>'
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def write_ods(path: Path, sheet: str, rows: list[list[Any]]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice writes one: empty rows and columns repeated."""
    body = "".join(
        "<table:table-row>"
        + "".join(ods_cell(cell) for cell in row)
        + '<table:table-cell table:number-columns-repeated="1016"/></table:table-row>'
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
        ' office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="{sheet}">'
        '<table:table-column table:number-columns-repeated="1024"/>'
        f"{body}"
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_spreadsheet_imports_to_the_plain_csv_observations(
    empty: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    rows = [["Số liệu năm 2026"], [], [title.upper() for title in VIETNAMESE_HEADER]]
    rows += [[cell_of(row, column) for column in COLUMNS] for row in ROWS]
    data = write_ods(tmp_path / "so-lieu.ods", "Số liệu", rows)

    assert import_all(empty, data) == expected


def test_the_stored_xls_fixture_imports_to_the_plain_csv_observations(
    empty: Path, expected: dict[str, bytes]
) -> None:
    assert import_all(empty, FIXTURES / "observations.xls") == expected


def test_sheet_chooses_the_sheet_by_name_its_case_ignored(empty: Path, tmp_path: Path) -> None:
    data = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(data)
    book.add_worksheet("Ghi chú").write(0, 0, "notes only")
    wanted = book.add_worksheet("Số liệu 2025")
    wanted.write_row(0, 0, ["indicator", "year", "value", "source"])
    wanted.write_row(1, 0, ["high_tech_share", 2024, 62.5, "S"])
    book.close()

    first = kpi(empty, "import", data, "--dry-run")
    chosen = kpi(empty, "import", data, "--dry-run", "--sheet", "SỐ LIỆU 2025")

    assert_refused(first)
    assert f"error: {data}: 'Ghi chú'!A1: unknown column" in first.stderr
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.splitlines()[0] == (
        f"added: high_tech_share 2024 = 62.5 ({data} 'Số liệu 2025'!C2)"
    )


def test_an_unknown_sheet_is_refused_listing_the_sheets(empty: Path) -> None:
    result = kpi(empty, "import", FIXTURES / "observations.xls", "--sheet", "2026")

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {FIXTURES / 'observations.xls'}: --sheet: has no sheet '2026'; its sheets are: "
        "'Số liệu', 'Ghi chú'"
    ]


@pytest.mark.parametrize(
    ("name", "option", "reason"),
    [("data.csv", "--sheet", "--sheet: applies to workbooks"),
     ("data.json", "--sheet", "--sheet: applies to workbooks"),
     ("data.xlsx", "--encoding", "--encoding: applies to CSV files")],
)  # fmt: skip
def test_an_option_for_another_kind_of_file_is_refused(
    empty: Path, tmp_path: Path, name: str, option: str, reason: str
) -> None:
    data = tmp_path / name
    data.write_text("indicator,year,value,source\n", encoding="utf-8")

    result = kpi(empty, "import", data, option, "cp1258")

    assert_refused(result)
    assert f"error: {reason}" in result.stderr


@pytest.mark.parametrize("content", [b"indicator,year,value,source\n", b"", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_is_refused(
    empty: Path, tmp_path: Path, content: bytes
) -> None:
    data = tmp_path / "book.xlsx"
    data.write_bytes(content)

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert f"error: {data}: cannot be read as a workbook" in result.stderr


def test_a_workbook_with_several_bad_cells_reports_each_by_its_cell(
    empty: Path, tmp_path: Path
) -> None:
    data = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet("Số liệu 2025")
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    percent = book.add_format({"num_format": "0.0%"})
    sheet.write_row(0, 0, ["Mã chỉ tiêu", "Năm", "Giá trị", "Nguồn", "Trạng thái"])
    sheet.write_row(1, 0, ["high_tech_share", 2024, 62.5, "S"])  # good
    sheet.write_row(2, 0, ["high_tech_share", 2025.5, 62.5, "S"])
    sheet.write_row(3, 0, ["iip_growth", 2026])
    sheet.write_formula(3, 2, "=VLOOKUP(A4,Z1:Z2,1,FALSE)", None, "#N/A")
    sheet.write(3, 3, "S")
    sheet.write_row(4, 0, ["iip_growth"])
    sheet.write_datetime(4, 1, dt.datetime(2026, 1, 1), date)
    sheet.write_row(4, 2, [3, "S", "Q"])
    sheet.write_row(5, 0, ["no_such_kpi", 2026, 1, "S"])
    sheet.write_row(6, 0, ["high_tech_share", 2026, 140, "S"])
    sheet.write_row(7, 0, ["high_tech_share", 2027])
    sheet.write_number(7, 2, 0.625, percent)
    sheet.write(7, 3, "S")
    sheet.write_row(8, 0, ["high_tech_share", 2028, True, " "])
    book.close()
    before = snapshot(empty)

    result = kpi(empty, "import", data)

    assert_refused(result)
    where = f"error: {data}: 'Số liệu 2025'!"
    expected = [
        f"{where}B3: 2025.5 is not a whole number (a year such as 2024)",
        f"{where}C4: holds the error #N/A of a formula: correct the formula or type the value",
        f"{where}B5: is a date or time in the workbook (2026-01-01), not a number: format the "
        "cell as a number",
        f"{where}E5: 'Q' is not a status: use A, E, P or F (or leave it empty)",
        f"{where}A6: unknown indicator 'no_such_kpi'",
        f"{where}C7: 140 is outside the bounds 0 to 100",
        f"{where}C8: is formatted as a percentage (62.5%, stored as 0.625): type the figure "
        "itself (62.5) in a cell formatted as a number",
        f"{where}C9: TRUE is not a number",
        f"{where}D9: is empty; every observation names its source",
    ]
    errors = error_lines(result)
    assert len(errors) == len(expected)
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith(start)
    assert "hint: 9 problem(s); nothing was written" in result.stderr
    assert snapshot(empty) == before


def test_a_formula_is_read_as_its_saved_result(empty: Path, tmp_path: Path) -> None:
    data = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["indicator", "year", "value", "source", "series_break"])
    sheet.write(1, 0, "high_tech_share")
    sheet.write_formula(1, 1, "=2020+4", None, 2024)
    sheet.write_formula(1, 2, "=0.1+0.2", None, 0.30000000000000004)
    sheet.write_formula(1, 3, '="Niên giám "&B2', None, "Niên giám 2024")
    sheet.write_formula(1, 4, "=B2>2020", None, True)
    book.close()

    result = kpi(empty, "import", data)

    assert result.exit_code == 0, result.stderr
    assert recorded(empty, "high_tech_share") == [
        {"year": 2024, "value": 0.30000000000000004, "series_break": True,
         "source": "Niên giám 2024"}
    ]  # fmt: skip


def test_a_formula_never_calculated_is_refused(empty: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["indicator", "year", "value", "source"])
    sheet.append(["high_tech_share", 2024, "=60+2.5", "S"])  # openpyxl saves no result
    data = tmp_path / "uncalculated.xlsx"
    book.save(data)

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert error_lines(result) == [
        f"error: {data}: Sheet!C2: holds a formula that was never calculated (no saved result): "
        "open the workbook in Excel or LibreOffice, let it calculate, and save it"
    ]


def test_an_ods_error_cell_is_refused_by_name(empty: Path, tmp_path: Path) -> None:
    data = write_ods(
        tmp_path / "error.ods",
        "Sheet1",
        [["indicator", "year", "value", "source"], ["high_tech_share", 2024, None, "S"]],
    )
    with zipfile.ZipFile(data) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    content = parts["content.xml"].decode()
    error_cell = (
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" '
        'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell>"
    )
    marker = '<table:table-cell office:value-type="float" office:value="2024"/>'
    parts["content.xml"] = content.replace(marker, marker + error_cell, 1).encode()
    with zipfile.ZipFile(data, "w") as archive:
        for name, part in parts.items():
            archive.writestr(name, part)

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert f"error: {data}: Sheet1!C2: holds the error #DIV/0! of a formula" in result.stderr


def test_a_literal_percent_sign_in_a_number_format_is_not_a_percentage(
    empty: Path, tmp_path: Path
) -> None:
    data = tmp_path / "unit.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["indicator", "year", "value", "source"])
    sheet.write_row(1, 0, ["high_tech_share", 2024])
    sheet.write_number(1, 2, 62.5, book.add_format({"num_format": '0.0" %"'}))
    sheet.write(1, 3, "S")
    book.close()

    result = kpi(empty, "import", data)

    assert result.exit_code == 0, result.stderr
    assert [o["value"] for o in recorded(empty, "high_tech_share")] == [62.5]


def test_a_template_with_guidance_above_the_header_imports_and_names_cells(
    empty: Path, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Nhập số liệu"
    sheet.append(["Chọn mã trong danh sách", "Năm có 4 chữ số", "Số, dấu phẩy thập phân",
                  "Tên tài liệu nguồn"])  # fmt: skip
    sheet.append(["Mã chỉ tiêu", "Năm", "Giá trị", "Nguồn"])
    sheet.append(["high_tech_share", 2024, 62.5, "Niên giám 2024"])
    sheet.append(["high_tech_share", 2024, 62.6, "Niên giám 2024"])
    data = tmp_path / "mau.xlsx"
    book.save(data)

    repeated = kpi(empty, "import", data)
    sheet.delete_rows(4)
    book.save(data)
    dry_run = kpi(empty, "import", data, "--dry-run")

    assert_refused(repeated)
    assert error_lines(repeated) == [
        f"error: {data}: 'Nhập số liệu'!B4: high_tech_share 2024 is already given by {data} "
        "'Nhập số liệu'!C3 with different content; keep one row"
    ]
    assert dry_run.exit_code == 0, dry_run.stderr
    assert dry_run.stdout.splitlines() == [
        f"added: high_tech_share 2024 = 62.5 ({data} 'Nhập số liệu'!C3)",
        "1 added, 0 replaced, 0 unchanged",
    ]


def test_a_workbook_without_a_header_says_so(empty: Path, tmp_path: Path) -> None:
    data = tmp_path / "blank.xlsx"
    xlsxwriter.Workbook(data).close()

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert f"error: {data}: Sheet1: has no header" in result.stderr


def test_a_sheet_reaching_millions_of_cells_is_refused(empty: Path, tmp_path: Path) -> None:
    data = tmp_path / "sparse.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["indicator", "year", "value", "source"])
    sheet.write(1_000_000, 200, "far away")
    book.close()

    result = kpi(empty, "import", data)

    assert_refused(result)
    assert "the sheet 'Sheet1' reaches more than 5,000,000 cells" in result.stderr


def test_cell_messages_are_translated(empty: Path, tmp_path: Path) -> None:
    data = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet("Số liệu")
    sheet.write_row(0, 0, ["Mã chỉ tiêu", "Năm", "Giá trị", "Nguồn"])
    sheet.write_row(1, 0, ["high_tech_share", 2024.5, "12,5", "S"])
    book.close()

    result = kpi(empty, "--lang", "vi", "import", data)

    assert_refused(result)
    [year, value] = [line for line in result.stderr.splitlines() if line.startswith("lỗi:")]
    assert (
        year == f"lỗi: {data}: 'Số liệu'!B2: 2024,5 không phải số nguyên (cần một năm, ví dụ 2024)"
    )
    assert value.startswith(f"lỗi: {data}: 'Số liệu'!C2: '12,5' là văn bản, không phải là số: ")
    assert "is not" not in result.stderr


# ------------------------------------------------------------------------------- cell names


@pytest.mark.parametrize(
    ("name", "reference"),
    [("Sheet1", "Sheet1"), ("Dữliệu", "Dữliệu"), ("My sheet", "'My sheet'"),
     ("Số liệu", "'Số liệu'"), ("Bob's", "'Bob''s'"), ("A1", "'A1'"), ("2024", "'2024'"),
     ("R1C1", "'R1C1'"), ("a-b", "'a-b'")],
)  # fmt: skip
def test_sheet_names_are_quoted_as_excel_quotes_them(name: str, reference: str) -> None:
    assert sheet_reference(name) == reference


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index: int, letters: str) -> None:
    assert column_letters(index) == letters


@pytest.mark.parametrize(
    ("code", "percent"),
    [("0%", True), ("0.0%", True), ("0.00%;[Red]-0.00%", True), ('0.0"%"', False),
     ("0.0\\%", False), ("General", False), ('#,##0.0 "%"', False), ("0.0_%", False),
     ("[$%-409]0.0", False)],
)  # fmt: skip
def test_percentage_formats_are_told_from_a_literal_percent_sign(code: str, percent: bool) -> None:
    assert is_percent_format(code) is percent


# ------------------------------------------------------------------------------ fuzzed sheets

workbook_cells = st.one_of(
    st.sampled_from(["high_tech_share", "iip_growth", "", " ", "2024", "62,5", "#N/A", "TRUE",
                     "có", "e", "=1+1", "x\n::error::y", "\u202eevil"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from([("formula", "#DIV/0!"), ("formula", 62.5), ("formula", "S"),
                     ("percent", 0.5)]),
    st.text(max_size=8),
)  # fmt: skip


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    header=st.sampled_from([COLUMNS[:4], COLUMNS, VIETNAMESE_HEADER, ["Indicator", "Year"]]),
    rows=st.lists(st.lists(workbook_cells, max_size=9), max_size=6),
)
def test_a_fuzzed_workbook_import_never_crashes_nor_writes_on_error(
    empty: Path, tmp_path_factory: pytest.TempPathFactory, header: list[str], rows: list[list[Any]]
) -> None:
    data = tmp_path_factory.mktemp("fuzz") / "fuzz.xlsx"
    book = xlsxwriter.Workbook(data)
    sheet = book.add_worksheet("Số liệu")
    percent = book.add_format({"num_format": "0%"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            if isinstance(cell, tuple):
                kind, value = cell
                if kind == "formula":
                    sheet.write_formula(number, column, "=A1", None, value)
                else:
                    sheet.write_number(number, column, value, percent)
            elif isinstance(cell, dt.datetime):
                sheet.write_datetime(number, column, cell, date)
            elif isinstance(cell, str):
                sheet.write_string(number, column, cell)
            else:
                sheet.write(number, column, cell)
    book.close()
    before = snapshot(empty)

    result = kpi(empty, "import", data)

    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stderr)
    if result.exit_code == 2:
        assert result.stderr.startswith("error:")
        assert snapshot(empty) == before
    else:
        assert kpi(empty, "validate").exit_code == 0
