"""``kpi import``: observations in long format, one row per indicator and year.

Import reads CSV (UTF-8, with or without a byte-order mark, comma-separated, header first) or
JSON (a list of objects, or the ``{"observations": [...]}`` object that ``export --format json``
writes), with the columns/keys ``COLUMNS``: ``indicator, year, value, source`` are required,
``status, series_break, url, note`` optional (an empty cell or ``null`` means absent); any other
column or key is an error. ``plan_import`` validates every row before anything is written and
reports every bad row with its line and column, so an import is all or nothing.

The columns are those ``kpi export --format csv`` writes (``kpi.render.export``), so an export
imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kpi.errors import KpiError, Problem
from kpi.i18n import N_, _, language
from kpi.model import (
    MAX_YEAR,
    MIN_YEAR,
    OBSERVATION_COLUMNS,
    Observation,
    ObservationStatus,
    Project,
    is_identifier,
)
from kpi.validate import observation_problems

COLUMNS = OBSERVATION_COLUMNS
REQUIRED_COLUMNS = COLUMNS[:4]
_STATUSES: dict[Any, ObservationStatus] = {"A": "A", "E": "E", "P": "P", "F": "F"}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_NON_FINITE = frozenset({"nan", "inf", "infinity"})


def exact_number(value: float) -> str:
    """``value`` unrounded (its ``repr``, as export writes it) for a message to people: with a
    decimal comma in Vietnamese (``45,12``)."""
    text = repr(value)
    return text.replace(".", ",") if language() == "vi" else text


def _join(prefix: str, column: str) -> str | None:
    return ".".join(part for part in (prefix, column) if part) or None


@dataclass(frozen=True)
class ImportRow:
    """One good row of an import file: the observation for ``indicator``, and where it was read.

    ``line`` is the 1-based line of the row (CSV: its first physical line; JSON: the line where
    its object starts; ``None`` when unknown); ``key`` is ``""`` for CSV, the object's index for
    JSON (``[3]`` or ``observations[3]``).
    """

    indicator: str
    observation: Observation
    file: Path
    line: int | None
    key: str = ""

    @property
    def label(self) -> str:
        """Where the row is, for people: ``data.csv:3`` or ``data.json:12 observations[3]``."""
        where = str(self.file) if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.key}" if self.key else where

    def problem(self, column: str, message: str) -> Problem:
        """A problem with this row's ``column`` (or the whole row when ``column`` is empty)."""
        return Problem(message, self.file, self.line, _join(self.key, column))


# --------------------------------------------------------------------------------------- import


class _Row:
    """A row being read: where it is and the problems found so far."""

    def __init__(self, file: Path, line: int | None, key: str = "") -> None:
        self.file = file
        self.line = line
        self.key = key
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, self.line, _join(self.key, column)))


def _year_in_range(row: _Row, year: int) -> int | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = _("{year} is not a year from {first} to {last}")
        row.problem("year", message.format(year=year, first=MIN_YEAR, last=MAX_YEAR))
        return None
    return year


def _finite(row: _Row, value: float, shown: str) -> float | None:
    if not math.isfinite(value):
        row.problem("value", _("{value} is not a finite number").format(value=shown))
        return None
    return value


def _csv_year(row: _Row, cell: str) -> int | None:
    text = cell.strip()
    if not _INTEGER.fullmatch(text):
        row.problem("year", _(_NOT_A_YEAR).format(value=repr(cell)))
        return None
    return _year_in_range(row, int(text))


def _csv_value(row: _Row, cell: str) -> float | None:
    text = cell.strip()
    if text.lower().lstrip("+-") in _NON_FINITE:
        row.problem("value", _("{value} is not a finite number").format(value=repr(cell)))
        return None
    if not _DECIMAL.fullmatch(text):
        message = (
            _("{value} is not a number (use '.' for decimals, e.g. 45.12)")
            if _DECIMAL.fullmatch(text.replace(",", "."))
            else _("{value} is not a number")
        )
        row.problem("value", message.format(value=repr(cell)))
        return None
    return _finite(row, float(text), repr(cell))


def _csv_status(row: _Row, cell: str) -> ObservationStatus | None:
    status = _STATUSES.get(cell.strip() or "A")
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or leave it empty)")
        row.problem("status", message.format(value=repr(cell)))
    return status


