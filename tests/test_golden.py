"""Golden captures: what the formats for people print on the shipped data (the project at the
repository root, ``--as-of 2026``, ``NO_COLOR`` set), byte for byte, in both languages.

``tests/golden/`` holds the status table at 80, 100 and 160 columns, ``show high_tech_share`` at
100 columns, ``check`` as text and the Markdown report. Each is rendered here by the function
the command runs, in-process, with an explicit width and language (``scripts/captures.py``
says how, for this test and for the script alike), and compared with its file.

When a change to the output is intended, regenerate every capture, ``tests/golden/`` and
``docs/captures/`` alike, with the one command

    python scripts/captures.py

and read the diff of ``tests/golden/`` before committing it.

The last tests check the marks on values: one set, shown alike by every format for people.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Literal

import pytest

from kpi.gate import evaluate
from kpi.i18n import speaking
from kpi.model import Observation, Project
from kpi.progress import ProjectAssessment, Status, assess_project
from kpi.render import (
    gate_github,
    gate_markdown,
    gate_text,
    human,
    markdown,
    report_html,
    report_markdown,
)
from kpi.render.table import show_table, status_table
from kpi.store import load_project

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
REGENERATE = "python scripts/captures.py"


def _captures_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("captures", ROOT / "scripts" / "captures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CAPTURES = _captures_script()
NAMES = sorted(CAPTURES.golden_captures())


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(ROOT)


@pytest.fixture(scope="module")
def rendered(project: Project) -> dict[str, str]:
    texts: dict[str, str] = CAPTURES.render_golden(project)
    return texts


def _visible(text: str) -> list[str]:
    """Lines ending in ``$``, so that a difference in trailing spaces shows in a diff."""
    return [line + "$\n" for line in text.split("\n")]


@pytest.mark.parametrize("name", NAMES)
def test_output_is_its_golden_capture_byte_for_byte(rendered: dict[str, str], name: str) -> None:
    path = GOLDEN / name
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `{REGENERATE}`"
    expected = path.read_bytes()
    actual = rendered[name].encode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                _visible(expected.decode("utf-8", errors="replace")),
                _visible(rendered[name]),
                fromfile=f"tests/golden/{name} (expected)",
                tofile="printed now",
            )
        )
        pytest.fail(
            f"{name} differs from its golden capture (each line ends at $). If the change is "
            f"intended, run `{REGENERATE}` and commit the new capture.\n{diff}",
            pytrace=False,
        )


def test_every_golden_file_is_a_capture() -> None:
    """A capture no longer made is removed by the script, not left to go stale."""
    present = sorted(p.name for p in GOLDEN.iterdir() if not p.name.startswith("."))
    assert present == NAMES, f"run `{REGENERATE}`"


def test_the_captures_in_docs_are_the_golden_text(rendered: dict[str, str]) -> None:
    for language in CAPTURES.LANGUAGES:
        for width in CAPTURES.DOCS_WIDTHS:
            shown = ROOT / "docs" / "captures" / f"status-{language}-{width}.txt"
            golden = rendered[CAPTURES.status_name(language, width)]
            assert shown.read_bytes() == golden.encode("utf-8"), f"run `{REGENERATE}`"


def test_rendering_the_captures_leaves_language_and_environment_as_they_were(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from kpi.i18n import language

    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    with speaking("vi"):
        CAPTURES.render_golden(project)
        assert language() == "vi"
    assert os.environ.get("COLORTERM") == "truecolor" and "NO_COLOR" not in os.environ


# -- the marks on values -----------------------------------------------------------------------


def obs(
    year: int, status: Literal["A", "E", "P", "F"] = "A", series_break: bool = False
) -> Observation:
    return Observation(year=year, value=1.5, status=status, series_break=series_break, source="s")


@pytest.mark.parametrize(
    ("observation", "as_of", "expected"),
    [
        (obs(2025), 2026, ""),
        (obs(2025, "E"), 2026, "E"),
        (obs(2025, "P", True), 2026, "P|"),
        (obs(2024, "F"), 2026, "F"),  # two years before as_of: not yet stale
        (obs(2023), 2026, "!"),
        (obs(2023, "E", True), 2026, "E|!"),
        (obs(2023, "E", True), None, "E|"),  # without as_of, no judgement of age
    ],
)
def test_marks_are_status_then_break_then_stale(
    observation: Observation, as_of: int | None, expected: str
) -> None:
    assert human.marks(observation, as_of) == expected


def test_latest_text_carries_the_marks_between_value_and_year() -> None:
    assert human.latest_text(obs(2023, "E", True), 2026) == "1.5 E|! (2023)"
    assert human.latest_text(obs(2025), 2026) == "1.5 (2025)"
    assert human.latest_text(None, 2026) == "no data"


def _people_formats(project: Project, report: ProjectAssessment) -> dict[str, str]:
    """Every format for people of status, show, check, report, and the step summary."""
    result = evaluate(
        report, fail_on=Status.OFF_TRACK, fail_on_missing=False,
        settings=project.definition.assessment, locations=None,
    )  # fmt: skip
    return {
        "status table 80": status_table(report, width=80),
        "status table 160": status_table(report, width=160),
        "status markdown": markdown.status_markdown(report),
        "show table": show_table(report, "high_tech_share", width=100),
        "check text": gate_text.render(result),
        "step summary": gate_github.step_summary(result),
        "check markdown": gate_markdown.render(result),
        "report markdown": report_markdown.report_markdown(report, None),
        "report html": report_html.report_html(report, {}),
    }


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_format_for_people_marks_a_stale_latest_value_alike(
    project: Project, language: str
) -> None:
    """As of 2026 the high-tech share's latest value (60.6, 2023) is stale and the
    manufacturing share's (44.4, 2025) an estimate after a series break: every format for
    people writes each value with the same marks after it (``human.marks``)."""
    report = assess_project(project, 2026)
    manufacturing, high_tech = report.targets[0].latest, report.targets[1].latest
    assert manufacturing is not None and high_tech is not None
    with speaking(language):
        stale = f"{human.number(high_tech.value)} {human.marks(high_tech, 2026)}"
        broken = f"{human.number(manufacturing.value)} {human.marks(manufacturing, 2026)}"
        formats = _people_formats(project, report)
    assert (stale, broken) == (("60,6 !", "44,4 E|") if language == "vi" else ("60.6 !", "44.4 E|"))
    for name, text in formats.items():
        flat = re.sub(r"\s+", " ", text.replace("\\|", "|"))  # Markdown escapes the bar
        assert stale in flat, name
        if name != "show table":  # the high-tech share's alone
            assert broken in flat, name


def test_formats_that_show_marks_explain_them(project: Project) -> None:
    report = assess_project(project, 2026)
    legend = human.legend()
    for name, text in _people_formats(project, report).items():
        if name == "check text":  # one line per target for CI logs: the notes say it in words
            continue
        flat = re.sub(r"\s+", " ", text.replace("\\|", "|"))
        assert legend in flat, name
