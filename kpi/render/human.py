"""Short texts for people (figures, goals, statuses), shared by every human format.

Every label is an English message id translated with ``kpi.i18n._`` when shown, and every number
follows the current language's convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from kpi.i18n import N_, _, format_number, language
from kpi.kinds import kind_of_target
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import (
    Goal,
    LevelIndicator,
    LevelTarget,
    Observation,
    RateIndicator,
    RateTarget,
)
from kpi.progress import (
    MonitoredSummary,
    ProjectAssessment,
    Status,
    TargetAssessment,
    direction,
    goal_groups,
    is_stale,
)

NONE = "–"

STATUS_LABELS = {
    Status.ACHIEVED: N_("achieved"),
    Status.ON_TRACK: N_("on track"),
    Status.AT_RISK: N_("at risk"),
    Status.OFF_TRACK: N_("off track"),
    Status.MOVING_AWAY: N_("moving away"),
    Status.INSUFFICIENT_DATA: N_("insufficient data"),
    Status.NO_DATA: N_("no data"),
}

_COMPARATORS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def status_label(status: Status) -> str:
    """The status in words, in the current language (``on track``, ``đúng lộ trình``)."""
    return _(STATUS_LABELS[status])


def number(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """``value`` rounded to ``digits`` decimals without trailing zeros; ``–`` when unknown."""
    if value is None or math.isnan(value):
        return NONE
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return format_number(value, digits, signed)


def name_of(item: LevelIndicator | RateIndicator | LevelTarget | RateTarget) -> str | None:
    """The item's name in the current language (``name_vi`` in Vietnamese when given)."""
    return item.name_vi if language() == "vi" and item.name_vi else item.name


def years_text(first: int, last: int) -> str:
    """The years ``first`` to ``last`` as a legend or a sentence writes them: ``2021–2025``, or
    ``2025`` alone when they are one year (not ``2025–2025``)."""
    return str(first) if first == last else f"{first}–{last}"


def project_title(report: ProjectAssessment) -> str:
    """``Hai Phong 2030, as of 2026`` in the current language."""
    name = (language() == "vi" and report.project_name_vi) or report.project_name
    return _("{project}, as of {year}").format(project=name, year=report.as_of)


SPARK_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 8) -> str:
    """The last ``width`` values as bars ``▁▂▃▄▅▆▇█`` scaled between their minimum and maximum."""
    shown = values[-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    span = high - low
    if span == 0 or not math.isfinite(span):
        return SPARK_BARS[3] * len(shown)
    top = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[round((v - low) / span * top)] for v in shown)


def marks(observation: Observation, as_of: int | None = None, update_every: int = 1) -> str:
    """The marks every format for people shows (``legend``): ``E``, ``P`` or ``F`` for the status,
    ``|`` for a series break, then ``!`` when stale as of ``as_of`` for an indicator published
    every ``update_every`` years (``kpi.progress.is_stale``; give ``as_of`` for an indicator's
    latest observation only: an older one in a list is not stale for being old)."""
    flags: list[str] = [] if observation.status == "A" else [observation.status]
    if observation.series_break:
        flags.append("|")
    if as_of is not None and is_stale(observation.year, as_of, update_every):
        flags.append("!")
    return "".join(flags)


def latest_text(observation: Observation | None, as_of: int | None, update_every: int = 1) -> str:
    """``60.6 (2023)``, ``44.4 E| (2025)``, ``60.6 ! (2023)`` (``marks`` as of ``as_of`` for an
    indicator published every ``update_every`` years; ``None``, no ``!``, is for the machine
    formats' messages only); ``no data`` without an observation."""
    if observation is None:
        return _("no data")
    flags = marks(observation, as_of, update_every)
    return f"{number(observation.value)}{' ' + flags if flags else ''} ({observation.year})"


def latest_of(item: TargetAssessment | MonitoredSummary, as_of: int | None) -> str:
    """``latest_text`` of a target's or monitored indicator's latest observation, its ``!`` by
    its indicator's ``update_every``."""
    return latest_text(item.latest, as_of, item.indicator.update_every)


