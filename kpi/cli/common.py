"""What every command shares: the Typer app, its error boundary, global and common options."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from kpi.errors import KpiError
from kpi.i18n import LANGUAGES, N_, _, set_language
from kpi.model import MAX_YEAR, MIN_YEAR, Project
from kpi.progress import ProjectAssessment, assess_project
from kpi.store import find_root, load_project

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])
EXIT_DATA_ERROR = 2
LANGUAGE_ENV = "KPI_LANG"


def _print_error(error: KpiError) -> None:
    for problem in error.problems:
        print(_("error: {problem}").format(problem=problem), file=sys.stderr)
    if error.hint:
        print(_("hint: {hint}").format(hint=error.hint), file=sys.stderr)


@contextlib.contextmanager
def _translated_help(command: Any) -> Iterator[None]:
    """Within the block, ``command``'s help texts (English in the code) are in the current
    language; they are restored afterwards."""
    texts = [(command, "help"), (command, "short_help")]
    texts += [(param, "help") for param in command.params if getattr(param, "help", None)]
    saved = [getattr(owner, name) for owner, name in texts]
    for owner, name in texts:
        if getattr(owner, name):
            setattr(owner, name, _(getattr(owner, name)))
    try:
        yield
    finally:
        for (owner, name), text in zip(texts, saved, strict=True):
            setattr(owner, name, text)


def _short_help(command: Any, limit: int) -> str:
    """The command's short help, or the first sentence of its help, in the current language."""
    if command.short_help:
        return str(_(command.short_help))
    first = _(command.help).split("\n\n")[0].replace("\n", " ") if command.help else ""
    sentence = first.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."


class TranslatedCommand(TyperCommand):
    """A command whose help follows ``--lang``; use it for every command (``command()``)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short_help(self, limit)


class _Boundary(TyperGroup):
    """The one place where a user error becomes a message on stderr and exit code 2."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

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


def command(name: str | None = None) -> Callable[[CommandFunction], CommandFunction]:
    """Register a command on ``app`` with help that follows ``--lang``: ``@command()``."""
    return app.command(name, cls=TranslatedCommand)


@dataclass(frozen=True)
class _Options:
    project_dir: Path | None


class Language(StrEnum):
    en = "en"
    vi = "vi"


def _use_language(value: Language | None) -> Language | None:
    if value is not None:
        set_language(value.value)
    return value


Lang = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        envvar=LANGUAGE_ENV,
        callback=_use_language,
        is_eager=True,
        show_envvar=False,
        help=N_("Language for people: en or vi (default: $KPI_LANG, else en). Example: --lang vi"),
    ),
]


def language_from(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """The language asked for by ``--lang X`` / ``--lang=X`` in ``argv`` (before ``--``), else
    by ``$KPI_LANG``; ``None`` when neither names a known language. Read before the command line
    is parsed so that help and usage errors are in that language too."""
    chosen = environ.get(LANGUAGE_ENV)
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif argument.startswith("--lang="):
            chosen = argument.partition("=")[2]
    return chosen if chosen in LANGUAGES else None


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
    lang: Lang = None,
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
