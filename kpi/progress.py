"""The assessment's shared part (``docs/methodology.md``): the statuses, the assessment objects,
the helpers every kind uses, and ``assess_project``, which hands each indicator to its kind.

Files (``kpi.store``) -> model (``kpi.model``) -> assessment (this module, and ``kpi.kinds`` for
each kind's arithmetic, re-exported here) -> renderers (``kpi.render``) -> CLI (``kpi.cli``).
Pure, no I/O. Percentages are in percent (``2.5`` means 2.5 %); ratios may be infinite
(serialisers write ``null`` with a note); ``None`` always means "not defined here". The
assessment objects are immutable ``NamedTuple``s, which cost a fifth of a frozen dataclass to
create at start-up (docs/decisions.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import partial
from types import MappingProxyType
from typing import Any, NamedTuple

from kpi.model import (
    AssessmentSettings,
    Desired,
    Goal,
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
PUBLICATION_LAG_YEARS = 1
"""How long after a year its figure is normally published (a yearbook: the next year)."""


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
        return _JUDGED.index(self) if self in _JUDGED else None

    @property
    def is_missing(self) -> bool:
        """True for ``insufficient_data`` and ``no_data``."""
        return self.severity is None


_JUDGED = (Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.MOVING_AWAY)


class PathPoint(NamedTuple):
    """One year of a path: the value the path passes through in ``year``."""

    year: int
    value: float


class LevelDetails(NamedTuple):
    """Intermediate figures of a level assessment (``None`` where not defined): slopes in units
    a year; ``needed_growth_pct`` is CAGR_r, the growth a year needed from the base;
    ``uses_slopes`` says which pair gave the progress ratio."""

    base: Observation | None = None
    observed_slope: float | None = None
    needed_slope: float | None = None
    needed_growth_pct: float | None = None
    uses_slopes: bool = False
    planned_path: tuple[PathPoint, ...] = ()
    required_path: tuple[PathPoint, ...] = ()
    planned_now: float | None = None
    ahead_of_plan: float | None = None


class RateDetails(NamedTuple):
    """Intermediate figures of a rate assessment: the observed years of the period, the years
    missing inside it before the latest, and ``period_years`` (N = observed + remaining)."""

    period_years: int
    observed: tuple[Observation, ...] = ()
    missing_years: tuple[int, ...] = ()


class TargetAssessment(NamedTuple):
    """Where one target stands as of a year (``docs/methodology.md``): ``gap`` in the indicator's
    unit (level) or percentage points (rate), positive while short; ``required_pace`` in units a
    year; ``*_pct`` in percent a year; ``years_ahead_of_plan`` the time distance to the planned
    path (negative: behind it); ``next_year_needs`` what the year after the latest observation
    must bring to be on the required path (a level's value, or a rate target's rate); each figure
    ``None`` unless the kind gives it."""

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    target: LevelTarget | RateTarget
    status: Status
    latest: Observation | None = None
    gap: float | None = None
    years_left: int | None = None
    required_pace: float | None = None
    required_growth_pct: float | None = None
    observed_growth_pct: float | None = None
    progress_ratio: float | None = None
    trend_from: int | None = None
    projected: float | None = None
    years_ahead_of_plan: float | None = None
    next_year_needs: PathPoint | None = None
    notes: tuple[Note, ...] = ()
    details: LevelDetails | RateDetails | None = None

    @property
    def kind(self) -> TargetKind[Any, Any, Any]:
        """The kind of this target (``kpi.kinds``): ask it rather than test the target's type."""
        return kind_of(self.indicator)


class MonitoredSummary(NamedTuple):
    """An indicator without targets: its latest value and observed trend (``observed_growth_pct``:
    a level's compound growth over the trend window, a rate's compound average of the rates from
    ``trend_from`` on). With a desired direction (``desired``, level indicators only) also its
    ``status`` by the direction method (``status_from_direction``) and ``direction_growth_pct``,
    its growth in the desired direction (``d × observed_growth_pct``); both ``None`` without one."""

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    notes: tuple[Note, ...]
    latest: Observation | None = None
    observed_growth_pct: float | None = None
    trend_from: int | None = None
    status: Status | None = None
    direction_growth_pct: float | None = None

    @property
    def desired(self) -> Desired | None:
        """The indicator's desired direction (``None``: none, or a kind that has none)."""
        return self.kind.desired(self.indicator)

    @property
    def kind(self) -> TargetKind[Any, Any, Any]:
        """The kind of the indicator (``kpi.kinds``)."""
        return kind_of(self.indicator)


