"""``kpi import``: observations in long format, one row per indicator and year.

CSV is UTF-8 (a byte-order mark allowed), comma-separated, header first; JSON is a list of
objects or the ``{"observations": [...]}`` object that ``export --format json`` writes. The
columns/keys are ``COLUMNS``, those ``kpi export --format csv`` writes, so an export imports back:
``indicator, year, value, source`` required, the others optional (an empty cell or ``null`` is
absent), any other an error. ``plan_import`` checks every row before anything is written and
reports every bad one with its line and column, so an import is all or nothing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kpi.errors import KpiError, Problem
from kpi.field_errors import describe
from kpi.i18n import N_, _, language
from kpi.model import MAX_YEAR, MIN_YEAR, Observation, ObservationStatus, Project, is_identifier
from kpi.model import OBSERVATION_COLUMNS as COLUMNS
from kpi.numbers import magnitude_problem, parse_value, parse_year
from kpi.store import read_text
from kpi.text import FORMULA_GUARD, FORMULA_STARTS
from kpi.validate import observation_problems

REQUIRED_COLUMNS = COLUMNS[:4]
_STATUSES: dict[Any, ObservationStatus] = {"A": "A", "E": "E", "P": "P", "F": "F"}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_NOT_A_YEAR = N_("{value} is not a whole number (a year such as 2024)")
_EMPTY = {
    "indicator": N_("is empty"),
    "source": N_("is empty; every observation names its source"),
}


def exact_number(value: float) -> str:
    """``value`` unrounded (its ``repr``, as export writes it) for a message to people: with a
    decimal comma in Vietnamese (``45,12``)."""
    text = repr(value)
    return text.replace(".", ",") if language() == "vi" else text


def _join(prefix: str, column: str) -> str | None:
    return ".".join(part for part in (prefix, column) if part) or None


@dataclass(frozen=True)
class ImportRow:
    """One good row of an import file: the observation for ``indicator`` and where it was read:
    its 1-based ``line`` (CSV: the row's first line; JSON: where its object starts; ``None``:
    unknown) and ``key`` (``""`` for CSV; for JSON the object's index, ``observations[3]``)."""

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


class _Row:
    """A row being read: where it is and the problems found so far."""

    def __init__(self, file: Path, line: int | None, key: str = "") -> None:
        self.file = file
        self.line = line
        self.key = key
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, self.line, _join(self.key, column)))


class _Unreadable(Exception):
    """A cell that cannot be read; the message says why, for people."""


def _year_in_range(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = _("{year} is not a year from {first} to {last}")
        raise _Unreadable(message.format(year=year, first=MIN_YEAR, last=MAX_YEAR))
    return year


def _finite(value: float, shown: str) -> float:
    if not math.isfinite(value):
        raise _Unreadable(_("{value} is not a finite number").format(value=shown))
    if magnitude_problem(value) is not None:
        raise _Unreadable(f"{shown} {magnitude_problem(value)}")
    return value


def _csv_year(cell: str) -> int:
    try:
        return _year_in_range(parse_year(cell))
    except ValueError as error:
        raise _Unreadable(str(error)) from None


def _csv_value(cell: str) -> float:
    try:
        return parse_value(cell)
    except ValueError as error:
        raise _Unreadable(str(error)) from None


def _csv_status(cell: str) -> ObservationStatus:
    status = _STATUSES.get(cell.strip() or "A")
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or leave it empty)")
        raise _Unreadable(message.format(value=repr(cell)))
    return status


def _csv_series_break(cell: str) -> bool:
    text = cell.strip().lower()
    if text not in _TRUE | _FALSE:
        message = _("{value} is not true/false, yes/no, 1/0 or empty")
        raise _Unreadable(message.format(value=repr(cell)))
    return text in _TRUE


def _csv_text(cell: str) -> str | None:
    if cell.startswith(FORMULA_GUARD) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell if cell.strip() else None


def _json_year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unreadable(_(_NOT_A_YEAR).format(value=json.dumps(value)))
    return _year_in_range(value)


