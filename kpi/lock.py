"""The project's writer lock: one writer at a time, a bounded wait, never a stale lock.

The lock is the operating system's own on ``.kpi.lock`` (``filelock``: ``flock`` on POSIX,
``LockFileEx`` on Windows), a file that neither git nor an editor ever replaces, so a writer that
dies releases it and a replaced ``targets.toml`` lets nobody in. The holder describes itself in
``.kpi.lock.holder`` (process, host, since when, command), which a writer that gives up names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from kpi.errors import KpiError, fail
from kpi.i18n import _, format_number
from kpi.writing import cannot_write, needs_recovery, recover

LOCK_FILE = ".kpi.lock"
LOCK_HOLDER_FILE = ".kpi.lock.holder"
LOCK_TIMEOUT_ENV = "KPI_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0  # seconds a writer waits for another before it gives up


def lock_timeout(environ: Mapping[str, str]) -> float:
    """Seconds a writer waits for the project lock: ``$KPI_LOCK_TIMEOUT`` when it is a number
    of 0 or more, else ``DEFAULT_LOCK_TIMEOUT``."""
    try:
        seconds = float(environ.get(LOCK_TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
    return seconds if 0 <= seconds < float("inf") else DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def project_lock(root: Path, timeout: float | None = None) -> Iterator[int]:
    """Hold the project's exclusive writer lock (``root/.kpi.lock``, the system's own through
    ``filelock``, so a writer that dies releases it) for the block. Waits at most ``timeout``
    seconds (default ``lock_timeout(os.environ)``), then raises ``KpiError`` naming the holder.
    Once held, first finishes what a killed writer left (``kpi.writing.recover``): the block is
    given how many files that put in place."""
    import warnings

    with warnings.catch_warnings():
        # filelock warns once where the system has no fcntl and it falls back to a lock file.
        warnings.simplefilter("ignore")
        import filelock

    wait = lock_timeout(os.environ) if timeout is None else timeout
    lock_path = root / LOCK_FILE
    lock = filelock.FileLock(str(lock_path), timeout=wait)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise _lock_busy(root, wait) from None
    except OSError as error:
        raise cannot_write(lock_path, error) from None
    holder = root / LOCK_HOLDER_FILE
    with contextlib.suppress(OSError):
        holder.write_text(_describe_this_process(), encoding="utf-8")
    try:
        yield recover(root) if needs_recovery(root, strays=True) else 0
    finally:
        with contextlib.suppress(OSError):
            holder.unlink()
        lock.release()


def _describe_this_process() -> str:
    import socket

    command = " ".join(["kpi", *sys.argv[1:]])
    command = command if len(command) <= 200 else command[:197] + "..."
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return f"process {os.getpid()} on {socket.gethostname()}, since {started}: {command}\n"


def _lock_busy(root: Path, waited: float) -> KpiError:
    try:
        holder = (root / LOCK_HOLDER_FILE).read_text("utf-8", errors="replace").strip()
    except OSError:
        holder = ""
    holder = "".join(c if c.isprintable() else "?" for c in holder[:300])
    if holder:
        message = _("another kpi is writing to this project ({holder}); waited {seconds} s")
    else:
        message = _("another program holds the project's lock; waited {seconds} s")
    return fail(
        message.format(holder=holder, seconds=format_number(waited, 1)),
        file=root / LOCK_FILE,
        hint=_(
            "wait for it to finish and run the command again; if that process hangs, stop it "
            "(set KPI_LOCK_TIMEOUT to wait longer); nothing was written"
        ),
    )


def recover_interrupted(root: Path, *, tidy: bool = False) -> int:
    """Finish, under the writer lock, a change that a killed writer committed in ``root``
    (``kpi.writing.recover``); with ``tidy``, also remove the temporary files of one it had not.
    Returns how many files a finished change put in place (0: there was none)."""
    if not needs_recovery(root, strays=tidy):
        return 0
    with project_lock(root) as finished:
        return finished
