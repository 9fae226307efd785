"""The commands for people who read rather than type: ``report`` and ``chart``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kpi.cli.common import (
    AsOf,
    Lang,
    ProjectDir,
    command,
    format_option,
    judge,
    judge_indicator,
    output_option,
    output_path,
)
from kpi.cli.output import emit, refuse_binary_on_terminal, say
from kpi.i18n import _, language

ReportFormat = StrEnum("ReportFormat", ["markdown", "html", "xlsx"])  # each value its name


@command()
def report(
    ctx: typer.Context,
    as_of: AsOf = None,
    output_format: Annotated[
        ReportFormat,
        format_option(
            "markdown (for a pull request or a wiki), html (one self-contained file, "
            "printable to A4) or xlsx (the workbook of kpi status --format xlsx, with "
            "--output). Example: --format html"
        ),
    ] = ReportFormat.markdown,
    output: Annotated[
        Path | None,
        output_option(
            "Write to FILE instead of stdout. Markdown then gets its SVG charts in a "
            "folder beside FILE (report.md: report_files/)."
        ),
    ] = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """A report for people: a summary table, then one section per target with its status and
    why, its key figures, its chart and its observations with their sources.

    Example: kpi report --as-of 2026 --format html --output report.html
    """
    from kpi.render.chart import target_charts
    from kpi.render.registry import is_binary, render

    name = output_format.value
    refuse_binary_on_terminal(name, is_binary("report", name), output, "report.xlsx")
    output = output_path(ctx, project, output)
    judged = judge(ctx, project, as_of)
    charts: dict[str, str] | None = None  # Markdown on stdout, or a workbook: no chart files
    if output_format is ReportFormat.html:
        charts = target_charts(judged)  # inline SVG
    elif output_format is ReportFormat.markdown and output is not None:
        folder = output.with_name(f"{output.stem}_files")
        charts = {}
        for target_id, svg in target_charts(judged).items():
            emit(svg, folder / f"{target_id}.svg")  # the folder is the report's own: created
            charts[target_id] = f"{folder.name}/{target_id}.svg"
    emit(render("report", name, judged, charts, lang=language()), output)
    if output is not None:
        say(_("wrote {path}").format(path=output))


@command()
def chart(
    ctx: typer.Context,
    indicator: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An indicator id (high_tech_share) or a target id (high_tech_above_70, "
            "which charts its indicator).",
        ),
    ],
    output: Annotated[
        Path,
        output_option("The chart file: FILE.svg or FILE.png (the extension chooses the format)."),
    ],
    as_of: AsOf = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """One indicator as a chart: observed values (estimated ones hollow, series breaks marked),
    the planned path from the baseline, the path now required, the target (a band for a rate
    target) and the projection of the observed trend.

    Example: kpi chart high_tech_share --as-of 2026 --output high_tech_share.svg
    """
    from kpi.render.chart import chart_format, indicator_chart

    kind = chart_format(output)  # refuses an unknown extension before loading or drawing
    output_path(ctx, project, output)
    report, indicator_id = judge_indicator(ctx, project, as_of, indicator)
    emit(indicator_chart(report, indicator_id, kind), output)
    say(_("wrote {path}").format(path=output))
