"""Indicators with a desired direction and no target value (issue 13, item 7): the direction
method of Statistics Canada and Open SDG (``methodology_1``), ``g = d × CAGR`` over the trend
window against 1.5, 0.5 and 0 % a year; then the same through the command line: the status
table in both languages, JSON, CSV, Markdown, ``show``, ``check`` (failing only where the gate's
settings ask) and ``validate`` (refusing ``desired`` on a rate indicator).

The worked examples are those of docs/methodology.md ("Indicators with a desired direction").
CLI tests check stdout, stderr and the exit code separately and pass ``--as-of``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from kpi.cli import app
from kpi.field_errors import describe
from kpi.gate import Judgement, Level, Reason, judge_direction, resolve_settings
from kpi.i18n import _, speaking
from kpi.model import (
    AssessmentSettings,
    GateSettings,
    LevelIndicator,
    Observation,
    RateIndicator,
    TargetsFile,
)
from kpi.progress import (
    MonitoredSummary,
    Status,
    desired_sign,
    status_from_direction,
    summarise_monitored,
)
from kpi.render import human

DEFAULTS = AssessmentSettings()
AS_OF = 2025
RUNNER = CliRunner()


def obs(year: int, value: float, status: str = "A", series_break: bool = False) -> Observation:
    return Observation(
        year=year, value=value, status=status, series_break=series_break, source="test"
    )


def indicator(desired: str | None) -> LevelIndicator:
    return LevelIndicator(name="Forest cover", kind="level", unit="%", desired=desired)


def summary(
    desired: str | None,
    observations: Sequence[Observation],
    as_of: int = AS_OF,
    settings: AssessmentSettings = DEFAULTS,
) -> MonitoredSummary:
    return summarise_monitored("forest", indicator(desired), observations, as_of, settings)


def codes(m: MonitoredSummary) -> list[str]:
    return [note.code for note in m.notes]


# -- the method: worked examples -------------------------------------------------------------

# 40 in 2020, 42 in 2025: CAGR = (42/40)^(1/5) - 1 = 0.98058 % a year.
RISING = [obs(2020, 40.0), obs(2025, 42.0)]
RISING_CAGR = 100 * ((42 / 40) ** (1 / 5) - 1)


def test_worked_example_increase_growing_slowly_is_at_risk() -> None:
    m = summary("increase", RISING)

    assert m.observed_growth_pct == pytest.approx(0.98058, abs=5e-6)
    assert m.observed_growth_pct == pytest.approx(RISING_CAGR)
    assert m.direction_growth_pct == pytest.approx(0.98058, abs=5e-6)
    assert m.trend_from == 2020
    assert m.status is Status.AT_RISK
    assert m.desired == "increase"


def test_worked_example_the_same_series_to_decrease_is_moving_away() -> None:
    m = summary("decrease", RISING)

    assert m.observed_growth_pct == pytest.approx(0.98058, abs=5e-6)  # the trend keeps its sign
    assert m.direction_growth_pct == pytest.approx(-0.98058, abs=5e-6)  # g = -1 × CAGR
    assert m.status is Status.MOVING_AWAY


def test_worked_example_a_value_that_should_fall_and_falls_fast_is_on_track() -> None:
    # 40 -> 36 over 2020-2025: CAGR = 0.9^(1/5) - 1 = -2.0852 %, so g = +2.0852 % >= 1.5.
    m = summary("decrease", [obs(2020, 40.0), obs(2025, 36.0)])

    assert m.observed_growth_pct == pytest.approx(-2.08516, abs=5e-6)
    assert m.direction_growth_pct == pytest.approx(2.08516, abs=5e-6)
    assert m.status is Status.ON_TRACK


def test_worked_example_barely_moving_the_right_way_is_off_track() -> None:
    # 40 -> 40.5 over 2020-2025: g = (40.5/40)^(1/5) - 1 = 0.24876 %, in [0, 0.5).
    m = summary("increase", [obs(2020, 40.0), obs(2025, 40.5)])

    assert m.direction_growth_pct == pytest.approx(0.24876, abs=5e-6)
    assert m.status is Status.OFF_TRACK


def test_worked_example_exactly_1_5_percent_is_on_track_within_the_tolerance() -> None:
    # 100 in 2023 and 103.0225 = 100 × 1.015² in 2025: exactly 1.5 % a year, which floating
    # point computes as 1.4999999999999902.
    m = summary("increase", [obs(2023, 100.0), obs(2025, 103.0225)])

    assert m.direction_growth_pct is not None
    assert m.direction_growth_pct < 1.5
    assert m.direction_growth_pct == pytest.approx(1.5, rel=1e-12)
    assert m.status is Status.ON_TRACK


def test_exactly_0_5_percent_is_at_risk_within_the_tolerance() -> None:
    m = summary("increase", [obs(2024, 100.0), obs(2025, 100.5)])

    assert m.direction_growth_pct is not None and m.direction_growth_pct < 0.5
    assert m.status is Status.AT_RISK


# -- the method: the bands and the thresholds ---------------------------------------------------


@pytest.mark.parametrize(
    ("g", "expected"),
    [
        (25.0, Status.ON_TRACK),
        (1.5, Status.ON_TRACK),
        (1.5 * (1 - 1e-10), Status.ON_TRACK),  # within the relative 1e-9
        (1.5 * (1 - 1e-8), Status.AT_RISK),  # beyond it
        (1.0, Status.AT_RISK),
        (0.5, Status.AT_RISK),
        (0.4999, Status.OFF_TRACK),
        (0.0, Status.OFF_TRACK),
        (-1e-12, Status.MOVING_AWAY),
        (-3.0, Status.MOVING_AWAY),
        (math.inf, Status.ON_TRACK),
        (-math.inf, Status.MOVING_AWAY),
    ],
)
def test_each_band_of_the_direction_method(g: float, expected: Status) -> None:
    assert status_from_direction(g, DEFAULTS) is expected


def test_the_thresholds_are_configurable() -> None:
    settings = AssessmentSettings(
        direction_on_track=3.0, direction_at_risk=2.0, direction_off_track=-1.0
    )
    falling = [obs(2020, 40.0), obs(2025, 36.0)]  # g = 2.0852 for "decrease"

    assert summary("decrease", falling, settings=settings).status is Status.AT_RISK
    assert status_from_direction(1.0, settings) is Status.OFF_TRACK
    assert status_from_direction(-0.5, settings) is Status.OFF_TRACK  # from -1 on
    assert status_from_direction(-1.5, settings) is Status.MOVING_AWAY


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"direction_on_track": 0.4}, "direction_at_risk must not be greater than"),
        ({"direction_off_track": 0.6}, "direction_off_track must not be greater than"),
    ],
)
def test_thresholds_out_of_order_are_refused(values: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AssessmentSettings.model_validate(values)


def test_desired_sign() -> None:
    assert (desired_sign("increase"), desired_sign("decrease")) == (1, -1)


# -- the method: the data it rests on ------------------------------------------------------------


def test_the_trend_window_starts_at_a_series_break() -> None:
    # A break in 2023 (a new territory): the trend is 30 -> 30.6 over 2023-2025, 0.995 % a year,
    # not 40 -> 30.6 across the break (which would be moving away).
    observations = [
        obs(2020, 40.0), obs(2021, 41.0), obs(2022, 42.0),
        obs(2023, 30.0, series_break=True), obs(2025, 30.6),
    ]  # fmt: skip
    m = summary("increase", observations)

    assert m.trend_from == 2023
    assert m.direction_growth_pct == pytest.approx(100 * ((30.6 / 30) ** 0.5 - 1))
    assert m.status is Status.AT_RISK
    assert "series_break" in codes(m)


def test_a_series_break_on_a_forecast_still_splits_the_series() -> None:
    observations = [obs(2020, 40.0), obs(2023, 10.0, "F", True), obs(2024, 30.0), obs(2025, 31.0)]
    m = summary("increase", observations)

    assert m.trend_from == 2024  # the forecast is left out, its break is not
    assert m.status is Status.ON_TRACK  # 30 -> 31: +3.33 %


def test_a_latest_value_that_starts_a_new_series_is_insufficient_data() -> None:
    m = summary("increase", [obs(2020, 40.0), obs(2025, 30.0, series_break=True)])

    assert m.status is Status.INSUFFICIENT_DATA
    assert m.direction_growth_pct is None
    assert "series_break" in codes(m)


def test_without_a_trend_base_it_is_insufficient_data() -> None:
    m = summary("increase", [obs(2018, 30.0), obs(2025, 42.0)])  # 2018 is outside 2020-2024

    assert m.status is Status.INSUFFICIENT_DATA
    assert m.direction_growth_pct is None
    assert codes(m) == ["no_trend_base"]


def test_a_value_at_or_below_zero_has_no_growth_and_says_so() -> None:
    m = summary("decrease", [obs(2020, 0.0), obs(2025, 3.0)])

    assert m.status is Status.INSUFFICIENT_DATA
    assert m.direction_growth_pct is None
    [note] = m.notes
    assert note.code == "growth_undefined"
    assert note.params == {"base_year": 2020, "base": 0.0, "year": 2025, "value": 3.0}
    assert "2020" in note.message and "above zero" in note.message


def test_without_observations_it_is_no_data() -> None:
    m = summary("increase", [obs(2026, 40.0)])  # after the as-of year

    assert m.status is Status.NO_DATA
    assert codes(m) == ["no_data"]


def test_forecasts_are_left_out_of_the_latest_value() -> None:
    m = summary("increase", [*RISING, obs(2026, 10.0, "F")], as_of=2026)

    assert m.latest is not None and m.latest.year == 2025
    assert m.status is Status.AT_RISK


def test_without_a_desired_direction_there_is_no_status() -> None:
    m = summary(None, RISING)

    assert (m.desired, m.status, m.direction_growth_pct) == (None, None, None)
    assert m.observed_growth_pct == pytest.approx(RISING_CAGR)  # the monitored trend is kept


def test_a_rate_indicator_cannot_have_a_desired_direction() -> None:
    with pytest.raises(ValidationError) as raised:
        RateIndicator.model_validate(
            {"name": "GRDP growth", "kind": "rate", "unit": "%", "desired": "increase"}
        )
    assert raised.value.errors()[0]["type"] == "extra_forbidden"

    with pytest.raises(ValidationError) as raised:
        TargetsFile.model_validate(
            {
                "project": {"name": "x"},
                "indicators": {"g": {"name": "G", "kind": "rate", "unit": "%", "desired": "up"}},
            }
        )
    [error] = raised.value.errors()
    assert describe(error).startswith("only a level indicator can have a desired direction")
    assert "a rate has no compound growth" in describe(error)


# Open SDG's methodology_1 (sdg-build, sdg/ProgressMeasure.py), restated: growth as a fraction,
# sign × direction × CAGR, thresholds 0.015, 0.005 and 0 compared exactly.
def _open_sdg_status(base: float, latest: float, years: int, direction: int) -> Status:
    sign = -1 if base < 0 else 1
    value = sign * direction * ((latest / base) ** (1 / years) - 1)
    if value >= 0.015:
        return Status.ON_TRACK
    if value >= 0.005:
        return Status.AT_RISK
    if value >= 0:
        return Status.OFF_TRACK
    return Status.MOVING_AWAY


positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(base=positive, latest=positive, years=st.integers(1, 5), increase=st.booleans())
def test_the_status_equals_open_sdg_methodology_1_on_positive_values(
    base: float, latest: float, years: int, increase: bool
) -> None:
    desired = "increase" if increase else "decrease"
    g = 100 * ((latest / base) ** (1 / years) - 1) * (1 if increase else -1)
    # Documented difference: kpi reaches a threshold within a relative 1e-9.
    assume(all(not math.isclose(g, t, rel_tol=1e-6, abs_tol=1e-9) for t in (1.5, 0.5, 0.0)))
    m = summary(desired, [obs(2025 - years, base), obs(2025, latest)])

    assert m.status is _open_sdg_status(base, latest, years, 1 if increase else -1)


# -- the gate's judgement ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "options", "expected"),
    [
        (Status.MOVING_AWAY, {}, Judgement(Level.WARNING, (Reason.STATUS, Reason.DIRECTION_ONLY),
                                           (Reason.STATUS,))),
        (Status.MOVING_AWAY, {"fail_on_direction": True},
         Judgement(Level.ERROR, (Reason.STATUS,), (Reason.STATUS,))),
        (Status.AT_RISK, {}, Judgement(Level.OK)),
        (Status.AT_RISK, {"fail_on_direction": True}, Judgement(Level.OK)),
        (Status.ON_TRACK, {"fail_on_direction": True, "stale": True}, Judgement(Level.OK)),
        (Status.INSUFFICIENT_DATA, {}, Judgement(Level.NOTICE, (Reason.MISSING,))),
    ],
)  # fmt: skip
def test_judge_direction(status: Status, options: dict[str, bool], expected: Judgement) -> None:
    assert judge_direction(status, Status.OFF_TRACK, False, **options) == expected


def test_the_flag_overrides_fail_on_direction_in_the_gate_table() -> None:
    strict = GateSettings(fail_on_direction=True)

    assert resolve_settings(GateSettings()).fail_on_direction is False
    assert resolve_settings(strict).fail_on_direction is True
    assert resolve_settings(strict, fail_on_direction=False).fail_on_direction is False
    assert resolve_settings(GateSettings(), fail_on_direction=True).fail_on_direction is True


# -- through the command line ---------------------------------------------------------------------

TARGETS = """\
[project]
name = "Test city"