def _json_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unreadable(_("{value} is not a number").format(value=json.dumps(value)))
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    return _finite(number, json.dumps(value))


def _json_integer(digits: str) -> int | float:
    """A JSON integer, as a float (which cannot be a year) beyond 30 digits: Python refuses to
    convert more than 4,300 digits to an integer."""
    return int(digits) if len(digits) <= 30 else float(digits)


def _json_status(value: Any) -> ObservationStatus:
    status = (
        _STATUSES.get("A" if value is None else value) if isinstance(value, str | None) else None
    )
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or null)")
        raise _Unreadable(message.format(value=json.dumps(value)))
    return status


def _json_series_break(value: Any) -> bool:
    if value is not None and not isinstance(value, bool):
        message = _("{value} is not true, false or null")
        raise _Unreadable(message.format(value=json.dumps(value)))
    return value is True


def _json_text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _Unreadable(_("{value} is not text").format(value=json.dumps(value)))
    return value or None


@dataclass(frozen=True)
class _Readers:
    """One format's readers: each returns the cell's value (``None``: absent) or raises
    ``_Unreadable``; the columns other than these four are text."""

    year: Callable[[Any], int]
    value: Callable[[Any], float]
    status: Callable[[Any], ObservationStatus]
    series_break: Callable[[Any], bool]
    text: Callable[[Any], str | None]

    def read(self, column: str, cell: Any) -> Any:
        if column in ("year", "value", "status", "series_break"):
            return getattr(self, column)(cell)
        text = self.text(cell)
        if text is None and column in _EMPTY:
            raise _Unreadable(_(_EMPTY[column]))
        if column == "indicator" and text is not None and not is_identifier(text):
            message = _("{indicator} is not a valid indicator id")
            raise _Unreadable(message.format(indicator=repr(text)))
        return text


_CSV = _Readers(_csv_year, _csv_value, _csv_status, _csv_series_break, _csv_text)
_JSON = _Readers(_json_year, _json_value, _json_status, _json_series_break, _json_text)


def _build_row(row: _Row, fields: Mapping[str, Any], readers: _Readers) -> ImportRow | None:
    """Turn one row's fields (CSV cells or JSON values; an optional one may be absent) into an
    ``ImportRow``, or record its problems on ``row``."""
    for column in REQUIRED_COLUMNS:
        if column not in fields:
            row.problem(column, _("is required"))
    parsed: dict[str, Any] = {}
    for column in COLUMNS:
        if column in fields or column not in REQUIRED_COLUMNS:
            try:
                parsed[column] = readers.read(column, fields.get(column))
            except _Unreadable as error:
                row.problem(column, str(error))
    if row.problems:
        return None
    indicator = parsed.pop("indicator")
    try:
        observation = Observation.model_validate(parsed)
    except ValidationError as error:  # the text fields' rules (kpi.text) and the model's own
        for item in error.errors(include_url=False):
            row.problem(".".join(str(part) for part in item["loc"]), describe(item))
        return None
    return ImportRow(indicator, observation, row.file, row.line, row.key)


def _csv_header(cells: list[str] | None, display: Path) -> list[Problem]:
    problems = []
    names = [cell.strip() for cell in cells or []]
    if not any(names):
        message = _("has no header: the first line must name the columns, e.g. {columns}")
        return [Problem(message.format(columns=",".join(REQUIRED_COLUMNS)), display, 1)]
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        message = _("has no commas in its header: kpi reads comma-separated values")
        return [Problem(message, display, 1)]
    for index, name in enumerate(names):
        if not name:
            message = _("has no name in the header; remove empty columns")
            column = _("column {number}").format(number=index + 1)
            problems.append(Problem(message, display, 1, column))
        elif name not in COLUMNS:
            message = _("unknown column (the columns are: {columns})")
            problems.append(Problem(message.format(columns=", ".join(COLUMNS)), display, 1, name))
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
        problems = _csv_header(header, display)
        if header is None or problems:
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


