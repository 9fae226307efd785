"""Lower-is-better targets (``<`` and ``<=``) read the right way in every format for people: the
change needed carries its sign in the indicator's own terms (``-0.1 pp/yr``, "must fall"),
while JSON keeps its direction-normalised ``gap`` and ``required_pace`` (issue 13, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi.cli import app

RUNNER = CliRunner()

TARGETS = """\
[project]
name = "Falling"

[indicators.poverty_rate]
name = "Multidimensional poverty rate"
kind = "level"
unit = "%"
bounds = [0, 100]

[[indicators.poverty_rate.targets]]
id = "poverty_below_3"
comparator = "<="
value = 3.0
year = 2030
baseline = { year = 2020, value = 4.0 }

[indicators.emissions]
name = "Emissions"
kind = "level"
unit = "Mt"

[[indicators.emissions.targets]]
id = "emissions_at_most_9"
comparator = "<"
value = 9.0
year = 2030
"""


def observations(values: dict[int, float]) -> str:
    return "".join(
        f'[[observations]]\nyear = {year}\nvalue = {value}\nsource = "test"\n\n'
        for year, value in values.items()
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    folder = tmp_path / "observations"
    folder.mkdir()
    # 4.0 -> 3.5: 0.5 points above 3.0 with 5 years left, so it must fall 0.1 a year
    (folder / "poverty_rate.toml").write_text(observations({2020: 4.0, 2025: 3.5}), "utf-8")
    (folder / "emissions.toml").write_text(observations({2020: 10.0, 2025: 10.5}), "utf-8")
    return tmp_path


def run(project: Path, *args: str) -> str:
    result = RUNNER.invoke(app, ["--project", str(project), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_the_status_table_shows_the_fall_needed_with_its_sign(project: Path) -> None:
    text = run(project, "status", "--as-of", "2025")
    assert "-0.1 pp/yr" in text
    assert "-0.3 Mt/yr" in text  # 10.5 to below 9 in 5 years
    assert "+0.1" not in text and "+0.3" not in text


def test_show_gives_the_gap_and_pace_in_the_indicators_own_terms(project: Path) -> None:
    text = run(project, "show", "poverty_rate", "--as-of", "2025")
    assert "-0.1 pp/yr" in text
    gap_line = next(line for line in text.splitlines() if line.strip().startswith("gap"))
    assert "-0.5" in gap_line


def test_the_report_says_the_value_must_fall(project: Path) -> None:
    text = run(project, "report", "--as-of", "2025")
    assert "| Pace now required | must fall 0.1 pp/yr" in text
    assert "| Gap to the target | -0.5 percentage points |" in text
    assert "must rise" not in text
    vietnamese = run(project, "--lang", "vi", "report", "--as-of", "2025")
    assert "phải giảm 0,1 điểm %/năm" in vietnamese


def test_json_keeps_the_direction_normalised_gap_and_pace(project: Path) -> None:
    document = json.loads(run(project, "status", "--as-of", "2025", "--format", "json"))
    entry = next(t for t in document["targets"] if t["id"] == "poverty_below_3")
    assert entry["gap"] == pytest.approx(0.5)  # positive: still short of the target
    assert entry["required_pace"] == pytest.approx(0.1)  # positive: towards the target
    assert entry["required_growth_pct"] < 0  # a growth rate is in the indicator's own terms


def test_a_target_behind_its_plan_reads_behind_plan(project: Path) -> None:
    # the compound path 4.0 (2020) -> 3.0 (2030) passes 3.5 in 2024.64: 0.36 years behind
    text = run(project, "show", "poverty_rate", "--as-of", "2025")
    assert "0.36 years behind plan" in text
    assert "ahead of plan -" not in text and "ahead of plan" not in text
    report = run(project, "report", "--as-of", "2025")
    assert "| Time to plan | 0.36 years behind plan |" in report
    assert "chậm hơn kế hoạch 0,36 năm" in run(project, "--lang", "vi", "show", "poverty_rate")


def test_next_year_needs_at_most_for_a_falling_target(project: Path) -> None:
    text = run(project, "show", "poverty_rate", "--as-of", "2025")
    needed = 3.5 * (3.0 / 3.5) ** (1 / 5)  # the compound required path's first step
    assert f"2026: at most {needed:.2f} %" in text
