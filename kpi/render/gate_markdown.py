"""``kpi check --format markdown``: a pull request comment short enough to read in a minute;
and the Markdown pieces the GitHub step summary shares with it (the table of targets, what a
change did). Every text from data is escaped (``kpi.render.markdown.escape``).

The comment starts with ``COMMENT_MARKER``, a hidden HTML comment by which a workflow finds the
comment it posted before and updates it (docs/ci.md). Then one line of verdict; with a baseline
the targets that changed and the observations added, replaced or removed; every target in a
collapsed section."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kpi.errors import Problem
from kpi.gate import DirectionVerdict, GateResult, Level, Location, Verdict
from kpi.i18n import N_, _
from kpi.render import human
from kpi.render.gate_text import (
    change_label,
    comparison_note,
    edit_text,
    gate_reasons,
    revision_text,
    summary_line,
)
from kpi.render.markdown import escape, table

if TYPE_CHECKING:
    from kpi.baseline import Comparison, TargetChange

COMMENT_MARKER = "<!-- kpi check -->"
SHOWN_EDITS = 12  # observations listed before the rest are folded away
ICONS = {
    Level.ERROR: "❌", Level.WARNING: "⚠️", Level.NOTICE: "➖", Level.OK: "✅", Level.OFF: "🔕",
}  # fmt: skip
_REMOVED_ICON = "➖"
_COLUMNS = (
    N_("Target"), N_("Indicator"), N_("Status"), N_("Latest"), N_("Goal"), N_("Progress ratio"),
    N_("File"),
)  # fmt: skip
_CHANGE_COLUMNS = (N_("Target"), N_("Change"), N_("Then"), N_("Now"), N_("Latest then"),
                   N_("Latest now"))  # fmt: skip


def place(location: Location | None) -> str:
    """``file:line`` (or the file alone), empty when unknown: not yet escaped."""
    if location is None:
        return ""
    return location.file + (f":{location.line}" if location.line else "")


def heading(result: GateResult) -> str:
    """``kpi check passed: Hai Phong 2030, as of 2026`` (escaped)."""
    words = _("kpi check passed: {project}, as of {year}")
    if not result.passed:
        words = _("kpi check failed: {project}, as of {year}")
    return words.format(project=escape(result.project_name), year=result.as_of)


def verdict_icon(result: GateResult) -> str:
    """❌ when the gate failed, ⚠️ when it passed with warnings, else ✅."""
    if not result.passed:
        return ICONS[Level.ERROR]
    return ICONS[Level.WARNING] if result.count(Level.WARNING) else ICONS[Level.OK]


def targets_table(result: GateResult, verdicts: list[Verdict] | None = None) -> list[str]:
    """A table of ``verdicts`` (default: every one, then every indicator with a desired direction
    only): level icon, target, indicator, status, latest value (marked, ``human.marks``), goal,
    progress ratio, file and line."""
    rows = []
    for v in result.verdicts if verdicts is None else verdicts:
        a = v.assessment
        texts = [
            human.latest_of(a, result.as_of),
            human.goal_text(a.target, a.indicator.unit),
            human.number(a.progress_ratio),
            place(v.location),
        ]
        cells = [ICONS[v.level], f"`{v.target_id}`", f"`{a.indicator_id}`"]
        status = f"**{escape(human.status_label(v.status))}**"
        why = gate_reasons(v)  # why it warns or is not judged, in the Status cell
        status += f" ({escape(', '.join(why))})" if why else ""
        rows.append([*cells, status, *map(escape, texts)])
    if verdicts is None:
        rows += [direction_row(d, result.as_of) for d in result.directions]
    return table(["", *(_(column) for column in _COLUMNS)], rows)


def direction_row(verdict: DirectionVerdict, as_of: int) -> list[str]:
    """The step summary's row of an indicator with a desired direction only: no target id, its
    direction as the goal."""
    m = verdict.summary
    where = place(verdict.location)
    goal = _("desired direction {desired}").format(desired=human.desired_text(m))
    status = f"**{escape(human.status_label(verdict.status))}**"
    why = gate_reasons(verdict)
    status += f" ({escape(', '.join(why))})" if why else ""
    texts = [human.latest_of(m, as_of), goal, human.NONE, where]
    return [
        ICONS[verdict.level],
        human.NONE,
        f"`{verdict.indicator_id}`",
        status,
        *map(escape, texts),
    ]


def goal_lines(result: GateResult) -> list[str]:
    """Each goal's one-line summary as a list item (none without goals: ``human.goal_lines``)."""
    lines = human.goal_lines(result.goals, [v.assessment for v in result.verdicts])
    return [f"- {escape(line)}" for line in lines]


def notes_lines(result: GateResult) -> list[str]:
    """Each target's notes as a list item (none when there are none)."""
    return [
        f"- `{v.target_id}`: {escape(note.message)}"
        for v in result.verdicts
        for note in v.assessment.notes
    ]


