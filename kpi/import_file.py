"""The bytes of an import file, read with the store's limits: a regular file (never a pipe or a
device, which could block) of at most ``MAX_FILE_BYTES``."""

from __future__ import annotations

import stat
from pathlib import Path

from kpi.errors import KpiError, Problem
from kpi.i18n import _
from kpi.store import MAX_FILE_BYTES


def file_bytes(path: Path, display: Path) -> bytes:
    """The bytes of the regular file at ``path``; ``KpiError`` naming ``display`` when it cannot
    be read, is not a regular file or is larger than ``MAX_FILE_BYTES``."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            message = _(
                "is not a regular file (a folder, a pipe or a device); kpi reads only files"
            )
            raise KpiError(Problem(message, display))
        if info.st_size > MAX_FILE_BYTES:
            raise KpiError(Problem(_too_large(), display))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        message = _("cannot be read: {reason}").format(reason=error.strerror)
        raise KpiError(Problem(message, display)) from None
    if len(data) > MAX_FILE_BYTES:  # it grew since the stat
        raise KpiError(Problem(_too_large(), display))
    return data


def _too_large() -> str:
    message = _("is larger than {size} MiB, more than any kpi file needs; kpi does not read it")
    return message.format(size=MAX_FILE_BYTES // (1024 * 1024))


__all__ = ["file_bytes"]
