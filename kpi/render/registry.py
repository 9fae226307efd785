"""Every command's ``--format`` choices, each a function of a ``kpi/render`` module that takes
the command's subject (assessment, gate result, observation table...) and returns text or bytes
(written by ``kpi.cli.output.emit``). ``FORMATS`` names each by module and function, so a command
imports only the format it runs. Formats for people follow ``--lang``; the others are the same in
every language, but for the notes' messages (PRODUCT.md)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kpi.i18n import DEFAULT_LANGUAGE, speaking

Rendered = str | bytes


@dataclass(frozen=True, slots=True)
class Format:
    """One ``--format`` choice: the function of a ``kpi.render`` module that renders it; whether
    it is for people (its text follows ``--lang``); whether it carries notes, whose messages follow
    ``--lang`` even in a machine format (the function then takes ``notes_lang``)."""

    module: str
    function: str
    for_people: bool = False
    note_messages: bool = False

    def load(self) -> Callable[..., Rendered]:
        """The rendering function (its module is imported now)."""
        module = importlib.import_module(f"kpi.render.{self.module}")
        renderer: Callable[..., Rendered] = getattr(module, self.function)
        return renderer


# command -> --format choice -> format; the first choice is the command's default.
FORMATS: dict[str, dict[str, Format]] = {
    "status": {
        "table": Format("table", "status_table", for_people=True),
        "json": Format("status_json", "render_status", note_messages=True),
        "csv": Format("csv_table", "status_csv"),
        "markdown": Format("markdown", "status_markdown", for_people=True),
    },
    "show": {
        "table": Format("table", "show_table", for_people=True),
        "json": Format("status_json", "render_show", note_messages=True),
    },
    "check": {
        "text": Format("gate_text", "render", for_people=True),
        "json": Format("gate_json", "render", note_messages=True),
        "github": Format("gate_github", "render"),
        "junit": Format("gate_junit", "render"),
    },
    "report": {
        "markdown": Format("report_markdown", "report_markdown", for_people=True),
        "html": Format("report_html", "report_html", for_people=True),
    },
    "export": {
        "csv": Format("export", "render_csv"),
        "json": Format("export", "render_json"),
        "sdmx-csv": Format("export", "render_sdmx_csv"),
    },
}


def choices(command: str) -> tuple[str, ...]:
    """The ``--format`` choices of ``command``, its default first."""
    return tuple(FORMATS[command])


def render(command: str, name: str, *subject: Any, lang: str) -> Rendered:
    """Render ``subject`` in format ``name`` of ``command`` (both as in ``FORMATS``): a format
    for people in language ``lang``; a format for machines in English (the message ids), the
    same in every language, but for the notes' messages, which are in ``lang``."""
    chosen = FORMATS[command][name]
    renderer = chosen.load()
    with speaking(lang if chosen.for_people else DEFAULT_LANGUAGE):
        if chosen.note_messages:
            return renderer(*subject, notes_lang=lang)
        return renderer(*subject)


__all__ = ["FORMATS", "Format", "Rendered", "choices", "render"]
