"""The kinds of target, and the registry that finds an indicator's kind.

Part of the assessment (``kpi.progress`` holds what every kind shares). A kind (``kpi.kinds.level``,
``kpi.kinds.rate``) is one module with its arithmetic and figures, numbers and plain data, never
text for people: each renderer keeps its own words per kind, keyed by ``TargetKind.name``. Code
that would ask "is this a level or a rate?" asks the kind (``kind_of``, ``TargetAssessment.kind``).
A third kind is a third module here, one line in ``KINDS``, a ``kind`` literal in ``kpi.model``
and one entry in each renderer's table.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kpi.model import AssessmentSettings, LevelIndicator, Observation, RateIndicator, Target
from kpi.notes import Note

if TYPE_CHECKING:
    from kpi.progress import LevelDetails, RateDetails, TargetAssessment

KeySuffix = tuple[str, ...]
IndicatorT = TypeVar("IndicatorT", bound=LevelIndicator | RateIndicator)
TargetT = TypeVar("TargetT", bound=Target)
DetailsT = TypeVar("DetailsT", bound="LevelDetails | RateDetails")


@dataclass(frozen=True, slots=True)
class GateFigures:
    """The figures the CI gate sets side by side for one target (``None`` where not defined or
    infinite): the goal's value, year and needed pace against where the indicator stands (a rate:
    the average so far and its last year) and its pace; both paces in units a year when
    ``pace_is_slope``, else growth rates in percent a year."""

    comparator: str
    expected_value: float | None
    expected_year: int | None
    expected_pace: float | None
    actual_value: float | None
    actual_year: int | None
    actual_pace: float | None
    pace_is_slope: bool


class TargetKind(ABC, Generic[IndicatorT, TargetT, DetailsT]):
    """What one kind of target knows: its arithmetic and figures. Every method is handed objects
    of its own kind (an indicator whose ``kind`` is ``name``, one of its targets, an assessment of
    one); given another kind's it raises ``TypeError``."""

    name: str
    """The ``kind`` of the indicators in ``targets.toml``: ``level`` or ``rate``."""
    values_are_rates: bool
    """True when observations are yearly rates in percent, which must stay above -100."""
    indicator_type: type[IndicatorT]
    target_type: type[TargetT]
    details_type: type[DetailsT]
    assess_typed: Callable[
        [str, IndicatorT, TargetT, Sequence[Observation], int, AssessmentSettings],
        TargetAssessment,
    ]
    """The kind's assessment (``assess_level``, ``assess_rate``), given its own types."""

    def indicator_of(self, indicator: LevelIndicator | RateIndicator) -> IndicatorT:
        """``indicator`` typed as this kind's; ``TypeError`` for another kind's."""
        if not isinstance(indicator, self.indicator_type):
            raise TypeError(f"not a {self.name} indicator: {indicator.kind}")
        return indicator

    def target_of(self, target: Target) -> TargetT:
        """``target`` typed as this kind's; ``TypeError`` for another kind's."""
        if not isinstance(target, self.target_type):
            raise TypeError(f"not a {self.name} target: {target.id}")
        return target

    def details_of(self, details: LevelDetails | RateDetails | None) -> DetailsT | None:
        """``details`` typed as this kind's; ``None`` when there are none."""
        return details if isinstance(details, self.details_type) else None

    def assess(
        self,
        indicator_id: str,
        indicator: LevelIndicator | RateIndicator,
        target: Target,
        observations: Sequence[Observation],
        as_of: int,
        settings: AssessmentSettings,
    ) -> TargetAssessment:
        """Assess ``target`` of ``indicator`` as of ``as_of`` (``docs/methodology.md``)."""
        return self.assess_typed(
            indicator_id,
            self.indicator_of(indicator),
            self.target_of(target),
            observations,
            as_of,
            settings,
        )

    @abstractmethod
    def monitored_trend(
        self, usable: Sequence[Observation], settings: AssessmentSettings
    ) -> tuple[float | None, int | None, list[Note]]:
        """The observed trend of an indicator without targets, from its ``usable`` observations
        (at least one, in year order, no forecasts): growth in percent a year, the year the trend
        starts and the notes it adds (each ``None`` where not defined)."""

    @abstractmethod
    def bounded_values(self, target: Target) -> tuple[tuple[KeySuffix, float], ...]:
        """The values of ``target``'s definition in the indicator's unit, which its ``bounds``
        must hold, each with its key path inside the target's table."""

    @abstractmethod
    def years(self, target: Target) -> tuple[int, ...]:
        """The years ``target``'s definition names (a chart shows them all)."""

    @abstractmethod
    def target_dict(self, target: Target) -> dict[str, Any]:
        """The ``target`` object of ``kpi status --format json``."""

    @abstractmethod
    def details_dict(self, details: LevelDetails | RateDetails | None) -> dict[str, Any]:
        """The ``details`` object of ``kpi show --format json`` (empty without details)."""

    @abstractmethod
    def gate_figures(self, assessment: TargetAssessment) -> GateFigures:
        """The goal and the figures that ``kpi check`` compares for ``assessment``."""


def kind_of(indicator: LevelIndicator | RateIndicator) -> TargetKind[Any, Any, Any]:
    """The kind of ``indicator`` (and of each of its targets), by its ``kind`` field."""
    return KINDS[indicator.kind]


def kind_of_target(target: Target) -> TargetKind[Any, Any, Any]:
    """The kind of ``target`` alone, by its model (a target does not carry its ``kind``)."""
    return _BY_TARGET_MODEL[type(target)]


# The kinds build on kpi.progress, which imports them at its end: load it first, so that either
# package may be imported first.
import kpi.progress  # noqa: E402, F401
from kpi.kinds.level import LEVEL  # noqa: E402
from kpi.kinds.rate import RATE  # noqa: E402

KINDS: Mapping[str, TargetKind[Any, Any, Any]] = {LEVEL.name: LEVEL, RATE.name: RATE}
"""Every kind, by name (the ``kind`` field of an indicator)."""
_BY_TARGET_MODEL: Mapping[type, TargetKind[Any, Any, Any]] = {
    kind.target_type: kind for kind in KINDS.values()
}
