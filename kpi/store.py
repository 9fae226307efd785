"""Read and write a project's files: ``targets.toml`` and ``observations/<indicator>.toml``.

Reading validates everything once and reports every problem with its file, line and key.
Writing is atomic (a temporary file in the same folder, fsync, ``os.replace``) and happens under
an exclusive lock on the project's ``.kpi.lock`` (from ``filelock``), so concurrent writers never
lose an update; a replace that Windows refuses while another program holds the file open is
retried briefly before it becomes a clear error.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import rtoml
from pydantic import ValidationError

from kpi.errors import KpiError, Problem, fail
from kpi.field_errors import describe
from kpi.i18n import N_, _, format_number
from kpi.kinds import kind_of
from kpi.locate import KeyPath, LineIndex, dotted_key
from kpi.model import (
    OBSERVATIONS_DIR,
    TARGETS_FILE,
    WINDOWS_DEVICE_NAMES,
    LevelIndicator,
    Observation,
    ObservationsFile,
    Origin,
    Project,
    RateIndicator,
    Revision,
    TargetsFile,
    identifier_problem,
)
from kpi.validate import check_definitions, check_observations, observation_problems

PROJECT_ENV = "KPI_PROJECT"
LOCK_FILE = ".kpi.lock"
LOCK_HOLDER_FILE = ".kpi.lock.holder"
LOCK_TIMEOUT_ENV = "KPI_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0  # seconds a writer waits for another before it gives up


def find_root(explicit: Path | None, environ: Mapping[str, str], cwd: Path) -> Path:
    """Return the project folder: ``explicit``, else ``$KPI_PROJECT``, else the nearest folder
    from ``cwd`` upwards that holds a ``targets.toml``. Raises ``KpiError`` when there is none."""
    chosen = explicit if explicit is not None else environ.get(PROJECT_ENV) or None
    if chosen is not None:
        root = Path(chosen)
        if not (root / TARGETS_FILE).is_file():
            origin = "--project" if explicit is not None else PROJECT_ENV
            message = _("no targets.toml in {folder} (given by {origin})")
            hint = _("point --project at a folder with targets.toml, or create one with `kpi init`")
            raise fail(message.format(folder=root, origin=origin), hint=hint)
        return root
    for folder in (cwd, *cwd.parents):
        if (folder / TARGETS_FILE).is_file():
            return folder
    message = _("no targets.toml found in {folder} or any folder above it")
    hint = _("run kpi inside a project, pass --project DIR, set KPI_PROJECT, or run `kpi init DIR`")
    raise fail(message.format(folder=cwd), hint=hint)


@dataclass
class _Document:
    """One TOML file read from disk; the line index is built only when a problem needs it."""

    display: Path
    text: str
    data: Any
    _index: LineIndex | None = None

    def problem(self, path: KeyPath, message: str) -> Problem:
        if self._index is None:
            self._index = LineIndex(self.text)
        return Problem(message, self.display, self._index.line_of(path), dotted_key(path) or None)


# "(at line 3, column 7)" in tomllib's messages, "at line 3 column 7" in rtoml's.
_TOML_POSITION = re.compile(r"\s*\(?\bat line (\d+),? column \d+\)?")


def read_text(path: Path, display: Path) -> str | Problem:
    """The UTF-8 text of the file at ``path``, byte-order mark dropped, or why it cannot be read
    (file ``display``; the line where it stops being UTF-8, ``None`` when unreadable)."""
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    except OSError as error:
        return Problem(_("cannot be read: {reason}").format(reason=error.strerror), display)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(_("is not UTF-8 text"), display, data[: error.start].count(b"\n") + 1)


def _read_toml(path: Path, display: Path) -> _Document | Problem:
    text = read_text(path, display)
    if isinstance(text, Problem):
        return text
    # rtoml (compiled, TOML 1.1) reads every file: on a large project it is about 8 times faster
    # than the standard library's tomllib (docs/performance.md). tomllib is asked only about a
    # file rtoml refuses: it words the error with its exact line (rtoml's line can be past the
    # mistake) and reads the rare valid file rtoml refuses. Both give the same values.
    try:
        data = rtoml.loads(text)
    except rtoml.TomlParsingError as error:
        refusal = str(error)
        match = _TOML_POSITION.search(refusal)
        if "recurs" in refusal:  # deeper than rtoml's ~80 levels (kpi's files need 5)
            message = _("is not valid TOML: nested too deeply")
            return Problem(message, display, int(match.group(1)) if match else None)
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as reference:
            refusal = str(reference)
            match = _TOML_POSITION.search(refusal)
        except RecursionError:
            return Problem(_("is not valid TOML: nested too deeply"), display)
        except ValueError:  # an integer of over 4,300 digits: keep rtoml's words and line
            pass
        else:
            return _Document(display, text, data)
        reason = _TOML_POSITION.sub("", refusal).strip()
        message = _("is not valid TOML: {reason}").format(reason=reason)
        return Problem(message, display, int(match.group(1)) if match else None)
    return _Document(display, text, data)


def _validation_problems(document: _Document, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        # Drop the discriminator tag Pydantic inserts after an indicator's id.
        if len(loc) >= 3 and loc[0] == "indicators" and loc[2] in ("level", "rate"):
            del loc[2]
        message = describe(item)
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc.append("kind")
        if loc and loc[-1] == "[key]":
            loc.pop()
            message = _("is not a valid identifier: {reason}").format(reason=message)
        problems.append(document.problem(tuple(loc), message))
    return problems


# The key lines of files that have just been validated: a target's ``id = "..."`` (target ids are
# unique in the project; no other table has an ``id``) and an observation's ``year = ...`` (years
# are unique in a file; revisions carry no year). One scan of text already in memory.
_ID_LINE = re.compile(r"""^[ \t]*id[ \t]*=[ \t]*["']([a-z][a-z0-9_]*)["']""", re.MULTILINE)
_YEAR_LINE = re.compile(r"^[ \t]*year[ \t]*=[ \t]*([0-9]{4})\b", re.MULTILINE)


def _key_lines(pattern: re.Pattern[str], text: str) -> dict[str, int]:
    """The first line of each value ``pattern`` captures in ``text``."""
    lines: dict[str, int] = {}
    line, position = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def read_project(root: Path) -> tuple[Project | None, list[Problem]]:
    """The project at ``root``, every file read and validated (``None`` when ``targets.toml`` is
    unusable), and every problem found, naming its file (relative to ``root``), line and key.
    Never raises for bad data; the project carries where each target and observation is written."""
    definition, problems, target_lines = _read_definition(root)
    indicators = definition.indicators if definition is not None else {}
    observations: dict[str, tuple[Observation, ...]] = {key: () for key in indicators}
    origins: dict[str, dict[int, Origin]] = {key: {} for key in indicators}
    folder = root / OBSERVATIONS_DIR
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        display = path.relative_to(root)
        indicator_id = path.stem
        indicator = indicators.get(indicator_id)
        if definition is not None and indicator is None:
            message = _("no indicator {id} is defined in targets.toml")
            problems.append(Problem(message.format(id=repr(indicator_id)), display))
            continue
        observations[indicator_id], found, lines = _read_observation_file(path, display, indicator)
        origins[indicator_id] = {year: Origin(display, line) for year, line in lines.items()}
        problems += found
    if definition is None:
        return None, problems
    targets = {key: Origin(Path(TARGETS_FILE), line) for key, line in target_lines.items()}
    return Project(root, definition, observations, origins, targets), problems


def _read_definition(root: Path) -> tuple[TargetsFile | None, list[Problem], dict[str, int]]:
    """``targets.toml`` validated, its problems, and the line of each target's ``id``."""
    document = _read_toml(root / TARGETS_FILE, Path(TARGETS_FILE))
    if isinstance(document, Problem):
        return None, [document], {}
    try:
        definition = TargetsFile.model_validate(document.data)
    except ValidationError as error:
        return None, _validation_problems(document, error), {}
    problems = [document.problem(path, message) for path, message in check_definitions(definition)]
    return definition, problems, _key_lines(_ID_LINE, document.text)


def _read_observation_file(
    path: Path, display: Path, indicator: LevelIndicator | RateIndicator | None
) -> tuple[tuple[Observation, ...], list[Problem], dict[int, int]]:
    """Read one observation file: its observations by year, every problem in it, and the line
    of each year's ``year`` key. Without ``indicator`` (``targets.toml`` is invalid) the bounds
    and rate checks are left out."""
    document = _read_toml(path, display)
    if isinstance(document, Problem):
        return (), [document], {}
    problems = []
    try:
        observations = ObservationsFile.model_validate(document.data).observations
        numbered = list(enumerate(observations))
    except ValidationError as error:
        problems = _validation_problems(document, error)
        observations = ()
        numbered = _valid_items(document.data)
    bounds = indicator.bounds if indicator is not None else None
    is_rate = indicator is not None and kind_of(indicator).values_are_rates
    findings = check_observations(numbered, bounds, is_rate)
    problems += [document.problem(key, message) for key, message in findings]
    lines = {int(year): line for year, line in _key_lines(_YEAR_LINE, document.text).items()}
    return tuple(sorted(observations, key=lambda o: o.year)), problems, lines


def _valid_items(data: Any) -> list[tuple[int, Observation]]:
    """The observations of a file that failed validation which are valid on their own, with their
    positions, so that the remaining checks can still report on them."""
    items = data.get("observations") if isinstance(data, dict) else None
    valid = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        with contextlib.suppress(ValidationError):
            valid.append((index, Observation.model_validate(item)))
    return valid


def load_project(root: Path) -> Project:
    """Read the project at ``root``; raise ``KpiError`` listing every problem if there is any."""
    project, problems = read_project(root)
    if problems or project is None:
        raise KpiError(problems, hint=_("fix the files above; `kpi validate` lists every problem"))
    return project


def observations_path(root: Path, indicator_id: str) -> Path:
    """``root/observations/<indicator_id>.toml``; a ``KpiError`` for an id that is not an identifier
    (checked before it becomes part of a path, so no input can point outside the folder)."""
    problem = identifier_problem(indicator_id)
    if problem is not None:
        if indicator_id not in WINDOWS_DEVICE_NAMES:
            problem = N_("is not a valid indicator id (a lowercase letter, then a-z, 0-9 or _)")
        raise fail(_(problem), key=repr(indicator_id))
    path = root / OBSERVATIONS_DIR / f"{indicator_id}.toml"
    if not path.resolve().is_relative_to(root.resolve()):
        message = _("leads outside the project (through a symbolic link); kpi does not write there")
        raise fail(message, file=path)
    return path


def _observation_record(observation: Observation) -> dict[str, Any]:
    fields = observation.model_dump(exclude={"revisions"}, exclude_none=True, exclude_defaults=True)
    if observation.revisions:  # a revision keeps its status and series_break even when default
        fields["revisions"] = [r.model_dump(exclude_none=True) for r in observation.revisions]
    return fields


def render_observations(observations: Sequence[Observation]) -> str:
    """Return the TOML text of an observation file, observations sorted by year."""
    import tomli_w

    records = [_observation_record(o) for o in sorted(observations, key=lambda o: o.year)]
    return tomli_w.dumps({"observations": records})


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


def write_atomically(path: Path, content: str | bytes, *, create_folder: bool = False) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8) atomically, so a crash leaves the old file
    or the new one, never a mix; keeps its mode (new: 0644); the folder must exist unless
    ``create_folder``. Refuses a symbolic link; any failure is a ``KpiError`` naming the file."""
    if path.is_symlink():
        raise fail(_("is a symbolic link; kpi does not write through links"), file=path)
    if path.parent.exists() and not path.parent.is_dir():
        raise fail(_("is not a folder"), file=path.parent, hint=_("move the file away"))
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if create_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        if hasattr(os, "fchmod"):  # POSIX, and Windows from Python 3.13 (where it sets read-only)
            os.fchmod(descriptor, mode)  # mkstemp makes the file private (0600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if _held_open_elsewhere(error):
            raise fail(
                _("is open in another program (Excel, an antivirus or a sync client?)"),
                file=path,
                hint=_("close the file there and run the command again; the file is unchanged"),
            ) from None
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from None
        raise


# Windows refuses to replace a file another program holds open without sharing it for deletion
# (Excel, antivirus scanners, sync clients): ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION or
# ERROR_LOCK_VIOLATION. Such holds are usually brief, so the replace is tried again for a while.
_HELD_OPEN_WINERRORS = frozenset({5, 32, 33})
REPLACE_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.5)  # seconds: about 4 in all


def _held_open_elsewhere(error: BaseException) -> bool:
    return (
        isinstance(error, PermissionError)
        and getattr(error, "winerror", None) in _HELD_OPEN_WINERRORS
    )


def _replace(temporary: str, path: Path) -> None:
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


def _cannot_write(path: Path, error: OSError) -> KpiError:
    return fail(
        _("cannot be written: {reason}").format(reason=error.strerror or error),
        file=path,
        hint=_(
            "check that the folder is writable and the disk has space; the old file is unchanged"
        ),
    )


def lock_timeout(environ: Mapping[str, str]) -> float:
    """Seconds a writer waits for the project lock: ``$KPI_LOCK_TIMEOUT`` when it is a number
    of 0 or more, else ``DEFAULT_LOCK_TIMEOUT``."""
    try:
        seconds = float(environ.get(LOCK_TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT
    return seconds if 0 <= seconds < float("inf") else DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def project_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the project's exclusive writer lock (``root/.kpi.lock``, the system's own through
    ``filelock``, so a writer that dies releases it) for the block. Waits at most ``timeout``
    seconds (default ``lock_timeout(os.environ)``), then raises ``KpiError`` naming the holder."""
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
        raise _cannot_write(lock_path, error) from None
    holder = root / LOCK_HOLDER_FILE
    with contextlib.suppress(OSError):
        holder.write_text(_describe_this_process(), encoding="utf-8")
    try:
        yield
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


