"""``kpi export``: every observation in long format, one row per indicator and year.

Formats for machines, the same in every language. Indicators come in ``targets.toml`` order and
years ascending, with values unrounded (``repr`` of the float): ``csv`` in the import's columns
(``OBSERVATION_COLUMNS``: export then import round-trips), ``json`` as ``{"observations": [...]}``
with the same keys (``null`` for absent fields), and ``sdmx-csv`` (SDMX-CSV 1.0) with the
columns ``SDMX_COLUMNS``. Its ``DATAFLOW`` is ``KPI:<PROJECT_ID>(1.0)``: agency ``KPI`` (this
tool, as no statistical agency maintains the dataflow), id the project name in upper-case ASCII
letters, digits and ``_`` (see ``dataflow_id``), version ``1.0``. Revisions are not exported:
they live in the TOML files.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from kpi.model import OBSERVATION_COLUMNS, ObservationTable

SDMX_COLUMNS = (
    "DATAFLOW", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "BREAK",
    "SOURCE_DETAIL", "COMMENT_OBS",
)  # fmt: skip
SDMX_AGENCY = "KPI"
SDMX_VERSION = "1.0"


def records(table: ObservationTable) -> Iterator[dict[str, Any]]:
    """Every observation as a dict with the keys ``OBSERVATION_COLUMNS`` (``None`` for an
    absent url or note), in the table's order."""
    for row in table.rows:
        observation = row.observation
        yield {
            "indicator": row.indicator_id,
            "year": observation.year,
            "value": observation.value,
            "source": observation.source,
            "status": observation.status,
            "series_break": observation.series_break,
            "url": observation.url,
            "note": observation.note,
        }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_csv(header: Sequence[str], rows: Iterator[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def render_csv(table: ObservationTable) -> str:
    """CSV with the header ``OBSERVATION_COLUMNS``, which ``kpi import`` reads back unchanged."""
    columns = OBSERVATION_COLUMNS
    return _write_csv(columns, ([r[c] for c in columns] for r in records(table)))


def render_json(table: ObservationTable) -> str:
    """``{"observations": [...]}``, each object with the keys ``OBSERVATION_COLUMNS``, and a
    final newline."""
    document = {"observations": list(records(table))}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


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
        for row, record in zip(table.rows, records(table), strict=True):
            source = record["source"]
            if record["url"]:
                source = f"{source} ({record['url']})"
            yield [
                dataflow, record["indicator"], record["year"], record["value"], row.unit,
                record["status"], record["series_break"], source, record["note"],
            ]  # fmt: skip

    return _write_csv(SDMX_COLUMNS, rows())
