"""Workbooks of observations: ``kpi export --format xlsx`` (every observation, which ``kpi
import`` reads back unchanged) and ``kpi export --format xlsx --template`` (an empty sheet in the
import's columns, with a row of guidance and drop-down lists, for a department to fill in)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kpi.columns import column_title
from kpi.i18n import N_, _, language
from kpi.model import (
    MAX_YEAR,
    MIN_YEAR,
    OBSERVATION_COLUMNS,
    LevelIndicator,
    ObservationTable,
    RateIndicator,
)
from kpi.numbers import MAX_MAGNITUDE
from kpi.render import human
from kpi.render.workbook import Book, Column, Sheet, observations_sheet

EXPORT_SHEET = "observations"  # the same in every language, as the export's column ids are
LAST_ROW = 1_048_575  # Excel's last row (0-based): the template's lists hold in every row
IDS_NAME = "kpi_indicator_ids"  # the workbook name of the range that lists the indicator ids

# One short instruction per column of the template, in its first row.
GUIDANCE = {
    "indicator": N_("Fill in from row 3, one row per indicator and year. Indicator id: choose it "
                    "from the list (sheet {sheet})."),
    "year": N_("Year: a whole number from {min} to {max}."),
    "value": N_("Value: a number in the indicator's unit (see sheet {sheet}), without the unit."),
    "source": N_("Source: where the figure was published (required)."),
    "status": N_("Status: A normal (empty means A), E estimated, P provisional, F forecast."),
    "series_break": N_("Series break: TRUE when not comparable with earlier years; else empty."),
    "url": N_("Link to the publication (optional)."),
    "note": N_("What a reader should know (optional)."),
}  # fmt: skip
# Each template column's width in characters and the style of what is typed into it.
_ENTRY = {
    "indicator": (28, "entry_text"), "year": (14, "entry_year"), "value": (18, None),
    "source": (40, "entry_text"), "status": (18, "entry_text"), "series_break": (20, None),
    "url": (30, "entry_text"), "note": (36, "entry_text"),
}  # fmt: skip
_LINE_HEIGHT = 15  # points a line of the default font takes
Indicators = Mapping[str, LevelIndicator | RateIndicator]


def export_workbook(table: ObservationTable) -> bytes:
    """Every observation of ``table`` in one sheet, ``observations``: the header ``OBSERVATION_
    COLUMNS`` (ids, so any language imports it) in row 1, then one row per observation, years
    whole numbers, values unrounded numbers, ``series_break`` a boolean, empty cells for absent
    fields; header frozen, columns as wide as their text."""
    book = Book()
    entries = ((row.indicator_id, row.observation) for row in table.rows)
    observations_sheet(book, EXPORT_SHEET, OBSERVATION_COLUMNS, entries)
    return book.close()


def template_workbook(indicators: Indicators) -> bytes:
    """An empty workbook to fill in, in the current language. Its first sheet holds the data:
    row 1 one instruction per column, row 2 the import's headers (``kpi.columns.column_title``),
    data from row 3, with drop-down lists of the ``indicators``' ids, of the statuses and of
    TRUE/FALSE, and a whole year and a number enforced. Its second sheet lists the indicators
    (id, name, unit, bounds) that the drop-down list reads."""
    book = Book()
    data_name, list_name = _("Observations"), _("Indicators")
    data = book.sheet(data_name)
    _write_guidance(data, list_name)
    lang = language()
    for col, column in enumerate(OBSERVATION_COLUMNS):
        data.write(1, col, column_title(column, lang), "header")
    data.worksheet.freeze_panes(2, 0)
    listing = book.sheet(list_name)
    _list_indicators(listing, indicators)
    if indicators:
        quoted = list_name.replace("'", "''")
        book.workbook.define_name(IDS_NAME, f"='{quoted}'!$A$2:$A${len(indicators) + 1}")
    _add_validations(data, list_name, with_ids=bool(indicators))
    book.workbook.set_properties({"title": _("Observations to import with kpi")})
    return book.close()


def _write_guidance(sheet: Sheet, list_name: str) -> None:
    """Row 1 of the data sheet: each column's instruction, wrapped, the row tall enough for the
    longest; each column as wide as ``_ENTRY`` says, in the style of what is typed into it."""
    lines = 1
    for col, column in enumerate(OBSERVATION_COLUMNS):
        text = _(GUIDANCE[column]).format(sheet=list_name, min=MIN_YEAR, max=MAX_YEAR)
        sheet.write(0, col, text, "guidance")
        width, style = _ENTRY[column]
        lines = max(lines, math.ceil(len(text) / (width - 2)))
        cell_format = sheet.formats[style] if style else None
        sheet.worksheet.set_column(col, col, width, cell_format)
    sheet.worksheet.set_row(0, _LINE_HEIGHT * lines)


def _list_indicators(sheet: Sheet, indicators: Indicators) -> None:
    """The sheet of the project's indicators, for reference and for the drop-down list."""
    columns = [
        Column(_("Indicator id")), Column(_("Indicator"), "wrap"), Column(_("Unit")),
        Column(_("Lower bound"), "general"), Column(_("Upper bound"), "general"),
    ]  # fmt: skip
    rows = []
    for indicator_id, indicator in indicators.items():
        low, high = indicator.bounds or (None, None)
        name = human.name_of(indicator) or indicator_id
        rows.append([indicator_id, name, indicator.unit, low, high])
    sheet.table(columns, rows)
    sheet.fit()


def _add_validations(sheet: Sheet, list_name: str, *, with_ids: bool) -> None:
    """What each column of the data sheet accepts from row 3 on, with a message saying so."""
    column = OBSERVATION_COLUMNS.index
    rules: list[tuple[str, dict[str, Any]]] = [
        ("year", {
            "validate": "integer", "criteria": "between", "minimum": MIN_YEAR,
            "maximum": MAX_YEAR, "error_title": _("Not a year"),
            "error_message": _("A year is a whole number from {min} to {max}.").format(
                min=MIN_YEAR, max=MAX_YEAR),
        }),
        ("value", {
            "validate": "decimal", "criteria": "between", "minimum": -MAX_MAGNITUDE,
            "maximum": MAX_MAGNITUDE, "error_title": _("Not a number"),
            "error_message": _("The value is a number, without its unit."),
        }),
        ("status", {
            "validate": "list", "source": ["A", "E", "P", "F"], "error_title": _("Not a status"),
            "error_message": _("A normal, E estimated, P provisional, F forecast; empty means A."),
        }),
        ("series_break", {
            "validate": "list", "source": ["TRUE", "FALSE"], "error_title": _("Not TRUE or FALSE"),
            "error_message": _("TRUE when not comparable with earlier years; empty means FALSE."),
        }),
    ]  # fmt: skip
    if with_ids:
        rules.insert(0, ("indicator", {
            "validate": "list", "source": f"={IDS_NAME}", "error_title": _("Unknown indicator"),
            "error_message": _("Choose an indicator id from the list (sheet {sheet}).").format(
                sheet=list_name),
        }))  # fmt: skip
    for name, options in rules:
        col = column(name)
        if sheet.worksheet.data_validation(2, col, LAST_ROW, col, options) != 0:
            raise ValueError(f"XlsxWriter refused the validation of {name}: {options}")
