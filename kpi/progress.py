"""The arithmetic of progress (``docs/methodology.md``): pure functions, no I/O, no printing.

Percentages are in percent (``2.5`` means 2.5 %). Ratios may be ``math.inf`` or ``-math.inf``;
serialisers turn those into ``null`` with a note. ``None`` always means "not defined here".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kpi.model import (
    AssessmentSettings,
    LevelIndicator,
    LevelTarget,
    Observation,
    Origin,
    Project,
    RateIndicator,
    RateTarget,
)
from kpi.notes import Note

RELATIVE_TOLERANCE = 1e-9
STALE_AFTER_YEARS = 2


class Status(StrEnum):
    """A target's status. ``severity`` orders the judged ones from best (0) to worst (4)."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MOVING_AWAY = "moving_away"
    INSUFFICIENT_DATA = "insufficient_data"
    NO_DATA = "no_data"

    @property
    def severity(self) -> int | None:
        """0 (achieved) to 4 (moving away); ``None`` for the two statuses without data."""
        return _SEVERITY.get(self)

    @property
    def is_missing(self) -> bool:
        """True for ``insufficient_data`` and ``no_data``."""
        return self.severity is None


_SEVERITY = {
    Status.ACHIEVED: 0,
    Status.ON_TRACK: 1,
    Status.AT_RISK: 2,
    Status.OFF_TRACK: 3,
    Status.MOVING_AWAY: 4,
}


@dataclass(frozen=True, slots=True)
class PathPoint:
    """One year of a path: the value the path passes through in ``year``."""

    year: int
    value: float


@dataclass(frozen=True, slots=True)
class LevelDetails:
    """Intermediate figures of a level assessment (``None`` where not defined).

    ``observed_slope``/``needed_slope`` are in units a year; ``needed_growth_pct`` is CAGR_r, the
    growth a year needed from the base; ``uses_slopes`` says which pair gave the progress ratio.
    """

    base: Observation | None
    observed_slope: float | None
    needed_slope: float | None
    needed_growth_pct: float | None
    uses_slopes: bool
    planned_path: tuple[PathPoint, ...]
    required_path: tuple[PathPoint, ...]
    planned_now: float | None
    ahead_of_plan: float | None


@dataclass(frozen=True, slots=True)
class RateDetails:
    """Intermediate figures of a rate assessment: the observed years of the period, the years
    missing inside it before the latest, and ``period_years`` (N = observed + remaining)."""

    observed: tuple[Observation, ...]
    missing_years: tuple[int, ...]
    period_years: int


@dataclass(frozen=True, slots=True)
class TargetAssessment:
    """Where one target stands as of a year. See ``docs/methodology.md`` for each figure.

    ``gap`` is in the indicator's unit (level) or percentage points (rate), positive while short;
    ``required_pace`` in units a year; ``*_pct`` in percent a year.
    """

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    target: LevelTarget | RateTarget
    status: Status
    latest: Observation | None
    gap: float | None
    years_left: int | None
    required_pace: float | None
    required_growth_pct: float | None
    observed_growth_pct: float | None
    progress_ratio: float | None
    trend_from: int | None
    projected: float | None
    notes: tuple[Note, ...]
    details: LevelDetails | RateDetails | None


@dataclass(frozen=True, slots=True)
class MonitoredSummary:
    """An indicator without targets: its latest value and observed trend.

    For a level indicator ``observed_growth_pct`` is the compound growth over the trend window;
    for a rate indicator it is the compound average of the rates from ``trend_from`` on.
    """

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    latest: Observation | None
    observed_growth_pct: float | None
    trend_from: int | None
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class SeenObservation:
    """An observation as a reader saw it, with where it is written (``None``: not known)."""

    observation: Observation
    origin: Origin | None


