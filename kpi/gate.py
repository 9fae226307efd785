"""The CI gate behind ``kpi check`` (assessment -> gate -> render): ``evaluate`` turns a
``ProjectAssessment`` into verdicts with the figures behind each (pure); ``locate_targets`` finds
the line each target's CI annotation points at, from the origins the assessment carries."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from kpi.errors import Problem
from kpi.kinds import Figures
from kpi.model import TARGETS_FILE, AssessmentSettings, Origin
from kpi.progress import ProjectAssessment, Status, TargetAssessment, finite

FAIL_ON_CHOICES = (Status.AT_RISK, Status.OFF_TRACK, Status.MOVING_AWAY)


class Level(StrEnum):
    """How loudly a verdict is reported: ``error`` fails the gate, ``warning`` is one step better
    than ``--fail-on``, ``notice`` is missing data that does not fail, ``ok`` is the rest."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the project's files: ``file`` as a POSIX path (relative to the folder the
    caller chose), ``line`` 1-based or ``None`` when unknown."""

    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """One target judged against the gate: ``passed`` is false exactly when ``level`` is error."""

    assessment: TargetAssessment
    passed: bool
    level: Level
    comparator: str
    expected: Figures
    actual: Figures
    pace_unit: str
    location: Location | None = None
    got_worse: bool = False  # its status is worse than at the baseline (kpi check --baseline)

    @property
    def target_id(self) -> str:
        return self.assessment.target.id

    @property
    def status(self) -> Status:
        return self.assessment.status


@dataclass(frozen=True, slots=True)
class GateResult:
    """Every verdict (in the assessment's order) and the settings they were judged with."""

    project_name: str
    as_of: int
    fail_on: Status
    fail_on_missing: bool
    verdicts: tuple[Verdict, ...]
    fail_on_worse: bool = False

    @property
    def passed(self) -> bool:
        """True when no verdict failed: ``kpi check`` exits 0."""
        return all(v.passed for v in self.verdicts)

    def count(self, level: Level) -> int:
        return sum(1 for v in self.verdicts if v.level is level)

    def outcome_counts(self) -> dict[str, int]:
        """How many verdicts ``failed``, ``warned``, were ``skipped`` (no usable data) or are ok."""
        words = ("failed", "warned", "skipped", "ok")  # one per level, in ``Level`` order
        return {word: self.count(level) for word, level in zip(words, Level, strict=True)}

    def status_counts(self) -> dict[Status, int]:
        """How many targets have each status, every status listed (in ``Status`` order)."""
        return {status: sum(v.status is status for v in self.verdicts) for status in Status}


def ratio_threshold(fail_on: Status, settings: AssessmentSettings) -> float | None:
    """The lowest progress ratio whose status is better than ``fail_on``: ``on_track`` (for
    at_risk), ``at_risk`` (for off_track) or 0 (for moving_away); ``None`` for other statuses."""
    thresholds = zip(FAIL_ON_CHOICES, (settings.on_track, settings.at_risk, 0.0), strict=True)
    return dict(thresholds).get(fail_on)


def level_of(status: Status, fail_on: Status, fail_on_missing: bool) -> Level:
    """``error`` at or worse than ``fail_on`` (or missing data with ``fail_on_missing``),
    ``warning`` one step better than ``fail_on`` unless that is on track (a target on track or
    achieved is always ``ok``), ``notice`` for missing data, else ``ok``."""
    severity, limit = status.severity, fail_on.severity
    if limit is None:
        raise ValueError(f"cannot fail on {fail_on.value}")
    if severity is None:
        return Level.ERROR if fail_on_missing else Level.NOTICE
    if severity >= limit:
        return Level.ERROR
    on_course = status in (Status.ACHIEVED, Status.ON_TRACK)
    return Level.WARNING if severity == limit - 1 and not on_course else Level.OK


def worse_level(level: Level, fail_on_worse: bool) -> Level:
    """The level of a target that got worse since the baseline and is at ``level`` otherwise:
    ``error`` with ``fail_on_worse``, else at least ``warning``."""
    if fail_on_worse:
        return Level.ERROR
    return Level.WARNING if level is Level.OK else level


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
    settings: AssessmentSettings | None = None,
    locations: Mapping[str, Location] | None = None,
    worse: Collection[str] = (),
    fail_on_worse: bool = False,
) -> GateResult:
    """Judge every target: it fails at or worse than ``fail_on`` (a status with a severity), or
    without usable data with ``fail_on_missing``. ``settings`` (default ones when ``None``) give
    the expected progress ratio; ``locations`` (``locate_targets``) where annotations point;
    ``worse`` the ids of targets that got worse since a baseline (``worse_level``)."""
    threshold = ratio_threshold(fail_on, settings or AssessmentSettings())
    verdicts = []
    for a in report.targets:
        level = level_of(a.status, fail_on, fail_on_missing)
        got_worse = a.target.id in worse
        level = worse_level(level, fail_on_worse) if got_worse else level
        figures = a.kind.gate_figures(a)
        verdicts.append(
            Verdict(
                a,
                passed=level is not Level.ERROR,
                level=level,
                comparator=figures.comparator,
                expected=replace(figures.expected, progress_ratio=threshold),
                actual=replace(figures.actual, progress_ratio=finite(a.progress_ratio)),
                pace_unit=_pace_unit(a.indicator.unit, figures.pace_is_slope),
                location=locations.get(a.target.id) if locations else None,
                got_worse=got_worse,
            )
        )
    return GateResult(
        report.project_name, report.as_of, fail_on, fail_on_missing, tuple(verdicts), fail_on_worse
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
