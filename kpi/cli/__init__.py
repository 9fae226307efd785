"""The ``kpi`` command line: parse options, call the core, render, choose the exit code.

Each module registers its commands on the shared ``app`` (``common``), whose one boundary turns
what a command ends with into its exit code; heavy modules are imported inside the commands.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import gc
import os
import signal
import sys
from collections.abc import Sequence

import typer

from kpi.cli import core, exchange, gate, report, schema  # noqa: F401  (each registers its commands)
from kpi.cli.common import app, begin_run, failure_exit_code, finish_output
from kpi.cli.plugins import skip_plugin_search
from kpi.cli.streams import configure_streams
from kpi.errors import Terminated

__all__ = ["app", "main"]
_GLOBAL_OPTIONS_WITH_VALUE = ("--project", "--lang")  # --debug takes none
_COMPLETION_OPTIONS = ("--install-completion", "--show-completion")


def command_name(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs (its first word after the global options), or ``None``."""
    arguments = iter(argv)
    for argument in arguments:
        if argument in _GLOBAL_OPTIONS_WITH_VALUE:
            next(arguments, None)
        elif not argument.startswith("-"):
            return argument
    return None


def app_for(argv: Sequence[str]) -> typer.Typer:
    """``app`` holding only the command ``argv`` runs, when it names one (Typer builds the options
    of every command it holds before running one: start-up time people typing ``kpi`` feel)."""
    name = command_name(argv)
    chosen = [
        info
        for info in app.registered_commands
        if info.callback is not None
        and (info.name or info.callback.__name__.replace("_", "-")) == name
    ]
    if not chosen:
        return app
    only = copy.copy(app)
    only.registered_commands = chosen
    # Shell completion's options work before any command (kpi --install-completion) and its
    # requests come without arguments: building them for a command costs it time for nothing.
    only._add_completion = any(argument in _COMPLETION_OPTIONS for argument in argv)
    return only


def _terminate(number: int, frame: object) -> None:
    raise Terminated


def exit_code(code: int | str | None) -> int:
    """The process's exit status for ``code`` as ``sys.exit`` makes it: ``None`` 0, a number
    itself, any other value 1 (a text is written to stderr first, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(code, file=sys.stderr)
    return 1


def _can_leave_at_once() -> bool:
    """Whether the process may end without the interpreter's teardown: not under ``python -i``
    (which stays to be used), with no other thread running (teardown would wait for it) and with
    a way to run the ``atexit`` handlers first."""
    threading = sys.modules.get("threading")
    others = threading is not None and threading.active_count() > 1
    return not sys.flags.inspect and not others and hasattr(atexit, "_run_exitfuncs")


def leave(code: int | str | None) -> None:
    """End the process with ``code`` (``exit_code``): the ``atexit`` handlers run, stdout and
    stderr flushed (stdout was by ``finish_output``, which decided the code), then ``os._exit``,
    skipping the teardown of every module and object, which frees nothing a process ending
    needs freed (files and locks are closed by the commands that opened them; the system
    releases the rest). Falls back to ``sys.exit`` where ``_can_leave_at_once`` says no."""
    if not _can_leave_at_once():
        sys.exit(code)
    status = exit_code(code)
    atexit._run_exitfuncs()  # then the streams, in the order of the interpreter's own exit
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()  # nothing is left in stdout's buffer unless it failed already
    os._exit(status)


def main() -> None:
    """Entry point of the ``kpi`` console script and ``python -m kpi``: run the command line,
    flush stdout, end the process (``leave``: without the interpreter's teardown) with the
    command's code (0, 1 from ``check``, 2 for a user error) or, for a bug, Ctrl-C or stdout
    failing, even outside a command, ``common.failure_exit_code``'s or ``finish_output``'s.
    It does not return: to run commands inside a program, call ``app`` (Typer's ``CliRunner``)."""
    configure_streams()
    skip_plugin_search()  # before the first model: a search for plugins costs more than it gives
    gc.disable()  # a short-lived process: collecting cycles costs time and frees nothing useful
    signal.signal(signal.SIGTERM, _terminate)  # stop as cleanly as on Ctrl-C
    argv = sys.argv[1:]
    begin_run(argv, os.environ)
    code: int | str | None = 0
    try:
        app_for(argv)()
    except SystemExit as stop:
        code = stop.code
    except (KeyboardInterrupt, Exception) as error:  # outside the commands' own boundary
        code = failure_exit_code(error)
    leave(finish_output(code))
