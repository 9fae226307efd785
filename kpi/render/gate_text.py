"""``kpi check --format text``: one line per target, a summary line last; and the human
sentences (verdict messages, summary) that the machine formats carry in their message fields."""

from __future__ import annotations

from collections.abc import Callable

from kpi.gate import GateResult, Level, Verdict
from kpi.i18n import N_, _
from kpi.progress import Status
from kpi.render import human

MARKS = {
    Level.ERROR: N_("FAIL"),
    Level.WARNING: N_("WARN"),
    Level.NOTICE: N_("SKIP"),
    Level.OK: N_("ok"),
}


def _label(verdict: Verdict) -> str:
    return human.status_label(verdict.status)


def _pace_unit(verdict: Verdict) -> str:
    """The verdict's pace unit (``%/yr``, ``pp/yr``, ``<unit>/yr``) in the current language."""
    unit = verdict.pace_unit
    if unit == "%/yr":
        return _("%/yr")
    if unit == "pp/yr":
        return _("pp/yr")
    if unit.endswith("/yr"):
        return _("{unit}/yr").format(unit=unit.removesuffix("/yr"))
    return unit


def headline(verdict: Verdict, fail_on: Status) -> str:
    """The status and what it means for the gate, e.g. ``at risk, one step better than off
    track``."""
    label, fail_on_label = _label(verdict), human.status_label(fail_on)
    if verdict.level is Level.ERROR:
        if verdict.status.is_missing:
            return _("{status}, failing with --fail-on-missing").format(status=label)
        return _("{status}, at or worse than {fail_on}").format(status=label, fail_on=fail_on_label)
    if verdict.level is Level.WARNING:
        return _("{status}, one step better than {fail_on}").format(
            status=label, fail_on=fail_on_label
        )
    if verdict.level is Level.NOTICE:
        return _("{status}, failing only with --fail-on-missing").format(status=label)
    return label


def _trend_text(verdict: Verdict) -> str | None:
    """``trend +1.2 %/yr since 2018 against +2.5 %/yr needed`` for a level target."""
    a, actual, expected = verdict.assessment, verdict.actual, verdict.expected
    if actual.pace is None:
        return None
    unit = _pace_unit(verdict)
    observed = human.number(actual.pace, signed=True)
    if expected.pace is None:
        return _("trend {pace} {unit} since {year}").format(
            pace=observed, unit=unit, year=a.trend_from
        )
    return _("trend {pace} {unit} since {year} against {needed} {unit} needed").format(
        pace=observed,
        unit=unit,
        year=a.trend_from,
        needed=human.number(expected.pace, signed=True),
    )


def _ratio_text(verdict: Verdict) -> str | None:
    """``progress ratio 0.62 (passes from 0.5)``."""
    a, expected = verdict.assessment, verdict.expected
    if a.progress_ratio is None:
        return None
    ratio = human.number(a.progress_ratio)
    if expected.progress_ratio is not None and verdict.status.severity not in (None, 0):
        return _("progress ratio {ratio} (passes from {threshold})").format(
            ratio=ratio, threshold=human.number(expected.progress_ratio)
        )
    return _("progress ratio {ratio}").format(ratio=ratio)


def figures_text(verdict: Verdict, as_of: int | None = None) -> str:
    """The figures behind the verdict: where the indicator stands, the goal, the pace observed
    and needed, the progress ratio. With ``as_of`` (the text format) the latest value carries
    every mark the formats for people show (``human.marks``, ``!`` when stale); without it (the
    messages of the machine formats) it carries no ``!``."""
    a = verdict.assessment
    goal = _("goal {goal}").format(goal=human.goal_text(a.target, a.indicator.unit))
    parts = _FIGURE_PARTS[a.kind.name](verdict, goal, as_of)
    parts.append(_ratio_text(verdict))
    return ", ".join(part for part in parts if part is not None)


def _level_parts(verdict: Verdict, goal: str, as_of: int | None) -> list[str | None]:
    """Latest value, goal, trend observed against the trend needed."""
    latest = _("latest {latest}").format(latest=human.latest_text(verdict.assessment.latest, as_of))
    return [latest, goal, _trend_text(verdict)]


def _rate_parts(verdict: Verdict, goal: str, as_of: int | None) -> list[str | None]:
    """Average so far over the period, goal, rate needed from now on."""
    actual, expected = verdict.actual, verdict.expected
    unit = _pace_unit(verdict)
    parts: list[str | None] = []
    if actual.value is not None:
        parts.append(
            _("average {rate} {unit} {start}–{end}").format(
                rate=human.number(actual.value),
                unit=unit,
                start=verdict.assessment.trend_from,
                end=actual.year,
            )
        )
    parts.append(goal)
    if expected.pace is not None:
        parts.append(
            _("needs {rate} {unit} from now on").format(rate=human.number(expected.pace), unit=unit)
        )
    return parts


# The figures' words of each kind, by ``TargetKind.name``: a new kind adds its entry here.
_FIGURE_PARTS: dict[str, Callable[[Verdict, str, int | None], list[str | None]]] = {
    "level": _level_parts,
    "rate": _rate_parts,
}


def verdict_message(verdict: Verdict, fail_on: Status, separator: str = "; ") -> str:
    """Headline, figures (``figures_text`` without ``as_of``), then each note, joined by
    ``separator``: the message of the machine formats."""
    notes = [note.message for note in verdict.assessment.notes]
    return separator.join([f"{headline(verdict, fail_on)}: {figures_text(verdict)}", *notes])


_SUMMARIES = {
    True: N_(
        "passed: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok "
        "of {total} targets as of {year} ({options})"
    ),
    False: N_(
        "FAILED: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok "
        "of {total} targets as of {year} ({options})"
    ),
}


def summary_line(result: GateResult) -> str:
    """``passed: 0 failed, 1 warned, 3 skipped (no usable data), 1 ok of 5 targets as of 2026
    (--fail-on off_track)``."""
    options = f"--fail-on {result.fail_on.value}"
    options += " --fail-on-missing" if result.fail_on_missing else ""
    return _(_SUMMARIES[result.passed]).format(
        failed=result.count(Level.ERROR),
        warned=result.count(Level.WARNING),
        skipped=result.count(Level.NOTICE),
        ok=result.count(Level.OK),
        total=len(result.verdicts),
        year=result.as_of,
        options=options,
    )


def render(result: GateResult) -> str:
    """The whole text report: ``MARK  target  status  figures; notes`` lines, then the summary."""
    marks = {level: _(mark) for level, mark in MARKS.items()}
    mark_width = max(len(mark) for mark in marks.values())
    width = max((len(v.target_id) for v in result.verdicts), default=0)
    status_width = max((len(_label(v)) for v in result.verdicts), default=0)
    lines = []
    for verdict in result.verdicts:
        notes = [note.message for note in verdict.assessment.notes]
        why = "; ".join([figures_text(verdict, result.as_of), *notes])
        lines.append(
            f"{marks[verdict.level]:<{mark_width}}  {verdict.target_id:<{width}}  "
            f"{_label(verdict):<{status_width}}  {why}"
        )
    if result.verdicts:
        lines.append("")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
