"""``kpi check --format text``: one line per target, a summary line last; and the human
sentences (verdict messages, summary) that the machine formats carry in their message fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpi.gate import DirectionVerdict, GateResult, Level, Reason, Verdict
from kpi.i18n import N_, _
from kpi.progress import Status
from kpi.render import human
from kpi.text import inert

if TYPE_CHECKING:
    from kpi.baseline import Comparison, ObservationChange, TargetChange
    from kpi.revisions import GitRevision

MARKS = {
    Level.ERROR: N_("FAIL"),
    Level.WARNING: N_("WARN"),
    Level.NOTICE: N_("SKIP"),
    Level.OK: N_("ok"),
    Level.OFF: N_("off"),
}


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


def gate_reasons(verdict: Verdict | DirectionVerdict) -> list[str]:
    """Why the verdict's level is not its status's alone, in words: worse than at the baseline
    (failing with --fail-on-worse or a warning), stale data (likewise with --fail-on-stale), a
    target whose gate is "warn" or "off", an indicator with a desired direction only that would
    fail; empty otherwise."""
    reasons, phrases = verdict.reasons, []
    if Reason.WORSE in reasons and Reason.WORSE in verdict.failing:
        phrases.append(_("worse than at the baseline, failing with --fail-on-worse"))
    elif Reason.WORSE in reasons:
        phrases.append(_("worse than at the baseline"))
    if Reason.STALE in reasons and Reason.STALE in verdict.failing:
        phrases.append(_("stale data, failing with --fail-on-stale"))
    elif Reason.STALE in reasons:
        phrases.append(_("stale data"))
    if Reason.GATE_WARN in reasons:
        phrases.append(_('only a warning: its gate is "warn"'))
    if Reason.GATE_OFF in reasons:
        phrases.append(_('not judged: its gate is "off"'))
    if Reason.DIRECTION_ONLY in reasons:
        phrases.append(
            _("only a warning: without a target, it fails only with --fail-on-direction")
        )
    return phrases


def headline(verdict: Verdict | DirectionVerdict, fail_on: Status) -> str:
    """The status and its meaning for the gate, e.g. ``off track, at or worse than off track``
    or ``on track, stale data`` (``gate_reasons``)."""
    parts = [human.status_label(verdict.status)]
    if Reason.STATUS in verdict.reasons:
        worse = _("at or worse than {fail_on}")
        parts.append(worse.format(fail_on=human.status_label(fail_on)))
    if Reason.MISSING in verdict.reasons:
        if Reason.MISSING in verdict.failing:
            parts.append(_("failing with --fail-on-missing"))
        else:
            parts.append(_("failing only with --fail-on-missing"))
    return ", ".join([*parts, *gate_reasons(verdict)])


def _trend_text(verdict: Verdict) -> str | None:
    """``trend +1.2 %/yr since 2018 against +2.5 %/yr needed`` for a level target."""
    a, actual, expected = verdict.assessment, verdict.actual, verdict.expected
    if actual.pace is None:
        return None
    message = _("trend {pace} {unit} since {year} against {needed} {unit} needed")
    if expected.pace is None:
        message = _("trend {pace} {unit} since {year}")
    pace, needed = human.number(actual.pace, signed=True), human.number(expected.pace, signed=True)
    return message.format(pace=pace, unit=_pace_unit(verdict), year=a.trend_from, needed=needed)


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
    """Where the indicator stands, the goal, the pace observed and needed, the progress ratio; the
    latest value marked as in the formats for people (``human.marks``), its stale ``!`` only with
    ``as_of`` (the text format, not the machine formats' messages)."""
    a = verdict.assessment
    goal = _("goal {goal}").format(goal=human.goal_text(a.target, a.indicator.unit))
    parts = [*_FIGURE_PARTS[a.kind.name](verdict, goal, as_of), _ratio_text(verdict)]
    return ", ".join(part for part in parts if part is not None)


def _level_parts(verdict: Verdict, goal: str, as_of: int | None) -> list[str | None]:
    latest = _("latest {latest}").format(latest=human.latest_of(verdict.assessment, as_of))
    return [latest, goal, _trend_text(verdict)]


def _rate_parts(verdict: Verdict, goal: str, as_of: int | None) -> list[str | None]:
    actual, expected, unit = verdict.actual, verdict.expected, _pace_unit(verdict)
    parts: list[str | None] = []
    if actual.value is not None:
        rate, start = human.number(actual.value), verdict.assessment.trend_from
        if start == actual.year:
            average = _("{rate} {unit} in {start}").format(rate=rate, unit=unit, start=start)
        else:
            average = _("average {rate} {unit} {start}–{end}").format(
                rate=rate, unit=unit, start=start, end=actual.year
            )
        parts.append(average)
    parts.append(goal)
    if expected.pace is not None:
        needs = _("needs {rate} {unit} from now on")
        parts.append(needs.format(rate=human.number(expected.pace), unit=unit))
    return parts


# The figures' words of each kind, by ``TargetKind.name``: a new kind adds its entry here.
_FIGURE_PARTS = {"level": _level_parts, "rate": _rate_parts}


def direction_figures_text(verdict: DirectionVerdict, as_of: int | None = None) -> str:
    """Where an indicator with a desired direction stands: its latest value (marked as in
    ``figures_text``) and what the direction method found (``human.direction_sentence``)."""
    summary = verdict.summary
    latest = _("latest {latest}").format(latest=human.latest_of(summary, as_of))
    found = human.direction_sentence(summary)
    return ", ".join(part for part in (latest, found) if part is not None)


def direction_message(verdict: DirectionVerdict, fail_on: Status, separator: str = "; ") -> str:
    """``verdict_message`` of an indicator with a desired direction and no target."""
    notes = [note.message for note in verdict.summary.notes]
    figures = direction_figures_text(verdict)
    return separator.join([f"{headline(verdict, fail_on)}: {figures}", *notes])


def verdict_message(verdict: Verdict, fail_on: Status, separator: str = "; ") -> str:
    """The machine formats' message: headline, figures (no ``as_of``), notes, by ``separator``."""
    notes = [note.message for note in verdict.assessment.notes]
    return separator.join([f"{headline(verdict, fail_on)}: {figures_text(verdict)}", *notes])


_PASSED = N_(
    "passed: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok "
    "of {total} targets as of {year} ({options})"
)
_FAILED = N_(
    "FAILED: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok "
    "of {total} targets as of {year} ({options})"
)
_PASSED_WITH_OFF = N_(
    "passed: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok, "
    "{off} not judged (gate off) of {total} targets as of {year} ({options})"
)
_FAILED_WITH_OFF = N_(
    "FAILED: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok, "
    "{off} not judged (gate off) of {total} targets as of {year} ({options})"
)


def options_text(result: GateResult, comparison: Comparison | None = None) -> str:
    """The settings the gate judged with, as the flags that give them (whether they came from
    the flags or from the [gate] table): ``--fail-on off_track --fail-on-stale``, and with
    ``comparison`` its ``--baseline``."""
    options = f"--fail-on {result.fail_on.value}"
    options += " --fail-on-missing" if result.fail_on_missing else ""
    options += " --fail-on-stale" if result.fail_on_stale else ""
    if comparison is not None:
        options += f" --baseline {inert(comparison.revision.requested)}"
        options += " --fail-on-worse" if result.fail_on_worse else ""
    options += " --fail-on-direction" if result.fail_on_direction else ""
    return options


def summary_line(result: GateResult, comparison: Comparison | None = None) -> str:
    """The gate's last line, e.g. ``passed: 0 failed, 1 warned, 3 skipped (no usable data), 1 ok
    of 5 targets as of 2026 (--fail-on off_track)``; targets not judged (gate off) are counted
    only when there are any, and so are indicators with a desired direction only (after a
    ``;``); with ``comparison``, what changed since its revision (``; since main
    (0123456789ab): 1 worse, 4 same``)."""
    counts = result.outcome_counts()
    if counts["off"]:
        message = _PASSED_WITH_OFF if result.passed else _FAILED_WITH_OFF
    else:
        message = _PASSED if result.passed else _FAILED
    options = options_text(result, comparison)
    line = _(message).format(
        **counts, total=len(result.verdicts), year=result.as_of, options=options
    )
    if result.directions:
        directions = _(_DIRECTIONS).format(
            **result.direction_counts(), total=len(result.directions)
        )
        line += "; " + directions
    if comparison is None:
        return line
    since = _("since {revision}: {changes}")
    return f"{line}; " + since.format(
        revision=revision_text(comparison.revision), changes=changes_count_text(comparison)
    )
    if result.directions:
        directions = _(_DIRECTIONS).format(
            **result.direction_counts(), total=len(result.directions)
        )
        line += "; " + directions
    return line


_DIRECTIONS = N_(
    "{total} indicators with a desired direction only: {failed} failed, {warned} warned, "
    "{skipped} skipped, {ok} ok"
)


# -- what a change did (kpi check --baseline) -------------------------------------------------

CHANGE_LABELS = {
    "worse": N_("worse"),
    "better": N_("better"),
    "data_changed": N_("data changed"),
    "new": N_("new"),
    "removed": N_("removed"),
    "same": N_("same"),
}
EDIT_LABELS = {"added": N_("added"), "replaced": N_("replaced"), "removed": N_("removed")}


def change_label(change: str) -> str:
    """A change class (``kpi.baseline.Change``) in words, in the current language."""
    return _(CHANGE_LABELS[change])


def revision_text(revision: GitRevision) -> str:
    """``main (0123456789ab)``; ``origin/main (merge base 0123456789ab)`` for ``auto``."""
    name = inert(revision.name)
    if revision.requested != revision.name:
        return _("{name} (merge base {commit})").format(name=name, commit=revision.short)
    return f"{name} ({revision.short})"


def changes_count_text(comparison: Comparison) -> str:
    """``1 worse, 1 new, 3 same``: each change that some target had, in ``Change`` order;
    ``no target changed`` when every one is the same."""
    counts = [(change, count) for change, count in comparison.counts().items() if count]
    if all(change == "same" for change, _count in counts):
        return _("no target changed")
    return ", ".join(f"{count} {change_label(change)}" for change, count in counts)


def comparison_note(comparison: Comparison) -> str | None:
    """Why the targets were not compared with the revision (``None`` when they were)."""
    revision = revision_text(comparison.revision)
    if not comparison.found:
        return _("the project did not exist at {revision}: every target is new").format(
            revision=revision
        )
    if comparison.problems:
        message = _(
            "the project at {revision} is not valid ({count} problem(s)): every target is new"
        )
        return message.format(revision=revision, count=len(comparison.problems))
    return None


def _state_status(change: TargetChange, before: bool) -> str:
    state = change.before if before else change.after
    return human.status_label(state.status) if state is not None else human.NONE


def change_text(change: TargetChange) -> str:
    """The status then and now with the figures behind it: ``on track → at risk, progress
    ratio 1.71 → 0.8, latest 60.6 (2023) → 58 E (2024)``; ``was on track`` for a removed
    target, the status alone for a new one."""
    before, after = change.before, change.after
    if after is None:
        return _("was {status}").format(status=_state_status(change, before=True))
    if before is None:
        return _state_status(change, before=False)
    parts = [f"{_state_status(change, True)} → {_state_status(change, False)}"]
    if before.progress_ratio != after.progress_ratio:
        ratios = f"{human.number(before.progress_ratio)} → {human.number(after.progress_ratio)}"
        parts.append(_("progress ratio {ratios}").format(ratios=ratios))
    if before.latest != after.latest:
        latest = (
            f"{human.latest_text(before.latest, None)} → {human.latest_text(after.latest, None)}"
        )
        parts.append(_("latest {latest}").format(latest=latest))
    return ", ".join(parts)


def _value_text(change: ObservationChange, before: bool) -> str:
    observation = change.before if before else change.after
    if observation is None:
        return human.NONE
    flags = human.marks(observation)
    return human.number(observation.value) + (f" {flags}" if flags else "")


def edit_text(change: ObservationChange) -> str:
    """``2024 added: 58 E``, ``2023 replaced: 60.6 → 60.1``, ``2019 removed: 50``."""
    label = _(EDIT_LABELS[change.edit])
    if change.edit == "replaced":
        value = f"{_value_text(change, True)} → {_value_text(change, False)}"
    else:
        value = _value_text(change, before=change.edit == "removed")
    return f"{change.year} {label}: {value}"


def changes_lines(comparison: Comparison) -> list[str]:
    """The text format's section on what changed: a heading naming the revision, one line per
    target whose change is not ``same``, how many are the same, one line per indicator whose
    observations changed."""
    lines = [_("Since {revision}:").format(revision=revision_text(comparison.revision))]
    note = comparison_note(comparison)
    if note is not None:
        lines.append(f"  {note}")
    changed = [c for c in comparison.targets if c.change != "same"]
    width = max((len(change_label(c.change)) for c in changed), default=0)
    id_width = max((len(c.target_id) for c in changed), default=0)
    for c in changed:
        label = change_label(c.change)
        lines.append(f"  {label:<{width}}  {c.target_id:<{id_width}}  {change_text(c)}")
    same = sum(c.change == "same" for c in comparison.targets)
    if same:
        lines.append("  " + _("targets the same: {count}").format(count=same))
    by_indicator: dict[str, list[str]] = {}
    for edit in comparison.observations:
        by_indicator.setdefault(edit.indicator_id, []).append(edit_text(edit))
    for indicator_id, edits in by_indicator.items():
        lines.append(f"  {indicator_id}: " + "; ".join(edits))
    if comparison.compared and not comparison.observations:
        lines.append("  " + _("no observation added, replaced or removed"))
    return lines


def render(result: GateResult, comparison: Comparison | None = None) -> str:
    """The whole text report: ``MARK  target  status  [why; ]figures; notes`` lines (``why``:
    ``gate_reasons``), then one such line per indicator with a desired direction only (its id
    in the target's place), with ``comparison`` what changed since its revision
    (``changes_lines``), then the summary."""
    marks = {level: _(mark) for level, mark in MARKS.items()}
    mark_width = max(len(mark) for mark in marks.values())
    rows = [
        (verdict, verdict.target_id, figures_text(verdict, result.as_of),
         [note.message for note in verdict.assessment.notes])
        for verdict in result.verdicts
    ] + [
        (verdict, verdict.indicator_id, direction_figures_text(verdict, result.as_of),
         [note.message for note in verdict.summary.notes])
        for verdict in result.directions
    ]  # fmt: skip
    width = max((len(name) for _verdict, name, _figures, _notes in rows), default=0)
    labels = [human.status_label(verdict.status) for verdict, *_rest in rows]
    status_width = max(map(len, labels), default=0)
    lines = []
    for (verdict, name, figures, notes), label in zip(rows, labels, strict=True):
        why = "; ".join([*gate_reasons(verdict), figures, *notes])
        lines.append(
            f"{marks[verdict.level]:<{mark_width}}  {name:<{width}}  {label:<{status_width}}  {why}"
        )
    if rows:
        lines.append("")
    if goals := human.goal_lines(result.goals, [v.assessment for v in result.verdicts]):
        lines += [_("Goals:"), *(f"  {line}" for line in goals), ""]
    if comparison is not None:
        lines += [*changes_lines(comparison), ""]
    lines.append(summary_line(result, comparison))
    return "\n".join(lines) + "\n"
