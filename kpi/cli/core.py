"""The core commands: status, show, record, validate, init."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

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
    project_root,
    warn_of_comments,
)
from kpi.cli.output import emit, refuse_binary_on_terminal, say
from kpi.errors import KpiError, fail
from kpi.field_errors import describe
from kpi.i18n import N_, _, format_number, language
from kpi.numbers import parse_value, parse_year

# The choices of --format (the default first, as in kpi.render.registry) and of --status.
StatusFormat = StrEnum("StatusFormat", ["table", "json", "csv", "markdown", "xlsx"])
ShowFormat = StrEnum("ShowFormat", ["table", "json"])
ValidateFormat = StrEnum("ValidateFormat", ["text", "json", "github", "junit"])
T = TypeVar("T")
ObservationStatusOption = StrEnum(
    "ObservationStatusOption", {"A": "A", "E": "E", "P": "P", "F": "F"}
)


@command()
def status(
    ctx: typer.Context,
    as_of: AsOf = None,
    output_format: Annotated[
        StatusFormat,
        format_option(
            "table for people; json, csv or markdown for scripts and documents; xlsx, a "
            "workbook for the leadership (with --output). Example: --format json"
        ),
    ] = StatusFormat.table,
    output: Annotated[
        Path | None,
        output_option(
            "Write to FILE (atomically) instead of stdout; needed for xlsx on a terminal. "
            "Example: --format xlsx --output status.xlsx"
        ),
    ] = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """One row per target: latest value, goal, gap, required pace, trend, projection, status.

    Indicators without a target are listed after the targets with their latest value and trend.

    Example: kpi status --as-of 2025 --format json
    """
    from kpi.render.registry import is_binary, render

    name = output_format.value
    refuse_binary_on_terminal(name, is_binary("status", name), output, "status.xlsx")
    output = output_path(ctx, project, output)
    judged = judge(ctx, project, as_of)
    emit(render("status", name, judged, lang=language(), to_file=output is not None), output)
    if output is not None:
        say(_("wrote {path}").format(path=output))


@command()
def show(
    ctx: typer.Context,
    indicator: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An indicator id (high_tech_share) or a target id (high_tech_above_70, "
            "which shows its indicator).",
        ),
    ],
    as_of: AsOf = None,
    output_format: Annotated[
        ShowFormat, format_option("table for people, json for scripts. Example: --format json")
    ] = ShowFormat.table,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """One indicator: definition, every observation with its source and flags, each target's
    figures, and the planned and required paths year by year.

    Example: kpi show high_tech_share --as-of 2025
    """
    from kpi.render.registry import render

    report, indicator_id = judge_indicator(ctx, project, as_of, indicator)
    emit(render("show", output_format.value, report, indicator_id, lang=language()))


def _parsed(parse: Callable[[str], T], text: str, where: Path, key: str) -> T:
    """``parse(text)`` (``kpi.numbers``: the same rule as the importer and the files), its
    ``ValueError`` a ``KpiError`` naming ``where`` and ``key``."""
    try:
        return parse(text)
    except ValueError as error:
        raise fail(str(error), file=where, key=key) from None


# By ``kpi.store.Outcome``'s values (an ``Outcome`` finds its own: it is a ``StrEnum``).
_OUTCOMES = {
    "added": N_("added: {indicator} {year} = {value} ({file})"),
    "unchanged": N_("unchanged: {indicator} {year} = {value} ({file})"),
    "replaced": N_("replaced: {indicator} {year} = {value} ({file})"),
}


@command()
def record(
    ctx: typer.Context,
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. manufacturing_share_grdp.")],
    year: Annotated[str, typer.Argument(metavar="YEAR", help="Year observed.")],
    value: Annotated[
        str,
        typer.Argument(
            help="The value, a finite number with '.' decimals (e.g. 45.12; "
            "for a negative value put -- first: kpi record x 2025 -- -1.5)."
        ),
    ],
    source: Annotated[str, typer.Option(help="Where the figure was published (required).")],
    url: Annotated[str | None, typer.Option(help="Link to the publication.")] = None,
    obs_status: Annotated[
        ObservationStatusOption,
        typer.Option(
            "--status", help="SDMX status: A normal, E estimated, P provisional, F forecast."
        ),
    ] = ObservationStatusOption.A,
    series_break: Annotated[
        bool, typer.Option("--series-break", help="Not comparable with earlier years.")
    ] = False,
    note: Annotated[str | None, typer.Option(help="What a reader should know.")] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace a different observation of the same year "
            "(the old one is kept in its revisions).",
        ),
    ] = False,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Record one observation. Recording an identical one again changes nothing; a different one
    for a recorded year needs --replace.

    Example: kpi record manufacturing_share_grdp 2025 44.4 --status E --series-break
    --source "Hai Phong Statistics Office press conference 2026-01-06"
    """
    from pydantic import ValidationError

    from kpi.model import observation_from
    from kpi.store import Outcome, comment_lines, observations_path, record_observations

    root = project_root(ctx, project)
    observations_path(root, indicator)  # refuses a hostile id before anything else
    where = Path("observations") / f"{indicator}.toml"
    try:
        observation = observation_from({
            "year": _parsed(parse_year, year, where, "year"),
            "value": _parsed(parse_value, value, where, "value"), "status": obs_status.value,
            "series_break": series_break, "source": source, "url": url, "note": note,
        })  # fmt: skip
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        raise fail(describe(first), file=where, key=key) from None
    comments = comment_lines(root / where)
    [change] = record_observations(
        root, [(indicator, observation)], replace=replace, today=dt.date.today()
    )
    message = _(_OUTCOMES[change.outcome]).format(
        indicator=indicator,
        year=observation.year,
        value=format_number(observation.value, 6),
        file=where,
    )
    say(message)
    if change.outcome is not Outcome.UNCHANGED:
        warn_of_comments({indicator: comments})


@command()
def validate(
    ctx: typer.Context,
    output_format: Annotated[
        ValidateFormat,
        format_option(
            "text for people; json for scripts; github (an ::error on each problem's file and "
            "line) or junit for CI. Example: --format github"
        ),
    ] = ValidateFormat.text,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """Check every file of the project and report every problem at once, each with its file,
    line and key (on stderr, and in the chosen format on stdout). Exit 0 when all is valid, 2
    otherwise.

    Example: kpi validate --format github
    """
    from kpi.gate import problem_file
    from kpi.render.registry import render
    from kpi.store import read_project
    from kpi.validate import Validation

    root = project_root(ctx, project, tidy=True)
    read, problems = read_project(root, cached=True)
    validation = Validation(tuple(problems))
    if read is not None and not problems:
        validation = Validation(
            (),
            indicators=len(read.indicators),
            targets=sum(len(i.targets) for i in read.indicators.values()),
            observations=sum(len(o) for o in read.observations.values()),
        )
    files = problem_file(root, Path.cwd())
    emit(render("validate", output_format.value, validation, files, lang=language()))
    if not validation.valid:
        raise KpiError(problems, hint=_("{count} problem(s) found").format(count=len(problems)))


@command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project (created).")],
    blank: Annotated[
        bool, typer.Option("--blank", help="An empty project instead of the Hai Phong one.")
    ] = False,
    lang: Lang = None,
) -> None:
    """Write a new project into DIRECTORY: the Hai Phong targets and observations, or an empty
    project with --blank. Refuses when DIRECTORY already holds a targets.toml.

    Example: kpi init ~/data/my-city --blank
    """
    from kpi.template import create_project

    create_project(directory, blank=blank)
    say(_("created {file}").format(file=directory / "targets.toml"))