class Outcome(StrEnum):
    """What recording an observation did."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"


def merge_observation(
    existing: Sequence[Observation], new: Observation, *, replace: bool, today: dt.date
) -> tuple[Outcome, tuple[Observation, ...]]:
    """Merge ``new`` into one indicator's ``existing`` observations: ``UNCHANGED`` if identical to
    what is there, ``ADDED`` for a new year, else ``REPLACED`` with ``replace`` (the old fields move
    into ``revisions``, dated ``today``) or a ``KpiError`` without."""
    for index, old in enumerate(existing):
        if old.year != new.year:
            continue
        if old.same_fields(new):
            return Outcome.UNCHANGED, tuple(existing)
        if not replace:
            raise fail(
                _(
                    "is already recorded as {value} (source: {source}); the new observation differs"
                ).format(value=format_number(old.value, 6), source=old.source),
                key=_("year {year}").format(year=new.year),
                hint=_("pass --replace to replace it (the old value is kept in its revisions)"),
            )
        fields = old.model_dump(exclude={"year", "revisions"})
        revision = Revision.model_validate({**fields, "replaced": today})
        merged = new.model_copy(update={"revisions": (*old.revisions, revision)})
        return Outcome.REPLACED, (*existing[:index], merged, *existing[index + 1 :])
    return Outcome.ADDED, tuple(sorted((*existing, new), key=lambda o: o.year))


@dataclass(frozen=True)
class Change:
    """One observation that ``record_observations`` added, replaced or left unchanged."""

    indicator: str
    observation: Observation
    outcome: Outcome


def record_observations(
    root: Path,
    entries: Sequence[tuple[str, Observation]],
    *,
    replace: bool,
    today: dt.date,
    dry_run: bool = False,
) -> list[Change]:
    """Record ``(indicator id, observation)`` entries into the project at ``root``, all or nothing:
    under the project lock, merge each (``merge_observation``) and write the changed files only if
    none is refused, else raise ``KpiError`` naming each. A ``dry_run`` writes and locks nothing."""
    with contextlib.nullcontext() if dry_run else project_lock(root):
        project = load_project(root)
        merged = {key: tuple(value) for key, value in project.observations.items()}
        changes: list[Change] = []
        problems: list[Problem] = []
        hints: list[str] = []
        for indicator_id, observation in entries:
            path = observations_path(root, indicator_id)
            display = path.relative_to(root)
            indicator = project.indicators.get(indicator_id)
            if indicator is None:
                message = project.unknown_indicator(indicator_id)
                key = f"indicators.{indicator_id}"
                problems.append(Problem(message, Path(TARGETS_FILE), key=key))
                continue
            bad = observation_problems(indicator, observation)
            if bad:
                key = _("year {year}").format(year=observation.year) + ": value"
                problems += [Problem(message, display, key=key) for message in bad]
                continue
            try:
                outcome, merged[indicator_id] = merge_observation(
                    merged[indicator_id], observation, replace=replace, today=today
                )
            except KpiError as error:
                problems += [Problem(p.message, display, key=p.key) for p in error.problems]
                if error.hint and error.hint not in hints:
                    hints.append(error.hint)
                continue
            changes.append(Change(indicator_id, observation, outcome))
        if problems:
            raise KpiError(problems, hint="; ".join([*hints, _("nothing was written")]))
        if not dry_run:
            touched = {c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED}
            for indicator_id in sorted(touched):
                path = observations_path(root, indicator_id)
                text = render_observations(merged[indicator_id])
                write_atomically(path, in_style_of(path, text), create_folder=True)
        return changes
