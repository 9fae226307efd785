"""The one place a command's rendered output goes: stdout, or atomically into ``--output``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kpi.store import write_atomically

if TYPE_CHECKING:
    from kpi.render.registry import Rendered


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
