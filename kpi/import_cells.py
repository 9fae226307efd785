"""How one cell of an import file becomes a field: ``Readers`` per format (CSV text, workbook
cells, JSON values) read a year, a value, a status, a series break or a text, or raise
``Unreadable`` saying why, for people.

CSV cells are text: ``.`` decimals, or decimal commas in a file whose delimiter is not a comma
(``csv_readers``). Workbook cells keep their type: a number is read as it is stored, a year must
be a whole number, a date, an error (``#N/A``) or a percentage is refused with what to change.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kpi.columns import header_key
from kpi.i18n import N_, _, language
from kpi.model import MAX_YEAR, MIN_YEAR, ObservationStatus, is_identifier
from kpi.numbers import PLAIN_DECIMAL, magnitude_problem, parse_value, parse_year
from kpi.text import FORMULA_GUARD, FORMULA_STARTS

_STATUSES: dict[Any, ObservationStatus] = {"A": "A", "E": "E", "P": "P", "F": "F"}
# Series break spellings, compared as header names are (kpi.columns.header_key): case and
# accents ignored, so "TRUE", "Có" and "KHÔNG" are read too.
_TRUE = frozenset({"true", "yes", "1", "co"})
_FALSE = frozenset({"false", "no", "0", "khong", ""})
# The error values a spreadsheet shows for a formula that failed; Excel writes them as text in
# a CSV file.
ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)  # fmt: skip
_NOT_A_YEAR = N_("{value} is not a whole number (a year such as 2024)")
_EMPTY = {
    "indicator": N_("is empty"),
    "source": N_("is empty; every observation names its source"),
}


class Unreadable(Exception):
    """A cell that cannot be read; the message says why, for people."""


@dataclass(frozen=True)
class ErrorValue:
    """A workbook cell holding an error value (``#N/A``, ``#DIV/0!``): a formula that failed."""

    code: str


@dataclass(frozen=True)
class Percentage:
    """A workbook number formatted as a percentage: Excel shows 0.625 as ``62.5%``."""

    value: float


@dataclass(frozen=True)
class Uncomputed:
    """A workbook cell holding a formula that was never calculated (no saved result)."""


def exact_number(value: float) -> str:
    """``value`` unrounded (its ``repr``, as export writes it) for a message to people: with a
    decimal comma in Vietnamese (``45,12``)."""
    text = repr(value)
    return text.replace(".", ",") if language() == "vi" else text


def year_in_range(year: int | float) -> int:
    """``year`` (a whole number) when it is from ``MIN_YEAR`` to ``MAX_YEAR``; ``Unreadable``
    otherwise."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        shown = str(year) if isinstance(year, int) else _number_text(year)
        message = _("{year} is not a year from {first} to {last}")
        raise Unreadable(message.format(year=shown, first=MIN_YEAR, last=MAX_YEAR))
    return int(year)


def _number_text(value: float) -> str:
    """``value`` as Excel's General format shows it: a whole number without ``.0``."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def finite(value: float, shown: str) -> float:
    """``value`` when it is finite and within kpi's magnitude (``shown`` in the message)."""
    if not math.isfinite(value):
        raise Unreadable(_("{value} is not a finite number").format(value=shown))
    if magnitude_problem(value) is not None:
        raise Unreadable(f"{shown} {magnitude_problem(value)}")
    return value


# ------------------------------------------------------------------------------ CSV text cells


def _csv_year(cell: str) -> int:
    try:
        return year_in_range(parse_year(cell))
    except ValueError as error:
        raise Unreadable(str(error)) from None


def _csv_value(cell: str) -> float:
    try:
        return parse_value(cell)
    except ValueError as error:
        raise Unreadable(str(error)) from None


def uses_decimal_comma(cell: str) -> bool:
    """Whether ``cell`` writes a number with a decimal comma (``12,04``) and no dot."""
    plain = cell.strip()
    if "," not in plain or "." in plain:
        return False
    return PLAIN_DECIMAL.fullmatch(plain.replace(",", ".")) is not None


def _refuse_thousands(cell: str) -> None:
    if "." in cell and "," in cell:
        message = _(
            "{value} has both '.' and ',': write the number without a thousands separator "
            "(e.g. 1234,5)"
        )
        raise Unreadable(message.format(value=repr(cell.strip())))


def _value_with_dot(cell: str) -> float:
    """A value of a file whose delimiter is not a comma and whose values use ``.`` decimals."""
    _refuse_thousands(cell)
    return _csv_value(cell)


def _value_with_comma(cell: str) -> float:
    """A value of a file whose delimiter is not a comma and whose values use decimal commas."""
    _refuse_thousands(cell)
    if "." in cell:
        message = _(
            "{value} has a '.' but this file writes decimals with a comma: is it a thousands "
            "separator or a decimal point? Write it with a decimal comma and no thousands "
            "separator (e.g. 1234,5)"
        )
        raise Unreadable(message.format(value=repr(cell.strip())))
    if not uses_decimal_comma(cell):
        return _csv_value(cell)
    return finite(float(cell.strip().replace(",", ".")), repr(cell.strip()))


def _text_status(cell: str) -> ObservationStatus:
    status = _STATUSES.get(cell.strip().upper() or "A")
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or leave it empty)")
        raise Unreadable(message.format(value=repr(cell)))
    return status


