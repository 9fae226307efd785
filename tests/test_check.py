"""``kpi check``, the CI gate: verdicts, exit codes and its four formats.

Small projects are written in ``tmp_path``: one level indicator per status, each with one target
(``<status>_goal``: at least 30 by 2030, linear, so the progress ratio is plain arithmetic on
slopes from the 2020 base of 10). The shipped project comes from ``kpi init``. Every run passes
``--as-of``; stdout, stderr and the exit code are checked separately (Click >= 8.2 keeps them
apart in ``CliRunner``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kpi.cli import app
from kpi.gate import FAIL_ON_CHOICES, Level, evaluate, level_of, locate_targets, ratio_threshold
from kpi.model import AssessmentSettings
from kpi.progress import Status, assess_project
from kpi.render.gate_github import escape_data, escape_property, workflow_command
from kpi.render.gate_junit import clean
from kpi.store import load_project
from kpi.template import create_project

RUNNER = CliRunner()
AS_OF = "2026"
FORMATS = ["text", "json", "github", "junit"]

# Observations (year, value) giving each status for ">= 30 by 2030, linear" from 10 in 2020:
# needed slope 2/yr, so the 2024 value 10 + 8 r gives the progress ratio r.
SERIES: dict[str, list[tuple[int, float]]] = {
    "achieved": [(2020, 10), (2024, 31)],
    "on_track": [(2020, 10), (2024, 18)],  # r = 1.0
    "at_risk": [(2020, 10), (2024, 16)],  # r = 0.75
    "off_track": [(2020, 10), (2024, 12)],  # r = 0.25
    "moving_away": [(2020, 10), (2024, 8)],  # r = -0.25
    "insufficient_data": [(2024, 15)],  # no earlier year to measure a trend from
    "no_data": [],
}
ALL = list(SERIES)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


def write_project(
    root: Path,
    statuses: Sequence[str],
    *,
    unit: str = "%",
    name: str = "Test city",
    series: Mapping[str, list[tuple[int, float]]] = SERIES,
) -> Path:
    """A project with one indicator per status (named after it) and its observations."""
    lines = ["[project]", f"name = {json.dumps(name)}", ""]
    for status in statuses:
        lines += [
            f"[indicators.{status}]",
            f'name = "Indicator {status}"',
            'kind = "level"',
            f"unit = {json.dumps(unit)}",
            "bounds = [0, 100]",
            "",
            f"[[indicators.{status}.targets]]",
            f'id = "{status}_goal"',
            'comparator = ">="',
            "value = 30",
            "year = 2030",
            'method = "linear"',
            "",
        ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "targets.toml").write_text("\n".join(lines), encoding="utf-8")
    folder = root / "observations"
    folder.mkdir(exist_ok=True)
    for status in statuses:
        if series[status]:
            text = "".join(
                f'[[observations]]\nyear = {year}\nvalue = {value}\nsource = "test"\n\n'
                for year, value in series[status]
            )
            (folder / f"{status}.toml").write_text(text, encoding="utf-8")
    return root


def invoke(root: Path | None, *args: str, env: Mapping[str, str] | None = None) -> Any:
    """``kpi [--project ROOT] check --as-of 2026 ARGS`` in-process."""
    project = ["--project", str(root)] if root is not None else []
    return RUNNER.invoke(app, [*project, "check", "--as-of", AS_OF, *args], env=dict(env or {}))


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """Parse ``::name k=v,k=v::message`` lines into (name, properties, message), unescaped."""

    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(code, char)
        return text

    found = []
    for line in stdout.splitlines():
        match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
        assert match, f"not a workflow command: {line!r}"
        properties = dict(part.split("=", 1) for part in (match.group(2) or "").split(",") if part)
        found.append(
            (match.group(1), {k: unescape(v) for k, v in properties.items()}, unescape(match[3]))
        )
    return found


def junit_cases(stdout: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(stdout.encode())
    return root, root.findall("./testsuite/testcase")


# -- the pure core -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fail_on", "missing", "level"),
    [
        (Status.ACHIEVED, Status.OFF_TRACK, False, Level.OK),
        (Status.ON_TRACK, Status.OFF_TRACK, False, Level.OK),
        (Status.AT_RISK, Status.OFF_TRACK, False, Level.OK),  # one step better: no warning
        (Status.OFF_TRACK, Status.OFF_TRACK, False, Level.ERROR),
        (Status.MOVING_AWAY, Status.OFF_TRACK, False, Level.ERROR),
        (Status.ON_TRACK, Status.AT_RISK, False, Level.OK),  # on track is never a warning
        (Status.AT_RISK, Status.AT_RISK, False, Level.ERROR),
        (Status.ACHIEVED, Status.AT_RISK, False, Level.OK),
        (Status.OFF_TRACK, Status.MOVING_AWAY, False, Level.OK),
        (Status.MOVING_AWAY, Status.MOVING_AWAY, False, Level.ERROR),
        (Status.NO_DATA, Status.OFF_TRACK, False, Level.NOTICE),
        (Status.INSUFFICIENT_DATA, Status.MOVING_AWAY, False, Level.NOTICE),
        (Status.NO_DATA, Status.MOVING_AWAY, True, Level.ERROR),
        (Status.INSUFFICIENT_DATA, Status.AT_RISK, True, Level.ERROR),
        (Status.OFF_TRACK, Status.OFF_TRACK, True, Level.ERROR),
        (Status.ON_TRACK, Status.OFF_TRACK, True, Level.OK),
    ],
)
def test_level_of_orders_statuses_against_fail_on(
    status: Status, fail_on: Status, missing: bool, level: Level
) -> None:
    assert level_of(status, fail_on, missing) is level


def test_cannot_fail_on_a_status_without_severity() -> None:
    with pytest.raises(ValueError):
        level_of(Status.ON_TRACK, Status.NO_DATA, False)


@pytest.mark.parametrize(
    ("fail_on", "threshold"),
    [(Status.AT_RISK, 0.9), (Status.OFF_TRACK, 0.5), (Status.MOVING_AWAY, 0.0)],
)
def test_expected_ratio_is_the_lowest_that_passes(fail_on: Status, threshold: float) -> None:
    assert ratio_threshold(fail_on, AssessmentSettings(on_track=0.9, at_risk=0.5)) == threshold


def test_the_small_project_has_every_status(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, ALL))
    report = assess_project(project, int(AS_OF))
    assert {a.indicator_id: a.status.value for a in report.targets} == {s: s for s in ALL}


def test_evaluate_keeps_the_assessment_figures(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, ALL))
    report = assess_project(project, int(AS_OF))
    result = evaluate(report, settings=project.definition.assessment)
    assert not result.passed
    by_id = {v.assessment.indicator_id: v for v in result.verdicts}
    at_risk = by_id["at_risk"]
    assert at_risk.level is Level.OK and at_risk.passed  # fresh data, better than off track
    assert at_risk.actual.progress_ratio == pytest.approx(0.75)
    assert at_risk.expected.progress_ratio == pytest.approx(0.60)
    assert at_risk.expected.pace == pytest.approx(2.0)  # units a year, linear method
    assert at_risk.actual.pace == pytest.approx(1.5)
    assert (at_risk.expected.value, at_risk.expected.year) == (30, 2030)
    assert (at_risk.actual.value, at_risk.actual.year) == (16, 2024)
    assert at_risk.pace_unit == "pp/yr"  # a slope of a share in %: percentage points a year
    assert by_id["no_data"].actual == type(at_risk.actual)(None, None, None, None)
    assert [v.level for v in result.verdicts].count(Level.ERROR) == 2


def test_fail_on_choices_are_the_judged_statuses_worse_than_on_track() -> None:
    assert [s.severity for s in FAIL_ON_CHOICES] == [2, 3, 4]


# -- exit codes for each format ------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["achieved", "on_track", "at_risk", "no_data", "insufficient_data"], 0),
        (["on_track", "off_track"], 1),
        (["achieved", "moving_away"], 1),
    ],
)
def test_exit_code_says_whether_a_target_is_at_or_worse_than_off_track(
    tmp_path: Path, output_format: str, statuses: list[str], code: int
) -> None:
    result = invoke(write_project(tmp_path, statuses), "--format", output_format)
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr
    if output_format == "json":
        document = json.loads(result.stdout)
        assert document["passed"] is (code == 0)
        assert [r["status"] for r in document["results"]] == statuses
    elif output_format == "junit":
        root, cases = junit_cases(result.stdout)
        assert len(cases) == len(statuses)
        assert int(root.get("failures", "-1")) == (0 if code == 0 else 1)
    elif output_format == "github":
        errors = [a for a in annotations(result.stdout) if a[0] == "error"]
        assert len(errors) == (0 if code == 0 else 1)
    else:
        assert result.stdout.splitlines()[-1].startswith("passed:" if code == 0 else "FAILED:")


@pytest.mark.parametrize("output_format", FORMATS)
def test_invalid_data_exits_2_without_traceback(tmp_path: Path, output_format: str) -> None:
    root = write_project(tmp_path, ["on_track"])
    (root / "observations" / "on_track.toml").write_text(
        '[[observations]]\nyear = 2020\nvalue = "ten"\nsource = "test"\n', encoding="utf-8"
    )
    result = invoke(root, "--format", output_format)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "observations/on_track.toml:3: observations[0].value" in result.stderr
    if output_format == "github":
        [(name, properties, message)] = annotations(result.stdout)
        assert name == "error"
        assert properties["file"] == "observations/on_track.toml"
        assert properties["line"] == "3"
        assert "value" in message
    elif output_format == "junit":
        suites, cases = junit_cases(result.stdout)
        assert suites.get("errors") == "1" and len(cases) == 1
        assert cases[0].find("error") is not None
    else:
        assert result.stdout == ""


@pytest.mark.parametrize("output_format", FORMATS)
def test_missing_project_exits_2(tmp_path: Path, output_format: str) -> None:
    result = invoke(tmp_path / "nowhere", "--format", output_format)
    assert result.exit_code == 2
    assert "no targets.toml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--fail-on", "on_track"],
        ["--fail-on", "no_data"],
        ["--format", "xml"],
        ["--as-of", "1800"],
        ["--fail-on-missing=yes"],
    ],
)
def test_misuse_exits_2(tmp_path: Path, args: list[str]) -> None:
    result = invoke(write_project(tmp_path, ["on_track"]), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


# -- --fail-on and --fail-on-missing -------------------------------------------------------


@pytest.mark.parametrize(
    ("fail_on", "failed"),
    [
        ("at_risk", {"at_risk", "off_track", "moving_away"}),
        ("off_track", {"off_track", "moving_away"}),
        ("moving_away", {"moving_away"}),
    ],
)
def test_fail_on_sets_which_statuses_fail_and_none_warns_by_its_status(
    tmp_path: Path, fail_on: str, failed: set[str]
) -> None:
    # A warning means something (issue 12): a gate = "warn" target that would fail, or stale
    # data (tests/test_gate_settings.py); never a status one step better than --fail-on.
    result = invoke(write_project(tmp_path, ALL), "--fail-on", fail_on, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    results = document["results"]
    assert {r["status"] for r in results if not r["passed"]} == failed
    assert {r["status"] for r in results if r["level"] == "warning"} == set()
    assert {r["status"] for r in results if r["level"] == "notice"} == {
        "no_data",
        "insufficient_data",
    }
    assert document["fail_on"] == fail_on
    assert document["summary"]["failed"] == len(failed)
    assert document["summary"]["warned"] == 0


@pytest.mark.parametrize("fail_on", ["at_risk", "off_track", "moving_away"])
def test_only_the_fail_on_status_or_worse_fails(tmp_path: Path, fail_on: str) -> None:
    limit = ALL.index(fail_on)  # ALL lists the judged statuses best to worst
    better, worse = ALL[:limit], ALL[limit:5]
    assert invoke(write_project(tmp_path / "better", better), "--fail-on", fail_on).exit_code == 0
    for status in worse:
        root = write_project(tmp_path / status, [*better, status])
        assert invoke(root, "--fail-on", fail_on).exit_code == 1


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("missing", ["no_data", "insufficient_data"])
def test_missing_data_fails_only_with_fail_on_missing(
    tmp_path: Path, output_format: str, missing: str
) -> None:
    root = write_project(tmp_path, ["on_track", missing])
    assert invoke(root, "--format", output_format).exit_code == 0
    result = invoke(root, "--format", output_format, "--fail-on-missing")
    assert result.exit_code == 1
    if output_format == "json":
        document = json.loads(result.stdout)
        assert document["fail_on_missing"] is True
        assert [r["passed"] for r in document["results"]] == [True, False]


def test_json_results_match_the_core_assessment(tmp_path: Path) -> None:
    root = write_project(tmp_path, ALL)
    document = json.loads(invoke(root, "--format", "json").stdout)
    project = load_project(root)
    report = assess_project(project, int(AS_OF))
    assert document["as_of"] == 2026 and document["project"] == "Test city"
    for entry, assessment in zip(document["results"], report.targets, strict=True):
        assert entry["id"] == assessment.target.id
        assert entry["indicator"] == assessment.indicator_id
        assert entry["status"] == assessment.status.value
        assert entry["actual"]["progress_ratio"] == assessment.progress_ratio
        assert entry["expected"]["progress_ratio"] == project.definition.assessment.at_risk
        assert entry["level"] in {"error", "warning", "notice", "ok"}
        assert entry["passed"] is (entry["level"] != "error")
        assert entry["message"]
    counts = {s: 1 for s in ALL}
    summary = document["summary"]
    assert {s: summary[s] for s in ALL} == counts
    assert summary["total"] == len(ALL)
    outcomes = (summary["failed"], summary["warned"], summary["skipped"], summary["ok"])
    assert outcomes == (2, 0, 2, 3)
    assert summary["off"] == 0


# -- JUnit ---------------------------------------------------------------------------------


def test_junit_counts_failures_and_skips(tmp_path: Path) -> None:
    result = invoke(write_project(tmp_path, ALL), "--format", "junit")
    assert result.exit_code == 1
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root, cases = junit_cases(result.stdout)
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "kpi check"
    for element in (root, suite):
        assert element.get("tests") == "7"
        assert element.get("failures") == "2"
        assert element.get("skipped") == "2"
        assert element.get("errors") == "0"
    by_name = {case.get("name"): case for case in cases}
    assert set(by_name) == {f"{s}_goal" for s in ALL}
    for status in ALL:
        case = by_name[f"{status}_goal"]
        assert case.get("classname") == f"kpi.{status}"
        failure, skipped = case.find("failure"), case.find("skipped")
        if status in ("off_track", "moving_away"):
            assert failure is not None and failure.get("type") == status
            assert failure.get("message") and skipped is None
        elif status in ("no_data", "insufficient_data"):
            assert skipped is not None and failure is None
        else:
            assert failure is None and skipped is None


def test_junit_missing_data_is_a_failure_with_fail_on_missing(tmp_path: Path) -> None:
    result = invoke(write_project(tmp_path, ["no_data"]), "--format", "junit", "--fail-on-missing")
    assert result.exit_code == 1
    root, [case] = junit_cases(result.stdout)
    assert root.get("failures") == "1" and root.get("skipped") == "0"
    assert case.find("failure") is not None and case.find("skipped") is None


def test_junit_is_read_by_a_junit_parser(tmp_path: Path) -> None:
    import junitparser

    result = invoke(write_project(tmp_path, ALL), "--format", "junit")
    xml = junitparser.JUnitXml.fromstring(result.stdout)
    [suite] = list(xml)
    assert suite.name == "kpi check"
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (7, 2, 0, 2)
    outcomes = {}
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        outcomes[case.name] = kinds[0] if kinds else "passed"
        assert case.classname.startswith("kpi.")
    assert outcomes == {
        "achieved_goal": "passed",
        "on_track_goal": "passed",
        "at_risk_goal": "passed",
        "off_track_goal": "Failure",
        "moving_away_goal": "Failure",
        "insufficient_data_goal": "Skipped",
        "no_data_goal": "Skipped",
    }


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    # A control character can no longer reach a name (validate refuses it: tests/test_hostile.py);
    # clean() still drops what XML cannot hold, for any text that reaches it.
    name = 'City <&> "quoted" ]]>  end'
    root = write_project(tmp_path, ["off_track"], unit="t<CO2>&e", name=name)
    result = invoke(root, "--format", "junit")
    assert result.exit_code == 1
    suites, [case] = junit_cases(result.stdout)
    properties = {p.get("name"): p.get("value") for p in suites.iter("property")}
    assert properties["project"] == 'City <&> "quoted" ]]>  end'
    failure = case.find("failure")
    assert failure is not None and "t<CO2>&e" in (failure.get("message") or "")
    assert clean("a\x00b\x1fc\ud800d\te") == "abcd\te"


# -- GitHub annotations and step summary ---------------------------------------------------


def test_github_annotations_point_at_the_latest_year_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path, ALL)
    monkeypatch.chdir(root)
    result = invoke(None, "--format", "github", "--fail-on", "at_risk")
    assert result.exit_code == 1
    found = annotations(result.stdout)
    kinds = {props["title"]: name for name, props, _ in found}
    assert kinds == {
        "kpi: at_risk_goal at_risk": "error",
        "kpi: off_track_goal off_track": "error",
        "kpi: moving_away_goal moving_away": "error",
        "kpi: insufficient_data_goal insufficient_data": "notice",
        "kpi: no_data_goal no_data": "notice",
    }
    for _, props, message in found:
        lines = (root / props["file"]).read_text(encoding="utf-8").splitlines()
        text = lines[int(props["line"]) - 1]
        target = props["title"].split()[1]
        if target == "no_data_goal":
            assert props["file"] == "targets.toml"
            assert text == 'id = "no_data_goal"'
        else:
            assert props["file"] == f"observations/{target.removesuffix('_goal')}.toml"
            assert text == "year = 2024"
        assert message.startswith(props["title"].split()[2].replace("_", " "))


def test_github_annotation_follows_as_of_forecasts_and_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path, ["off_track"])
    (root / "observations" / "off_track.toml").write_text(
        '[[observations]]\nyear = 2024\nvalue = 12\nsource = "test"\n\n'
        '[[observations]]\nyear = 2020\nvalue = 10\nsource = "test"\n\n'
        '[[observations.revisions]]\nvalue = 9\nsource = "old"\nreplaced = 2021-01-01\n\n'
        '[[observations]]\nyear = 2022\nvalue = 11\nsource = "test"\n\n'
        '[[observations]]\nyear = 2025\nvalue = 13\nstatus = "F"\nsource = "plan"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    lines = (root / "observations" / "off_track.toml").read_text().splitlines()
    for as_of, year in (("2026", 2024), ("2023", 2022), ("2021", 2020)):
        args = ["check", "--as-of", as_of, "--format", "github", "--fail-on", "at_risk"]
        result = RUNNER.invoke(app, [*args, "--fail-on-missing"])
        assert result.exit_code == 1, result.stderr
        [(_, props, _)] = annotations(result.stdout)
        assert lines[int(props["line"]) - 1] == f"year = {year}"


def test_github_file_is_relative_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path / "data", ["off_track"])
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(
        app, ["--project", "data", "check", "--as-of", AS_OF, "--format", "github"]
    )
    assert result.exit_code == 1
    [(_, props, _)] = annotations(result.stdout)
    assert props["file"] == "data/observations/off_track.toml"
    assert (tmp_path / props["file"]).is_file()


def test_github_escapes_messages_and_properties() -> None:
    assert escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"
    assert escape_property("100% a:b,c\r\nd") == "100%25 a%3Ab%2Cc%0D%0Ad"
    command = workflow_command(
        "error", "50%\nmore", {"file": "a,b:c.toml", "line": 3, "title": "kpi: x", "col": None}
    )
    assert command == "::error file=a%2Cb%3Ac.toml,line=3,title=kpi%3A x::50%25%0Amore"


def test_github_output_is_only_workflow_commands_and_summary_goes_to_stderr(
    tmp_path: Path,
) -> None:
    result = invoke(write_project(tmp_path, ALL), "--format", "github")
    assert result.exit_code == 1
    found = annotations(result.stdout)  # asserts every line is a workflow command
    assert [name for name, _, _ in found].count("error") == 2
    assert "%25" in result.stdout  # the unit "%" is escaped
    assert "%0A" in result.stdout  # notes go on their own lines
    assert result.stderr.startswith("FAILED: 2 failed, 0 warned, 2 skipped")


def test_github_step_summary_gets_a_markdown_table(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    root = write_project(tmp_path / "p", ALL, name="City | <b>")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = invoke(root, "--format", "github", env=env)
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### kpi check failed: City \\| \\<b\\>, as of 2026")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows[0].startswith("|  | Target | Indicator | Status |")
    assert set(rows[1].replace(" ", "")) <= set("|-")
    assert len(rows) == 2 + len(ALL)
    assert all(row.count(" | ") == rows[0].count(" | ") for row in rows[2:])
    assert any("`off_track_goal`" in row and "❌" in row for row in rows)
    invoke(root, "--format", "github", env=env)
    assert summary.read_text(encoding="utf-8").count("### kpi check") == 2


@pytest.mark.parametrize("output_format", ["text", "json", "junit"])
def test_step_summary_is_written_only_by_the_github_format(
    tmp_path: Path, output_format: str
) -> None:
    summary = tmp_path / "summary.md"
    root = write_project(tmp_path / "p", ["on_track"])
    invoke(root, "--format", output_format, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()


def test_unwritable_step_summary_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")}
    result = invoke(write_project(tmp_path / "p", ["on_track"]), "--format", "github", env=env)
    assert result.exit_code == 0
    assert "warning: cannot write GITHUB_STEP_SUMMARY" in result.stderr


# -- text and stream separation ------------------------------------------------------------


def test_text_has_one_line_per_target_then_the_summary(tmp_path: Path) -> None:
    result = invoke(write_project(tmp_path, ALL), "--fail-on", "at_risk")
    assert result.exit_code == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(ALL) + 2 and lines[-2] == ""
    marks = {line.split()[1]: line.split()[0] for line in lines[: len(ALL)]}
    assert marks == {
        "achieved_goal": "ok",
        "on_track_goal": "ok",  # on track is never a warning
        "at_risk_goal": "FAIL",
        "off_track_goal": "FAIL",
        "moving_away_goal": "FAIL",
        "insufficient_data_goal": "SKIP",
        "no_data_goal": "SKIP",
    }
    assert "progress ratio 0.75 (passes from 0.95)" in lines[2]
    assert lines[-1] == (
        "FAILED: 3 failed, 0 warned, 2 skipped (no usable data), 2 ok of 7 targets "
        "as of 2026 (--fail-on at_risk)"
    )


def test_json_is_alone_on_stdout(tmp_path: Path) -> None:
    result = invoke(write_project(tmp_path, ALL), "--format", "json")
    assert result.stderr == ""
    json.loads(result.stdout)


def test_junit_is_alone_on_stdout_and_the_summary_on_stderr(tmp_path: Path) -> None:
    result = invoke(write_project(tmp_path, ALL), "--format", "junit")
    ET.fromstring(result.stdout.encode())
    assert result.stderr.startswith("FAILED:")


# -- the shipped project, start to end -----------------------------------------------------


def run_kpi(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> Any:
    clean_env = {
        k: v for k, v in os.environ.items() if k not in ("KPI_PROJECT", "GITHUB_STEP_SUMMARY")
    }
    return subprocess.run(
        [sys.executable, "-c", "from kpi.cli import main; main()", *args],
        cwd=cwd,
        env={**clean_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shipped") / "x"
    result = run_kpi("init", str(root), cwd=root.parent)
    assert result.returncode == 0, result.stderr
    return root


def test_shipped_data_passes_the_default_gate_and_fails_at_risk(shipped: Path) -> None:
    assert run_kpi("check", "--as-of", AS_OF, cwd=shipped).returncode == 0
    failing = run_kpi("check", "--as-of", AS_OF, "--fail-on", "at_risk", cwd=shipped)
    assert failing.returncode == 1
    assert "FAIL  grdp_growth_2021_2030" in failing.stdout
    assert "Traceback" not in failing.stderr


def test_shipped_github_annotations_point_at_real_lines(shipped: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    args = ["check", "--as-of", AS_OF, "--format", "github", "--fail-on", "at_risk"]
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = run_kpi(*args, "--fail-on-missing", cwd=shipped, env=env)
    assert result.returncode == 1
    status = json.loads(run_kpi("status", "--as-of", AS_OF, "--format", "json", cwd=shipped).stdout)
    latest = {t["id"]: t["latest"] for t in status["targets"]}
    found = annotations(result.stdout)
    on_course = {t["id"] for t in status["targets"] if t["status"] in ("on_track", "achieved")}
    # The shipped target on track rests on its 2023 value, stale as of 2026: on course, it is ok
    # in every format (its stale note stays in the step summary), so it gets no annotation.
    assert on_course == {"high_tech_above_70"}
    assert {props["title"].split()[1] for _, props, _ in found} == set(latest) - on_course
    for _, props, _ in found:
        target = props["title"].split()[1]
        text = (shipped / props["file"]).read_text(encoding="utf-8").splitlines()
        line = text[int(props["line"]) - 1]
        if latest[target] is None:
            assert (props["file"], line) == ("targets.toml", f'id = "{target}"')
        else:
            assert props["file"].startswith("observations/")
            assert line == f"year = {latest[target]['year']}"
    assert summary.read_text(encoding="utf-8").count("\n| ") == len(latest) + 2


def test_shipped_junit_parses_in_a_subprocess(shipped: Path) -> None:
    result = run_kpi("check", "--as-of", AS_OF, "--format", "junit", cwd=shipped)
    assert result.returncode == 0
    root = ET.fromstring(result.stdout.encode())
    assert root.get("tests") == "7" and root.get("failures") == "0"
    assert root.get("skipped") == "4"


def test_invalid_shipped_data_exits_2_in_a_subprocess(shipped: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    run_kpi("init", str(broken), cwd=tmp_path)
    path = broken / "observations" / "high_tech_share.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[observations]]\nyear = 2024\n")
    result = run_kpi("check", "--as-of", AS_OF, "--format", "junit", cwd=broken)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "observations/high_tech_share.toml" in result.stderr
    problems = result.stderr.count("error: ")
    assert problems >= 1
    assert ET.fromstring(result.stdout.encode()).get("errors") == str(problems)


def test_locate_targets_names_files_relative_to_the_project_outside_the_folder(
    shipped: Path, tmp_path: Path
) -> None:
    project = load_project(shipped)
    report = assess_project(project, int(AS_OF))
    places = locate_targets(report, project.root, tmp_path)
    assert places["high_tech_above_70"].file == "observations/high_tech_share.toml"
    assert places["tech_renewal_20_22"].file == "targets.toml"


def test_a_project_without_targets_has_nothing_to_judge(tmp_path: Path) -> None:
    root = tmp_path / "blank"
    create_project(root, blank=True)
    for output_format in ("text", "json", "github", "junit"):
        result = invoke(root, "--format", output_format)
        assert result.exit_code == 2, output_format
        assert "defines no target" in result.stderr
