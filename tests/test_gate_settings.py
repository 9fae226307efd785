"""The gate's settings in the repository (issue 12): the ``[gate]`` table of ``targets.toml``, each
target's ``gate = "off" | "warn" | "error"``, each indicator's ``update_every`` (from which
staleness follows), and the flags of ``kpi check`` that override the table.

Small projects are written in ``tmp_path``: level indicators "at least 30 by 2030, linear" from
10 in 2020, so a 2024 value of ``10 + 8 r`` gives the progress ratio ``r`` (as in
tests/test_check.py). Every run passes ``--as-of 2026``; stdout, stderr and the exit code are
checked separately.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from kpi.cli import app
from kpi.gate import Judgement, Level, Reason, judge, resolve_settings
from kpi.model import GateSettings, Observation
from kpi.progress import STALE_AFTER_YEARS, Status, assess_project, is_stale, stale_after
from kpi.render import human
from kpi.store import load_project

AS_OF = 2026
FORMATS = ["text", "json", "github", "junit"]
# (year, value) series: each status for ">= 30 by 2030, linear" from 10 in 2020, as of 2026.
ON_TRACK = [(2020, 10.0), (2024, 18.0)]  # r = 1.0
AT_RISK = [(2020, 10.0), (2024, 16.0)]  # r = 0.75
OFF_TRACK = [(2020, 10.0), (2024, 12.0)]  # r = 0.25
# On track by its ratio, but its latest value (2022) is 4 years old as of 2026.
OLD_ON_TRACK = [(2018, 6.0), (2022, 14.0)]
# At risk (r = 1.25 / 2 = 0.625), its latest value (2022) as old.
OLD_AT_RISK = [(2018, 6.0), (2022, 11.0)]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


def write_project(
    root: Path,
    series: Mapping[str, Sequence[tuple[int, float]]],
    *,
    gate: str = "",
    target_gates: Mapping[str, str] | None = None,
    update_every: Mapping[str, int] | None = None,
) -> Path:
    """A project with one level indicator per entry of ``series`` (named after its key, target
    ``<key>_goal``), the ``[gate]`` table ``gate`` (TOML lines), each target's ``gate`` and each
    indicator's ``update_every`` where given."""
    lines = ["[project]", 'name = "Test city"', ""]
    if gate:
        lines += ["[gate]", gate, ""]
    for name in series:
        lines += [f"[indicators.{name}]", f'name = "Indicator {name}"', 'kind = "level"']
        lines += ['unit = "%"', "bounds = [0, 100]"]
        if update_every and name in update_every:
            lines.append(f"update_every = {update_every[name]}")
        lines += ["", f"[[indicators.{name}.targets]]", f'id = "{name}_goal"']
        lines += ['comparator = ">="', "value = 30", "year = 2030", 'method = "linear"']
        if target_gates and name in target_gates:
            lines.append(f'gate = "{target_gates[name]}"')
        lines.append("")
    root.mkdir(parents=True, exist_ok=True)
    (root / "targets.toml").write_text("\n".join(lines), encoding="utf-8")
    folder = root / "observations"
    folder.mkdir(exist_ok=True)
    for name, points in series.items():
        if points:
            text = "".join(
                f'[[observations]]\nyear = {year}\nvalue = {value}\nsource = "test"\n\n'
                for year, value in points
            )
            (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def check(root: Path, *args: str) -> Result:
    """``kpi --project ROOT check --as-of 2026 ARGS`` in-process."""
    command = ["--project", str(root), "check", "--as-of", str(AS_OF), *args]
    return CliRunner().invoke(app, command, env={})


def results(result: Result) -> dict[str, dict[str, Any]]:
    """The ``results`` of ``--format json``, by target id."""
    return {entry["id"]: entry for entry in json.loads(result.stdout)["results"]}


def annotations(stdout: str) -> dict[str, tuple[str, str]]:
    """``::name ...title=kpi%3A <id> <status>::message`` lines as {target id: (name, message)}."""
    found = {}
    for line in stdout.splitlines():
        match = re.fullmatch(r"::(\w+) .*title=kpi%3A (\w+) \w+::(.*)", line)
        assert match, line
        found[match.group(2)] = (match.group(1), match.group(3).replace("%0A", "\n"))
    return found


def junit_cases(stdout: str) -> dict[str, ET.Element]:
    root = ET.fromstring(stdout.encode())
    return {case.get("name", ""): case for case in root.iter("testcase")}


# -- the pure core -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "options", "expected"),
    [
        (Status.OFF_TRACK, {}, Judgement(Level.ERROR, (Reason.STATUS,), (Reason.STATUS,))),
        (Status.AT_RISK, {}, Judgement(Level.OK)),
        (Status.AT_RISK, {"stale": True}, Judgement(Level.WARNING, (Reason.STALE,))),
        (Status.ON_TRACK, {"stale": True}, Judgement(Level.OK)),  # on course: ok in every format
        (Status.ACHIEVED, {"stale": True}, Judgement(Level.OK)),
        (
            Status.ON_TRACK,
            {"stale": True, "fail_on_stale": True},
            Judgement(Level.ERROR, (Reason.STALE,), (Reason.STALE,)),
        ),
        (
            Status.OFF_TRACK,
            {"gate": "warn"},
            Judgement(Level.WARNING, (Reason.STATUS, Reason.GATE_WARN), (Reason.STATUS,)),
        ),
        (Status.ON_TRACK, {"gate": "warn"}, Judgement(Level.OK)),
        (Status.MOVING_AWAY, {"gate": "off"}, Judgement(Level.OFF, (Reason.GATE_OFF,))),
        (
            Status.NO_DATA,
            {"gate": "off", "stale": True, "fail_on_stale": True},
            Judgement(Level.OFF, (Reason.GATE_OFF,)),
        ),
        (Status.NO_DATA, {}, Judgement(Level.NOTICE, (Reason.MISSING,))),
        (
            Status.INSUFFICIENT_DATA,
            {"stale": True},
            Judgement(Level.WARNING, (Reason.MISSING, Reason.STALE)),
        ),
        (
            Status.OFF_TRACK,
            {"stale": True},
            Judgement(Level.ERROR, (Reason.STATUS, Reason.STALE), (Reason.STATUS,)),
        ),
        (
            Status.INSUFFICIENT_DATA,
            {"stale": True, "fail_on_stale": True, "gate": "warn"},
            Judgement(
                Level.WARNING,
                (Reason.MISSING, Reason.STALE, Reason.GATE_WARN),
                (Reason.STALE,),
            ),
        ),
    ],
)
def test_judge_levels_reasons_and_what_fails(
    status: Status, options: dict[str, Any], expected: Judgement
) -> None:
    assert judge(status, Status.OFF_TRACK, False, **options) == expected


