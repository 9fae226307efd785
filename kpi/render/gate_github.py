"""``kpi check --format github``: GitHub Actions workflow commands and a step summary. One
annotation per target that is not ok (``::error``, ``::warning``, ``::notice`` by its level; none
for a target whose gate is off),
pointing at ``file=`` and ``line=`` (``kpi.gate.locate_targets``); values escaped as the Actions
toolkit does: ``%``, CR and LF in messages; also ``:`` and ``,`` in properties."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from kpi.errors import Problem
from kpi.gate import DirectionVerdict, GateResult, Level, Verdict
from kpi.i18n import N_, _
from kpi.render import human
from kpi.render.gate_text import direction_message, gate_reasons, summary_line, verdict_message
from kpi.render.markdown import escape, table
from kpi.text import inert

_COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTICE: "notice"}
_ICONS = {
    Level.ERROR: "❌", Level.WARNING: "⚠️", Level.NOTICE: "➖", Level.OK: "✅", Level.OFF: "🔕",
}  # fmt: skip
_COLUMNS = (
    N_("Target"), N_("Indicator"), N_("Status"), N_("Latest"), N_("Goal"), N_("Progress ratio"),
    N_("File"),
)  # fmt: skip


def escape_data(text: str) -> str:
    """Escape a command's message: other control characters inert (``kpi.text.inert``), then
    ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``."""
    return (
        inert(text, keep_lines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    )


def escape_property(text: str) -> str:
    """Escape a property value: as ``escape_data``, and ``:`` → ``%3A``, ``,`` → ``%2C``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(name: str, message: str, properties: Mapping[str, str | int | None]) -> str:
    """``::name key=value,...::message``, leaving out properties that are ``None``."""
    given = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def _annotation(verdict: Verdict, result: GateResult) -> str:
    location = verdict.location
    properties = {
        "file": location.file if location else None,
        "line": location.line if location else None,
        "title": f"kpi: {verdict.target_id} {verdict.status.value}",
    }
    message = verdict_message(verdict, result.fail_on, separator="\n")
    return workflow_command(_COMMANDS[verdict.level], message, properties)


def _direction_annotation(verdict: DirectionVerdict, result: GateResult) -> str:
    location = verdict.location
    properties = {
        "file": location.file if location else None,
        "line": location.line if location else None,
        "title": f"kpi: {verdict.indicator_id} {verdict.status.value}",
    }
    message = direction_message(verdict, result.fail_on, separator="\n")
    return workflow_command(_COMMANDS[verdict.level], message, properties)


def render(result: GateResult) -> str:
    """One workflow command per target that is an error, a warning or a notice (nothing for a
    target that is ok or not judged, gate off), then per such indicator with a desired
    direction only."""
    lines = [_annotation(v, result) for v in result.verdicts if v.level in _COMMANDS]
    lines += [_direction_annotation(d, result) for d in result.directions if d.level in _COMMANDS]
    return "".join(line + "\n" for line in lines)


def problem_annotations(
    problems: Iterable[Problem], file_of: Callable[[Problem], str | None]
) -> str:
    """``::error`` commands for problems that stopped the check (invalid data)."""
    lines = []
    for problem in problems:
        message = f"{problem.key}: {problem.message}" if problem.key else problem.message
        properties = {"file": file_of(problem), "line": problem.line, "title": "kpi: invalid data"}
        lines.append(workflow_command("error", message, properties))
    return "".join(line + "\n" for line in lines)


def step_summary(result: GateResult) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: a heading, one table row per target
    (values marked as in every format for people, ``human.marks``), the legend of the marks, the
    notes, the summary line."""
    heading = _("kpi check passed: {project}, as of {year}")
    if not result.passed:
        heading = _("kpi check failed: {project}, as of {year}")
    rows = []
    for v in result.verdicts:
        a, location = v.assessment, v.location
        where = ""
        if location is not None:
            where = location.file + (f":{location.line}" if location.line else "")
        texts = [
            human.latest_of(a, result.as_of),
            human.goal_text(a.target, a.indicator.unit),
            human.number(a.progress_ratio),
            where,
        ]
        cells = [_ICONS[v.level], f"`{v.target_id}`", f"`{a.indicator_id}`"]
        status = f"**{escape(human.status_label(v.status))}**"
        why = gate_reasons(v)  # why it warns or is not judged, in the Status cell
        status += f" ({escape(', '.join(why))})" if why else ""
        rows.append([*cells, status, *map(escape, texts)])
    rows += [_direction_row(d, result.as_of) for d in result.directions]
    lines = ["### " + heading.format(project=escape(result.project_name), year=result.as_of), ""]
    legend = human.legend(v.assessment.indicator.update_every for v in result.verdicts)
    lines += [*table(["", *(_(column) for column in _COLUMNS)], rows), "", escape(legend)]
    notes = [
        f"- `{v.target_id}`: {escape(note.message)}"
        for v in result.verdicts
        for note in v.assessment.notes
    ]
    if notes:
        notes_heading = _("Notes")
        summary = f"<details><summary>{escape(notes_heading)}</summary>"
        lines += ["", summary, "", *notes, "", "</details>"]
    lines += ["", escape(summary_line(result)), ""]
    return "\n".join(lines) + "\n"


def _direction_row(verdict: DirectionVerdict, as_of: int) -> list[str]:
    """The step summary's row of an indicator with a desired direction only: no target id, its
    direction as the goal."""
    m, location = verdict.summary, verdict.location
    where = ""
    if location is not None:
        where = location.file + (f":{location.line}" if location.line else "")
    goal = _("desired direction {desired}").format(desired=human.desired_text(m))
    status = f"**{escape(human.status_label(verdict.status))}**"
    why = gate_reasons(verdict)
    status += f" ({escape(', '.join(why))})" if why else ""
    texts = [human.latest_of(m, as_of), goal, human.NONE, where]
    return [
        _ICONS[verdict.level],
        human.NONE,
        f"`{verdict.indicator_id}`",
        status,
        *map(escape, texts),
    ]
