"""The kinds of target, and the registry that finds an indicator's kind.

Part of the assessment (``kpi.progress`` holds what every kind shares). A kind (``kpi.kinds.level``,
``kpi.kinds.rate``) is one module of arithmetic and figures, numbers and plain data, never text for
people (each renderer keeps its words per ``TargetKind.name``). Code asks the kind (``kind_of``,
``TargetAssessment.kind``) instead of testing for a level or a rate. A third kind is a module here,
one line in ``KINDS``, a ``kind`` literal in ``kpi.model`` and one entry in each renderer's table.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from kpi.model import (
    AssessmentSettings,
    Desired,
    LevelIndicator,
    Observation,
    RateIndicator,
    Target,
)
from kpi.notes import Note

if TYPE_CHECKING:
    from kpi.progress import LevelDetails, RateDetails, TargetAssessment

KeySuffix = tuple[str, ...]
Trend = tuple[float | None, int | None, list[Note]]  # growth in % a year, first year, notes added
IndicatorT = TypeVar("IndicatorT", bound=LevelIndicator | RateIndicator)
TargetT = TypeVar("TargetT", bound=Target)
DetailsT = TypeVar("DetailsT", bound="LevelDetails | RateDetails")


class Figures(NamedTuple):
    """One side of a ``kpi check`` verdict (``None``: undefined or infinite): the goal or where the
    indicator stands; ``kpi.gate`` adds the progress ratio (the lowest passing, or the target's)."""

    value: float | None
    year: int | None
    pace: float | None
    progress_ratio: float | None = None


class GateFigures(NamedTuple):
    """``kpi check``'s goal (``expected``) and where the indicator stands (``actual``; a rate: its
    average so far and last year); paces in units a year when ``pace_is_slope``, else % a year."""

    comparator: str
    expected: Figures
    actual: Figures
    pace_is_slope: bool


class TargetKind(ABC, Generic[IndicatorT, TargetT, DetailsT]):
    """What one kind of target knows: its arithmetic and figures. Its methods take an indicator,
    target or assessment of this kind (``kind`` is ``name``); ``TypeError`` for another kind's."""

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
        if not isinstance(indicator, self.indicator_type):
            raise TypeError(f"not a {self.name} indicator: {indicator.kind}")
        own_target = self.target_of(target)
        return self.assess_typed(indicator_id, indicator, own_target, observations, as_of, settings)

    def desired(self, indicator: LevelIndicator | RateIndicator) -> Desired | None:
        """The desired direction of ``indicator`` (``desired`` in ``targets.toml``), which gives
        it a status without a target; ``None`` where it has none or its kind cannot have one."""
        return None

    @abstractmethod
    def monitored_trend(
        self, usable: Sequence[Observation], breaks: Collection[int], settings: AssessmentSettings
    ) -> Trend:
        """The observed ``Trend`` of an indicator without targets, from its ``usable`` observations
        (at least one, in year order, no forecasts) and the years of its series ``breaks``
        (forecasts' included); ``None`` where not defined."""

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
    kind = _KIND_OF_TARGET_TYPE.get(type(target))  # the formats ask for each of thousands
    if kind is None:  # a subclass of a kind's model
        return next(kind for kind in KINDS.values() if isinstance(target, kind.target_type))
    return kind


# Load kpi.progress first (it imports the kinds at its end), so that either may be imported first.
import kpi.progress  # noqa: E402, F401
from kpi.kinds.level import LEVEL  # noqa: E402
from kpi.kinds.rate import RATE  # noqa: E402

KINDS: Mapping[str, TargetKind[Any, Any, Any]] = {LEVEL.name: LEVEL, RATE.name: RATE}
"""Every kind, by name (the ``kind`` field of an indicator)."""
_KIND_OF_TARGET_TYPE = {kind.target_type: kind for kind in KINDS.values()}
