"""One row of an import file, whatever its format: where it is (``Place``), the problems found in
it, and the observation its fields make (``build_row``, with one format's ``Readers``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kpi.errors import Problem
from kpi.field_errors import describe
from kpi.i18n import _
from kpi.import_cells import Readers, Unreadable
from kpi.model import OBSERVATION_COLUMNS as COLUMNS
from kpi.model import Observation, observation_from

REQUIRED_COLUMNS = COLUMNS[:4]
OPTIONAL_COLUMNS = COLUMNS[len(REQUIRED_COLUMNS) :]

Ordered = tuple[int, Problem]
"""A problem and the position of its row in the file (``Place.order``), to report in order."""


def _join(prefix: str, column: str) -> str | None:
    return ".".join(part for part in (prefix, column) if part) or None


@dataclass(frozen=True)
class Place:
    """Where one row of an import file is: ``file``; its 1-based ``line`` (CSV: the row's first
    line; JSON: where its object starts; ``None`` in a workbook or when unknown); ``order``, its
    position in the file (the line, or the sheet's row), which orders the problems; ``key``, the
    row's own key (JSON: ``observations[3]``; a workbook: its value cell, ``Sheet1!C3``); and
    ``cells``, the key of each column's cell (CSV: the column's name in the header; a workbook:
    the cell, ``Sheet1!B3``). A column without a cell is keyed ``key.column``."""

    file: Path
    line: int | None
    order: int
    key: str = ""
    cells: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The row for people: ``data.csv:3``, ``data.json:12 observations[3]``,
        ``book.xlsx Sheet1!C3``."""
        where = str(self.file) if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.key}" if self.key else where

    def problem(self, column: str, message: str) -> Problem:
        """A problem with this row's ``column`` (the whole row when ``column`` is empty)."""
        key = self.cells.get(column) or _join(self.key, column)
        return Problem(message, self.file, self.line, key)


@dataclass(frozen=True)
class ImportRow:
    """One good row of an import file: the observation for ``indicator`` and where it was read."""

    indicator: str
    observation: Observation
    place: Place

    @property
    def label(self) -> str:
        """Where the row is, for people (``Place.label``)."""
        return self.place.label

    def problem(self, column: str, message: str) -> Problem:
        """A problem with this row's ``column`` (``Place.problem``)."""
        return self.place.problem(column, message)


class RowReading:
    """A row being read: its place and the problems found so far."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        """Record a problem with ``column`` (the whole row when ``column`` is empty)."""
        self.problems.append(self.place.problem(column, message))

    def ordered(self) -> list[Ordered]:
        """The problems, each with the row's order."""
        return [(self.place.order, problem) for problem in self.problems]


def build_row(row: RowReading, fields: Mapping[str, Any], readers: Readers) -> ImportRow | None:
    """Turn one row's fields (cells or JSON values; an optional one may be absent) into an
    ``ImportRow``, or record its problems on ``row`` and return ``None``."""
    for column in REQUIRED_COLUMNS:
        if column not in fields:
            row.problem(column, _("is required"))
    parsed: dict[str, Any] = {}
    for column in COLUMNS:
        if column in fields or column not in REQUIRED_COLUMNS:
            try:
                parsed[column] = readers.read(column, fields.get(column))
            except Unreadable as error:
                row.problem(column, str(error))
    if row.problems:
        return None
    indicator = parsed.pop("indicator")
    try:
        observation = observation_from(parsed)
    except ValidationError as error:  # the text fields' rules (kpi.text) and the model's own
        for item in error.errors(include_url=False):
            row.problem(".".join(str(part) for part in item["loc"]), describe(item))
        return None
    return ImportRow(indicator, observation, row.place)


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportRow",
    "Ordered",
    "Place",
    "RowReading",
    "build_row",
]
