"""The ``kpi`` command line: parse options, call the core, render, choose the exit code.

Every command is short: load, assess, render. One boundary (``common._Boundary``) chooses the
language before parsing and turns the core's ``KpiError`` into a message on stderr and exit code
2. Each module registers its commands on the shared ``app``; heavy modules (Rich rendering,
charts) are imported inside the commands.
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
from kpi.cli.common import app
from kpi.cli.streams import configure_streams

__all__ = ["app", "main"]
_COMMAND_MODULES = (_core, _gate, _exchange, _report)
_GLOBAL_OPTIONS_WITH_VALUE = ("--project", "--lang")
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
    (``streams.configure_streams``), then run the command (in the language ``app`` chooses
    before it parses the command line)."""
    configure_streams()
    # Pydantic plugins observe validation in long-running services; scanning every installed
    # package for them costs a command-line tool more than it gives (set the variable to
    # override).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.disable()  # a short-lived process: collecting cycles costs time and frees nothing useful
    app_for(sys.argv[1:])()
