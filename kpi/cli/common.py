"""What every command shares: the Typer app, its error boundary, global and common options.

``--project`` and ``--lang`` work before the command and after it (the one after wins),
``--debug`` before or after any command. The boundary (``_Boundary``) chooses every exit code: a
``KpiError`` or an unwritable stdout 2, a closed pipe 141, Ctrl-C 130, any other exception (a bug
in kpi) 70, so that a crash is never taken for ``kpi check``'s verdict (1). Click's own exceptions
(usage errors, ``typer.Exit``) keep their meaning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from kpi.cli.language import choose_language
from kpi.cli.output import say
from kpi.cli.quick_values import convert_quickly
from kpi.errors import KpiError, Terminated
from kpi.i18n import N_, _, set_language
from kpi.layout import OBSERVATIONS_DIR
from kpi.lock import recover_interrupted
from kpi.numbers import MAX_YEAR, MIN_YEAR
from kpi.writing import JOURNAL

if TYPE_CHECKING:  # the models, the store and the assessment: imported by the commands that
    # use them, so that --help, --version, init and usage errors do without Pydantic
    from kpi.model import Project
    from kpi.progress import ProjectAssessment

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])
EXIT_DATA_ERROR = 2  # bad usage, missing or invalid data, or an output that cannot be written
EXIT_BUG = 70  # an unexpected exception: a bug in kpi (EX_SOFTWARE of BSD's sysexits.h)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, what a shell reports for a program it stopped)
EXIT_TERMINATED = 143  # SIGTERM (128 + 15): a service manager or CI stopping the job
EXIT_CLOSED_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), on every platform
DEBUG_ENV = "KPI_DEBUG"  # set (to anything but 0) to show a bug's traceback, as --debug does
_DEBUG_OPTION = "--debug"
_MAX_BUG_SUMMARY = 200  # characters of the exception's type and message in the one-line report
# What writing to a full, read-only, gone or non-blocking standard stream fails with; such an
# error naming no file is a stream's (the core's errors about its own files are ``KpiError``s).
_STREAM_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF", "EAGAIN", "EINVAL", "ENXIO")
    if hasattr(errno, name)
)


class _Run:
    """What the boundary knows about the command line being run."""

    __slots__ = ("debug", "stdout_failed")

    def __init__(self) -> None:
        self.debug = False  # show a bug's traceback
        self.stdout_failed = False  # stdout could not be written (and was reported already)


_run = _Run()


def debug_requested(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether ``--debug`` is in ``argv`` before a ``--`` (read as it is, not parsed, so that a bug
    met while parsing shows its traceback too) or ``KPI_DEBUG`` is anything but empty or ``0``."""
    arguments = argv[: argv.index("--")] if "--" in argv else argv
    return _DEBUG_OPTION in arguments or environ.get(DEBUG_ENV, "") not in ("", "0")


def begin_run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    """Start the boundary's account of a run of the command line ``argv`` in ``environ``."""
    _run.debug = debug_requested(argv, environ)
    _run.stdout_failed = False


def is_closed_pipe(error: BaseException, platform: str = sys.platform) -> bool:
    """Whether ``error`` is what writing to a pipe whose reader has gone raises: ``EPIPE``, or on
    Windows (``platform`` ``win32``) ``EINVAL``. An error naming a file is about that file."""
    if not isinstance(error, OSError) or error.filename is not None:
        return False
    closed = (errno.EPIPE, errno.EINVAL) if platform == "win32" else (errno.EPIPE,)
    return isinstance(error, BrokenPipeError) or error.errno in closed


def is_stream_failure(error: BaseException) -> bool:
    """Whether ``error`` is writing to a standard stream failing (full, read-only, gone) rather
    than a bug: an ``OSError`` naming no file, with one of the errors a write gives."""
    return isinstance(error, OSError) and error.filename is None and error.errno in _STREAM_ERRNOS


def _summary(error: BaseException) -> str:
    """``error``'s type and message on one line of at most ``_MAX_BUG_SUMMARY`` characters, with
    no control characters: ``RuntimeError: boom``, ``pydantic_core.ValidationError: ...``."""
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not hide the bug being reported
        message = ""
    message = " ".join("".join(c if c.isprintable() else " " for c in message).split())
    text = f"{name}: {message}" if message else name
    if len(text) > _MAX_BUG_SUMMARY:
        text = text[: _MAX_BUG_SUMMARY - 3].rstrip() + "..."
    return text


def _report_bug(error: BaseException) -> None:
    """Say on stderr that ``error`` is a bug in kpi, after its traceback when it was asked for."""
    if _run.debug:
        import traceback

        with contextlib.suppress(OSError, ValueError, AttributeError):
            traceback.print_exception(error, file=sys.stderr)
    message = _(
        "error: a bug in kpi stopped the command ({error}); please report it with the "
        "output of the same command run with --debug"
    )
    say(message.format(error=_summary(error)))


