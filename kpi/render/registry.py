"""Every command's ``--format`` choices, each a format behind one interface.

A format is a function of a ``kpi/render`` module that takes the command's subject (the
assessment; for ``show`` also the indicator id; the gate's result for ``check``; the long table of
observations for ``export``) and returns text or bytes. ``FORMATS`` names each by module and
function, so a command imports only the format it runs and start-up pays for nothing else.
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

Rendered = str | bytes


@dataclass(frozen=True, slots=True)
class Format:
    """One ``--format`` choice: the function that renders it, and whether it is for people."""

    module: str
    function: str
    for_people: bool

    def load(self) -> Callable[..., Rendered]:
        """The rendering function (its module is imported now)."""
        renderer: Callable[..., Rendered] = getattr(
            importlib.import_module(self.module), self.function
        )
        return renderer


def _people(module: str, function: str) -> Format:
    return Format(f"kpi.render.{module}", function, for_people=True)


def _machines(module: str, function: str) -> Format:
    return Format(f"kpi.render.{module}", function, for_people=False)


# command -> --format choice -> format; the first choice is the command's default.
FORMATS: dict[str, dict[str, Format]] = {
    "status": {
        "table": _people("table", "status_table"),
        "json": _machines("status_json", "render_status"),
        "csv": _machines("csv_table", "status_csv"),
        "markdown": _people("markdown", "status_markdown"),
    },
    "show": {
        "table": _people("table", "show_table"),
        "json": _machines("status_json", "render_show"),
    },
    "check": {
        "text": _people("gate_text", "render"),
        "json": _machines("gate_json", "render"),
        "github": _machines("gate_github", "render"),
        "junit": _machines("gate_junit", "render"),
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


def render(command: str, name: str, *subject: Any) -> Rendered:
    """Render ``subject`` in format ``name`` of ``command`` (both as in ``FORMATS``)."""
    return FORMATS[command][name].load()(*subject)


__all__ = ["FORMATS", "Format", "Rendered", "choices", "render"]
