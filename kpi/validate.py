"""Checks that span fields or files, which the per-file models cannot make on their own.

Each check yields ``(key path, message)``; ``kpi.store`` turns them into located problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from kpi.locate import KeyPath
from kpi.model import LevelIndicator, LevelTarget, Observation, RateTarget, TargetsFile

Finding = tuple[KeyPath, str]


def _outside(value: float, bounds: Sequence[float] | None) -> bool:
    return bounds is not None and not bounds[0] <= value <= bounds[1]


def check_definitions(targets: TargetsFile) -> Iterator[Finding]:
    """Yield unique-id and bounds problems of ``targets.toml`` (paths start at the file's root)."""
    seen: dict[str, str] = {}
    for indicator_id, indicator in targets.indicators.items():
        defined: tuple[LevelTarget | RateTarget, ...] = indicator.targets
        for index, target in enumerate(defined):
            path: KeyPath = ("indicators", indicator_id, "targets", index)
            if target.id in seen:
                yield (
                    (*path, "id"),
                    (
                        f"target id {target.id!r} is already used by indicator "
                        f"{seen[target.id]!r}; "
                        "target ids must be unique in the project"
                    ),
                )
            seen.setdefault(target.id, indicator_id)
            if not isinstance(indicator, LevelIndicator):
                continue
            level = indicator.targets[index]
            if _outside(level.value, indicator.bounds):
                yield (*path, "value"), f"{level.value} is outside the bounds {indicator.bounds}"
            if level.baseline is not None and _outside(level.baseline.value, indicator.bounds):
                yield (
                    (*path, "baseline", "value"),
                    (f"{level.baseline.value} is outside the bounds {indicator.bounds}"),
                )


def check_observations(
    numbered: Iterable[tuple[int, Observation]], bounds: Sequence[float] | None, is_rate: bool
) -> Iterator[Finding]:
    """Yield duplicate-year and out-of-range problems of one observation file, given its
    observations with their 0-based positions in the file."""
    first_index: dict[int, int] = {}
    for index, observation in numbered:
        path: KeyPath = ("observations", index)
        if observation.year in first_index:
            yield (
                (*path, "year"),
                (
                    f"year {observation.year} is recorded twice (first as observation "
                    f"{first_index[observation.year] + 1}); keep one"
                ),
            )
        first_index.setdefault(observation.year, index)
        if _outside(observation.value, bounds):
            yield (*path, "value"), f"{observation.value} is outside the bounds {bounds}"
        if is_rate and observation.value <= -100:
            yield (*path, "value"), "a rate must be above -100 (percent)"
