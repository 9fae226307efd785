"""``kpi report --format html``: the report for people as ONE self-contained HTML file.

Inline CSS, charts as inline SVG, no script, no font, image or style sheet from elsewhere: the
only links are the observations' sources (plain ``<a href>`` to http(s) pages) and anchors
inside the page. Printable to A4 (``@page``), one target a page. Same texts as the Markdown
report (``kpi.render.report_markdown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from kpi.i18n import _, language
from kpi.progress import ProjectAssessment, Status, TargetAssessment
from kpi.render import human
from kpi.render.report_markdown import (
    key_figures,
    monitored_table,
    observation_table,
    status_reason,
    statuses,
    summary_headings,
    summary_row,
    target_title,
)

# Status colours: text in words beside them, so print in black and white still reads.
_STATUS_COLOURS = {
    Status.ACHIEVED: ("#0f5c2a", "#ffffff"),
    Status.ON_TRACK: ("#1a7f37", "#ffffff"),
    Status.AT_RISK: ("#f2b600", "#1b1b1b"),
    Status.OFF_TRACK: ("#c62828", "#ffffff"),
    Status.MOVING_AWAY: ("#7f1010", "#ffffff"),
    Status.INSUFFICIENT_DATA: ("#d5d8dc", "#1b1b1b"),
    Status.NO_DATA: ("#d5d8dc", "#1b1b1b"),
}

_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
html { color-scheme: light; }
body {
  margin: 0 auto; max-width: 62rem; padding: 1.5rem 2rem 3rem;
  font-family: "DejaVu Sans", "Noto Sans", "Segoe UI", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: #1b1b1b; background: #ffffff;
}
h1 { font-size: 1.75rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .5rem; padding-bottom: .25rem;
     border-bottom: 2px solid #d0d4d9; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; color: #333333; }
p { margin: .4rem 0; }
code { font-size: .9em; background: #f1f2f4; padding: 0 .25em; border-radius: 3px; }
a { color: #0b5cad; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .3rem 0 .6rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .45rem;
         border-bottom: 1px solid #e3e5e8; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
table.summary { font-size: .8rem; }
table.summary td:first-child { min-width: 11rem; }
table.summary td:nth-child(3) { min-width: 8rem; }
table.figures { width: auto; min-width: 55%; }
table.figures th { background: none; font-weight: normal; color: #444444; white-space: nowrap; }
.meta, .legend, figcaption { color: #555555; font-size: .85rem; }
.status { display: inline-block; padding: .05rem .55rem; border-radius: .8rem;
          font-weight: bold; font-size: .85em; white-space: nowrap; }
.reason { font-size: 1rem; }
ul.notes { margin: .3rem 0 .6rem; padding-left: 1.3rem; color: #333333; }
figure.chart { margin: .8rem 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { display: block; width: 100%; max-width: 48rem; height: auto; }
p.nochart { padding: .8rem; border: 1px dashed #c4c8cd; color: #555555; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.target { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  figure.chart svg { max-width: 100%; }
  a { color: inherit; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _status_css() -> str:
    return "\n".join(
        f".status-{status.value} {{ background: {back}; color: {fore}; }}"
        for status, (back, fore) in _STATUS_COLOURS.items()
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
    """A table whose cells are already HTML; columns in ``numeric`` are right-aligned, those in
    ``nowrap`` kept on one line."""

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
    title = human.project_title(report)
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
        f"<style>{_CSS}{_status_css()}\n</style>",
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
        lines += _table(headings, escaped, {1, 3}, "monitored")
    lines += [_p(human.legend(), "legend"), "</section>"]
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
    ]
    reason = status_reason(a)
    lines.append(f'<p class="reason">{_badge(a.status)} {escape(reason or "")}</p>')
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
