"""Read and record a project's files: ``targets.toml`` and ``observations/<indicator>.toml``.

Reading validates everything once and reports every problem with its file, line and key; it
reads only regular files of at most ``MAX_FILE_BYTES`` (no pipe, device, loop or link out of the
project). Recording merges observations under the writer lock (``kpi.lock``) and writes the
changed files as one change (``kpi.writing``), so an import is wholly in place or not at all.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import rtoml
from pydantic import ValidationError

from kpi.cache import ObservationCache, open_cache
from kpi.errors import KpiError, Problem, fail
from kpi.field_errors import describe
from kpi.i18n import N_, _, format_number
from kpi.kinds import kind_of
from kpi.locate import KeyPath, LineIndex, dotted_key
from kpi.lock import LOCK_FILE, LOCK_HOLDER_FILE, project_lock
from kpi.model import (
    OBSERVATIONS_DIR,
    TARGETS_FILE,
    WINDOWS_DEVICE_NAMES,
    Indicator,
    LevelIndicator,
    Observation,
    Origin,
    Project,
    RateIndicator,
    Revision,
    TargetsFile,
    identifier_problem,
    observation_from,
    observations_from,
    revision_fields,
)
from kpi.numbers import PLAIN_DECIMAL, PLAIN_YEAR
from kpi.validate import check_definitions, check_observations, observation_problems
from kpi.writing import JOURNAL, in_style_of, write_atomically, write_together

PROJECT_ENV = "KPI_PROJECT"
MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest file kpi reads: far above any project's (10,000 indicators' targets.toml is about
3 MiB), far below what would exhaust memory."""


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


class _Document:
    """One TOML file read from disk; the line index is built only when a problem needs it."""

    __slots__ = ("_index", "data", "display", "text")

    def __init__(self, display: Path, text: str, data: Any) -> None:
        self.display, self.text, self.data = display, text, data
        self._index: LineIndex | None = None

    def problem(self, path: KeyPath, message: str) -> Problem:
        if self._index is None:
            self._index = LineIndex(self.text)
        return Problem(message, self.display, self._index.line_of(path), dotted_key(path) or None)


# "(at line 3, column 7)" in tomllib's messages, "at line 3 column 7" in rtoml's.
_TOML_POSITION = re.compile(r"\s*\(?\bat line (\d+),? column \d+\)?")


def read_text(path: str | Path, display: Path) -> str | Problem:
    """The UTF-8 text of the regular file at ``path`` (at most ``MAX_FILE_BYTES``), byte-order
    mark dropped, or why it cannot be read (file ``display``; the line where it stops being
    UTF-8, ``None`` when unreadable). A pipe or a device is refused without opening it."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            message = _(
                "is not a regular file (a folder, a pipe or a device); kpi reads only files"
            )
            return Problem(message, display)
        if info.st_size > MAX_FILE_BYTES:
            return too_large(display)
        data = _read_at_most(path, MAX_FILE_BYTES + 1, info.st_size + 1)
    except OSError as error:
        return Problem(_("cannot be read: {reason}").format(reason=error.strerror), display)
    return decode_text(data, display)


def _read_at_most(path: str | Path, limit: int, expected: int) -> bytes:
    """The first ``limit`` bytes of the file at ``path`` (all of it when shorter), read with the
    system's calls in pieces of ``expected`` bytes (its size, plus one to see its end), so that no
    buffer is larger than the file: a thousand files cost a fifth of what ``Path.open`` costs."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # O_BINARY: Windows
    try:
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(descriptor, min(left, expected))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def decode_text(data: bytes, display: Path) -> str | Problem:
    """``data`` (a file's bytes) as text, as ``read_text`` reads a file: UTF-8, byte-order mark
    dropped, at most ``MAX_FILE_BYTES``; else why not (file ``display``, line where known)."""
    data = data.removeprefix(codecs.BOM_UTF8)
    if len(data) > MAX_FILE_BYTES:  # a file that grew since its size was read
        return too_large(display)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(_("is not UTF-8 text"), display, data[: error.start].count(b"\n") + 1)


