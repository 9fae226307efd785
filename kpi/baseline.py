"""What a change to the data did (``kpi check --baseline``): each target as it stood at a git
revision against now, and each observation added, replaced or removed. Pure: it takes projects
already read (``kpi.revisions``, ``kpi.store``) and assesses both as of the same year."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from kpi.errors import Problem
from kpi.gate import Location
from kpi.model import OBSERVATIONS_DIR, Observation, Origin, Project
from kpi.progress import ProjectAssessment, Status, TargetAssessment, assess_project, finite
from kpi.revisions import GitRevision, ProjectAtRevision


class Change(StrEnum):
    """How a target's status moved from the revision to now, by the order of statuses
    (``Status.severity``): ``worse`` or ``better`` between two judged statuses;
    ``data_changed`` to or from one without enough data to judge (``no_data``,
    ``insufficient_data``), never worse nor better; ``new`` and ``removed`` for a target only
    now or only then; ``same`` for the same status (its figures may differ)."""

    WORSE = "worse"
    BETTER = "better"
    DATA_CHANGED = "data_changed"
    NEW = "new"
    REMOVED = "removed"
    SAME = "same"


class Edit(StrEnum):
    """What happened to one year's observation of an indicator."""

    ADDED = "added"
    REPLACED = "replaced"
    REMOVED = "removed"


def change_between(before: Status | None, after: Status | None) -> Change:
    """The change from status ``before`` to ``after`` (``None``: no such target then / now)."""
    if before is None:
        return Change.NEW
    if after is None:
        return Change.REMOVED
    if before is after:
        return Change.SAME
    if before.severity is None or after.severity is None:
        return Change.DATA_CHANGED
    return Change.WORSE if after.severity > before.severity else Change.BETTER


@dataclass(frozen=True, slots=True)
class TargetState:
    """A target at one revision: its status, its progress ratio (``None`` when unknown or
    infinite) and the latest observation it used (``None``: none)."""

    status: Status
    progress_ratio: float | None
    latest: Observation | None

    @classmethod
    def of(cls, assessment: TargetAssessment) -> TargetState:
        return cls(assessment.status, finite(assessment.progress_ratio), assessment.latest)


@dataclass(frozen=True, slots=True)
class TargetChange:
    """One target then (``before``) and now (``after``; ``None`` where it did not exist), and
    where the change is written now: the latest observation of its indicator that was added or
    replaced, else its definition (``None`` for a removed target)."""

    target_id: str
    indicator_id: str
    change: Change
    before: TargetState | None
    after: TargetState | None
    location: Location | None = None

    @property
    def status_changed(self) -> bool:
        """True for ``worse``, ``better`` and ``data_changed``."""
        return self.change in (Change.WORSE, Change.BETTER, Change.DATA_CHANGED)


@dataclass(frozen=True, slots=True)
class ObservationChange:
    """One year of one indicator added, replaced or removed: the observation then and now
    (``None`` where there was none), and where it is written now (a removed one: its file)."""

    indicator_id: str
    year: int
    edit: Edit
    before: Observation | None
    after: Observation | None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The project now against the project at ``revision``. ``compared`` is false when the
    revision had no such project (``found`` false) or an invalid one (``problems``): every
    target is then ``new``. ``targets`` follow the project's order, removed ones last."""

    revision: GitRevision
    found: bool
    problems: tuple[Problem, ...]
    targets: tuple[TargetChange, ...]
    observations: tuple[ObservationChange, ...]
    _by_id: dict[str, TargetChange] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {t.target_id: t for t in self.targets})

    @property
    def compared(self) -> bool:
        """True when the revision had the project and it was valid: the targets were compared."""
        return self.found and not self.problems

    def of(self, target_id: str) -> TargetChange | None:
        """The change of target ``target_id`` (``None``: no target of that id then or now)."""
        return self._by_id.get(target_id)

    @property
    def worse(self) -> frozenset[str]:
        """The ids of the targets that got worse."""
        return frozenset(t.target_id for t in self.targets if t.change is Change.WORSE)

    def counts(self) -> dict[Change, int]:
        """How many targets had each change, every change listed (in ``Change`` order)."""
        return {change: sum(t.change is change for t in self.targets) for change in Change}

    def edit_counts(self) -> dict[Edit, int]:
        """How many observations were added, replaced and removed."""
        return {edit: sum(o.edit is edit for o in self.observations) for edit in Edit}


