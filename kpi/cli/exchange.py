"""The exchange commands: import many observations from CSV or JSON, export them all."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpi.cli.common import Lang, ProjectDir, command, load, project_root
from kpi.i18n import N_, _, language

if TYPE_CHECKING:
    from kpi.exchange import ImportRow
    from kpi.model import Project
    from kpi.store import Change


# One line per row of a dry run, by outcome; "replaced" names the recorded value when known.
_DRY_RUN_LINES = {
    "added": N_("added: {indicator} {year} = {value} ({where})"),
    "replaced": N_("replaced: {indicator} {year} = {value} ({where})"),
    "unchanged": N_("unchanged: {indicator} {year} = {value} ({where})"),
}
_DRY_RUN_REPLACED_WAS = N_("replaced: {indicator} {year} = {value} (was {old}) ({where})")


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    sdmx_csv = "sdmx-csv"


@command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A .csv file (header indicator,year,value,source plus optional status,"
            "series_break,url,note) or a .json file (a list of objects with those keys, "
            "or what `kpi export --format json` writes).",
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print what would be added, replaced or left unchanged; write nothing.",
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace recorded years whose observation differs "
            "(the old ones are kept in their revisions).",
        ),
    ] = False,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Record many observations from a CSV or JSON file, all or nothing: every row is checked
    first, every bad row is reported with its line, and nothing is written unless all are good.
    Importing the same file again changes nothing.

    Example: kpi import yearbook-2025.csv --dry-run
    """
    from kpi.exchange import plan_import
    from kpi.store import load_project, record_observations

    root = project_root(ctx, project)
    loaded = load_project(root)
    rows = plan_import(file, loaded, replace=replace)
    changes = record_observations(
        root,
        [(row.indicator, row.observation) for row in rows],
        replace=replace,
        today=dt.date.today(),
        dry_run=dry_run,
    )
    _report_import(file, loaded, rows, changes, dry_run=dry_run)


def _report_import(
    file: Path, project: Project, rows: list[ImportRow], changes: list[Change], *, dry_run: bool
) -> None:
    """Dry run: one line per row and the counts on stdout. Always: a summary on stderr."""
    from kpi.exchange import exact_number
    from kpi.store import Outcome

    counts = dict.fromkeys(Outcome, 0)
    for row, change in zip(rows, changes, strict=True):
        counts[change.outcome] += 1
        if dry_run:
            template = _DRY_RUN_LINES[change.outcome.value]
            old = [
                o.value
                for o in project.observations.get(row.indicator, ())
                if o.year == row.observation.year
            ]
            if change.outcome is Outcome.REPLACED and old:
                template = _DRY_RUN_REPLACED_WAS
            line = _(template).format(
                indicator=row.indicator,
                year=row.observation.year,
                value=exact_number(row.observation.value),
                old=exact_number(old[0]) if old else "",
                where=row.label,
            )
            print(line)
    tally = {
        "file": file,
        "added": counts[Outcome.ADDED],
        "replaced": counts[Outcome.REPLACED],
        "unchanged": counts[Outcome.UNCHANGED],
    }
    if dry_run:
        print(_("{added} added, {replaced} replaced, {unchanged} unchanged").format(**tally))
        message = _(
            "dry run of {file}: {added} added, {replaced} replaced, {unchanged} unchanged; "
            "nothing was written"
        )
        print(message.format(**tally), file=sys.stderr)
        return
    touched = sorted(
        {c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED},
        key=list(project.indicators).index,
    )
    written = ", ".join(f"observations/{indicator}.toml" for indicator in touched)
    if written:
        message = _(
            "imported {file}: {added} added, {replaced} replaced, {unchanged} unchanged; "
            "wrote {written}"
        ).format(written=written, **tally)
    else:
        message = _(
            "imported {file}: {added} added, {replaced} replaced, {unchanged} unchanged"
        ).format(**tally)
    print(message, file=sys.stderr)


@command()
def export(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="csv (the import's columns, so it imports back), json, or sdmx-csv for "
            "statistical systems. Example: --format sdmx-csv",
        ),
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
        ),
    ] = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Every observation in long format, one row per indicator and year (indicators in
    targets.toml order, years ascending), values unrounded.

    Example: kpi export --format sdmx-csv --output haiphong.sdmx.csv
    """
    from kpi.cli.output import emit
    from kpi.render.registry import render

    table = load(ctx, project).long_table()
    emit(render("export", output_format.value, table, lang=language()), output)
    if output is not None:
        message = _("wrote {file} ({count} observations, {format})").format(
            file=output, count=len(table.rows), format=output_format.value
        )
        print(message, file=sys.stderr)