class IndicatorView(NamedTuple):
    """One indicator as a reader saw it as of the assessment's year: its definition, its
    observations up to that year (forecasts included) in year order, and where each year's
    observation is written (``origins``: possibly more years than seen, or none known)."""

    indicator_id: str
    indicator: LevelIndicator | RateIndicator
    observations: tuple[Observation, ...]
    origins: Mapping[int, Origin] = MappingProxyType({})

    @property
    def usable(self) -> tuple[Observation, ...]:
        """The observations the figures rest on: those up to the year that are not forecasts."""
        return tuple(o for o in self.observations if o.status != "F")

    def origin_of(self, year: int) -> Origin | None:
        """Where the observation of ``year`` is written (``None``: not seen or not known)."""
        if not any(o.year == year for o in self.observations):
            return None
        return self.origins.get(year)


class ProjectAssessment(NamedTuple):
    """Every target's assessment (in file order) and every monitored indicator, as of a year,
    with every indicator as a reader saw it then (``indicators``, in file order), where each
    target is defined (``target_origins``) and the ``[assessment]`` settings used (``settings``):
    all any output needs, without the ``Project``."""

    project_name: str
    as_of: int
    targets: tuple[TargetAssessment, ...]
    monitored: tuple[MonitoredSummary, ...]
    settings: AssessmentSettings
    project_name_vi: str | None = None
    indicators: Mapping[str, IndicatorView] = MappingProxyType({})
    target_origins: Mapping[str, Origin] = MappingProxyType({})
    goals: Mapping[str, Goal] = MappingProxyType({})


class GoalGroup(NamedTuple):
    """The targets one goal sets (``goal_id`` and ``goal`` ``None``: the targets without one)."""

    goal_id: str | None
    goal: Goal | None
    targets: tuple[TargetAssessment, ...]


def by_goal(report: ProjectAssessment) -> ProjectAssessment:
    """``report`` with its targets in the order of ``goal_groups`` (unchanged without goals): the
    formats for people list each goal's targets together."""
    if not report.goals:
        return report
    grouped = tuple(a for group in goal_groups(report.goals, report.targets) for a in group.targets)
    return report._replace(targets=grouped)


def goal_groups(
    goals: Mapping[str, Goal], targets: Sequence[TargetAssessment]
) -> tuple[GoalGroup, ...]:
    """``targets`` by goal: every one of ``goals`` (``targets.toml``'s, in file order) with its
    targets (in the given order; maybe none), then, when there are any, the targets without a
    goal. Without goals: one group of every target (``goal_id`` ``None``)."""
    groups = [
        GoalGroup(goal_id, goal, tuple(a for a in targets if a.target.goal == goal_id))
        for goal_id, goal in goals.items()
    ]
    rest = tuple(a for a in targets if a.target.goal not in goals)
    if rest or not groups:
        groups.append(GoalGroup(None, None, rest))
    return tuple(groups)


# -- small helpers -------------------------------------------------------------------------


def finite(value: float | None) -> float | None:
    """``value`` unchanged, or ``None`` when it is missing, infinite or NaN."""
    return value if value is not None and math.isfinite(value) else None


def satisfies(value: float, comparator: str, target: float) -> bool:
    """True when ``value comparator target`` holds; equality within a relative 1e-9 counts as
    equal, so ``70.0`` satisfies ``>= 70`` and does not satisfy ``> 70``."""
    equal = math.isclose(value, target, rel_tol=RELATIVE_TOLERANCE)
    beyond = value > target if comparator in (">=", ">") else value < target
    return (equal or beyond) if comparator in (">=", "<=") else (not equal and beyond)


def direction(comparator: str) -> int:
    """+1 for ``>=``/``>`` targets (higher is better), -1 for ``<=``/``<``."""
    return 1 if comparator in (">=", ">") else -1


def usable_observations(observations: Sequence[Observation], as_of: int) -> list[Observation]:
    """Observations up to ``as_of`` (inclusive) that are not forecasts, in year order."""
    return [o for o in observations if o.year <= as_of and o.status != "F"]


def break_years(observations: Sequence[Observation], as_of: int) -> frozenset[int]:
    """The years up to ``as_of`` (inclusive) that start a new series, forecasts' included: a
    forecast's value is left out of the trend but its series break still splits the series."""
    return frozenset(o.year for o in observations if o.year <= as_of and o.series_break)


def power(base: float, exponent: float) -> float:
    """``base ** exponent`` for ``base >= 0``, saturating to ``inf`` instead of overflowing."""
    try:
        return float(base**exponent)
    except OverflowError:
        return math.inf


