"""Write every capture of kpi's output on the shipped data, as of 2026, in English and Vietnamese:

    python scripts/captures.py

- ``tests/golden/``: what the formats for people print with ``NO_COLOR`` set, which
  ``tests/test_golden.py`` compares byte for byte with what the code prints now: the status
  table at 80, 100 and 160 columns, ``show high_tech_share`` at 100 columns, ``check`` as text
  and the Markdown report (``kpi report --format markdown`` on stdout);
- ``docs/captures/``, which the README links to: the status table at 80 and 160 columns as text
  (the same text as the golden one) and as an SVG picture of the coloured table.

Each capture comes from the function the command runs (``status_table``, ``show_table``,
``gate_text.render``, ``report_markdown``), in-process, with an explicit width and language and
stdout redirected, as ``kpi ... > file`` would write it: no terminal, UTF-8, and no colour but
for the pictures. Nothing in them depends on the date, the folder or the machine.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from kpi.gate import evaluate
from kpi.i18n import speaking
from kpi.model import Project
from kpi.progress import ProjectAssessment, Status, assess_project
from kpi.render import gate_text
from kpi.render.report_markdown import report_markdown
from kpi.render.table import show_table, status_table
from kpi.store import load_project

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DOCS = ROOT / "docs" / "captures"
AS_OF = 2026
LANGUAGES = ("en", "vi")
STATUS_WIDTHS = (80, 100, 160)
DOCS_WIDTHS = (80, 160)  # the widths docs/captures/ shows
SHOWN = "high_tech_share"
SHOW_WIDTH = 100
# What Rich reads from the environment to decide on colour: set or cleared while capturing.
_COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLORTERM", "TERM")

Render = Callable[[Project, ProjectAssessment], str]


def status_name(language: str, width: int) -> str:
    return f"status-{language}-{width}.txt"


def _status(width: int) -> Render:
    return lambda _project, report: status_table(report, width=width)


def _show(_project: Project, report: ProjectAssessment) -> str:
    return show_table(report, SHOWN, width=SHOW_WIDTH)


def _check(project: Project, report: ProjectAssessment) -> str:
    """``kpi check`` as text with its default options (``--fail-on off_track``)."""
    result = evaluate(
        report,
        fail_on=Status.OFF_TRACK,
        fail_on_missing=False,
        settings=project.definition.assessment,
        locations=None,  # the text format names no file
    )
    return gate_text.render(result)


def _report(project: Project, report: ProjectAssessment) -> str:
    """``kpi report --format markdown`` on stdout: without charts, so without chart paths."""
    return report_markdown(report, None)


def golden_captures() -> dict[str, Render]:
    """Every file of ``tests/golden/`` and how to render it (in the language its name says)."""
    captures: dict[str, Render] = {}
    for language in LANGUAGES:
        for width in STATUS_WIDTHS:
            captures[status_name(language, width)] = _status(width)
        captures[f"show-{SHOWN}-{language}-{SHOW_WIDTH}.txt"] = _show
        captures[f"check-{language}.txt"] = _check
        captures[f"report-{language}.md"] = _report
    return captures


def language_of(name: str) -> str:
    """The language a capture is in, from its name (``status-vi-80.txt``: ``vi``)."""
    return next(code for code in LANGUAGES if f"-{code}-" in name or f"-{code}." in name)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Within the block, Rich's colour variables are ``values`` and no other; stdout is a
    buffer (no terminal, UTF-8). Both are restored afterwards."""
    saved = {name: os.environ.get(name) for name in _COLOUR_VARIABLES}
    for name in _COLOUR_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def render_golden(project: Project | None = None) -> dict[str, str]:
    """The text of every golden capture, rendered now (``project``: the shipped one at the
    repository root, loaded here when not given)."""
    project = project or load_project(ROOT)
    report = assess_project(project, AS_OF)
    rendered = {}
    with _environment(NO_COLOR="1"):
        for name, render in golden_captures().items():
            with speaking(language_of(name)):
                rendered[name] = render(project, report)
    return rendered


def coloured_status(report: ProjectAssessment, language: str, width: int) -> str:
    """The status table with the escape codes of a true-colour terminal."""
    truecolor = _environment(FORCE_COLOR="1", COLORTERM="truecolor", TERM="xterm-256color")
    with truecolor, speaking(language):
        return status_table(report, width=width)


def svg(coloured: str, width: int, title: str) -> str:
    """A picture of the text ``coloured`` (escape codes and all) ``width`` columns wide."""
    from rich.console import Console
    from rich.text import Text

    console = Console(
        width=width, record=True, file=io.StringIO(), force_terminal=True,
        color_system="truecolor", highlight=False,
    )  # fmt: skip
    console.print(Text.from_ansi(coloured), soft_wrap=True, end="")  # its own last newline
    return console.export_svg(title=title)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # the same bytes on every system: no CRLF


def main() -> None:
    """Write ``tests/golden/`` (every file afresh) and ``docs/captures/status-*``."""
    project = load_project(ROOT)
    golden = render_golden(project)
    for stale in GOLDEN.glob("*"):
        if stale.name not in golden and not stale.name.startswith("."):
            stale.unlink()
    for name, text in golden.items():
        write(GOLDEN / name, text)
    report = assess_project(project, AS_OF)
    for language in LANGUAGES:
        for width in DOCS_WIDTHS:
            stem = DOCS / f"status-{language}-{width}"
            write(stem.with_suffix(".txt"), golden[status_name(language, width)])
            title = f"kpi status --as-of {AS_OF} --lang {language} ({width} columns)"
            picture = svg(coloured_status(report, language, width), width, title)
            write(stem.with_suffix(".svg"), picture)
    pictures = 2 * len(LANGUAGES) * len(DOCS_WIDTHS)
    print(f"wrote {len(golden)} files in tests/golden/ and {pictures} in docs/captures/")


if __name__ == "__main__":
    main()