def _csv_series_break(row: _Row, cell: str) -> bool | None:
    text = cell.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    message = _("{value} is not true/false, yes/no, 1/0 or empty")
    row.problem("series_break", message.format(value=repr(cell)))
    return None


_EMPTY = {
    "indicator": N_("is empty"),
    "source": N_("is empty; every observation names its source"),
}
_NOT_A_YEAR = N_("{value} is not a whole number (a year such as 2024)")


def _csv_text(row: _Row, column: str, cell: str) -> str | None:
    if not cell.strip():
        if column in _EMPTY:
            row.problem(column, _(_EMPTY[column]))
        return None
    return cell


def _json_year(row: _Row, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        row.problem("year", _(_NOT_A_YEAR).format(value=json.dumps(value)))
        return None
    return _year_in_range(row, value)


def _json_value(row: _Row, value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        row.problem("value", _("{value} is not a number").format(value=json.dumps(value)))
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    return _finite(row, number, json.dumps(value))


def _json_status(row: _Row, value: Any) -> ObservationStatus | None:
    status = (
        _STATUSES.get("A" if value is None else value) if isinstance(value, str | None) else None
    )
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or null)")
        row.problem("status", message.format(value=json.dumps(value)))
    return status


def _json_series_break(row: _Row, value: Any) -> bool | None:
    if value is None:
        return False
    if not isinstance(value, bool):
        message = _("{value} is not true, false or null")
        row.problem("series_break", message.format(value=json.dumps(value)))
        return None
    return value


def _json_text(row: _Row, column: str, value: Any) -> str | None:
    if value is None or value == "":
        if column in _EMPTY:
            row.problem(column, _(_EMPTY[column]))
        return None
    if not isinstance(value, str):
        row.problem(column, _("{value} is not text").format(value=json.dumps(value)))
        return None
    return value


@dataclass(frozen=True)
class _Readers:
    year: Callable[[_Row, Any], int | None]
    value: Callable[[_Row, Any], float | None]
    status: Callable[[_Row, Any], ObservationStatus | None]
    series_break: Callable[[_Row, Any], bool | None]
    text: Callable[[_Row, str, Any], str | None]


_CSV = _Readers(_csv_year, _csv_value, _csv_status, _csv_series_break, _csv_text)
_JSON = _Readers(_json_year, _json_value, _json_status, _json_series_break, _json_text)


def _build_row(row: _Row, fields: Mapping[str, Any], readers: _Readers) -> ImportRow | None:
    """Turn one row's fields into an ``ImportRow``, or record its problems on ``row``.

    ``fields`` holds the row's columns (CSV cells or JSON values); an optional one may be absent.
    """
    for column in REQUIRED_COLUMNS:
        if column not in fields:
            row.problem(column, _("is required"))
    indicator = (
        readers.text(row, "indicator", fields["indicator"]) if "indicator" in fields else None
    )
    if indicator is not None and not is_identifier(indicator):
        message = _("{indicator} is not a valid indicator id")
        row.problem("indicator", message.format(indicator=repr(indicator)))
    year = readers.year(row, fields["year"]) if "year" in fields else None
    value = readers.value(row, fields["value"]) if "value" in fields else None
    source = readers.text(row, "source", fields["source"]) if "source" in fields else None
    status = readers.status(row, fields.get("status"))
    series_break = readers.series_break(row, fields.get("series_break"))
    url = readers.text(row, "url", fields.get("url"))
    note = readers.text(row, "note", fields.get("note"))
    if (
        row.problems
        or indicator is None
        or year is None
        or value is None
        or source is None
        or status is None
        or series_break is None
    ):
        return None
    try:
        observation = Observation(
            year=year, value=value, status=status, series_break=series_break, source=source,
            url=url, note=note,
        )  # fmt: skip
    except ValidationError as error:  # not expected: every field was checked above
        for item in error.errors(include_url=False):
            row.problem(".".join(str(part) for part in item["loc"]), str(item["msg"]))
        return None
    return ImportRow(indicator, observation, row.file, row.line, row.key)


def _decode(data: bytes, display: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise KpiError(
            Problem(_("is not UTF-8 text"), display, line),
            hint=_("save the file as UTF-8 (in a spreadsheet: CSV UTF-8)"),
        ) from None


def _csv_header(cells: list[str], display: Path) -> list[Problem]:
    problems = []
    names = [cell.strip() for cell in cells]
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        message = _("has no commas in its header: kpi reads comma-separated values")
        return [Problem(message, display, 1)]
    for index, name in enumerate(names):
        if not name:
            message = _("has no name in the header; remove empty columns")
            column = _("column {number}").format(number=index + 1)
            problems.append(Problem(message, display, 1, column))
        elif name not in COLUMNS:
            message = _("unknown column (the columns are: {columns})").format(
                columns=", ".join(COLUMNS)
            )
            problems.append(Problem(message, display, 1, name))
        elif names.index(name) != index:
            problems.append(Problem(_("appears twice in the header"), display, 1, name))
    problems += [
        Problem(_("required column is missing from the header"), display, 1, column)
        for column in REQUIRED_COLUMNS
        if column not in names
    ]
    return problems


def _csv_rows(text: str, display: Path) -> tuple[list[ImportRow], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            message = _("has no header: the first line must name the columns, e.g. {columns}")
            message = message.format(columns=",".join(REQUIRED_COLUMNS))
            return [], [Problem(message, display, 1)]
        problems = _csv_header(header, display)
        if problems:
            return [], problems
        names = [cell.strip() for cell in header]
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not cells or not any(cell.strip() for cell in cells):
                continue
            row = _Row(display, line)
            if len(cells) != len(names):
                message = _("has {cells} cells but the header has {columns} columns")
                row.problem("", message.format(cells=len(cells), columns=len(names)))
            else:
                fields = dict.fromkeys(COLUMNS[len(REQUIRED_COLUMNS) :], "")
                fields.update(zip(names, cells, strict=True))
                built = _build_row(row, fields, _CSV)
                if built is not None:
                    rows.append(built)
            problems += row.problems
    except csv.Error as error:
        message = _("is not valid CSV: {error}").format(error=error)
        problems.append(Problem(message, display, reader.line_num))
    return rows, problems


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _array_offsets(text: str, start: int) -> list[int]:
    """Offsets of the elements of the (valid) JSON array that opens at ``text[start]``."""
    decoder = json.JSONDecoder()
    offsets = []
    index = _skip_space(text, start + 1)
    while index < len(text) and text[index] != "]":
        offsets.append(index)
        _, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
    return offsets


def _member_offset(text: str, start: int, wanted: str) -> int | None:
    """Offset of the value of key ``wanted`` in the (valid) JSON object opening at ``start``."""
    decoder = json.JSONDecoder()
    index = _skip_space(text, start + 1)
    found = None
    while index < len(text) and text[index] == '"':
        key, index = decoder.raw_decode(text, index)
        index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
        if key == wanted:
            found = index
        _, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
    return found


def _json_rows(text: str, display: Path) -> tuple[list[ImportRow], list[Problem]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        message = _("is not valid JSON: {error}").format(error=error.msg)
        return [], [Problem(message, display, error.lineno)]
    except RecursionError:
        return [], [Problem(_("is not valid JSON: nested too deeply"), display)]
    start = _skip_space(text, 0)
    prefix = ""
    if isinstance(document, dict):
        extra = [key for key in document if key != "observations"]
        if extra:
            message = _("unknown key (the object holds only 'observations')")
            return [], [Problem(message, display, 1, key) for key in extra]
        if not isinstance(document.get("observations"), list):
            message = _("must be a list of observation objects")
            return [], [Problem(message, display, 1, "observations")]
        items: list[Any] = document["observations"]
        member = _member_offset(text, start, "observations")
        offsets = _array_offsets(text, member) if member is not None else []
        prefix = "observations"
    elif isinstance(document, list):
        items = document
        offsets = _array_offsets(text, start)
    else:
        return [], [
            Problem(
                _(
                    "must be a list of observation objects, or an object "
                    '{"observations": [...]} as `kpi export --format json` writes'
                ),
                display,
                1,
            )
        ]
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        line = text.count("\n", 0, offsets[index]) + 1 if index < len(offsets) else None
        row = _Row(display, line, f"{prefix}[{index}]")
        if not isinstance(item, dict):
            message = _("is not an object with the keys {keys}")
            row.problem("", message.format(keys=", ".join(COLUMNS)))
        else:
            for key in item:
                if key not in COLUMNS:
                    message = _("unknown key (the keys are: {keys})")
                    row.problem(key, message.format(keys=", ".join(COLUMNS)))
            built = _build_row(row, item, _JSON)
            if built is not None:
                rows.append(built)
        problems += row.problems
    return rows, problems


def read_import_file(
    path: Path, display: Path | None = None
) -> tuple[list[ImportRow], list[Problem]]:
    """Read the import file at ``path`` (``.csv`` or ``.json``, chosen by extension).

    Returns the good rows and a problem for every bad one (file ``display``, default ``path``;
    line; column or key). Raises ``KpiError`` when the file cannot be read or decoded at all.
    """
    shown = display if display is not None else path
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        message = (
            _("has the extension {extension}; kpi imports .csv or .json").format(
                extension=repr(path.suffix)
            )
            if path.suffix
            else _("has the extension '(none)'; kpi imports .csv or .json")
        )
        raise KpiError(
            Problem(message, shown), hint=_("name the file *.csv (CSV) or *.json (JSON)")
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        message = _("cannot be read: {reason}").format(reason=error.strerror)
        raise KpiError(Problem(message, shown)) from None
    text = _decode(data, shown)
    return _csv_rows(text, shown) if suffix == ".csv" else _json_rows(text, shown)


def _check_against_project(
    project: Project, rows: Sequence[ImportRow], replace: bool
) -> tuple[list[ImportRow], list[Problem], bool]:
    """Check rows against the project: known indicator, bounds, duplicates in the file, and
    (without ``replace``) differences from recorded years. Identical repeats are dropped.

    Returns the rows to record, the problems, and whether any problem is a recorded year."""
    kept: list[ImportRow] = []
    problems: list[Problem] = []
    conflict = False
    first: dict[tuple[str, int], ImportRow] = {}
    for row in rows:
        observation = row.observation
        indicator = project.indicators.get(row.indicator)
        if indicator is None:
            problems.append(row.problem("indicator", project.unknown_indicator(row.indicator)))
            continue
        bad = observation_problems(indicator, observation)
        problems += [row.problem("value", message) for message in bad]
        seen = first.setdefault((row.indicator, observation.year), row)
        if seen is not row:
            if not seen.observation.same_fields(observation):
                message = _(
                    "{indicator} {year} is already given by {where} with different content; "
                    "keep one row"
                ).format(indicator=row.indicator, year=observation.year, where=seen.label)
                problems.append(row.problem("year", message))
            continue
        if bad:
            continue
        recorded = [
            o for o in project.observations.get(row.indicator, ()) if o.year == observation.year
        ]
        if not replace and recorded and not recorded[0].same_fields(observation):
            conflict = True
            message = _(
                "{indicator} {year} is already recorded as {value} (source: {source}); "
                "this row differs"
            ).format(
                indicator=row.indicator,
                year=observation.year,
                value=exact_number(recorded[0].value),
                source=recorded[0].source,
            )
            problems.append(row.problem("value", message))
        kept.append(row)
    return kept, problems, conflict


def plan_import(
    path: Path, project: Project, *, replace: bool, display: Path | None = None
) -> list[ImportRow]:
    """Read and validate the import file at ``path`` against ``project``, all rows at once.

    Returns the rows to record (identical repeated rows once), in file order. Raises
    ``KpiError`` naming every bad row (line, column or key, reason); then nothing should be
    written. Recorded years that differ are bad rows unless ``replace``.
    """
    rows, problems = read_import_file(path, display)
    kept, more, conflict = _check_against_project(project, rows, replace)
    problems = sorted(problems + more, key=lambda p: p.line if p.line is not None else 0)
    if problems:
        hint = (
            _(
                "{count} problem(s); nothing was written; pass --replace to replace recorded "
                "years (old values are kept in revisions)"
            )
            if conflict
            else _("{count} problem(s); nothing was written")
        ).format(count=len(problems))
        raise KpiError(problems, hint=hint)
    return kept


__all__ = [
    "COLUMNS",
    "ImportRow",
    "exact_number",
    "plan_import",
    "read_import_file",
]
