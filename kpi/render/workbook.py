"""What every workbook kpi writes shares (``--format xlsx`` and the template to fill in).

Cells are written by type (``write_string``, ``write_number``, ``write_boolean``,
``write_datetime``), never guessed from text, and the workbook is opened with XlsxWriter's
guessing turned off as well: a text that begins with ``=``, ``+``, ``-`` or ``@`` (a source, a
note) is a text cell, never a formula, and a text of digits stays text. Numbers are written with
the shortest digits that read back as the same float (``repr``), so an exported value imports
back unchanged. Column widths fit what the cells show, up to a cap beyond which free text wraps.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from kpi.model import OBSERVATION_COLUMNS, Observation

Cell = str | int | float | bool | dt.datetime | None
"""What a cell holds (``None``: the cell is left empty)."""

WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# The cell styles, by name: what each number format shows; ``wrap`` is free text that wraps.
STYLES: dict[str, dict[str, Any]] = {
    "header": {
        "bold": True,
        "text_wrap": True,
        "valign": "top",
        "bottom": 1,
        "bg_color": "#DDEBF7",
    },
    "guidance": {"italic": True, "text_wrap": True, "valign": "top", "bg_color": "#FFF2CC"},
    "title": {"bold": True, "font_size": 13},
    "text": {"valign": "top"},
    "wrap": {"valign": "top", "text_wrap": True},
    "year": {"valign": "top", "num_format": "0"},
    "general": {"valign": "top"},  # a number as Excel's General shows it (unrounded data)
    "number": {"valign": "top", "num_format": "#,##0.0#"},
    "ratio": {"valign": "top", "num_format": "0.00"},
    "flag": {"valign": "top", "align": "center"},
    "date": {"valign": "top", "num_format": "yyyy-mm-dd hh:mm:ss", "align": "left"},
    "entry_text": {"num_format": "@"},  # a template's column where whatever is typed is text
    "entry_year": {"num_format": "0"},
}
WRAP_WIDTH = 50  # characters: a wrapping column is no wider
MAX_WIDTH = 60  # characters: no column is wider
MIN_WIDTH = 6
_PADDING = 2  # characters beyond the longest line (Excel's own autofit leaves about as much)
# The style of each of the import's columns, in a sheet of observations.
OBSERVATION_STYLES = {
    "indicator": "text", "year": "year", "value": "general", "source": "wrap", "status": "flag",
    "series_break": "flag", "url": "wrap", "note": "wrap",
}  # fmt: skip


class _ExactWorksheet(Worksheet):  # type: ignore[misc]
    """A worksheet that writes each number as Python's ``repr`` (the shortest digits that read
    back as the same float) where XlsxWriter writes 16 significant digits, which changes the
    last bit of some values (0.30000000000000004 would read back as 0.3). The override is the one
    method XlsxWriter writes a number cell with; ``tests/test_workbook_out.py`` holds it to a
    value that needs 17 digits."""

    def _xml_number_element(
        self, number: float, attributes: Sequence[tuple[str, Any]] = ()
    ) -> None:
        attrs = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attrs}><v>{number!r}</v></c>")


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table: its heading (in the workbook's language) and its cells' style (a key
    of ``STYLES``)."""

    heading: str
    style: str = "text"


