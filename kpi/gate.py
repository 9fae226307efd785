"""The CI gate behind ``kpi check``: a verdict for every target, and where each one points.

``evaluate`` is pure: it turns a ``ProjectAssessment`` into verdicts (failed, warned, skipped or
passed) with the figures behind each. ``locate_targets`` reads the project's files once to find,
for every target, the line a CI annotation should point at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kpi.locate import LineIndex
from kpi.model import AssessmentSettings, LevelTarget, Project, Target
from kpi.progress import LevelDetails, ProjectAssessment, RateDetails, Status, TargetAssessment
from kpi.serialize import finite
from kpi.store import OBSERVATIONS_DIR, TARGETS_FILE

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
    """Comparator, expected and actual figures, and the unit of their pace."""
    target, details = assessment.target, assessment.details
    ratio = finite(assessment.progress_ratio)
    if isinstance(target, LevelTarget):
        latest = assessment.latest
        needed: float | None = None
        observed: float | None = None
        unit = "%/yr"
        if isinstance(details, LevelDetails) and details.uses_slopes:
            needed, observed = details.needed_slope, details.observed_slope
            unit = _slope_unit(assessment.indicator.unit)
        elif isinstance(details, LevelDetails):
            needed, observed = details.needed_growth_pct, assessment.observed_growth_pct
        expected = Figures(target.value, target.year, finite(needed), threshold)
        actual = Figures(
            latest.value if latest else None,
            latest.year if latest else None,
            finite(observed),
            ratio,
        )
        return target.comparator, expected, actual, unit
    observed_years = details.observed if isinstance(details, RateDetails) else ()
    last = observed_years[-1].year if observed_years else None
    mean = finite(assessment.observed_growth_pct)
    required = finite(assessment.required_growth_pct) if observed_years else None
    expected = Figures(target.low, target.end, required, threshold)
    return ">=", expected, Figures(mean, last, mean, ratio), "%/yr"


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


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _observation_line(path: Path, year: int) -> int | None:
    """The line of ``year = <year>`` of that year's observation in ``path`` (or of the nearest
    written ancestor key, such as its ``[[observations]]`` header)."""
    # The project was just loaded and validated, so a line ``year = <year>`` (the year is unique
    # in the file) is that observation's; no second parse of the file is needed.
    text = _read_text(path)
    if text is None:
        return None
    pattern = re.compile(rf"\s*year\s*=\s*{year}\s*(#.*)?")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.fullmatch(line):
            return number
    return None


def locate_targets(
    project: Project, report: ProjectAssessment, relative_to: Path | None = None
) -> dict[str, Location]:
    """For each target id, where a CI annotation about it should point.

    With a latest usable observation (up to ``report.as_of``): ``observations/<indicator>.toml``
    at the line of that observation's ``year = ...`` key. Without: ``targets.toml`` at the line of
    the target's ``id = ...`` key. Files are named relative to ``relative_to`` when they lie
    inside it (CI runs at the repository root), else relative to the project folder. Reads the
    files; one that cannot be read any more gives ``line = None``.
    """
    root = project.root
    positions: dict[str, tuple[str, int]] = {}
    for indicator_id, indicator in project.indicators.items():
        targets: tuple[Target, ...] = indicator.targets
        for number, target in enumerate(targets):
            positions[target.id] = (indicator_id, number)
    targets_path = root / TARGETS_FILE
    targets_text = _read_text(targets_path)
    targets_index = LineIndex(targets_text) if targets_text is not None else None
    lines: dict[Path, int | None] = {}
    found: dict[str, Location] = {}
    for assessment in report.targets:
        latest = assessment.latest
        if latest is not None:
            path = root / OBSERVATIONS_DIR / f"{assessment.indicator_id}.toml"
            if path not in lines:
                lines[path] = _observation_line(path, latest.year)
            found[assessment.target.id] = Location(
                display_path(path, root, relative_to), lines[path]
            )
            continue
        indicator_id, number = positions[assessment.target.id]
        key = ("indicators", indicator_id, "targets", number, "id")
        line = targets_index.line_of(key) if targets_index else None
        found[assessment.target.id] = Location(display_path(targets_path, root, relative_to), line)
    return found
