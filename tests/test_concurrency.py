"""Concurrent writers in separate processes: no update is lost and every file stays valid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kpi.store import load_project, read_project
from kpi.template import create_project

WRITERS = 12  # each is a Python process starting up: enough to overlap, few enough to stay quick
KPI = [sys.executable, "-c", "from kpi.cli import main; main()"]


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    project = tmp_path / "city"
    create_project(project, blank=False)
    return project


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*KPI, "--project", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root.parent,
    )


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append((process.returncode, stdout, stderr))
    return results


def assert_valid(root: Path) -> None:
    """Every file parses and validates, and no temporary file is left behind."""
    project, problems = read_project(root)
    assert project is not None
    assert problems == []
    leftovers = [p.name for p in (root / "observations").iterdir() if p.suffix != ".toml"]
    assert leftovers == []


def test_many_record_processes_on_one_indicator_lose_no_value(root: Path) -> None:
    years = range(2000, 2000 + WRITERS)
    processes = [
        start(root, "record", "tech_renewal_rate", str(year), f"{year - 1980}.25",
              "--source", f"Survey {year}")
        for year in years
    ]  # fmt: skip

    results = finish(processes)

    for (code, stdout, stderr), year in zip(results, years, strict=True):
        assert code == 0, stderr
        assert stdout == ""
        assert f"added: tech_renewal_rate {year}" in stderr
    recorded = load_project(root).observations["tech_renewal_rate"]
    assert [(o.year, o.value, o.source) for o in recorded] == [
        (year, year - 1980 + 0.25, f"Survey {year}") for year in years
    ]
    assert_valid(root)


def test_the_same_record_from_many_processes_is_added_once(root: Path) -> None:
    processes = [
        start(root, "record", "tech_renewal_rate", "2026", "21.5", "--source", "Survey 2026")
        for _ in range(WRITERS // 2)
    ]

    results = finish(processes)

    assert [code for code, _, _ in results] == [0] * len(processes)
    outcomes = sorted(stderr.split(":")[0] for _, _, stderr in results)
    assert outcomes == ["added"] + ["unchanged"] * (len(processes) - 1)
    assert [o.year for o in load_project(root).observations["tech_renewal_rate"]] == [2026]
    assert_valid(root)


def test_concurrent_imports_of_disjoint_files_all_land(root: Path, tmp_path: Path) -> None:
    files = []
    expected: dict[str, set[int]] = {"tech_renewal_rate": set(), "iip_growth": set()}
    for index in range(4):
        indicator = "tech_renewal_rate" if index % 2 else "iip_growth"
        years = [1950 + 3 * index + offset for offset in range(3)]
        expected[indicator].update(years)
        lines = [f"{indicator},{year},{index + offset / 10},Import {index}" for offset, year in
                 enumerate(years)]  # fmt: skip
        path = tmp_path / f"part{index}.csv"
        path.write_text("indicator,year,value,source\n" + "\n".join(lines) + "\n", "utf-8")
        files.append(path)
    before = {key: {o.year for o in obs} for key, obs in load_project(root).observations.items()}

    results = finish([start(root, "import", str(path)) for path in files])

    for code, stdout, stderr in results:
        assert code == 0, stderr
        assert stdout == ""
        assert "3 added, 0 replaced, 0 unchanged" in stderr
    after = load_project(root).observations
    for indicator, added in expected.items():
        assert {o.year for o in after[indicator]} == before[indicator] | added
    assert_valid(root)


def test_a_refused_import_racing_good_records_changes_nothing_of_its_own(
    root: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "indicator,year,value,source\ntech_renewal_rate,1990,5,S\ntech_renewal_rate,1991,x,S\n",
        "utf-8",
    )
    processes = [start(root, "import", str(bad))]
    processes += [
        start(root, "record", "tech_renewal_rate", str(year), "7", "--source", "S")
        for year in range(2001, 2005)
    ]

    results = finish(processes)

    code, stdout, stderr = results[0]
    assert code == 2
    assert stdout == ""
    assert f"{bad}:3: value: 'x' is not a number" in stderr
    assert "Traceback" not in stderr
    assert all(code == 0 for code, _, _ in results[1:])
    years = [o.year for o in load_project(root).observations["tech_renewal_rate"]]
    assert years == list(range(2001, 2005))
    assert_valid(root)
