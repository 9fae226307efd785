"""``kpi import`` and ``kpi export``: all-or-nothing import with every bad row located, round trips,
and the export formats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from kpi.cli import app
from kpi.exchange import COLUMNS
from kpi.render.export import SDMX_COLUMNS, dataflow_id
from kpi.store import load_project

HEADER = ",".join(COLUMNS[:4])


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=False)


def kpi(root: Path, *args: str | Path) -> Result:
    return run("--project", root, *args)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden and temporary ones too) with the hash of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def observations(root: Path, indicator: str) -> list[dict[str, Any]]:
    path = root / "observations" / f"{indicator}.toml"
    if not path.exists():
        return []
    records: list[dict[str, Any]] = tomllib.loads(path.read_text("utf-8"))["observations"]
    return records


def assert_user_error(result: Result) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "nothing was written" in result.stderr


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """The shipped Hai Phong project in a fresh folder."""
    project = tmp_path / "city"
    assert run("init", project).exit_code == 0
    return project


@pytest.fixture()
def empty(tmp_path: Path) -> Path:
    """The Hai Phong targets with no observation at all."""
    project = tmp_path / "empty"
    assert run("init", project).exit_code == 0
    for path in (project / "observations").glob("*.toml"):
        path.unlink()
    return project


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------------- all or nothing


def test_bad_rows_among_good_ones_exit_2_name_every_row_and_change_no_file(
    root: Path, tmp_path: Path
) -> None:
    data = write(
        tmp_path / "yearbook.csv",
        f"{HEADER},status\n"
        "high_tech_share,2024,62.5,Yearbook 2024,E\n"  # line 2: good
        "high_tech_share,20x4,62.5,Yearbook 2024,\n"  # line 3: year
        "iip_growth,2026,14.2,Yearbook 2026,\n"  # line 4: good
        "no_such_kpi,2024,1,Yearbook 2024,\n"  # line 5: indicator
        "grdp_growth,2026,inf,Yearbook 2026,\n"  # line 6: value
        "manufacturing_share_grdp,2026,140,Yearbook 2026,\n"  # line 7: bounds
        "high_tech_share,2023,61,Yearbook 2024,\n"  # line 8: differs from the recorded 60.6
        "iip_growth,2027,9,,Q\n",  # line 9: source and status
    )
    before = snapshot(root)

    result = kpi(root, "import", data)

    assert_user_error(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    expected = [
        (3, "year", "'20x4' is not a whole number"),
        (5, "indicator", "unknown indicator 'no_such_kpi'"),
        (6, "value", "'inf' is not a finite number"),
        (7, "value", "outside the bounds"),
        (8, "value", "already recorded as 60.6"),
        (9, "source", "is empty"),
        (9, "status", "'Q' is not a status"),
    ]
    assert len(errors) == len(expected)
    for (line, key, reason), error in zip(expected, errors, strict=True):
        assert error.startswith(f"error: {data}:{line}: {key}: ")
        assert reason in error
    assert "--replace" in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("high_tech_share,1899,1,S", "1899 is not a year from 1900 to 2100"),
        ("high_tech_share,2024.0,1,S", "is not a whole number"),
        ("high_tech_share,2024,nan,S", "is not a finite number"),
        ("high_tech_share,2024,1e999,S", "is not a finite number"),
        ('high_tech_share,2024,"45,12",S', "use '.' for decimals"),
        ("high_tech_share,2024,-1,S", "outside the bounds"),
        ("grdp_growth,2026,-100,S", "a rate must be above -100"),
        ("high_tech_share,2024,1,", "every observation names its source"),
        (",2024,1,S", "indicator: is empty"),
        ("../etc,2024,1,S", "is not a valid indicator id"),
        ("high_tech_share,2024,1", "has 3 cells but the header has 4 columns"),
    ],
)
def test_each_kind_of_bad_row_is_refused_with_its_line_and_reason(
    root: Path, tmp_path: Path, row: str, reason: str
) -> None:
    data = write(tmp_path / "data.csv", f"{HEADER}\nhigh_tech_share,2025,62.5,S\n{row}\n")
    before = snapshot(root)

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f"{data}:3: " in result.stderr
    assert reason in result.stderr
    assert snapshot(root) == before


def test_line_numbers_are_physical_lines_after_a_quoted_multiline_note(
    root: Path, tmp_path: Path
) -> None:
    data = write(
        tmp_path / "data.csv",
        f'{HEADER},note\nhigh_tech_share,2024,62.5,S,"two\nlines"\n\nhigh_tech_share,x,1,S,\n',
    )

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f"{data}:5: year: 'x' is not a whole number" in result.stderr


def test_rows_repeating_a_year_with_different_content_are_refused(
    root: Path, tmp_path: Path
) -> None:
    data = write(
        tmp_path / "data.csv",
        f"{HEADER}\nhigh_tech_share,2024,62.5,S\nhigh_tech_share,2024,62.6,S\n",
    )

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f"{data}:3: year: high_tech_share 2024 is already given by {data}:2" in result.stderr


def test_rows_repeating_a_year_identically_are_recorded_once(root: Path, tmp_path: Path) -> None:
    data = write(
        tmp_path / "data.csv",
        f"{HEADER}\nhigh_tech_share,2024,62.5,S\nhigh_tech_share,2024,62.5,S\n",
    )

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert "1 added, 0 replaced, 0 unchanged" in result.stderr
    assert [o["year"] for o in observations(root, "high_tech_share")].count(2024) == 1


# ------------------------------------------------------------------------------------ CSV details


def test_csv_with_a_byte_order_mark_is_accepted(root: Path, tmp_path: Path) -> None:
    data = write(
        tmp_path / "excel.csv", f"{HEADER}\r\nhigh_tech_share,2024,62.5,S\r\n", "utf-8-sig"
    )
    assert data.read_bytes().startswith(b"\xef\xbb\xbf")

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "imported" in result.stderr
    assert "1 added" in result.stderr
    assert observations(root, "high_tech_share")[-1] == {
        "year": 2024,
        "value": 62.5,
        "source": "S",
    }


def test_an_unknown_column_is_refused(root: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "data.csv", f"{HEADER},unit\nhigh_tech_share,2024,62.5,S,%\n")
    before = snapshot(root)

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f"{data}:1: unit: unknown column" in result.stderr
    assert snapshot(root) == before


def test_a_missing_required_column_is_refused(root: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "data.csv", "indicator,year,value\nhigh_tech_share,2024,62.5\n")

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f"{data}:1: source: required column is missing" in result.stderr


def test_text_that_is_not_utf8_is_refused_with_its_line_and_the_encoding_option(
    root: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(
        f"{HEADER}\nhigh_tech_share,2024,62.5,S\n".encode() + b"x,2024,1,Ngu\xf4\xcc\n"
    )
    before = snapshot(root)

    result = kpi(root, "import", data)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"error: {data}:3: is not UTF-8 text" in result.stderr
    assert "--encoding cp1258" in result.stderr
    assert "CSV UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", False), ("true", True), ("TRUE", True), ("yes", True), ("1", True), ("no", False),
     ("0", False), ("false", False)],
)  # fmt: skip
def test_series_break_accepts_the_usual_spellings(
    root: Path, tmp_path: Path, cell: str, expected: bool
) -> None:
    data = write(
        tmp_path / "data.csv", f"{HEADER},series_break\nhigh_tech_share,2024,62.5,S,{cell}\n"
    )

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert observations(root, "high_tech_share")[-1].get("series_break", False) is expected


def test_optional_columns_fill_every_field(root: Path, tmp_path: Path) -> None:
    data = write(
        tmp_path / "data.csv",
        "note,url,series_break,status,source,value,year,indicator\n"
        "merged city,https://example.org,yes,E,Press conference,44.4,2026,"
        "manufacturing_share_grdp\n",
    )

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert observations(root, "manufacturing_share_grdp")[-1] == {
        "year": 2026,
        "value": 44.4,
        "status": "E",
        "series_break": True,
        "source": "Press conference",
        "url": "https://example.org",
        "note": "merged city",
    }


@pytest.mark.parametrize("name", ["data.toml", "data.pdf", "data"])
def test_a_file_that_is_neither_a_table_nor_json_is_refused(
    root: Path, tmp_path: Path, name: str
) -> None:
    data = write(tmp_path / name, f"{HEADER}\nhigh_tech_share,2024,62.5,S\n")

    result = kpi(root, "import", data)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "kpi imports .csv, .xlsx, .xls, .ods or .json" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_a_user_error(root: Path, tmp_path: Path) -> None:
    result = kpi(root, "import", tmp_path / "nowhere.csv")

    assert result.exit_code == 2
    assert "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------------- JSON

ROWS = [
    {"indicator": "high_tech_share", "year": 2024, "value": 62.5, "source": "S", "status": "E"},
    {"indicator": "iip_growth", "year": 2026, "value": 14.2, "source": "S", "url": None},
]


@pytest.mark.parametrize("shape", ["list", "export object"])
def test_json_is_read_as_a_list_or_as_the_export_object(
    root: Path, tmp_path: Path, shape: str
) -> None:
    document: object = ROWS if shape == "list" else {"observations": ROWS}
    data = write(tmp_path / "data.json", json.dumps(document, indent=2))

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert "2 added, 0 replaced, 0 unchanged" in result.stderr
    assert observations(root, "high_tech_share")[-1] == {
        "year": 2024,
        "value": 62.5,
        "status": "E",
        "source": "S",
    }
    assert observations(root, "iip_growth")[-1] == {"year": 2026, "value": 14.2, "source": "S"}


def test_bad_json_objects_are_named_by_index_and_line(root: Path, tmp_path: Path) -> None:
    text = (
        '{"observations": [\n'
        '  {"indicator": "high_tech_share", "year": 2024, "value": 62.5, "source": "S"},\n'
        '  {"indicator": "high_tech_share", "year": "2025", "value": 1, "source": "S"},\n'
        "\n"
        '  {"indicator": "high_tech_share", "year": 2026, "value": true, "source": "S",\n'
        '   "colour": "red"}\n'
        "]}\n"
    )
    data = write(tmp_path / "data.json", text)
    before = snapshot(root)

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert f'{data}:3: observations[1].year: "2025" is not a whole number' in result.stderr
    assert f"{data}:5: observations[2].colour: unknown key" in result.stderr
    assert f"{data}:5: observations[2].value: true is not a number" in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"rows": []}', "rows: unknown key"),
        ('"x"', "must be a list of observation objects"),
        ("[1]", "[0]: is not an object"),
        ('[{"indicator": "x"', "is not valid JSON"),
        ('[{"indicator": "high_tech_share", "year": 2024, "value": NaN, "source": "S"}]',
         "NaN is not a finite number"),
    ],
)  # fmt: skip
def test_json_that_is_not_observations_is_refused(
    root: Path, tmp_path: Path, text: str, reason: str
) -> None:
    data = write(tmp_path / "data.json", text)

    result = kpi(root, "import", data)

    assert_user_error(result)
    assert reason in result.stderr


# ------------------------------------------------------------------------------ dry run, replace


def test_dry_run_lists_added_replaced_and_unchanged_and_writes_nothing(
    root: Path, tmp_path: Path
) -> None:
    exported = kpi(root, "export").stdout.splitlines()
    recorded = next(line for line in exported if line.startswith("high_tech_share,2022,"))
    data = write(
        tmp_path / "data.csv",
        f"{exported[0]}\n{recorded}\n"
        "high_tech_share,2024,62.5,Yearbook,E,,,\n"
        "high_tech_share,2023,61.0,Yearbook,A,,,\n",
    )
    before = snapshot(root)

    result = kpi(root, "import", data, "--dry-run", "--replace")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"unchanged: high_tech_share 2022 = 53.39 ({data}:2)",
        f"added: high_tech_share 2024 = 62.5 ({data}:3)",
        f"replaced: high_tech_share 2023 = 61.0 (was 60.6) ({data}:4)",
        "1 added, 1 replaced, 1 unchanged",
    ]
    assert "nothing was written" in result.stderr
    assert snapshot(root) == before


def test_dry_run_still_refuses_a_different_value_without_replace(
    root: Path, tmp_path: Path
) -> None:
    data = write(tmp_path / "data.csv", f"{HEADER}\nhigh_tech_share,2023,61.0,Yearbook\n")

    result = kpi(root, "import", data, "--dry-run")

    assert_user_error(result)
    assert f"{data}:2: value: high_tech_share 2023 is already recorded as 60.6" in result.stderr


def test_importing_the_same_file_again_changes_no_byte(root: Path, tmp_path: Path) -> None:
    data = write(
        tmp_path / "data.csv",
        f"{HEADER},status\nhigh_tech_share,2024,62.5,Yearbook,E\niip_growth,2026,14.2,Yearbook,\n",
    )
    assert kpi(root, "import", data).exit_code == 0
    after_first = snapshot(root)

    result = kpi(root, "import", data)

    assert result.exit_code == 0, result.stderr
    assert "0 added, 0 replaced, 2 unchanged" in result.stderr
    assert "wrote" not in result.stderr
    assert snapshot(root) == after_first


def test_replace_keeps_the_old_observation_in_revisions(root: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "data.csv", f"{HEADER},status\nhigh_tech_share,2023,61.0,Yearbook,P\n")

    result = kpi(root, "import", data, "--replace")

    assert result.exit_code == 0, result.stderr
    assert "0 added, 1 replaced, 0 unchanged" in result.stderr
    assert "wrote observations/high_tech_share.toml" in result.stderr
    [replaced] = [o for o in observations(root, "high_tech_share") if o["year"] == 2023]
    assert replaced["value"] == 61.0
    assert replaced["status"] == "P"
    [revision] = replaced["revisions"]
    assert revision["value"] == 60.6
    assert revision["source"].startswith("Article on Resolution 57")
    assert "replaced" in revision


# ----------------------------------------------------------------------------------------- export


def status_json(root: Path) -> str:
    result = kpi(root, "status", "--format", "json", "--as-of", "2026")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(("export_format", "suffix"), [("csv", ".csv"), ("json", ".json")])
def test_export_then_import_into_an_empty_project_gives_the_same_assessment(
    root: Path, empty: Path, tmp_path: Path, export_format: str, suffix: str
) -> None:
    exported = tmp_path / f"all{suffix}"
    assert kpi(root, "export", "--format", export_format, "--output", exported).exit_code == 0
    assert status_json(empty) != status_json(root)

    result = kpi(empty, "import", exported)

    assert result.exit_code == 0, result.stderr
    assert status_json(empty) == status_json(root)
    assert load_project(empty).observations == load_project(root).observations
    assert kpi(empty, "export", "--format", export_format).stdout == exported.read_text("utf-8")


def test_export_csv_has_the_import_columns_in_targets_order_then_by_year(root: Path) -> None:
    result = kpi(root, "export")

    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == ",".join(COLUMNS)
    order = list(load_project(root).indicators)
    keys = [(order.index(row["indicator"]), int(row["year"])) for row in rows]
    assert keys == sorted(keys)
    assert len(rows) == sum(len(o) for o in load_project(root).observations.values())
    assert {row["series_break"] for row in rows} <= {"true", "false"}


def test_export_writes_values_unrounded(root: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "data.csv", f"{HEADER}\nhigh_tech_share,2024,0.30000000000000004,S\n")
    assert kpi(root, "import", data).exit_code == 0

    exported = kpi(root, "export", "--format", "json").stdout

    [row] = [r for r in json.loads(exported)["observations"] if r["year"] == 2024 and
             r["indicator"] == "high_tech_share"]  # fmt: skip
    assert row["value"] == 0.30000000000000004
    assert "0.30000000000000004" in kpi(root, "export").stdout
    assert "0.30000000000000004" in kpi(root, "export", "--format", "sdmx-csv").stdout


def test_export_json_is_an_object_with_every_key_on_every_observation(root: Path) -> None:
    result = kpi(root, "export", "--format", "json")

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["observations"]
    assert all(list(row) == list(COLUMNS) for row in document["observations"])


def test_sdmx_csv_has_the_exact_header_and_one_row_per_observation(root: Path) -> None:
    result = kpi(root, "export", "--format", "sdmx-csv")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "DATAFLOW,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,BREAK,"
        "SOURCE_DETAIL,COMMENT_OBS"
    )
    assert tuple(lines[0].split(",")) == SDMX_COLUMNS
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    project = load_project(root)
    assert len(rows) == sum(len(o) for o in project.observations.values())
    assert {row["DATAFLOW"] for row in rows} == {"KPI:HAI_PHONG_2030(1.0)"}
    [merged] = [r for r in rows if r["INDICATOR"] == "manufacturing_share_grdp" and
                r["TIME_PERIOD"] == "2025"]  # fmt: skip
    assert merged["OBS_VALUE"] == "44.4"
    assert merged["UNIT_MEASURE"] == "%"
    assert merged["OBS_STATUS"] == "E"
    assert merged["BREAK"] == "true"
    assert merged["COMMENT_OBS"] == "covers the city merged with Hai Duong on 2025-07-01"
    assert merged["SOURCE_DETAIL"].endswith(".html)")


@pytest.mark.parametrize("export_format", ["csv", "json", "sdmx-csv"])
def test_output_writes_the_file_and_nothing_on_stdout(
    root: Path, tmp_path: Path, export_format: str
) -> None:
    target = tmp_path / "out" / "export.txt"
    before = snapshot(root)

    result = kpi(root, "export", "--format", export_format, "--output", target)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    assert target.read_text("utf-8") == kpi(root, "export", "--format", export_format).stdout
    assert [p.name for p in target.parent.iterdir()] == ["export.txt"]
    assert snapshot(root) == before


def test_export_of_a_project_without_observations_is_only_the_header(empty: Path) -> None:
    assert kpi(empty, "export").stdout == ",".join(COLUMNS) + "\n"
    assert json.loads(kpi(empty, "export", "--format", "json").stdout) == {"observations": []}


def test_an_unknown_export_format_is_a_usage_error(root: Path) -> None:
    result = kpi(root, "export", "--format", "parquet")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hai Phong 2030", "HAI_PHONG_2030"),
        ("Hải Phòng 2030", "HAI_PHONG_2030"),
        ("Đà Nẵng — 2030 targets", "DA_NANG_2030_TARGETS"),
        ("2030 goals", "KPI_2030_GOALS"),
        ("Thành phố", "THANH_PHO"),
        ("東京", "KPI"),
    ],
)
def test_dataflow_id_is_an_ascii_sdmx_id(name: str, expected: str) -> None:
    assert dataflow_id(name) == expected
