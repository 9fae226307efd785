"""The ``kpi`` command line: parse options, call the core, render, choose the exit code.

Every command is short: load, assess, render. One boundary (``common._Boundary``) chooses the
language before parsing and turns the core's ``KpiError`` into a message on stderr and exit code
2, a bug into exit code 70, Ctrl-C into 130 and a closed pipe into 141; ``main`` flushes stdout
itself, so that a failure there is judged the same way. Each module registers its commands on
the shared ``app``; heavy modules (Rich rendering, charts) are imported inside the commands.
"""

from __future__ import annotations

import copy
import gc
import os
import sys
from collections.abc import Sequence

import typer

from kpi.cli import core as _core
from kpi.cli import exchange as _exchange
from kpi.cli import gate as _gate
from kpi.cli import report as _report
from kpi.cli.common import app, begin_run, failure_exit_code, finish_output
from kpi.cli.streams import configure_streams

__all__ = ["app", "main"]
_COMMAND_MODULES = (_core, _gate, _exchange, _report)
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
    """``app`` with only the command ``argv`` runs, when it names one, else all of them.

    Typer builds every command's options before it runs one; building one saves start-up time
    that people typing ``kpi status`` feel. Help, usage errors and behaviour are the same.
    """
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


def main() -> None:
    """Entry point of the ``kpi`` console script: make the standard streams safe for any text
    (``streams.configure_streams``), run the command (in the language ``app`` chooses before it
    parses the command line), flush stdout and exit.

    Always ends with ``SystemExit``: the command's exit code (0, 1 from ``check``, 2 for a user
    error), else 70 for a bug, 130 for Ctrl-C, 141 when the reader of stdout closed the pipe and
    2 when stdout cannot be written (``common.failure_exit_code``), also when that happens
    outside a command or only when stdout is flushed here (``common.finish_output``)."""
    configure_streams()
    # Pydantic plugins observe validation in long-running services; scanning every installed
    # package for them costs a command-line tool more than it gives (set the variable to
    # override).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.disable()  # a short-lived process: collecting cycles costs time and frees nothing useful
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