[indicators.forest]
name = "Forest cover"
name_vi = "Độ che phủ rừng"
kind = "level"
unit = "%"
desired = "increase"

[indicators.poverty]
name = "Poverty rate"
kind = "level"
unit = "%"
desired = "decrease"

[indicators.share]
name = "Share"
kind = "level"
unit = "%"

[[indicators.share.targets]]
id = "share_45"
comparator = ">="
value = 45
year = 2030
method = "linear"
"""
# Each indicator 40 in 2020 and 42 in 2025: forest at risk, poverty moving away, and the target
# share_45 at risk (slopes 0.4 against 0.5 a year: R = 0.8), which the default gate passes.
SERIES = {"forest": RISING, "poverty": RISING, "share": RISING}


def write_project(
    root: Path,
    targets: str = TARGETS,
    series: Mapping[str, Sequence[Observation]] | None = None,
    gate: str = "",
) -> Path:
    """A project of ``targets`` (its ``[gate]`` table ``gate``, if any) and ``series``."""
    root.mkdir(parents=True, exist_ok=True)
    if gate:
        targets = _before_indicators(targets, f"[gate]\n{gate}\n")
    (root / "targets.toml").write_text(targets, encoding="utf-8")
    folder = root / "observations"
    folder.mkdir(exist_ok=True)
    for name, observations in (SERIES if series is None else series).items():
        body = "".join(
            f'[[observations]]\nyear = {o.year}\nvalue = {o.value}\nsource = "test"\n\n'
            for o in observations
        )
        (folder / f"{name}.toml").write_text(body, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "GITHUB_STEP_SUMMARY", "FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "city")


def kpi(root: Path, *args: object) -> Result:
    command = ["--project", str(root), *(str(a) for a in args)]
    return RUNNER.invoke(app, command, env={"COLUMNS": "200"})


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def row_of(table: str, text: str) -> str:
    [line] = [line for line in table.splitlines() if text in line]
    return line


def test_status_table_shows_the_direction_and_its_status(project: Path) -> None:
    out = ok(kpi(project, "status", "--as-of", AS_OF))

    monitored = out[out.index("Monitored (no target)") :]
    assert "Desired" in monitored and "Status" in monitored
    assert re.search(r"Forest.*increase[\s│]+at risk", row_of(monitored, "Forest"))
    assert re.search(r"Poverty.*decrease[\s│]+moving away", row_of(monitored, "Poverty"))
    # The summary line counts targets only.
    assert "1 targets:" in out


def test_status_table_shows_the_direction_and_its_status_in_vietnamese(project: Path) -> None:
    out = ok(kpi(project, "--lang", "vi", "status", "--as-of", AS_OF))

    with speaking("vi"):
        at_risk = human.status_label(Status.AT_RISK)
        moving_away = human.status_label(Status.MOVING_AWAY)
        increase, heading = _("increase"), _("Desired")
    assert (increase, heading) != ("increase", "Desired")  # translated
    forest = row_of(out, "Độ che")  # the name in Vietnamese, wrapped
    assert increase in forest and at_risk in forest
    assert moving_away in row_of(out, "Poverty")
    assert heading in out
    for english in ("Desired", "increase", "decrease", "at risk", "moving away"):
        assert english not in out


def test_status_json_gives_the_direction_status_and_g(project: Path) -> None:
    document = json.loads(ok(kpi(project, "status", "--as-of", AS_OF, "--format", "json")))

    forest, poverty = document["monitored"]
    assert forest["desired"] == "increase"
    assert forest["status"] == "at_risk"
    assert forest["direction_growth_pct"] == pytest.approx(0.98058, abs=5e-6)
    assert forest["observed_growth_pct"] == pytest.approx(0.98058, abs=5e-6)
    assert poverty["desired"] == "decrease"
    assert poverty["status"] == "moving_away"
    assert poverty["direction_growth_pct"] == pytest.approx(-0.98058, abs=5e-6)
    assert poverty["trend_from"] == 2020


def test_status_csv_lists_the_direction_in_columns_of_its_own(project: Path) -> None:
    rows = list(
        csv.DictReader(io.StringIO(ok(kpi(project, "status", "--as-of", AS_OF, "-f", "csv"))))
    )

    by_indicator = {row["indicator"]: row for row in rows}
    forest = by_indicator["forest"]
    assert forest["status"] == "monitored"  # as for every monitored indicator
    assert (forest["desired"], forest["direction_status"]) == ("increase", "at_risk")
    assert float(forest["direction_growth_pct"]) == pytest.approx(0.98058, abs=5e-6)
    share = by_indicator["share"]
    assert (share["desired"], share["direction_status"], share["direction_growth_pct"]) == (
        "",
        "",
        "",
    )


def test_status_markdown_and_the_report_show_the_direction(project: Path) -> None:
    markdown = ok(kpi(project, "status", "--as-of", AS_OF, "-f", "markdown"))
    report = ok(kpi(project, "report", "--as-of", AS_OF, "-f", "markdown"))

    for text in (markdown, report):
        assert "| Desired | Status |" in text
        assert re.search(r"\| increase \| at risk \|", text)
        assert re.search(r"\| decrease \| moving away \|", text)


def test_the_html_report_shows_the_direction_status_as_a_badge(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    result = kpi(project, "report", "--as-of", AS_OF, "-f", "html", "--output", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""

    html = path.read_text(encoding="utf-8")
    monitored = html[html.index('<table class="monitored">') :]
    monitored = monitored[: monitored.index("</table>")]
    assert "<th>Desired</th><th>Status</th>" in monitored
    assert (
        '<td>decrease</td><td><span class="status status-moving_away">moving away</span></td>'
        in monitored
    )


def test_status_workbook_colours_the_direction_status(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "status.xlsx"
    result = kpi(project, "status", "--as-of", AS_OF, "-f", "xlsx", "--output", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""

    sheet = openpyxl.load_workbook(path)["Status"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    headings = [cell.value for cell in sheet[1]]
    status, goal = headings.index("Status"), headings.index("Goal")
    assert rows["forest"][status].value == "at risk"
    assert rows["forest"][status].fill.fgColor.rgb.endswith("FFEB9C")  # at risk's fill
    assert rows["forest"][goal].value == "increase (desired direction, no target value)"
    assert rows["poverty"][status].value == "moving away"


def test_show_says_what_the_direction_gives(project: Path) -> None:
    out = ok(kpi(project, "show", "poverty", "--as-of", AS_OF))

    assert "desired direction decrease: -0.98 %/yr in that direction since 2020, moving away" in out


def check(root: Path, *args: str) -> Result:
    return kpi(root, "check", "--as-of", AS_OF, *args)


def test_check_lists_direction_only_indicators_but_does_not_fail_on_them(project: Path) -> None:
    result = check(project)

    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    poverty = row_of(result.stdout, "poverty")
    assert poverty.startswith("WARN  poverty")
    assert "moving away" in poverty
    assert "only a warning: without a target, it fails only with --fail-on-direction" in poverty
    assert row_of(result.stdout, "forest").startswith("ok    forest")
    assert result.stdout.rstrip().endswith(
        "(--fail-on off_track); 2 indicators with a desired direction only: 0 failed, "
        "1 warned, 0 skipped, 1 ok"
    )


@pytest.mark.parametrize(
    ("gate", "flags", "code"),
    [
        ("", [], 0),
        ("fail_on_direction = true", [], 1),
        ("", ["--fail-on-direction"], 1),
        ("fail_on_direction = true", ["--no-fail-on-direction"], 0),
    ],
)
def test_check_fails_on_them_only_where_the_settings_ask(
    tmp_path: Path, gate: str, flags: list[str], code: int
) -> None:
    root = write_project(tmp_path / "city", gate=gate)
    result = check(root, *flags, "--format", "json")

    assert result.exit_code == code, result.stdout
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["passed"] is (code == 0)
    assert document["fail_on_direction"] is (code == 1)
    assert [r["passed"] for r in document["results"]] == [True]  # the target passes either way
    directions = {d["indicator"]: d for d in document["directions"]}
    assert directions["poverty"]["level"] == ("error" if code else "warning")
    assert directions["poverty"]["passed"] is (code == 0)
    assert directions["poverty"]["reasons"] == (
        ["status"] if code else ["status", "direction_only"]
    )
    assert directions["forest"]["level"] == "ok"
    assert directions["forest"]["direction_growth_pct"] == pytest.approx(0.98058, abs=5e-6)
    assert document["direction_summary"]["total"] == 2


def test_check_annotates_a_failing_direction_only_indicator(project: Path) -> None:
    github = check(project, "--fail-on-direction", "--format", "github")
    junit = check(project, "--fail-on-direction", "--format", "junit")

    assert github.exit_code == junit.exit_code == 1
    [line] = [line for line in github.stdout.splitlines() if "poverty" in line]
    assert line.startswith("::error file=observations/poverty.toml,line=")
    assert "title=kpi%3A poverty moving_away::moving away, at or worse than off track" in line
    assert "--fail-on-direction" in github.stderr
    cases = {case.get("name"): case for case in ET.fromstring(junit.stdout_bytes).iter("testcase")}
    assert cases["poverty"].get("classname") == "kpi.direction"
    assert cases["poverty"].find("failure") is not None
    assert cases["forest"].find("failure") is None


def test_check_judges_a_project_with_only_direction_only_indicators(tmp_path: Path) -> None:
    targets = TARGETS[: TARGETS.index("[indicators.share]")]
    root = write_project(tmp_path / "city", targets, {"forest": RISING, "poverty": RISING})

    assert check(root).exit_code == 0
    assert check(root, "--fail-on-direction").exit_code == 1


def test_the_shipped_style_of_check_is_unchanged_without_a_desired_direction(
    tmp_path: Path,
) -> None:
    targets = TARGETS.replace('desired = "increase"\n', "").replace('desired = "decrease"\n', "")
    root = write_project(tmp_path / "city", targets)
    out = check(root).stdout

    assert "direction" not in out
    assert "forest" not in out


def _before_indicators(targets: str, table: str) -> str:
    """``targets`` with the TOML ``table`` written before its first indicator."""
    first = targets.index("[indicators.")
    return f"{targets[:first]}{table}\n{targets[first:]}"


def _last_line_of(text: str, line: str) -> int:
    """The 1-based number of the last line of ``text`` that is ``line``."""
    return max(n for n, written in enumerate(text.splitlines(), start=1) if written == line)


def test_validate_refuses_desired_on_a_rate_indicator(tmp_path: Path) -> None:
    targets = TARGETS + '\n[indicators.growth]\nname = "Growth"\nkind = "rate"\nunit = "%"\n'
    targets += 'desired = "increase"\n'
    root = write_project(tmp_path / "city", targets)
    before = {p: p.read_bytes() for p in root.rglob("*.toml")}
    line = _last_line_of(targets, 'desired = "increase"')  # growth's, not forest's

    for args in (["validate"], ["status", "--as-of", AS_OF], ["check", "--as-of", AS_OF]):
        result = kpi(root, *args)

        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert (
            f"error: targets.toml:{line}: indicators.growth.desired: only a level indicator can "
            "have a desired direction: a rate has no compound growth" in result.stderr
        )
        assert "unknown key" not in result.stderr
    assert {p: p.read_bytes() for p in root.rglob("*.toml")} == before


def test_validate_refuses_a_desired_direction_against_a_target(tmp_path: Path) -> None:
    share = '[indicators.share]\nname = "Share"\nkind = "level"\nunit = "%"\n'
    targets = TARGETS.replace(share, share + 'desired = "decrease"\n')
    root = write_project(tmp_path / "city", targets)

    result = kpi(root, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    line = _last_line_of(targets, 'desired = "decrease"')  # share's, not poverty's
    assert (
        f"error: targets.toml:{line}: indicators.share.desired: is 'decrease', but target "
        "'share_45' asks for >= 45: the two must agree" in result.stderr
    )


def test_validate_refuses_thresholds_out_of_order(tmp_path: Path) -> None:
    targets = _before_indicators(TARGETS, "[assessment]\ndirection_at_risk = 2\n")
    root = write_project(tmp_path / "city", targets)

    result = kpi(root, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        f"error: targets.toml:{_last_line_of(targets, '[assessment]')}: assessment: "
        "direction_at_risk must not be greater than direction_on_track" in result.stderr
    )
