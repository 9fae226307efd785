"""``kpi check --format github``: GitHub Actions workflow commands and a step summary. One
annotation per target that is not ok (``::error``, ``::warning``, ``::notice`` by its level; none
for a target whose gate is off),
pointing at ``file=`` and ``line=`` (``kpi.gate.locate_targets``); with ``--baseline``, a target
whose status changed is annotated (at least as a notice) on the line of the observation that
changed it (``kpi.baseline``). Values escaped as the Actions toolkit does: ``%``, CR and LF in
messages; also ``:`` and ``,`` in properties."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from kpi.errors import Problem
from kpi.gate import DirectionVerdict, GateResult, Level, Location, Verdict
from kpi.i18n import N_, _
from kpi.render import human
from kpi.render.gate_markdown import (
    changes_section,
    folded,
    goal_lines,
    heading,
    notes_lines,
    targets_table,
)
from kpi.render.gate_text import (
    change_text,
    direction_message,
    revision_text,
    summary_line,
    verdict_message,
)
from kpi.render.markdown import escape
from kpi.text import inert

if TYPE_CHECKING:
    from kpi.baseline import Comparison, TargetChange

_COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTICE: "notice"}
_CHANGE_MESSAGES = {
    "worse": N_("worse since {revision}: {change}"),
    "better": N_("better since {revision}: {change}"),
    "data_changed": N_("data changed since {revision}: {change}"),
}


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


def _located(command: str, location: Location | None, title: str, message: str) -> str:
    """The workflow command ``command`` titled ``title`` on ``location``'s file and line."""
    properties = {
        "file": location.file if location else None,
        "line": location.line if location else None,
        "title": title,
    }
    return workflow_command(command, message, properties)


def _annotation(verdict: Verdict, result: GateResult) -> str:
    title = f"kpi: {verdict.target_id} {verdict.status.value}"
    message = verdict_message(verdict, result.fail_on, separator="\n")
    return _located(_COMMANDS[verdict.level], verdict.location, title, message)


def _direction_annotation(verdict: DirectionVerdict, result: GateResult) -> str:
    title = f"kpi: {verdict.indicator_id} {verdict.status.value}"
    message = direction_message(verdict, result.fail_on, separator="\n")
    return _located(_COMMANDS[verdict.level], verdict.location, title, message)


def _change_annotation(
    verdict: Verdict, change: TargetChange, result: GateResult, comparison: Comparison
) -> str:
    """The annotation of a target whose status changed: on the line of the observation that
    changed it, titled ``kpi: <id> <status> (was <status>)``, at the verdict's level but at
    least a notice; the change first, then the verdict's message."""
    was = change.before.status.value if change.before else ""
    title = f"kpi: {verdict.target_id} {verdict.status.value} (was {was})"
    words = _(_CHANGE_MESSAGES[change.change]).format(
        revision=revision_text(comparison.revision), change=change_text(change)
    )
    message = "\n".join([words, verdict_message(verdict, result.fail_on, separator="\n")])
    command = _COMMANDS.get(verdict.level, "notice")
    return _located(command, change.location or verdict.location, title, message)


def render(result: GateResult, comparison: Comparison | None = None) -> str:
    """One workflow command per target that is not simply ok (nothing when all are ok); with
    ``comparison``, one per target whose status changed too (``_change_annotation``); then one
    per indicator with a desired direction only that is not ok."""
    lines = []
    for v in result.verdicts:
        change = comparison.of(v.target_id) if comparison is not None else None
        if comparison is not None and change is not None and change.status_changed:
            lines.append(_change_annotation(v, change, result, comparison))
        elif v.level in _COMMANDS:
            lines.append(_annotation(v, result))
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


def step_summary(result: GateResult, comparison: Comparison | None = None) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: a heading; with ``comparison`` a "What
    this change did" section (``gate_markdown.changes_section``); one table row per target
    (values marked as in every format for people, ``human.marks``), the legend of the marks,
    the notes, the summary line."""
    lines = ["### " + heading(result), ""]
    if comparison is not None:
        title = _("What this change did since {revision}")
        lines += ["#### " + escape(title.format(revision=revision_text(comparison.revision))), ""]
        lines += changes_section(result, comparison)
    legend = human.legend(v.assessment.indicator.update_every for v in result.verdicts)
    lines += [*targets_table(result), "", escape(legend)]
    if goals := goal_lines(result):
        lines += ["", f"**{escape(_('Goals'))}**", "", *goals]
    notes = notes_lines(result)
    if notes:
        lines += ["", *folded(_("Notes"), notes)]
    lines += ["", escape(summary_line(result, comparison)), ""]
    return "\n".join(lines) + "\n"