def observation_note(observation: Observation, digits: int) -> str:
    """The observation's note, then how often it was revised and its last value before (rounded
    to ``digits`` decimals); empty without either."""
    note = observation.note or ""
    if observation.revisions:
        revised = _("revised {count} times; was {value}").format(
            count=len(observation.revisions), value=number(observation.revisions[-1].value, digits)
        )
        note = f"{note} ({revised})" if note else revised
    return note


def goal_text(target: LevelTarget | RateTarget, unit: str) -> str:
    """``≥ 55 % by 2030`` (level, in ``unit``) or ``20–22 %/yr, 2025–2030`` (rate)."""
    return _GOALS[kind_of_target(target).name](target, unit)


def _level_goal(target: LevelTarget | RateTarget, unit: str) -> str:
    level = LEVEL.target_of(target)
    comparator = _COMPARATORS[level.comparator]
    return _("{comparator} {value} {unit} by {year}").format(
        comparator=comparator, value=number(level.value), unit=unit, year=level.year
    )


def _rate_goal(target: LevelTarget | RateTarget, _unit: str) -> str:
    rate = RATE.target_of(target)
    high = rate.high
    band = f"{number(rate.low)}–{number(high)}" if high is not None else f"≥ {number(rate.low)}"
    # A rate is a percentage a year by definition, whatever the unit is called in the file.
    if rate.start == rate.end:  # a year's plan
        return _("{band} % in {year}").format(band=band, year=rate.start)
    return _("{band} %/yr, {start}–{end}").format(band=band, start=rate.start, end=rate.end)


def needs_text(assessment: TargetAssessment, with_growth: bool = True) -> str:
    """The pace now required: ``+1.34 pp/yr (+2.08 %/yr)`` for a level, signed in the indicator's
    own terms (``-0.1 pp/yr`` for a value that must fall; the part in brackets only
    ``with_growth``), ``15.46 %/yr`` for a rate."""
    return _NEEDS[assessment.kind.name](assessment, with_growth)


def change_needed(assessment: TargetAssessment) -> float | None:
    """The gap in the indicator's own terms, signed: for a level target the target value minus the
    latest (``-0.5``: it must fall 0.5), for a rate target the points the average is short of the
    band's low end. JSON keeps the direction-normalised ``gap`` (positive: still short)."""
    if assessment.gap is None:
        return None
    return _SIGNS[assessment.kind.name](assessment) * assessment.gap


def level_pace(assessment: TargetAssessment) -> float | None:
    """The change a year a level target now needs in the indicator's own terms (negative: the
    value must fall), from the direction-normalised ``required_pace``; ``None`` when unknown."""
    if assessment.required_pace is None:
        return None
    return _level_sign(assessment) * assessment.required_pace


def pace_text(pace: float, unit: str, signed: bool = True) -> str:
    """A change a year with its unit: ``+1.34 pp/yr`` (percentage points) for a share in ``%``,
    ``-0.1 t/yr`` for another unit; never a bare ``/yr`` that reads as a growth rate."""
    if unit.strip() == "%":
        return _("{pace} pp/yr").format(pace=number(pace, signed=signed))
    return _("{pace} {unit}/yr").format(pace=number(pace, signed=signed), unit=unit)


def _level_needs(assessment: TargetAssessment, with_growth: bool) -> str:
    pace = level_pace(assessment)
    if pace is None:
        return NONE
    text = pace_text(pace, assessment.indicator.unit)
    if with_growth and assessment.required_growth_pct is not None:
        growth = _("{rate} %/yr").format(rate=number(assessment.required_growth_pct, signed=True))
        text += f" ({growth})"
    return text


# The words of the distance to plan, by whether it is ahead (for an amount: not behind).
_PLAN_LONG = {True: N_("{years} years ahead of plan"), False: N_("{years} years behind plan")}
_PLAN_SHORT = {True: N_("{years} ahead"), False: N_("{years} behind")}
_PLAN_AMOUNT = {True: N_("{amount} ahead of plan"), False: N_("{amount} behind plan")}
# What next year needs, by whether the target's value must fall.
_NEXT_YEAR = {
    False: N_("{year}: at least {value} {unit}"),
    True: N_("{year}: at most {value} {unit}"),
}


