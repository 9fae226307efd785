"""What every command shares: the Typer app, its error boundary, global and common options.

The options that every command reading a project takes (``--project``, ``--lang``) work before
the command (``kpi --project DIR status``) and after it (``kpi status --project DIR``); the one
given after the command wins. ``--debug`` works before or after any command.

The boundary (``_Boundary``) chooses the exit code of everything a command can end with: a user
error (``KpiError``) is ``EXIT_DATA_ERROR``, a reader that closed the pipe ``EXIT_CLOSED_PIPE``,
a standard output that cannot be written ``EXIT_DATA_ERROR``, Ctrl-C ``EXIT_INTERRUPTED`` and any
other exception, a bug in kpi, ``EXIT_BUG``, so that a crash is never taken for the verdict of
``kpi check`` (1). Click's own exceptions (usage errors, ``typer.Exit``) keep their meaning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
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
EXIT_DATA_ERROR = 2  # bad usage, missing or invalid data, or an output that cannot be written
EXIT_BUG = 70  # an unexpected exception: a bug in kpi (EX_SOFTWARE of BSD's sysexits.h)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, what a shell reports for a program it stopped)
EXIT_CLOSED_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), on every platform
DEBUG_ENV = "KPI_DEBUG"  # set (to anything but 0) to show a bug's traceback, as --debug does
_DEBUG_OPTION = "--debug"
_MAX_BUG_SUMMARY = 200  # characters of the exception's type and message in the one-line report
# What writing to a standard stream fails with when it is full, read-only, gone or non-blocking.
# An error of this kind without a file name comes from a stream: the core names the file in
# every error about its own files (they are ``KpiError``s by then).
_STREAM_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF", "EAGAIN", "EINVAL", "ENXIO")
    if hasattr(errno, name)
)


@dataclass
class _Run:
    """What the boundary knows about the command line being run."""

    debug: bool = False  # show a bug's traceback
    stdout_failed: bool = False  # stdout could not be written (and was reported already)


_run = _Run()


def _say(line: str) -> None:
    """Print ``line`` on stderr; a stderr that cannot be written is no reason to fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(line, file=sys.stderr, flush=True)


def _print_error(error: KpiError) -> None:
    for problem in error.problems:
        _say(_("error: {problem}").format(problem=problem))
    if error.hint:
        _say(_("hint: {hint}").format(hint=error.hint))


def debug_requested(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether a bug's traceback is wanted: ``--debug`` in ``argv`` (before a ``--``, before or
    after the command) or ``KPI_DEBUG`` set to anything but an empty string or ``0``.

    The command line is read as it is, not parsed, so that a bug met while parsing it shows its
    traceback too (as ``choose_language`` reads ``--lang``)."""
    arguments = list(argv)
    if "--" in arguments:
        arguments = arguments[: arguments.index("--")]
    return _DEBUG_OPTION in arguments or environ.get(DEBUG_ENV, "") not in ("", "0")


def begin_run(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    """Start the boundary's account of a run of the command line ``argv`` in ``environ``."""
    _run.debug = debug_requested(argv, environ)
    _run.stdout_failed = False


def is_closed_pipe(error: BaseException, platform: str = sys.platform) -> bool:
    """Whether ``error`` is what writing to a pipe whose reader has gone raises: ``EPIPE``
    (``BrokenPipeError``), or on Windows (``platform`` ``win32``) ``EINVAL``, which flushing a
    closed pipe gives there. An error naming a file is about that file, not a pipe."""
    if not isinstance(error, OSError) or error.filename is not None:
        return False
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        return True
    return platform == "win32" and error.errno == errno.EINVAL


def is_stream_failure(error: BaseException) -> bool:
    """Whether ``error`` is writing to a standard stream failing (full, read-only, gone) rather
    than a bug: an ``OSError`` naming no file, with one of the errors a write gives."""
    return isinstance(error, OSError) and error.filename is None and error.errno in _STREAM_ERRNOS


def _is_click_control(error: BaseException) -> bool:
    """Whether ``error`` is one of Click's own exceptions (``typer.Exit``, ``typer.Abort``, a
    usage error), which Typer turns into their exit codes. Typer vendors Click from 0.2x
    (``typer._click``) and uses Click itself before: the exception's classes say which."""
    packages = {kind.__module__.partition(".")[0] for kind in type(error).__mro__}
    return not packages.isdisjoint(("click", "typer"))


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
    """One line on stderr saying that ``error`` is a bug in kpi and how to report it, after the
    traceback when it was asked for (``--debug``, ``KPI_DEBUG``)."""
    if _run.debug:
        import traceback

        with contextlib.suppress(OSError, ValueError, AttributeError):
            traceback.print_exception(error, file=sys.stderr)
    _say(
        _(
            "error: a bug in kpi stopped the command ({error}); please report it with the "
            "output of the same command run with --debug"
        ).format(error=_summary(error))
    )


