"""``kpi status --format markdown``: GitHub-flavoured tables for a pull request or a wiki; and
the one Markdown escaper every Markdown output uses (``escape``, ``row``)."""

from __future__ import annotations

import re

from kpi.i18n import _
from kpi.progress import ProjectAssessment, by_goal
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


def table(headings: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a table: ``headings`` as text (escaped here), ``rows`` already Markdown."""
    return [row([escape(h) for h in headings]), row(["---"] * len(headings)), *map(row, rows)]


def status_markdown(report: ProjectAssessment) -> str:
    """The status of every target (and monitored indicator) as Markdown text, values marked
    as in every format for people (``human.marks``) and the marks explained below."""
    # Imported here: report_markdown imports this module.
    from kpi.render.report_markdown import statuses, summary_headings, summary_row

    report = by_goal(report)
    rows = []
    for a in report.targets:  # the report's summary row, but by id
        cells = [escape(cell) for cell in summary_row(a, report.as_of)]
        rows.append([f"`{a.target.id}`", *cells[1:-1], f"**{cells[-1]}**"])
    lines = [f"## {escape(human.project_title(report))}", "", *table(summary_headings(), rows)]
    notes = [f"- `{a.target.id}`: {escape(n.message)}" for a in report.targets for n in a.notes]
    if notes:
        lines += ["", escape(_("Notes:")), "", *notes]
    if goals := human.goal_lines(report.goals, report.targets):
        lines += ["", escape(_("Goals:")), "", *(f"- {escape(line)}" for line in goals)]
    if report.monitored:
        lines += ["", "### " + escape(_("Monitored (no target)")), ""]
        rows = []
        headings = [_("Indicator"), _("Latest"), _("Unit"), _("Trend")]
        directions = human.has_direction(report)
        if directions:
            headings += [_("Desired"), _("Status")]
        for m in report.monitored:
            latest, trend = human.latest_of(m, report.as_of), human.monitored_trend(m)
            cells = [latest, m.indicator.unit, trend]
            if directions:
                cells += [human.desired_text(m), human.monitored_status(m)]
            rows.append([f"`{m.indicator_id}`", *map(escape, cells)])
        lines += table(headings, rows)
    legend = human.legend(human.rhythms(report))
    lines += ["", escape(legend), "", escape(human.summary_line(statuses(report)))]
    return "\n".join(lines) + "\n"
