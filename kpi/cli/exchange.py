"""The exchange commands: import many observations from CSV or JSON, export them all."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpi.cli.common import (
    Lang,
    ProjectDir,
    command,
    format_option,
    load,
    output_option,
    output_path,
    warn_of_comments,
)
from kpi.cli.output import emit, refuse_binary_on_terminal, say
from kpi.errors import fail
from kpi.i18n import N_, _, language
from kpi.writing import Committed

if TYPE_CHECKING:
    from kpi.exchange import ImportRow
    from kpi.model import Project
    from kpi.store import Change


# One line per row of a dry run, by outcome; "replaced" names the recorded value when known.
# By ``kpi.store.Outcome``'s values (an ``Outcome`` finds its own: it is a ``StrEnum``).
_DRY_RUN_LINES = {
    "added": N_("added: {indicator} {year} = {value} ({where})"),
    "replaced": N_("replaced: {indicator} {year} = {value} ({where})"),
    "unchanged": N_("unchanged: {indicator} {year} = {value} ({where})"),
}
_DRY_RUN_REPLACED_WAS = N_("replaced: {indicator} {year} = {value} (was {old}) ({where})")


ExportFormat = StrEnum(
    "ExportFormat", {"csv": "csv", "json": "json", "sdmx_csv": "sdmx-csv", "xlsx": "xlsx"}
)


@command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A .csv file (header indicator,year,value,source plus optional status,"
            "series_break,url,note, or their Vietnamese names; comma, semicolon or tab "
            "between fields), a workbook (.xlsx, .xls or .ods) with the same columns, or a "
            ".json file (a list of objects with those keys, or what `kpi export --format "
            "json` writes).",
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
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet",
            metavar="NAME",
            help="The sheet of a workbook to read (default: the first visible one). "
            "Example: --sheet 'Số liệu 2025'",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            metavar="NAME",
            help="The encoding of a CSV file without a byte-order mark (default: UTF-8), "
            "such as cp1258 for one saved on a Vietnamese Windows PC. Example: --encoding cp1258",
        ),
    ] = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Record many observations from a CSV file, a workbook or a JSON file, all or nothing:
    every row is checked first, every bad row is reported with its line (its cell in a
    workbook), and nothing is written unless all are good. Importing the same file again
    changes nothing.

    Example: kpi import yearbook-2025.xlsx --sheet 'Số liệu' --dry-run
    """
    from kpi.exchange import plan_import
    from kpi.store import Outcome, comment_lines, observations_path, record_observations

    loaded = load(ctx, project, cached=False)  # an import writes: its data is read afresh
    try:
        rows = plan_import(file, loaded, replace=replace, sheet=sheet, encoding=encoding)
        entries = [(row.indicator, row.observation) for row in rows]
        indicators = {indicator for indicator, _observation in entries}
        comments = {i: comment_lines(observations_path(loaded.root, i)) for i in indicators}
        changes = record_observations(
            loaded.root, entries, replace=replace, today=dt.date.today(), dry_run=dry_run
        )
    except Committed:
        say(_("the import was written in full before kpi stopped"))
        raise
    except KeyboardInterrupt:
        say(_("nothing was imported"))
        raise
    _report_import(file, loaded, rows, changes, dry_run=dry_run)
    touched = {c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED}
    warn_of_comments({i: n for i, n in comments.items() if i in touched}, dry_run=dry_run)


def _report_import(
    file: Path, project: Project, rows: list[ImportRow], changes: list[Change], *, dry_run: bool
) -> None:
    """Dry run: one line per row and the counts on stdout. Always: a summary on stderr."""
    from kpi.exchange import exact_number
    from kpi.store import Outcome

    tally: dict[str, object] = {"file": file}
    tally |= {outcome.value: sum(c.outcome is outcome for c in changes) for outcome in Outcome}
    if dry_run:
        for row, change in zip(rows, changes, strict=True):
            year = row.observation.year
            old = [o.value for o in project.observations.get(row.indicator, ()) if o.year == year]
            was = change.outcome is Outcome.REPLACED and old
            line = _(_DRY_RUN_REPLACED_WAS if was else _DRY_RUN_LINES[change.outcome]).format(
                indicator=row.indicator, year=year, value=exact_number(row.observation.value),
                old=exact_number(old[0]) if old else "", where=row.label,
            )  # fmt: skip
            print(line)
        print(_("{added} added, {replaced} replaced, {unchanged} unchanged").format(**tally))
        message = _(
            "dry run of {file}: {added} added, {replaced} replaced, {unchanged} unchanged; "
            "nothing was written"
        )
        say(message.format(**tally))
        return
    touched = sorted(
        {c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED},
        key=list(project.indicators).index,
    )
    written = ", ".join(f"observations/{indicator}.toml" for indicator in touched)
    message = _("imported {file}: {added} added, {replaced} replaced, {unchanged} unchanged")
    if written:
        message = _(
            "imported {file}: {added} added, {replaced} replaced, {unchanged} unchanged; "
            "wrote {written}"
        )
    say(message.format(written=written, **tally))


@command()
def export(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat,
        format_option(
            "csv (the import's columns, so it imports back), json, sdmx-csv for statistical "
            "systems, or xlsx (a workbook in the import's columns). Example: --format sdmx-csv"
        ),
    ] = ExportFormat.csv,
    template: Annotated[
        bool,
        typer.Option(
            "--template",
            help="With --format xlsx: an empty workbook to fill in and import (a row of "
            "guidance, the project's indicator ids as a drop-down list) instead of the "
            "observations. Example: kpi export --format xlsx --template --output template.xlsx",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        output_option(
            "Write to FILE (atomically) instead of stdout; needed for xlsx on a terminal."
        ),
    ] = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Every observation in long format, one row per indicator and year (indicators in
    targets.toml order, years ascending), values unrounded; or, with --template, a workbook
    to fill in.

    Example: kpi export --format sdmx-csv --output haiphong.sdmx.csv
    """
    from kpi.render.registry import is_binary, render

    name = output_format.value
    if template and output_format is not ExportFormat.xlsx:
        raise fail(
            _("--template writes a workbook; it cannot be written as {format}").format(format=name),
            hint=_("add --format xlsx"),
        )
    example = "template.xlsx" if template else "data.xlsx"
    refuse_binary_on_terminal(name, is_binary("export", name), output, example)
    output = output_path(ctx, project, output)
    loaded = load(ctx, project)
    if template:
        from kpi.render.workbook_data import template_workbook

        emit(template_workbook(loaded.indicators), output)
        if output is not None:
            message = _("wrote {file} (a template to fill in, {count} indicators in its list)")
            say(message.format(file=output, count=len(loaded.indicators)))
        return
    table = loaded.long_table()
    emit(render("export", name, table, lang=language()), output)
    if output is not None:
        message = _("wrote {file} ({count} observations, {format})").format(
            file=output, count=len(table.rows), format=name
        )
        say(message)
