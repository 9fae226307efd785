"""``kpi export --format csv`` writes its lines itself: the same bytes as ``csv.writer`` writing
the cells of ``_cell`` (formula guard, ``repr`` of values), on any observation kpi accepts."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from kpi.model import OBSERVATION_COLUMNS, Observation, ObservationRow, ObservationTable
from kpi.render.export import SDMX_COLUMNS, _cell, dataflow_id, quoted, render_csv, render_sdmx_csv

# Text as a data file may hold it: anything but a line break (the text rule refuses control
# characters; a carriage return is quoted here where Python 3.11's csv.writer does not).
TEXTS = st.text(st.characters(blacklist_characters="\r\n"), min_size=1, max_size=12)
AWKWARD = st.sampled_from(["a,b", '"', "=1+2", "-x", "@home", "+", " ", 'đ, "x"', "'", ";"])


def reference_csv(table: ObservationTable, *, sdmx: bool = False) -> str:
    """What the export wrote before: ``csv.writer`` of each row's ``_cell``s."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SDMX_COLUMNS if sdmx else OBSERVATION_COLUMNS)
    dataflow = f"KPI:{dataflow_id(table.project_name)}(1.0)"
    for row in table.rows:
        o = row.observation
        if sdmx:
            source = f"{o.source} ({o.url})" if o.url else o.source
            values = [dataflow, row.indicator_id, o.year, o.value, row.unit, o.status,
                      o.series_break, source, o.note]  # fmt: skip
        else:
            values = [row.indicator_id, o.year, o.value, o.source, o.status, o.series_break,
                      o.url, o.note]  # fmt: skip
        writer.writerow([_cell(value) for value in values])
    return buffer.getvalue()


observations = st.builds(
    Observation,
    year=st.integers(1900, 2100),
    value=st.floats(-1e18, 1e18, allow_nan=False),
    source=TEXTS | AWKWARD,
    status=st.sampled_from(["A", "E", "P", "F"]),
    series_break=st.booleans(),
    url=st.none() | TEXTS | AWKWARD,
    note=st.none() | TEXTS | AWKWARD,
)
rows = st.builds(
    ObservationRow,
    indicator_id=st.sampled_from(["grdp", "high_tech_share", "x1"]),
    unit=st.sampled_from(["%", "tỷ đồng, giá 2010", '"pts"', "-"]),
    observation=observations,
)


@given(st.lists(rows, max_size=8))
def test_the_export_writes_what_csv_writer_writes(table_rows: list[ObservationRow]) -> None:
    table = ObservationTable("p", tuple(table_rows))

    assert render_csv(table) == reference_csv(table)


@given(st.lists(rows, max_size=8), TEXTS | AWKWARD)
def test_the_sdmx_export_writes_what_csv_writer_writes(
    table_rows: list[ObservationRow], name: str
) -> None:
    table = ObservationTable(name, tuple(table_rows))

    assert render_sdmx_csv(table) == reference_csv(table, sdmx=True)


@given(st.lists(TEXTS | AWKWARD, min_size=2, max_size=6))
def test_a_quoted_field_reads_back_as_itself(cells: list[str]) -> None:
    line = ",".join(quoted(cell) for cell in cells)

    assert next(csv.reader(io.StringIO(line))) == cells


def test_quoting_only_where_a_reader_needs_it() -> None:
    assert quoted("Niên giám thống kê 2023") == "Niên giám thống kê 2023"
    assert quoted("GSO, 2024") == '"GSO, 2024"'
    assert quoted('the "white book"') == '"the ""white book"""'
    assert quoted("a\rb") == '"a\rb"'
    assert quoted("line\nbreak") == '"line\nbreak"'


def test_a_formula_is_guarded_and_then_quoted() -> None:
    row = ObservationRow("grdp", "%", Observation(2024, 1.5, '=HYPERLINK("x"),1', note="@x"))

    [_, line] = render_csv(ObservationTable("p", (row,))).splitlines()

    assert line == 'grdp,2024,1.5,"\'=HYPERLINK(""x""),1",A,false,,\'@x'