def _text_series_break(cell: str) -> bool:
    key = header_key(cell)
    if key not in _TRUE | _FALSE:
        message = _("{value} is not true/false, yes/no, có/không, 1/0 or empty")
        raise Unreadable(message.format(value=repr(cell)))
    return key in _TRUE


def _csv_text(cell: str) -> str | None:
    if cell.startswith(FORMULA_GUARD) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell if cell.strip() else None


# -------------------------------------------------------------------------------- workbook cells

_DATES = (dt.date, dt.time, dt.timedelta)  # dt.datetime is a dt.date


def _excel_boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _refuse_date(cell: Any) -> None:
    if isinstance(cell, _DATES):
        message = _(
            "is a date or time in the workbook ({date}), not a number: format the cell as a number"
        )
        raise Unreadable(message.format(date=str(cell)))


def _refuse_percentage(cell: Any) -> None:
    if isinstance(cell, Percentage):
        message = _(
            "is formatted as a percentage ({percent}%, stored as {value}): type the figure "
            "itself ({percent}) in a cell formatted as a number"
        )
        raise Unreadable(
            message.format(percent=exact_number(cell.value * 100), value=exact_number(cell.value))
        )


def _cell_year(cell: Any) -> int:
    _refuse_date(cell)
    _refuse_percentage(cell)
    if isinstance(cell, bool):
        raise Unreadable(_(_NOT_A_YEAR).format(value=_excel_boolean(cell)))
    if isinstance(cell, float) and not cell.is_integer():
        raise Unreadable(_(_NOT_A_YEAR).format(value=exact_number(cell)))
    if isinstance(cell, int | float):
        return year_in_range(cell)
    if isinstance(cell, str) and cell.strip():
        return _csv_year(cell)
    raise Unreadable(_("is empty"))


def _cell_value(cell: Any) -> float:
    _refuse_date(cell)
    _refuse_percentage(cell)
    if isinstance(cell, bool):
        raise Unreadable(_("{value} is not a number").format(value=_excel_boolean(cell)))
    if isinstance(cell, int | float):
        return finite(float(cell), exact_number(float(cell)))
    if isinstance(cell, str) and cell.strip():
        try:
            return parse_value(cell)
        except ValueError:
            message = _(
                "{value} is text, not a number: type it as a number (or as text with '.' "
                "decimals, e.g. 45.12)"
            )
            raise Unreadable(message.format(value=repr(cell))) from None
    raise Unreadable(_("is empty"))


def _cell_status(cell: Any) -> ObservationStatus:
    if isinstance(cell, str):
        return _text_status(cell)
    message = _("{value} is not a status: use A, E, P or F (or leave it empty)")
    raise Unreadable(message.format(value=_cell_text(cell)))


