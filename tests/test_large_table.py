"""The status table at any size: every status label and every number whole at every width from
60 to 200 columns in both languages; thousands of targets as aligned lines that show everything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from typer.testing import CliRunner

from kpi.cli import app
from kpi.i18n import speaking
from kpi.progress import ProjectAssessment, assess_project, by_goal
from kpi.render import human
from kpi.render.table import LARGE, STATUS_STYLES, status_table
from kpi.store import load_project

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = range(60, 201)
NUMBER = re.compile(r"\d")


@pytest.fixture(scope="module")
def shipped() -> ProjectAssessment:
    return assess_project(load_project(ROOT), 2026)


def rendered(
    report: ProjectAssessment, language: str, monkeypatch: pytest.MonkeyPatch, colour: bool
) -> Iterator[tuple[int, str]]:
    """(width, the status table at that width) for every width of ``WIDTHS``: plain text as
    with ``NO_COLOR``, or with the escape codes of a colour terminal."""
    if colour:
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("TERM", "xterm-256color")
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    with speaking(language):
        for width in WIDTHS:
            yield width, status_table(report, width=width)


def _look(style: str | Style) -> tuple[int | None, bool, bool]:
    """What a style shows: colour number, bold, dim (``green`` and ``color(2)`` look alike)."""
    parsed = Style.parse(style) if isinstance(style, str) else style
    colour = parsed.color.number if parsed.color is not None else None
    return colour, bool(parsed.bold), bool(parsed.dim)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_status_label_is_whole_at_every_width(
    shipped: ProjectAssessment, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each target's status is written once, whole, on one line and in its colour: a label cut
    at the right edge or wrapped onto two lines would be other runs of coloured text."""
    with speaking(language):
        expected = sorted(
            (human.status_label(a.status), _look(STATUS_STYLES[a.status])) for a in shipped.targets
        )
    for width, text in rendered(shipped, language, monkeypatch, colour=True):
        assert "\x1b[" in text
        styled = Text("\n").join(Text.from_ansi(line) for line in text.splitlines())
        runs = [(styled.plain[span.start : span.end], _look(span.style)) for span in styled.spans]
        labels = sorted(run for run in runs if run in expected)
        assert labels == expected, f"{language}, {width} columns:\n{styled.plain}"
        assert max(cell_len(line) for line in styled.plain.splitlines()) <= width


