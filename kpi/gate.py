"""The CI gate behind ``kpi check``: a verdict for every target, and where each one points.

``evaluate`` is pure: it turns a ``ProjectAssessment`` into verdicts (failed, warned, skipped or
passed) with the figures behind each. ``locate_targets`` finds, for every target, the line a CI
annotation should point at, from the origins the assessment carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

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
class Figures:
    """One side of a verdict (``None`` where not defined).

    ``value``/``year``: the goal (expected) or the latest value and its year (actual); for a rate
    target the period's average so far and its last observed year. ``pace``: the pace the
    progress ratio compares (``Verdict.pace_unit``). ``progress_ratio``: expected is the lowest
    ratio that passes the gate, actual the target's ratio (``None`` when infinite or unknown).
    """

    value: float | None
    year: int | None
    pace: float | None
    progress_ratio: float | None


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

    @property
    def passed(self) -> bool:
        """True when no verdict failed: ``kpi check`` exits 0."""
        return all(v.passed for v in self.verdicts)

    def count(self, level: Level) -> int:
        """How many verdicts have ``level``."""
        return sum(1 for v in self.verdicts if v.level is level)

    def status_counts(self) -> dict[Status, int]:
        """How many targets have each status, every status listed (best to worst, then the
        two without data)."""
        counts = dict.fromkeys(Status, 0)
        for verdict in self.verdicts:
            counts[verdict.status] += 1
        return counts


def ratio_threshold(fail_on: Status, settings: AssessmentSettings) -> float | None:
    """The lowest progress ratio whose status is better than ``fail_on``: ``on_track`` (for
    at_risk), ``at_risk`` (for off_track) or 0 (for moving_away); ``None`` for other statuses."""
    thresholds = {
        Status.AT_RISK: settings.on_track,
        Status.OFF_TRACK: settings.at_risk,
        Status.MOVING_AWAY: 0.0,
    }
    return thresholds.get(fail_on)


def level_of(status: Status, fail_on: Status, fail_on_missing: bool) -> Level:
    """``error`` at or worse than ``fail_on`` (or missing data with ``fail_on_missing``),
    ``warning`` one step better than ``fail_on``, ``notice`` for missing data, else ``ok``."""
    severity, limit = status.severity, fail_on.severity
    if limit is None:
        raise ValueError(f"cannot fail on {fail_on.value}")
    if severity is None:
        return Level.ERROR if fail_on_missing else Level.NOTICE
    if severity >= limit:
        return Level.ERROR
    return Level.WARNING if severity == limit - 1 else Level.OK


def _slope_unit(unit: str) -> str:
    """Units a year; percentage points (``pp/yr``) for a share in ``%``, so that a slope is never
    read as a growth rate."""
    return "pp/yr" if unit.strip() == "%" else f"{unit}/yr"


def _figures(
    assessment: TargetAssessment, threshold: float | None
) -> tuple[str, Figures, Figures, str]:
    """Comparator, expected and actual figures, and the unit of their pace: the kind gives the
    goal and the figures (``TargetKind.gate_figures``), the gate adds the progress ratios."""
    figures = assessment.kind.gate_figures(assessment)
    unit = _slope_unit(assessment.indicator.unit) if figures.pace_is_slope else "%/yr"
    expected = Figures(
        figures.expected_value, figures.expected_year, figures.expected_pace, threshold
    )
    actual = Figures(
        figures.actual_value,
        figures.actual_year,
        figures.actual_pace,
        finite(assessment.progress_ratio),
    )
    return figures.comparator, expected, actual, unit


def evaluate(
    report: ProjectAssessment,
    *,
    fail_on: Status = Status.OFF_TRACK,
    fail_on_missing: bool = False,
    settings: AssessmentSettings | None = None,
    locations: Mapping[str, Location] | None = None,
) -> GateResult:
    """Judge every target of ``report``: it fails when its status is at or worse than
    ``fail_on`` (a status with a severity), or has no usable data and ``fail_on_missing``.

    ``settings`` (the project's thresholds; default ones when ``None``) only fill in the expected
    progress ratio; ``locations`` maps target ids to where annotations point (see
    ``locate_targets``).
    """
    threshold = ratio_threshold(fail_on, settings or AssessmentSettings())
    places = locations or {}
    verdicts = []
    for assessment in report.targets:
        level = level_of(assessment.status, fail_on, fail_on_missing)
        comparator, expected, actual, unit = _figures(assessment, threshold)
        verdicts.append(
            Verdict(
                assessment,
                passed=level is not Level.ERROR,
                level=level,
                comparator=comparator,
                expected=expected,
                actual=actual,
                pace_unit=unit,
                location=places.get(assessment.target.id),
            )
        )
    return GateResult(report.project_name, report.as_of, fail_on, fail_on_missing, tuple(verdicts))


# -- where annotations point ---------------------------------------------------------------


def display_path(path: Path, root: Path, relative_to: Path | None) -> str:
    """``path`` (inside the project ``root``) as a POSIX path relative to ``relative_to`` when it
    lies inside that folder, else relative to ``root``."""
    if relative_to is not None:
        resolved, base = path.resolve(), relative_to.resolve()
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return path.relative_to(root).as_posix()


def locate_targets(
    report: ProjectAssessment, root: Path, relative_to: Path | None = None
) -> dict[str, Location]:
    """For each target id, where a CI annotation about it should point.

    With a latest usable observation (up to ``report.as_of``): its file at the line of its
    ``year = ...`` key. Without: ``targets.toml`` at the line of the target's ``id = ...`` key.
    Files are named relative to ``relative_to`` when they lie inside it (CI runs at the
    repository root), else relative to the project folder ``root``. Lines come from the
    assessment (the store kept them when it read the files); an unknown one is ``None``.
    """
    found: dict[str, Location] = {}
    for assessment in report.targets:
        origin = None
        if assessment.latest is not None and assessment.indicator_id in report.indicators:
            view = report.indicators[assessment.indicator_id]
            origin = view.origin_of(assessment.latest.year)
        if origin is None:
            origin = report.target_origins.get(assessment.target.id, Origin(Path(TARGETS_FILE)))
        found[assessment.target.id] = Location(
            display_path(root / origin.file, root, relative_to), origin.line
        )
    return found