@dataclass(frozen=True, slots=True)
class IndicatorView:
    """One indicator as a reader saw it as of the assessment's year: its definition and its
    observations up to that year (forecasts included), in year order, each with its origin."""

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    seen: tuple[SeenObservation, ...]

    @property
    def observations(self) -> tuple[Observation, ...]:
        """Every observation up to the assessment's year, forecasts included."""
        return tuple(s.observation for s in self.seen)

    @property
    def usable(self) -> tuple[Observation, ...]:
        """The observations the figures rest on: those up to the year that are not forecasts."""
        return tuple(s.observation for s in self.seen if s.observation.status != "F")

    def origin_of(self, year: int) -> Origin | None:
        """Where the observation of ``year`` is written (``None``: not seen or not known)."""
        return next((s.origin for s in self.seen if s.observation.year == year), None)


@dataclass(frozen=True, slots=True)
class ProjectAssessment:
    """Every target's assessment (in file order) and every monitored indicator, as of a year,
    with every indicator as a reader saw it then (``indicators``, in file order) and where each
    target is defined (``target_origins``): all any output needs, without the ``Project``."""

    project_name: str
    as_of: int
    targets: tuple[TargetAssessment, ...]
    monitored: tuple[MonitoredSummary, ...]
    project_name_vi: str | None = None
    indicators: Mapping[str, IndicatorView] = field(default_factory=dict)
    target_origins: Mapping[str, Origin] = field(default_factory=dict)


# -- small helpers -------------------------------------------------------------------------


def finite(value: float | None) -> float | None:
    """``value`` unchanged, or ``None`` when it is missing, infinite or NaN."""
    if value is None or not math.isfinite(value):
        return None
    return value


def satisfies(value: float, comparator: str, target: float) -> bool:
    """True when ``value comparator target`` holds; equality within a relative 1e-9 counts as
    equal, so ``70.0`` satisfies ``>= 70`` and does not satisfy ``> 70``."""
    equal = math.isclose(value, target, rel_tol=RELATIVE_TOLERANCE)
    if comparator == ">=":
        return equal or value > target
    if comparator == ">":
        return not equal and value > target
    if comparator == "<=":
        return equal or value < target
    return not equal and value < target


def direction(comparator: str) -> int:
    """+1 for ``>=``/``>`` targets (higher is better), -1 for ``<=``/``<``."""
    return 1 if comparator in (">=", ">") else -1


def usable_observations(observations: Sequence[Observation], as_of: int) -> list[Observation]:
    """Observations up to ``as_of`` (inclusive) that are not forecasts, in year order."""
    return [o for o in observations if o.year <= as_of and o.status != "F"]


def power(base: float, exponent: float) -> float:
    """``base ** exponent`` for ``base >= 0``, saturating to ``inf`` instead of overflowing."""
    try:
        return float(base**exponent)
    except OverflowError:
        return math.inf


def compound_growth(start: float, end: float, years: float) -> float:
    """Compound growth a year, as a fraction, from ``start`` to ``end`` over ``years`` (> 0);
    ``start`` and ``end`` positive."""
    return power(end / start, 1.0 / years) - 1.0


def progress_ratio(desired: int, observed: float, needed: float) -> float:
    """R = desired * observed / |needed|; with nothing needed: +inf, 0 or -inf by the sign of
    ``desired * observed``."""
    if needed == 0:
        moving = desired * observed
        return math.inf if moving > 0 else (-math.inf if moving < 0 else 0.0)
    return desired * observed / abs(needed)


def status_from_ratio(ratio: float, settings: AssessmentSettings) -> Status:
    """Map a progress ratio to ``on_track``/``at_risk``/``off_track``/``moving_away``."""
    if ratio >= settings.on_track:
        return Status.ON_TRACK
    if ratio >= settings.at_risk:
        return Status.AT_RISK
    if ratio >= 0:
        return Status.OFF_TRACK
    return Status.MOVING_AWAY