def test_judge_fails_missing_data_only_when_asked() -> None:
    assert judge(Status.NO_DATA, Status.AT_RISK, True).level is Level.ERROR
    softened = judge(Status.NO_DATA, Status.AT_RISK, True, gate="warn")
    assert (softened.level, softened.failing) == (Level.WARNING, (Reason.MISSING,))


def test_flags_given_override_the_file_and_the_others_keep_it() -> None:
    file = GateSettings(fail_on="at_risk", fail_on_missing=True, fail_on_stale=True)
    assert resolve_settings(file) == file
    resolved = resolve_settings(file, fail_on="moving_away", fail_on_stale=False)
    assert resolved == GateSettings(fail_on="moving_away", fail_on_missing=True)
    assert resolve_settings(file, fail_on_worse=True).fail_on_worse is True
    assert resolve_settings(GateSettings()).fail_on == "off_track"  # the default without a table


def test_resolve_settings_refuses_a_value_the_table_would_refuse() -> None:
    with pytest.raises(ValueError):
        resolve_settings(GateSettings(), fail_on="on_track")


# -- staleness follows update_every --------------------------------------------------------------


@pytest.mark.parametrize(("update_every", "fresh_age"), [(1, 2), (2, 3), (3, 4), (5, 6), (10, 11)])
def test_stale_after_one_publication_interval_and_a_year_of_lag(
    update_every: int, fresh_age: int
) -> None:
    assert stale_after(update_every) == fresh_age
    assert not is_stale(AS_OF - fresh_age, AS_OF, update_every)
    assert is_stale(AS_OF - fresh_age - 1, AS_OF, update_every)


def test_a_yearly_indicator_keeps_the_two_year_rule() -> None:
    assert STALE_AFTER_YEARS == 2 == stale_after(1)


