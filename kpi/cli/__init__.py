"""The ``kpi`` command line: parse options, call the core, render, choose the exit code.

Each module registers its commands on the shared ``app`` (``common``), whose one boundary turns
what a command ends with into its exit code; heavy modules are imported inside the commands.
"""

from __future__ import annotations

import copy
import gc
import os
import signal
import sys
from collections.abc import Sequence

import typer

from kpi.cli import core, exchange, gate, report, schema  # noqa: F401  (each registers its commands)
from kpi.cli.common import app, begin_run, failure_exit_code, finish_output
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


def main() -> None:
    """Entry point of the ``kpi`` console script: run the command line, flush stdout, exit with
    the command's code (0, 1 from ``check``, 2 for a user error) or, for a bug, Ctrl-C or stdout
    failing, even outside a command, ``common.failure_exit_code``'s or ``finish_output``'s."""
    configure_streams()
    # Pydantic plugins observe validation in long-running services; scanning every installed
    # package for them costs a command-line tool more than it gives (set the variable to override).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
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
    sys.exit(finish_output(code))
