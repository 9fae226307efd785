"""A table of cells (a CSV file's records or a sheet's rows) read as observations.

The header is the first of the first ``HEADER_SEARCH`` non-empty rows whose non-empty cells all
name columns (``kpi.columns.column_of``: ``Indicator``, ``GIÁ TRỊ``, ``Mã chỉ tiêu``), none twice,
and which names every required column; the rows above it (a yearbook's title, a template's row
of guidance) are skipped. When no row qualifies, the first non-empty row is reported as the
header it should have been. Every later non-empty row is built with one format's ``Readers``;
a ``Layout`` says how the format names a row and a cell in messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kpi.columns import column_of, column_title
from kpi.errors import Problem
from kpi.i18n import _, language
from kpi.import_cells import Readers
from kpi.import_rows import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportRow,
    Ordered,
    Place,
    RowReading,
    build_row,
)

HEADER_SEARCH = 10


@dataclass(frozen=True)
class TableRow:
    """One row of a table: its ``order`` (CSV: its first line; a sheet: its row, from 1) and
    its cells (CSV: text; a sheet: values of any type, ``""`` when empty)."""

    order: int
    cells: Sequence[Any]


@dataclass(frozen=True)
class Header:
    """The header row and the column each of its cells names (``None``: an empty cell)."""

    row: TableRow
    columns: Sequence[str | None]

    def positions(self) -> dict[str, int]:
        """The index of each named column's cell."""
        return {column: index for index, column in enumerate(self.columns) if column}


class Layout(Protocol):
    """How one format names the places of a table in messages."""

    def place(self, order: int, header: Header) -> Place:
        """The place of the data row ``order`` whose columns ``header`` gives."""
        ...

    def cell_problem(self, order: int, index: int, message: str) -> Problem:
        """A problem with the cell ``index`` (from 0) of the row ``order``."""
        ...

    def row_problem(self, order: int, message: str) -> Problem:
        """A problem with the row ``order`` as a whole."""
        ...

    def no_header(self) -> Problem:
        """The table has no non-empty row."""
        ...

    def header_problem(self, order: int, index: int, name: str, message: str) -> Problem:
        """A problem with the header cell ``index`` (text ``name``) of the row ``order``."""
        ...

    def missing_column(self, order: int, column: str) -> Problem:
        """The header row ``order`` lacks the required ``column``."""
        ...

    def width_problem(self, row: TableRow, header: Header) -> str | None:
        """Why ``row`` does not fit the header's columns, or ``None``."""
        ...


ReadersFor = Callable[[Header, Sequence[TableRow]], Readers]
"""The readers for a table's data rows, chosen once their header and cells are known."""


def is_blank(cell: Any) -> bool:
    """Whether ``cell`` is empty: text of spaces at most (a number, a date or an error is not)."""
    return isinstance(cell, str) and not cell.strip()


def _header_columns(cells: Sequence[Any]) -> list[str | None] | None:
    """The column each cell names when ``cells`` is a header, else ``None``."""
    columns: list[str | None] = []
    for cell in cells:
        if is_blank(cell):
            columns.append(None)
            continue
        column = column_of(cell) if isinstance(cell, str) else None
        if column is None or column in columns:
            return None
        columns.append(column)
    return columns if set(REQUIRED_COLUMNS) <= set(columns) else None


def find_header(rows: Sequence[TableRow]) -> Header | None:
    """The header among the first ``HEADER_SEARCH`` of the non-empty ``rows``, or ``None``."""
    for row in rows[:HEADER_SEARCH]:
        columns = _header_columns(row.cells)
        if columns is not None:
            return Header(row, columns)
    return None


def non_blank(rows: Sequence[TableRow]) -> list[TableRow]:
    """The rows with at least one cell that is not blank."""
    return [row for row in rows if not all(is_blank(cell) for cell in row.cells)]


def _header_problems(row: TableRow, layout: Layout) -> list[Problem]:
    """What keeps ``row`` from being the header: unknown names, repeated columns, required
    columns missing."""
    problems = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(row.cells):
        if is_blank(cell):
            continue
        name = cell.strip() if isinstance(cell, str) else str(cell)
        column = column_of(cell) if isinstance(cell, str) else None
        if column is None:
            columns = ", ".join(column_title(column, language()) for column in COLUMNS)
            message = _("unknown column (the columns are: {columns})").format(columns=columns)
            problems.append(layout.header_problem(row.order, index, name, message))
        elif column in seen:
            message = _("names the column {column} again, as {first} does; keep one")
            message = message.format(column=column, first=repr(seen[column]))
            problems.append(layout.header_problem(row.order, index, name, message))
        else:
            seen[column] = name
    problems += [
        layout.missing_column(row.order, column)
        for column in REQUIRED_COLUMNS
        if column not in seen
    ]
    return problems


def read_table(
    rows: Sequence[TableRow], layout: Layout, readers_for: ReadersFor
) -> tuple[list[ImportRow], list[Ordered]]:
    """The good rows of the table ``rows`` and every problem, each with its row's order.

    Without a header, the problems are those of the first non-empty row as a header."""
    filled = non_blank(rows)
    header = find_header(filled)
    if header is None:
        if not filled:
            return [], [(0, layout.no_header())]
        first = filled[0]
        return [], [(first.order, problem) for problem in _header_problems(first, layout)]
    data = [row for row in filled if row.order > header.row.order]
    readers = readers_for(header, data)
    imported: list[ImportRow] = []
    problems: list[Ordered] = []
    for row in data:
        reading = RowReading(layout.place(row.order, header))
        misfit = layout.width_problem(row, header)
        if misfit is not None:
            problems.append((row.order, layout.row_problem(row.order, misfit)))
            continue
        fields: dict[str, Any] = dict.fromkeys(OPTIONAL_COLUMNS, "")
        fields.update(_fields(row, header))
        built = build_row(reading, fields, readers)
        stray = _stray_cells(row, header, layout)
        if built is not None and not stray:
            imported.append(built)
        problems += reading.ordered() + [(row.order, problem) for problem in stray]
    return imported, problems


def _fields(row: TableRow, header: Header) -> Mapping[str, Any]:
    """The row's cell of each named column (``""`` beyond the row's end)."""
    cells = row.cells
    return {c: cells[i] if i < len(cells) else "" for c, i in header.positions().items()}


def _stray_cells(row: TableRow, header: Header, layout: Layout) -> list[Problem]:
    """A problem for each cell of ``row`` that is not blank and has no column name above it."""
    message = _(
        "has a value but no column name above it in the header; name the column or clear the cell"
    )
    return [
        layout.cell_problem(row.order, index, message)
        for index, cell in enumerate(row.cells)
        if not is_blank(cell) and (index >= len(header.columns) or header.columns[index] is None)
    ]


__all__ = [
    "HEADER_SEARCH",
    "Header",
    "Layout",
    "ReadersFor",
    "TableRow",
    "find_header",
    "is_blank",
    "non_blank",
    "read_table",
]