def _cell_series_break(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return cell == 1
    if isinstance(cell, str):
        return _text_series_break(cell)
    message = _("{value} is not true/false, yes/no, có/không, 1/0 or empty")
    raise Unreadable(message.format(value=_cell_text(cell)))


def _cell_text(cell: Any) -> str | None:
    """A text field's cell as Excel shows it in the General format; a text cell as it is."""
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, bool):
        return _excel_boolean(cell)
    if isinstance(cell, Percentage):
        cell = cell.value
    if isinstance(cell, float):
        return _number_text(cell)
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def _refuse_spreadsheet_error(cell: Any) -> None:
    """A formula's error (a workbook's error cell, or its text ``#N/A`` in a CSV file) and a
    formula without a result are refused in every column."""
    if isinstance(cell, Uncomputed):
        message = _(
            "holds a formula that was never calculated (no saved result): open the workbook "
            "in Excel or LibreOffice, let it calculate, and save it"
        )
        raise Unreadable(message)
    code = cell.code if isinstance(cell, ErrorValue) else cell
    if isinstance(cell, ErrorValue) or (isinstance(code, str) and code.strip() in ERROR_VALUES):
        message = _("holds the error {error} of a formula: correct the formula or type the value")
        raise Unreadable(message.format(error=str(code).strip()))


# ----------------------------------------------------------------------------------- JSON values


def _json_shown(value: Any) -> str:
    import json

    return json.dumps(value)


def _json_year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unreadable(_(_NOT_A_YEAR).format(value=_json_shown(value)))
    return year_in_range(value)


def _json_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unreadable(_("{value} is not a number").format(value=_json_shown(value)))
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    return finite(number, _json_shown(value))


def _json_status(value: Any) -> ObservationStatus:
    status = (
        _STATUSES.get("A" if value is None else value) if isinstance(value, str | None) else None
    )
    if status is None:
        message = _("{value} is not a status: use A, E, P or F (or null)")
        raise Unreadable(message.format(value=_json_shown(value)))
    return status


def _json_series_break(value: Any) -> bool:
    if value is not None and not isinstance(value, bool):
        message = _("{value} is not true, false or null")
        raise Unreadable(message.format(value=_json_shown(value)))
    return value is True


def _json_text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Unreadable(_("{value} is not text").format(value=_json_shown(value)))
    return value or None


# ---------------------------------------------------------------------------------- the readers


@dataclass(frozen=True)
class Readers:
    """One format's readers: each returns the cell's value (``None``: absent) or raises
    ``Unreadable``; the columns other than these four are text. ``spreadsheet``: a cell holding
    a formula's error (or its text, ``#N/A``) is refused in every column."""

    year: Callable[[Any], int]
    value: Callable[[Any], float]
    status: Callable[[Any], ObservationStatus]
    series_break: Callable[[Any], bool]
    text: Callable[[Any], str | None]
    spreadsheet: bool = True

    def read(self, column: str, cell: Any) -> Any:
        """The field ``column`` from ``cell``; ``Unreadable`` when it cannot be read."""
        if self.spreadsheet:
            _refuse_spreadsheet_error(cell)
        if column in ("year", "value", "status", "series_break"):
            return getattr(self, column)(cell)
        text = self.text(cell)
        if text is None and column in _EMPTY:
            raise Unreadable(_(_EMPTY[column]))
        if column == "indicator" and text is not None and not is_identifier(text):
            message = _("{indicator} is not a valid indicator id")
            raise Unreadable(message.format(indicator=repr(text)))
        return text


_CSV = Readers(_csv_year, _csv_value, _text_status, _text_series_break, _csv_text)
WORKBOOK = Readers(_cell_year, _cell_value, _cell_status, _cell_series_break, _cell_text)
JSON = Readers(
    _json_year, _json_value, _json_status, _json_series_break, _json_text, spreadsheet=False
)


def csv_readers(delimiter: str, decimal_comma: bool) -> Readers:
    """The readers of a CSV file with ``delimiter``: ``.`` decimals where it is a comma;
    otherwise decimal commas where some value has one (``decimal_comma``: then a value with a
    dot is ambiguous), ``.`` decimals where none has, and never both ``.`` and ``,``."""
    if delimiter == ",":
        return _CSV
    value = _value_with_comma if decimal_comma else _value_with_dot
    return Readers(_csv_year, value, _text_status, _text_series_break, _csv_text)


__all__ = [
    "ERROR_VALUES",
    "JSON",
    "WORKBOOK",
    "ErrorValue",
    "Percentage",
    "Readers",
    "Uncomputed",
    "Unreadable",
    "csv_readers",
    "exact_number",
    "finite",
    "uses_decimal_comma",
    "year_in_range",
]
