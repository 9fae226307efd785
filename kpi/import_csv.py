"""CSV as spreadsheets write it: its text, its delimiter and its numbers.

Text: a byte-order mark decides (UTF-8, or UTF-16 little or big endian: Excel's "Unicode text");
without one the file is UTF-8 unless ``--encoding`` names another encoding (a legacy code page
such as cp1258, whose text is then NFC-normalised so that Vietnamese letters compare equal).
Delimiter: ``,``, ``;`` or tab, the one that makes a header of one of the first rows (else the
one the first line holds most often outside quotes). Numbers: ``.`` decimals with a comma
delimiter; otherwise decimal commas too (``kpi.import_cells.csv_readers``).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kpi.errors import KpiError, Problem
from kpi.i18n import _
from kpi.import_cells import Readers, csv_readers, uses_decimal_comma
from kpi.import_file import file_bytes
from kpi.import_rows import ImportRow, Ordered, Place
from kpi.import_table import Header, ReadersFor, TableRow, find_header, non_blank, read_table

DELIMITERS = (",", ";", "\t")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def check_encoding(name: str) -> str:
    """The codec's own name for the text encoding ``name`` (``cp1258``, ``utf-16``, ``latin-1``);
    ``KpiError`` keyed ``--encoding`` when Python has no such text encoding."""
    try:
        codec = codecs.lookup(name)
        b"a".decode(codec.name, "replace")  # refuses the codecs that are not text (base64, zip)
    except LookupError:
        message = _(
            "{name} is not a text encoding kpi knows; use a name such as cp1258 (Vietnamese "
            "Windows), utf-16 or latin-1"
        )
        raise KpiError(Problem(message.format(name=repr(name)), key="--encoding")) from None
    return codec.name


def _decode(data: bytes, codec: str, display: Path) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(codec, "replace").count("\n") + 1
        if codec == "utf-8":
            hint = _(
                "save it from Excel as CSV UTF-8, or name the encoding it was written in, "
                "e.g. --encoding cp1258 (Vietnamese Windows)"
            )
            raise KpiError(Problem(_("is not UTF-8 text"), display, line), hint=hint) from None
        message = _("is not {encoding} text").format(encoding=codec)
        raise KpiError(Problem(message, display, line)) from None


def csv_text(data: bytes, display: Path, encoding: str | None = None) -> str:
    """The text of the CSV file ``data`` (named ``display`` in messages): by its byte-order mark
    (dropped), else in ``encoding`` (a checked codec name, NFC-normalised unless a Unicode
    encoding), else UTF-8. ``KpiError`` with the first line that is not such text."""
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return _decode(data[len(mark) :], codec, display)
    if encoding is None:
        if data[:2].count(0) == 1:  # "i\0n\0d\0": ASCII in UTF-16, which UTF-8 would accept
            hint = _("name its encoding: --encoding utf-16-le (or utf-16-be)")
            message = _("looks like UTF-16 text without a byte-order mark")
            raise KpiError(Problem(message, display, 1), hint=hint)
        return _decode(data, "utf-8", display)
    text = _decode(data, encoding, display)
    return text if encoding.startswith("utf") else unicodedata.normalize("NFC", text)


class _BrokenCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def _records(text: str, delimiter: str) -> Iterator[TableRow]:
    """The records of ``text``, each with its first line; ``_BrokenCsv`` where it is not CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            yield TableRow(line, cells)
    except csv.Error as error:
        raise _BrokenCsv(reader.line_num, str(error)) from None


def _first_records(text: str, delimiter: str, count: int) -> list[TableRow]:
    rows: list[TableRow] = []
    try:
        for row in _records(text, delimiter):
            if non_blank([row]):
                rows.append(row)
                if len(rows) == count:
                    break
    except _BrokenCsv:
        pass
    return rows


def _outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for character in line:
        if character == '"':
            quoted = not quoted
        elif character == delimiter and not quoted:
            count += 1
    return count


def choose_delimiter(text: str) -> str:
    """The delimiter of the CSV ``text``: the one of ``DELIMITERS`` whose header comes first
    among the first rows (``kpi.import_table.find_header``); without a header, the one the first
    non-empty line holds most often outside quotes (a comma on a tie)."""
    found = []
    for delimiter in DELIMITERS:
        header = find_header(_first_records(text, delimiter, 10))
        if header is not None:
            found.append((header.row.order, DELIMITERS.index(delimiter), delimiter))
    if found:
        return min(found)[2]
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=lambda delimiter: _outside_quotes(first, delimiter))


@dataclass(frozen=True)
class _CsvLayout:
    """CSV places: ``file:line``, keyed by the column's name in the header."""

    file: Path

    def place(self, order: int, header: Header) -> Place:
        names = {c: str(header.row.cells[i]).strip() for c, i in header.positions().items()}
        return Place(self.file, order, order, cells=names)

    def cell_problem(self, order: int, index: int, message: str) -> Problem:
        return Problem(message, self.file, order, _("column {number}").format(number=index + 1))

    def row_problem(self, order: int, message: str) -> Problem:
        return Problem(message, self.file, order)

    def no_header(self) -> Problem:
        message = _("has no header: the first line must name the columns, e.g. {columns}")
        return Problem(message.format(columns="indicator,year,value,source"), self.file, 1)

    def header_problem(self, order: int, index: int, name: str, message: str) -> Problem:
        return Problem(message, self.file, order, name)

    def missing_column(self, order: int, column: str) -> Problem:
        message = _("required column is missing from the header")
        return Problem(message, self.file, order, column)

    def width_problem(self, row: TableRow, header: Header) -> str | None:
        if len(row.cells) == len(header.row.cells):
            return None
        message = _("has {cells} cells but the header has {columns} columns")
        return message.format(cells=len(row.cells), columns=len(header.row.cells))


def _readers_for(delimiter: str) -> ReadersFor:
    def choose(header: Header, data: Sequence[TableRow]) -> Readers:
        index = header.positions()["value"]
        comma = delimiter != "," and any(
            index < len(row.cells) and uses_decimal_comma(row.cells[index]) for row in data
        )
        return csv_readers(delimiter, comma)

    return choose


def read_csv(
    path: Path, display: Path, encoding: str | None = None
) -> tuple[list[ImportRow], list[Ordered]]:
    """The good rows of the CSV file at ``path`` and every problem with its line (``display``
    names the file; ``encoding`` as ``csv_text``). ``KpiError`` when it cannot be read."""
    text = csv_text(file_bytes(path, display), display, encoding)
    delimiter = choose_delimiter(text)
    rows: list[TableRow] = []
    broken: Ordered | None = None
    try:
        rows.extend(_records(text, delimiter))
    except _BrokenCsv as error:
        message = _("is not valid CSV: {error}").format(error=error)
        broken = (error.line, Problem(message, display, error.line))
    imported, problems = read_table(rows, _CsvLayout(display), _readers_for(delimiter))
    return imported, problems + ([broken] if broken else [])


__all__ = ["DELIMITERS", "check_encoding", "choose_delimiter", "csv_text", "read_csv"]