def too_large(display: Path) -> Problem:
    """The problem of the file ``display`` being larger than ``MAX_FILE_BYTES``."""
    message = _("is larger than {size} MiB, more than any kpi file needs; kpi does not read it")
    return Problem(message.format(size=MAX_FILE_BYTES // (1024 * 1024)), display)


def _parse_toml(text: str | Problem, display: Path) -> _Document | Problem:
    """The TOML document of a file's ``text`` (or the problem that kept it from being read)."""
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
        line = int(match.group(1)) if match else _opening_line(text, refusal)
        return Problem(message, display, line)
    return _Document(display, text, data)


# What tomllib finds unclosed "at end of document", and the character that opened it.
_OPENERS = {
    "Unterminated string": '"',
    "Expected \"'": "'",
    "Unclosed array": "[",
    "Unclosed inline": "{",
}


def _opening_line(text: str, refusal: str) -> int | None:
    """The line where what ``refusal`` says is unclosed at the end of ``text`` was opened: the
    last opening character of its kind (nothing after it closes it)."""
    for start, opener in _OPENERS.items():
        if refusal.startswith(start) and opener in text:
            return text.count("\n", 0, text.rindex(opener)) + 1
    return None


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
# are unique in a file; revisions carry no year). One scan of text already in memory; the
# patterns start with their key, so that the scan jumps from one occurrence of it to the next
# (a ``^`` in multi-line mode is tried at every character), and a match counts only where
# nothing but spaces stands before it on its line.
_ID_LINE = re.compile(r"""id[ \t]*=[ \t]*["']([a-z][a-z0-9_]*)["']""")
_YEAR_LINE = re.compile(r"year[ \t]*=[ \t]*([0-9]{4})\b")


def _key_lines(pattern: re.Pattern[str], text: str) -> dict[str, int]:
    """The first line of each value ``pattern`` captures at the start of a line of ``text``
    (after spaces or tabs)."""
    lines: dict[str, int] = {}
    line, position = 1, 0
    count, rfind = text.count, text.rfind  # called once per match: tens of thousands of times
    for match in pattern.finditer(text):
        start = match.start()
        line_start = rfind("\n", 0, start) + 1
        if line_start != start and not text[line_start:start].isspace():
            continue  # inside a line: another key's name, or text
        line += count("\n", position, start)
        position = start
        key = match.group(1)
        if key not in lines:
            lines[key] = line
    return lines


FileText = str | Problem
"""A file's text, or why it cannot be read."""
FileSource = tuple[Path, Callable[[Path], FileText]]
"""An observation file as it is shown (relative to the project), and how to read its text
(called with that path, which problems name)."""


def read_project(root: Path, *, cached: bool = False) -> tuple[Project | None, list[Problem]]:
    """The project at ``root``, every file read and validated (``None`` when ``targets.toml`` is
    unusable), and every problem found, naming its file (relative to ``root``), line and key.
    Never raises for bad data; the project carries where each target and observation is written.
    ``cached``: through kpi's cache where it is on (``kpi.cache``), for the commands that only
    read; a command that writes reads its data afresh."""
    names, folder_problems = _observation_files(root)
    folder, shown = os.path.join(root, OBSERVATIONS_DIR), Path(OBSERVATIONS_DIR)
    # Paths as text to read, one Path per file to show: a large project has thousands of files.
    sources = [(shown / name, partial(read_text, os.path.join(folder, name))) for name in names]
    targets = read_text(root / TARGETS_FILE, Path(TARGETS_FILE))
    cache = open_cache(root) if cached else None
    project, problems = _read_sources(root, targets, sources, folder_problems, cache)
    if cache is not None:
        cache.save()
    return project, problems


def read_project_from(
    root: Path,
    targets: bytes | Problem,
    observations: Mapping[str, bytes | Problem],
    problems: Sequence[Problem] = (),
) -> tuple[Project | None, list[Problem]]:
    """The project whose files' contents are given, read and validated as ``read_project`` reads
    files: ``targets`` is ``targets.toml``'s bytes, ``observations`` the bytes of each file of
    ``observations/`` by name (``is_observation_file``), either one possibly why it cannot be
    read; ``problems`` those met finding the files. The project says it is at ``root``."""
    sources = [
        (Path(OBSERVATIONS_DIR) / name, partial(_given_text, data))
        for name, data in sorted(observations.items())
    ]
    text = _given_text(targets, Path(TARGETS_FILE))
    return _read_sources(root, text, sources, list(problems))


def _given_text(data: bytes | Problem, display: Path) -> FileText:
    return data if isinstance(data, Problem) else decode_text(data, display)


def is_observation_file(name: str) -> bool:
    """Whether kpi reads the file ``name`` of ``observations/``: ``*.toml``, not hidden."""
    return name.endswith(".toml") and not name.startswith(".")


def _read_sources(
    root: Path,
    targets: FileText,
    sources: Sequence[FileSource],
    problems: list[Problem],
    cache: ObservationCache | None = None,
) -> tuple[Project | None, list[Problem]]:
    """``read_project``'s work on the files' texts: ``targets.toml``'s, then each observation
    file's (read only when its indicator is defined), after the ``problems`` of finding them;
    a file whose text the ``cache`` holds is not parsed nor validated again (``kpi.cache``)."""
    definition, found, target_text, indicators = _read_definition(targets)
    problems = found + problems
    observations: dict[str, tuple[Observation, ...]] = {key: () for key in indicators}
    origins: dict[str, Mapping[int, Origin]] = {key: {} for key in indicators}
    for display, read in sources:
        indicator_id = display.name.removesuffix(".toml")
        indicator = indicators.get(indicator_id)
        if definition is not None and indicator is None:
            message = _("no indicator {id} is defined in targets.toml")
            problems.append(Problem(message.format(id=repr(indicator_id)), display))
            continue
        text = read(display)
        if cache is None:
            file_read = _read_observation_file(text, display, indicator)
        else:
            file_read = _read_cached_file(text, display, indicator, cache, indicator_id)
        observations[indicator_id], found, seen = file_read
        # The text is read again if a line is asked for: a large project's texts are megabytes.
        again = partial(_text_again, read, display) if seen else _no_text
        origins[indicator_id] = _Origins(display, again, _YEAR_LINE, int)
        problems += found
    if definition is None:
        return None, problems
    targets_origins = _Origins(Path(TARGETS_FILE), lambda: target_text, _ID_LINE, str)
    return Project(root, definition, observations, origins, targets_origins), problems


K = TypeVar("K", int, str)


def _text_again(read: Callable[[Path], FileText], display: Path) -> str:
    """The text ``read`` gives for ``display`` once more (empty if it now cannot be read)."""
    text = read(display)
    return "" if isinstance(text, Problem) else text


def _no_text() -> str:
    return ""


class _Origins(Mapping[K, Origin]):
    """Where each key of one file is written (each year's observation, or each target's ``id``):
    its ``Origin``, made when it is asked for. The lines are found in the file's text (given by
    ``text``; the lines that start with ``pattern``, its match converted by ``key``) the first
    time one is asked for: a large project has tens of thousands of observations, and most
    commands ask where none is."""

    __slots__ = ("_file", "_found", "_key", "_pattern", "_text")

    def __init__(
        self,
        file: Path,
        text: Callable[[], str],
        pattern: re.Pattern[str],
        key: Callable[[str], K],
    ) -> None:
        self._file, self._text, self._pattern = file, text, pattern
        self._key: Callable[[str], K] = key
        self._found: dict[K, int] | None = None

    @property
    def _lines(self) -> dict[K, int]:
        if self._found is None:
            found = _key_lines(self._pattern, self._text())
            self._found = {self._key(value): line for value, line in found.items()}
            self._text = _no_text  # no longer needed
        return self._found

    def __getitem__(self, key: K) -> Origin:
        return Origin(self._file, self._lines[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _observation_files(root: Path) -> tuple[list[str], list[Problem]]:
    """The names of the ``*.toml`` files of ``observations/``, sorted (none when it is missing),
    or why the folder cannot be read: not a folder, a loop, a dangling link; and each file that is
    a link out of the project (only links are resolved: one folder listing for the rest)."""
    folder = root / OBSERVATIONS_DIR
    display = Path(OBSERVATIONS_DIR)
    try:
        if not stat.S_ISDIR(folder.stat().st_mode):
            return [], [Problem(_("is not a folder"), display)]
        with os.scandir(folder) as listing:
            entries = [e for e in listing if is_observation_file(e.name)]
    except FileNotFoundError:
        if folder.is_symlink():
            return [], [Problem(_("is a symbolic link that leads nowhere"), display)]
        return [], []
    except OSError as error:
        return [], [Problem(_("cannot be read: {reason}").format(reason=error.strerror), display)]
    inside = os.path.realpath(root)
    outside = {
        e.name
        for e in entries
        if e.is_symlink() and not Path(os.path.realpath(e)).is_relative_to(inside)
    }
    message = _("leads outside the project (through a symbolic link); kpi does not read there")
    problems = [Problem(message, display / name) for name in sorted(outside)]
    return sorted(e.name for e in entries if e.name not in outside), problems


def _read_definition(
    text: FileText,
) -> tuple[TargetsFile | None, list[Problem], str, Mapping[str, Indicator]]:
    """``targets.toml`` validated, its problems, its text (where each target's ``id`` line is
    found when asked for), and its indicators; when it is invalid, the indicators that are valid
    on their own, so that their observation files are still checked in full (one run reports
    every problem)."""
    document = _parse_toml(text, Path(TARGETS_FILE))
    if isinstance(document, Problem):
        return None, [document], "", {}
    try:
        definition = TargetsFile.model_validate(document.data)
    except ValidationError as error:
        return None, _validation_problems(document, error), "", _valid_indicators(document.data)
    problems = [document.problem(path, message) for path, message in check_definitions(definition)]
    return definition, problems, document.text, definition.indicators


def _valid_indicators(data: Any) -> dict[str, Indicator]:
    """The indicators of an invalid ``targets.toml`` that are valid on their own."""
    tables = data.get("indicators") if isinstance(data, dict) else None
    valid = {}
    for key, table in tables.items() if isinstance(tables, dict) else ():
        with contextlib.suppress(ValidationError):
            alone = TargetsFile.model_validate(
                {"project": {"name": "-"}, "indicators": {key: table}}
            )
            valid.update(alone.indicators)
    return valid


ObservationFile = tuple[tuple[Observation, ...], list[Problem], str]


def _read_cached_file(
    text: FileText,
    display: Path,
    indicator: LevelIndicator | RateIndicator | None,
    cache: ObservationCache,
    name: str,
) -> ObservationFile:
    """``_read_observation_file``, but the observations of a ``text`` the ``cache`` holds (as the
    file ``name``) come from it, only the checks that depend on ``indicator`` run again; those of
    a file found valid are kept in it."""
    if isinstance(text, str) and (cached := cache.observations(name, text)) is not None:
        document = _Document(display, text, None)
        findings = check_observations(enumerate(cached), *_indicator_checks(indicator))
        return cached, [document.problem(key, message) for key, message in findings], text
    observations, problems, seen = _read_observation_file(text, display, indicator)
    if not problems and seen:
        cache.keep(name, seen, observations)
    return observations, problems, seen


def _read_observation_file(
    text: FileText,
    display: Path,
    indicator: LevelIndicator | RateIndicator | None,
) -> ObservationFile:
    """One observation file's ``text``: its observations by year, every problem in it, and the
    text that was read (empty when it could not be: then no line of it is looked for).
    Without ``indicator`` (``targets.toml`` is invalid) the bounds and rate checks are left out."""
    document = _parse_toml(text, display)
    if isinstance(document, Problem):
        return (), [document], ""
    problems = []
    try:
        observations = observations_from(document.data)
        numbered = list(enumerate(observations))
    except ValidationError as error:
        problems = _validation_problems(document, error)
        observations = ()
        numbered = _valid_items(document.data)
    findings = check_observations(numbered, *_indicator_checks(indicator))
    problems += [document.problem(key, message) for key, message in findings]
    located = {(problem.line, problem.key) for problem in problems}
    problems += [p for p in _number_problems(document) if (p.line, p.key) not in located]
    return tuple(sorted(observations, key=_BY_YEAR)), problems, document.text


_BY_YEAR = attrgetter("year")


def _indicator_checks(
    indicator: LevelIndicator | RateIndicator | None,
) -> tuple[Sequence[float] | None, bool]:
    """The bounds of ``indicator``'s values and whether they are rates (``check_observations``);
    none of either without it (``targets.toml`` is invalid)."""
    if indicator is None:
        return None, False
    return indicator.bounds, kind_of(indicator).values_are_rates


# TOML reads 44_4 as 444 and 0x10 as 16; kpi takes only plain numbers (kpi.numbers), in files as
# on the command line. A number-like literal on a ``year =`` or ``value =`` line is checked.
_NUMBER_LINE = re.compile(r"[ \t]*(year|value)[ \t]*=[ \t]*([+-]?(?:0[xob])?[0-9][\w.+-]*)")
_TABLE_LINE = re.compile(r"[ \t]*\[\[[ \t]*observations[ \t]*(\.[ \t]*revisions[ \t]*)?\]\]")


# The only number-like literals the models would take that are not plain: digit separators and
# hexadecimal, octal or binary integers (inf, nan and 2020.0 as a year the models refuse).
# Searched first over the whole text, so that a file without them costs one regex scan.
_SUSPECT_NUMBER = re.compile(
    r"^[ \t]*(?:year|value)[ \t]*=[ \t]*[+-]?(?:0[xob]|[0-9][\w.+-]*_)", re.MULTILINE
)


# What every match of ``_SUSPECT_NUMBER`` in a file TOML reads holds, looked for first: a digit
# separator is followed by a digit (``1_000``; ``_`` alone is in every ``series_break``), looked
# for only where ``str.find`` sees a ``_``; else a radix prefix (``0`` is common in numbers: a
# regular expression finds it fastest).
_SEPARATOR = re.compile("_[0-9]")
_RADIX_PREFIX = re.compile("0[xob]")


def _number_problems(document: _Document) -> list[Problem]:
    """Each ``year`` or ``value`` of an observation (or revision) not written as a plain number."""
    text = document.text
    separated = "_" in text and _SEPARATOR.search(text) is not None
    suspect = separated or _RADIX_PREFIX.search(text) is not None
    if not suspect or _SUSPECT_NUMBER.search(text) is None:
        return []
    problems: list[Problem] = []
    where = ""
    observation = revision = -1
    for number, line in enumerate(document.text.splitlines(), start=1):
        table = _TABLE_LINE.match(line)
        if table is not None:
            revision = revision + 1 if table.group(1) else -1
            observation += 0 if table.group(1) else 1
            where = f"observations[{observation}]"
            where += f".revisions[{revision}]" if revision >= 0 else ""
            continue
        found = _NUMBER_LINE.match(line)
        if found is None or not where:
            continue
        key, literal = found.groups()
        if (PLAIN_YEAR if key == "year" else PLAIN_DECIMAL).fullmatch(literal) is None:
            message = _("{value} is not written as a plain number (no '_', no 0x, 0o or 0b)")
            shown = message.format(value=literal)
            problems.append(Problem(shown, document.display, number, f"{where}.{key}"))
    return problems


def _valid_items(data: Any) -> list[tuple[int, Observation]]:
    """The observations of a file that failed validation which are valid on their own, with their
    positions, so that the remaining checks can still report on them."""
    items = data.get("observations") if isinstance(data, dict) else None
    valid = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        with contextlib.suppress(ValidationError):
            valid.append((index, observation_from(item)))
    return valid


def load_project(root: Path, *, cached: bool = False) -> Project:
    """Read the project at ``root`` (``cached``: as ``read_project`` says); raise ``KpiError``
    listing every problem if there is any."""
    project, problems = read_project(root, cached=cached)
    if problems or project is None:
        raise KpiError(problems, hint=_("fix the files above; `kpi validate` lists every problem"))
    return project


def refuse_data_path(root: Path, path: Path) -> None:
    """Raise ``KpiError`` when writing an output to ``path`` would replace the data of the project
    at ``root``: its ``targets.toml``, anything under ``observations/``, or kpi's own files."""
    # normcase: Windows' file names ignore case (TARGETS.TOML is targets.toml there)
    target = Path(os.path.normcase(os.path.realpath(path)))
    folder = Path(os.path.normcase(os.path.realpath(root)))
    own = target.name in (TARGETS_FILE, LOCK_FILE, LOCK_HOLDER_FILE, JOURNAL)
    if (own and target.parent == folder) or target.is_relative_to(folder / OBSERVATIONS_DIR):
        raise fail(
            _("is part of the project's data (targets.toml, observations/, kpi's own files)"),
            file=path,
            hint=_("write the output to another file; nothing was written"),
        )


def observations_path(root: Path, indicator_id: str) -> Path:
    """``root/observations/<indicator_id>.toml``; a ``KpiError`` for an id that is not an identifier
    (checked before it becomes part of a path, so no input can point outside the folder)."""
    problem = identifier_problem(indicator_id)
    if problem is not None:
        if indicator_id not in WINDOWS_DEVICE_NAMES:
            problem = N_("is not a valid indicator id (a lowercase letter, then a-z, 0-9 or _)")
        raise fail(_(problem), key=repr(indicator_id))
    path = root / OBSERVATIONS_DIR / f"{indicator_id}.toml"
    if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root)):
        message = _("leads outside the project (through a symbolic link); kpi does not write there")
        raise fail(message, file=path)
    return path


_DEFAULTS = Observation._field_defaults


def _observation_record(observation: Observation) -> dict[str, Any]:
    """The table written for ``observation``: no key at its default (an absent url is ``None``)."""
    fields = {
        key: value
        for key, value in observation.fields(revisions=False).items()
        if key not in _DEFAULTS or value != _DEFAULTS[key]
    }
    if observation.revisions:  # a revision keeps its status and series_break even when default
        fields["revisions"] = [
            {key: value for key, value in revision_fields(r).items() if value is not None}
            for r in observation.revisions
        ]
    return fields


def render_observations(observations: Sequence[Observation]) -> str:
    """Return the TOML text of an observation file, observations sorted by year."""
    import tomli_w

    records = [_observation_record(o) for o in sorted(observations, key=lambda o: o.year)]
    return tomli_w.dumps({"observations": records})


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
        fields = old.fields(revisions=False)
        del fields["year"]
        revision = Revision(**fields, replaced=today)
        merged = new._replace(revisions=(*old.revisions, revision))
        return Outcome.REPLACED, (*existing[:index], merged, *existing[index + 1 :])
    return Outcome.ADDED, tuple(sorted((*existing, new), key=lambda o: o.year))


class Change(NamedTuple):
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
        touched = sorted({c.indicator for c in changes if c.outcome is not Outcome.UNCHANGED})
        contents = {}
        for indicator_id in touched if not dry_run else ():
            path = observations_path(root, indicator_id)
            contents[path] = in_style_of(path, render_observations(merged[indicator_id]))
        if len(contents) == 1:
            [(path, text)] = contents.items()
            write_atomically(path, text, create_folder=True)
        elif contents:
            write_together(root, contents)
        return changes


# A TOML string, so that a '#' inside one is not taken for a comment.
_TOML_STRING = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')


def comment_lines(path: Path) -> int:
    """How many lines of the TOML file at ``path`` hold a comment (0 when it cannot be read):
    kpi writes its files from their data, so rewriting one drops them."""
    text = read_text(path, path) if path.exists() else ""
    if isinstance(text, Problem):
        return 0
    return sum("#" in line for line in _TOML_STRING.sub("", text).splitlines())