def _report_stdout_failure(error: OSError) -> int:
    """Say that stdout cannot be written and why; return ``EXIT_DATA_ERROR``."""
    _run.stdout_failed = True
    reason = error.strerror or _summary(error)
    _say(_("error: cannot write to standard output (stdout): {reason}").format(reason=reason))
    return EXIT_DATA_ERROR


def failure_exit_code(error: BaseException) -> int:
    """Report ``error``, which ended a command and is neither a ``KpiError`` nor one of Click's
    own exceptions, and return the exit code for it: ``EXIT_INTERRUPTED`` for Ctrl-C (one line,
    ``interrupted``), ``EXIT_CLOSED_PIPE`` for a reader that closed the pipe (nothing said),
    ``EXIT_DATA_ERROR`` for a standard output that cannot be written (one line naming stdout;
    also when kpi was started with stdout closed, which leaves ``sys.stdout`` ``None``), else
    ``EXIT_BUG`` (``_report_bug``). Never raises."""
    if isinstance(error, KeyboardInterrupt):
        _say(_("interrupted"))
        return EXIT_INTERRUPTED
    if is_closed_pipe(error):
        _run.stdout_failed = True
        return EXIT_CLOSED_PIPE
    if isinstance(error, OSError) and is_stream_failure(error):
        return _report_stdout_failure(error)
    if isinstance(error, AttributeError) and sys.stdout is None:  # started with stdout closed
        return _report_stdout_failure(OSError(errno.EBADF, os.strerror(errno.EBADF)))
    _report_bug(error)
    return EXIT_BUG


def _discard_stdout() -> None:
    """Point the stdout file descriptor at the null device, so that the interpreter's own flush
    at exit writes what is left there instead of failing again (Python's recipe for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)


def finish_output(code: int | str | None) -> int | str | None:
    """Flush stdout at the end of a run that ended with exit ``code``, and return the exit code
    of the process: ``code``, unless stdout failed on a run that had succeeded or whose gate had
    failed (0, 1, ``None``): then ``EXIT_CLOSED_PIPE`` for a closed pipe, silently, or
    ``EXIT_DATA_ERROR`` with a message naming stdout. Once stdout has failed, it is pointed at
    the null device (``_discard_stdout``), so that nothing fails or is reported after this."""
    if not _run.stdout_failed:
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError as error:
            if is_closed_pipe(error):
                _run.stdout_failed = True
                failed = EXIT_CLOSED_PIPE
            else:
                failed = _report_stdout_failure(error)
            code = failed if code in (0, 1, None) else code
        except ValueError:  # closed by the program: there is nothing left to write
            pass
    if _run.stdout_failed:
        _discard_stdout()
    return code


@contextlib.contextmanager
def _boundary() -> Iterator[None]:
    """Within the block, a ``KpiError`` becomes its message and ``EXIT_DATA_ERROR``, and any
    other exception but Click's own (``typer.Exit``, usage errors) and ``SystemExit`` the exit
    code ``failure_exit_code`` gives (``typer.Exit``)."""
    try:
        yield
    except KpiError as error:
        _print_error(error)
        raise typer.Exit(EXIT_DATA_ERROR) from None
    except (KeyboardInterrupt, Exception) as error:
        if _is_click_control(error):
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
    """The one place where what a command ends with becomes its exit code (``_boundary``: a
    user error is a message on stderr and exit code 2, a bug exit code 70, ...), and where the
    language is chosen before the command line is parsed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the group as Typer does, then give each of its commands the group's
        ``--debug``, so that it works after the command too (``kpi status --debug``)."""
        super().__init__(*args, **kwargs)
        debug = [param for param in self.params if param.name == "debug"]
        for each in self.commands.values():
            if isinstance(each, TranslatedCommand) and debug and debug[0] not in each.params:
                each.params.append(debug[0])

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        """Run the command line ``args`` (default: ``sys.argv[1:]``) as Typer does, in the
        language ``choose_language`` reads from it and the environment, so that help and usage
        errors are in that language too, with ``--debug`` read from it (``begin_run``)."""
        argv = sys.argv[1:] if args is None else args
        set_language(choose_language(argv, os.environ))
        begin_run(argv, os.environ)
        return super().main(args, *rest, **options)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the options before the command (printing help or the version) in the
        boundary: a closed pipe or a bug there ends as it does in a command."""
        with _boundary():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        """Parse and run the command in the boundary (``_boundary``)."""
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
