"""How kpi puts bytes on disk: one file atomically, or many files as one change.

``write_atomically`` replaces one file: a temporary file beside it (``.kpi-tmp-<name>.<random>``),
synced, then renamed over it, so a crash leaves the old file or the new one, never a mix.

``write_together`` puts a change of many files in place as databases do with a redo log:

1. each new content goes to a temporary file beside its target and is synced;
2. the journal (``.kpi-journal.json`` in the project folder) names every (temporary, target)
   pair; it is written under a temporary name, synced and renamed: the change is committed;
3. each temporary is renamed over its target, the folders synced, and the journal removed.

A process that dies before the journal is in place leaves only temporary files: nothing changed,
and ``recover`` removes them. One that dies after it leaves the journal, and ``recover`` finishes
the renames. Ctrl-C and SIGTERM wait during step 3 (``Committed`` then says the change is in
place). Every name starts with ``.kpi-``, which the project's ``.gitignore`` keeps out of commits.
Windows may refuse a rename while another program holds the file open: it is retried a while.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from kpi.errors import KpiError, fail
from kpi.i18n import _

JOURNAL = ".kpi-journal.json"
TEMPORARY_PREFIX = ".kpi-tmp-"
# Windows refuses to replace a file another program holds open without sharing it for deletion
# (Excel, antivirus scanners, sync clients): ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION or
# ERROR_LOCK_VIOLATION. Such holds are usually brief, so the replace is tried again for a while.
_HELD_OPEN_WINERRORS = frozenset({5, 32, 33})
REPLACE_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.5)  # seconds: about 4 in all


class Committed(KeyboardInterrupt):
    """Ctrl-C or SIGTERM (``signal``) came while a committed change was being put in place: it
    waited, and the change is wholly in place."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal = signal_number


