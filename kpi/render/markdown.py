"""``kpi status --format markdown``: GitHub-flavoured tables for a pull request or a wiki; and
the one Markdown escaper every Markdown output uses (``escape``, ``row``)."""

from __future__ import annotations

import re

from kpi.i18n import _
from kpi.progress import ProjectAssessment
from kpi.render import human

# Every character that can start Markdown or HTML syntax in a line of text or a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def escape(text: str) -> str:
    """``text`` as inert Markdown on one line: every character that could start a link, an
    image, emphasis, code, a heading, raw HTML or a table cell is backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))


def row(cells: list[str]) -> str:
    """A table row of cells that are already Markdown (escape text with ``escape`` first)."""
    return "| " + " | ".join(cells) + " |"


def status_markdown(report: ProjectAssessment) -> str:
    """The status of every target (and monitored indicator) as Markdown text, values marked
    as in every format for people (``human.marks``) and the marks explained below."""
    lines = [f"## {escape(human.project_title(report))}", ""]
    headings = [
        _("Target"), _("Latest"), _("Goal"), _("Gap"), _("Needs"), _("Trend"), _("Projected"),
        _("Status"),
    ]  # fmt: skip
    lines += [row([escape(h) for h in headings]), row(["---"] * len(headings))]
    for a in report.targets:
        texts = [
            human.latest_text(a.latest, report.as_of),
            human.goal_text(a.target, a.indicator.unit),
            human.number(a.gap),
            human.needs_text(a),
            human.assessment_trend(a),
            human.projected_text(a),
        ]
        status = f"**{escape(human.status_label(a.status))}**"
        lines.append(row([f"`{a.target.id}`", *map(escape, texts), status]))
    notes = [f"- `{a.target.id}`: {escape(n.message)}" for a in report.targets for n in a.notes]
    if notes:
        lines += ["", escape(_("Notes:")), "", *notes]
    if report.monitored:
        lines += ["", "### " + escape(_("Monitored (no target)")), ""]
        headings = [_("Indicator"), _("Latest"), _("Unit"), _("Trend")]
        lines += [row([escape(h) for h in headings]), row(["---"] * 4)]
        for m in report.monitored:
            latest, trend = human.latest_text(m.latest, report.as_of), human.monitored_trend(m)
            texts = [latest, m.indicator.unit, trend]
            lines.append(row([f"`{m.indicator_id}`", *map(escape, texts)]))
    summary = human.summary_line([a.status for a in report.targets])
    lines += ["", escape(human.legend()), "", escape(summary)]
    return "\n".join(lines) + "\n"