def _number_words(report: ProjectAssessment) -> set[str]:
    """Every word with a digit that the output may show: in a cell, a note, the title, the
    legend, the summary."""
    texts = [human.project_title(report), human.legend()]
    texts.append(human.summary_line([a.status for a in report.targets]))
    for a in report.targets:
        texts += [human.name_of(a.target) or "", human.name_of(a.indicator) or "", a.target.id]
        texts += [human.latest_text(a.latest, report.as_of), human.number(a.gap)]
        texts += [human.goal_text(a.target, a.indicator.unit), human.needs_text(a)]
        texts += [human.needs_text(a, False), human.assessment_trend(a), human.projected_text(a)]
        texts += [human.plan_distance_text(a.years_ahead_of_plan, short=True)]
        texts += [f"{a.target.id}:", *(note.message for note in a.notes)]
    texts += human.goal_lines(report.goals, report.targets)
    for m in report.monitored:
        texts += [human.name_of(m.indicator) or "", m.indicator_id, m.indicator.unit]
        texts += [human.latest_text(m.latest, report.as_of), human.monitored_trend(m)]
    return {word for text in texts for word in text.split() if NUMBER.search(word)}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_no_number_is_split_at_any_width(
    shipped: ProjectAssessment, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every word with a digit on every line is one the output means to show (``44.4``,
    ``(2025)``, ``2025–2030``, ``+2.12/yr``), never a piece of one (``44.`` then ``4``); and
    every target's latest value is on one line."""
    with speaking(language):
        words = _number_words(shipped)
        latest = [human.number(a.latest.value) for a in shipped.targets if a.latest is not None]
    for width, text in rendered(shipped, language, monkeypatch, colour=False):
        assert "\x1b[" not in text
        shown = [word for line in text.splitlines() for word in line.split()]
        pieces = sorted({w for w in shown if NUMBER.search(w) and w.strip("│┃") not in words})
        assert pieces == [], f"{language}, {width} columns: split {pieces}\n{text}"
        assert all(value in shown for value in latest), f"{language}, {width} columns\n{text}"


def write_project(root: Path, indicators: int) -> None:
    parts = ['[project]\nname = "Many"\n']
    for number in range(indicators):
        parts.append(
            f'[indicators.share_{number}]\nname = "Share {number}"\nkind = "level"\nunit = "%"\n'
            f'[[indicators.share_{number}.targets]]\nid = "target_{number}"\n'
            f'comparator = ">="\nvalue = 50\nyear = 2030\n'
        )
    (root / "targets.toml").write_text("\n".join(parts), encoding="utf-8")
    folder = root / "observations"
    folder.mkdir()
    for number in range(0, indicators, 2):  # every other indicator has data
        (folder / f"share_{number}.toml").write_text(
            '[[observations]]\nyear = 2020\nvalue = 40.0\nsource = "s"\n\n'
            '[[observations]]\nyear = 2025\nvalue = 45.0\nsource = "s"\n',
            encoding="utf-8",
        )


def test_a_large_status_table_has_one_aligned_line_per_target(tmp_path: Path) -> None:
    count = LARGE + 1
    write_project(tmp_path, count)
    result = CliRunner().invoke(app, ["--project", str(tmp_path), "status", "--as-of", "2026"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Many, as of 2026"
    assert lines[1].split() == ["Target", "Status", "Latest", "Goal", "Needs"]
    rows = lines[2 : 2 + count]
    assert [row.split()[0] for row in rows] == [f"target_{n}" for n in range(count)]
    # 40 -> 45 over 2020-2025 is 2.38 % a year; 50 by 2030 needs 2.26 % a year from 2020: R 1.06
    assert "on track" in rows[0] and "45 (2025)" in rows[0]
    assert "no data" in rows[1]
    status_column = {row.index(row.split()[1]) for row in rows}
    assert len(status_column) == 1  # every status starts in the same column
    assert f"{count} targets: 0 achieved, {count - 100} on track" in result.stdout


@pytest.mark.parametrize(
    "terminal",
    [{"TERM": "xterm"}, {"TERM": "xterm-256color"}, {"COLORTERM": "truecolor"}],
    ids=["standard", "256", "truecolor"],
)
def test_a_large_status_is_painted_as_rich_paints_each_style(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: dict[str, str]
) -> None:
    """The large table is written as text with escape codes: read back as Rich reads a colour
    terminal's output, the title is in italics, the headings in bold, each status label (and only
    it, not its padding) in its status's style, each note's id dimmed; the words are those
    written with NO_COLOR."""
    write_project(tmp_path, LARGE + 1)
    report = assess_project(load_project(tmp_path), 2026)
    monkeypatch.setenv("NO_COLOR", "1")
    plain = status_table(report, width=100)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    for key, value in terminal.items():
        monkeypatch.setenv(key, value)

    coloured = status_table(report, width=100)

    lines = coloured.splitlines()
    read = [Text.from_ansi(line) for line in lines]
    assert "\n".join(line.plain for line in read) + "\n" == plain
    looks = [[(t.plain[s.start : s.end], _look(s.style)) for s in t.spans] for t in read]
    assert looks[0] == [("Many, as of 2026", (None, False, False))]
    assert Style.parse(str(read[0].spans[0].style)).italic
    assert looks[1] == [(read[1].plain, (None, True, False))]
    for a, line_looks in zip(by_goal(report).targets, looks[2 : 2 + LARGE + 1], strict=True):
        assert line_looks == [(human.status_label(a.status), _look(STATUS_STYLES[a.status]))]
    assert looks[2 + LARGE + 1] == []  # the blank line before the notes
    notes = [line for line in looks if line and line[0][0].startswith("  target_")]
    assert notes and all(line == [(line[0][0], (None, False, True))] for line in notes)