def _stdout_failure(error: OSError) -> int:
    """The exit code for stdout failing with ``error``: ``EXIT_CLOSED_PIPE``, silently, for a
    closed pipe, else ``EXIT_DATA_ERROR`` with one line naming stdout."""
    _run.stdout_failed = True
    if is_closed_pipe(error):
        return EXIT_CLOSED_PIPE
    reason = error.strerror or _summary(error)
    say(_("error: cannot write to standard output (stdout): {reason}").format(reason=reason))
    return EXIT_DATA_ERROR


def failure_exit_code(error: BaseException) -> int:
    """Report ``error`` (neither a ``KpiError`` nor Click's own) and return its exit code: 130 for
    Ctrl-C, ``_stdout_failure``'s for a standard output that cannot be written (also when kpi was
    started with stdout closed: ``sys.stdout`` is ``None``), else ``EXIT_BUG``. Never raises."""
    if isinstance(error, KeyboardInterrupt):
        terminated = getattr(error, "signal", None) == Terminated.signal
        say(_("terminated") if terminated else _("interrupted"))
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if isinstance(error, AttributeError) and sys.stdout is None:  # started with stdout closed
        error = OSError(errno.EBADF, os.strerror(errno.EBADF))
    if isinstance(error, OSError) and (is_closed_pipe(error) or is_stream_failure(error)):
        return _stdout_failure(error)
    _report_bug(error)
    return EXIT_BUG


def finish_output(code: int | str | None) -> int | str | None:
    """Flush stdout at the end of a run that ended with ``code`` and return the process's exit
    code: ``code``, or ``_stdout_failure``'s when the flush fails after a success or a failed gate
    (0, 1, ``None``). Once stdout has failed, nothing written to it fails or is reported again."""
    if not _run.stdout_failed:
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError as error:
            failed = _stdout_failure(error)
            code = failed if code in (0, 1, None) else code
        except ValueError:  # closed by the program: there is nothing left to write
            pass
    if _run.stdout_failed:
        # Python's recipe for SIGPIPE: stdout's descriptor goes to the null device, so that the
        # interpreter's own flush at exit writes what is left there instead of failing again.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, sys.stdout.fileno())
            finally:
                os.close(null)
    return code


@contextlib.contextmanager
def _boundary() -> Iterator[None]:
    """Within the block, a ``KpiError`` becomes its message and ``EXIT_DATA_ERROR``, any other
    exception but Click's own and ``SystemExit`` the exit code ``failure_exit_code`` gives."""
    try:
        yield
    except KpiError as error:
        for problem in error.problems:
            say(_("error: {problem}").format(problem=problem))
        if error.hint:
            say(_("hint: {hint}").format(hint=error.hint))
        raise typer.Exit(EXIT_DATA_ERROR) from None
    except (KeyboardInterrupt, Exception) as error:
        # Click's own exceptions (typer.Exit, typer.Abort, usage errors) keep their exit codes.
        # Typer vendors Click from 0.2x (typer._click): the classes' packages say which they are.
        packages = {kind.__module__.partition(".")[0] for kind in type(error).__mro__}
        if not packages.isdisjoint(("click", "typer")):
            raise
        raise typer.Exit(failure_exit_code(error)) from None


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


class _QuickHelp:
    """Mixed into kpi's command classes: their ``--help`` option (which Click makes apart from
    the other parameters) gets the quick conversions of ``kpi.cli.quick_values`` too."""

    def get_help_option(self, ctx: Any) -> Any:
        """The ``--help`` option, with the quick conversions."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            convert_quickly([option])
        return option


class TranslatedCommand(_QuickHelp, TyperCommand):
    """A command whose help follows ``--lang``; use it for every command (``command()``)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The short help, or the first sentence of the help, in the current language."""
        if self.short_help:
            return str(_(self.short_help))
        first = _(self.help).split("\n\n")[0].replace("\n", " ") if self.help else ""
        sentence = first.split(". ")[0].rstrip(".")
        return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."


class _Boundary(_QuickHelp, TyperGroup):
    """The one place where what a command ends with becomes its exit code (``_boundary``), and
    where the language is chosen before the command line is parsed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The group's --debug works after each command too (kpi status --debug).
        debug = [param for param in self.params if param.name == "debug"]
        for each in self.commands.values():
            if isinstance(each, TranslatedCommand) and debug and debug[0] not in each.params:
                each.params.append(debug[0])
            convert_quickly(each.params)
        convert_quickly(self.params)

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        """Run the command line ``args`` (default: ``sys.argv[1:]``) as Typer does, in the
        language it asks for (so that help and usage errors are in it too) and with its --debug."""
        argv = sys.argv[1:] if args is None else args
        set_language(choose_language(argv, os.environ))
        begin_run(argv, os.environ)
        return super().main(args, *rest, **options)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        # The options before the command (help, --version) too: a closed pipe or a bug there
        # ends as it does in a command.
        with _boundary():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _boundary():
            return super().invoke(ctx)


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


