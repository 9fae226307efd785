"""Write tests/fixtures/observations.xls from tests/fixtures/observations.csv (run by hand).

The tests import the two and expect the same observations. The .xls is an Excel 97-2003 workbook
as a statistics office sends one: a title row and an empty row above the header, the header in
Vietnamese, numbers as numbers, series breaks as Excel booleans, and a second sheet of notes.
Nothing but this script needs xlwt (``pip install xlwt``), so the tests read the stored file.

Usage: python scripts/make_import_fixtures.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import xlwt  # type: ignore[import-untyped, import-not-found, unused-ignore]

from kpi.columns import COLUMN_TITLES_VI

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def write_xls(source: Path, target: Path) -> None:
    """Write the observations of the CSV file ``source`` as the workbook ``target``."""
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Số liệu")
    sheet.write(0, 0, "Bảng 5. Số liệu các chỉ tiêu đến năm 2030")
    columns = list(rows[0])
    for index, column in enumerate(columns):
        title = COLUMN_TITLES_VI[column]
        sheet.write(2, index, title[0].upper() + title[1:])
    for number, row in enumerate(rows, start=3):
        for index, column in enumerate(columns):
            cell = row[column]
            if column == "year":
                sheet.write(number, index, int(cell))
            elif column == "value":
                sheet.write(number, index, float(cell))
            elif column == "series_break" and cell:
                sheet.write(number, index, cell == "true")
            elif cell:
                sheet.write(number, index, cell)
    notes = book.add_sheet("Ghi chú")
    notes.write(0, 0, "Nguồn: Cục Thống kê thành phố Hải Phòng")
    book.save(str(target))


if __name__ == "__main__":
    write_xls(FIXTURES / "observations.csv", FIXTURES / "observations.xls")
    print(f"wrote {FIXTURES / 'observations.xls'}")
