"""``kpi status --format markdown``: GitHub-flavoured tables for a pull request or a wiki."""

from __future__ import annotations

from kpi.i18n import _
from kpi.progress import ProjectAssessment
from kpi.render import human


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def status_markdown(report: ProjectAssessment) -> str:
    """The status of every target (and monitored indicator) as Markdown text, values marked
    as in every format for people (``human.marks``) and the marks explained below."""
    lines = [f"## {_cell(human.project_title(report))}", ""]
    headings = [
        _("Target"), _("Latest"), _("Goal"), _("Gap"), _("Needs"), _("Trend"), _("Projected"),
        _("Status"),
    ]  # fmt: skip
    lines += [_row(headings), _row(["---"] * len(headings))]
    for a in report.targets:
        lines.append(
            _row(
                [
                    f"`{a.target.id}`",
                    human.latest_text(a.latest, report.as_of),
                    human.goal_text(a.target, a.indicator.unit),
                    human.number(a.gap),
                    human.needs_text(a),
                    human.assessment_trend(a),
                    human.projected_text(a),
                    f"**{human.status_label(a.status)}**",
                ]
            )
        )
    notes = [f"- `{a.target.id}`: {n.message}" for a in report.targets for n in a.notes]
    if notes:
        lines += ["", _("Notes:"), "", *notes]
    if report.monitored:
        lines += ["", "### " + _("Monitored (no target)"), ""]
        headings = [_("Indicator"), _("Latest"), _("Unit"), _("Trend")]
        lines += [_row(headings), _row(["---"] * 4)]
        for m in report.monitored:
            lines.append(
                _row(
                    [
                        f"`{m.indicator_id}`",
                        human.latest_text(m.latest, report.as_of),
                        m.indicator.unit,
                        human.monitored_trend(m),
                    ]
                )
            )
    lines += ["", human.legend(), "", human.summary_line([a.status for a in report.targets])]
    return "\n".join(lines) + "\n"
