"""What every command shares: the Typer app, its error boundary, global and common options.

The options that every command reading a project takes (``--project``, ``--lang``) work before
the command (``kpi --project DIR status``) and after it (``kpi status --project DIR``); the one
given after the command wins.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from kpi.cli.language import choose_language
from kpi.errors import KpiError
from kpi.i18n import N_, _, set_language
from kpi.model import MAX_YEAR, MIN_YEAR, Project
from kpi.progress import ProjectAssessment, assess_project
from kpi.store import find_root, load_project

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])
EXIT_DATA_ERROR = 2


def _print_error(error: KpiError) -> None:
    for problem in error.problems:
        print(_("error: {problem}").format(problem=problem), file=sys.stderr)
    if error.hint:
        print(_("hint: {hint}").format(hint=error.hint), file=sys.stderr)


# Typer makes the shell-completion options with help of its own; ours explains them with an
# example, as every other option's help does.
_OWN_HELP = {
    "install_completion": N_(
        "Install Tab completion of kpi's commands and options for the current shell (bash, "
        "zsh, fish or PowerShell); it takes effect in a new shell. "
        "Example: kpi --install-completion"
    ),
    "show_completion": N_(
        "Print the completion script for the current shell, to copy it or customize the "
        "installation. Example: kpi --show-completion >> ~/.bashrc"
    ),
}


@contextlib.contextmanager
def _translated_help(command: Any) -> Iterator[None]:
    """Within the block, ``command``'s help texts (English in the code) are in the current
    language; they are restored afterwards."""
    texts = [(command, "help"), (command, "short_help")]
    texts += [(param, "help") for param in command.params if getattr(param, "help", None)]
    saved = [getattr(owner, name) for owner, name in texts]
    for owner, name in texts:
        text = getattr(owner, name)
        if owner is not command:
            text = _OWN_HELP.get(owner.name, text)
        if text:
            setattr(owner, name, _(text))
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
    """The one place where a user error becomes a message on stderr and exit code 2, and where
    the language is chosen before the command line is parsed."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        """Run the command line ``args`` (default: ``sys.argv[1:]``) as Typer does, in the
        language ``choose_language`` reads from it and the environment, so that help and usage
        errors are in that language too."""
        set_language(choose_language(sys.argv[1:] if args is None else args, os.environ))
        return super().main(args, *rest, **options)

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
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def command(name: str | None = None) -> Callable[[CommandFunction], CommandFunction]:
    """Register a command on ``app`` with help that follows ``--lang``: ``@command()``."""
    return app.command(name, cls=TranslatedCommand)


@dataclass(frozen=True)
class _Options:
    project_dir: Path | None  # --project before the command


class Language(StrEnum):
    en = "en"
    vi = "vi"


def _use_language(value: Language | None) -> Language | None:
    if value is not None:
        set_language(value.value)
    return value


# $KPI_LANG and the system's language are read by ``choose_language`` (``_Boundary.main``), which
# takes any locale name (vi_VN.UTF-8); the option itself takes only en or vi.
Lang = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        callback=_use_language,
        is_eager=True,
        help=N_(
            "Language for people: en or vi (default: $KPI_LANG, else the system's language, "
            "else en). Example: --lang vi"
        ),
    ),
]

_PROJECT_HELP = (
    "Project folder holding targets.toml (default: $KPI_PROJECT, else the nearest "
    "targets.toml upwards). Example: --project ~/data/haiphong"
)
ProjectDir = Annotated[Path | None, typer.Option("--project", metavar="DIR", help=_PROJECT_HELP)]


def _show_version(value: bool) -> None:
    if value:
        from kpi import __version__

        print(f"kpi {__version__}")
        raise typer.Exit()


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
    project: ProjectDir = None,
    lang: Lang = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            expose_value=False,
            help="Print kpi's version and exit. Example: kpi --version",
        ),
    ] = False,
) -> None:
    """Track a city's 2030 targets: gap, pace now required, observed trend and status."""
    ctx.obj = _Options(project)


def project_root(ctx: typer.Context, project: Path | None) -> Path:
    """The project's folder: ``project`` (``--project`` after the command) when given, else
    ``--project`` before the command, else ``$KPI_PROJECT``, else the nearest folder upwards
    from the current one that holds a ``targets.toml``."""
    options: _Options = ctx.obj
    explicit = project if project is not None else options.project_dir
    return find_root(explicit, os.environ, Path.cwd())


def load(ctx: typer.Context, project: Path | None) -> Project:
    """The project ``project_root`` finds, loaded and validated."""
    return load_project(project_root(ctx, project))


def assess(project: Project, as_of: int | None) -> ProjectAssessment:
    return assess_project(project, as_of if as_of is not None else dt.date.today().year)


def print_json(document: Any) -> None:
    import json

    print(json.dumps(document, ensure_ascii=False, indent=2))
