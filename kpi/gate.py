"""The CI gate behind ``kpi check`` (assessment -> gate -> render): ``evaluate`` turns a
``ProjectAssessment`` into verdicts with the figures behind each (pure); ``locate_targets`` finds
the line each target's CI annotation points at, from the origins the assessment carries."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from kpi.errors import Problem
from kpi.kinds import Figures
from kpi.model import TARGETS_FILE, AssessmentSettings, GateSettings, Goal, Origin, TargetGate
from kpi.progress import MonitoredSummary, ProjectAssessment, Status, TargetAssessment, finite

FAIL_ON_CHOICES = (Status.AT_RISK, Status.OFF_TRACK, Status.MOVING_AWAY)


class Level(StrEnum):
    """How loudly a verdict is reported: ``error`` fails the gate; ``warning`` is a target that
    would fail but whose ``gate`` is ``"warn"``, or whose data is stale; ``notice`` a target
    without usable data that does not fail; ``ok`` the rest (never a warning for its status
    alone); ``off`` a target whose ``gate`` is ``"off"``, not judged."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    OK = "ok"
    OFF = "off"


class Reason(StrEnum):
    """Why a verdict has its level (stable codes; several may hold)."""

    STATUS = "status"  # the status is at or worse than fail_on
    MISSING = "missing"  # no usable data: no_data or insufficient_data
    STALE = "stale"  # the latest observation is stale (its assessment's ``stale`` note)
    WORSE = "worse"  # its status is worse than at the baseline (kpi check --baseline)
    GATE_WARN = "gate_warn"  # it would fail, but its gate is "warn"
    GATE_OFF = "gate_off"  # its gate is "off": not judged
    DIRECTION_ONLY = "direction_only"  # a direction-only indicator would fail: only a warning


class Location(NamedTuple):
    """A place in the project's files: ``file`` as a POSIX path (relative to the folder the
    caller chose), ``line`` 1-based or ``None`` when unknown."""

    file: str
    line: int | None


class Judgement(NamedTuple):
    """A target's level, every reason that holds (``Reason``, in its order) and those of them
    that fail under the gate's settings, before the target's own ``gate`` softens them."""

    level: Level
    reasons: tuple[Reason, ...] = ()
    failing: tuple[Reason, ...] = ()


class Verdict(NamedTuple):
    """One target judged against the gate: ``passed`` is false exactly when ``level`` is error;
    ``reasons`` and ``failing`` as in ``Judgement``."""

    assessment: TargetAssessment
    passed: bool
    level: Level
    comparator: str
    expected: Figures
    actual: Figures
    pace_unit: str
    location: Location | None = None
    reasons: tuple[Reason, ...] = ()
    failing: tuple[Reason, ...] = ()

    @property
    def got_worse(self) -> bool:
        """Whether its status is worse than at the baseline (``kpi check --baseline``)."""
        return Reason.WORSE in self.reasons

    @property
    def target_id(self) -> str:
        return self.assessment.target.id

    @property
    def status(self) -> Status:
        return self.assessment.status

    @property
    def gate(self) -> TargetGate:
        """The target's own ``gate`` setting in ``targets.toml``."""
        return self.assessment.target.gate


class DirectionVerdict(NamedTuple):
    """An indicator with a desired direction and no target (``summary``, its status not
    ``None``) judged against the gate (``judge_direction``): ``passed``, ``level``, ``reasons``
    and ``failing`` as in ``Verdict``; ``location`` where its annotation points."""

    summary: MonitoredSummary
    passed: bool
    level: Level
    location: Location | None = None
    reasons: tuple[Reason, ...] = ()
    failing: tuple[Reason, ...] = ()

    @property
    def indicator_id(self) -> str:
        return self.summary.indicator_id

    @property
    def status(self) -> Status:
        """The status its desired direction gives."""
        assert self.summary.status is not None, "a direction verdict has a status"
        return self.summary.status


_OUTCOMES = ("failed", "warned", "skipped", "ok", "off")  # one per level, in ``Level`` order


