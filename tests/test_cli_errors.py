"""User errors through the command line: exit code 2, a message on stderr that says what is
wrong and where (file, line, key), no traceback, nothing on stdout, and no file changed.

``CliRunner`` (Click >= 8.2) keeps ``result.stdout`` and ``result.stderr`` apart; two
subprocess runs check that the installed script behaves the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kpi.cli import app
from kpi.lock import LOCK_FILE

REPO = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
HIGH_TECH_FILE = "observations/high_tech_share.toml"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: object) -> Any:
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "240"})


def kpi_command() -> list[str]:
    beside = Path(sys.executable).with_name("kpi")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("kpi")
    if found:
        return [found]
    return [sys.executable, "-c", "from kpi.cli import main; main()"]


def run_kpi(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_PROJECT", "KPI_LANG")}
    return subprocess.run(
        [*kpi_command(), *(str(a) for a in args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        encoding="utf-8",  # what kpi writes to a pipe, whatever the locale
        timeout=60,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name) with the SHA-256 of its bytes; the writers'
    lock file, which holds no data, is left out."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != LOCK_FILE
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "haiphong"
    root.mkdir()
    shutil.copy2(REPO / "targets.toml", root / "targets.toml")
    shutil.copytree(REPO / "observations", root / "observations")
    return root


def assert_user_error(result: Any, *fragments: str) -> None:
    """Exit 2, nothing on stdout, no traceback, and every fragment in the message."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() != ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# -- invalid files -------------------------------------------------------------------------

BAD_SYNTAX = """\
[project]
name = "Hai Phong 2030"

[indicators.high_tech_share
name = "High-tech share"
"""


@pytest.mark.parametrize(
    "command",
    [
        ["status", "--as-of", "2025"],
        ["show", "high_tech_share", "--as-of", "2025"],
        ["record", "high_tech_share", "2024", "61", "--source", "s"],
        ["validate"],
    ],
    ids=["status", "show", "record", "validate"],
)
def test_bad_toml_syntax_in_targets_names_file_and_line(project: Path, command: list[str]) -> None:
    (project / "targets.toml").write_text(BAD_SYNTAX, encoding="utf-8")
    before = snapshot(project)

    result = invoke("--project", project, *command)

    assert_user_error(result, "error: targets.toml:4: ", "not valid TOML")
    assert snapshot(project) == before


@pytest.mark.parametrize("command", [["status", "--as-of", "2025"], ["validate"]])
def test_unknown_key_in_targets_names_file_line_and_key(project: Path, command: list[str]) -> None:
    path = project / "targets.toml"
    text = path.read_text(encoding="utf-8").replace(
        'unit = "%"\nbounds', 'unit = "%"\ncolour = "red"\nbounds', 1
    )
    path.write_text(text, encoding="utf-8")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("colour"))
    before = snapshot(project)

    result = invoke("--project", project, *command)

    assert_user_error(
        result,
        f"error: targets.toml:{line}: indicators.manufacturing_share_grdp.colour: unknown key",
    )
    assert snapshot(project) == before


def test_unknown_key_in_an_observation_file_names_file_line_and_key(project: Path) -> None:
    path = project / HIGH_TECH_FILE
    text = path.read_text(encoding="utf-8").replace("value = 45.5\n", "value = 45.5\nflag = 1\n")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("flag"))
    before = snapshot(project)

    result = invoke("--project", project, "status", "--as-of", 2025)

    assert_user_error(result, f"error: {HIGH_TECH_FILE}:{line}: observations[2].flag: unknown key")
    assert snapshot(project) == before


def test_a_string_value_in_an_observation_file_is_located(project: Path) -> None:
    path = project / HIGH_TECH_FILE
    text = path.read_text(encoding="utf-8").replace("value = 53.39", 'value = "53.39"')
    path.write_text(text, encoding="utf-8")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if '"53.39"' in raw)
    before = snapshot(project)

    result = invoke("--project", project, "show", "high_tech_share", "--as-of", 2025)

    assert_user_error(result, f"error: {HIGH_TECH_FILE}:{line}: observations[4].value: ")
    assert snapshot(project) == before


# -- unknown and hostile indicators --------------------------------------------------------


def test_show_an_unknown_indicator(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "show", "nope", "--as-of", 2025)

    assert_user_error(result, "targets.toml", "unknown indicator 'nope'", "high_tech_share")
    assert snapshot(project) == before


def test_record_an_unknown_indicator(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "nope", 2025, 1.0, "--source", "s")

    assert_user_error(result, "targets.toml", "indicators.nope", "unknown indicator")
    assert snapshot(project) == before
    assert not (project / "observations" / "nope.toml").exists()


HOSTILE_IDS = ["../../etc/passwd", "/tmp/x", "A", "x;rm -rf /", "\uff48igh_tech_share"]


@pytest.mark.parametrize("indicator", HOSTILE_IDS)
def test_record_refuses_a_hostile_indicator_id(
    tmp_path: Path, project: Path, indicator: str
) -> None:
    outside = Path("/tmp/x.toml")
    outside_before = outside.read_bytes() if outside.exists() else None
    before = snapshot(tmp_path)

    result = invoke("--project", project, "record", indicator, 2025, 1.0, "--source", "s")

    assert_user_error(result, repr(indicator), "not a valid indicator id")
    assert snapshot(tmp_path) == before
    assert (outside.read_bytes() if outside.exists() else None) == outside_before


