"""``kpi export``: every observation in long format (machine formats, the same in every language).
Indicators in ``targets.toml`` order, years ascending, values unrounded (``repr``); revisions
stay in the TOML files. SDMX-CSV's ``DATAFLOW`` is ``KPI:<dataflow_id>(1.0)``: agency ``KPI``
(this tool, as no statistical agency maintains the dataflow), version ``1.0``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def _text_cell(text: str | None) -> str:
    """``_cell`` of a text field: a large export has tens of thousands, so no type tests."""
    if text is None:
        return ""
    return FORMULA_GUARD + text if text.startswith(FORMULA_STARTS) else text


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def quoted(cell: str) -> str:
    """``cell`` as a field of a CSV line: in double quotes, its own doubled, where it holds a
    comma, a double quote or a line break; as it is otherwise (what ``csv.writer`` writes, with
    a carriage return quoted too)."""
    if _NEEDS_QUOTES.search(cell) is None:
        return cell
    return '"' + cell.replace('"', '""') + '"'


class _Fields(dict[Any, str]):
    """Each distinct value's CSV field (``quoted(cell(value))``), worked out once: an export of
    thousands of observations repeats its years, sources and flags thousands of times."""

    def __init__(self, cell: Callable[[Any], str]) -> None:
        super().__init__()
        self._cell = cell

    def __missing__(self, value: Any) -> str:
        field = self[value] = quoted(self._cell(value))
        return field


def _csv(header: Sequence[str], lines: Iterable[str]) -> str:
    """CSV text: the ``header`` line, then ``lines``, each ended by a newline."""
    return "\n".join([",".join(header), *lines, ""])


def render_csv(table: ObservationTable) -> str:
    """CSV with the header ``OBSERVATION_COLUMNS``, which ``kpi import`` reads back unchanged:
    the cells ``_cell`` writes (an id and a status are never a formula; a year is an int; a value
    a float, written by ``repr``), quoted as ``csv.writer`` quotes them."""
    texts, years, flags = _Fields(_text_cell), _Fields(str), _Fields(_cell)
    return _csv(
        OBSERVATION_COLUMNS,
        (
            f"{row.indicator_id},{years[o.year]},{o.value!r},{texts[o.source]},{o.status},"
            f"{flags[o.series_break]},{texts[o.url]},{texts[o.note]}"
            for row in table.rows
            for o in (row.observation,)
        ),
    )


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
    dataflow = quoted(
        _text_cell(f"{SDMX_AGENCY}:{dataflow_id(table.project_name)}({SDMX_VERSION})")
    )
    texts, years, flags = _Fields(_text_cell), _Fields(str), _Fields(_cell)
    return _csv(
        SDMX_COLUMNS,
        (
            f"{dataflow},{row.indicator_id},{years[o.year]},{o.value!r},{texts[row.unit]},"
            f"{o.status},{flags[o.series_break]},"
            f"{texts[f'{o.source} ({o.url})' if o.url else o.source]},{texts[o.note]}"
            for row in table.rows
            for o in (row.observation,)
        ),
    )
