"""The arithmetic of ``kpi.progress``: the worked examples of METHODOLOGY.md, then the special
cases, one behaviour per test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.model import (
    AssessmentSettings,
    Baseline,
    LevelIndicator,
    LevelTarget,
    Observation,
    Project,
    ProjectInfo,
    RateIndicator,
    RateTarget,
    TargetsFile,
)
from kpi.progress import (
    LevelDetails,
    PathPoint,
    RateDetails,
    Status,
    TargetAssessment,
    assess_level,
    assess_project,
    assess_rate,
    average_rate,
    direction,
    path_between,
    progress_ratio,
    required_rate,
    satisfies,
    status_from_ratio,
    summarise_monitored,
)

DEFAULTS = AssessmentSettings()
SHARE = LevelIndicator(name="Share", kind="level", unit="%", bounds=[0, 100])
UNBOUNDED = LevelIndicator(name="Index", kind="level", unit="pts")
GROWTH = RateIndicator(name="Growth", kind="rate", unit="%/yr")


def obs(year: int, value: float, status: str = "A", series_break: bool = False) -> Observation:
    return Observation(
        year=year, value=value, status=status, series_break=series_break, source="test"
    )


def series(values: dict[int, float]) -> list[Observation]:
    return [obs(year, value) for year, value in sorted(values.items())]


def level_target(
    comparator: str = ">=",
    value: float = 55,
    year: int = 2030,
    baseline: tuple[int, float] | None = None,
    method: str = "compound",
) -> LevelTarget:
    return LevelTarget(
        id="target",
        comparator=comparator,
        value=value,
        year=year,
        baseline=None if baseline is None else Baseline(year=baseline[0], value=baseline[1]),
        method=method,
    )


def rate_target(
    low: float = 20,
    high: float | None = 22,
    start: int = 2021,
    end: int = 2030,
    average: str = "compound",
) -> RateTarget:
    return RateTarget(id="rate", low=low, high=high, start=start, end=end, average=average)


def level(
    target: LevelTarget,
    observations: Sequence[Observation],
    as_of: int = 2025,
    settings: AssessmentSettings = DEFAULTS,
    indicator: LevelIndicator = SHARE,
) -> TargetAssessment:
    result = assess_level("share", indicator, target, observations, as_of, settings)
    for note in result.notes:  # every note must render: no missing template parameter
        assert isinstance(note.message, str) and note.message
    return result


def rate(
    target: RateTarget,
    observations: Sequence[Observation],
    as_of: int = 2025,
    settings: AssessmentSettings = DEFAULTS,
) -> TargetAssessment:
    result = assess_rate("growth", GROWTH, target, observations, as_of, settings)
    for note in result.notes:
        assert isinstance(note.message, str) and note.message
    return result


def codes(result: TargetAssessment) -> list[str]:
    return [note.code for note in result.notes]


def level_details(result: TargetAssessment) -> LevelDetails:
    assert isinstance(result.details, LevelDetails)
    return result.details


def rate_details(result: TargetAssessment) -> RateDetails:
    assert isinstance(result.details, RateDetails)
    return result.details


WORKED = series({2020: 45.0, 2025: 48.0})
WORKED_RATES = series({2021: 15, 2022: 17, 2023: 18, 2024: 19, 2025: 21})


# -- worked examples ----------------------------------------------------------------------


def test_worked_level_example_compound() -> None:
    result = level(level_target(">=", 55, 2030, baseline=(2020, 45)), WORKED)
    details = level_details(result)

    assert result.status is Status.AT_RISK
    assert result.latest is not None and result.latest.year == 2025
    assert result.observed_growth_pct == pytest.approx(1.29914, abs=5e-6)
    assert details.needed_growth_pct == pytest.approx(2.02698, abs=5e-6)
    assert result.progress_ratio == pytest.approx(0.64092, abs=5e-6)
    assert result.gap == pytest.approx(7.0)
    assert result.years_left == 5
    assert result.required_pace == pytest.approx(1.40)
    assert result.required_growth_pct == pytest.approx(2.76005, abs=5e-6)
    assert result.projected == pytest.approx(51.2)
    assert result.trend_from == 2020
    assert details.base is not None and details.base.year == 2020
    assert details.uses_slopes is False
    assert details.planned_now == pytest.approx(49.749, abs=5e-4)
    assert details.ahead_of_plan == pytest.approx(48.0 - 49.749371855, abs=1e-6)
    assert result.notes == ()


def test_worked_level_example_linear_planned_milestone() -> None:
    result = level(level_target(">=", 55, 2030, baseline=(2020, 45), method="linear"), WORKED)
    details = level_details(result)

    assert details.planned_now == pytest.approx(50.0)
    assert details.ahead_of_plan == pytest.approx(-2.0)
    assert details.uses_slopes is True
    # slopes: observed 0.6 a year, needed (55 - 45) / 10 = 1.0 a year
    assert details.observed_slope == pytest.approx(0.6)
    assert details.needed_slope == pytest.approx(1.0)
    assert result.progress_ratio == pytest.approx(0.6)
    assert result.status is Status.AT_RISK
    assert result.projected == pytest.approx(51.0)
    # the figures that do not depend on the method stay the same
    assert result.gap == pytest.approx(7.0)
    assert result.required_pace == pytest.approx(1.40)
    assert result.required_growth_pct == pytest.approx(2.76005, abs=5e-6)


def test_worked_rate_example_compound() -> None:
    result = rate(rate_target(20, 22, 2021, 2030), WORKED_RATES)

    assert result.status is Status.AT_RISK
    assert result.observed_growth_pct == pytest.approx(17.983, abs=5e-4)
    assert result.required_growth_pct == pytest.approx(22.051, abs=5e-4)
    # R = m / low (issue 13, correction 1): 17.98305 / 20, not m / required (0.8155), which
    # counted the shortfall twice
    assert result.observed_growth_pct == pytest.approx(17.98305, abs=5e-6)
    assert result.progress_ratio == pytest.approx(0.89915, abs=5e-6)
    assert result.gap == pytest.approx(2.017, abs=5e-4)
    assert result.years_left == 5
    assert result.trend_from == 2021
    assert result.required_pace is None
    assert result.projected is None
    assert rate_details(result).period_years == 10
    assert "above_band" in codes(result)


def test_worked_rate_example_arithmetic() -> None:
    result = rate(rate_target(20, 22, 2021, 2030, average="arithmetic"), WORKED_RATES)

    assert result.observed_growth_pct == pytest.approx(18.0)
    assert result.required_growth_pct == pytest.approx(22.0)
    assert result.gap == pytest.approx(2.0)
    assert result.progress_ratio == pytest.approx(18.0 / 20.0)  # m / low
    assert result.status is Status.AT_RISK


# -- small helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "comparator", "target", "expected"),
    [
        (70.0, ">", 70, False),
        (70.0, ">=", 70, True),
        (70.0, "<", 70, False),
        (70.0, "<=", 70, True),
        (70.0 * (1 + 1e-10), ">", 70, False),
        (70.0 * (1 - 1e-10), ">=", 70, True),
        (70.0 * (1 - 1e-10), "<", 70, False),
        (70.0 * (1 + 1e-10), "<=", 70, True),
        (70.0 * (1 + 1e-8), ">", 70, True),
        (70.0 * (1 - 1e-8), ">=", 70, False),
        (70.0 * (1 - 1e-8), "<", 70, True),
        (70.0 * (1 + 1e-8), "<=", 70, False),
        (71.0, ">", 70, True),
        (69.0, "<", 70, True),
        (0.0, "<=", 0, True),
        (1e-300, "<=", 0, False),
    ],
)
def test_satisfies_uses_a_relative_tolerance_of_1e_9_only(
    value: float, comparator: str, target: float, expected: bool
) -> None:
    assert satisfies(value, comparator, target) is expected


@pytest.mark.parametrize(("comparator", "expected"), [(">=", 1), (">", 1), ("<=", -1), ("<", -1)])
def test_direction_of_each_comparator(comparator: str, expected: int) -> None:
    assert direction(comparator) == expected


@pytest.mark.parametrize(
    ("desired", "observed", "needed", "expected"),
    [
        (1, 0.5, 0.0, math.inf),
        (1, 0.0, 0.0, 0.0),
        (1, -0.5, 0.0, -math.inf),
        (-1, -0.5, 0.0, math.inf),
        (-1, 0.5, 0.0, -math.inf),
        (1, 1.0, 2.0, 0.5),
        (1, 1.0, -2.0, 0.5),
        (-1, -1.0, -2.0, 0.5),
        (-1, 1.0, -2.0, -0.5),
    ],
)
def test_progress_ratio_is_direction_aware_and_infinite_when_nothing_is_needed(
    desired: int, observed: float, needed: float, expected: float
) -> None:
    assert progress_ratio(desired, observed, needed) == expected


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (math.inf, Status.ON_TRACK),
        (1.0, Status.ON_TRACK),
        (0.95, Status.ON_TRACK),
        (0.9499, Status.AT_RISK),
        (0.60, Status.AT_RISK),
        (0.5999, Status.OFF_TRACK),
        (0.0, Status.OFF_TRACK),
        (-0.0001, Status.MOVING_AWAY),
        (-math.inf, Status.MOVING_AWAY),
    ],
)
def test_status_thresholds_on_the_progress_ratio(ratio: float, expected: Status) -> None:
    assert status_from_ratio(ratio, DEFAULTS) is expected


def test_status_severity_orders_best_to_worst_and_missing_has_none() -> None:
    judged = [
        Status.ACHIEVED,
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
        Status.MOVING_AWAY,
    ]
    assert [s.severity for s in judged] == [0, 1, 2, 3, 4]
    assert Status.INSUFFICIENT_DATA.severity is None
    assert Status.NO_DATA.severity is None
    assert Status.NO_DATA.is_missing and Status.INSUFFICIENT_DATA.is_missing
    assert not any(s.is_missing for s in judged)


def test_path_between_compound_is_geometric_and_includes_both_ends() -> None:
    path = path_between(PathPoint(2020, 45), PathPoint(2030, 55), compound=True)
    assert [p.year for p in path] == list(range(2020, 2031))
    assert path[0].value == pytest.approx(45)
    assert path[-1].value == pytest.approx(55)
    assert path[5].value == pytest.approx(49.749371855)


@pytest.mark.parametrize(("start", "end"), [(0.0, 10.0), (-5.0, 5.0), (10.0, -2.0)])
def test_compound_path_falls_back_to_a_straight_line_where_a_value_is_not_positive(
    start: float, end: float
) -> None:
    path = path_between(PathPoint(2020, start), PathPoint(2030, end), compound=True)
    for point in path:
        assert point.value == pytest.approx(start + (end - start) * (point.year - 2020) / 10)


# -- level targets: special cases ---------------------------------------------------------


@pytest.mark.parametrize(
    ("comparator", "expected"),
    [(">", Status.ON_TRACK), (">=", Status.ACHIEVED)],
)
def test_strict_threshold_is_not_met_at_equality(comparator: str, expected: Status) -> None:
    # 2020 = 60, 2025 = 70 with target 70 by 2030: fast enough, but only >= is met already
    result = level(level_target(comparator, 70), series({2020: 60.0, 2025: 70.0}))
    assert result.status is expected
    assert result.gap == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("comparator", "expected"),
    [("<", Status.ON_TRACK), ("<=", Status.ACHIEVED)],
)
def test_strict_upper_threshold_is_not_met_at_equality(comparator: str, expected: Status) -> None:
    result = level(level_target(comparator, 10), series({2020: 20.0, 2025: 10.0}))
    assert result.status is expected


@pytest.mark.parametrize(
    ("latest", "comparator", "expected"),
    [
        (70.0 * (1 - 1e-10), ">=", Status.ACHIEVED),
        (70.0 * (1 - 1e-8), ">=", Status.ON_TRACK),
        (70.0 * (1 + 1e-10), ">", Status.ON_TRACK),
        (70.0 * (1 + 1e-8), ">", Status.ACHIEVED),
    ],
)
def test_equality_allows_a_relative_tolerance_of_1e_9_and_no_more(
    latest: float, comparator: str, expected: Status
) -> None:
    result = level(level_target(comparator, 70), series({2020: 60.0, 2025: latest}))
    assert result.status is expected


def test_decreasing_target_uses_direction_minus_one() -> None:
    # <= 10 by 2030 from 20 (2020) to 16 (2025): the mirror image of an increasing target
    result = level(
        level_target("<=", 10, 2030, method="linear"),
        series({2020: 20.0, 2025: 16.0}),
        indicator=UNBOUNDED,
    )
    # observed slope -0.8 a year, needed (10 - 20) / 10 = -1.0 a year: R = -1 * -0.8 / 1.0
    assert result.progress_ratio == pytest.approx(0.8)
    assert result.status is Status.AT_RISK
    assert result.gap == pytest.approx(6.0)
    assert result.required_pace == pytest.approx(1.2)
    assert result.projected == pytest.approx(12.0)


def test_decreasing_compound_target_progress_ratio_uses_abs_of_needed_growth() -> None:
    result = level(level_target("<", 30, 2030), series({2020: 40.0, 2025: 34.0}))
    cagr_a = (34 / 40) ** (1 / 5) - 1
    cagr_r = (30 / 40) ** (1 / 10) - 1
    assert result.observed_growth_pct == pytest.approx(100 * cagr_a)
    assert level_details(result).needed_growth_pct == pytest.approx(100 * cagr_r)
    assert result.progress_ratio == pytest.approx(-cagr_a / abs(cagr_r))
    assert result.status is Status.ON_TRACK
    assert result.gap == pytest.approx(4.0)
    assert result.required_growth_pct == pytest.approx(100 * ((30 / 34) ** (1 / 5) - 1))


def test_decreasing_target_rising_series_is_moving_away() -> None:
    result = level(level_target("<=", 10), series({2020: 20.0, 2025: 22.0}))
    assert result.progress_ratio is not None and result.progress_ratio < 0
    assert result.status is Status.MOVING_AWAY
    assert result.gap == pytest.approx(12.0)


def test_increasing_target_falling_series_is_moving_away() -> None:
    result = level(level_target(">=", 55), series({2020: 48.0, 2025: 45.0}))
    assert result.progress_ratio is not None and result.progress_ratio < 0
    assert result.status is Status.MOVING_AWAY


def test_achieved_overrides_everything_but_figures_are_still_reported() -> None:
    # moving the wrong way, but already beyond the target
    result = level(level_target(">=", 50), series({2020: 60.0, 2025: 56.0}))
    assert result.status is Status.ACHIEVED
    assert result.gap == pytest.approx(-6.0)
    assert result.progress_ratio is not None and result.progress_ratio < 0
    assert result.observed_growth_pct == pytest.approx(100 * ((56 / 60) ** 0.2 - 1))
    assert result.required_pace == pytest.approx(-6.0 / 5)
    assert result.projected is not None
    assert result.trend_from == 2020


def test_achieved_overrides_a_series_break_at_the_latest_year() -> None:
    observations = [obs(2020, 40.0), obs(2025, 60.0, series_break=True)]
    result = level(level_target(">=", 55), observations)
    assert result.status is Status.ACHIEVED
    (note,) = [n for n in result.notes if n.code == "series_break"]
    assert note.params == {"year": 2025, "latest": True}


def test_achieved_at_or_after_the_target_year_is_achieved_not_missed() -> None:
    result = level(level_target(">=", 47, 2024), WORKED)
    assert result.status is Status.ACHIEVED
    assert "missed" not in codes(result)


def test_target_year_passed_and_not_achieved_is_off_track_missed() -> None:
    result = level(level_target(">=", 55, 2024), WORKED)
    assert result.status is Status.OFF_TRACK
    assert "missed" in codes(result)
    assert result.years_left == -1
    assert result.gap == pytest.approx(7.0)
    assert result.required_pace is None
    assert result.required_growth_pct is None
    assert result.projected is None
    assert level_details(result).required_path == ()


def test_missed_comes_before_the_trend_rules() -> None:
    # at the target year with no trend base at all: still off_track (missed), not insufficient
    result = level(level_target(">=", 55, 2025), [obs(2025, 48.0)])
    assert result.status is Status.OFF_TRACK
    assert "missed" in codes(result)
    assert result.years_left == 0


def test_missed_comes_before_a_good_trend() -> None:
    result = level(level_target(">=", 55, 2025), series({2020: 30.0, 2025: 54.0}))
    assert result.status is Status.OFF_TRACK


def test_no_observation_is_no_data() -> None:
    result = level(level_target(), [])
    assert result.status is Status.NO_DATA
    assert result.latest is None
    assert result.gap is None and result.progress_ratio is None
    assert codes(result) == ["no_data"]


def test_observations_after_as_of_only_is_no_data() -> None:
    result = level(level_target(), series({2026: 50.0, 2027: 51.0}), as_of=2025)
    assert result.status is Status.NO_DATA


def test_forecast_is_never_used_as_latest() -> None:
    observations = [*WORKED, obs(2026, 60.0, status="F")]
    result = level(level_target(">=", 55), observations, as_of=2026)
    assert result.latest is not None
    assert result.latest.year == 2025 and result.latest.value == 48.0
    assert result.status is Status.AT_RISK


def test_only_forecasts_is_no_data() -> None:
    result = level(level_target(), [obs(2024, 50.0, status="F"), obs(2025, 56.0, status="F")])
    assert result.status is Status.NO_DATA


def test_forecast_is_never_the_trend_base() -> None:
    observations = [obs(2020, 10.0, status="F"), obs(2022, 45.0), obs(2025, 48.0)]
    result = level(level_target(), observations)
    assert result.trend_from == 2022


def test_series_break_at_latest_year_is_insufficient_data() -> None:
    observations = [obs(2020, 45.0), obs(2024, 47.0), obs(2025, 80.0, series_break=True)]
    result = level(level_target(">=", 85), observations)
    assert result.status is Status.INSUFFICIENT_DATA
    (note,) = [n for n in result.notes if n.code == "series_break"]
    assert note.params == {"year": 2025, "latest": True}
    assert "starts a new series" in note.message
    assert result.progress_ratio is None
    assert result.trend_from is None
    assert result.gap == pytest.approx(5.0)
    assert result.required_pace == pytest.approx(1.0)


def test_series_break_inside_window_moves_the_base() -> None:
    observations = [
        obs(2020, 45.0),
        obs(2021, 46.0),
        obs(2022, 47.0),
        obs(2023, 30.0, series_break=True),
        obs(2024, 31.0),
        obs(2025, 32.0),
    ]
    result = level(level_target(">=", 55), observations)
    assert result.trend_from == 2023
    notes = [n for n in result.notes if n.code == "series_break"]
    assert len(notes) == 1 and notes[0].params["year"] == 2023
    assert result.observed_growth_pct == pytest.approx(100 * ((32 / 30) ** 0.5 - 1))


def test_series_break_before_window_does_not_move_the_base_or_add_a_note() -> None:
    observations = [obs(2017, 10.0, series_break=True), *WORKED]
    result = level(level_target(">=", 55), observations)
    assert result.trend_from == 2020
    assert "series_break" not in codes(result)
    assert result.progress_ratio == pytest.approx(0.64092, abs=5e-6)


def test_series_break_year_itself_is_comparable_with_later_years() -> None:
    observations = [obs(2021, 40.0), obs(2023, 30.0, series_break=True), obs(2025, 50.0)]
    result = level(level_target(">=", 55), observations)
    assert result.trend_from == 2023
    assert result.observed_growth_pct == pytest.approx(100 * ((50 / 30) ** 0.5 - 1))


def test_no_base_in_window_is_insufficient_data_with_gap_and_pace() -> None:
    result = level(level_target(">=", 55), series({2015: 40.0, 2025: 48.0}))
    assert result.status is Status.INSUFFICIENT_DATA
    assert "no_trend_base" in codes(result)
    assert result.gap == pytest.approx(7.0)
    assert result.required_pace == pytest.approx(1.4)
    assert result.required_growth_pct == pytest.approx(2.76005, abs=5e-6)
    assert result.progress_ratio is None
    assert result.observed_growth_pct is None
    assert result.projected is None
    assert result.trend_from is None


def test_single_observation_is_insufficient_data() -> None:
    result = level(level_target(), [obs(2025, 48.0)])
    assert result.status is Status.INSUFFICIENT_DATA


def test_baseline_alone_is_not_a_trend_base() -> None:
    result = level(level_target(">=", 55, baseline=(2020, 45)), [obs(2025, 48.0)])
    assert result.status is Status.INSUFFICIENT_DATA
    assert result.trend_from is None


def test_trend_base_is_earliest_year_of_the_window() -> None:
    values = {2018: 10.0, 2019: 44.0, 2020: 45.0, 2021: 46.0, 2025: 48.0}
    result = level(level_target(), series(values))
    assert result.trend_from == 2020


@pytest.mark.parametrize(
    ("values", "comparator", "target", "expected_status"),
    [
        ({2020: 0.0, 2025: 5.0}, ">=", 10.0, Status.ON_TRACK),  # y_t0 = 0
        ({2020: -4.0, 2025: -1.0}, ">=", 2.0, Status.ON_TRACK),  # negative values
        ({2020: 10.0, 2025: 5.0}, "<=", 0.0, Status.ON_TRACK),  # V = 0 (net zero)
        ({2020: 10.0, 2025: 8.0}, "<=", -10.0, Status.OFF_TRACK),  # V < 0
    ],
)
def test_non_positive_values_use_slopes(
    values: dict[int, float], comparator: str, target: float, expected_status: Status
) -> None:
    result = level(level_target(comparator, target), series(values), indicator=UNBOUNDED)
    details = level_details(result)
    y0, y = values[2020], values[2025]
    d = direction(comparator)
    expected_ratio = d * ((y - y0) / 5) / abs((target - y0) / 10)
    assert details.uses_slopes is True
    assert result.progress_ratio == pytest.approx(expected_ratio)
    assert result.projected == pytest.approx(y + (y - y0) / 5 * 5)
    assert result.status is expected_status


def test_required_growth_is_null_where_a_value_is_not_positive() -> None:
    result = level(level_target("<=", 0.0), series({2020: 10.0, 2025: 5.0}))
    assert result.required_growth_pct is None
    assert result.required_pace == pytest.approx(1.0)


def test_needed_growth_zero_moving_the_wrong_way_is_minus_infinity() -> None:
    result = level(level_target(">=", 50), series({2020: 50.0, 2025: 49.0}))
    assert result.progress_ratio == -math.inf
    assert result.status is Status.MOVING_AWAY
    assert "ratio_infinite" in codes(result)


def test_needed_growth_zero_and_flat_is_zero() -> None:
    result = level(level_target(">", 50), series({2020: 50.0, 2025: 50.0}))
    assert result.progress_ratio == 0.0
    assert result.status is Status.OFF_TRACK


def test_needed_growth_zero_moving_the_right_way_is_plus_infinity() -> None:
    result = level(level_target(">", 50), series({2020: 50.0, 2025: 51.0}))
    assert result.progress_ratio == math.inf
    assert result.status is Status.ACHIEVED
    assert "ratio_infinite" in codes(result)


def test_needed_slope_zero_in_linear_method_is_infinite_too() -> None:
    result = level(level_target("<=", 50, method="linear"), series({2020: 50.0, 2025: 51.0}))
    assert result.progress_ratio == -math.inf
    assert result.status is Status.MOVING_AWAY


@pytest.mark.parametrize(
    ("on_track", "at_risk", "expected"),
    [
        (0.60, 0.30, Status.ON_TRACK),
        (0.95, 0.60, Status.AT_RISK),
        (0.90, 0.70, Status.OFF_TRACK),
        (0.64, 0.64, Status.ON_TRACK),  # R = 0.64092
    ],
)
def test_custom_assessment_thresholds(on_track: float, at_risk: float, expected: Status) -> None:
    settings = AssessmentSettings(on_track=on_track, at_risk=at_risk)
    result = level(level_target(">=", 55), WORKED, settings=settings)
    assert result.status is expected


@pytest.mark.parametrize(("trend_years", "expected_base"), [(1, 2024), (3, 2022), (5, 2020)])
def test_custom_trend_years_sets_the_window(trend_years: int, expected_base: int) -> None:
    values = {year: 40.0 + year - 2018 for year in range(2018, 2026)}
    result = level(
        level_target(), series(values), settings=AssessmentSettings(trend_years=trend_years)
    )
    assert result.trend_from == expected_base


def test_projection_is_clamped_to_the_upper_bound() -> None:
    result = level(level_target(">=", 99), series({2020: 50.0, 2025: 90.0}))
    assert result.projected == 100.0
    notes = [n for n in result.notes if n.code == "projection_clamped"]
    assert len(notes) == 1
    assert notes[0].params["bound"] == 100.0
    raw = notes[0].params["raw"]
    assert isinstance(raw, float) and raw == pytest.approx(90 * (90 / 50) ** 1)


def test_projection_is_clamped_to_the_lower_bound() -> None:
    result = level(level_target("<=", 1, method="linear"), series({2020: 50.0, 2025: 10.0}))
    assert result.projected == 0.0
    assert "projection_clamped" in codes(result)


def test_projection_inside_bounds_is_not_clamped() -> None:
    result = level(level_target(), WORKED)
    assert "projection_clamped" not in codes(result)


def test_projection_is_not_clamped_without_bounds() -> None:
    result = level(level_target(">=", 99), series({2020: 50.0, 2025: 90.0}), indicator=UNBOUNDED)
    assert result.projected == pytest.approx(90 * (90 / 50))
    assert "projection_clamped" not in codes(result)


@pytest.mark.parametrize(("as_of", "stale"), [(2025, False), (2027, False), (2028, True)])
def test_stale_note_when_latest_is_more_than_two_years_old(as_of: int, stale: bool) -> None:
    result = level(level_target(), WORKED, as_of=as_of)
    assert ("stale" in codes(result)) is stale


def test_stale_note_names_the_age() -> None:
    result = level(level_target(), WORKED, as_of=2029)
    (note,) = [n for n in result.notes if n.code == "stale"]
    assert note.params == {"year": 2025, "age": 4, "as_of": 2029}


@pytest.mark.parametrize(
    ("status", "code"), [("E", "estimated"), ("P", "provisional"), ("A", None)]
)
def test_estimated_and_provisional_latest_are_noted(status: str, code: str | None) -> None:
    result = level(level_target(), [obs(2020, 45.0), obs(2025, 48.0, status=status)])
    found = {"estimated", "provisional"} & set(codes(result))
    assert found == ({code} if code else set())
    assert result.status is Status.AT_RISK


@pytest.mark.parametrize("method", ["compound", "linear"])
def test_required_path_runs_from_latest_to_target(method: str) -> None:
    result = level(level_target(">=", 55, method=method), WORKED)
    path = level_details(result).required_path
    assert path[0].year == 2025 and path[0].value == pytest.approx(48.0)
    assert path[-1].year == 2030 and path[-1].value == pytest.approx(55.0)
    assert [p.year for p in path] == list(range(2025, 2031))
    middle = path[1].value
    if method == "linear":
        assert middle == pytest.approx(49.4)
    else:
        assert middle == pytest.approx(48.0 * (55 / 48) ** 0.2)


def test_planned_path_only_with_a_baseline() -> None:
    without = level(level_target(">=", 55), WORKED)
    assert level_details(without).planned_path == ()
    assert level_details(without).planned_now is None
    assert level_details(without).ahead_of_plan is None
    with_baseline = level(level_target(">=", 55, baseline=(2018, 43)), WORKED)
    planned = level_details(with_baseline).planned_path
    assert planned[0].year == 2018 and planned[0].value == pytest.approx(43)
    assert planned[-1].year == 2030 and planned[-1].value == pytest.approx(55)


def test_ahead_of_plan_is_direction_aware() -> None:
    result = level(
        level_target("<=", 10, baseline=(2020, 20), method="linear"),
        series({2020: 20.0, 2025: 14.0}),
    )
    # planned 2025 milestone 15; 14 is below it, which is ahead for a <= target
    assert level_details(result).planned_now == pytest.approx(15.0)
    assert level_details(result).ahead_of_plan == pytest.approx(1.0)


# -- rate targets: special cases ----------------------------------------------------------


def test_rate_no_data_in_period_requires_low() -> None:
    result = rate(rate_target(20, 22, 2021, 2030), series({2018: 10.0, 2019: 12.0}))
    assert result.status is Status.NO_DATA
    assert result.required_growth_pct == 20
    assert codes(result) == ["no_data_in_period"]
    assert result.latest is not None and result.latest.year == 2019


def test_rate_no_observation_at_all_is_no_data() -> None:
    result = rate(rate_target(), [])
    assert result.status is Status.NO_DATA
    assert result.latest is None
    assert result.required_growth_pct == 20


def test_rate_period_not_started_is_noted() -> None:
    result = rate(rate_target(13, 14, 2026, 2030), series({2024: 10.0, 2025: 11.0}))
    assert result.status is Status.NO_DATA
    assert codes(result) == ["not_started"]
    assert result.required_growth_pct == 13


def test_rate_missing_years_are_left_out_and_noted() -> None:
    observations = series({2021: 15.0, 2023: 18.0, 2025: 21.0})
    result = rate(rate_target(20, 22, 2021, 2030), observations)
    details = rate_details(result)
    assert details.missing_years == (2022, 2024)
    assert details.period_years == 3 + 5
    (note,) = [n for n in result.notes if n.code == "missing_years"]
    assert "2022" in note.message and "2024" in note.message
    product = 1.15 * 1.18 * 1.21
    assert result.observed_growth_pct == pytest.approx(100 * (product ** (1 / 3) - 1))
    expected_required = 100 * ((1.2**8 / product) ** (1 / 5) - 1)
    assert result.required_growth_pct == pytest.approx(expected_required)


def test_rate_without_gaps_counts_the_whole_period() -> None:
    result = rate(rate_target(), WORKED_RATES)
    assert rate_details(result).missing_years == ()
    assert "missing_years" not in codes(result)


def test_rate_observations_outside_period_are_ignored_in_average() -> None:
    observations = [obs(2019, 90.0), obs(2020, -50.0), *WORKED_RATES]
    result = rate(rate_target(20, 22, 2021, 2030), observations)
    assert result.observed_growth_pct == pytest.approx(17.983, abs=5e-4)
    assert result.trend_from == 2021


@pytest.mark.parametrize(
    ("values", "average", "expected"),
    [
        ({2021: 21.0, 2022: 20.0, 2023: 19.5}, "compound", Status.ACHIEVED),
        ({2021: 21.0, 2022: 20.0, 2023: 18.0}, "compound", Status.OFF_TRACK),
        ({2021: 22.0, 2022: 20.0, 2023: 18.0}, "arithmetic", Status.ACHIEVED),
        ({2021: 22.0, 2022: 20.0, 2023: 17.9}, "arithmetic", Status.OFF_TRACK),
    ],
)
def test_rate_period_over_is_achieved_or_off_track(
    values: dict[int, float], average: str, expected: Status
) -> None:
    result = rate(rate_target(20, 22, 2021, 2023, average=average), series(values), as_of=2025)
    assert result.status is expected
    assert result.years_left == 0
    assert result.required_growth_pct is None
    assert result.progress_ratio is None


def test_rate_on_track_whenever_average_reaches_low() -> None:
    # R = 21 / ~19.6 is below a demanding on_track threshold, yet the average already meets low
    settings = AssessmentSettings(on_track=1.5, at_risk=1.2)
    result = rate(rate_target(20, 22, 2021, 2030), series({2021: 21.0}), settings=settings)
    assert result.progress_ratio is not None and result.progress_ratio < 1.2
    assert result.status is Status.ON_TRACK


def test_rate_average_below_low_uses_thresholds() -> None:
    settings = AssessmentSettings(on_track=0.5, at_risk=0.2)
    result = rate(rate_target(20, 22, 2021, 2030), WORKED_RATES, settings=settings)
    assert result.status is Status.ON_TRACK
    settings = AssessmentSettings(on_track=0.95, at_risk=0.9)
    result = rate(rate_target(20, 22, 2021, 2030), WORKED_RATES, settings=settings)
    assert result.status is Status.OFF_TRACK


def test_rate_negative_average_is_moving_away() -> None:
    result = rate(rate_target(5, None, 2021, 2030), series({2021: -3.0, 2022: -1.0}))
    assert result.progress_ratio is not None and result.progress_ratio < 0
    assert result.status is Status.MOVING_AWAY


def test_rate_required_not_positive_is_secured_and_the_ratio_is_m_over_low() -> None:
    result = rate(rate_target(2, None, 2021, 2025), series({2021: 30.0, 2022: 30.0, 2023: 30.0}))
    assert result.required_growth_pct is not None and result.required_growth_pct <= 0
    assert result.progress_ratio == pytest.approx(30.0 / 2)
    assert "secured" in codes(result)
    assert result.status is Status.ON_TRACK


def test_rate_above_band_note_when_required_exceeds_high() -> None:
    result = rate(rate_target(20, 22), WORKED_RATES)
    (note,) = [n for n in result.notes if n.code == "above_band"]
    assert note.params["high"] == 22
    assert note.params["required"] == pytest.approx(22.051, abs=5e-4)


def test_rate_no_above_band_note_without_high_or_when_within() -> None:
    assert "above_band" not in codes(rate(rate_target(20, None), WORKED_RATES))
    assert "above_band" not in codes(rate(rate_target(20, 25), WORKED_RATES))


@pytest.mark.parametrize(
    ("latest", "code"),
    [(19.0, "latest_below_band"), (21.0, "latest_in_band"), (23.0, "latest_above_band")],
)
def test_rate_latest_year_band_note(latest: float, code: str) -> None:
    result = rate(rate_target(20, 22), series({2021: 20.0, 2022: latest}))
    band = [c for c in codes(result) if c.startswith("latest_")]
    assert band == [code]


def test_rate_forecasts_are_left_out() -> None:
    observations = [*WORKED_RATES, obs(2026, 50.0, status="F")]
    result = rate(rate_target(), observations, as_of=2026)
    assert result.observed_growth_pct == pytest.approx(17.983, abs=5e-4)
    assert result.years_left == 5


def test_rate_helpers_match_the_formulas() -> None:
    rates = [15.0, 17.0, 18.0, 19.0, 21.0]
    assert average_rate(rates, "arithmetic") == pytest.approx(18.0)
    assert average_rate(rates, "compound") == pytest.approx(17.983, abs=5e-4)
    assert required_rate(rates, 20, 10, 5, "arithmetic") == pytest.approx(22.0)
    assert required_rate(rates, 20, 10, 5, "compound") == pytest.approx(22.051, abs=5e-4)


# -- monitored indicators and projects ---------------------------------------------------


def test_monitored_level_summary() -> None:
    summary = summarise_monitored("share", SHARE, WORKED, 2025, DEFAULTS)
    assert summary.latest is not None and summary.latest.year == 2025
    assert summary.observed_growth_pct == pytest.approx(1.29914, abs=5e-6)
    assert summary.trend_from == 2020


def test_monitored_level_summary_without_trend_base() -> None:
    summary = summarise_monitored("share", SHARE, [obs(2025, 48.0)], 2025, DEFAULTS)
    assert summary.observed_growth_pct is None
    assert summary.trend_from is None
    assert "no_trend_base" in [n.code for n in summary.notes]


def test_monitored_rate_summary_averages_the_trend_window() -> None:
    observations = [obs(2019, 90.0), obs(2020, 90.0), *WORKED_RATES]
    summary = summarise_monitored("growth", GROWTH, observations, 2025, DEFAULTS)
    assert summary.trend_from == 2021
    assert summary.observed_growth_pct == pytest.approx(17.983, abs=5e-4)


def test_monitored_without_data_is_noted() -> None:
    summary = summarise_monitored("growth", GROWTH, [obs(2030, 1.0)], 2025, DEFAULTS)
    assert summary.latest is None
    assert summary.observed_growth_pct is None
    assert [n.code for n in summary.notes] == ["no_data"]


def test_assess_project_assesses_targets_in_order_and_summarises_monitored() -> None:
    definition = TargetsFile(
        project=ProjectInfo(name="Test"),
        indicators={
            "share": SHARE.model_copy(update={"targets": (level_target(">=", 55),)}),
            "growth": GROWTH.model_copy(update={"targets": (rate_target(),)}),
            "watched": GROWTH,
        },
    )
    project = Project(
        Path("."),
        definition,
        {"share": tuple(WORKED), "growth": tuple(WORKED_RATES), "watched": ()},
    )
    result = assess_project(project, 2025)
    assert result.as_of == 2025
    assert result.project_name == "Test"
    assert [(t.indicator_id, t.status) for t in result.targets] == [
        ("share", Status.AT_RISK),
        ("growth", Status.AT_RISK),
    ]
    assert [m.indicator_id for m in result.monitored] == ["watched"]


# -- issue 13's corrections ----------------------------------------------------------------


def test_a_series_break_on_a_forecast_still_splits_the_series() -> None:
    observations = [
        obs(2020, 45.0),
        obs(2021, 46.0),
        obs(2022, 47.0),
        obs(2023, 30.0, status="F", series_break=True),  # left out, but its break stays
        obs(2024, 31.0),
        obs(2025, 32.0),
    ]
    result = level(level_target(">=", 55), observations)
    assert result.trend_from == 2024
    (note,) = [n for n in result.notes if n.code == "series_break"]
    assert note.params == {"year": 2023, "latest": False}
    assert result.observed_growth_pct == pytest.approx(100 * (32 / 31 - 1))


def test_a_forecast_break_after_the_latest_usable_year_changes_nothing() -> None:
    plain = level(level_target(">=", 55), WORKED)
    forecast = obs(WORKED[-1].year + 1, 10.0, status="F", series_break=True)
    with_forecast = level(level_target(">=", 55), [*WORKED, forecast], as_of=forecast.year)
    assert with_forecast.trend_from == plain.trend_from
    assert with_forecast.progress_ratio == plain.progress_ratio
    assert "series_break" not in codes(with_forecast)


def test_a_pace_of_exactly_95_percent_is_on_track_despite_floating_point() -> None:
    # 20 in 2020 to 33.3 in 2024 is 95 % of the slope that 55 by 2030 needs (3.325 against 3.5 a
    # year); computed, the ratio is 0.95 - 2e-16
    target = level_target(">=", 55, method="linear")
    result = level(target, [obs(2020, 20.0), obs(2024, 33.3)], as_of=2024)
    assert result.progress_ratio is not None and result.progress_ratio < 0.95
    assert result.progress_ratio == pytest.approx(0.95, rel=1e-12)
    assert result.status is Status.ON_TRACK


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (0.95 * (1 - 5e-10), Status.ON_TRACK),  # within the relative 1e-9
        (0.95 * (1 - 2e-9), Status.AT_RISK),
        (0.6 * (1 - 5e-10), Status.AT_RISK),
        (0.6 * (1 - 2e-9), Status.OFF_TRACK),
        (0.0, Status.OFF_TRACK),
        (-1e-300, Status.MOVING_AWAY),
    ],
)
def test_thresholds_are_compared_with_the_comparators_tolerance(
    ratio: float, expected: Status
) -> None:
    assert status_from_ratio(ratio, AssessmentSettings()) is expected


@given(
    rates=st.lists(st.floats(min_value=-20, max_value=40), min_size=1, max_size=9),
    low=st.floats(min_value=0.5, max_value=30),
)
def test_a_rate_targets_ratio_is_the_average_over_the_low_end(
    rates: list[float], low: float
) -> None:
    observations = [obs(2021 + i, r) for i, r in enumerate(rates)]
    as_of = 2020 + len(rates)
    result = rate(rate_target(low, None, 2021, 2030), observations, as_of=as_of)
    assert result.observed_growth_pct is not None and result.progress_ratio is not None
    assert result.progress_ratio == pytest.approx(result.observed_growth_pct / low, rel=1e-12)
    meets = result.observed_growth_pct >= low * (1 - 1e-9)
    assert (result.status is Status.ON_TRACK) == (
        meets or result.progress_ratio >= 0.95 * (1 - 1e-9)
    )


# -- years ahead of plan, what next year needs, a target year passed ---------------------------

HIGH_TECH = [obs(2018, 43.0), obs(2023, 60.6)]


@pytest.mark.parametrize(("method", "years"), [("compound", 3.44896), ("linear", 2.82222)])
def test_years_ahead_of_plan_is_sicherls_time_distance(method: str, years: float) -> None:
    # baseline 43 in 2018, > 70 by 2030: the compound path reaches 60.6 in 2026.449
    # (2018 + 12 * ln(60.6/43) / ln(70/43)), the straight one in 2025.822 (2018 + 12 * 17.6/27)
    target = level_target(">", 70, baseline=(2018, 43.0), method=method)
    result = level(target, HIGH_TECH, as_of=2026)
    assert result.years_ahead_of_plan == pytest.approx(years, abs=5e-6)


def test_behind_plan_is_negative_and_lower_is_better_reads_the_same_way() -> None:
    # a path 10 -> 5 over 2020-2030 (straight) passes 8 in 2024; 8 in 2026 is two years behind
    target = level_target("<=", 5, baseline=(2020, 10.0), method="linear")
    result = level(target, [obs(2020, 10.0), obs(2026, 8.0)], as_of=2026)
    assert result.years_ahead_of_plan == pytest.approx(-2.0)


def test_no_time_distance_without_a_planned_path() -> None:
    assert level(level_target(">=", 55), WORKED).years_ahead_of_plan is None
    flat = level_target(">=", 43, baseline=(2018, 43.0))
    assert level(flat, HIGH_TECH, as_of=2026).years_ahead_of_plan is None


def test_next_year_needs_the_next_point_of_the_required_path() -> None:
    result = level(level_target(">", 70, method="linear"), HIGH_TECH, as_of=2026)
    assert result.next_year_needs is not None
    assert result.next_year_needs.year == 2024
    assert result.next_year_needs.value == pytest.approx(60.6 + 9.4 / 7)
    compound = level(level_target(">", 70), HIGH_TECH, as_of=2026)
    assert compound.next_year_needs is not None
    assert compound.next_year_needs.value == pytest.approx(60.6 * (70 / 60.6) ** (1 / 7))


def test_a_rate_targets_next_year_needs_the_catch_up_rate() -> None:
    result = rate(rate_target(20, 22, 2021, 2030), WORKED_RATES)
    assert result.next_year_needs is not None
    assert result.next_year_needs.year == 2026
    assert result.next_year_needs.value == pytest.approx(22.051, abs=5e-4)


def test_an_achieved_target_needs_nothing_next_year() -> None:
    assert level(level_target(">=", 40), WORKED).next_year_needs is None


def test_past_the_target_year_without_its_value_is_insufficient_data_with_no_pace() -> None:
    result = level(level_target(">=", 55, year=2028), WORKED, as_of=2029)  # latest 2025
    assert result.status is Status.INSUFFICIENT_DATA
    assert result.years_left == 0
    assert result.required_pace is None and result.required_growth_pct is None
    assert result.next_year_needs is None
    (note,) = [n for n in result.notes if n.code == "target_year_passed"]
    assert note.params == {"year": 2028, "latest": 2025, "as_of": 2029}
    assert "can no longer be met on time" in note.message
    assert result.projected is not None  # where the trend put the target year, for reference


def test_in_the_target_year_itself_a_pace_is_still_needed() -> None:
    result = level(level_target(">=", 55, year=2026), WORKED, as_of=2026)
    assert result.status is not Status.INSUFFICIENT_DATA
    assert result.required_pace is not None


def test_a_rate_period_past_its_end_without_its_last_years_is_insufficient_data() -> None:
    result = rate(rate_target(20, 22, 2021, 2027), WORKED_RATES, as_of=2028)  # latest 2025
    assert result.status is Status.INSUFFICIENT_DATA
    assert result.required_growth_pct is None and result.next_year_needs is None
    assert "target_year_passed" in codes(result)
    assert result.progress_ratio == pytest.approx(17.98305 / 20, abs=5e-6)