def folded(summary: str, lines: list[str]) -> list[str]:
    """``lines`` in a collapsed ``<details>`` section titled ``summary`` (escaped here)."""
    return [f"<details><summary>{escape(summary)}</summary>", "", *lines, "", "</details>"]


def _latest(change: TargetChange, before: bool) -> str:
    state = change.before if before else change.after
    return human.latest_text(state.latest, None) if state is not None else human.NONE


def _status(change: TargetChange, before: bool) -> str:
    state = change.before if before else change.after
    return human.status_label(state.status) if state is not None else human.NONE


def changes_section(result: GateResult, comparison: Comparison) -> list[str]:
    """What the change did, in Markdown: why nothing was compared (if so), a table of the
    targets whose change is not ``same`` (worse first), the observations added, replaced or
    removed (the first ``SHOWN_EDITS``, the rest folded), or a line saying nothing changed."""
    lines: list[str] = []
    note = comparison_note(comparison)
    if note is not None:
        lines += [escape(note), ""]
    order = {change: index for index, change in enumerate(comparison.counts())}
    changed = sorted(
        (c for c in comparison.targets if c.change != "same"), key=lambda c: order[c.change]
    )
    levels = {v.target_id: v.level for v in result.verdicts}
    rows = []
    for c in changed:
        icon = ICONS[levels[c.target_id]] if c.target_id in levels else _REMOVED_ICON
        texts = [_status(c, True), _status(c, False), _latest(c, True), _latest(c, False)]
        label = f"**{escape(change_label(c.change))}**"
        rows.append([icon, f"`{c.target_id}`", label, *map(escape, texts)])
    if rows:
        lines += [*table(["", *(_(column) for column in _CHANGE_COLUMNS)], rows), ""]
    else:
        lines += [escape(_("No target changed status.")), ""]
    edits = [
        f"- `{e.indicator_id}` {escape(edit_text(e))}"
        + (f" ({escape(place(e.location))})" if e.location else "")
        for e in comparison.observations
    ]
    if edits:
        counts = ", ".join(
            f"{count} {escape(_(label))}"
            for label, count in zip(
                (N_("added"), N_("replaced"), N_("removed")),
                comparison.edit_counts().values(),
                strict=True,
            )
        )
        lines += [f"**{escape(_('Observations'))}** ({counts})", "", *edits[:SHOWN_EDITS]]
        if len(edits) > SHOWN_EDITS:
            more = _("{count} more observation(s)").format(count=len(edits) - SHOWN_EDITS)
            lines += ["", *folded(more, edits[SHOWN_EDITS:])]
        lines.append("")
    elif comparison.compared:
        lines += [escape(_("No observation was added, replaced or removed.")), ""]
    return lines


def render(result: GateResult, comparison: Comparison | None = None) -> str:
    """The pull request comment: the marker, the verdict and the summary line; with
    ``comparison`` what changed (``changes_section``), without it the targets that failed or
    warned; then every target, the marks' legend and the notes folded away."""
    lines = [COMMENT_MARKER, f"### {verdict_icon(result)} {heading(result)}", ""]
    lines += [escape(summary_line(result, comparison)), ""]
    if comparison is not None:
        since = _("What this change did since {revision}")
        lines += ["#### " + escape(since.format(revision=revision_text(comparison.revision))), ""]
        lines += changes_section(result, comparison)
    else:
        loud = [v for v in result.verdicts if v.level in (Level.ERROR, Level.WARNING)]
        if loud:
            lines += [*targets_table(result, loud), ""]
        else:
            lines += [escape(_("No target failed or warned.")), ""]
    every = [
        *targets_table(result),
        "",
        escape(human.legend(v.assessment.indicator.update_every for v in result.verdicts)),
    ]
    if goals := goal_lines(result):
        every += ["", f"**{escape(_('Goals'))}**", "", *goals]
    notes = notes_lines(result)
    if notes:
        every += ["", f"**{escape(_('Notes'))}**", "", *notes]
    count = len(result.verdicts)
    lines += [*folded(_("All targets ({count})").format(count=count), every), ""]
    return "\n".join(lines)


def render_problems(
    problems: Sequence[Problem],
    file_of: Callable[[Problem], str | None],
    hint: str | None = None,
) -> str:
    """The comment when the check could not run (invalid data, a revision it cannot read): the
    marker, a heading, each problem as a list item with its file and line (as ``file_of`` names
    the file), then the ``hint`` of what to do."""
    lines = [
        COMMENT_MARKER,
        f"### {ICONS[Level.ERROR]} " + escape(_("kpi check could not run")),
        "",
    ]
    for problem in problems:
        file = file_of(problem)
        where = [file + (f":{problem.line}" if problem.line else "")] if file else []
        where += [problem.key] if problem.key else []
        prefix = f"{escape(': '.join(where))}: " if where else ""
        lines.append(f"- {prefix}{escape(problem.message)}")
    if hint:
        lines += ["", escape(_("hint: {hint}").format(hint=hint))]
    return "\n".join([*lines, ""])
