"""Notes that explain an assessment: a stable ``code`` for scripts and a message for people.

Every explanation the tool can give is here, one template per code: an English message id of the
catalogue (``kpi.i18n``), translated when shown, numbers in its convention (``60,6`` in Vietnamese).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from kpi.i18n import N_, _, format_number, language, speaking

# The message of a ``series_break`` note whose ``latest`` parameter is true (one code, two texts).
_LATEST_BREAK = "series_break/latest"

TEMPLATES: Mapping[str, str] = {
    "no_data": N_("no observation up to {as_of}"),
    "no_data_in_period": N_("no observation in the period {start}-{end} up to {as_of}"),
    "not_started": N_("the period starts in {start}, after {as_of}"),
    "no_trend_base": N_("no comparable observation in {first}-{last} to measure a trend from"),
    "series_break": N_("series break in {year}: the trend is measured only from {year} on"),
    _LATEST_BREAK: N_(
        "the latest value ({year}) starts a new series (series break): no earlier year is "
        "comparable with it"
    ),
    "growth_undefined": N_(
        "no compound growth from {base_year} ({base}) to {year} ({value}): it needs values above "
        "zero, so the desired direction cannot be judged"
    ),
    "stale": N_("the latest observation is from {year}, {age} years before {as_of}"),
    "estimated": N_("the latest value ({year}) is an estimate"),
    "provisional": N_("the latest value ({year}) is provisional"),
    "missed": N_("the target year {year} has passed and the target was not met"),
    "target_year_passed": N_(
        "the target year {year} has passed with no value recorded for it (the latest is from "
        "{latest}): the target can no longer be met on time, and is judged once the {year} "
        "figure is recorded"
    ),
    "projection_clamped": N_("the projection ({raw}) was held to the indicator's bounds ({bound})"),
    "ratio_infinite": N_(
        "the target needs no change from the base year, so the progress ratio is infinite"
    ),
    "latest_below_band": N_("the latest year ({year}: {value}) is below the target range"),
    "latest_in_band": N_("the latest year ({year}: {value}) is within the target range"),
    "latest_above_band": N_("the latest year ({year}: {value}) is above the target range"),
    "above_band": N_(
        "needs more than the top of the planned band: {required} % a year against {high} %"
    ),
    "missing_years": N_("years missing inside the period, left out of the average: {years}"),
    "secured": N_(
        "the remaining years need only {required} % a year (zero or less), so the progress "
        "ratio is taken as infinite"
    ),
}


class Note(NamedTuple):
    """One explanation attached to an assessment: ``code`` (stable) and its parameters."""

    code: str
    params: Mapping[str, object] = MappingProxyType({})

    @property
    def message(self) -> str:
        """The note in the current language, e.g. ``the latest value (2024) is an estimate``."""
        shown = {
            key: format_number(value, 4) if isinstance(value, float) else str(value)
            for key, value in self.params.items()
        }
        template = _LATEST_BREAK if self.params.get("latest") is True else self.code
        return _(TEMPLATES[template]).format(**shown)

    def message_in(self, code: str) -> str:
        """The note in language ``code`` (one of ``kpi.i18n.LANGUAGES``)."""
        if code == language():  # most often: no switching there and back for each note
            return self.message
        with speaking(code):
            return self.message