def _outcome_counts(levels: list[Level]) -> dict[str, int]:
    """How many of ``levels`` are each outcome of ``_OUTCOMES``."""
    return {word: levels.count(level) for word, level in zip(_OUTCOMES, Level, strict=True)}


class GateResult(NamedTuple):
    """Every verdict (in the assessment's order), every indicator with a desired direction and no
    target (``directions``) and the settings they were judged with."""

    project_name: str
    as_of: int
    fail_on: Status
    fail_on_missing: bool
    verdicts: tuple[Verdict, ...]
    fail_on_stale: bool = False
    fail_on_worse: bool = False
    goals: Mapping[str, Goal] = MappingProxyType({})
    directions: tuple[DirectionVerdict, ...] = ()
    fail_on_direction: bool = False

    @property
    def passed(self) -> bool:
        """True when no verdict failed: ``kpi check`` exits 0."""
        return all(v.passed for v in self.verdicts) and all(d.passed for d in self.directions)

    def count(self, level: Level) -> int:
        return sum(1 for v in self.verdicts if v.level is level)

    def outcome_counts(self) -> dict[str, int]:
        """How many verdicts ``failed``, ``warned``, were ``skipped`` (no usable data), are ok, or
        are ``off`` (not judged)."""
        return _outcome_counts([v.level for v in self.verdicts])

    def direction_counts(self) -> dict[str, int]:
        """``outcome_counts`` of the indicators with a desired direction and no target."""
        return _outcome_counts([d.level for d in self.directions])

    def status_counts(self) -> dict[Status, int]:
        """How many targets have each status, every status listed (in ``Status`` order)."""
        return {status: sum(v.status is status for v in self.verdicts) for status in Status}


def resolve_settings(
    file: GateSettings,
    *,
    fail_on: str | None = None,
    fail_on_missing: bool | None = None,
    fail_on_worse: bool | None = None,
    fail_on_stale: bool | None = None,
    fail_on_direction: bool | None = None,
) -> GateSettings:
    """The gate's settings in effect: the ``[gate]`` table of ``targets.toml`` (``file``, its
    defaults where a key is left out), each setting given here (not ``None``: a command-line
    flag) overriding the file's; a ``ValueError`` for a value the table would refuse."""
    flags = {
        "fail_on": fail_on,
        "fail_on_missing": fail_on_missing,
        "fail_on_worse": fail_on_worse,
        "fail_on_stale": fail_on_stale,
        "fail_on_direction": fail_on_direction,
    }
    given = {key: value for key, value in flags.items() if value is not None}
    return GateSettings.model_validate(file.model_dump() | given)


def ratio_threshold(fail_on: Status, settings: AssessmentSettings) -> float | None:
    """The lowest progress ratio whose status is better than ``fail_on``: ``on_track`` (for
    at_risk), ``at_risk`` (for off_track) or 0 (for moving_away); ``None`` for other statuses."""
    thresholds = zip(FAIL_ON_CHOICES, (settings.on_track, settings.at_risk, 0.0), strict=True)
    return dict(thresholds).get(fail_on)


def judge(
    status: Status,
    fail_on: Status,
    fail_on_missing: bool,
    *,
    stale: bool = False,
    fail_on_stale: bool = False,
    worse: bool = False,
    fail_on_worse: bool = False,
    gate: TargetGate = "error",
) -> Judgement:
    """Judge one target (``docs/ci.md``, levels). Its reasons: ``status`` at or worse than
    ``fail_on`` (fails), ``missing`` data (fails with ``fail_on_missing``), ``stale`` data (fails
    with ``fail_on_stale``), a status ``worse`` than at the baseline (fails with
    ``fail_on_worse``). Any failing reason makes it an ``error``, a ``warning`` instead at
    ``gate = "warn"``; else a target that got worse is a ``warning``, and so is stale data (but
    for a target on track or achieved, which is ``ok`` in every format unless it got worse or
    ``fail_on_stale``), missing data a ``notice``, the rest ``ok``. At ``gate = "off"`` it is
    ``off``, not judged."""
    limit = fail_on.severity
    if limit is None:
        raise ValueError(f"cannot fail on {fail_on.value}")
    if gate == "off":
        return Judgement(Level.OFF, (Reason.GATE_OFF,))
    severity = status.severity
    # Each reason that holds, in this order, and whether it fails: (status, missing, stale, worse).
    found = (
        (Reason.STATUS, severity is not None and severity >= limit, True),
        (Reason.MISSING, severity is None, fail_on_missing),
        (Reason.STALE, stale, fail_on_stale),
        (Reason.WORSE, worse, fail_on_worse),
    )
    reasons = tuple([reason for reason, held, _fails in found if held])
    failing = tuple([reason for reason, held, fails in found if held and fails])
    if failing and gate == "warn":
        return Judgement(Level.WARNING, (*reasons, Reason.GATE_WARN), failing)
    if failing:
        return Judgement(Level.ERROR, reasons, failing)
    if worse or (stale and status not in (Status.ACHIEVED, Status.ON_TRACK)):
        return Judgement(Level.WARNING, reasons)
    if severity is None:  # missing data
        return Judgement(Level.NOTICE, reasons)
    return Judgement(Level.OK, tuple(r for r in reasons if r is not Reason.STALE))


