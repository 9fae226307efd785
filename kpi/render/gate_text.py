"""``kpi check --format text``: one line per target, a summary line last; and the human
sentences (verdict messages, summary) that the machine formats carry in their message fields."""

from __future__ import annotations

from kpi.gate import GateResult, Level, Verdict
from kpi.model import RateTarget
from kpi.progress import Status
from kpi.render import human

MARKS = {Level.ERROR: "FAIL", Level.WARNING: "WARN", Level.NOTICE: "SKIP", Level.OK: "ok"}


def _label(verdict: Verdict) -> str:
    return human.status_label(verdict.status)


def headline(verdict: Verdict, fail_on: Status) -> str:
    """The status and what it means for the gate, e.g. ``at risk, one step better than off
    track``."""
    label, fail_on_label = _label(verdict), human.status_label(fail_on)
    if verdict.level is Level.ERROR:
        if verdict.status.is_missing:
            return f"{label}, failing with --fail-on-missing"
        return f"{label}, at or worse than {fail_on_label}"
    if verdict.level is Level.WARNING:
        return f"{label}, one step better than {fail_on_label}"
    if verdict.level is Level.NOTICE:
        return f"{label}, failing only with --fail-on-missing"
    return label


def figures_text(verdict: Verdict) -> str:
    """The figures behind the verdict: where the indicator stands, the goal, the pace observed
    and needed, the progress ratio."""
    a = verdict.assessment
    actual, expected = verdict.actual, verdict.expected
    unit = verdict.pace_unit
    goal = f"goal {human.goal_text(a.target, a.indicator.unit)}"
    if isinstance(a.target, RateTarget):
        parts = []
        if actual.value is not None:
            parts.append(
                f"average {human.number(actual.value)} {unit} {a.trend_from}–{actual.year}"
            )
        parts.append(goal)
        if expected.pace is not None:
            parts.append(f"needs {human.number(expected.pace)} {unit} from now on")
    else:
        parts = [f"latest {human.latest_text(a.latest)}", goal]
        if actual.pace is not None:
            trend = f"trend {human.number(actual.pace, signed=True)} {unit} since {a.trend_from}"
            if expected.pace is not None:
                trend += f" against {human.number(expected.pace, signed=True)} {unit} needed"
            parts.append(trend)
    if a.progress_ratio is not None:
        ratio = f"progress ratio {human.number(a.progress_ratio)}"
        if expected.progress_ratio is not None and verdict.status.severity not in (None, 0):
            ratio += f" (passes from {human.number(expected.progress_ratio)})"
        parts.append(ratio)
    return ", ".join(parts)


def verdict_message(verdict: Verdict, fail_on: Status, separator: str = "; ") -> str:
    """Headline, figures, then each note, joined by ``separator``."""
    notes = [note.message for note in verdict.assessment.notes]
    return separator.join([f"{headline(verdict, fail_on)}: {figures_text(verdict)}", *notes])


def summary_line(result: GateResult) -> str:
    """``passed: 0 failed, 1 warned, 3 skipped (no usable data), 1 ok of 5 targets as of 2026
    (--fail-on off_track)``."""
    options = f"--fail-on {result.fail_on.value}"
    options += " --fail-on-missing" if result.fail_on_missing else ""
    counts = (
        f"{result.count(Level.ERROR)} failed, {result.count(Level.WARNING)} warned, "
        f"{result.count(Level.NOTICE)} skipped (no usable data), {result.count(Level.OK)} ok"
    )
    verdict = "passed" if result.passed else "FAILED"
    return f"{verdict}: {counts} of {len(result.verdicts)} targets as of {result.as_of} ({options})"


def render(result: GateResult) -> str:
    """The whole text report: ``MARK  target  status  figures; notes`` lines, then the summary."""
    width = max((len(v.target_id) for v in result.verdicts), default=0)
    status_width = max((len(_label(v)) for v in result.verdicts), default=0)
    lines = []
    for verdict in result.verdicts:
        notes = [note.message for note in verdict.assessment.notes]
        why = "; ".join([figures_text(verdict), *notes])
        lines.append(
            f"{MARKS[verdict.level]:<4}  {verdict.target_id:<{width}}  "
            f"{_label(verdict):<{status_width}}  {why}"
        )
    if result.verdicts:
        lines.append("")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