def write_atomically(path: Path, content: str | bytes, *, create_folder: bool = False) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8) atomically, so a crash leaves the old file
    or the new one, never a mix; keeps its mode (new: 0644); the folder must exist unless
    ``create_folder``. Refuses a symbolic link; any failure is a ``KpiError`` naming the file."""
    _check_writable(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary = temporary_beside(path)
    try:
        if create_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_synced(temporary, data, _mode_of(path))
        _replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _as_kpi_error(error, path) from None
        raise


def write_together(root: Path, contents: Mapping[Path, str]) -> None:
    """Put every ``contents`` (path under ``root`` -> text, written as UTF-8) in place as one
    change (see the module's docstring); the caller holds the writer lock. A failure before the
    commit is a ``KpiError`` and leaves every file unchanged and no temporary file."""
    import json

    for path in contents:
        _check_writable(path)
    pending: dict[Path, Path] = {}
    journal = root / JOURNAL
    try:
        for path, text in contents.items():
            temporary = temporary_beside(path)
            pending[temporary] = path
            path.parent.mkdir(parents=True, exist_ok=True)
            write_synced(temporary, text.encode("utf-8"), _mode_of(path))
        for folder in {path.parent for path in contents}:
            sync_folder(folder)
        moves = [
            [t.relative_to(root).as_posix(), p.relative_to(root).as_posix()]
            for t, p in pending.items()
        ]
        staged = temporary_beside(journal)
        pending[staged] = journal
        write_synced(staged, json.dumps({"replace": moves}).encode("utf-8"), 0o644)
        _replace(staged, journal)
        del pending[staged]
        sync_folder(root)
    except BaseException as error:
        for temporary in pending:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError):
            failed = pending.get(Path(error.filename or ""), root)
            raise cannot_write(failed, error, _("nothing was written")) from None
        raise
    _finish(root, list(pending.items()))


def recover(root: Path) -> int:
    """Finish a change a dead writer committed (its journal is there), then remove the temporary
    files of any it had not. Returns how many files the finished change put in place (0: none).
    A journal kpi did not write is a ``KpiError``. The caller holds the writer lock."""
    moves = _journal_moves(root) if (root / JOURNAL).exists() else []
    if moves:
        _finish(root, moves)
    for folder in (root, root / "observations"):
        for stray in _temporaries(folder):
            with contextlib.suppress(OSError):
                os.unlink(stray)
    return len(moves)


def needs_recovery(root: Path, *, strays: bool = False) -> bool:
    """Whether a dead writer left a journal in the project (one ``stat``), or with ``strays``
    any temporary file."""
    if (root / JOURNAL).exists():
        return True
    return strays and any(
        True for folder in (root, root / "observations") for _ in _temporaries(folder)
    )


def temporary_beside(path: Path) -> Path:
    """A new temporary name in ``path``'s folder, ignored by git and by kpi's readers."""
    return path.with_name(f"{TEMPORARY_PREFIX}{path.name}.{os.urandom(4).hex()}")


def write_synced(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (which must not exist) with ``data`` and permissions ``mode`` where the
    system has them, and sync it to disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
    try:
        if hasattr(os, "fchmod"):  # POSIX, and Windows from Python 3.13
            os.fchmod(descriptor, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (POSIX; Windows cannot open a folder to sync it)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _check_writable(path: Path) -> None:
    if path.is_symlink():
        raise fail(_("is a symbolic link; kpi does not write through links"), file=path)
    if path.parent.exists() and not path.parent.is_dir():
        raise fail(_("is not a folder"), file=path.parent, hint=_("move the file away"))


def _mode_of(path: Path) -> int:
    """The permissions ``path`` has (a new file: readable by all, 0644)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644


def _finish(root: Path, moves: list[tuple[Path, Path]]) -> None:
    """Step 3, with Ctrl-C and SIGTERM held back: rename each temporary still there over its
    target, sync the folders, remove the journal; a signal that came is then ``Committed``. A
    failure is a ``KpiError``: the journal stays, and the next ``recover`` finishes the change."""
    with _signals_held() as received:
        try:
            for temporary, target in moves:
                if temporary.exists():
                    _replace(temporary, target)
            for folder in {target.parent for _, target in moves} | {root}:
                sync_folder(folder)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(root / JOURNAL)
        except OSError as error:
            raise fail(
                _("the change was committed but not all in place: {reason}").format(
                    reason=error.strerror or error
                ),
                file=Path(JOURNAL),
                hint=_("free space or close the files, then run any kpi command: it finishes it"),
            ) from None
    if received:
        raise Committed(received[0])


def _journal_moves(root: Path) -> list[tuple[Path, Path]]:
    """The (temporary, target) pairs of the journal: each a temporary of kpi's beside a TOML file
    of the project (a journal from anywhere else, a pull request say, can name nothing else)."""
    import json

    try:
        entries = json.loads((root / JOURNAL).read_bytes())["replace"]
        moves = [(root / temporary, root / target) for temporary, target in entries]
    except (OSError, ValueError, KeyError, TypeError):
        moves = []
    folders = {root.resolve(), (root / "observations").resolve()}
    safe = [
        temporary.name.startswith(TEMPORARY_PREFIX)
        and temporary.parent == target.parent
        and target.parent.resolve() in folders
        and target.suffix == ".toml"
        and not target.name.startswith(".")
        for temporary, target in moves
    ]
    if not moves or not all(safe):
        raise fail(
            _("is not a journal kpi wrote, or is damaged; nothing was changed"),
            file=Path(JOURNAL),
            hint=_("remove it if no kpi command is running, then run the command again"),
        )
    return moves


def _temporaries(folder: Path) -> Iterator[Path]:
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(TEMPORARY_PREFIX):
                yield Path(entry.path)


@contextlib.contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Within the block, Ctrl-C and SIGTERM are only noted, in the list the block is given."""
    received: list[int] = []

    def note(number: int, frame: FrameType | None) -> None:
        received.append(number)

    saved: dict[int, Any] = {}
    with contextlib.suppress(ValueError):  # not the main thread: signals cannot come here
        for name in ("SIGINT", "SIGTERM"):
            number = getattr(signal, name)
            saved[number] = signal.signal(number, note)
    try:
        yield received
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def in_style_of(path: Path, text: str) -> str:
    """``text`` (LF line endings) with the line endings (from its first line) and byte-order mark
    of the file at ``path`` if it exists, so that rewriting a file git checked out with CRLF
    (``core.autocrlf``) changes only the lines whose content changed."""
    try:
        with path.open("rb") as handle:
            first_line = handle.readline(1 << 16)
    except OSError:
        return text
    if first_line.endswith(b"\r\n"):
        text = text.replace("\n", "\r\n")
    return "\ufeff" + text if first_line.startswith(codecs.BOM_UTF8) else text


def _held_open_elsewhere(error: BaseException) -> bool:
    return (
        isinstance(error, PermissionError)
        and getattr(error, "winerror", None) in _HELD_OPEN_WINERRORS
    )


def _replace(temporary: Path, path: Path) -> None:
    """``os.replace(temporary, path)``, retried after each of ``REPLACE_RETRY_DELAYS`` while
    Windows says another program holds ``path`` open; any other error is raised at once."""
    for delay in (*REPLACE_RETRY_DELAYS, None):
        try:
            os.replace(temporary, path)
            return
        except PermissionError as error:
            if delay is None or not _held_open_elsewhere(error):
                raise
            time.sleep(delay)


def _as_kpi_error(error: OSError, path: Path) -> KpiError:
    """The message for ``error``, met writing ``path``: open elsewhere, or cannot be written."""
    if _held_open_elsewhere(error):
        return fail(
            _("is open in another program (Excel, an antivirus or a sync client?)"),
            file=path,
            hint=_("close the file there and run the command again; the file is unchanged"),
        )
    return cannot_write(path, error)


def cannot_write(path: Path, error: OSError, outcome: str | None = None) -> KpiError:
    """The ``KpiError`` for ``path`` that cannot be written because of ``error``; the hint ends
    with ``outcome`` (default: the old file is unchanged)."""
    outcome = outcome or _("the old file is unchanged")
    hint = _("check that the folder is writable and the disk has space; {outcome}")
    return fail(
        _("cannot be written: {reason}").format(reason=error.strerror or error),
        file=path,
        hint=hint.format(outcome=outcome),
    )
