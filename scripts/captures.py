"""Write the captures of the status table that the README links to (docs/captures/).

    python scripts/captures.py

For each width (80 and 160 columns) and language: a plain-text capture (what a terminal with
NO_COLOR shows) and an SVG picture of the coloured table, both from Rich's own recording.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console

from kpi.i18n import set_language
from kpi.progress import assess_project
from kpi.render import table
from kpi.store import load_project

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "captures"
AS_OF = 2026


def capture(width: int, language: str) -> None:
    """Render ``kpi status --as-of 2026`` at ``width`` columns in ``language`` into OUT."""
    set_language(language)
    console = Console(
        width=width,
        record=True,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        file=io.StringIO(),
    )
    original: Any = table._console
    table._console = lambda: console  # type: ignore[assignment]
    try:
        project = load_project(ROOT)
        table.print_status(project, assess_project(project, AS_OF))
    finally:
        table._console = original
    stem = OUT / f"status-{language}-{width}"
    stem.with_suffix(".txt").write_text(console.export_text(clear=False), encoding="utf-8")
    title = f"kpi status --as-of {AS_OF} --lang {language} ({width} columns)"
    stem.with_suffix(".svg").write_text(console.export_svg(title=title), encoding="utf-8")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "vi"):
        for columns in (80, 160):
            capture(columns, lang)
    print(f"wrote {OUT.relative_to(ROOT)}")
