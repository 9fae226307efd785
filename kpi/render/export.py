"""``kpi export``: every observation in long format (machine formats, the same in every language).
Indicators in ``targets.toml`` order, years ascending, values unrounded (``repr``); revisions
stay in the TOML files. SDMX-CSV's ``DATAFLOW`` is ``KPI:<dataflow_id>(1.0)``: agency ``KPI``
(this tool, as no statistical agency maintains the dataflow), version ``1.0``."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from kpi.model import OBSERVATION_COLUMNS, ObservationTable
from kpi.text import FORMULA_GUARD, FORMULA_STARTS

SDMX_COLUMNS = (
    "DATAFLOW", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "BREAK",
    "SOURCE_DETAIL", "COMMENT_OBS",
)  # fmt: skip
SDMX_AGENCY = "KPI"
SDMX_VERSION = "1.0"


def records(table: ObservationTable) -> Iterator[dict[str, Any]]:
    """Each observation in order, as a dict keyed by ``OBSERVATION_COLUMNS`` (``None``: absent)."""
    indicator, *fields = OBSERVATION_COLUMNS
    for row in table.rows:
        yield {indicator: row.indicator_id} | {key: getattr(row.observation, key) for key in fields}


def _cell(value: Any) -> str:
    """A CSV cell: text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first)
    behind an apostrophe, which ``kpi import`` removes (``kpi.text.FORMULA_GUARD``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _text_cell(str(value))


def _write_cells(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV of ``header`` then ``rows``, whose cells are already what is written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_csv(header: Sequence[str], rows: Iterator[Sequence[Any]]) -> str:
    """CSV of ``header`` then ``rows``, each value written as ``_cell`` writes it."""
    return _write_cells(header, ([_cell(value) for value in row] for row in rows))


def _text_cell(text: str | None) -> str:
    """``_cell`` of a text field: a large export has tens of thousands, so no type tests."""
    if text is None:
        return ""
    return FORMULA_GUARD + text if text.startswith(FORMULA_STARTS) else text


def render_csv(table: ObservationTable) -> str:
    """CSV with the header ``OBSERVATION_COLUMNS``, which ``kpi import`` reads back unchanged:
    the cells ``_cell`` writes, each column converted by its own type (an id and a status are
    never a formula; a year is an int; a value a float, written by ``repr``)."""
    return _write_cells(
        OBSERVATION_COLUMNS,
        (
            (
                row.indicator_id, o.year, repr(o.value), _text_cell(o.source), o.status,
                "true" if o.series_break else "false", _text_cell(o.url), _text_cell(o.note),
            )
            for row in table.rows
            for o in (row.observation,)
        ),
    )  # fmt: skip


def json_document(table: ObservationTable) -> dict[str, Any]:
    """``{"observations": [...]}``, each observation with the keys ``OBSERVATION_COLUMNS``."""
    return {"observations": list(records(table))}


def dataflow_id(project_name: str) -> str:
    """The SDMX dataflow id of a project: its name in ASCII (accents dropped), upper case, every
    run of other characters as one ``_``; ``KPI_`` in front when it would not start with a letter.
    ``"Hải Phòng 2030"`` gives ``HAI_PHONG_2030``."""
    ascii_name = (
        unicodedata.normalize("NFKD", project_name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    identifier = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_").upper()
    if not identifier[:1].isalpha():
        identifier = f"KPI_{identifier}".rstrip("_")
    return identifier


def render_sdmx_csv(table: ObservationTable) -> str:
    """SDMX-CSV 1.0 with the header ``SDMX_COLUMNS``: one row per observation, ``BREAK`` as
    ``true``/``false``, ``SOURCE_DETAIL`` the source (and its url in brackets)."""
    dataflow = f"{SDMX_AGENCY}:{dataflow_id(table.project_name)}({SDMX_VERSION})"

    def rows() -> Iterator[list[Any]]:
        for row in table.rows:
            obs = row.observation
            source = f"{obs.source} ({obs.url})" if obs.url else obs.source
            yield [
                dataflow, row.indicator_id, obs.year, obs.value, row.unit, obs.status,
                obs.series_break, source, obs.note,
            ]  # fmt: skip

    return _write_csv(SDMX_COLUMNS, rows())
