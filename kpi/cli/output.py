"""Where a command's output goes: its rendered result to stdout or atomically into ``--output``,
its messages to stderr (``say``), every text from data in them inert."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kpi.errors import fail
from kpi.i18n import _
from kpi.text import inert
from kpi.writing import write_atomically

if TYPE_CHECKING:
    from kpi.render.registry import Rendered


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (not a file, a pipe or closed)."""
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def refuse_binary_on_terminal(name: str, binary: bool, output: Path | None, example: str) -> None:
    """A ``KpiError`` when the ``binary`` output of ``--format name`` (a workbook) would go to a
    terminal: without ``output`` and with stdout a terminal; the hint suggests ``--output
    example``. A file or a pipe on stdout takes the bytes (``kpi status -f xlsx > status.xlsx``)."""
    if binary and output is None and stdout_is_terminal():
        message = _("--format {format} writes a binary file, which a terminal cannot show")
        raise fail(
            message.format(format=name),
            hint=_("pass --output FILE (e.g. --output {example})").format(example=example),
        )


def emit(rendered: Rendered, output: Path | None = None) -> None:
    """Write ``rendered`` (text is UTF-8 on files and pipes, see ``kpi.cli.streams``) to stdout,
    or, with ``output``, replace that file atomically (its folder is created). Raises
    ``KpiError`` naming the file when it cannot be written."""
    if output is not None:
        write_atomically(output, rendered, create_folder=True)
        return
    if isinstance(rendered, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(rendered)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(rendered)


def say(line: str) -> None:
    """Print the message ``line`` on stderr with any control character in it escaped
    (``kpi.text.inert``: data quoted in a message cannot act); a stderr that cannot be written
    is no reason to fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(inert(line), file=sys.stderr, flush=True)
