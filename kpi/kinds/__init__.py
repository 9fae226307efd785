"""The kinds of target, and the registry that finds an indicator's kind.

Where this sits: the files (``kpi.store``) give the model (``kpi.model``); the assessment
(``kpi.progress`` for what every kind shares, ``kpi.kinds`` for what each kind does) turns the
model into ``TargetAssessment`` objects; the renderers (``kpi.render``) turn those into text,
JSON and charts; the command line (``kpi.cli``) chooses what to read and render.

A kind (``kpi.kinds.level``, ``kpi.kinds.rate``) is one module that knows its arithmetic and its
figures: how a target is assessed, the trend of a monitored indicator, which definition values
the bounds hold, the years a target names, the ``target`` and ``details`` objects of the JSON
output and the figures the CI gate compares. Those are numbers and plain data, never text for
people: each renderer keeps its own words per kind, keyed by ``TargetKind.name``. Code that would
ask "is this a level or a rate?" asks the kind instead (``kind_of(indicator)``, or
``TargetAssessment.kind``). A third kind is a third module here, one line in ``KINDS``, a
``kind`` literal in ``kpi.model`` and one entry in each renderer's table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kpi.model import (
    AssessmentSettings,
    LevelIndicator,
    LevelTarget,
    Observation,
    RateIndicator,
    RateTarget,
)
from kpi.notes import Note

if TYPE_CHECKING:
    from kpi.progress import LevelDetails, RateDetails, TargetAssessment

KeySuffix = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GateFigures:
    """The figures the CI gate sets side by side for one target (``None`` where not defined).

    ``expected_*``: the goal's value and year and the pace it needs; ``actual_*``: where the
    indicator stands (a rate target: the period's average so far and its last observed year) and
    the pace observed. ``pace_is_slope`` is true when both paces are in units a year, false when
    they are growth rates in percent a year. Infinite figures are already ``None``.
    """

    comparator: str
    expected_value: float | None
    expected_year: int | None
    expected_pace: float | None
    actual_value: float | None
    actual_year: int | None
    actual_pace: float | None
    pace_is_slope: bool


class TargetKind(Protocol):
    """What one kind of target knows: its arithmetic and its figures (numbers and plain data).

    Every method is handed objects of its own kind (an indicator whose ``kind`` is ``name``, one
    of its targets, an assessment of one); given another kind's it raises ``TypeError``.
    """

    @property
    def name(self) -> str:
        """The ``kind`` of the indicators in ``targets.toml``: ``level`` or ``rate``."""
        ...

    @property
    def values_are_rates(self) -> bool:
        """True when observations are yearly rates in percent, which must stay above -100."""
        ...

    def assess(
        self,
        indicator_id: str,
        indicator: LevelIndicator | RateIndicator,
        target: LevelTarget | RateTarget,
        observations: Sequence[Observation],
        as_of: int,
        settings: AssessmentSettings,
    ) -> TargetAssessment:
        """Assess ``target`` of ``indicator`` as of ``as_of`` (``docs/methodology.md``)."""
        ...

    def monitored_trend(
        self, usable: Sequence[Observation], settings: AssessmentSettings
    ) -> tuple[float | None, int | None, list[Note]]:
        """The observed trend of an indicator without targets, from its ``usable`` observations
        (at least one, in year order, no forecasts): growth in percent a year, the year the trend
        starts and the notes it adds (each ``None`` where not defined)."""
        ...

    def bounded_values(
        self, target: LevelTarget | RateTarget
    ) -> tuple[tuple[KeySuffix, float], ...]:
        """The values of ``target``'s definition in the indicator's unit, which its ``bounds``
        must hold, each with its key path inside the target's table."""
        ...

    def years(self, target: LevelTarget | RateTarget) -> tuple[int, ...]:
        """The years ``target``'s definition names (a chart shows them all)."""
        ...

    def target_dict(self, target: LevelTarget | RateTarget) -> dict[str, Any]:
        """The ``target`` object of ``kpi status --format json``."""
        ...

    def details_dict(self, details: LevelDetails | RateDetails | None) -> dict[str, Any]:
        """The ``details`` object of ``kpi show --format json`` (empty without details)."""
        ...

    def gate_figures(self, assessment: TargetAssessment) -> GateFigures:
        """The goal and the figures that ``kpi check`` compares for ``assessment``."""
        ...


def kind_of(indicator: LevelIndicator | RateIndicator) -> TargetKind:
    """The kind of ``indicator`` (and of each of its targets), by its ``kind`` field."""
    return KINDS[indicator.kind]


def kind_of_target(target: LevelTarget | RateTarget) -> TargetKind:
    """The kind of ``target`` alone, by its model (a target does not carry its ``kind``)."""
    return _BY_TARGET_MODEL[type(target)]


# The kinds build on kpi.progress, which dispatches through kind_of above: load kpi.progress
# first (it imports the kinds at its end), so that either package may be imported first.
import kpi.progress  # noqa: E402, F401
from kpi.kinds.level import LEVEL  # noqa: E402
from kpi.kinds.rate import RATE  # noqa: E402

KINDS: Mapping[str, TargetKind] = {LEVEL.name: LEVEL, RATE.name: RATE}
"""Every kind, by name (the ``kind`` field of an indicator)."""
_BY_TARGET_MODEL: Mapping[type, TargetKind] = {LevelTarget: LEVEL, RateTarget: RATE}
