"""A sheet of a workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) as rows of cells, read with
python-calamine: numbers as numbers, dates as dates, a formula as its saved result.

Calamine reads an error cell (``#N/A``) as an empty one and says nothing of number formats, so
the sheet's XML is read too (``.xlsx`` and ``.ods``, which are zip archives of XML): its error
cells become ``ErrorValue``, its formulas without a saved result ``Uncomputed`` and its numbers
formatted as percentages ``Percentage``. A ``.xls`` file is binary: its error cells stay empty.
Cells are named as Excel names them: ``Sheet1!C12``, ``'My sheet'!C12``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kpi.errors import KpiError, Problem
from kpi.i18n import _, format_number
from kpi.import_cells import WORKBOOK, ErrorValue, Percentage, Readers, Uncomputed
from kpi.import_file import file_bytes
from kpi.import_rows import ImportRow, Ordered, Place
from kpi.import_table import Header, TableRow, read_table

MAX_CELLS = 5_000_000
"""The most cells (the rectangle from A1 to the last cell with a value) kpi reads in a sheet: a
hundred times what a project of a thousand indicators needs. A sheet with one value in A1 and
one in XFD1048576 would otherwise need gigabytes."""
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""The most bytes the parts of a zipped workbook may unpack to (a zip bomb is refused)."""

