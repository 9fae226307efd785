"""Every command's ``--format`` choices, each a function of a ``kpi/render`` module that takes
the command's subject (assessment, gate result, observation table...) and returns text, bytes
(a workbook: ``binary``) or a JSON document (a dict) that ``render`` turns into text, which
``kpi.cli.output.emit`` writes. ``FORMATS`` names each by module and function, so a command
imports only the format it runs. Formats for people follow ``--lang``; the others are the same
in every language, but for the notes' messages (PRODUCT.md)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from kpi.i18n import DEFAULT_LANGUAGE, speaking

Rendered = str | bytes


class Format(NamedTuple):
    """One ``--format`` choice: the function of a ``kpi.render`` module that renders it; whether
    it is for people (its text follows ``--lang``); whether it carries notes, whose messages follow
    ``--lang`` even in a machine format (the function then takes ``notes_lang``); whether it is
    laid out for the terminal on stdout (the function then takes ``terminal``, ``False`` for a
    file); whether it is ``binary`` (bytes, which a terminal cannot show)."""

    module: str
    function: str
    for_people: bool = False
    note_messages: bool = False
    fits_terminal: bool = False
    binary: bool = False

    def load(self) -> Callable[..., Rendered | dict[str, Any]]:
        """The rendering function (its module is imported now)."""
        module = importlib.import_module(f"kpi.render.{self.module}")
        renderer: Callable[..., Rendered | dict[str, Any]] = getattr(module, self.function)
        return renderer


# command -> --format choice -> format; the first choice is the command's default.
FORMATS: dict[str, dict[str, Format]] = {
    "status": {
        "table": Format("table", "status_table", for_people=True, fits_terminal=True),
        "json": Format("status_json", "status_document", note_messages=True),
        "csv": Format("csv_table", "status_csv"),
        "markdown": Format("markdown", "status_markdown", for_people=True),
        "xlsx": Format("workbook_status", "status_workbook", for_people=True, binary=True),
    },
    "show": {
        "table": Format("table", "show_table", for_people=True),
        "json": Format("status_json", "show_document", note_messages=True),
    },
    "check": {
        "text": Format("gate_text", "render", for_people=True),
        "json": Format("gate_json", "document", note_messages=True),
        "github": Format("gate_github", "render"),
        "junit": Format("gate_junit", "render"),
        "markdown": Format("gate_markdown", "render", for_people=True),
    },
    "validate": {
        "text": Format("validation", "render_text", for_people=True),
        "json": Format("validation", "document"),
        "github": Format("validation", "render_github"),
        "junit": Format("validation", "render_junit"),
    },
    "report": {
        "markdown": Format("report_markdown", "report_markdown", for_people=True),
        "html": Format("report_html", "report_html", for_people=True),
        "xlsx": Format("workbook_status", "report_workbook", for_people=True, binary=True),
    },
    "export": {
        "csv": Format("export", "render_csv"),
        "json": Format("export", "json_document"),
        "sdmx-csv": Format("export", "render_sdmx_csv"),
        "xlsx": Format("workbook_data", "export_workbook", binary=True),
    },
}


def choices(command: str) -> tuple[str, ...]:
    """The ``--format`` choices of ``command``, its default first."""
    return tuple(FORMATS[command])


def is_binary(command: str, name: str) -> bool:
    """Whether format ``name`` of ``command`` renders bytes (a workbook) rather than text."""
    return FORMATS[command][name].binary


def render(command: str, name: str, *subject: Any, lang: str, to_file: bool = False) -> Rendered:
    """Render ``subject`` in format ``name`` of ``command`` (both as in ``FORMATS``): in ``lang``
    for people; for machines in English (the message ids), but for the notes' messages. With
    ``to_file`` (``--output``) a format laid out for the terminal is laid out as for a file."""
    chosen = FORMATS[command][name]
    options: dict[str, Any] = {"notes_lang": lang} if chosen.note_messages else {}
    if chosen.fits_terminal and to_file:
        options["terminal"] = False
    with speaking(lang if chosen.for_people else DEFAULT_LANGUAGE):
        rendered = chosen.load()(*subject, **options)
    if isinstance(rendered, dict):  # a JSON document
        from kpi.render.status_json import as_json

        return as_json(rendered)
    return rendered


__all__ = ["FORMATS", "Format", "Rendered", "choices", "is_binary", "render"]
