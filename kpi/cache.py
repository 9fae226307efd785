"""What a project's observation files held when kpi last read them and found them valid, so that
reading the project again parses and validates only the files that changed.

People run ``kpi status`` dozens of times a day on files that rarely change; parsing and
validating the files is most of what a large project costs (docs/performance.md). Each
observation file's entry is keyed by a digest of its text: an entry is used only for a file that
holds exactly the same text again, and the checks that depend on ``targets.toml`` (bounds, rates)
still run on what it gives (``kpi.store``). The cache is kpi's own, never the project's data:

- one file per project folder, in the user's cache folder (``cache_folder``), never in the
  project; written atomically, and only entries of files that had no problem at all;
- a cache that is missing, unreadable, damaged (a digest of the whole is checked) or written by
  other code (``fingerprint``: kpi's version and validating modules, the versions of rtoml,
  Pydantic, pydantic-core and Python) is left aside and written anew; a cache that cannot be
  written is no reason to fail;
- off with ``KPI_CACHE=off``, and by default where ``CI`` is set: a CI runner starts with no
  cache, and a cache restored there may come from an untrusted run (``KPI_CACHE=on`` turns it on).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import sys
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from kpi.model import Observation, Revision
from kpi.writing import temporary_beside

FORMAT = 2  # of the cache file: raised whenever what an entry holds changes
_DIGEST_SIZE = 32  # SHA-256
_CODE = ("cache.py", "model.py", "store.py", "text.py", "validate.py")  # what validates a file
_OFF = {"off", "0", "no", "false"}
_ON = {"on", "1", "yes", "true"}

# A file's text digest, its observations' rows, and whether any has revisions.
Entry = tuple[bytes, tuple[tuple[Any, ...], ...], bool]


def cache_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether kpi keeps the cache: ``KPI_CACHE`` (``on``/``off``) when it is one of those, else
    only where ``CI`` is not set (a CI runner starts cold and may restore untrusted caches)."""
    setting = environ.get("KPI_CACHE", "").strip().lower()
    if setting in _ON | _OFF:
        return setting in _ON
    return not environ.get("CI")


