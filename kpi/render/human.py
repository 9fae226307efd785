"""Short human texts for figures, shared by the table and Markdown renderers."""

from __future__ import annotations

from kpi.model import LevelTarget, Observation, RateTarget
from kpi.progress import MonitoredSummary, Status, TargetAssessment

NONE = "–"

STATUS_LABELS = {
    Status.ACHIEVED: "achieved",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.MOVING_AWAY: "moving away",
    Status.INSUFFICIENT_DATA: "insufficient data",
    Status.NO_DATA: "no data",
}

_COMPARATORS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def number(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """``value`` rounded to ``digits`` decimals without trailing zeros; ``–`` when unknown."""
    if value is None:
        return NONE
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0") and not signed else text


def marks(observation: Observation) -> str:
    """Flags of an observation as short marks: E, P, F for its status, ``|`` for a break."""
    flags: list[str] = [] if observation.status == "A" else [observation.status]
    if observation.series_break:
        flags.append("|")
    return "".join(flags)


def latest_text(observation: Observation | None) -> str:
    """``60.6 (2023)``, with marks such as ``44.4 E| (2025)``; ``no data`` when there is none."""
    if observation is None:
        return "no data"
    flags = marks(observation)
    return f"{number(observation.value)}{' ' + flags if flags else ''} ({observation.year})"


def goal_text(target: LevelTarget | RateTarget, unit: str) -> str:
    """``≥ 55 % by 2030`` or ``20–22 %/yr, 2025–2030``."""
    if isinstance(target, LevelTarget):
        return f"{_COMPARATORS[target.comparator]} {number(target.value)} {unit} by {target.year}"
    band = (
        f"{number(target.low)}–{number(target.high)}"
        if target.high is not None
        else f"≥ {number(target.low)}"
    )
    return f"{band} {unit}, {target.start}–{target.end}"


def needs_text(assessment: TargetAssessment) -> str:
    """The pace now required: ``1.34/yr (+2.08 %/yr)`` for a level, ``15.46 %/yr`` for a rate."""
    if isinstance(assessment.target, RateTarget):
        rate = assessment.required_growth_pct
        return NONE if rate is None else f"{number(rate)} %/yr"
    if assessment.required_pace is None:
        return NONE
    text = f"{number(assessment.required_pace, signed=True)}/yr"
    if assessment.required_growth_pct is not None:
        text += f" ({number(assessment.required_growth_pct, signed=True)} %/yr)"
    return text


def trend_text(growth_pct: float | None, trend_from: int | None, rate: bool) -> str:
    """``+7.1 %/yr since 2018`` (level) or ``avg 11.57 %/yr since 2021`` (rate)."""
    if growth_pct is None:
        return NONE
    if rate:
        return f"avg {number(growth_pct)} %/yr since {trend_from}"
    return f"{number(growth_pct, signed=True)} %/yr since {trend_from}"


def assessment_trend(assessment: TargetAssessment) -> str:
    """The observed trend of a target's indicator, as ``trend_text``."""
    return trend_text(
        assessment.observed_growth_pct,
        assessment.trend_from,
        isinstance(assessment.target, RateTarget),
    )


def monitored_trend(summary: MonitoredSummary) -> str:
    """The observed trend of a monitored indicator, as ``trend_text``."""
    return trend_text(
        summary.observed_growth_pct, summary.trend_from, summary.indicator.kind == "rate"
    )


def projected_text(assessment: TargetAssessment) -> str:
    """``97.97 in 2030``, or ``–`` without a projection."""
    if assessment.projected is None or not isinstance(assessment.target, LevelTarget):
        return NONE
    return f"{number(assessment.projected)} in {assessment.target.year}"


LEGEND = "Marks: E estimated, P provisional, F forecast, | series break."
