"""The shipped Hai Phong project: the repository root's files, the copy ``kpi init`` writes, and
the published figures they must hold. Nothing here writes to the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kpi.progress import assess_project
from kpi.render.status_json import status_document
from kpi.store import read_project

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"

# The published figures (indicator, year, value, SDMX status, series break), copied from the
# sources' table (published-figures.csv) so that the tests do not read outside the project.
PUBLISHED = [
    ("manufacturing_share_grdp", 2020, 38.97, "A", False),
    ("manufacturing_share_grdp", 2021, 42.8, "A", False),
    ("manufacturing_share_grdp", 2024, 45.12, "E", False),
    ("manufacturing_share_grdp", 2025, 44.4, "E", True),
    ("high_tech_share", 2015, 16.4, "A", False),
    ("high_tech_share", 2018, 43, "A", False),
    ("high_tech_share", 2020, 45.5, "A", False),
    ("high_tech_share", 2021, 50, "A", False),
    ("high_tech_share", 2022, 53.39, "A", False),
    ("high_tech_share", 2023, 60.6, "A", False),
    ("grdp_growth", 2019, 16.68, "E", False),
    ("grdp_growth", 2020, 11.22, "E", False),
    ("grdp_growth", 2021, 12.38, "E", False),  # the sources' table says A: an estimate (issue 13)
    ("grdp_growth", 2022, 12.32, "E", False),
    ("grdp_growth", 2023, 10.34, "E", False),
    ("grdp_growth", 2024, 11.01, "E", False),
    ("grdp_growth", 2025, 11.81, "E", False),
    ("iip_growth", 2019, 24.29, "A", False),
    ("iip_growth", 2020, 14.58, "A", False),
    ("iip_growth", 2021, 18.15, "A", False),
    ("iip_growth", 2022, 14.56, "A", False),
    ("iip_growth", 2023, 13.16, "A", False),
    ("iip_growth", 2024, 15.43, "E", False),
    ("iip_growth", 2025, 15.11, "E", False),
]


def shipped_observations() -> list[tuple[str, dict[str, Any]]]:
    """Every observation of the repository root's files, read with ``tomllib`` only."""
    found = []
    for path in sorted((REPO / "observations").glob("*.toml")):
        with open(path, "rb") as handle:
            for observation in tomllib.load(handle)["observations"]:
                found.append((path.stem, observation))
    return found


def relative_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_template_is_byte_identical_to_the_repository_root() -> None:
    assert (TEMPLATE / "targets.toml").read_bytes() == (REPO / "targets.toml").read_bytes()
    shipped = relative_files(REPO / "observations")
    assert relative_files(TEMPLATE / "observations") == shipped
    assert shipped  # something was compared
    for name in shipped:
        template = (TEMPLATE / "observations" / name).read_bytes()
        assert template == (REPO / "observations" / name).read_bytes(), name


def test_the_installed_package_resources_are_the_template() -> None:
    packaged = resources.files("kpi") / "templates" / "haiphong"
    assert (packaged / "targets.toml").read_bytes() == (REPO / "targets.toml").read_bytes()
    for path in (REPO / "observations").glob("*.toml"):
        assert (packaged / "observations" / path.name).read_bytes() == path.read_bytes()


def test_shipped_project_has_no_problem() -> None:
    project, problems = read_project(REPO)

    assert problems == []
    assert project is not None
    assert project.name == "Hai Phong 2030"
    assert sum(len(o) for o in project.observations.values()) == len(PUBLISHED)


def test_every_shipped_observation_names_its_source() -> None:
    observations = shipped_observations()

    assert len(observations) == len(PUBLISHED)
    for indicator, observation in observations:
        source = observation.get("source")
        assert isinstance(source, str), (indicator, observation["year"])
        assert source.strip(), (indicator, observation["year"])


def test_every_shipped_figure_matches_a_published_row() -> None:
    published = {(row[0], row[1]): row for row in PUBLISHED}
    assert len(published) == len(PUBLISHED)

    shipped = set()
    for indicator, observation in shipped_observations():
        key = (indicator, observation["year"])
        assert key in published, f"{key} is not a published figure"
        _, _, value, status, series_break = published[key]
        assert observation["value"] == pytest.approx(value, abs=1e-9), key
        assert observation.get("status", "A") == status, key
        assert observation.get("series_break", False) is series_break, key
        shipped.add(key)
    assert shipped == set(published)


def test_every_indicator_with_observations_is_defined() -> None:
    with open(REPO / "targets.toml", "rb") as handle:
        defined = set(tomllib.load(handle)["indicators"])

    assert {indicator for indicator, _ in shipped_observations()} <= defined
    assert {row[0] for row in PUBLISHED} <= defined


def test_status_works_from_a_checkout_without_options() -> None:
    """``kpi status`` finds the repository root's targets.toml from the folder it runs in."""
    beside = Path(sys.executable).with_name("kpi")
    command = [str(beside)] if beside.is_file() else [shutil.which("kpi") or "kpi"]
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_PROJECT", "KPI_LANG")}
    before = {
        p: p.read_bytes() for p in [REPO / "targets.toml", *(REPO / "observations").iterdir()]
    }

    completed = subprocess.run(
        [*command, "status", "--as-of", "2026", "--format", "json"],
        cwd=REPO / "kpi",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 0
    assert completed.stderr == ""
    project, _ = read_project(REPO)
    assert project is not None
    assert json.loads(completed.stdout) == status_document(assess_project(project, 2026))
    after = {p: p.read_bytes() for p in [REPO / "targets.toml", *(REPO / "observations").iterdir()]}
    assert after == before
