"""Notes that explain an assessment: a stable ``code`` for scripts and a message for people.

The message templates live here, one per code, so that every explanation the tool can give is
in one place (and a translation can be checked for completeness against this table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TEMPLATES: Mapping[str, str] = {
    "no_data": "no observation up to {as_of}",
    "no_data_in_period": "no observation in the period {start}-{end} up to {as_of}",
    "not_started": "the period starts in {start}, after {as_of}",
    "no_trend_base": ("no comparable observation in {first}-{last} to measure a trend from"),
    "series_break": ("series break in {year}: the trend is measured only from {year} on"),
    "series_break_latest": (
        "the latest value ({year}) starts a new series (series break): no earlier year is "
        "comparable with it"
    ),
    "stale": "the latest observation is from {year}, {age} years before {as_of}",
    "estimated": "the latest value ({year}) is an estimate",
    "provisional": "the latest value ({year}) is provisional",
    "missed": "the target year {year} has passed and the target was not met",
    "projection_clamped": (
        "the projection ({raw:.6g}) was held to the indicator's bounds ({bound:g})"
    ),
    "ratio_infinite": (
        "the target needs no change from the base year, so the progress ratio is infinite"
    ),
    "latest_below_band": "the latest year ({year}: {value:g}) is below the band",
    "latest_in_band": "the latest year ({year}: {value:g}) is within the band",
    "latest_above_band": "the latest year ({year}: {value:g}) is above the band",
    "above_band": (
        "needs more than the top of the planned band: {required:.4g} a year against {high:g}"
    ),
    "missing_years": "years missing inside the period, left out of the average: {years}",
    "secured": (
        "the remaining years need only {required:.4g} a year (zero or less), so the progress "
        "ratio is taken as infinite"
    ),
}


@dataclass(frozen=True, slots=True)
class Note:
    """One explanation attached to an assessment: ``code`` (stable) and its parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The note in English, e.g. ``the latest value (2024) is an estimate``."""
        return TEMPLATES[self.code].format(**self.params)