Mark = ErrorValue | Percentage | Uncomputed
_CELL = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_BARE_SHEET = re.compile(r"[^\W\d]\w*")
_LIKE_A_CELL = re.compile(r"([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[Rr]|[Cc]|true|false)", re.I)
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells: ``rows[0]`` is the sheet's row 1 and ``rows[r][0]`` its column A; an
    empty cell is ``""``; every row is as long as the longest."""

    name: str
    rows: list[list[Any]]


def column_letters(index: int) -> str:
    """Excel's letters for the column ``index`` (from 0): ``A``, ``Z``, ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sheet_reference(name: str) -> str:
    """The sheet ``name`` as Excel writes it before ``!``: quoted (``'My sheet'``, an apostrophe
    doubled) unless it is a single word that cannot be taken for a cell."""
    if _BARE_SHEET.fullmatch(name) and not _LIKE_A_CELL.fullmatch(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def cell_reference(sheet: str, row: int, column: int) -> str:
    """The cell at ``row`` and ``column`` (from 0) of ``sheet``: ``Sheet1!C12``."""
    return f"{sheet_reference(sheet)}!{column_letters(column)}{row + 1}"


def _unreadable(display: Path, reason: str) -> KpiError:
    message = _("cannot be read as a workbook (.xlsx, .xls or .ods): {reason}")
    return KpiError(Problem(message.format(reason=reason), display))


def _too_many_cells(display: Path, sheet: str) -> KpiError:
    message = _(
        "the sheet {sheet} reaches more than {count} cells; delete the rows and columns "
        "beyond the data (or copy the data to a new workbook)"
    )
    message = message.format(sheet=repr(sheet), count=format_number(MAX_CELLS))
    return KpiError(Problem(message, display))


def _choose_sheet(book: Any, wanted: str | None, display: Path) -> str:
    """The sheet to read: ``wanted`` (its case ignored when nothing matches exactly), else the
    first visible worksheet (else the first sheet)."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    names: list[str] = list(book.sheet_names)
    if not names:
        raise KpiError(Problem(_("has no sheet"), display))
    if wanted is None:
        visible = [
            meta.name
            for meta in book.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
        ]
        return visible[0] if visible else names[0]
    if wanted in names:
        return wanted
    matches = [name for name in names if name.casefold() == wanted.casefold()]
    if len(matches) == 1:
        return matches[0]
    message = _("has no sheet {sheet}; its sheets are: {sheets}")
    message = message.format(sheet=repr(wanted), sheets=", ".join(repr(name) for name in names))
    raise KpiError(Problem(message, display, key="--sheet"))


def read_sheet(path: Path, display: Path, wanted: str | None = None) -> Sheet:
    """The cells of the sheet ``wanted`` (default: the first visible one) of the workbook at
    ``path``, errors, formulas without a result and percentages marked (``.xlsx``, ``.ods``).
    ``KpiError`` naming ``display`` when it cannot be read or has no such sheet."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    data = file_bytes(path, display)
    archive = _archive(data, display)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        message = _("is protected by a password; save a copy without one and import that")
        raise KpiError(Problem(message, display)) from None
    except CalamineError as error:
        raise _unreadable(display, str(error)) from None
    name = _choose_sheet(book, wanted, display)
    marks = _marks(archive, name, display) if archive is not None else {}
    try:
        sheet = book.get_sheet_by_name(name)
        if sheet.end is not None and (sheet.end[0] + 1) * (sheet.end[1] + 1) > MAX_CELLS:
            raise _too_many_cells(display, name)
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    except CalamineError as error:
        raise _unreadable(display, str(error)) from None
    return Sheet(name, _with_marks(rows, marks))


def _with_marks(rows: list[list[Any]], marks: dict[tuple[int, int], Mark]) -> list[list[Any]]:
    """``rows`` with each mark in its cell: an error or a formula without a result where the
    cell reads empty, a percentage where it reads as a number."""
    width = max([0] + [len(row) for row in rows] + [column + 1 for _row, column in marks])
    height = max([len(rows)] + [row + 1 for row, _column in marks])
    rows = [row + [""] * (width - len(row)) for row in rows]
    rows += [[""] * width for _ in range(height - len(rows))]
    for (row, column), mark in marks.items():
        cell = rows[row][column]
        if isinstance(mark, Percentage):
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                rows[row][column] = mark
        elif cell == "":
            rows[row][column] = mark
    return rows


# ------------------------------------------------------------------------ the XML of the sheets


def _archive(data: bytes, display: Path) -> zipfile.ZipFile | None:
    """The zip archive ``data`` is (``.xlsx``, ``.ods``), else ``None`` (``.xls``); a zip bomb
    is refused before anything unpacks it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
        message = _("unpacks to more than {size} MiB; kpi does not read it")
        raise KpiError(Problem(message.format(size=MAX_UNPACKED_BYTES // 2**20), display))
    return archive


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attribute(element: Any, name: str) -> str | None:
    """The attribute ``name`` of ``element`` whatever its namespace."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return str(value)
    return None


def _marks(archive: zipfile.ZipFile, sheet: str, display: Path) -> dict[tuple[int, int], Mark]:
    """The marked cells of ``sheet`` by (row, column) from 0; ``KpiError`` when the sheet
    reaches more than ``MAX_CELLS`` cells. Parts that cannot be parsed give no marks (calamine
    has read them)."""
    from xml.etree.ElementTree import ParseError

    names = set(archive.namelist())
    try:
        if "content.xml" in names:
            with archive.open("content.xml") as stream:
                return _ods_marks(stream, sheet, display)
        part, styles = _xlsx_parts(archive, sheet)
        if part is None or part not in names:
            return {}
        with archive.open(part) as stream:
            xml = stream.read(MAX_UNPACKED_BYTES)
        if _xlsx_extent(xml) > MAX_CELLS:
            raise _too_many_cells(display, sheet)
        percent = _percent_styles(archive, styles) if styles in names else frozenset()
        if not _may_hold_marks(xml, percent):
            return {}
        return _xlsx_marks(io.BytesIO(xml), percent, display, sheet)
    except (ParseError, KeyError, ValueError, zipfile.BadZipFile):
        return {}


def _xlsx_parts(archive: zipfile.ZipFile, sheet: str) -> tuple[str | None, str]:
    """The part holding ``sheet`` and the styles part of an ``.xlsx`` archive."""
    from xml.etree.ElementTree import fromstring

    workbook = "xl/workbook.xml"
    for relation in fromstring(archive.read("_rels/.rels")):
        if (relation.get("Type") or "").endswith("/officeDocument"):
            workbook = (relation.get("Target") or workbook).lstrip("/")
    folder = posixpath.dirname(workbook)
    rels = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets: dict[str, str] = {}
    styles = posixpath.join(folder, "styles.xml")
    for relation in fromstring(archive.read(rels)):
        target = relation.get("Target") or ""
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        targets[relation.get("Id") or ""] = posixpath.normpath(part)
        if (relation.get("Type") or "").endswith("/styles"):
            styles = posixpath.normpath(part)
    for element in fromstring(archive.read(workbook)).iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            return targets.get(_attribute(element, "id") or ""), styles
    return None, styles


def is_percent_format(code: str) -> bool:
    """Whether the number format ``code`` shows a number as a percentage: a ``%`` in its first
    section outside quotes, brackets and escapes (``0.0%``, not ``0.0"%"`` or ``0.0\\%``)."""
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|[_*].', "", code)
    return "%" in bare.split(";")[0]


def _percent_styles(archive: zipfile.ZipFile, part: str) -> frozenset[int]:
    """The indexes of the cell styles (``s="3"``) whose number format is a percentage."""
    from xml.etree.ElementTree import fromstring

    root = fromstring(archive.read(part))
    formats = {9: "0%", 10: "0.00%"}  # Excel's built-in percentage formats
    styles: list[int] = []
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                formats[int(fmt.get("numFmtId") or -1)] = fmt.get("formatCode") or ""
        elif _local(element.tag) == "cellXfs":
            styles = [int(xf.get("numFmtId") or 0) for xf in element]
    return frozenset(i for i, n in enumerate(styles) if is_percent_format(formats.get(n, "")))


_ROW_NUMBER = re.compile(rb'row\b[^>]*?\br="([0-9]{1,7})"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _xlsx_extent(xml: bytes) -> int:
    """An upper bound of the cells from A1 to the last row and column of the sheet ``xml``,
    exact where it matters (beyond ``MAX_CELLS``): found with regular expressions, far faster
    than parsing, since calamine parses the sheet anyway."""
    elements = xml.count(b"<row") + xml.count(b":row")  # rows without a number count too
    rows = max([elements] + [int(number) for number in _ROW_NUMBER.findall(xml)])
    for width in (3, 2, 1):
        letters = re.compile(rb' r="([A-Z]{%d})[0-9]' % width)
        if letters.search(xml) is None:
            continue
        if rows * 26**width <= MAX_CELLS:
            return rows * 26**width
        columns = {match.decode() for match in letters.findall(xml)}
        return rows * max(_column_number(column) for column in columns)
    return 0


def _column_number(letters: str) -> int:
    """The 1-based number of the column ``letters`` (``A`` 1, ``AA`` 27)."""
    return sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(letters)))