@pytest.mark.parametrize(
    ("update_every", "stale"), [(None, True), (1, True), (2, True), (3, False)]
)
def test_the_stale_note_and_mark_follow_update_every(
    tmp_path: Path, update_every: int | None, stale: bool
) -> None:
    # The latest value is from 2022, 4 years before 2026; a monitored indicator beside it.
    every = {} if update_every is None else {"old": update_every}
    root = write_project(tmp_path, {"old": OLD_ON_TRACK}, update_every=every)
    text = (root / "targets.toml").read_text(encoding="utf-8")
    monitored = '\n[indicators.census]\nname = "Census"\nkind = "level"\nunit = "people"\n'
    monitored += "" if update_every is None else f"update_every = {update_every}\n"
    (root / "targets.toml").write_text(text + monitored, encoding="utf-8")
    (root / "observations" / "census.toml").write_text(
        '[[observations]]\nyear = 2022\nvalue = 100\nsource = "census"\n', encoding="utf-8"
    )
    report = assess_project(load_project(root), AS_OF)
    [target] = report.targets
    [summary] = report.monitored
    assert ("stale" in [n.code for n in target.notes]) is stale
    assert ("stale" in [n.code for n in summary.notes]) is stale
    assert human.latest_of(target, AS_OF).endswith("! (2022)") is stale
    assert human.latest_of(summary, AS_OF).endswith("! (2022)") is stale


def test_the_legend_explains_the_stale_mark_for_other_rhythms_only() -> None:
    assert human.legend() == human.legend([1, 1])
    assert "older than two years)." in human.legend([1])
    assert "update_every + 1" in human.legend([1, 5])


def test_marks_without_update_every_are_yearly() -> None:
    observation = Observation(year=2023, value=1.0, source="x")
    assert human.marks(observation, AS_OF) == "!"
    assert human.marks(observation, AS_OF, update_every=2) == ""


# -- [gate] in targets.toml, and the flags over it -----------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
def test_fail_on_from_the_file_sets_the_exit_code(tmp_path: Path, output_format: str) -> None:
    root = write_project(tmp_path, {"at_risk": AT_RISK}, gate='fail_on = "at_risk"')
    result = check(root, "--format", output_format)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    if output_format == "json":
        document = json.loads(result.stdout)
        assert (document["fail_on"], document["passed"]) == ("at_risk", False)
    elif output_format == "text":
        assert result.stdout.splitlines()[-1].endswith("(--fail-on at_risk)")
    else:
        assert "--fail-on at_risk" in result.stderr  # the summary line on stderr


def test_fail_on_flag_overrides_the_file(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"at_risk": AT_RISK}, gate='fail_on = "at_risk"')
    result = check(root, "--fail-on", "off_track", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["fail_on"] == "off_track"
    # and the other way: a stricter flag than the file
    loose = write_project(tmp_path / "loose", {"at_risk": AT_RISK}, gate='fail_on = "moving_away"')
    assert check(loose).exit_code == 0
    assert check(loose, "--fail-on", "at_risk").exit_code == 1


def test_without_a_gate_table_the_default_is_off_track(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"at_risk": AT_RISK, "off_track": OFF_TRACK})
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["fail_on"] == "off_track"
    assert {k: v["level"] for k, v in results(result).items()} == {
        "at_risk_goal": "ok",
        "off_track_goal": "error",
    }


def test_fail_on_missing_from_the_file_and_its_flags(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, {"on_track": ON_TRACK, "empty": []}, gate="fail_on_missing = true"
    )
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["fail_on_missing"] is True
    assert results(result)["empty_goal"]["reasons"] == ["missing"]
    overridden = check(root, "--no-fail-on-missing", "--format", "json")
    assert overridden.exit_code == 0, overridden.stderr
    assert json.loads(overridden.stdout)["fail_on_missing"] is False
    assert results(overridden)["empty_goal"]["level"] == "notice"
    plain = write_project(tmp_path / "plain", {"empty": []})
    assert check(plain).exit_code == 0
    assert check(plain, "--fail-on-missing").exit_code == 1


