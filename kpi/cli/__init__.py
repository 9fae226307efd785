"""The ``kpi`` command line: parse options, call the core, render, choose the exit code.

Every command is short: load, assess, render. One boundary (``common._Boundary``) turns the
core's ``KpiError`` into a message on stderr and exit code 2. Each module registers its commands
on the shared ``app``; heavy modules (Rich rendering, charts) are imported inside the commands.
"""

from __future__ import annotations

from kpi.cli import core as _core
from kpi.cli import exchange as _exchange
from kpi.cli import gate as _gate
from kpi.cli import report as _report
from kpi.cli.common import app, language_from

__all__ = ["app", "main"]
_COMMAND_MODULES = (_core, _gate, _exchange, _report)


def main() -> None:
    """Entry point of the ``kpi`` console script: choose the language, then run the command."""
    import os
    import sys

    from kpi.i18n import set_language

    chosen = language_from(sys.argv[1:], os.environ)
    if chosen is not None:
        set_language(chosen)
    app()