def plan_distance_text(years: float | None, short: bool = False) -> str:
    """The time distance to the planned path in words: ``3.45 years ahead of plan``, ``1.75 years
    behind plan``, ``on plan`` (under 0.005 years either way); ``short``: ``3.4 ahead``."""
    if years is None:
        return NONE
    if abs(years) < 0.005:
        return _("on plan")
    words = _PLAN_SHORT if short else _PLAN_LONG
    return _(words[years > 0]).format(years=number(abs(years), 1 if short else 2))


def plan_amount_text(amount: float, unit: str) -> str:
    """The distance to the planned value in the indicator's unit, in words: ``7.92 pp ahead of
    plan``, ``1.5 t behind plan`` (``amount`` is direction-normalised: positive is ahead)."""
    size = f"{number(abs(amount), 4)} {unit}"
    if unit.strip() == "%":
        size = _("{value} pp").format(value=number(abs(amount), 4))
    return _(_PLAN_AMOUNT[amount >= 0]).format(amount=size)


def next_year_text(assessment: TargetAssessment) -> str:
    """What the year after the latest observation must bring to be on the required path:
    ``2024: at least 61.86 %`` (at most, for a ``<``/``<=`` target), ``2026: at least 15.46 %/yr``
    for a rate target; ``–`` when nothing is needed or it is unknown."""
    needs = assessment.next_year_needs
    if needs is None:
        return NONE
    falling = assessment.kind is LEVEL and _level_sign(assessment) < 0
    unit = assessment.indicator.unit
    if assessment.kind.values_are_rates:
        unit = _("%/yr")
    return _(_NEXT_YEAR[falling]).format(year=needs.year, value=number(needs.value), unit=unit)


def _rate_needs(assessment: TargetAssessment, _with_growth: bool) -> str:
    rate = assessment.required_growth_pct
    return NONE if rate is None else _("{rate} %/yr").format(rate=number(rate))


def _trend_text(kind: str, growth_pct: float | None, trend_from: int | None) -> str:
    if growth_pct is None:
        return NONE
    message, signed = _TRENDS[kind]
    return _(message).format(rate=number(growth_pct, signed=signed), year=trend_from)


def assessment_trend(assessment: TargetAssessment) -> str:
    """The observed trend of a target's indicator: ``+7.1 %/yr since 2018`` (level) or ``avg
    11.57 %/yr since 2021`` (rate)."""
    return _trend_text(assessment.kind.name, assessment.observed_growth_pct, assessment.trend_from)


def monitored_trend(summary: MonitoredSummary) -> str:
    """The observed trend of a monitored indicator, as ``assessment_trend``."""
    return _trend_text(summary.kind.name, summary.observed_growth_pct, summary.trend_from)


# An indicator's desired direction in words, by its ``desired`` value.
DESIRED_LABELS = {"increase": N_("increase"), "decrease": N_("decrease")}


def desired_text(summary: MonitoredSummary) -> str:
    """A monitored indicator's desired direction in words (``increase``, ``tăng``); ``–``
    without one."""
    desired = summary.desired
    return NONE if desired is None else _(DESIRED_LABELS[desired])


def monitored_status(summary: MonitoredSummary) -> str:
    """A monitored indicator's status by its desired direction in words; ``–`` without one."""
    return NONE if summary.status is None else status_label(summary.status)


def has_direction(report: ProjectAssessment) -> bool:
    """True when a monitored indicator of ``report`` has a desired direction (so a status)."""
    return any(m.status is not None for m in report.monitored)


def direction_sentence(summary: MonitoredSummary) -> str | None:
    """What the direction method found, for ``show`` and the report: ``desired direction
    increase: +0.98 %/yr in that direction since 2020, at risk`` (``decrease``: the growth's sign
    turned, so a fall of 2.09 % a year reads +2.09); ``None`` without a desired direction."""
    if summary.status is None:
        return None
    status, desired = status_label(summary.status), desired_text(summary)
    if summary.direction_growth_pct is None:
        return _("desired direction {desired}: {status}").format(desired=desired, status=status)
    return _(
        "desired direction {desired}: {growth} %/yr in that direction since {year}, {status}"
    ).format(
        desired=desired,
        growth=number(summary.direction_growth_pct, signed=True),
        year=summary.trend_from,
        status=status,
    )