def progress_ratio(desired: int, observed: float, needed: float) -> float:
    """R = desired * observed / |needed|; with nothing needed: +inf, 0 or -inf by the sign of
    ``desired * observed``."""
    if needed == 0:
        moving = desired * observed
        return math.inf if moving > 0 else (-math.inf if moving < 0 else 0.0)
    return desired * observed / abs(needed)


def status_from_ratio(ratio: float, settings: AssessmentSettings) -> Status:
    """Map a progress ratio to ``on_track``/``at_risk``/``off_track``/``moving_away``; a ratio
    equal to a threshold within the comparators' relative 1e-9 (``satisfies``) reaches it, so a
    pace of exactly 95 % computed as 0.9499999999999996 is on track."""
    if satisfies(ratio, ">=", settings.on_track):
        return Status.ON_TRACK
    if satisfies(ratio, ">=", settings.at_risk):
        return Status.AT_RISK
    if ratio >= 0:
        return Status.OFF_TRACK
    return Status.MOVING_AWAY


def desired_sign(desired: Desired) -> int:
    """d of the direction method: +1 for ``increase``, -1 for ``decrease``."""
    return 1 if desired == "increase" else -1


def status_from_direction(growth_pct: float, settings: AssessmentSettings) -> Status:
    """The status of an indicator with a desired direction and no target, from its growth in that
    direction ``g = d × CAGR`` (percent a year; Open SDG's ``methodology_1``): ``on_track`` from
    ``direction_on_track`` (1.5), ``at_risk`` from ``direction_at_risk`` (0.5), ``off_track`` from
    ``direction_off_track`` (0), else ``moving_away``; each threshold reached within the
    comparators' relative 1e-9 (``satisfies``), so 1.4999999999999902 is on track."""
    if satisfies(growth_pct, ">=", settings.direction_on_track):
        return Status.ON_TRACK
    if satisfies(growth_pct, ">=", settings.direction_at_risk):
        return Status.AT_RISK
    if satisfies(growth_pct, ">=", settings.direction_off_track):
        return Status.OFF_TRACK
    return Status.MOVING_AWAY


def path_between(start: PathPoint, end: PathPoint, compound: bool) -> tuple[PathPoint, ...]:
    """Every year from ``start`` to ``end`` (both included; ``start.year < end.year``):
    geometric when ``compound`` and both values are positive, else a straight line."""
    first, span, years = start.year, end.year - start.year, range(start.year, end.year)
    low, high = start.value, end.value
    if compound and low > 0 and high > 0:
        ratio = high / low  # to a power below 1 no positive float overflows (``power``)
        values = [low * ratio ** ((year - first) / span) for year in years]
    else:
        values = [low + (high - low) * ((year - first) / span) for year in years]
    # Exactly the end, free of rounding; each point made in C (a large project has thousands).
    return (*map(_new_point, zip(years, values, strict=True)), end)


_new_point = partial(tuple.__new__, PathPoint)


def stale_after(update_every: int) -> int:
    """The age in years beyond which the latest observation of an indicator published every
    ``update_every`` years is stale: the next figure was due ``update_every`` years after it and
    is published ``PUBLICATION_LAG_YEARS`` later, so 2 for a yearly indicator."""
    return update_every + PUBLICATION_LAG_YEARS


STALE_AFTER_YEARS = stale_after(1)
"""``stale_after`` of a yearly indicator (``update_every = 1``, the default)."""


def is_stale(year: int, as_of: int, update_every: int) -> bool:
    """True when an indicator's latest observation, from ``year``, is stale as of ``as_of``: more
    than ``stale_after(update_every)`` years old (``as_of - year > update_every + 1``)."""
    return as_of - year > stale_after(update_every)


def freshness_notes(latest: Observation, as_of: int, update_every: int) -> list[Note]:
    """The notes on the latest observation used of an indicator published every
    ``update_every`` years: ``stale`` when ``is_stale``, ``estimated`` or ``provisional`` by its
    status."""
    notes = []
    age = as_of - latest.year
    if is_stale(latest.year, as_of, update_every):
        notes.append(Note("stale", {"year": latest.year, "age": age, "as_of": as_of}))
    status_note = {"E": "estimated", "P": "provisional"}.get(latest.status)
    if status_note is not None:
        notes.append(Note(status_note, {"year": latest.year}))
    return notes


# -- monitored indicators and whole projects -----------------------------------------------


