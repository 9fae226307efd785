"""Thousands of targets: the status table switches to aligned lines and still shows everything."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kpi.cli import app
from kpi.render.table import LARGE


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
