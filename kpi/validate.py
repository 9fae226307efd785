"""Checks that span fields or files, which the per-file models cannot make on their own.

Each check yields ``(key path, message)``; ``kpi.store`` turns them into located problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from kpi.errors import Problem
from kpi.i18n import _, format_number
from kpi.kinds import kind_of
from kpi.locate import KeyPath
from kpi.model import LevelIndicator, Observation, RateIndicator, Target, TargetsFile
from kpi.progress import desired_sign, direction

Finding = tuple[KeyPath, str]


def _outside(value: float, bounds: Sequence[float] | None) -> str | None:
    """Why ``value`` is outside ``bounds``; ``None`` when it is inside or there are none."""
    if bounds is None or bounds[0] <= value <= bounds[1]:
        return None
    return _("{value} is outside the bounds {low} to {high}").format(
        value=format_number(value, 6), low=format_number(bounds[0], 6),
        high=format_number(bounds[1], 6),
    )  # fmt: skip


def check_definitions(targets: TargetsFile) -> Iterator[Finding]:
    """Yield unique-id and bounds problems of ``targets.toml`` (paths start at the file's root):
    the bounds must hold the values each kind names (``TargetKind.bounded_values``)."""
    seen: dict[str, str] = {}
    for indicator_id, indicator in targets.indicators.items():
        kind = kind_of(indicator)
        defined: tuple[Target, ...] = indicator.targets
        for index, target in enumerate(defined):
            path: KeyPath = ("indicators", indicator_id, "targets", index)
            if target.id in seen:
                yield (
                    (*path, "id"),
                    _(
                        "target id {id} is already used by indicator {indicator}; "
                        "target ids must be unique in the project"
                    ).format(id=repr(target.id), indicator=repr(seen[target.id])),
                )
            seen.setdefault(target.id, indicator_id)
            if target.goal is not None and target.goal not in targets.goals:
                known = ", ".join(targets.goals) or _("none")
                message = _("unknown goal {goal}: define it as [goals.{goal}] (known: {known})")
                yield (*path, "goal"), message.format(goal=target.goal, known=known)
            for key, value in kind.bounded_values(target):
                if outside := _outside(value, indicator.bounds):
                    yield (*path, *key), outside
        yield from _desired_against_targets(indicator_id, indicator)


def _desired_against_targets(
    indicator_id: str, indicator: LevelIndicator | RateIndicator
) -> Iterator[Finding]:
    """Yield a problem at ``desired`` for each target of ``indicator`` that asks for the other
    direction (a ``>=`` target on an indicator that should decrease)."""
    if not isinstance(indicator, LevelIndicator) or indicator.desired is None:
        return  # only a level indicator has a desired direction (kpi.model)
    wanted = desired_sign(indicator.desired)
    for target in indicator.targets:
        if direction(target.comparator) != wanted:
            message = _(
                "is {desired}, but target {id} asks for {comparator} {value}: the two must agree"
            )
            yield (
                ("indicators", indicator_id, "desired"),
                message.format(
                    desired=repr(indicator.desired), id=repr(target.id),
                    comparator=target.comparator, value=format_number(target.value, 6),
                ),
            )  # fmt: skip


def check_observations(
    numbered: Iterable[tuple[int, Observation]], bounds: Sequence[float] | None, is_rate: bool
) -> Iterator[Finding]:
    """Yield duplicate-year and out-of-range problems of one observation file, given its
    observations with their 0-based positions in the file."""
    numbered = list(numbered)
    if not _nothing_to_find([observation for _index, observation in numbered], bounds, is_rate):
        yield from _findings(numbered, bounds, is_rate)


def _findings(
    numbered: Sequence[tuple[int, Observation]], bounds: Sequence[float] | None, is_rate: bool
) -> Iterator[Finding]:
    """``check_observations``'s problems, each observation looked at in turn."""
    first_index: dict[int, int] = {}
    for index, observation in numbered:
        path: KeyPath = ("observations", index)
        if observation.year in first_index:
            yield (
                (*path, "year"),
                _("year {year} is recorded twice (first as observation {first}); keep one").format(
                    year=observation.year, first=first_index[observation.year] + 1
                ),
            )
        first_index.setdefault(observation.year, index)
        if outside := _outside(observation.value, bounds):
            yield (*path, "value"), outside
        if is_rate and observation.value <= -100:
            yield (*path, "value"), _("a rate must be above -100 (percent)")


def _nothing_to_find(
    observations: Sequence[Observation], bounds: Sequence[float] | None, is_rate: bool
) -> bool:
    """True when ``check_observations`` finds nothing: no year twice, every value within
    ``bounds`` (and above -100 for a rate). The common case, answered by a few passes in C
    (a large project has tens of thousands of observations) before one is looked at alone."""
    if len({observation.year for observation in observations}) != len(observations):
        return False
    if not observations:
        return True
    values = [observation.value for observation in observations]
    low, high = min(values), max(values)
    if bounds is not None and not (bounds[0] <= low and high <= bounds[1]):
        return False
    return not is_rate or low > -100


def observation_problems(
    indicator: LevelIndicator | RateIndicator, observation: Observation
) -> list[str]:
    """Why ``observation`` cannot be recorded for ``indicator`` (outside its bounds, a rate at or
    below -100), one message each; empty when it can. ``record`` and ``import`` share it."""
    is_rate = kind_of(indicator).values_are_rates
    return [
        message
        for _key, message in check_observations([(0, observation)], indicator.bounds, is_rate)
    ]


class Validation(NamedTuple):
    """What ``kpi validate`` found: every problem (none: the project is valid) and, when the
    project could be read, how many indicators, targets and observations it holds."""

    problems: tuple[Problem, ...]
    indicators: int = 0
    targets: int = 0
    observations: int = 0

    @property
    def valid(self) -> bool:
        """True when there is no problem."""
        return not self.problems