def path_between(start: PathPoint, end: PathPoint, compound: bool) -> tuple[PathPoint, ...]:
    """Every year from ``start`` to ``end`` (both included; ``start.year < end.year``):
    geometric when ``compound`` and both values are positive, else a straight line."""
    span = end.year - start.year
    geometric = compound and start.value > 0 and end.value > 0
    points = []
    for year in range(start.year, end.year):
        share = (year - start.year) / span
        if geometric:
            value = start.value * power(end.value / start.value, share)
        else:
            value = start.value + (end.value - start.value) * share
        points.append(PathPoint(year, value))
    points.append(end)  # exactly the end, free of rounding
    return tuple(points)


def _freshness_notes(latest: Observation, as_of: int) -> list[Note]:
    notes = []
    if as_of - latest.year > STALE_AFTER_YEARS:
        notes.append(
            Note("stale", {"year": latest.year, "age": as_of - latest.year, "as_of": as_of})
        )
    if latest.status == "E":
        notes.append(Note("estimated", {"year": latest.year}))
    elif latest.status == "P":
        notes.append(Note("provisional", {"year": latest.year}))
    return notes


def trend_base(
    usable: Sequence[Observation], trend_years: int
) -> tuple[Observation | None, list[Note]]:
    """The base observation t0 of the trend ending at the last of ``usable``: the earliest year in
    [t - trend_years, t - 1] not before the latest series break at or before t; with notes."""
    latest = usable[-1]
    first, last = latest.year - trend_years, latest.year - 1
    last_break = max((o.year for o in usable if o.series_break), default=None)
    if last_break == latest.year:
        return None, [Note("series_break_latest", {"year": latest.year})]
    floor = first if last_break is None else max(first, last_break)
    notes = (
        [Note("series_break", {"year": last_break})] if last_break and last_break > first else []
    )
    for observation in usable:
        if floor <= observation.year <= last:
            return observation, notes
    return None, [*notes, Note("no_trend_base", {"first": floor, "last": last})]


# -- level targets -------------------------------------------------------------------------


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
        details = LevelDetails(None, None, None, None, False, planned, (), None, None)
        return TargetAssessment(
            indicator_id, indicator, target, Status.NO_DATA, None, None, None, None, None,
            None, None, None, None, (Note("no_data", {"as_of": as_of}),), details,
        )  # fmt: skip
    latest = usable[-1]
    t, y, big_t, v = latest.year, latest.value, target.year, target.value
    d = direction(target.comparator)
    notes = _freshness_notes(latest, as_of)

    gap = d * (v - y)
    years_left = big_t - t
    required_pace = gap / years_left if years_left > 0 else None
    required_growth = (
        100 * compound_growth(y, v, years_left) if years_left > 0 and y > 0 and v > 0 else None
    )

    base, base_notes = trend_base(usable, settings.trend_years)
    notes += base_notes
    observed_growth = observed_slope = needed_slope = needed_growth = ratio = projected = None
    uses_slopes = target.method == "linear"
    if base is not None:
        t0, y0 = base.year, base.value
        uses_slopes = uses_slopes or min(y0, y, v) <= 0
        observed_slope = (y - y0) / (t - t0)
        if y0 > 0 and y > 0:
            observed_growth = 100 * compound_growth(y0, y, t - t0)
        if big_t > t0:
            needed_slope = (v - y0) / (big_t - t0)
            if y0 > 0 and v > 0:
                needed_growth = 100 * compound_growth(y0, v, big_t - t0)
            if uses_slopes:
                ratio = progress_ratio(d, observed_slope, needed_slope)
            else:
                assert observed_growth is not None and needed_growth is not None
                ratio = progress_ratio(d, observed_growth, needed_growth)
            if math.isnan(ratio):  # values too far apart for floating point: no verdict
                ratio = None
            elif math.isinf(ratio):
                notes.append(Note("ratio_infinite"))
        if years_left > 0:
            if uses_slopes:
                raw = y + observed_slope * years_left
            else:
                assert observed_growth is not None
                raw = y * power(1 + observed_growth / 100, years_left)
            projected = _clamp(raw, indicator.bounds, notes)

    if satisfies(y, target.comparator, v):
        status = Status.ACHIEVED
    elif years_left <= 0:
        status = Status.OFF_TRACK
        notes.append(Note("missed", {"year": big_t}))
    elif ratio is None:
        status = Status.INSUFFICIENT_DATA
    else:
        status = status_from_ratio(ratio, settings)

    required = (
        path_between(PathPoint(t, y), PathPoint(big_t, v), target.method == "compound")
        if years_left > 0
        else ()
    )
    planned_now = next((p.value for p in planned if p.year == t), None)
    ahead = d * (y - planned_now) if planned_now is not None else None
    details = LevelDetails(
        base, observed_slope, needed_slope, needed_growth, uses_slopes,
        planned, required, planned_now, ahead,
    )  # fmt: skip
    return TargetAssessment(
        indicator_id, indicator, target, status, latest, gap, years_left, required_pace,
        required_growth, observed_growth, ratio, base.year if base else None, projected,
        tuple(notes), details,
    )  # fmt: skip


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