def cache_folder(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The folder of kpi's caches: ``KPI_CACHE_DIR``, else the user's cache folder
    (``%LOCALAPPDATA%\\kpi\\Cache`` on Windows, ``~/Library/Caches/kpi`` on macOS,
    ``$XDG_CACHE_HOME/kpi`` or ``~/.cache/kpi`` elsewhere); ``None`` where there is none."""
    if chosen := environ.get("KPI_CACHE_DIR"):
        return Path(chosen)
    if sys.platform == "win32":
        local = environ.get("LOCALAPPDATA")
        return Path(local, "kpi", "Cache") if local else None
    home = environ.get("HOME")
    if sys.platform == "darwin":
        return Path(home, "Library", "Caches", "kpi") if home else None
    if xdg := environ.get("XDG_CACHE_HOME"):
        return Path(xdg, "kpi")
    return Path(home, ".cache", "kpi") if home else None


def fingerprint() -> tuple[Any, ...] | None:
    """What the entries depend on besides the files: the cache's format, kpi's version, the size
    and time of each module that validates a file, and the versions of what parses and validates
    it (rtoml, Pydantic and its core) and of Python (whose ``marshal`` wrote the cache); ``None``
    where a module has no file of its own to look at (an install without sources, a zip)."""
    import pydantic
    import pydantic_core
    import rtoml

    from kpi import __version__

    here = os.path.dirname(__file__)
    modules = []
    for name in _CODE:
        try:
            info = os.stat(os.path.join(here, name))
        except OSError:
            return None
        modules.append((name, info.st_size, info.st_mtime_ns))
    versions = (rtoml.__version__, pydantic.VERSION, pydantic_core.__version__, sys.version)
    return (FORMAT, __version__, versions, tuple(modules))


def text_digest(text: str) -> bytes:
    """The digest an entry is keyed by: SHA-256 of the file's text (which processors compute in
    hardware: the fastest of the standard library's strong digests)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _row(observation: Observation, texts: dict[str, str]) -> tuple[Any, ...]:
    """An observation as plain values (``marshal`` takes no named tuple nor date), each text the
    one of ``texts`` equal to it: ``marshal`` writes a text used again as a reference to it, and
    one source is often that of a whole year's figures."""
    year, value, source, status, series_break, url, note, revisions = observation
    source = texts.setdefault(source, source)
    if url is not None:
        url = texts.setdefault(url, url)
    revision_rows = tuple((*r[:2], r.replaced.toordinal(), *r[3:]) for r in revisions)
    return (year, value, source, status, series_break, url, note, revision_rows)


_new_tuple = tuple.__new__
_unrevised = partial(_new_tuple, Observation)  # a row without revisions, in one call to C


def _observation(row: tuple[Any, ...]) -> Observation:
    if not row[-1]:
        return _unrevised(row)
    revisions = tuple(
        _new_tuple(Revision, (*r[:2], dt.date.fromordinal(r[2]), *r[3:])) for r in row[-1]
    )
    return _new_tuple(Observation, (*row[:-1], revisions))


class ObservationCache:
    """One project's cache file: its entries as read (``open_cache``), given out once each
    (``observations``), and what this read found (``keep``), which ``save`` writes."""

    def __init__(self, path: Path, code: tuple[Any, ...], entries: dict[str, Entry]) -> None:
        self.path = path
        self.code = code
        self._entries = entries  # those not asked for yet
        self._kept: dict[str, tuple[bytes, tuple[Observation, ...]]] = {}
        self._changed = False

    def observations(self, name: str, text: str) -> tuple[Observation, ...] | None:
        """The observations of the file ``name`` when its entry is for this very ``text`` (then
        kept for the next read); ``None`` when it must be parsed and validated (``keep``)."""
        entry = self._entries.pop(name, None)
        if entry is None:
            return None
        digest = text_digest(text)
        if entry[0] != digest:
            return None
        observations = tuple(map(_observation if entry[2] else _unrevised, entry[1]))
        self._kept[name] = (digest, observations)
        return observations

    def keep(self, name: str, text: str, observations: tuple[Observation, ...]) -> None:
        """Remember that the file ``name`` holding ``text`` was valid and gave ``observations``."""
        self._kept[name] = (text_digest(text), observations)
        self._changed = True

    def save(self) -> None:
        """Write the kept entries in place of the file's, atomically, unless they are the file's
        already (every entry given out, none new); a cache that cannot be written is left as it
        is (the read it serves went well)."""
        if not self._changed and not self._entries:
            return
        texts: dict[str, str] = {}
        entries = {
            name: (
                digest,
                tuple([_row(o, texts) for o in observations]),
                any(o.revisions for o in observations),
            )
            for name, (digest, observations) in self._kept.items()
        }
        payload = marshal.dumps((self.code, entries))
        digest = hashlib.sha256(payload).digest()
        with contextlib.suppress(OSError):
            _write(self.path, digest + payload)


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through a temporary file beside it (``temporary_beside``; no
    ``fsync`` and no retry as ``kpi.writing`` does for data: a cache lost in a crash is rebuilt,
    a torn one fails its digest, and one held open elsewhere is written another time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path)
    try:
        with open(temporary, "xb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def cache_path(folder: Path, root: Path) -> Path:
    """The cache file of the project folder ``root`` in ``folder``: named by a digest of the
    folder's real path, so two projects never share one."""
    where = os.path.realpath(root).encode("utf-8", "surrogateescape")
    return folder / f"observations-{hashlib.sha256(where).hexdigest()[:24]}.bin"


def open_cache(root: Path, environ: Mapping[str, str] = os.environ) -> ObservationCache | None:
    """The cache of the project at ``root`` (with no entry when there is no usable cache file);
    ``None`` where the cache is off (``cache_enabled``), there is no cache folder, or no
    ``fingerprint`` of the code."""
    folder = cache_folder(environ) if cache_enabled(environ) else None
    code = fingerprint() if folder is not None else None
    if folder is None or code is None:
        return None
    path = cache_path(folder, root)
    return ObservationCache(path, code, _entries(path, code))


def _entries(path: Path, code: tuple[Any, ...]) -> dict[str, Entry]:
    """The entries of the cache file ``path`` if it is whole and written by this ``code``."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return {}
    payload = memoryview(data)[_DIGEST_SIZE:]  # not a copy: a large project's is megabytes
    if hashlib.sha256(payload).digest() != data[:_DIGEST_SIZE]:
        return {}
    try:
        written_by, entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if written_by != code or not isinstance(entries, dict):
        return {}
    return entries