def projected_text(assessment: TargetAssessment) -> str:
    """``97.97 in 2030`` (the last year the target names), or ``–`` without a projection."""
    if assessment.projected is None:
        return NONE
    year = max(assessment.kind.years(assessment.target))
    return _("{value} in {year}").format(value=number(assessment.projected), year=year)


# The words of each kind, by ``TargetKind.name``: a new kind adds its entries here.
_GOALS = {"level": _level_goal, "rate": _rate_goal}
_NEEDS = {"level": _level_needs, "rate": _rate_needs}


def _level_sign(assessment: TargetAssessment) -> int:
    return direction(LEVEL.target_of(assessment.target).comparator)


def _rate_sign(_assessment: TargetAssessment) -> int:
    return 1  # a rate target's band is always a floor: its gap is the points short of it


# The sign that turns a direction-normalised gap into the indicator's own terms.
_SIGNS: dict[str, Callable[[TargetAssessment], int]] = {"level": _level_sign, "rate": _rate_sign}
_TRENDS = {  # the trend's message, and whether its rate carries a sign
    "level": (N_("{rate} %/yr since {year}"), True),
    "rate": (N_("avg {rate} %/yr since {year}"), False),
}


def rhythms(report: ProjectAssessment) -> set[int]:
    """Every indicator's ``update_every`` (years between publications) in ``report``."""
    return {view.indicator.update_every for view in report.indicators.values()}


def legend(update_every: Iterable[int] = ()) -> str:
    """What the marks on values mean, for indicators published every ``update_every`` years
    (``rhythms``): the stale mark's age is explained for other rhythms than yearly only."""
    if any(years != 1 for years in update_every):
        return _(
            "Marks: E estimated, P provisional, F forecast, | series break, ! stale (older "
            "than two years, or than update_every + 1 years for an indicator not published "
            "every year)."
        )
    return _(
        "Marks: E estimated, P provisional, F forecast, | series break, ! stale (older "
        "than two years)."
    )


def goal_name(goal_id: str | None, goal: Goal | None) -> str:
    """A goal's name in the current language (``name_vi`` in Vietnamese where given), or, for the
    targets without a goal, ``Other targets``."""
    if goal is None:
        return _("Other targets")
    return (language() == "vi" and goal.name_vi) or goal.name


def goal_lines(goals: Mapping[str, Goal], targets: Sequence[TargetAssessment]) -> list[str]:
    """One line per goal of ``targets`` (``kpi.progress.goal_groups``): its name and how many of
    its targets are in each status; none when the project defines no goal."""
    if not goals:
        return []
    return [
        _("{goal}: {summary}").format(
            goal=goal_name(group.goal_id, group.goal),
            summary=status_counts_text([a.status for a in group.targets]),
        )
        for group in goal_groups(goals, targets)
    ]


_TARGETS = {True: N_("{total} target"), False: N_("{total} targets")}  # by whether it is one


def status_counts_text(statuses: Sequence[Status]) -> str:
    """How many of ``statuses`` there are of each, the ones present only, in ``Status`` order:
    ``3 targets: 1 on track, 1 insufficient data, 1 no data`` (``0 targets`` when empty)."""
    counts = [
        _("{count} {status}").format(count=statuses.count(status), status=status_label(status))
        for status in Status
        if status in statuses
    ]
    total = _(_TARGETS[len(statuses) == 1]).format(total=len(statuses))
    return f"{total}: {', '.join(counts)}" if counts else total


def summary_line(statuses: list[Status]) -> str:
    """``5 targets: 1 achieved, 2 on track, 1 at risk, 0 off track, 1 without data``."""
    counts = {status.value: statuses.count(status) for status in Status}  # achieved=..., etc.
    missing = sum(status.is_missing for status in statuses)
    return _(
        "{total} targets: {achieved} achieved, {on_track} on track, {at_risk} at risk, "
        "{off_track} off track, {moving_away} moving away, {missing} without enough data"
    ).format(total=len(statuses), missing=missing, **counts)
