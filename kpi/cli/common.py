"""What every command shares: the Typer app, its error boundary, global and common options."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kpi.errors import KpiError
from kpi.model import MAX_YEAR, MIN_YEAR, Project
from kpi.progress import ProjectAssessment, assess_project
from kpi.store import find_root, load_project

EXIT_DATA_ERROR = 2


def _print_error(error: KpiError) -> None:
    for problem in error.problems:
        print(f"error: {problem}", file=sys.stderr)
    if error.hint:
        print(f"hint: {error.hint}", file=sys.stderr)


class _Boundary(TyperGroup):
    """The one place where a user error becomes a message on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KpiError as error:
            _print_error(error)
            raise typer.Exit(EXIT_DATA_ERROR) from None


app = typer.Typer(
    cls=_Boundary,
    name="kpi",
    help=(
        "Track a city's 2030 targets: gap, pace now required, observed trend and status.\n\n"
        "Example: kpi status --as-of 2025"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass(frozen=True)
class _Options:
    project_dir: Path | None


AsOf = Annotated[
    int | None,
    typer.Option(
        "--as-of",
        min=MIN_YEAR,
        max=MAX_YEAR,
        metavar="YEAR",
        help="Judge with the observations up to YEAR only (default: the current year). "
        "Example: --as-of 2025",
    ),
]


@app.callback()
def _global(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            metavar="DIR",
            help="Project folder holding targets.toml (default: $KPI_PROJECT, else the nearest "
            "targets.toml upwards). Example: --project ~/data/haiphong",
        ),
    ] = None,
) -> None:
    """Track a city's 2030 targets: gap, pace now required, observed trend and status."""
    ctx.obj = _Options(project)


def project_root(ctx: typer.Context) -> Path:
    options: _Options = ctx.obj
    return find_root(options.project_dir, os.environ, Path.cwd())


def load(ctx: typer.Context) -> Project:
    return load_project(project_root(ctx))


def assess(project: Project, as_of: int | None) -> ProjectAssessment:
    return assess_project(project, as_of if as_of is not None else dt.date.today().year)


def print_json(document: Any) -> None:
    import json

    print(json.dumps(document, ensure_ascii=False, indent=2))