@pytest.mark.parametrize(
    ("gate", "flags", "code"),
    [
        ("", [], 0),  # stale data warns
        ("fail_on_stale = true", [], 1),
        ("fail_on_stale = true", ["--no-fail-on-stale"], 0),
        ("", ["--fail-on-stale"], 1),
        ("fail_on_stale = false", ["--fail-on-stale"], 1),
    ],
)
def test_fail_on_stale_from_the_file_and_its_flags(
    tmp_path: Path, gate: str, flags: list[str], code: int
) -> None:
    root = write_project(tmp_path, {"old": OLD_AT_RISK, "fresh": ON_TRACK}, gate=gate)
    result = check(root, *flags, "--format", "json")
    assert result.exit_code == code, result.stderr
    document = json.loads(result.stdout)
    assert document["fail_on_stale"] is (code == 1)
    old, fresh = results(result)["old_goal"], results(result)["fresh_goal"]
    assert old["status"] == "at_risk"
    assert old["level"] == ("error" if code else "warning")
    assert old["reasons"] == ["stale"]
    assert old["passed"] is (code == 0)
    assert "stale" in [note["code"] for note in old["notes"]]
    assert (fresh["level"], fresh["reasons"]) == ("ok", [])


@pytest.mark.parametrize(("update_every", "code", "level"), [(1, 1, "error"), (3, 0, "ok")])
def test_fail_on_stale_follows_update_every(
    tmp_path: Path, update_every: int, code: int, level: str
) -> None:
    # 2022 as of 2026 is 4 years old: stale for a yearly indicator, not for one every 3 years.
    root = write_project(
        tmp_path,
        {"old": OLD_ON_TRACK},
        gate="fail_on_stale = true",
        update_every={"old": update_every},
    )
    result = check(root, "--format", "json")
    assert result.exit_code == code, result.stderr
    assert results(result)["old_goal"]["level"] == level


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_target_on_track_with_stale_data_is_ok_unless_stale_data_fails(
    tmp_path: Path, output_format: str
) -> None:
    root = write_project(tmp_path, {"old": OLD_ON_TRACK})
    command = ["--project", str(root), "check", "--as-of", "2026", "--format", output_format]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.stderr
    if output_format == "json":
        entry = results(result)["old_goal"]
        assert (entry["status"], entry["level"], entry["reasons"]) == ("on_track", "ok", [])
    elif output_format == "github":
        assert "old_goal" not in annotations(result.stdout)
    elif output_format == "junit":
        case = junit_cases(result.stdout)["old_goal"]
        assert case.find("failure") is None and case.find("skipped") is None
    else:
        [line] = [line for line in result.stdout.splitlines() if "old_goal" in line]
        assert line.startswith("ok    old_goal  on track")
    failing = CliRunner().invoke(app, [*command, "--fail-on-stale"])
    assert failing.exit_code == 1


