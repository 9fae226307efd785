"""Running kpi with one of its streams on a pseudo-terminal, as a person at a console runs it.

POSIX only (``pty``), like the tests that use it: a real terminal is what makes Rich colour its
output, and what kpi refuses to write a workbook to.
"""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal


def on_a_terminal(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    terminal: Literal["stdout", "stderr"] = "stdout",
    timeout: float = 120,
) -> tuple[int, bytes, bytes]:
    """Run ``command`` with its ``terminal`` stream on a pseudo-terminal and the other on a
    pipe; return (exit code, the bytes the terminal got, the bytes of the pipe)."""
    primary, replica = pty.openpty()
    try:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: replica}
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=streams["stdout"],
            stderr=streams["stderr"],
        )
        os.close(replica)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        pipe = process.stderr if terminal == "stdout" else process.stdout
        assert pipe is not None
        piped = pipe.read()
        pipe.close()
        code = process.wait(timeout=timeout)
    finally:
        os.close(primary)
    return code, b"".join(chunks), piped
