"""Workbooks out: ``kpi export --format xlsx`` (and ``--template``), ``kpi status --format xlsx``
and ``kpi report --format xlsx``, each opened with openpyxl and checked cell by cell: types
(numbers are numbers, years whole), both languages, frozen headers, no formula anywhere, and
hostile text as text. ``status --output`` for every format, and xlsx refused on a terminal.

The round trips through ``kpi import`` (an export, the status workbook's observations, a
filled-in template) need the importer of workbooks. CLI tests check stdout, stderr and the exit
code separately.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from terminal import on_a_terminal
from typer.testing import CliRunner, Result

from kpi import __version__
from kpi.cli import app
from kpi.columns import COLUMN_TITLES_VI
from kpi.model import MAX_YEAR, MIN_YEAR, OBSERVATION_COLUMNS
from kpi.store import load_project

AS_OF = 2026
HOSTILE_SOURCE = '=HYPERLINK("http://evil.example","click me")'
HOSTILE_NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA = re.compile(rb"<f[ >]")  # a cell's formula element in a worksheet's XML
EXACT_VALUE = 0.30000000000000004  # needs 17 significant digits to read back the same
STATUS_SHEETS = {
    "en": ["Status", "Legend", "Observations", "About"],
    "vi": ["Tình trạng", "Chú giải", "Số liệu", "Thông tin"],
}
STATUS_WORDS = {
    "en": {"on track", "at risk", "insufficient data", "no data", "Monitored (no target)"},
    "vi": {"đúng lộ trình", "có nguy cơ chậm", "chưa đủ dữ liệu", "chưa có dữ liệu"},
}
TARGETS = [  # by goal, as the formats for people list them
    "manufacturing_55_by_2030", "high_tech_above_70", "tech_renewal_20_22",
    "grdp_growth_2021_2030", "grdp_growth_2026_2030", "grdp_growth_2025", "grdp_growth_2026",
]  # fmt: skip


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})


def kpi(root: Path, *args: object, env: dict[str, str] | None = None) -> Result:
    return run("--project", root, *args, env=env)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The shipped project with one hostile observation, before every other one (the status is
    the shipped one): a source and a note a spreadsheet would run as formulas, and a value that
    needs 17 digits."""
    project = tmp_path / "city"
    assert run("init", project).exit_code == 0
    recorded = kpi(
        project, "record", "high_tech_share", "2010", str(EXACT_VALUE),
        "--source", HOSTILE_SOURCE, "--note", HOSTILE_NOTE, "--status", "P",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.stderr
    return project


def workbook_of(result: Result) -> openpyxl.Workbook:
    assert result.exit_code == 0, result.stderr
    return openpyxl.load_workbook(io.BytesIO(result.stdout_bytes))


def written(root: Path, path: Path, *args: object) -> openpyxl.Workbook:
    """The workbook ``kpi ARGS --output path`` writes (and says it wrote)."""
    result = kpi(root, *args, "--output", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert str(path) in result.stderr
    return openpyxl.load_workbook(path)


def cells(sheet: Worksheet) -> Iterator[Cell]:
    for row in sheet.iter_rows():
        yield from (cell for cell in row if cell.value is not None)


def column_values(sheet: Worksheet, heading: str, header_row: int = 1) -> list[Any]:
    headings = [cell.value for cell in sheet[header_row]]
    col = headings.index(heading) + 1
    return [sheet.cell(row, col).value for row in range(header_row + 1, sheet.max_row + 1)]


def width_of(sheet: Worksheet, col: int) -> float:
    """The width of the 1-based column ``col`` (openpyxl groups equal neighbours)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min is not None and dimension.min <= col <= dimension.max:
            return float(dimension.width)
    raise AssertionError(f"column {col} has no width")


def rows_by(sheet: Worksheet, key: str) -> dict[Any, dict[str, Any]]:
    """The rows under the header in row 1, as dicts by heading, keyed by column ``key``."""
    headings = [cell.value for cell in sheet[1]]
    rows = [dict(zip(headings, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    return {row[key]: row for row in rows}


def formula_elements(data: bytes) -> list[str]:
    """The worksheets of the ``.xlsx`` ``data`` that hold a formula element (``<f>``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and FORMULA.search(archive.read(name))
        ]


# -- kpi export --format xlsx ----------------------------------------------------------------------


def test_export_xlsx_is_every_observation_in_the_import_columns_with_real_types(
    root: Path, tmp_path: Path
) -> None:
    book = written(root, tmp_path / "data.xlsx", "export", "--format", "xlsx")

    assert book.sheetnames == ["observations"]
    sheet = book["observations"]
    assert [cell.value for cell in sheet[1]] == list(OBSERVATION_COLUMNS)
    assert sheet.freeze_panes == "A2"
    project = load_project(root)
    expected = [
        (indicator, o) for indicator in project.indicators for o in project.observations[indicator]
    ]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(expected) == 25
    for row, (indicator, observation) in zip(rows, expected, strict=True):
        indicator_cell, year, value, source, status, series_break, url, note = row
        assert indicator_cell.value == indicator
        assert year.data_type == "n" and year.value == observation.year
        assert isinstance(year.value, int)
        assert value.data_type == "n" and value.value == observation.value
        assert source.data_type == "s" and source.value == observation.source
        assert status.value == observation.status
        assert series_break.data_type == "b" and series_break.value is observation.series_break
        assert url.value == observation.url
        assert note.value == observation.note


def test_export_xlsx_keeps_a_value_that_needs_17_digits_and_hostile_text_as_text(
    root: Path, tmp_path: Path
) -> None:
    book = written(root, tmp_path / "data.xlsx", "export", "--format", "xlsx")

    [row] = [r for r in book.active.iter_rows(min_row=2) if r[1].value == 2010 and
             r[0].value == "high_tech_share"]  # fmt: skip
    assert row[2].value == EXACT_VALUE  # not 0.3: XlsxWriter alone writes 16 digits
    assert (row[3].data_type, row[3].value) == ("s", HOSTILE_SOURCE)
    assert (row[7].data_type, row[7].value) == ("s", HOSTILE_NOTE)
    assert row[4].value == "P"
    assert formula_elements((tmp_path / "data.xlsx").read_bytes()) == []


def test_export_xlsx_columns_are_as_wide_as_their_text(root: Path, tmp_path: Path) -> None:
    sheet = written(root, tmp_path / "data.xlsx", "export", "--format", "xlsx").active

    indicator_width, year_width, source_width = (width_of(sheet, col) for col in (1, 2, 4))
    assert len("manufacturing_share_grdp") < indicator_width < len("manufacturing_share_grdp") + 5
    assert len("year") < year_width < 10
    assert 40 < source_width <= 51  # long sources wrap at 50 characters
    assert sheet["D2"].alignment.wrap_text


def test_export_xlsx_is_the_same_in_both_languages(root: Path) -> None:
    english = workbook_of(kpi(root, "export", "--format", "xlsx"))
    vietnamese = workbook_of(kpi(root, "export", "--format", "xlsx", "--lang", "vi"))

    assert vietnamese.sheetnames == english.sheetnames == ["observations"]
    assert [[c.value for c in r] for r in vietnamese.active.iter_rows()] == [
        [c.value for c in r] for r in english.active.iter_rows()
    ]


def test_exported_xlsx_imports_back_unchanged(root: Path, tmp_path: Path) -> None:
    """Needs the importer of workbooks (issue 11, item 1)."""
    exported = tmp_path / "data.xlsx"
    assert kpi(root, "export", "--format", "xlsx", "--output", exported).exit_code == 0

    result = kpi(root, "import", exported, "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 added, 0 replaced, 25 unchanged"
    assert "nothing was written" in result.stderr


# -- kpi status / report --format xlsx -------------------------------------------------------------


@pytest.fixture
def status_en(root: Path, tmp_path: Path) -> openpyxl.Workbook:
    return written(root, tmp_path / "status.xlsx", "status", "--as-of", AS_OF, "-f", "xlsx")


@pytest.fixture
def status_vi(root: Path, tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "status.vi.xlsx"
    return written(root, path, "status", "--as-of", AS_OF, "-f", "xlsx", "--lang", "vi")


def test_status_workbook_has_a_row_per_target_then_the_monitored_indicator(
    status_en: openpyxl.Workbook,
) -> None:
    assert status_en.sheetnames == STATUS_SHEETS["en"]
    sheet = status_en["Status"]
    assert status_en.active.title == "Status"
    assert column_values(sheet, "Target id") == [*TARGETS, None]
    assert column_values(sheet, "Indicator id")[-1] == "iip_growth"
    assert set(column_values(sheet, "Status")) <= STATUS_WORDS["en"] | {"off track", "achieved"}
    assert column_values(sheet, "Status")[-1] == "Monitored (no target)"
    assert sheet.freeze_panes == "D2"  # the header, and the ids and names
    assert sheet.auto_filter.ref == f"A1:W{len(TARGETS) + 2}"


def test_status_workbook_figures_are_numbers_with_formats_and_percent_stays_percent(
    status_en: openpyxl.Workbook,
) -> None:
    rows = rows_by(status_en["Status"], "Target id")
    high_tech = rows["high_tech_above_70"]
    assert (
        high_tech["Indicator"] == "High-tech products, share of processing and manufacturing output"
    )
    assert high_tech["Goal"] == "> 70 % by 2030"
    assert high_tech["Status"] == "on track"
    assert high_tech["Baseline year"] == 2018 and high_tech["Baseline value"] == 43
    assert high_tech["Latest year"] == 2023 and high_tech["Latest value"] == 60.6
    assert high_tech["Unit"] == "%"
    sheet = status_en["Status"]
    headings = [cell.value for cell in sheet[1]]
    manufacturing = next(r for r in sheet.iter_rows(2) if r[1].value == "manufacturing_55_by_2030")
    cell = {heading: manufacturing[i] for i, heading in enumerate(headings)}
    assert cell["Latest value"].value == 44.4  # 44.4 %, not 0.444 shown as a percentage
    for heading in (
        "Latest year",
        "Latest value",
        "Change to the target",
        "Required change a year",
    ):
        assert cell[heading].data_type == "n", heading
    assert cell["Latest year"].number_format == "0"
    assert "%" not in cell["Latest value"].number_format
    assert cell["Latest value"].number_format == "#,##0.0#"
    assert cell["Change to the target"].value == pytest.approx(10.6)
    assert cell["Required change a year"].value == pytest.approx(10.6 / 5)
    assert cell["Next year"].value == 2026
    high = next(r for r in sheet.iter_rows(2) if r[1].value == "high_tech_above_70")
    high_cell = {heading: high[i] for i, heading in enumerate(headings)}
    assert high_cell["Years ahead of plan"].value == pytest.approx(3.44896, abs=5e-6)
    assert high_cell["Next year needs"].value == pytest.approx(60.6 * (70 / 60.6) ** (1 / 7))
    assert cell["Flags"].value == "E|"
    assert "estimate" in cell["Notes"].value and "series break" in cell["Notes"].value
    for row in sheet.iter_rows(2):
        for heading, each in zip(headings, row, strict=True):
            if (
                heading in ("Latest year", "Trend since", "Baseline year", "Next year")
                and each.value is not None
            ):
                assert isinstance(each.value, int), heading


def test_status_workbook_columns_fit_their_text(status_en: openpyxl.Workbook) -> None:
    sheet = status_en["Status"]
    for col, column in enumerate(sheet.iter_cols(), start=1):
        texts = [c.value for c in column if isinstance(c.value, str)]
        longest = max(len(line) for text in texts for line in text.splitlines())
        assert width_of(sheet, col) >= min(longest, 50), column[0].value
        assert width_of(sheet, col) <= 61


def test_status_workbook_has_a_legend_of_every_status(status_en: openpyxl.Workbook) -> None:
    legend = rows_by(status_en["Legend"], "Status")

    for status in ("achieved", "on track", "at risk", "off track", "moving away",
                   "insufficient data", "no data", "Monitored (no target)"):  # fmt: skip
        assert legend[status]["Meaning"], status
    assert legend["on track"]["Count"] == 1
    assert legend["no data"]["Count"] == 3
    assert legend["Monitored (no target)"]["Count"] == 1
    texts = [cell.value for cell in cells(status_en["Legend"])]
    assert any(str(text).startswith("Marks: E estimated") for text in texts)


def test_status_workbook_says_when_as_of_which_year_and_with_which_kpi(
    root: Path, tmp_path: Path
) -> None:
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    book = written(root, tmp_path / "status.xlsx", "status", "--as-of", AS_OF, "-f", "xlsx")
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    about = book["About"]
    assert about["A1"].value == f"Hai Phong 2030, as of {AS_OF}"
    facts = {row[0].value: row[1] for row in about.iter_rows(3) if row[0].value}
    assert facts["As of year"].value == AS_OF and facts["As of year"].data_type == "n"
    assert facts["Project"].value == "Hai Phong 2030"
    made = facts["Made (UTC)"].value
    assert isinstance(made, dt.datetime) and before <= made <= after
    assert facts["Made with"].value == f"kpi {__version__}"
    assert facts["Summary"].value.startswith("7 targets:")


def test_status_workbook_in_vietnamese(status_vi: openpyxl.Workbook) -> None:
    assert status_vi.sheetnames == STATUS_SHEETS["vi"]
    sheet = status_vi["Tình trạng"]
    headings = [cell.value for cell in sheet[1]]
    assert headings[:5] == ["Mã chỉ tiêu", "Mã mục tiêu", "Chỉ tiêu", "Mức đề ra", "Tình trạng"]
    rows = rows_by(sheet, "Mã mục tiêu")
    assert rows["high_tech_above_70"]["Tình trạng"] == "đúng lộ trình"
    assert rows["high_tech_above_70"]["Chỉ tiêu"].startswith("Tỷ trọng giá trị sản phẩm")
    assert rows["high_tech_above_70"]["Mức đề ra"] == "> 70 % đến năm 2030"
    assert STATUS_WORDS["vi"] <= set(column_values(sheet, "Tình trạng"))
    observations = status_vi["Số liệu"]
    assert [c.value for c in observations[1]] == [COLUMN_TITLES_VI[c] for c in OBSERVATION_COLUMNS]
    legend = rows_by(status_vi["Chú giải"], "Tình trạng")
    assert "mục tiêu" in legend["đúng lộ trình"]["Ý nghĩa"]
    about = status_vi["Thông tin"]
    assert about["A1"].value == f"Hải Phòng 2030, tính đến năm {AS_OF}"
    facts = {row[0].value: row[1].value for row in about.iter_rows(3) if row[0].value}
    assert facts["Tính đến năm"] == AS_OF


def test_status_workbook_observations_are_those_up_to_the_year_with_sources_and_flags(
    root: Path, tmp_path: Path
) -> None:
    path = tmp_path / "status.xlsx"
    book = written(root, path, "status", "--as-of", 2023, "-f", "xlsx")

    sheet = book["Observations"]
    assert [cell.value for cell in sheet[1]] == list(OBSERVATION_COLUMNS)
    years = column_values(sheet, "year")
    assert years and max(years) == 2023
    assert all(isinstance(year, int) for year in years)
    assert all(isinstance(b, bool) for b in column_values(sheet, "series_break"))
    assert all(isinstance(s, str) and s for s in column_values(sheet, "source"))


def test_status_observations_sheet_imports_back_with_sheet(root: Path, tmp_path: Path) -> None:
    """Needs the importer of workbooks (issue 11, item 1: --sheet)."""
    path = tmp_path / "status.vi.xlsx"
    written(root, path, "status", "--as-of", AS_OF, "-f", "xlsx", "--lang", "vi")

    result = kpi(root, "import", path, "--sheet", "Số liệu", "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 added, 0 replaced, 25 unchanged"


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_no_workbook_holds_a_formula_and_hostile_text_is_text(
    root: Path, tmp_path: Path, lang: str
) -> None:
    commands = {
        "data": ["export", "--format", "xlsx"],
        "template": ["export", "--format", "xlsx", "--template"],
        "status": ["status", "--as-of", AS_OF, "--format", "xlsx"],
        "report": ["report", "--as-of", AS_OF, "--format", "xlsx"],
    }
    for name, args in commands.items():
        path = tmp_path / f"{name}.{lang}.xlsx"
        book = written(root, path, *args, "--lang", lang)
        assert formula_elements(path.read_bytes()) == [], name
        for sheet in book:
            assert [c.coordinate for c in cells(sheet) if c.data_type == "f"] == [], name
        texts = {c.value: c.data_type for sheet in book for c in cells(sheet)}
        if name != "template":
            assert texts[HOSTILE_SOURCE] == "s" and texts[HOSTILE_NOTE] == "s", name


def test_report_xlsx_is_the_status_workbook(root: Path, tmp_path: Path) -> None:
    status = written(root, tmp_path / "s.xlsx", "status", "--as-of", AS_OF, "-f", "xlsx")
    report = written(root, tmp_path / "r.xlsx", "report", "--as-of", AS_OF, "-f", "xlsx")

    assert report.sheetnames == status.sheetnames
    for name in ("Status", "Legend", "Observations"):
        assert [[c.value for c in r] for r in report[name].iter_rows()] == [
            [c.value for c in r] for r in status[name].iter_rows()
        ]
    assert not list(tmp_path.glob("*_files"))  # no chart files beside a workbook


# -- the template --------------------------------------------------------------------------------


def validations(sheet: Worksheet) -> dict[str, Any]:
    """The sheet's data validations by the first cell of their range."""
    return {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}


def test_template_is_a_data_sheet_with_guidance_headers_and_lists(
    root: Path, tmp_path: Path
) -> None:
    book = written(root, tmp_path / "t.xlsx", "export", "--format", "xlsx", "--template")

    assert book.sheetnames == ["Observations", "Indicators"]
    data = book.worksheets[0]
    guidance = [cell.value for cell in data[1]]
    assert len(guidance) == len(OBSERVATION_COLUMNS) and all(guidance)
    assert "row 3" in guidance[0]
    assert f"{MIN_YEAR} to {MAX_YEAR}" in guidance[1]
    assert [cell.value for cell in data[2]] == list(OBSERVATION_COLUMNS)
    assert data.max_row == 2  # no data yet
    assert data.freeze_panes == "A3"
    rules = validations(data)
    assert rules["A3"].type == "list" and rules["A3"].formula1 == "kpi_indicator_ids"
    assert str(book.defined_names["kpi_indicator_ids"].attr_text) == "'Indicators'!$A$2:$A$6"
    assert (rules["B3"].type, rules["B3"].formula1, rules["B3"].formula2) == (
        "whole", str(MIN_YEAR), str(MAX_YEAR)
    )  # fmt: skip
    assert rules["C3"].type == "decimal"
    assert rules["E3"].formula1 == '"A,E,P,F"'
    assert rules["F3"].formula1 == '"TRUE,FALSE"'
    assert all(str(rule.sqref).endswith("1048576") for rule in rules.values())
    listing = rows_by(book["Indicators"], "Indicator id")
    assert list(listing) == list(load_project(root).indicators)
    assert listing["high_tech_share"]["Unit"] == "%"
    assert (
        listing["high_tech_share"]["Lower bound"],
        listing["high_tech_share"]["Upper bound"],
    ) == (0, 100)
    assert listing["grdp_growth"]["Lower bound"] is None


def test_template_in_vietnamese_has_vietnamese_guidance_headers_and_names(
    root: Path, tmp_path: Path
) -> None:
    path = tmp_path / "t.vi.xlsx"
    book = written(root, path, "export", "--format", "xlsx", "--template", "--lang", "vi")

    assert book.sheetnames == ["Số liệu", "Danh mục chỉ tiêu"]
    data = book.worksheets[0]
    assert "dòng 3" in data["A1"].value
    assert [cell.value for cell in data[2]] == [COLUMN_TITLES_VI[c] for c in OBSERVATION_COLUMNS]
    assert str(book.defined_names["kpi_indicator_ids"].attr_text).startswith(
        "'Danh mục chỉ tiêu'!$A$2"
    )
    listing = rows_by(book["Danh mục chỉ tiêu"], "Mã chỉ tiêu")
    assert listing["high_tech_share"]["Chỉ tiêu"].startswith("Tỷ trọng giá trị sản phẩm")


def test_a_filled_in_template_imports(root: Path, tmp_path: Path) -> None:
    """Needs the importer of workbooks (issue 11, item 1: the header in row 2)."""
    template = tmp_path / "template.xlsx"
    assert kpi(root, "export", "-f", "xlsx", "--template", "-o", template).exit_code == 0
    book = openpyxl.load_workbook(template)
    data = book.worksheets[0]
    data.append(["iip_growth", 2026, 14.8, "Statistical yearbook 2026", None, None, None, None])
    data.append(["grdp_growth", 2026, 12.04, "Press conference", "E", True, None, "estimate"])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    result = kpi(root, "import", filled)

    assert result.exit_code == 0, result.stderr
    assert "2 added, 0 replaced, 0 unchanged" in result.stderr
    observations = load_project(root).observations
    [iip] = [o for o in observations["iip_growth"] if o.year == 2026]
    assert (iip.value, iip.source, iip.status, iip.series_break) == (
        14.8, "Statistical yearbook 2026", "A", False
    )  # fmt: skip
    [grdp] = [o for o in observations["grdp_growth"] if o.year == 2026]
    assert (grdp.value, grdp.status, grdp.series_break, grdp.note) == (12.04, "E", True, "estimate")


def test_template_is_refused_with_another_format(root: Path) -> None:
    for args in (["--template"], ["--format", "csv", "--template"], ["-f", "json", "--template"]):
        result = kpi(root, "export", *args)

        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert "--template writes a workbook" in result.stderr
        assert "hint: add --format xlsx" in result.stderr
        assert "Traceback" not in result.stderr


# -- where a workbook may go ---------------------------------------------------------------------


def kpi_on_a_terminal(root: Path, *args: str) -> tuple[int, bytes, str]:
    """Run kpi with stdout on a pseudo-terminal: exit code, what the terminal got, stderr."""
    code, shown, stderr = on_a_terminal(
        [sys.executable, "-m", "kpi", "--project", str(root), *args],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=60,
    )
    return code, shown, stderr.decode("utf-8")


@pytest.mark.parametrize(
    "args",
    [["status", "--as-of", "2026", "-f", "xlsx"], ["report", "--format", "xlsx"],
     ["export", "--format", "xlsx"], ["export", "--format", "xlsx", "--template"]],
)  # fmt: skip
def test_a_workbook_is_refused_on_a_terminal(root: Path, args: list[str]) -> None:
    code, terminal, stderr = kpi_on_a_terminal(root, *args)

    assert code == 2
    assert terminal == b""
    assert "--format xlsx writes a binary file, which a terminal cannot show" in stderr
    assert "hint: pass --output FILE (e.g. --output " in stderr
    assert "Traceback" not in stderr


def test_a_workbook_on_a_pipe_is_written(root: Path) -> None:
    result = kpi(root, "status", "--as-of", AS_OF, "--format", "xlsx")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout_bytes.startswith(b"PK\x03\x04")  # a zip: the .xlsx file itself
    assert openpyxl.load_workbook(io.BytesIO(result.stdout_bytes)).sheetnames[0] == "Status"


@pytest.mark.parametrize("name", ["table", "json", "csv", "markdown"])
def test_status_output_writes_each_text_format_to_the_file(
    root: Path, tmp_path: Path, name: str
) -> None:
    on_stdout = kpi(root, "status", "--as-of", AS_OF, "--format", name)
    output = tmp_path / "out" / f"status.{name}"
    output.parent.mkdir()
    output.write_text("an older status\n", encoding="utf-8")

    result = kpi(root, "status", "--as-of", AS_OF, "--format", name, "--output", output)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"wrote {output}\n"
    assert output.read_text(encoding="utf-8") == on_stdout.stdout
    assert [p.name for p in output.parent.iterdir()] == [output.name]  # no temporary left


def test_status_table_to_a_file_has_no_colour_even_from_a_terminal(
    root: Path, tmp_path: Path
) -> None:
    output = tmp_path / "status.txt"

    code, terminal, stderr = kpi_on_a_terminal(root, "status", "--as-of", "2026", "-o", str(output))

    assert code == 0, stderr
    assert terminal == b""
    assert stderr == f"wrote {output}\n"
    text = output.read_text(encoding="utf-8")
    assert "high_tech_above_70" in text and "on track" in text
    assert "\x1b[" not in text


def test_status_output_never_replaces_the_project_data(root: Path) -> None:
    targets = root / "targets.toml"
    before = targets.read_bytes()

    result = kpi(root, "status", "--as-of", AS_OF, "--format", "xlsx", "--output", targets)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "error:" in result.stderr
    assert targets.read_bytes() == before
