"""Rate targets, an average yearly rate in percent over a period (``docs/methodology.md``):
``average_rate``, ``required_rate``, ``assess_rate`` and ``RATE``, their ``TargetKind``. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

from kpi.kinds import Figures, GateFigures, KeySuffix, TargetKind, Trend
from kpi.model import AssessmentSettings, Observation, RateIndicator, RateTarget, Target
from kpi.notes import Note
from kpi.progress import (
    LevelDetails,
    PathPoint,
    RateDetails,
    Status,
    TargetAssessment,
    finite,
    freshness_notes,
    power,
    progress_ratio,
    satisfies,
    status_from_ratio,
    usable_observations,
)


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
        if as_of < target.start:
            note = Note("not_started", {"start": target.start, "as_of": as_of})
        else:
            span = {"start": target.start, "end": target.end, "as_of": as_of}
            note = Note("no_data_in_period", span)
        return TargetAssessment(
            indicator_id=indicator_id,
            indicator=indicator,
            target=target,
            status=Status.NO_DATA,
            latest=latest,
            years_left=period,
            required_growth_pct=target.low,
            notes=(note,),
            details=RateDetails(period_years=period),
        )

    rates = [o.value for o in in_period]
    last = in_period[-1]
    remaining = target.end - last.year
    observed_years = {o.year for o in in_period}
    missing = tuple(y for y in range(target.start, last.year) if y not in observed_years)
    period = len(in_period) + remaining
    mean = average_rate(rates, target.average)
    gap = target.low - mean
    notes = [*freshness_notes(last, as_of, indicator.update_every), _band_note(last, target)]
    if missing:
        notes.append(Note("missing_years", {"years": ", ".join(map(str, missing))}))

    meets_low = satisfies(mean, ">=", target.low)
    required = ratio = None
    next_needs = None
    if remaining == 0:
        status = Status.ACHIEVED if meets_low else Status.OFF_TRACK
    elif as_of > target.end:  # the period is over but its last years are not recorded
        ratio = progress_ratio(1, mean, target.low)
        status = Status.INSUFFICIENT_DATA
        params = {"year": target.end, "latest": last.year, "as_of": as_of}
        notes.append(Note("target_year_passed", params))
        remaining = 0
    else:
        required = required_rate(rates, target.low, period, remaining, target.average)
        if required <= 0:
            notes.append(Note("secured", {"required": required}))
        # R = m / low: the average so far against the rate the whole period needs (the analogue
        # of a level target's pace from the base; docs/methodology.md, rate targets)
        ratio = progress_ratio(1, mean, target.low)
        status = Status.ON_TRACK if meets_low else status_from_ratio(ratio, settings)
        if target.high is not None and required > target.high:
            notes.append(Note("above_band", {"required": required, "high": target.high}))
        next_needs = PathPoint(last.year + 1, required)
    return TargetAssessment(
        indicator_id=indicator_id,
        indicator=indicator,
        target=target,
        status=status,
        latest=latest,
        gap=gap,
        years_left=remaining,
        required_growth_pct=required,
        observed_growth_pct=mean,
        progress_ratio=ratio,
        trend_from=in_period[0].year,
        next_year_needs=next_needs,
        notes=tuple(notes),
        details=RateDetails(observed=in_period, missing_years=missing, period_years=period),
    )


def _band_note(observation: Observation, target: RateTarget) -> Note:
    params = {"year": observation.year, "value": observation.value}
    if observation.value < target.low:
        return Note("latest_below_band", params)
    if target.high is not None and observation.value > target.high:
        return Note("latest_above_band", params)
    return Note("latest_in_band", params)


class RateKind(TargetKind[RateIndicator, RateTarget, RateDetails]):
    """The rate kind (``kind = "rate"``)."""

    name = "rate"
    values_are_rates = True
    indicator_type = RateIndicator
    target_type = RateTarget
    details_type = RateDetails
    assess_typed = staticmethod(assess_rate)

    def monitored_trend(
        self, usable: Sequence[Observation], breaks: Collection[int], settings: AssessmentSettings
    ) -> Trend:
        """The compound average of the rates of the last ``trend_years`` years, and no notes (a
        rate is a change within its year: a series break does not split an average of rates)."""
        latest = usable[-1]
        window = [o for o in usable if o.year > latest.year - settings.trend_years]
        return average_rate([o.value for o in window], "compound"), window[0].year, []

    def bounded_values(self, target: Target) -> tuple[tuple[KeySuffix, float], ...]:
        """None: a rate target's band is in percent a year, not in the indicator's bounds."""
        self.target_of(target)
        return ()

    def years(self, target: Target) -> tuple[int, ...]:
        rate = self.target_of(target)
        return (rate.start, rate.end)

    def target_dict(self, target: Target) -> dict[str, Any]:
        rate = self.target_of(target)
        return {"low": rate.low, "high": rate.high, "start": rate.start, "end": rate.end}

    def details_dict(self, details: LevelDetails | RateDetails | None) -> dict[str, Any]:
        rate = self.details_of(details)
        if rate is None:
            return {}
        return {
            "observed_years": [o.year for o in rate.observed],
            "missing_years": list(rate.missing_years),
            "period_years": rate.period_years,
        }

    def gate_figures(self, assessment: TargetAssessment) -> GateFigures:
        """``>=`` the band's low and the period's end against the average so far and its last
        observed year; the paces are the rate needed from now on and the average so far."""
        target = self.target_of(assessment.target)
        details = self.details_of(assessment.details)
        observed = details.observed if details is not None else ()
        mean = finite(assessment.observed_growth_pct)
        needed = finite(assessment.required_growth_pct) if observed else None
        return GateFigures(
            comparator=">=",
            expected=Figures(target.low, target.end, needed),
            actual=Figures(mean, observed[-1].year if observed else None, mean),
            pace_is_slope=False,
        )


RATE: RateKind = RateKind()  # typed: mypy meets it inside an import cycle