Locate = Callable[[Origin], Location]


def plain_location(origin: Origin) -> Location:
    """``origin`` as a ``Location``, its file as a POSIX path relative to the project."""
    return Location(origin.file.as_posix(), origin.line)


def compare(
    then: ProjectAtRevision,
    now: Project,
    report: ProjectAssessment,
    locate: Locate = plain_location,
) -> Comparison:
    """Compare ``now`` (assessed in ``report``) with the project ``then``, assessed as of the
    same year as ``report``; ``locate`` turns where something is written into a ``Location``
    (default: relative to the project)."""
    before = then.project
    earlier = assess_project(before, report.as_of) if before is not None else None
    edits = tuple(observation_changes(before, now, locate)) if before is not None else ()
    states = {a.target.id: a for a in earlier.targets} if earlier is not None else {}
    written: dict[str, list[ObservationChange]] = {}
    for edit in edits:
        if edit.after is not None:
            written.setdefault(edit.indicator_id, []).append(edit)
    changes = []
    for a in report.targets:
        old = states.pop(a.target.id, None)
        change = change_between(old.status if old else None, a.status)
        where = _where(a, written.get(a.indicator_id, []), now, report.as_of, locate)
        state = TargetState.of(old) if old is not None else None
        changes.append(
            TargetChange(a.target.id, a.indicator_id, change, state, TargetState.of(a), where)
        )
    for old in states.values():  # removed since
        state = TargetState.of(old)
        changes.append(TargetChange(old.target.id, old.indicator_id, Change.REMOVED, state, None))
    return Comparison(then.revision, then.found, then.problems, tuple(changes), edits)


def observation_changes(
    before: Project, after: Project, locate: Locate
) -> Iterator[ObservationChange]:
    """Each observation added, replaced (any field but its revisions differs) or removed from
    ``before`` to ``after``: indicators in ``after``'s order then those removed, years
    ascending, every year whatever the assessment's year."""
    indicators = [
        *after.observations,
        *(i for i in before.observations if i not in after.observations),
    ]
    for indicator_id in indicators:
        old = _by_year(before.observations.get(indicator_id, ()))
        new = _by_year(after.observations.get(indicator_id, ()))
        origins = after.observation_origins.get(indicator_id, {})
        file = Origin(Path(OBSERVATIONS_DIR) / f"{indicator_id}.toml")
        for year in sorted(old.keys() | new.keys()):
            was, now = old.get(year), new.get(year)
            if was is not None and now is not None and was.same_fields(now):
                continue
            edit = Edit.ADDED if was is None else Edit.REMOVED if now is None else Edit.REPLACED
            origin = origins.get(year, file) if now is not None else file
            yield ObservationChange(indicator_id, year, edit, was, now, locate(origin))


def _by_year(observations: Sequence[Observation]) -> Mapping[int, Observation]:
    return {o.year: o for o in observations}


def _where(
    assessment: TargetAssessment,
    written: Sequence[ObservationChange],
    now: Project,
    as_of: int,
    locate: Locate,
) -> Location | None:
    """Where a target's change is written: the latest of ``written`` (its indicator's
    observations added or replaced, by year) up to ``as_of`` (else after it), else the
    target's ``id`` line."""
    seen = [e for e in written if e.year <= as_of] or written
    if seen:
        return seen[-1].location
    origin = now.target_origins.get(assessment.target.id)
    return locate(origin) if origin is not None else None
