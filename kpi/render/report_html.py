"""``kpi report --format html``: the report for people as ONE self-contained HTML file.

Inline CSS (the package's ``report.css``), charts as inline SVG, no script, no font, image or
style sheet from elsewhere: the only links are the observations' sources (plain ``<a href>`` to
http(s) pages) and anchors inside the page. Printable to A4 (``@page``), one target a page.
Same texts as the Markdown report (``kpi.render.report_markdown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from importlib import resources

from kpi.i18n import _, language
from kpi.progress import ProjectAssessment, Status, TargetAssessment, by_goal
from kpi.render import human
from kpi.render.report_markdown import (
    goal_of,
    goal_summaries,
    key_figures,
    monitored_table,
    observation_table,
    status_reason,
    statuses,
    summary_headings,
    summary_row,
    target_title,
)


def _badge(status: Status) -> str:
    return f'<span class="status status-{status.value}">{escape(human.status_label(status))}</span>'


def _p(text: str, cls: str | None = None) -> str:
    """A paragraph of ``text`` (escaped here), of class ``cls`` if given."""
    return f'<p class="{cls}">{escape(text)}</p>' if cls else f"<p>{escape(text)}</p>"


def _anchor(assessment: TargetAssessment) -> str:
    return f"target-{assessment.target.id}"


def _link(source: str, url: str) -> str:
    return f'<a href="{escape(url)}">{source}</a>'


def _table(
    headings: list[str],
    rows: list[list[str]],
    numeric: set[int],
    cls: str,
    nowrap: frozenset[int] = frozenset(),
) -> list[str]:
    """A table of cells that are HTML; ``numeric`` columns right-aligned, ``nowrap`` on one line."""

    def cell(tag: str, index: int, content: str) -> str:
        classes = ["num"] * (index in numeric) + ["nowrap"] * (index in nowrap and tag == "td")
        attribute = f' class="{" ".join(classes)}"' if classes else ""
        return f"<{tag}{attribute}>{content}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(headings))
    lines = [f'<table class="{cls}">', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for row in rows:
        lines.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    return [*lines, "</tbody>", "</table>"]


def report_html(report: ProjectAssessment, charts: Mapping[str, str]) -> str:
    """The whole report as one HTML document. ``charts`` maps a target id to its SVG chart (a
    standalone SVG document, as ``kpi.render.chart.target_charts`` gives); a target without one
    gets a line saying why."""
    from kpi.render.chart import inline_svg

    as_of = report.as_of
    report = by_goal(report)
    title = human.project_title(report)
    # Status colours too; each badge also says its status in words, for print in black and white.
    css = resources.files("kpi.render").joinpath("report.css").read_text(encoding="utf-8")
    about = _(
        "Where each of the project's targets stands, judged with the observations up to {year}. "
        "How every figure is computed: docs/methodology.md."
    )
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="kpi">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{css}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        _p(about.format(year=as_of), "meta"),
        "</header>",
        "<main>",
        '<section id="summary">',
        f"<h2>{escape(_('Summary'))}</h2>",
        _p(human.summary_line(statuses(report))),
    ]
    if report.goals:
        lines.append(f"<h3>{escape(_('Goals'))}</h3>")
        lines += [
            '<ul class="goals">',
            *(f"<li>{escape(g)}</li>" for g in goal_summaries(report)),
            "</ul>",
        ]
    rows = []
    for a in report.targets:
        cells = [escape(c) for c in summary_row(a, as_of)]
        cells[0] = f'<a href="#{_anchor(a)}">{cells[0]}</a><br><code>{escape(a.target.id)}</code>'
        cells[-1] = _badge(a.status)
        rows.append(cells)
    lines += _table(summary_headings(), rows, {1, 3, 4, 5, 6}, "summary", frozenset({1, 3}))
    if report.monitored:
        lines.append(f"<h3>{escape(_('Monitored (no target)'))}</h3>")
        headings, monitored = monitored_table(report)
        escaped = [[escape(cell) for cell in row] for row in monitored]
        for row, m in zip(escaped, report.monitored, strict=True):
            if m.status is not None:  # the status its desired direction gives, as a badge
                row[-1] = _badge(m.status)
        lines += _table(headings, escaped, {1, 3}, "monitored")
    lines += [_p(human.legend(human.rhythms(report)), "legend"), "</section>"]
    for a in report.targets:
        chart = charts.get(a.target.id)
        svg = inline_svg(chart, f"{a.target.id}-") if chart is not None else None
        lines += _section(report, a, svg)
    lines += ["</main>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"


def _section(report: ProjectAssessment, a: TargetAssessment, svg: str | None) -> list[str]:
    as_of = report.as_of
    indicator = human.name_of(a.indicator) or a.indicator_id
    about = _("Target {target} of the indicator {indicator} ({indicator_id}).").format(
        target=a.target.id, indicator=indicator, indicator_id=a.indicator_id
    )
    lines = [
        f'<section class="target" id="{_anchor(a)}">',
        f"<h2>{escape(target_title(a))}</h2>",
        _p(about, "meta"),
        *([_p(goal, "meta")] if (goal := goal_of(report, a)) else []),
        f'<p class="reason">{_badge(a.status)} {escape(status_reason(a) or "")}</p>',
    ]
    if a.notes:
        lines.append('<ul class="notes">')
        lines += [f"<li>{escape(note.message)}</li>" for note in a.notes]
        lines.append("</ul>")
    lines += [f"<h3>{escape(_('Key figures'))}</h3>", '<table class="figures"><tbody>']
    for label, value in key_figures(a, as_of):
        lines.append(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>")
    lines.append("</tbody></table>")
    if svg is not None:
        caption = _("Observed values, paths and target of {indicator}, as of {year}.").format(
            indicator=indicator, year=as_of
        )
        figcaption = f"<figcaption>{escape(caption)}</figcaption>"
        lines += ['<figure class="chart">', svg, figcaption, "</figure>"]
    else:
        lines.append(_p(_("No chart: no observation up to {year}.").format(year=as_of), "nochart"))
    lines.append(f"<h3>{escape(_('Observations'))}</h3>")
    headings, rows = observation_table(report, a.indicator_id, escape, _link)
    if rows:
        lines += _table(headings, rows, {1}, "observations", frozenset({0, 1, 2}))
    else:
        lines.append(_p(_("No observation up to {year}.").format(year=as_of)))
    if a.target.source:
        lines.append(_p(_("Target set by: {source}").format(source=a.target.source), "meta"))
    return [*lines, "</section>"]