def shown_width(value: Cell, style: str) -> int:
    """About how many characters wide ``value`` shows in a cell of ``style``: its longest line
    for text, the digits its number format shows for a number."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5  # TRUE, FALSE (or the words of Excel's language)
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, int | float):
        if style == "year":
            return len(f"{value:.0f}")
        if style in ("number", "ratio"):
            return len(f"{value:,.2f}")
        return len(repr(value))
    return max((len(line) for line in value.splitlines()), default=0)


@dataclass(frozen=True, slots=True)
class Styled:
    """A cell of a table in a style of its own (a key of the book's styles), not its column's."""

    value: Cell
    style: str


class Sheet:
    """A worksheet being written: each cell by type in its style, remembering how wide each
    column's cells show, so that ``fit`` can size the columns to them."""

    def __init__(self, worksheet: Any, formats: dict[str, Any]) -> None:
        self.worksheet = worksheet
        self.formats = formats
        self._widths: dict[int, int] = {}
        self._wraps: set[int] = set()

    def write(self, row: int, col: int, value: Cell, style: str = "text") -> None:
        """Write ``value`` into the cell at 0-based ``row`` and ``col`` with its type's writer
        (a non-finite number, like ``None``, leaves the cell empty)."""
        cell_format = self.formats[style]
        if style == "wrap":
            self._wraps.add(col)
        if isinstance(value, bool):
            self.worksheet.write_boolean(row, col, value, cell_format)
        elif isinstance(value, int | float):
            if not math.isfinite(value):
                return
            self.worksheet.write_number(row, col, value, cell_format)
        elif isinstance(value, dt.datetime):
            self.worksheet.write_datetime(row, col, value, cell_format)
        elif isinstance(value, str):
            self.worksheet.write_string(row, col, value, cell_format)
        if style != "guidance":  # guidance wraps to the width of the data
            width = shown_width(value, style) + (1 if style == "header" else 0)
            self._widths[col] = max(self._widths.get(col, 0), width)

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Cell | Styled]],
        *,
        autofilter: bool = True,
        frozen_columns: int = 0,
    ) -> int:
        """The headings of ``columns`` in the first row, then ``rows``, each cell in its column's
        style (a ``Styled`` one in its own); the headings and the first ``frozen_columns``
        columns frozen, an autofilter on the headings when ``autofilter``. Returns how many rows
        of data were written."""
        for col, column in enumerate(columns):
            self.write(0, col, column.heading, "header")
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, (column, value) in enumerate(zip(columns, row, strict=True)):
                if isinstance(value, Styled):
                    self.write(count, col, value.value, value.style)
                else:
                    self.write(count, col, value, column.style)
        self.worksheet.freeze_panes(1, frozen_columns)
        if autofilter and columns:
            self.worksheet.autofilter(0, 0, count, len(columns) - 1)
        return count

    def fit(self) -> None:
        """Size each column written so far to its widest cell: ``MIN_WIDTH`` to ``MAX_WIDTH``
        characters, at most ``WRAP_WIDTH`` for a column of text that wraps. Cells written after
        are not measured (a line of text below a table may run across its columns)."""
        for col, shown in sorted(self._widths.items()):
            cap = WRAP_WIDTH if col in self._wraps else MAX_WIDTH
            self.worksheet.set_column(col, col, min(max(shown + _PADDING, MIN_WIDTH), cap))


class Book:
    """A workbook being written in memory: ``sheet`` adds a worksheet, ``close`` returns the
    ``.xlsx`` file's bytes."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._buffer, WORKBOOK_OPTIONS)
        self.formats = {name: self.workbook.add_format(props) for name, props in STYLES.items()}

    def add_style(self, name: str, properties: dict[str, Any]) -> None:
        """A cell style ``name`` besides ``STYLES``, with XlsxWriter's format ``properties``."""
        self.formats[name] = self.workbook.add_format(properties)

    def sheet(self, name: str) -> Sheet:
        """A new worksheet called ``name`` (at most 31 characters, none of ``[]:*?/\\``)."""
        return Sheet(self.workbook.add_worksheet(name, _ExactWorksheet), self.formats)

    def close(self) -> bytes:
        """The workbook as the bytes of an ``.xlsx`` file."""
        self.workbook.close()
        return self._buffer.getvalue()


def observation_cells(indicator_id: str, observation: Observation) -> list[Cell]:
    """An observation as the cells of the import's columns (``OBSERVATION_COLUMNS``): the year a
    whole number, the value unrounded, the status its letter, ``series_break`` a boolean."""
    o = observation
    return [indicator_id, o.year, o.value, o.source, o.status, o.series_break, o.url, o.note]


def observation_columns(headings: Sequence[str]) -> list[Column]:
    """The import's columns under ``headings`` (one per ``OBSERVATION_COLUMNS``), each styled."""
    styles = (OBSERVATION_STYLES[column] for column in OBSERVATION_COLUMNS)
    return [Column(heading, style) for heading, style in zip(headings, styles, strict=True)]


def observations_sheet(
    book: Book, name: str, headings: Sequence[str], entries: Iterable[tuple[str, Observation]]
) -> Sheet:
    """A sheet ``name`` of observations (indicator id, observation) in the import's columns under
    ``headings``, header in row 1, which ``kpi import --sheet NAME`` reads back unchanged."""
    sheet = book.sheet(name)
    sheet.table(observation_columns(headings), (observation_cells(i, o) for i, o in entries))
    sheet.fit()
    return sheet