# -- rate targets --------------------------------------------------------------------------


def average_rate(rates: Sequence[float], method: str) -> float:
    """Average of yearly rates in percent: compound (geometric mean of 1 + r/100) or arithmetic."""
    if method == "arithmetic":
        return sum(rates) / len(rates)
    return 100 * (power(math.prod(1 + r / 100 for r in rates), 1 / len(rates)) - 1)


def required_rate(
    rates: Sequence[float], low: float, period_years: int, remaining: int, method: str
) -> float:
    """Rate a year (percent) the ``remaining`` years need so the ``period_years`` average ``low``,
    given the ``rates`` observed so far (``remaining`` > 0)."""
    if method == "arithmetic":
        return (period_years * low - sum(rates)) / remaining
    achieved = math.prod(1 + r / 100 for r in rates)
    return 100 * (power(power(1 + low / 100, period_years) / achieved, 1 / remaining) - 1)


def assess_rate(
    indicator_id: str,
    indicator: RateIndicator,
    target: RateTarget,
    observations: Sequence[Observation],
    as_of: int,
    settings: AssessmentSettings,
) -> TargetAssessment:
    """Assess a rate target as of ``as_of`` (``METHODOLOGY.md``, rate targets, rules 1-6)."""
    usable = usable_observations(observations, as_of)
    latest = usable[-1] if usable else None
    in_period = tuple(o for o in usable if target.start <= o.year <= target.end)
    if not in_period:
        period = target.end - target.start + 1
        note = (
            Note("not_started", {"start": target.start, "as_of": as_of})
            if as_of < target.start
            else Note(
                "no_data_in_period", {"start": target.start, "end": target.end, "as_of": as_of}
            )
        )
        return TargetAssessment(
            indicator_id, indicator, target, Status.NO_DATA, latest, None, period, None,
            target.low, None, None, None, None, (note,), RateDetails((), (), period),
        )  # fmt: skip

    rates = [o.value for o in in_period]
    last = in_period[-1]
    remaining = target.end - last.year
    observed_years = {o.year for o in in_period}
    missing = tuple(y for y in range(target.start, last.year) if y not in observed_years)
    period = len(in_period) + remaining
    mean = average_rate(rates, target.average)
    gap = target.low - mean
    notes = _freshness_notes(last, as_of)
    notes.append(_band_note(last, target))
    if missing:
        notes.append(Note("missing_years", {"years": ", ".join(map(str, missing))}))

    meets_low = mean >= target.low or math.isclose(mean, target.low, rel_tol=RELATIVE_TOLERANCE)
    required: float | None = None
    ratio: float | None = None
    if remaining == 0:
        status = Status.ACHIEVED if meets_low else Status.OFF_TRACK
    else:
        required = required_rate(rates, target.low, period, remaining, target.average)
        if required <= 0:
            ratio = math.inf
            notes.append(Note("secured", {"required": required}))
        else:
            ratio = mean / required
        status = Status.ON_TRACK if meets_low else status_from_ratio(ratio, settings)
        if target.high is not None and required > target.high:
            notes.append(Note("above_band", {"required": required, "high": target.high}))
    return TargetAssessment(
        indicator_id, indicator, target, status, latest, gap, remaining, None, required, mean,
        ratio, in_period[0].year, None, tuple(notes), RateDetails(in_period, missing, period),
    )  # fmt: skip