def judge_direction(
    status: Status,
    fail_on: Status,
    fail_on_missing: bool,
    *,
    stale: bool = False,
    fail_on_stale: bool = False,
    fail_on_direction: bool = False,
) -> Judgement:
    """Judge an indicator with a desired direction and no target: with ``fail_on_direction`` as a
    target is (``judge``, gate ``"error"``); without it, what would fail is only a ``warning``
    with the reason ``direction_only`` (as a target at gate ``"warn"``), so it never fails."""
    judged = judge(
        status,
        fail_on,
        fail_on_missing,
        stale=stale,
        fail_on_stale=fail_on_stale,
        gate="error" if fail_on_direction else "warn",
    )
    reasons = tuple(Reason.DIRECTION_ONLY if r is Reason.GATE_WARN else r for r in judged.reasons)
    return judged._replace(reasons=reasons)


def level_of(status: Status, fail_on: Status, fail_on_missing: bool) -> Level:
    """The level of a target with fresh data at ``gate = "error"`` (``judge``): ``error`` at or
    worse than ``fail_on`` (or missing data with ``fail_on_missing``), ``notice`` for missing data,
    else ``ok``."""
    return judge(status, fail_on, fail_on_missing).level


def _pace_unit(unit: str, pace_is_slope: bool) -> str:
    """``%/yr`` for growth rates; a slope in units a year, or percentage points (``pp/yr``) for a
    share in ``%``, so that a slope is never read as a growth rate."""
    if not pace_is_slope:
        return "%/yr"
    return "pp/yr" if unit.strip() == "%" else f"{unit}/yr"