def test_stale_data_warns_in_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, {"old": OLD_AT_RISK})
    monkeypatch.chdir(root)
    text = check(root)
    assert text.exit_code == 0
    [line] = [line for line in text.stdout.splitlines() if "old_goal" in line]
    assert line.startswith("WARN  old_goal  at risk  stale data; latest 11 ! (2022)")
    github = check(root, "--format", "github")
    assert annotations(github.stdout)["old_goal"][0] == "warning"
    assert annotations(github.stdout)["old_goal"][1].startswith("at risk, stale data: ")
    junit = check(root, "--format", "junit")
    case = junit_cases(junit.stdout)["old_goal"]
    assert case.find("failure") is None and case.find("skipped") is None
    assert (case.findtext("system-out") or "").startswith("warning: at risk, stale data: ")
    failing = check(root, "--format", "junit", "--fail-on-stale")
    failure = junit_cases(failing.stdout)["old_goal"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith(
        "at risk, stale data, failing with --fail-on-stale"
    )


# -- a target's own gate -------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
def test_gate_warn_turns_a_would_be_failure_into_a_warning(
    tmp_path: Path, output_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(
        tmp_path, {"off_track": OFF_TRACK, "on_track": ON_TRACK}, target_gates={"off_track": "warn"}
    )
    monkeypatch.chdir(root)
    result = check(root, "--format", output_format)
    assert result.exit_code == 0, result.stdout + result.stderr
    why = 'only a warning: its gate is "warn"'
    if output_format == "json":
        entry = results(result)["off_track_goal"]
        assert (entry["level"], entry["passed"], entry["gate"]) == ("warning", True, "warn")
        assert entry["reasons"] == ["status", "gate_warn"]
        assert entry["message"].startswith(f"off track, at or worse than off track, {why}: ")
        assert results(result)["on_track_goal"]["gate"] == "error"  # the default
        assert json.loads(result.stdout)["summary"]["warned"] == 1
    elif output_format == "github":
        name, message = annotations(result.stdout)["off_track_goal"]
        assert name == "warning" and why in message
        assert "on_track_goal" not in annotations(result.stdout)
    elif output_format == "junit":
        case = junit_cases(result.stdout)["off_track_goal"]
        assert case.find("failure") is None
        assert why in (case.findtext("system-out") or "")
    else:
        [line] = [line for line in result.stdout.splitlines() if "off_track_goal" in line]
        assert line.startswith(f"WARN  off_track_goal  off track  {why}; latest 12 (2024)")
        assert result.stdout.splitlines()[-1].startswith("passed: 0 failed, 1 warned")


def test_gate_warn_does_not_hide_another_targets_failure(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, {"soft": OFF_TRACK, "hard": OFF_TRACK}, target_gates={"soft": "warn"}
    )
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    levels = {k: v["level"] for k, v in results(result).items()}
    assert levels == {"soft_goal": "warning", "hard_goal": "error"}


def test_gate_error_is_the_default_and_can_be_written(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"off_track": OFF_TRACK}, target_gates={"off_track": "error"})
    assert check(root).exit_code == 1


@pytest.mark.parametrize("output_format", FORMATS)
def test_gate_off_is_never_an_error_nor_a_warning(
    tmp_path: Path, output_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(
        tmp_path,
        {"away": [(2020, 10.0), (2024, 8.0)], "empty": [], "old": OLD_ON_TRACK, "fine": ON_TRACK},
        target_gates={"away": "off", "empty": "off", "old": "off"},
    )
    monkeypatch.chdir(root)
    strict = ["--fail-on", "at_risk", "--fail-on-missing", "--fail-on-stale"]
    result = check(root, *strict, "--format", output_format)
    assert result.exit_code == 0, result.stdout + result.stderr
    off = {"away_goal", "empty_goal", "old_goal"}
    if output_format == "json":
        document = json.loads(result.stdout)
        for target in off:
            entry = results(result)[target]
            assert (entry["level"], entry["passed"], entry["gate"]) == ("off", True, "off")
            assert entry["reasons"] == ["gate_off"]
            assert 'not judged: its gate is "off"' in entry["message"]
        assert results(result)["away_goal"]["status"] == "moving_away"  # still reported
        summary = document["summary"]
        assert (summary["off"], summary["failed"], summary["warned"], summary["ok"]) == (3, 0, 0, 1)
    elif output_format == "github":
        assert result.stdout == ""  # no annotation: not judged, and the other target is ok
    elif output_format == "junit":
        cases = junit_cases(result.stdout)
        for target in off:
            skipped = cases[target].find("skipped")
            assert skipped is not None and cases[target].find("failure") is None
            assert 'its gate is "off"' in skipped.get("message", "")
        assert ET.fromstring(result.stdout.encode()).get("skipped") == "3"
    else:
        marks = {line.split()[1]: line.split()[0] for line in result.stdout.splitlines()[:4]}
        assert marks == {
            "away_goal": "off",
            "empty_goal": "off",
            "old_goal": "off",
            "fine_goal": "ok",
        }
        assert result.stdout.splitlines()[-1] == (
            "passed: 0 failed, 0 warned, 0 skipped (no usable data), 1 ok, 3 not judged (gate off) "
            "of 4 targets as of 2026 (--fail-on at_risk --fail-on-missing --fail-on-stale)"
        )


def test_the_step_summary_says_why_a_target_warns_or_is_not_judged(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    root = write_project(
        tmp_path / "p",
        {"soft": OFF_TRACK, "off": OFF_TRACK, "old": OLD_AT_RISK},
        target_gates={"soft": "warn", "off": "off"},
    )
    command = ["--project", str(root), "check", "--as-of", "2026", "--format", "github"]
    result = CliRunner().invoke(app, command, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0, result.stderr
    rows = {
        line.split(" | ")[1]: line
        for line in summary.read_text("utf-8").splitlines()
        if line.startswith("| ") and "`" in line
    }
    assert rows["`soft_goal`"].startswith("| ⚠️ |")
    assert '**off track** (only a warning: its gate is "warn")' in rows["`soft_goal`"]
    assert rows["`off_goal`"].startswith("| 🔕 |")
    assert 'not judged: its gate is "off"' in rows["`off_goal`"]
    assert "**at risk** (stale data)" in rows["`old_goal`"]


# -- kpi validate checks the settings like any other key ----------------------------------------


BAD_SETTINGS = """\
[project]
name = "Test city"

[gate]
fail_on = "on_track"
fail_on_stale = "yes"
fail_on_everything = true

[indicators.share]
name = "Share"
kind = "level"
unit = "%"
update_every = 0

[[indicators.share.targets]]
id = "share_goal"
comparator = ">="
value = 30
year = 2030
gate = "warning"

[indicators.census]
name = "Census"
kind = "level"
unit = "people"
update_every = 2.5
"""


@pytest.mark.parametrize("command", ["validate", "check"])
def test_bad_gate_settings_are_reported_with_file_line_and_key(
    tmp_path: Path, command: str
) -> None:
    root = tmp_path / "city"
    root.mkdir()
    (root / "targets.toml").write_text(BAD_SETTINGS, encoding="utf-8")
    before = (root / "targets.toml").read_bytes()
    args = ["--project", str(root), command] + (["--as-of", "2026"] if command == "check" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: targets.toml:5: gate.fail_on: must be one of 'at_risk', 'off_track' or "
        "'moving_away'",
        "error: targets.toml:6: gate.fail_on_stale: must be true or false",
        "error: targets.toml:7: gate.fail_on_everything: unknown key",
        "error: targets.toml:13: indicators.share.update_every: must be at least 1",
        "error: targets.toml:20: indicators.share.targets[0].gate: must be one of 'off', 'warn' "
        "or 'error'",
        "error: targets.toml:26: indicators.census.update_every: must be a whole number",
    ]
    assert (root / "targets.toml").read_bytes() == before


def test_validate_github_puts_a_bad_setting_on_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "city"
    root.mkdir()
    (root / "targets.toml").write_text(BAD_SETTINGS, encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["validate", "--format", "github"])
    assert result.exit_code == 2
    lines = [line for line in result.stdout.splitlines() if "gate" in line]
    assert lines[0].startswith("::error file=targets.toml,line=5,")
    assert len(lines) == 4  # three in [gate], one target's gate


def test_a_valid_gate_table_and_update_every_pass_validate(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {"share": ON_TRACK},
        gate='fail_on = "at_risk"\nfail_on_missing = true\n'
        "fail_on_worse = true\nfail_on_stale = true",
        target_gates={"share": "warn"},
        update_every={"share": 5},
    )
    result = CliRunner().invoke(app, ["--project", str(root), "validate"])
    assert result.exit_code == 0, result.stderr
    definition = load_project(root).definition
    assert definition.gate == GateSettings(
        fail_on="at_risk", fail_on_missing=True, fail_on_worse=True, fail_on_stale=True
    )
    assert definition.indicators["share"].update_every == 5
    assert definition.indicators["share"].targets[0].gate == "warn"


# -- the JSON document: new keys only ------------------------------------------------------------

# The keys of `kpi check --format json` before the gate settings: none renamed or removed.
TODAYS_KEYS = {"project", "as_of", "fail_on", "fail_on_missing", "passed", "summary", "results"}
TODAYS_RESULT_KEYS = {
    "id", "indicator", "status", "passed", "level", "unit", "pace_unit", "expected", "actual",
    "message", "notes", "file", "line",
}  # fmt: skip
TODAYS_SUMMARY_KEYS = {
    "total", "achieved", "on_track", "at_risk", "off_track", "moving_away", "insufficient_data",
    "no_data", "failed", "warned", "skipped", "ok",
}  # fmt: skip


def test_the_json_document_only_gains_keys(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"share": ON_TRACK, "old": OLD_ON_TRACK})
    document = json.loads(check(root, "--format", "json").stdout)
    assert TODAYS_KEYS | {"fail_on_stale"} <= set(document)
    assert TODAYS_SUMMARY_KEYS | {"off"} <= set(document["summary"])
    for entry in document["results"]:
        assert TODAYS_RESULT_KEYS | {"gate", "reasons"} <= set(entry)