Language = StrEnum("Language", ["en", "vi"])  # the choices of --lang, each value its name


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
        help="Language for people: en or vi (default: $KPI_LANG, else the system's language, "
        "else en). Example: --lang vi",
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


def format_option(help_text: str) -> Any:
    """The ``--format``/``-f`` option: ``Annotated[StatusFormat, format_option(HELP)]``."""
    return typer.Option("--format", "-f", help=help_text)


def output_option(help_text: str) -> Any:
    """The ``--output``/``-o FILE`` option: ``Annotated[Path | None, output_option(HELP)]``."""
    return typer.Option("--output", "-o", metavar="FILE", help=help_text)


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
    debug: Annotated[
        bool,
        typer.Option(
            _DEBUG_OPTION,
            expose_value=False,
            help="When kpi stops on a bug, show the Python traceback to report (as "
            "KPI_DEBUG=1 does). Example: kpi status --debug",
        ),
    ] = False,
) -> None:
    """Track a city's 2030 targets: gap, pace now required, observed trend and status."""
    ctx.obj = project  # --project before the command: ``project_root`` reads it


def project_root(ctx: typer.Context, project: Path | None, *, tidy: bool = False) -> Path:
    """The project's folder: ``project`` (``--project`` after the command) when given, else
    ``--project`` before the command, else ``$KPI_PROJECT``, else the nearest folder upwards
    from the current one that holds a ``targets.toml``. A change that a killed writer committed
    there is finished first, and said so; with ``tidy`` the temporary files of one it had not
    committed are removed too (``kpi.lock.recover_interrupted``)."""
    from kpi.store import find_root

    explicit = project if project is not None else ctx.obj
    root = find_root(explicit, os.environ, Path.cwd())
    finished = recover_interrupted(root, tidy=tidy)
    if finished:
        message = _("finished an interrupted import: {count} files put in place from {journal}")
        say(message.format(count=finished, journal=JOURNAL))
    return root


def load(ctx: typer.Context, project: Path | None, *, cached: bool = True) -> Project:
    """The project ``project_root`` finds, loaded and validated; through kpi's cache unless not
    ``cached`` (a command that writes data reads it afresh: ``kpi.store.read_project``)."""
    from kpi.store import load_project

    return load_project(project_root(ctx, project), cached=cached)


def assess_project(project: Project, as_of: int) -> ProjectAssessment:
    """``kpi.progress.assess_project``: ``project`` judged with the observations up to ``as_of``
    (imported on the first call: the commands that judge nothing do without it)."""
    from kpi.progress import assess_project as judged

    return judged(project, as_of)


def assess(project: Project, as_of: int | None) -> ProjectAssessment:
    """``project`` judged (``assess_project``) up to ``as_of``, by default the current year."""
    return assess_project(project, as_of if as_of is not None else dt.date.today().year)


def output_path(ctx: typer.Context, project: Path | None, output: Path | None) -> Path | None:
    """``output`` (``--output``); a ``KpiError`` when it would replace the project's data
    (``kpi.store.refuse_data_path``)."""
    if output is not None:
        from kpi.store import refuse_data_path

        refuse_data_path(project_root(ctx, project), output)
    return output


def judge(ctx: typer.Context, project: Path | None, as_of: int | None) -> ProjectAssessment:
    """The project ``load`` gives, assessed (``assess``)."""
    return assess(load(ctx, project), as_of)


def judge_indicator(
    ctx: typer.Context, project: Path | None, as_of: int | None, name: str
) -> tuple[ProjectAssessment, str]:
    """The project assessed as ``judge`` does, and the indicator ``name`` designates: an
    indicator id, or a target id (its indicator's); a ``KpiError`` naming the known indicators
    when it is neither."""
    loaded = load(ctx, project)
    owners = {t.id: i for i, indicator in loaded.indicators.items() for t in indicator.targets}
    owner = name if name in loaded.indicators else owners.get(name, name)
    loaded.indicator(owner)  # raises KpiError for an unknown one
    return assess(loaded, as_of), owner


_COMMENTS_NOT_KEPT = {
    False: N_("warning: {file}: {count} comment line(s) were not kept; put remarks in note"),
    True: N_("warning: {file}: {count} comment line(s) would not be kept; put remarks in note"),
}


def warn_of_comments(comments: Mapping[str, int], *, dry_run: bool = False) -> None:
    """Warn, for each indicator whose observation file had ``comments`` comment lines and was
    (``dry_run``: would be) rewritten, that they are not kept."""

    for indicator, count in comments.items():
        if count:
            message = _(_COMMENTS_NOT_KEPT[dry_run])
            say(message.format(file=f"{OBSERVATIONS_DIR}/{indicator}.toml", count=count))
