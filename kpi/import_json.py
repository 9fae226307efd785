"""A JSON import file: a list of observation objects, or the ``{"observations": [...]}`` object
that ``kpi export --format json`` writes; each object's problems keyed by its index and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kpi.errors import Problem
from kpi.i18n import _
from kpi.import_cells import JSON
from kpi.import_rows import COLUMNS, ImportRow, Ordered, Place, RowReading, build_row


def _json_integer(digits: str) -> int | float:
    """A JSON integer, as a float (which cannot be a year) beyond 30 digits: Python refuses to
    convert more than 4,300 digits to an integer."""
    return int(digits) if len(digits) <= 30 else float(digits)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _element_offsets(text: str, start: int) -> list[tuple[Any, int]]:
    """``(key, offset)`` of each value in the (valid) JSON array or object that opens at
    ``text[start]``; the key is ``None`` in an array."""
    decoder = json.JSONDecoder(parse_int=_json_integer)
    elements = []
    in_object = text[start] == "{"
    index = _skip_space(text, start + 1)
    while index < len(text) and text[index] not in "]}":
        key = None
        if in_object:
            key, index = decoder.raw_decode(text, index)
            index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
        elements.append((key, index))
        _, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
    return elements


def _at_start(problems: list[Problem]) -> list[Ordered]:
    return [(0, problem) for problem in problems]


def read_json(text: str, display: Path) -> tuple[list[ImportRow], list[Ordered]]:
    """The good rows of the JSON ``text`` and every problem, each with its object's line."""
    try:
        document = json.loads(text, parse_int=_json_integer)
    except json.JSONDecodeError as error:
        message = _("is not valid JSON: {error}").format(error=error.msg)
        return [], _at_start([Problem(message, display, error.lineno)])
    except RecursionError:
        return [], _at_start([Problem(_("is not valid JSON: nested too deeply"), display)])
    start = _skip_space(text, 0)
    prefix = ""
    if isinstance(document, dict):
        extra = [key for key in document if key != "observations"]
        if extra:
            message = _("unknown key (the object holds only 'observations')")
            return [], _at_start([Problem(message, display, 1, key) for key in extra])
        if not isinstance(document.get("observations"), list):
            message = _("must be a list of observation objects")
            return [], _at_start([Problem(message, display, 1, "observations")])
        items: list[Any] = document["observations"]
        start = dict(_element_offsets(text, start))["observations"]  # where the list opens
        prefix = "observations"
    elif isinstance(document, list):
        items = document
    else:
        message = _(
            "must be a list of observation objects, or an object "
            '{"observations": [...]} as `kpi export --format json` writes'
        )
        return [], _at_start([Problem(message, display, 1)])
    offsets = [offset for _key, offset in _element_offsets(text, start)]
    rows: list[ImportRow] = []
    problems: list[Ordered] = []
    for index, item in enumerate(items):
        line = text.count("\n", 0, offsets[index]) + 1 if index < len(offsets) else None
        row = RowReading(Place(display, line, line or 0, f"{prefix}[{index}]"))
        if not isinstance(item, dict):
            message = _("is not an object with the keys {keys}")
            row.problem("", message.format(keys=", ".join(COLUMNS)))
        else:
            for key in item:
                if key not in COLUMNS:
                    message = _("unknown key (the keys are: {keys})")
                    row.problem(key, message.format(keys=", ".join(COLUMNS)))
            built = build_row(row, item, JSON)
            if built is not None:
                rows.append(built)
        problems += row.ordered()
    return rows, problems


__all__ = ["read_json"]