def _band_note(observation: Observation, target: RateTarget) -> Note:
    params = {"year": observation.year, "value": observation.value}
    if observation.value < target.low:
        return Note("latest_below_band", params)
    if target.high is not None and observation.value > target.high:
        return Note("latest_above_band", params)
    return Note("latest_in_band", params)


# -- monitored indicators and whole projects -----------------------------------------------


def summarise_monitored(
    indicator_id: str,
    indicator: LevelIndicator | RateIndicator,
    observations: Sequence[Observation],
    as_of: int,
    settings: AssessmentSettings,
) -> MonitoredSummary:
    """Latest value and trend of an indicator that has no target."""
    usable = usable_observations(observations, as_of)
    if not usable:
        return MonitoredSummary(
            indicator_id, indicator, None, None, None, (Note("no_data", {"as_of": as_of}),)
        )
    latest = usable[-1]
    notes = _freshness_notes(latest, as_of)
    growth: float | None = None
    trend_from: int | None = None
    if isinstance(indicator, RateIndicator):
        window = [o for o in usable if o.year > latest.year - settings.trend_years]
        growth, trend_from = average_rate([o.value for o in window], "compound"), window[0].year
    else:
        base, base_notes = trend_base(usable, settings.trend_years)
        notes += base_notes
        if base is not None:
            trend_from = base.year
            if base.value > 0 and latest.value > 0:
                growth = 100 * compound_growth(base.value, latest.value, latest.year - base.year)
    return MonitoredSummary(indicator_id, indicator, latest, growth, trend_from, tuple(notes))


def assess_target(
    project: Project, indicator_id: str, target: LevelTarget | RateTarget, as_of: int
) -> TargetAssessment:
    """Assess one of ``project``'s targets (of indicator ``indicator_id``) as of ``as_of``."""
    indicator = project.indicators[indicator_id]
    observations = project.observations[indicator_id]
    settings = project.definition.assessment
    if isinstance(indicator, LevelIndicator):
        assert isinstance(target, LevelTarget)
        return assess_level(indicator_id, indicator, target, observations, as_of, settings)
    assert isinstance(target, RateTarget)
    return assess_rate(indicator_id, indicator, target, observations, as_of, settings)


def assess_project(project: Project, as_of: int) -> ProjectAssessment:
    """Assess every target of ``project`` and summarise every monitored indicator, as of
    ``as_of`` (observations after that year are ignored)."""
    targets = []
    monitored = []
    settings = project.definition.assessment
    for indicator_id, indicator in project.indicators.items():
        if not indicator.targets:
            monitored.append(
                summarise_monitored(
                    indicator_id, indicator, project.observations[indicator_id], as_of, settings
                )
            )
        for target in indicator.targets:
            targets.append(assess_target(project, indicator_id, target, as_of))
    views = {
        indicator_id: view_indicator(project, indicator_id, as_of)
        for indicator_id in project.indicators
    }
    return ProjectAssessment(
        project.name, as_of, tuple(targets), tuple(monitored),
        project.definition.project.name_vi, views, project.target_origins,
    )  # fmt: skip


def view_indicator(project: Project, indicator_id: str, as_of: int) -> IndicatorView:
    """Indicator ``indicator_id`` of ``project`` as a reader saw it as of ``as_of``."""
    origins = project.observation_origins.get(indicator_id, {})
    seen = tuple(
        SeenObservation(o, origins.get(o.year))
        for o in project.observations[indicator_id]
        if o.year <= as_of
    )
    return IndicatorView(indicator_id, project.indicators[indicator_id], seen)
