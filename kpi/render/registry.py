"""Every command's ``--format`` choices, each a format behind one interface.

A format is a function of a ``kpi/render`` module that takes the command's subject (the
assessment; for ``show`` also the indicator id; the gate's result for ``check``; the long table of
observations for ``export``; the assessment and its charts for ``report``) and returns text or
bytes. ``FORMATS`` names each by module and function, so a command imports only the format it
runs and start-up pays for nothing else.
Adding a format is one module (or function) and one entry here; ``kpi.cli.output.emit`` writes
what it returns.

Formats for people (``for_people``) follow ``--lang``; the others (JSON, CSV, SDMX-CSV, JUnit,
GitHub annotations) are the same in every language, except what PRODUCT.md names: the human
``message`` of a note.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kpi.i18n import DEFAULT_LANGUAGE, speaking

Rendered = str | bytes


@dataclass(frozen=True, slots=True)
class Format:
    """One ``--format`` choice: the function that renders it; whether it is for people (its
    text follows ``--lang``); whether it carries notes, whose messages follow ``--lang`` even
    in a machine format (the function then takes ``notes_lang``)."""

    module: str
    function: str
    for_people: bool
    note_messages: bool = False

    def load(self) -> Callable[..., Rendered]:
        """The rendering function (its module is imported now)."""
        renderer: Callable[..., Rendered] = getattr(
            importlib.import_module(self.module), self.function
        )
        return renderer


def _people(module: str, function: str) -> Format:
    return Format(f"kpi.render.{module}", function, for_people=True)


def _machines(module: str, function: str, note_messages: bool = False) -> Format:
    return Format(f"kpi.render.{module}", function, False, note_messages)


# command -> --format choice -> format; the first choice is the command's default.
FORMATS: dict[str, dict[str, Format]] = {
    "status": {
        "table": _people("table", "status_table"),
        "json": _machines("status_json", "render_status", note_messages=True),
        "csv": _machines("csv_table", "status_csv"),
        "markdown": _people("markdown", "status_markdown"),
    },
    "show": {
        "table": _people("table", "show_table"),
        "json": _machines("status_json", "render_show", note_messages=True),
    },
    "check": {
        "text": _people("gate_text", "render"),
        "json": _machines("gate_json", "render", note_messages=True),
        "github": _machines("gate_github", "render"),
        "junit": _machines("gate_junit", "render"),
    },
    "report": {
        "markdown": _people("report_markdown", "report_markdown"),
        "html": _people("report_html", "report_html"),
    },
    "export": {
        "csv": _machines("export", "render_csv"),
        "json": _machines("export", "render_json"),
        "sdmx-csv": _machines("export", "render_sdmx_csv"),
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
