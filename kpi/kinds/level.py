"""Level targets, reach a value by a year (``docs/methodology.md``): ``assess_level``, with its
planned path and clamped projection, and ``LEVEL``, their ``TargetKind``. Pure, no text for people.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

from kpi.kinds import Figures, GateFigures, KeySuffix, TargetKind, Trend
from kpi.model import (
    AssessmentSettings,
    Desired,
    LevelIndicator,
    LevelTarget,
    Observation,
    RateIndicator,
    Target,
)
from kpi.notes import Note
from kpi.progress import (
    RELATIVE_TOLERANCE,
    LevelDetails,
    PathPoint,
    RateDetails,
    Status,
    TargetAssessment,
    break_years,
    direction,
    finite,
    freshness_notes,
    path_between,
    power,
    progress_ratio,
    satisfies,
    status_from_ratio,
    usable_observations,
)


def assess_level(
    indicator_id: str,
    indicator: LevelIndicator,
    target: LevelTarget,
    observations: Sequence[Observation],
    as_of: int,
    settings: AssessmentSettings,
) -> TargetAssessment:
    """Assess a level target as of ``as_of`` (``METHODOLOGY.md``, level targets, rules 1-9)."""
    usable = usable_observations(observations, as_of)
    planned = _planned_path(target)
    if not usable:
        return TargetAssessment(
            indicator_id=indicator_id,
            indicator=indicator,
            target=target,
            status=Status.NO_DATA,
            notes=(Note("no_data", {"as_of": as_of}),),
            details=LevelDetails(planned_path=planned),
        )
    latest = usable[-1]
    t, y, big_t, v = latest.year, latest.value, target.year, target.value
    d = direction(target.comparator)
    notes = freshness_notes(latest, as_of, indicator.update_every)

    gap = d * (v - y)
    span = big_t - t  # years from the latest observation to the target year
    # Past the target year without a value for it: no year is left to make up the gap in.
    passed_unobserved = as_of > big_t and span > 0
    years_left = 0 if passed_unobserved else span
    required_pace = required_growth = None
    required: tuple[PathPoint, ...] = ()
    if years_left > 0:
        required_pace = gap / years_left
        required_growth = _growth_pct(y, v, years_left)
        required = path_between(PathPoint(t, y), PathPoint(big_t, v), target.method == "compound")

    base, base_notes = trend_base(usable, settings.trend_years, break_years(observations, as_of))
    notes += base_notes
    observed_growth = observed_slope = needed_slope = needed_growth = ratio = projected = None
    uses_slopes = target.method == "linear"
    if base is not None:
        t0, y0 = base.year, base.value
        uses_slopes = uses_slopes or min(y0, y, v) <= 0
        observed_slope = (y - y0) / (t - t0)
        observed_growth = _growth_pct(y0, y, t - t0)
        if big_t > t0:
            needed_slope = (v - y0) / (big_t - t0)
            needed_growth = _growth_pct(y0, v, big_t - t0)
            if uses_slopes:
                ratio = progress_ratio(d, observed_slope, needed_slope)
            else:
                assert observed_growth is not None and needed_growth is not None
                ratio = progress_ratio(d, observed_growth, needed_growth)
            if math.isnan(ratio):  # values too far apart for floating point: no verdict
                ratio = None
            elif math.isinf(ratio):
                notes.append(Note("ratio_infinite"))
        if span > 0:
            if uses_slopes:
                raw = y + observed_slope * span
            else:
                assert observed_growth is not None
                raw = y * power(1 + observed_growth / 100, span)
            projected = _clamp(raw, indicator.bounds, notes)

    if satisfies(y, target.comparator, v):
        status = Status.ACHIEVED
    elif passed_unobserved:
        status = Status.INSUFFICIENT_DATA
        notes.append(Note("target_year_passed", {"year": big_t, "latest": t, "as_of": as_of}))
    elif years_left <= 0:
        status = Status.OFF_TRACK
        notes.append(Note("missed", {"year": big_t}))
    elif ratio is None:
        status = Status.INSUFFICIENT_DATA
    else:
        status = status_from_ratio(ratio, settings)

    planned_now = next((p.value for p in planned if p.year == t), None)
    ahead = d * (y - planned_now) if planned_now is not None else None
    next_needs = required[1] if len(required) > 1 and status is not Status.ACHIEVED else None
    return TargetAssessment(
        indicator_id=indicator_id,
        indicator=indicator,
        target=target,
        status=status,
        latest=latest,
        gap=gap,
        years_left=years_left,
        required_pace=required_pace,
        required_growth_pct=required_growth,
        observed_growth_pct=observed_growth,
        progress_ratio=ratio,
        trend_from=base.year if base else None,
        projected=projected,
        years_ahead_of_plan=years_ahead_of_plan(target, latest),
        next_year_needs=next_needs,
        notes=tuple(notes),
        details=LevelDetails(
            base=base,
            observed_slope=observed_slope,
            needed_slope=needed_slope,
            needed_growth_pct=needed_growth,
            uses_slopes=uses_slopes,
            planned_path=planned,
            required_path=required,
            planned_now=planned_now,
            ahead_of_plan=ahead,
        ),
    )


def years_ahead_of_plan(target: LevelTarget, latest: Observation) -> float | None:
    """Sicherl's S-time-distance to the planned path: the (fractional) year in which the path from
    the baseline to the target reaches the latest value, minus the latest year; positive when the
    value is where the plan expected it later (ahead), negative when behind. The path is extended
    beyond its ends; ``None`` without a baseline or when the path is flat. Compound paths are
    geometric when both ends and the value are positive (``path_between``), else straight."""
    if target.baseline is None:
        return None
    b, t_b, v, big_t, y = (
        target.baseline.value, target.baseline.year, target.value, target.year, latest.value,
    )  # fmt: skip
    if math.isclose(v, b, rel_tol=RELATIVE_TOLERANCE):
        return None  # a flat path reaches every value or none
    if target.method == "compound" and b > 0 and v > 0:
        if y <= 0:
            return None  # a geometric path never reaches it
        share = math.log(y / b) / math.log(v / b)
    else:
        share = (y - b) / (v - b)
    reached = t_b + (big_t - t_b) * share
    distance = reached - latest.year
    return distance if math.isfinite(distance) else None


def _planned_path(target: LevelTarget) -> tuple[PathPoint, ...]:
    if target.baseline is None:
        return ()
    start = PathPoint(target.baseline.year, target.baseline.value)
    return path_between(start, PathPoint(target.year, target.value), target.method == "compound")


def _clamp(value: float, bounds: Sequence[float] | None, notes: list[Note]) -> float:
    if bounds is None:
        return value
    held = min(max(value, bounds[0]), bounds[1])
    if held != value:
        notes.append(Note("projection_clamped", {"raw": value, "bound": held}))
    return held


def _growth_pct(start: float, end: float, years: float) -> float | None:
    """Compound growth in percent a year; ``None`` unless both values are positive."""
    return 100 * (power(end / start, 1 / years) - 1) if start > 0 and end > 0 else None


def trend_base(
    usable: Sequence[Observation], trend_years: int, breaks: Collection[int]
) -> tuple[Observation | None, list[Note]]:
    """The base observation t0 of the trend ending at the last of ``usable``: the earliest year in
    [t - trend_years, t - 1] not before the latest series break at or before t (``breaks``: the
    years of every series break, a forecast's included, ``break_years``); with notes."""
    latest = usable[-1]
    first, last = latest.year - trend_years, latest.year - 1
    last_break = max((year for year in breaks if year <= latest.year), default=None)
    if last_break == latest.year:
        return None, [Note("series_break", {"year": latest.year, "latest": True})]
    floor = first if last_break is None else max(first, last_break)
    notes = []
    if last_break is not None and last_break > first:
        notes.append(Note("series_break", {"year": last_break, "latest": False}))
    for observation in usable:
        if floor <= observation.year <= last:
            return observation, notes
    return None, [*notes, Note("no_trend_base", {"first": floor, "last": last})]


class LevelKind(TargetKind[LevelIndicator, LevelTarget, LevelDetails]):
    """The level kind (``kind = "level"``)."""

    name = "level"
    values_are_rates = False
    indicator_type = LevelIndicator
    target_type = LevelTarget
    details_type = LevelDetails
    assess_typed = staticmethod(assess_level)

    def desired(self, indicator: LevelIndicator | RateIndicator) -> Desired | None:
        """The level indicator's ``desired`` (``TypeError`` for another kind's indicator)."""
        if not isinstance(indicator, LevelIndicator):
            raise TypeError(f"not a level indicator: {indicator.kind}")
        return indicator.desired

    def monitored_trend(
        self, usable: Sequence[Observation], breaks: Collection[int], settings: AssessmentSettings
    ) -> Trend:
        """The compound growth over the trend window ending at the last of ``usable``."""
        base, notes = trend_base(usable, settings.trend_years, breaks)
        if base is None:
            return None, None, notes
        latest = usable[-1]
        return _growth_pct(base.value, latest.value, latest.year - base.year), base.year, notes

    def bounded_values(self, target: Target) -> tuple[tuple[KeySuffix, float], ...]:
        level = self.target_of(target)
        values: list[tuple[KeySuffix, float]] = [(("value",), level.value)]
        if level.baseline is not None:
            values.append((("baseline", "value"), level.baseline.value))
        return tuple(values)

    def years(self, target: Target) -> tuple[int, ...]:
        """The baseline year (where the planned path starts) if any, then the target year."""
        level = self.target_of(target)
        start = () if level.baseline is None else (level.baseline.year,)
        return (*start, level.year)

    def target_dict(self, target: Target) -> dict[str, Any]:
        level = self.target_of(target)
        return {"comparator": level.comparator, "value": level.value, "year": level.year}

    def details_dict(self, details: LevelDetails | RateDetails | None) -> dict[str, Any]:
        level = self.details_of(details)
        if level is None:
            return {}
        return {
            "base": {"year": level.base.year, "value": level.base.value} if level.base else None,
            "observed_slope": finite(level.observed_slope),
            "needed_slope": finite(level.needed_slope),
            "needed_growth_pct": finite(level.needed_growth_pct),
            "uses_slopes": level.uses_slopes,
            "planned_now": finite(level.planned_now),
            "ahead_of_plan": finite(level.ahead_of_plan),
            "planned_path": [point._asdict() for point in level.planned_path],
            "required_path": [point._asdict() for point in level.required_path],
        }

    def gate_figures(self, assessment: TargetAssessment) -> GateFigures:
        """The target's comparator, value and year against the latest value and its year; the
        paces are the slopes when the progress ratio used them, else the growth rates."""
        target = self.target_of(assessment.target)
        details = self.details_of(assessment.details)
        latest = assessment.latest
        slopes = details is not None and details.uses_slopes
        needed = observed = None
        if details is not None:
            needed = details.needed_slope if slopes else details.needed_growth_pct
            observed = details.observed_slope if slopes else assessment.observed_growth_pct
        value, year = (latest.value, latest.year) if latest else (None, None)
        return GateFigures(
            comparator=target.comparator,
            expected=Figures(target.value, target.year, finite(needed)),
            actual=Figures(value, year, finite(observed)),
            pace_is_slope=slopes,
        )


LEVEL: LevelKind = LevelKind()  # typed: mypy meets it inside an import cycle