def summarise_monitored(
    indicator_id: str,
    indicator: LevelIndicator | RateIndicator,
    observations: Sequence[Observation],
    as_of: int,
    settings: AssessmentSettings,
) -> MonitoredSummary:
    """Latest value and trend of an indicator that has no target, as of ``as_of``: the trend is
    the kind's (``TargetKind.monitored_trend``), after the latest value's freshness notes. With a
    desired direction (``TargetKind.desired``) also its status by the direction method:
    ``status_from_direction`` of ``g = d × CAGR`` over the same window; ``insufficient_data``
    without a trend base or a compound growth (note ``growth_undefined``), ``no_data`` without
    an observation."""
    kind = kind_of(indicator)
    desired = kind.desired(indicator)
    usable = usable_observations(observations, as_of)
    if not usable:
        status = None if desired is None else Status.NO_DATA
        no_data = (Note("no_data", {"as_of": as_of}),)
        return MonitoredSummary(
            indicator_id=indicator_id, indicator=indicator, notes=no_data, status=status
        )
    latest = usable[-1]
    breaks = break_years(observations, as_of)
    growth, trend_from, trend_notes = kind.monitored_trend(usable, breaks, settings)
    notes = [*freshness_notes(latest, as_of, indicator.update_every), *trend_notes]
    status = direction_growth = None
    if desired is not None:
        status, direction_growth = _direction_judgement(
            desired, growth, trend_from, usable, settings, notes
        )
    return MonitoredSummary(
        indicator_id=indicator_id,
        indicator=indicator,
        latest=latest,
        observed_growth_pct=growth,
        trend_from=trend_from,
        notes=tuple(notes),
        status=status,
        direction_growth_pct=direction_growth,
    )


def _direction_judgement(
    desired: Desired,
    growth: float | None,
    trend_from: int | None,
    usable: Sequence[Observation],
    settings: AssessmentSettings,
    notes: list[Note],
) -> tuple[Status, float | None]:
    """The direction method's status and ``g`` for a monitored indicator whose trend is
    ``growth`` from ``trend_from`` (``insufficient_data`` without a trend base, or with the note
    ``growth_undefined`` when a value is at or below zero), appending its note to ``notes``."""
    if growth is not None:
        g = desired_sign(desired) * growth
        return status_from_direction(g, settings), g
    if trend_from is not None:  # a base, but no compound growth between the two values
        base = next(o for o in usable if o.year == trend_from)
        latest = usable[-1]
        notes.append(
            Note(
                "growth_undefined",
                {"base_year": base.year, "base": base.value, "year": latest.year,
                 "value": latest.value},
            )
        )  # fmt: skip
    return Status.INSUFFICIENT_DATA, None


def assess_project(project: Project, as_of: int) -> ProjectAssessment:
    """Assess each target and summarise each monitored indicator, ignoring years after ``as_of``."""
    settings = project.definition.assessment
    indicators = project.indicators.items()
    observations = project.observations
    return ProjectAssessment(
        project_name=project.name,
        as_of=as_of,
        targets=tuple(
            kind_of(indicator).assess(
                indicator_id, indicator, target, observations[indicator_id], as_of, settings
            )
            for indicator_id, indicator in indicators
            for target in indicator.targets
        ),
        monitored=tuple(
            summarise_monitored(
                indicator_id, indicator, observations[indicator_id], as_of, settings
            )
            for indicator_id, indicator in indicators
            if not indicator.targets
        ),
        project_name_vi=project.definition.project.name_vi,
        indicators={
            indicator_id: view_indicator(project, indicator_id, as_of)
            for indicator_id in project.indicators
        },
        target_origins=project.target_origins,
        goals=project.definition.goals,
        settings=settings,
    )


def view_indicator(project: Project, indicator_id: str, as_of: int) -> IndicatorView:
    """Indicator ``indicator_id`` of ``project`` as a reader saw it as of ``as_of``."""
    observations = project.observations[indicator_id]
    if any(o.year > as_of for o in observations):  # most often, every one is seen
        observations = tuple(o for o in observations if o.year <= as_of)
    origins = project.observation_origins.get(indicator_id, {})
    return IndicatorView(indicator_id, project.indicators[indicator_id], observations, origins)


# Imported last: the kinds build on all the above (``kpi.kinds`` loads this module first).
from kpi.kinds import TargetKind, kind_of  # noqa: E402
from kpi.kinds.level import assess_level as assess_level  # noqa: E402
from kpi.kinds.rate import assess_rate as assess_rate  # noqa: E402
from kpi.kinds.rate import average_rate as average_rate  # noqa: E402
from kpi.kinds.rate import required_rate as required_rate  # noqa: E402
