"""``kpi check --format github``: GitHub Actions workflow commands and a step summary.

Each failing target becomes ``::error``, each target one step better than ``--fail-on`` a
``::warning``, each target without usable data (not failing) a ``::notice``; every annotation
points at ``file=`` and ``line=`` (see ``kpi.gate.locate_targets``). Values are escaped as the
Actions toolkit does: ``%``, CR and LF in messages; also ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from kpi.errors import Problem
from kpi.gate import GateResult, Level, Verdict
from kpi.i18n import N_, _
from kpi.render import human, markdown
from kpi.render.gate_text import summary_line, verdict_message

_COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTICE: "notice"}
_ICONS = {Level.ERROR: "❌", Level.WARNING: "⚠️", Level.NOTICE: "➖", Level.OK: "✅"}
_COLUMNS = (
    N_("Target"),
    N_("Indicator"),
    N_("Status"),
    N_("Latest"),
    N_("Goal"),
    N_("Progress ratio"),
    N_("File"),
)


def escape_data(text: str) -> str:
    """Escape a command's message: ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    return workflow_command(
        _COMMANDS[verdict.level],
        verdict_message(verdict, result.fail_on, separator="\n"),
        {
            "file": location.file if location else None,
            "line": location.line if location else None,
            "title": f"kpi: {verdict.target_id} {verdict.status.value}",
        },
    )


def render(result: GateResult) -> str:
    """One workflow command per target that is not simply ok (nothing when all are ok)."""
    lines = [_annotation(v, result) for v in result.verdicts if v.level is not Level.OK]
    return "".join(line + "\n" for line in lines)


def problem_annotations(
    problems: Iterable[Problem], file_of: Callable[[Problem], str | None]
) -> str:
    """``::error`` commands for problems that stopped the check (invalid data)."""
    lines = [
        workflow_command(
            "error",
            f"{problem.key}: {problem.message}" if problem.key else problem.message,
            {
                "file": file_of(problem),
                "line": problem.line,
                "title": "kpi: invalid data",
            },
        )
        for problem in problems
    ]
    return "".join(line + "\n" for line in lines)


_cell = markdown.escape
_row = markdown.row


def step_summary(result: GateResult) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: a heading, one table row per target
    (values marked as in every format for people, ``human.marks``), the legend of the marks, the
    notes, the summary line."""
    heading = (
        _("kpi check passed: {project}, as of {year}")
        if result.passed
        else _("kpi check failed: {project}, as of {year}")
    )
    lines = [
        "### " + heading.format(project=_cell(result.project_name), year=result.as_of),
        "",
        _row(["", *(_cell(_(column)) for column in _COLUMNS)]),
        _row(["---"] * 8),
    ]
    for v in result.verdicts:
        a, location = v.assessment, v.location
        where = ""
        if location is not None:
            where = location.file + (f":{location.line}" if location.line else "")
        lines.append(
            _row(
                [
                    _ICONS[v.level],
                    f"`{v.target_id}`",
                    f"`{a.indicator_id}`",
                    f"**{human.status_label(v.status)}**",
                    _cell(human.latest_text(a.latest, result.as_of)),
                    _cell(human.goal_text(a.target, a.indicator.unit)),
                    _cell(human.number(a.progress_ratio)),
                    _cell(where),
                ]
            )
        )
    lines += ["", _cell(human.legend())]
    notes = [
        f"- `{v.target_id}`: {_cell(note.message)}"
        for v in result.verdicts
        for note in v.assessment.notes
    ]
    if notes:
        notes_heading = _("Notes")
        summary = f"<details><summary>{_cell(notes_heading)}</summary>"
        lines += ["", summary, "", *notes, "", "</details>"]
    lines += ["", _cell(summary_line(result)), ""]
    return "\n".join(lines) + "\n"
