"""The differential property of issue 13: on level targets, wherever no documented rule differs
(docs/methodology.md, "Against Open SDG"), kpi's status is the one Open SDG's quantitative
method (``sdg/ProgressMeasure.py``, ``methodology_2``) gives.

``open_sdg_status`` restates that method from its documentation and code, not kpi's: the base is
the first observed year at or after the configured base year, the progress value is ``sign ×
direction × CAGR_observed / |CAGR_required|`` from that base, and the thresholds are 0.95, 0.6
and 0, after "target achieved" (``>=`` / ``<=``). The inputs are those where the documented rules
agree: ``>=`` or ``<=`` targets (Open SDG has no strict comparator), compound method, positive
values, no series break or forecast, the latest year before the target year, the target not equal
to the base value, and ratios not within 1e-6 of a threshold (kpi compares with a relative
tolerance of 1e-9, Open SDG exactly).
"""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpi.model import AssessmentSettings, LevelIndicator, LevelTarget, Observation
from kpi.progress import Status, assess_level

INDICATOR = LevelIndicator(name="Index", kind="level", unit="pts")
SETTINGS = AssessmentSettings()  # trend_years 5, thresholds 0.95 and 0.60, as Open SDG's
THRESHOLDS = (0.95, 0.6, 0.0)
OPEN_SDG_STATUS = {  # Open SDG's progress statuses as kpi names them
    "target_achieved": Status.ACHIEVED,
    "substantial_progress": Status.ON_TRACK,
    "moderate_progress": Status.AT_RISK,
    "limited_progress": Status.OFF_TRACK,
    "deterioration": Status.MOVING_AWAY,
    "not_available": Status.INSUFFICIENT_DATA,
}


def _growth(current: float, base: float, current_year: int, base_year: int) -> float:
    return float((current / base) ** (1 / (current_year - base_year)) - 1)


def open_sdg_progress(
    data: dict[int, float], target: float, target_year: int, base_year: int, increase: bool
) -> tuple[str, float | None]:
    """Open SDG's status and progress value for ``data`` (year -> value), a target ``target`` by
    ``target_year`` in the direction ``increase`` (else decrease), from ``base_year``."""
    current_year = max(data)
    current = data[current_year]
    direction = 1 if increase else -1
    if (direction == 1 and current >= target) or (direction == -1 and current <= target):
        return "target_achieved", None
    base_years = [year for year in data if year >= base_year]
    base_year = min(base_years)
    base = data[base_year]
    if current_year - base_year < 1:
        return "not_available", None
    sign = -1 if base < 0 else 1
    observed = _growth(current, base, current_year, base_year)
    required = _growth(target, base, target_year, base_year)
    value = sign * direction * observed / abs(required)
    high, medium, low = THRESHOLDS
    if value >= high:
        return "substantial_progress", value
    if value >= medium:
        return "moderate_progress", value
    if value >= low:
        return "limited_progress", value
    return "deterioration", value


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[int, float], LevelTarget, int]:
    """Observations (year -> positive value), a ``>=``/``<=`` compound target after the latest
    year, and an as-of year from the latest year to the target year."""
    years = draw(st.lists(st.integers(2010, 2025), min_size=1, max_size=8, unique=True))
    values = draw(st.lists(st.floats(1, 1000), min_size=len(years), max_size=len(years)))
    data = dict(sorted(zip(years, values, strict=True)))
    latest = max(data)
    target_year = draw(st.integers(latest + 1, 2035))
    target = LevelTarget(
        id="target",
        comparator=draw(st.sampled_from([">=", "<="])),
        value=draw(st.floats(1, 1000)),
        year=target_year,
        method="compound",
    )
    as_of = draw(st.integers(latest, target_year))
    return data, target, as_of


@settings(max_examples=2000, deadline=None)
@given(case=cases())
def test_level_status_equals_open_sdgs_where_no_documented_rule_differs(
    case: tuple[dict[int, float], LevelTarget, int],
) -> None:
    data, target, as_of = case
    latest_year = max(data)
    observations = [
        Observation(year=year, value=value, source="test") for year, value in data.items()
    ]
    result = assess_level("x", INDICATOR, target, observations, as_of, SETTINGS)
    # Open SDG's base year: the start of kpi's trend window (the first year observed from it on)
    base_year = latest_year - SETTINGS.trend_years
    window = [year for year in data if base_year <= year < latest_year]
    if window:
        assume(not math.isclose(data[min(window)], target.value, rel_tol=1e-9))
    increase = target.comparator == ">="
    name, value = open_sdg_progress(data, target.value, target.year, base_year, increase)
    assume(value is None or all(abs(value - threshold) > 1e-6 for threshold in THRESHOLDS))
    assume(not math.isclose(data[latest_year], target.value, rel_tol=1e-6))
    assert result.status is OPEN_SDG_STATUS[name], (name, value, result.progress_ratio)
    if value is not None:
        assert result.progress_ratio is not None
        assert math.isclose(result.progress_ratio, value, rel_tol=1e-9, abs_tol=1e-12)
