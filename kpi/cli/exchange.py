"""The exchange commands: import many observations from CSV or JSON, export them all."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpi.cli.common import Lang, command, load, project_root
from kpi.errors import fail

if TYPE_CHECKING:
    from kpi.exchange import ImportRow
    from kpi.model import Project
    from kpi.store import Change


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
    lang: Lang = None,
) -> None:
    """Record many observations from a CSV or JSON file, all or nothing: every row is checked
    first, every bad row is reported with its line, and nothing is written unless all are good.
    Importing the same file again changes nothing.

    Example: kpi import yearbook-2025.csv --dry-run
    """
    from kpi.exchange import plan_import
    from kpi.store import load_project, record_observations

    root = project_root(ctx)
    project = load_project(root)
    rows = plan_import(file, project, replace=replace)
    changes = record_observations(
        root,
        [(row.indicator, row.observation) for row in rows],
        replace=replace,
        today=dt.date.today(),
        dry_run=dry_run,
    )
    _report_import(file, project, rows, changes, dry_run=dry_run)


def _report_import(
    file: Path, project: Project, rows: list[ImportRow], changes: list[Change], *, dry_run: bool
) -> None:
    """Dry run: one line per row and the counts on stdout. Always: a summary on stderr."""
    from kpi.store import Outcome

    order = (Outcome.ADDED, Outcome.REPLACED, Outcome.UNCHANGED)
    counts = dict.fromkeys(order, 0)
    for row, change in zip(rows, changes, strict=True):
        counts[change.outcome] += 1
        if dry_run:
            line = f"{change.outcome.value}: {row.indicator} {row.observation.year} = "
            line += repr(row.observation.value)
            if change.outcome is Outcome.REPLACED:
                old = [
                    o.value
                    for o in project.observations.get(row.indicator, ())
                    if o.year == row.observation.year
                ]
                line += f" (was {old[0]!r})" if old else ""
            print(f"{line} ({row.label})")
    tally = ", ".join(f"{counts[outcome]} {outcome.value}" for outcome in order)
    if dry_run:
        print(tally)
        print(f"dry run of {file}: {tally}; nothing was written", file=sys.stderr)
        return
    touched = sorted(
        {c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED},
        key=list(project.indicators).index,
    )
    written = ", ".join(f"observations/{indicator}.toml" for indicator in touched)
    print(f"imported {file}: {tally}" + (f"; wrote {written}" if written else ""), file=sys.stderr)


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
    lang: Lang = None,
) -> None:
    """Every observation in long format, one row per indicator and year (indicators in
    targets.toml order, years ascending), values unrounded.

    Example: kpi export --format sdmx-csv --output haiphong.sdmx.csv
    """
    from kpi.exchange import export_csv, export_json, export_sdmx_csv

    project = load(ctx)
    render = {
        ExportFormat.csv: export_csv,
        ExportFormat.json: export_json,
        ExportFormat.sdmx_csv: export_sdmx_csv,
    }[output_format]
    text = render(project)
    if output is None:
        sys.stdout.write(text)
        return
    from kpi.store import write_atomically

    try:
        write_atomically(output, text)
    except OSError as error:
        raise fail(f"cannot be written: {error.strerror}", file=output) from None
    count = sum(len(observations) for observations in project.observations.values())
    print(f"wrote {output} ({count} observations, {output_format.value})", file=sys.stderr)
