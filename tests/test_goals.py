"""Goals (issue 13, item 6): ``[goals.<id>]`` tables and a target's ``goal``, checked when the
files are read, and every format grouping the targets by goal with a one-line summary each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi.cli import app

REPO = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
AS_OF = "2026"
# The shipped goals in file order, each with its targets in file order.
SHIPPED_GOALS = {
    "vision_2030": ["manufacturing_55_by_2030", "high_tech_above_70", "tech_renewal_20_22"],
    "master_plan": ["grdp_growth_2021_2030"],
    "plan_2026_2030": ["grdp_growth_2026_2030"],
    "annual_plans": ["grdp_growth_2025", "grdp_growth_2026"],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(REPO / "targets.toml", tmp_path / "targets.toml")
    shutil.copytree(REPO / "observations", tmp_path / "observations")
    return tmp_path


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, ["--project", str(project), *args], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_status_json_lists_each_goal_with_its_targets_and_their_statuses(project: Path) -> None:
    code, stdout, stderr = run(project, "status", "--as-of", AS_OF, "--format", "json")
    assert (code, stderr) == (0, "")
    document = json.loads(stdout)
    goals = {goal["id"]: goal for goal in document["goals"]}
    assert {key: goal["targets"] for key, goal in goals.items()} == SHIPPED_GOALS
    assert list(goals) == list(SHIPPED_GOALS)
    statuses = {t["id"]: t["status"] for t in document["targets"]}
    for goal in goals.values():
        expected = {s: 0 for s in goal["summary"]}
        for target in goal["targets"]:
            expected[statuses[target]] += 1
        assert goal["summary"] == expected
        assert goal["source"]
    assert goals["annual_plans"]["summary"]["off_track"] == 1  # 2025's plan, missed
    by_target = {t["id"]: t["goal"] for t in document["targets"]}
    assert by_target == {t: g for g, targets in SHIPPED_GOALS.items() for t in targets}


def test_the_table_lists_each_goals_targets_together_with_a_summary_line(project: Path) -> None:
    code, stdout, stderr = run(project, "status", "--as-of", AS_OF)
    assert (code, stderr) == (0, "")
    order = [t for targets in SHIPPED_GOALS.values() for t in targets]
    positions = [stdout.index(f" {target} ") for target in order]
    assert positions == sorted(positions)  # the 2021-2030 target before the 2026-2030 one
    text = " ".join(stdout.split())
    assert (
        "City master plan 2021-2030, vision to 2050 (Decision 1516/QD-TTg): 1 target: 1 at " in text
    )
    assert (
        "Yearly socio-economic plans (one-year targets): 2 targets: 1 off track, 1 no data" in text
    )


@pytest.mark.parametrize("command", [["check"], ["report"], ["status", "--format", "markdown"]])
def test_every_format_for_people_gives_each_goal_a_line(project: Path, command: list[str]) -> None:
    code, stdout, _stderr = run(project, *command, "--as-of", AS_OF)
    assert code == 0
    text = " ".join(stdout.split())
    assert "The city's socio-economic plan for 2026-2030: 1 target: 1 no data" in text


def test_vietnamese_names_the_goals_in_vietnamese(project: Path) -> None:
    code, stdout, _stderr = run(project, "--lang", "vi", "check", "--as-of", AS_OF)
    assert code == 0
    assert "Quy hoạch thành phố Hải Phòng thời kỳ 2021-2030" in stdout
    assert "2 mục tiêu: 1 chệch lộ trình, 1 chưa có dữ liệu" in stdout


def test_show_names_the_goal_a_target_is_under(project: Path) -> None:
    code, stdout, _stderr = run(project, "show", "grdp_growth_2025", "--as-of", AS_OF)
    assert code == 0
    assert "Goal: Yearly socio-economic plans (one-year targets)" in stdout


def test_an_unknown_goal_is_refused_with_its_line_and_key(project: Path) -> None:
    targets = project / "targets.toml"
    text = targets.read_text(encoding="utf-8").replace('goal = "master_plan"', 'goal = "no_plan"')
    targets.write_text(text, encoding="utf-8")
    before = {p: p.read_bytes() for p in (project / "observations").iterdir()}
    code, stdout, stderr = run(project, "validate")
    assert code == 2 and stdout == ""
    line = text.splitlines().index('goal = "no_plan"') + 1
    assert f"targets.toml:{line}: indicators.grdp_growth.targets[1].goal: unknown goal no_plan" in (
        stderr
    )
    assert "known: vision_2030, master_plan, plan_2026_2030, annual_plans" in stderr
    assert {p: p.read_bytes() for p in (project / "observations").iterdir()} == before


def test_without_goals_nothing_is_grouped_and_json_has_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / "targets.toml").write_text(
        '[project]\nname = "Plain"\n\n[indicators.x]\nname = "X"\nkind = "level"\nunit = "t"\n\n'
        '[[indicators.x.targets]]\nid = "x_goal"\ncomparator = ">="\nvalue = 5\nyear = 2030\n',
        encoding="utf-8",
    )
    code, stdout, _stderr = run(tmp_path, "status", "--as-of", AS_OF, "--format", "json")
    assert code == 0
    document = json.loads(stdout)
    assert document["goals"] == [] and document["targets"][0]["goal"] is None
    code, stdout, _stderr = run(tmp_path, "status", "--as-of", AS_OF)
    assert "Goals" not in stdout and "Other targets" not in stdout