def evaluate(
    report: ProjectAssessment,
    *,
    fail_on: Status = Status.OFF_TRACK,
    fail_on_missing: bool = False,
    fail_on_stale: bool = False,
    worse: Collection[str] = (),
    fail_on_worse: bool = False,
    settings: AssessmentSettings | None = None,
    locations: Mapping[str, Location] | None = None,
    fail_on_direction: bool = False,
    direction_locations: Mapping[str, Location] | None = None,
) -> GateResult:
    """Judge every target (``judge``) by its status, its data's freshness (the ``stale`` note),
    whether it got worse since a baseline (``worse``: those target ids) and its own ``gate``: it
    fails at or worse than ``fail_on`` (a status with a severity), without usable data with
    ``fail_on_missing``, with stale data with ``fail_on_stale``, worse with ``fail_on_worse``.
    ``settings`` (default ones when ``None``) give the expected progress ratio; ``locations``
    (``locate_targets``) where annotations point. Every monitored indicator with a desired
    direction is judged too (``judge_direction``: it fails only with ``fail_on_direction``),
    its annotation pointing where ``direction_locations`` (``locate_directions``) says."""
    threshold = ratio_threshold(fail_on, settings or AssessmentSettings())
    verdicts = []
    for a in report.targets:
        stale = any(note.code == "stale" for note in a.notes)
        judged = judge(
            a.status,
            fail_on,
            fail_on_missing,
            stale=stale,
            fail_on_stale=fail_on_stale,
            worse=a.target.id in worse,
            fail_on_worse=fail_on_worse,
            gate=a.target.gate,
        )
        figures = a.kind.gate_figures(a)
        verdicts.append(
            Verdict(
                a,
                passed=judged.level is not Level.ERROR,
                level=judged.level,
                comparator=figures.comparator,
                expected=figures.expected._replace(progress_ratio=threshold),
                actual=figures.actual._replace(progress_ratio=finite(a.progress_ratio)),
                pace_unit=_pace_unit(a.indicator.unit, figures.pace_is_slope),
                location=locations.get(a.target.id) if locations else None,
                reasons=judged.reasons,
                failing=judged.failing,
            )
        )
    directions = []
    for m in report.monitored:
        if m.status is None:
            continue  # no desired direction: nothing to judge
        judged = judge_direction(
            m.status,
            fail_on,
            fail_on_missing,
            stale=any(note.code == "stale" for note in m.notes),
            fail_on_stale=fail_on_stale,
            fail_on_direction=fail_on_direction,
        )
        directions.append(
            DirectionVerdict(
                m,
                passed=judged.level is not Level.ERROR,
                level=judged.level,
                location=direction_locations.get(m.indicator_id) if direction_locations else None,
                reasons=judged.reasons,
                failing=judged.failing,
            )
        )
    return GateResult(
        report.project_name,
        report.as_of,
        fail_on,
        fail_on_missing,
        tuple(verdicts),
        fail_on_stale=fail_on_stale,
        fail_on_worse=fail_on_worse,
        goals=report.goals,
        directions=tuple(directions),
        fail_on_direction=fail_on_direction,
    )


# -- where annotations point ---------------------------------------------------------------


def display_path(path: Path, root: Path, relative_to: Path | None) -> str:
    """``path`` (inside the project ``root``) as a POSIX path relative to ``relative_to`` when it
    lies inside that folder, else relative to ``root``."""
    if relative_to is not None:
        # realpath, not resolve: a symbolic-link loop is a reported problem, not a crash
        resolved, base = Path(os.path.realpath(path)), Path(os.path.realpath(relative_to))
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return path.relative_to(root).as_posix()


def problem_file(root: Path | None, relative_to: Path | None) -> Callable[[Problem], str | None]:
    """For a problem of the project at ``root``: its file as CI annotations name it
    (``display_path``; as given when it lies outside the project or ``root`` is unknown)."""

    def file_of(problem: Problem) -> str | None:
        if problem.file is None:
            return None
        if root is None or problem.file.is_absolute():
            return problem.file.as_posix()
        return display_path(root / problem.file, root, relative_to)

    return file_of


def locate_targets(
    report: ProjectAssessment, root: Path, relative_to: Path | None = None
) -> dict[str, Location]:
    """For each target id, where a CI annotation points: the latest usable observation's
    ``year = ...`` line, else the target's ``id = ...`` line in ``targets.toml`` (``None`` when
    unknown); files named as ``display_path`` does (CI runs at the repository root)."""
    found: dict[str, Location] = {}
    for a in report.targets:
        view = report.indicators.get(a.indicator_id)
        origin = None if a.latest is None or view is None else view.origin_of(a.latest.year)
        if origin is None:
            origin = report.target_origins.get(a.target.id, Origin(Path(TARGETS_FILE)))
        file = display_path(root / origin.file, root, relative_to)
        found[a.target.id] = Location(file, origin.line)
    return found


def locate_directions(
    report: ProjectAssessment, root: Path, relative_to: Path | None = None
) -> dict[str, Location]:
    """For each monitored indicator with a desired direction, where a CI annotation points: its
    latest usable observation's ``year = ...`` line, else ``targets.toml`` (no line); files
    named as ``display_path`` does."""
    found: dict[str, Location] = {}
    for m in report.monitored:
        if m.status is None:
            continue
        view = report.indicators.get(m.indicator_id)
        origin = None if m.latest is None or view is None else view.origin_of(m.latest.year)
        origin = origin or Origin(Path(TARGETS_FILE))
        found[m.indicator_id] = Location(
            display_path(root / origin.file, root, relative_to), origin.line
        )
    return found