def _may_hold_marks(xml: bytes, percent: frozenset[int]) -> bool:
    """Whether the sheet ``xml`` may hold an error, a formula or a cell of a percentage style."""
    if b't="e"' in xml or _FORMULA.search(xml):
        return True
    styles = b"|".join(str(style).encode() for style in sorted(percent))
    return bool(percent) and re.search(rb' s="(?:' + styles + rb')"', xml) is not None


def _events(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    from xml.etree.ElementTree import iterparse

    return iterparse(stream, events=("start", "end"))


class _Extent:
    """The rows and columns of a sheet's cells with a value, checked against ``MAX_CELLS``."""

    def __init__(self, display: Path, sheet: str) -> None:
        self.rows = self.columns = 0
        self.display = display
        self.sheet = sheet

    def reach(self, row: int, column: int) -> None:
        self.rows, self.columns = max(self.rows, row + 1), max(self.columns, column + 1)
        if self.rows * self.columns > MAX_CELLS:
            raise _too_many_cells(self.display, self.sheet)


def _xlsx_marks(
    stream: IO[bytes], percent: frozenset[int], display: Path, sheet: str
) -> dict[tuple[int, int], Mark]:
    marks: dict[tuple[int, int], Mark] = {}
    extent = _Extent(display, sheet)
    row = column = -1
    for event, element in _events(stream):
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                number = element.get("r")
                row, column = (int(number) - 1 if number else row + 1), -1
            continue
        if tag == "row":
            element.clear()
        if tag != "c":
            continue
        reference = _CELL.fullmatch(element.get("r") or "")
        if reference is not None:
            letters, number = reference.groups()
            row = int(number) - 1
            column = _column_number(letters) - 1
        else:
            column += 1
        children = {_local(child.tag): child for child in element}
        value = children["v"].text if "v" in children else None
        has_value = bool(value) or "is" in children
        kind = element.get("t") or "n"
        if kind == "e":
            marks[(row, column)] = ErrorValue(value or "#N/A")
        elif "f" in children and not has_value:
            marks[(row, column)] = Uncomputed()
        elif kind == "n" and value and int(element.get("s") or 0) in percent:
            marks[(row, column)] = Percentage(float(value))
        if has_value or kind == "e":
            extent.reach(row, column)
        element.clear()
    return marks


def _ods_marks(stream: IO[bytes], sheet: str, display: Path) -> dict[tuple[int, int], Mark]:
    marks: dict[tuple[int, int], Mark] = {}
    extent = _Extent(display, sheet)
    inside = False
    row = column = 0
    filled = -1  # the last column of the current row with a value
    for event, element in _events(stream):
        tag = _local(element.tag)
        if tag == "table":
            if event == "start":
                inside, row = element.get(f"{{{_TABLE}}}name") == sheet, 0
            elif inside:
                break
            continue
        if not inside:
            if event == "end" and tag == "table-row":
                element.clear()
            continue
        if tag == "table-row":
            if event == "start":
                column, filled = 0, -1
                continue
            repeat = int(element.get(f"{{{_TABLE}}}number-rows-repeated") or 1)
            if filled >= 0:
                extent.reach(row + repeat - 1, filled)
            row += repeat
            element.clear()
        elif tag in ("table-cell", "covered-table-cell") and event == "end":
            repeat = int(element.get(f"{{{_TABLE}}}number-columns-repeated") or 1)
            kind = element.get(f"{{{_OFFICE}}}value-type")
            mark: Mark | None = None
            if element.get(f"{{{_CALCEXT}}}value-type") == "error":
                mark = ErrorValue("".join(element.itertext()).strip() or "#N/A")
            elif kind == "percentage":
                mark = Percentage(float(element.get(f"{{{_OFFICE}}}value") or "nan"))
            if mark is not None or kind is not None:
                filled = column + repeat - 1
                extent.reach(row, filled)
            if mark is not None:
                marks.update(((row, column + offset), mark) for offset in range(repeat))
            column += repeat
    return marks


# ----------------------------------------------------------------------- the sheet as a table


@dataclass(frozen=True)
class _SheetLayout:
    """Workbook places: ``book.xlsx: Sheet1!C12``; a row is named by its value cell."""

    file: Path
    sheet: str

    def _cell(self, order: int, index: int) -> str:
        return cell_reference(self.sheet, order - 1, index)

    def place(self, order: int, header: Header) -> Place:
        cells = {column: self._cell(order, i) for column, i in header.positions().items()}
        return Place(self.file, None, order, cells["value"], cells)

    def cell_problem(self, order: int, index: int, message: str) -> Problem:
        return Problem(message, self.file, None, self._cell(order, index))

    def row_problem(self, order: int, message: str) -> Problem:
        return Problem(message, self.file, None, f"{sheet_reference(self.sheet)}!{order}:{order}")

    def no_header(self) -> Problem:
        message = _("has no header: one of its first rows must name the columns, e.g. {columns}")
        message = message.format(columns="indicator, year, value, source")
        return Problem(message, self.file, None, sheet_reference(self.sheet))

    def header_problem(self, order: int, index: int, name: str, message: str) -> Problem:
        return self.cell_problem(order, index, message)

    def missing_column(self, order: int, column: str) -> Problem:
        message = _("required column {column} is missing from the header")
        return self.row_problem(order, message.format(column=column))

    def width_problem(self, row: TableRow, header: Header) -> str | None:
        return None


def _workbook_readers(header: Header, data: object) -> Readers:
    return WORKBOOK


def read_workbook(
    path: Path, display: Path, sheet: str | None = None
) -> tuple[list[ImportRow], list[Ordered]]:
    """The good rows of the sheet ``sheet`` (default: the first visible one) of the workbook at
    ``path`` and every problem with its cell (``display`` names the file). ``KpiError`` when it
    cannot be read or has no such sheet."""
    read = read_sheet(path, display, sheet)
    rows = [TableRow(index + 1, cells) for index, cells in enumerate(read.rows)]
    return read_table(rows, _SheetLayout(display, read.name), _workbook_readers)


__all__ = [
    "MAX_CELLS",
    "Sheet",
    "cell_reference",
    "column_letters",
    "is_percent_format",
    "read_sheet",
    "read_workbook",
    "sheet_reference",
]