def _element_offsets(text: str, start: int) -> list[tuple[Any, int]]:
    """``(key, offset)`` of each value in the (valid) JSON array or object that opens at
    ``text[start]``; the key is ``None`` in an array."""
    decoder = json.JSONDecoder(parse_int=_json_integer)
    elements = []
    in_object = text[start] == "{"
    index = _skip_space(text, start + 1)
    while index < len(text) and text[index] not in "]}":
        key = None
        if in_object:
            key, index = decoder.raw_decode(text, index)
            index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
        elements.append((key, index))
        _, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
    return elements


def _json_rows(text: str, display: Path) -> tuple[list[ImportRow], list[Problem]]:
    try:
        document = json.loads(text, parse_int=_json_integer)
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
        start = dict(_element_offsets(text, start))["observations"]  # where the list opens
        prefix = "observations"
    elif isinstance(document, list):
        items = document
    else:
        message = _(
            "must be a list of observation objects, or an object "
            '{"observations": [...]} as `kpi export --format json` writes'
        )
        return [], [Problem(message, display, 1)]
    offsets = [offset for _key, offset in _element_offsets(text, start)]
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
    """Read the import file at ``path`` (``.csv`` or ``.json``, by extension): the good rows and
    a problem for every bad one (file ``display``, default ``path``; line; column or key).
    Raises ``KpiError`` when the file cannot be read or decoded at all."""
    shown = display if display is not None else path
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        message = _("has the extension '(none)'; kpi imports .csv or .json")
        if path.suffix:
            message = _("has the extension {extension}; kpi imports .csv or .json")
            message = message.format(extension=repr(path.suffix))
        hint = _("name the file *.csv (CSV) or *.json (JSON)")
        raise KpiError(Problem(message, shown), hint=hint)
    text = read_text(path, shown)
    if isinstance(text, Problem):
        if text.line is None:  # unreadable, rather than not UTF-8 from that line on
            raise KpiError(text)
        raise KpiError(text, hint=_("save the file as UTF-8 (in a spreadsheet: CSV UTF-8)"))
    return _csv_rows(text, shown) if suffix == ".csv" else _json_rows(text, shown)


def _check_against_project(
    project: Project, rows: Sequence[ImportRow], replace: bool
) -> tuple[list[ImportRow], list[Problem], bool]:
    """The rows to record (identical repeats dropped), the problems (unknown indicator, bounds,
    repeats that differ, and without ``replace`` recorded years that differ), and whether any
    problem is a recorded year."""
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
        recorded = project.observations.get(row.indicator, ())
        old = next((o for o in recorded if o.year == observation.year), None)
        if not replace and old is not None and not old.same_fields(observation):
            conflict = True
            value = exact_number(old.value)
            message = _(
                "{indicator} {year} is already recorded as {value} (source: {source}); "
                "this row differs"
            ).format(indicator=row.indicator, year=old.year, value=value, source=old.source)
            problems.append(row.problem("value", message))
        kept.append(row)
    return kept, problems, conflict


def plan_import(
    path: Path, project: Project, *, replace: bool, display: Path | None = None
) -> list[ImportRow]:
    """The rows of the import file at ``path`` to record in ``project`` (identical repeats once),
    in file order. Raises ``KpiError`` naming every bad row (line, column or key, reason) and then
    nothing should be written; recorded years that differ are bad rows unless ``replace``."""
    rows, problems = read_import_file(path, display)
    kept, more, conflict = _check_against_project(project, rows, replace)
    problems = sorted(problems + more, key=lambda p: p.line if p.line is not None else 0)
    if problems:
        hint = _("{count} problem(s); nothing was written")
        if conflict:
            hint = _(
                "{count} problem(s); nothing was written; pass --replace to replace recorded "
                "years (old values are kept in revisions)"
            )
        raise KpiError(problems, hint=hint.format(count=len(problems)))
    return kept


__all__ = ["COLUMNS", "ImportRow", "exact_number", "plan_import", "read_import_file"]
