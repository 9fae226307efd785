"""Properties of the arithmetic (``kpi.progress``) and of the observation file format."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.model import (
    AssessmentSettings,
    Baseline,
    LevelIndicator,
    LevelTarget,
    Observation,
    RateIndicator,
    RateTarget,
    Revision,
    observations_from,
)
from kpi.numbers import MAX_MAGNITUDE
from kpi.progress import (
    LevelDetails,
    Status,
    assess_level,
    assess_rate,
    status_from_ratio,
)
from kpi.store import render_observations
from kpi.text import text_problem

DEFAULTS = AssessmentSettings()
UNBOUNDED = LevelIndicator(name="Index", kind="level", unit="pts")
GROWTH = RateIndicator(name="Growth", kind="rate", unit="%/yr")
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
EXAMPLES = settings(max_examples=100, deadline=None)

STATUSES = st.sampled_from(["A", "E", "P", "F"])


def obs(year: int, value: float, status: str = "A", series_break: bool = False) -> Observation:
    return Observation(
        year=year, value=value, status=status, series_break=series_break, source="test"
    )


def planned_value(y_b: float, v: float, b: int, big_t: int, year: int, method: str) -> float:
    share = (year - b) / (big_t - b)
    if method == "compound":
        return y_b * (v / y_b) ** share
    return y_b + (v - y_b) * share


@st.composite
def observation_lists(
    draw: st.DrawFn,
    first: int = 2010,
    last: int = 2032,
    values: st.SearchStrategy[float] | None = None,
    max_size: int = 12,
) -> list[Observation]:
    years = draw(st.lists(st.integers(first, last), unique=True, max_size=max_size))
    value_strategy = values if values is not None else st.floats(-1000, 1000)
    return [
        obs(
            year,
            draw(value_strategy),
            draw(STATUSES),
            draw(st.sampled_from([False, False, False, True])),
        )
        for year in sorted(years)
    ]


@st.composite
def level_targets(draw: st.DrawFn, method: str | None = None) -> LevelTarget:
    year = draw(st.integers(2015, 2035))
    baseline = draw(
        st.none()
        | st.builds(Baseline, year=st.integers(2000, year - 1), value=st.floats(-1000, 1000))
    )
    return LevelTarget(
        id="target",
        comparator=draw(st.sampled_from([">=", ">", "<=", "<"])),
        value=draw(st.floats(-1000, 1000)),
        year=year,
        baseline=baseline,
        method=method or draw(st.sampled_from(["compound", "linear"])),
    )


@st.composite
def assessment_settings(draw: st.DrawFn) -> AssessmentSettings:
    on_track = draw(st.floats(0.01, 2.0))
    at_risk = draw(st.floats(0.0, on_track))
    return AssessmentSettings(
        trend_years=draw(st.integers(1, 8)), on_track=on_track, at_risk=at_risk
    )


@st.composite
def bounded_indicators(draw: st.DrawFn) -> LevelIndicator:
    bounds = draw(
        st.none()
        | st.tuples(st.floats(-2000, 2000), st.floats(1, 2000)).map(
            lambda pair: [pair[0], pair[0] + pair[1]]
        )
    )
    return LevelIndicator(name="Index", kind="level", unit="pts", bounds=bounds)


# -- level targets ------------------------------------------------------------------------


@EXAMPLES
@given(
    y_b=st.floats(1, 1000),
    factor=st.floats(1.02, 3) | st.floats(0.3, 0.98),
    b=st.integers(2000, 2020),
    span=st.integers(2, 20),
    data=st.data(),
    method=st.sampled_from(["compound", "linear"]),
    strict=st.booleans(),
    trend_years=st.integers(1, 10),
)
def test_series_following_its_planned_path_is_on_track(
    y_b: float,
    factor: float,
    b: int,
    span: int,
    data: st.DataObject,
    method: str,
    strict: bool,
    trend_years: int,
) -> None:
    big_t = b + span
    v = y_b * factor
    t = data.draw(st.integers(b + 1, big_t), label="latest year")
    increasing = factor > 1
    comparator = (">" if increasing else "<") if strict and t < big_t else None
    comparator = comparator or (">=" if increasing else "<=")
    target = LevelTarget(
        id="target",
        comparator=comparator,
        value=v,
        year=big_t,
        baseline=Baseline(year=b, value=y_b),
        method=method,
    )
    observations = [
        obs(year, planned_value(y_b, v, b, big_t, year, method)) for year in range(b, t + 1)
    ]
    result = assess_level(
        "x", UNBOUNDED, target, observations, t, AssessmentSettings(trend_years=trend_years)
    )
    if t < big_t:
        assert result.status is Status.ON_TRACK
        assert result.progress_ratio == pytest.approx(1.0, rel=1e-6)
        details = result.details
        assert isinstance(details, LevelDetails)
        assert details.ahead_of_plan == pytest.approx(0.0, abs=1e-9 * max(abs(v), y_b))
    else:
        assert result.status is Status.ACHIEVED


@EXAMPLES
@given(
    y_b=st.floats(-1000, 1000),
    delta=st.floats(1, 1000),
    increasing=st.booleans(),
    b=st.integers(2000, 2020),
    span=st.integers(2, 20),
    data=st.data(),
)
def test_linear_series_following_its_planned_path_through_zero_is_on_track(
    y_b: float, delta: float, increasing: bool, b: int, span: int, data: st.DataObject
) -> None:
    big_t = b + span
    v = y_b + delta if increasing else y_b - delta
    t = data.draw(st.integers(b + 1, big_t - 1), label="latest year")
    target = LevelTarget(
        id="target",
        comparator=">=" if increasing else "<=",
        value=v,
        year=big_t,
        baseline=Baseline(year=b, value=y_b),
        method="linear",
    )
    observations = [
        obs(year, planned_value(y_b, v, b, big_t, year, "linear")) for year in range(b, t + 1)
    ]
    result = assess_level("x", UNBOUNDED, target, observations, t, DEFAULTS)
    assert result.status is Status.ON_TRACK


@EXAMPLES
@given(
    latest=st.floats(-1000, 1000),
    earlier=st.floats(-1000, 1000),
    target=level_targets(),
)
def test_required_path_starts_at_latest_and_ends_exactly_at_target(
    latest: float, earlier: float, target: LevelTarget
) -> None:
    as_of = target.year - 3
    observations = [obs(as_of - 1, earlier), obs(as_of, latest)]
    result = assess_level("x", UNBOUNDED, target, observations, as_of, DEFAULTS)
    details = result.details
    assert isinstance(details, LevelDetails)
    path = details.required_path
    assert (path[0].year, path[0].value) == (as_of, latest)
    assert (path[-1].year, path[-1].value) == (target.year, target.value)
    assert [p.year for p in path] == list(range(as_of, target.year + 1))


def _negated_target(target: LevelTarget) -> LevelTarget:
    baseline = target.baseline
    return LevelTarget(
        id=target.id,
        comparator=FLIPPED[target.comparator],
        value=-target.value,
        year=target.year,
        baseline=None if baseline is None else Baseline(year=baseline.year, value=-baseline.value),
        method=target.method,
    )


@EXAMPLES
@given(
    observations=observation_lists(),
    target=level_targets(method="linear"),
    indicator=bounded_indicators(),
    as_of=st.integers(2012, 2034),
    assessment=assessment_settings(),
)
def test_linear_status_is_symmetric_under_negation(
    observations: list[Observation],
    target: LevelTarget,
    indicator: LevelIndicator,
    as_of: int,
    assessment: AssessmentSettings,
) -> None:
    negated_observations = [o._replace(value=-o.value) for o in observations]
    bounds = indicator.bounds
    negated_indicator = indicator.model_copy(
        update={"bounds": None if bounds is None else [-bounds[1], -bounds[0]]}
    )
    original = assess_level("x", indicator, target, observations, as_of, assessment)
    mirrored = assess_level(
        "x", negated_indicator, _negated_target(target), negated_observations, as_of, assessment
    )
    assert mirrored.status is original.status
    assert mirrored.gap == original.gap
    assert mirrored.progress_ratio == original.progress_ratio


@EXAMPLES
@given(
    before=observation_lists(first=2005, last=2024),
    after=observation_lists(first=2025, last=2040, max_size=5),
    target=level_targets(),
    assessment=assessment_settings(),
)
def test_level_status_ignores_observations_after_as_of(
    before: list[Observation],
    after: list[Observation],
    target: LevelTarget,
    assessment: AssessmentSettings,
) -> None:
    as_of = 2024
    alone = assess_level("x", UNBOUNDED, target, before, as_of, assessment)
    with_later = assess_level("x", UNBOUNDED, target, [*before, *after], as_of, assessment)
    assert with_later.status is alone.status
    assert repr(with_later) == repr(alone)  # repr: equal even where a ratio is nan


@EXAMPLES
@given(
    observations=observation_lists(),
    forecast_year=st.integers(2005, 2035),
    forecast_value=st.floats(-1000, 1000),
    forecast_break=st.just(False),  # a forecast's series break counts: the next property
    target=level_targets(),
    as_of=st.integers(2012, 2034),
    assessment=assessment_settings(),
)
def test_level_status_ignores_an_added_forecast(
    observations: list[Observation],
    forecast_year: int,
    forecast_value: float,
    forecast_break: bool,
    target: LevelTarget,
    as_of: int,
    assessment: AssessmentSettings,
) -> None:
    if any(o.year == forecast_year for o in observations):
        observations = [o for o in observations if o.year != forecast_year]
    forecast = obs(forecast_year, forecast_value, "F", forecast_break)
    with_forecast = sorted([*observations, forecast], key=lambda o: o.year)
    without = assess_level("x", UNBOUNDED, target, observations, as_of, assessment)
    result = assess_level("x", UNBOUNDED, target, with_forecast, as_of, assessment)
    assert result.status is without.status
    assert repr(result) == repr(without)


@EXAMPLES
@given(
    observations=observation_lists(),
    forecast_year=st.integers(2005, 2035),
    target=level_targets(),
    as_of=st.integers(2012, 2034),
    assessment=assessment_settings(),
)
def test_a_forecasts_series_break_acts_as_a_break_on_the_next_usable_year(
    observations: list[Observation],
    forecast_year: int,
    target: LevelTarget,
    as_of: int,
    assessment: AssessmentSettings,
) -> None:
    observations = [o for o in observations if o.year != forecast_year]
    forecast = obs(forecast_year, 1.0, "F", True)
    with_forecast = sorted([*observations, forecast], key=lambda o: o.year)
    later = [o for o in observations if forecast_year < o.year <= as_of]
    moved = [
        o._replace(series_break=True) if later and o is later[0] else o for o in observations
    ]  # no usable year after the forecast: its break splits nothing
    result = assess_level("x", UNBOUNDED, target, with_forecast, as_of, assessment)
    expected = assess_level("x", UNBOUNDED, target, moved, as_of, assessment)
    assert result.status is expected.status
    assert repr(result.progress_ratio) == repr(expected.progress_ratio)
    assert result.trend_from == expected.trend_from


# -- rate targets -------------------------------------------------------------------------

RATES = st.floats(-50, 100)


@st.composite
def rate_targets(draw: st.DrawFn) -> RateTarget:
    start = draw(st.integers(2015, 2025))
    low = draw(st.floats(-20, 50))
    high = draw(st.none() | st.floats(0, 30).map(lambda extra: low + extra))
    return RateTarget(
        id="rate",
        low=low,
        high=high,
        start=start,
        end=draw(st.integers(start, start + 10)),
        average=draw(st.sampled_from(["compound", "arithmetic"])),
    )


@EXAMPLES
@given(
    constant=st.floats(-90, 500),
    years=st.integers(1, 10),
    average=st.sampled_from(["compound", "arithmetic"]),
)
def test_average_of_a_constant_rate_is_that_rate(constant: float, years: int, average: str) -> None:
    target = RateTarget(id="rate", low=5, start=2021, end=2035, average=average)
    observations = [obs(2021 + i, constant) for i in range(years)]
    result = assess_rate("g", GROWTH, target, observations, 2021 + years - 1, DEFAULTS)
    assert result.observed_growth_pct == pytest.approx(constant, rel=1e-9, abs=1e-9)


@EXAMPLES
@given(target=rate_targets(), data=st.data())
def test_recording_the_required_rate_every_remaining_year_averages_low(
    target: RateTarget, data: st.DataObject
) -> None:
    period = list(range(target.start, target.end + 1))
    if len(period) < 2:
        return  # needs at least one observed year and one remaining year
    last = data.draw(st.integers(target.start, target.end - 1), label="latest observed year")
    earlier = period[: period.index(last)]
    years = [last]
    if earlier:
        years += data.draw(st.lists(st.sampled_from(earlier), unique=True), label="earlier years")
    observations = sorted(
        (obs(year, data.draw(RATES, label=f"rate {year}")) for year in years),
        key=lambda o: o.year,
    )
    so_far = assess_rate("g", GROWTH, target, observations, last, DEFAULTS)
    required = so_far.required_growth_pct
    assert required is not None
    assert so_far.years_left == target.end - last
    completed = [*observations, *(obs(year, required) for year in range(last + 1, target.end + 1))]
    final = assess_rate("g", GROWTH, target, completed, target.end, DEFAULTS)
    assert final.years_left == 0
    assert final.observed_growth_pct == pytest.approx(target.low, rel=1e-9, abs=1e-9)
    if abs(target.low) >= 0.01:
        assert final.status is Status.ACHIEVED


@EXAMPLES
@given(
    observations=observation_lists(values=RATES),
    forecast_year=st.integers(2005, 2035),
    forecast_value=RATES,
    target=rate_targets(),
    as_of=st.integers(2012, 2034),
)
def test_rate_status_ignores_an_added_forecast_and_later_years(
    observations: list[Observation],
    forecast_year: int,
    forecast_value: float,
    target: RateTarget,
    as_of: int,
) -> None:
    observations = [o for o in observations if o.year != forecast_year]
    forecast = obs(forecast_year, forecast_value, "F")
    with_forecast = sorted([*observations, forecast], key=lambda o: o.year)
    up_to = [o for o in observations if o.year <= as_of]
    without = assess_rate("g", GROWTH, target, up_to, as_of, DEFAULTS)
    with_both = assess_rate("g", GROWTH, target, with_forecast, as_of, DEFAULTS)
    assert repr(with_both) == repr(without)
    assert assess_rate("g", GROWTH, target, observations, as_of, DEFAULTS).status is (
        without.status
    )


# -- statuses -----------------------------------------------------------------------------

RATIOS = st.floats(allow_nan=False)


@EXAMPLES
@given(first=RATIOS, second=RATIOS, assessment=assessment_settings())
def test_a_higher_ratio_never_gives_a_worse_status(
    first: float, second: float, assessment: AssessmentSettings
) -> None:
    low, high = sorted((first, second))
    worse = status_from_ratio(low, assessment).severity
    better = status_from_ratio(high, assessment).severity
    assert worse is not None and better is not None
    assert better <= worse
    assert status_from_ratio(high, assessment) is not Status.ACHIEVED


def test_severity_is_a_total_order_of_the_judged_statuses() -> None:
    judged = sorted(
        (s for s in Status if s.severity is not None),
        key=lambda s: s.severity if s.severity is not None else math.inf,
    )
    assert judged == [
        Status.ACHIEVED,
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
        Status.MOVING_AWAY,
    ]
    assert {s for s in Status if s.is_missing} == {Status.INSUFFICIENT_DATA, Status.NO_DATA}


# -- observation files round-trip ---------------------------------------------------------

# Text and values as the files may hold them (kpi.text, kpi.numbers): no control characters, not
# blank, at most 1e18 in size.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30).filter(
    lambda text: text_problem(text, "source") is None
)
FINITE = st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)

REVISIONS = st.builds(
    Revision,
    value=FINITE,
    status=STATUSES,
    series_break=st.booleans(),
    source=TEXT,
    url=st.none() | TEXT,
    note=st.none() | TEXT,
    replaced=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)


@st.composite
def observation_files(draw: st.DrawFn) -> list[Observation]:
    years = draw(st.lists(st.integers(1900, 2100), unique=True, max_size=4))
    return [
        Observation(
            year=year,
            value=draw(FINITE),
            status=draw(STATUSES),
            series_break=draw(st.booleans()),
            source=draw(TEXT),
            url=draw(st.none() | TEXT),
            note=draw(st.none() | TEXT),
            revisions=tuple(draw(st.lists(REVISIONS, max_size=2))),
        )
        for year in years
    ]


@EXAMPLES
@given(observations=observation_files())
def test_rendered_observations_parse_back_to_the_same_file(
    observations: Sequence[Observation],
) -> None:
    text = render_observations(observations)
    parsed = observations_from(tomllib.loads(text))
    expected = tuple(sorted(observations, key=lambda o: o.year))
    assert parsed == expected


@settings(max_examples=300)
@given(
    years=st.lists(st.integers(min_value=2015, max_value=2024), max_size=8),
    values=st.lists(
        st.sampled_from([-150.0, -100.0, -99.5, 0.0, 1.0, 100.0, 120.0]) | st.floats(-150, 150),
        min_size=8,
        max_size=8,
    ),
    bounds=st.none() | st.tuples(st.sampled_from([-100.0, 0.0]), st.sampled_from([1.0, 100.0])),
    is_rate=st.booleans(),
)
def test_the_quick_answer_of_check_observations_agrees_with_looking_at_each(
    years: list[int], values: list[float], bounds: tuple[float, float] | None, is_rate: bool
) -> None:
    """``kpi.validate``'s shortcut (no year twice, every value in bounds) is right exactly when
    looking at each observation finds nothing, so a file with a problem is always looked at."""
    from kpi.validate import _findings, _nothing_to_find, check_observations

    observations = [
        Observation(year=year, value=value, source="Yearbook")
        for year, value in zip(years, values, strict=False)
    ]
    numbered = list(enumerate(observations))
    found = list(_findings(numbered, bounds, is_rate))
    assert _nothing_to_find(observations, bounds, is_rate) == (found == [])
    assert list(check_observations(numbered, bounds, is_rate)) == found