@pytest.mark.parametrize("indicator", HOSTILE_IDS)
def test_show_refuses_a_hostile_indicator_id(tmp_path: Path, project: Path, indicator: str) -> None:
    before = snapshot(tmp_path)

    result = invoke("--project", project, "show", indicator, "--as-of", 2025)

    assert_user_error(result, repr(indicator), "unknown indicator")
    assert snapshot(tmp_path) == before


# -- bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("nan", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("-inf", "is not a finite number"),
        ("1e999", "is not a finite number"),
        ("abc", "is not a number"),
        ("1,5", "is not a number"),
        ("", "is not a number"),
    ],
)
def test_record_refuses_a_value_that_is_not_a_finite_number(
    project: Path, value: str, problem: str
) -> None:
    before = snapshot(project)

    result = invoke(
        "--project", project, "record", "high_tech_share", 2025, "--source", "s", "--", value
    )

    assert_user_error(result, HIGH_TECH_FILE, "value", repr(value), problem)
    assert snapshot(project) == before


@pytest.mark.parametrize("year", [1800, 1899, 2101, 2200])
def test_record_refuses_a_year_out_of_range(project: Path, year: int) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "high_tech_share", year, 50, "--source", "s")

    assert_user_error(result, "year")
    assert ("1900" in result.stderr) or ("2100" in result.stderr)
    assert snapshot(project) == before


@pytest.mark.parametrize("year", [1800, 2200])
def test_status_refuses_an_as_of_out_of_range(project: Path, year: int) -> None:
    result = invoke("--project", project, "status", "--as-of", year, "--format", "json")

    assert_user_error(result, "--as-of")


def test_record_refuses_a_value_outside_the_bounds(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "high_tech_share", 2025, 150, "--source", "s")

    assert_user_error(result, HIGH_TECH_FILE, "year 2025", "value", "outside the bounds")
    assert snapshot(project) == before


def test_record_refuses_a_rate_at_or_below_minus_100(project: Path) -> None:
    before = snapshot(project)

    result = invoke(
        "--project", project, "record", "iip_growth", 2026, "--source", "s", "--", "-100"
    )

    assert_user_error(result, "observations/iip_growth.toml", "value", "-100")
    assert snapshot(project) == before


def test_record_refuses_a_different_value_for_a_recorded_year(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "high_tech_share", 2023, 61, "--source", "s")

    assert_user_error(result, HIGH_TECH_FILE, "2023", "60.6")
    assert snapshot(project) == before


def test_record_refuses_a_different_status_for_a_recorded_year(project: Path) -> None:
    before = snapshot(project)
    source = (
        "Article on Resolution 57 and Hai Phong 2030 targets (see hai-phong-2030-article.vi.txt)"
    )

    result = invoke(
        "--project", project, "record", "high_tech_share", 2023, "60.6", "--source", source,
        "--note", "no other published source found", "--status", "E",
    )  # fmt: skip

    assert_user_error(result, HIGH_TECH_FILE, "2023")
    assert snapshot(project) == before


# -- missing or bad options ----------------------------------------------------------------


def test_record_without_source(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "high_tech_share", 2025, 62)

    assert_user_error(result, "--source")
    assert snapshot(project) == before


def test_record_with_an_empty_source(project: Path) -> None:
    before = snapshot(project)

    result = invoke("--project", project, "record", "high_tech_share", 2025, 62, "--source", "")

    assert_user_error(result, HIGH_TECH_FILE, "source")
    assert snapshot(project) == before


def test_record_with_an_unknown_status(project: Path) -> None:
    before = snapshot(project)

    result = invoke(
        "--project", project, "record", "high_tech_share", 2025, 62, "--source", "s",
        "--status", "X",
    )  # fmt: skip

    assert_user_error(result, "--status")
    assert snapshot(project) == before


def test_status_with_an_unknown_format(project: Path) -> None:
    result = invoke("--project", project, "status", "--as-of", 2025, "--format", "yaml")

    assert_user_error(result, "--format")


# -- finding the project -------------------------------------------------------------------


def test_no_project_found_gives_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)

    result = invoke("status", "--as-of", 2025)

    assert_user_error(result, "no targets.toml found", str(empty), "hint:", "kpi init")
    assert list(empty.iterdir()) == []


def test_no_project_found_in_a_subprocess(tmp_path: Path) -> None:
    completed = run_kpi("status", "--as-of", 2025, cwd=tmp_path)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "Traceback" not in completed.stderr
    assert "no targets.toml found" in completed.stderr
    assert "hint:" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_bad_file_in_a_subprocess_prints_no_traceback(project: Path) -> None:
    (project / "targets.toml").write_text(BAD_SYNTAX, encoding="utf-8")
    before = snapshot(project)

    completed = run_kpi("record", "high_tech_share", 2024, 61, "--source", "s", cwd=project)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "Traceback" not in completed.stderr
    assert "targets.toml:4" in completed.stderr
    assert snapshot(project) == before


def test_project_option_pointing_to_a_folder_without_targets(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()

    result = invoke("--project", folder, "status", "--as-of", 2025)

    assert_user_error(result, f"no targets.toml in {folder}", "--project", "hint:")


def test_project_option_pointing_to_a_missing_folder(tmp_path: Path) -> None:
    result = invoke("--project", tmp_path / "missing", "validate")

    assert_user_error(result, "targets.toml", "--project")
    assert not (tmp_path / "missing").exists()


def test_kpi_project_variable_pointing_to_a_folder_without_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_PROJECT", str(tmp_path))

    result = invoke("status", "--as-of", 2025)

    assert_user_error(result, f"no targets.toml in {tmp_path}", "KPI_PROJECT")
