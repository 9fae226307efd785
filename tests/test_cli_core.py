"""The core commands through the command line: status, show, record, validate, init.

Most tests use Typer's ``CliRunner`` (Click >= 8.2 keeps ``result.stdout`` and ``result.stderr``
apart; ``result.output`` is both interleaved, so the tests never use it). A few start-to-end
tests run the installed ``kpi`` script in a subprocess. Every test checks stdout, stderr and the
exit code separately, and passes ``--as-of`` except the one about its default.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from terminal import on_a_terminal
from typer.testing import CliRunner

from kpi.cli import app
from kpi.progress import assess_project
from kpi.render.status_json import status_document
from kpi.store import load_project

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"

TARGET_KEYS = {
    "id", "indicator", "name", "unit", "kind", "target", "latest", "status", "gap",
    "years_left", "required_pace", "required_growth_pct", "observed_growth_pct",
    "progress_ratio", "trend_from", "projected", "notes",
    "years_ahead_of_plan", "next_year_needs", "goal",  # added by issue 13
}  # fmt: skip
MONITORED_KEYS = {
    "indicator", "name", "unit", "kind", "latest", "observed_growth_pct", "trend_from", "notes",
    "desired", "status", "direction_growth_pct",  # added by issue 13 (a desired direction)
}  # fmt: skip
SHIPPED_TARGET_IDS = [
    "manufacturing_55_by_2030",
    "high_tech_above_70",
    "tech_renewal_20_22",
    "grdp_growth_2026_2030",
    "grdp_growth_2021_2030",
    "grdp_growth_2025",  # the year plans (issue 13): missed, gate "warn"
    "grdp_growth_2026",
]
# The formats for people list each goal's targets together, goals in file order.
SHIPPED_BY_GOAL = [
    "manufacturing_55_by_2030", "high_tech_above_70", "tech_renewal_20_22",
    "grdp_growth_2021_2030", "grdp_growth_2026_2030", "grdp_growth_2025", "grdp_growth_2026",
]  # fmt: skip
SHIPPED_INDICATORS = {
    "manufacturing_share_grdp",
    "high_tech_share",
    "tech_renewal_rate",
    "grdp_growth",
    "iip_growth",
}

RUNNER = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: object, env: dict[str, str] | None = None) -> Any:
    """Run ``kpi ARGS`` in-process; a wide terminal so that tables do not wrap."""
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "240", **(env or {})})


def kpi_command() -> list[str]:
    beside = Path(sys.executable).with_name("kpi")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("kpi")
    if found:
        return [found]
    return [sys.executable, "-c", "from kpi.cli import main; main()"]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KPI_PROJECT", "KPI_LANG", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")
    }
    env.update(extra)
    return env


def run_kpi(*args: object, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*kpi_command(), *(str(a) for a in args)],
        cwd=cwd,
        env=subprocess_env(**env),
        capture_output=True,
        encoding="utf-8",  # what kpi writes to a pipe, whatever the locale
        timeout=60,
    )


def copy_shipped(destination: Path) -> Path:
    """A copy of the shipped Hai Phong project (never the repository's own files)."""
    destination.mkdir(parents=True)
    shutil.copy2(REPO / "targets.toml", destination / "targets.toml")
    shutil.copytree(REPO / "observations", destination / "observations")
    return destination


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_shipped(tmp_path / "haiphong")


def status_json(root: Path, as_of: int) -> dict[str, Any]:
    result = invoke("--project", root, "status", "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def show_json(root: Path, indicator: str, as_of: int) -> dict[str, Any]:
    result = invoke("--project", root, "show", indicator, "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in document["targets"]}


def read_observations(root: Path, indicator: str) -> list[dict[str, Any]]:
    with open(root / "observations" / f"{indicator}.toml", "rb") as handle:
        observations: list[dict[str, Any]] = tomllib.load(handle)["observations"]
    return observations


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line of ``text`` containing ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


# -- worked examples of METHODOLOGY.md as small projects -------------------------------------

WORKED_TARGETS = """\
[project]
name = "Worked examples"

[indicators.share]
name = "A share"
kind = "level"
unit = "%"
bounds = [0, 100]

[[indicators.share.targets]]
id = "share_55"
comparator = ">="
value = 55
year = 2030
baseline = { year = 2020, value = 45 }

[[indicators.share.targets]]
id = "share_55_linear"
comparator = ">="
value = 55
year = 2030
baseline = { year = 2020, value = 45 }
method = "linear"

[indicators.renewal]
name = "Technology renewal"
kind = "rate"
unit = "%/yr"

[[indicators.renewal.targets]]
id = "renewal_compound"
low = 20
high = 22
start = 2021
end = 2030

[[indicators.renewal.targets]]
id = "renewal_arithmetic"
low = 20
high = 22
start = 2021
end = 2030
average = "arithmetic"
"""


def observations_toml(values: dict[int, float]) -> str:
    blocks = [
        f'[[observations]]\nyear = {year}\nvalue = {value!r}\nsource = "worked example"\n'
        for year, value in values.items()
    ]
    return "\n".join(blocks)


@pytest.fixture
def worked(tmp_path: Path) -> Path:
    root = tmp_path / "worked"
    (root / "observations").mkdir(parents=True)
    (root / "targets.toml").write_text(WORKED_TARGETS, encoding="utf-8")
    (root / "observations" / "share.toml").write_text(
        observations_toml({2020: 45.0, 2025: 48.0}), encoding="utf-8"
    )
    (root / "observations" / "renewal.toml").write_text(
        observations_toml({2021: 15.0, 2022: 17.0, 2023: 18.0, 2024: 19.0, 2025: 21.0}),
        encoding="utf-8",
    )
    return root


# -- status --------------------------------------------------------------------------------


def test_status_json_has_exactly_the_contract_keys(project: Path) -> None:
    document = status_json(project, 2026)

    assert set(document) == {"project", "as_of", "targets", "monitored", "goals"}
    assert document["project"] == "Hai Phong 2030"
    assert document["as_of"] == 2026
    for entry in document["targets"]:
        assert set(entry) == TARGET_KEYS, entry["id"]
        assert isinstance(entry["notes"], list)
        for note in entry["notes"]:
            assert set(note) == {"code", "message", "params"}
        if entry["kind"] == "rate":
            assert set(entry["target"]) == {"low", "high", "start", "end"}
            assert entry["required_pace"] is None
            assert entry["projected"] is None
        else:
            assert set(entry["target"]) == {"comparator", "value", "year"}
        if entry["latest"] is not None:
            assert set(entry["latest"]) == {"year", "value", "status", "series_break"}
    for entry in document["monitored"]:
        assert set(entry) == MONITORED_KEYS, entry["indicator"]
        # The shipped monitored indicator (a rate) has no desired direction, so no status.
        assert (entry["desired"], entry["status"], entry["direction_growth_pct"]) == (None,) * 3


def test_status_json_reports_the_product_example_for_high_tech_as_of_2026(project: Path) -> None:
    entry = by_id(status_json(project, 2026))["high_tech_above_70"]

    assert entry["indicator"] == "high_tech_share"
    assert entry["unit"] == "%"
    assert entry["kind"] == "level"
    assert entry["target"] == {"comparator": ">", "value": 70, "year": 2030}
    assert entry["latest"] == {"year": 2023, "value": 60.6, "status": "A", "series_break": False}
    assert entry["status"] == "on_track"
    assert entry["gap"] == pytest.approx(9.4)
    assert entry["years_left"] == 7
    assert entry["required_pace"] == pytest.approx(1.342857, abs=1e-6)
    assert entry["required_growth_pct"] == pytest.approx(2.0814, abs=1e-4)
    assert entry["observed_growth_pct"] == pytest.approx(7.1028, abs=1e-4)
    assert entry["progress_ratio"] == pytest.approx(1.7138, abs=1e-4)
    assert entry["trend_from"] == 2018
    assert entry["projected"] == pytest.approx(97.97, abs=5e-3)


def test_status_json_lists_every_target_and_the_monitored_indicator(project: Path) -> None:
    document = status_json(project, 2026)

    assert [entry["id"] for entry in document["targets"]] == SHIPPED_TARGET_IDS
    assert [entry["indicator"] for entry in document["monitored"]] == ["iip_growth"]
    shown = {e["indicator"] for e in document["targets"]} | {
        m["indicator"] for m in document["monitored"]
    }
    assert shown == SHIPPED_INDICATORS
    iip = document["monitored"][0]
    assert iip["latest"] == {"year": 2025, "value": 15.11, "status": "E", "series_break": False}


@pytest.mark.parametrize("as_of", [2014, 2019, 2023, 2026, 2031])
def test_status_json_equals_the_core_document(project: Path, as_of: int) -> None:
    document = status_json(project, as_of)

    assert document == status_document(assess_project(load_project(project), as_of))


def test_status_json_leaves_out_observations_after_as_of(project: Path) -> None:
    entry = by_id(status_json(project, 2021))["high_tech_above_70"]

    assert entry["latest"]["year"] == 2021
    assert entry["latest"]["value"] == 50.0
    assert entry["years_left"] == 9


def test_status_as_of_defaults_to_the_current_year(project: Path) -> None:
    before = dt.date.today().year
    result = invoke("--project", project, "status", "--format", "json")
    after = dt.date.today().year

    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["as_of"] in (before, after)


def test_status_json_reproduces_the_level_worked_example(worked: Path) -> None:
    entry = by_id(status_json(worked, 2025))["share_55"]

    assert entry["status"] == "at_risk"
    assert entry["latest"]["year"] == 2025
    assert entry["gap"] == pytest.approx(7.0)
    assert entry["years_left"] == 5
    assert entry["required_pace"] == pytest.approx(1.40)
    assert entry["required_growth_pct"] == pytest.approx(2.76005, abs=1e-5)
    assert entry["observed_growth_pct"] == pytest.approx(1.29914, abs=1e-5)
    assert entry["progress_ratio"] == pytest.approx(0.64092, abs=1e-5)
    assert entry["trend_from"] == 2020
    assert entry["projected"] == pytest.approx(51.2, abs=1e-6)


def test_show_json_reproduces_the_worked_example_planned_paths(worked: Path) -> None:
    targets = by_id(show_json(worked, "share", 2025))
    compound = targets["share_55"]["details"]
    linear = targets["share_55_linear"]["details"]

    assert compound["needed_growth_pct"] == pytest.approx(2.02698, abs=1e-5)
    assert compound["planned_now"] == pytest.approx(49.749, abs=5e-4)
    assert compound["ahead_of_plan"] == pytest.approx(48.0 - 49.749, abs=5e-4)
    assert linear["planned_now"] == pytest.approx(50.0)
    assert linear["uses_slopes"] is True
    for details in (compound, linear):
        assert details["planned_path"][0] == {"year": 2020, "value": 45.0}
        assert details["planned_path"][-1]["year"] == 2030
        assert details["planned_path"][-1]["value"] == pytest.approx(55.0)


@pytest.mark.parametrize(
    ("target_id", "average", "required", "ratio", "gap", "above_band"),
    [
        ("renewal_compound", 17.983, 22.051, 0.89915, 2.017, True),  # R = m / low
        ("renewal_arithmetic", 18.0, 22.0, 18.0 / 20.0, 2.0, False),
    ],
)
def test_status_json_reproduces_the_rate_worked_example(
    worked: Path,
    target_id: str,
    average: float,
    required: float,
    ratio: float,
    gap: float,
    above_band: bool,
) -> None:
    entry = by_id(status_json(worked, 2025))[target_id]

    assert entry["status"] == "at_risk"
    assert entry["target"] == {"low": 20, "high": 22, "start": 2021, "end": 2030}
    assert entry["observed_growth_pct"] == pytest.approx(average, abs=5e-4)
    assert entry["required_growth_pct"] == pytest.approx(required, abs=5e-4)
    assert entry["progress_ratio"] == pytest.approx(ratio, abs=5e-5)
    assert entry["gap"] == pytest.approx(gap, abs=5e-4)
    assert entry["years_left"] == 5
    assert entry["trend_from"] == 2021
    assert entry["required_pace"] is None
    assert entry["projected"] is None
    assert ("above_band" in {n["code"] for n in entry["notes"]}) is above_band


def test_status_csv_has_a_header_then_targets_then_monitored_rows(project: Path) -> None:
    result = invoke("--project", project, "status", "--as-of", 2026, "--format", "csv")

    assert result.exit_code == 0
    assert result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = result.stdout.splitlines()[0].split(",")
    assert header[:2] == ["id", "indicator"]
    assert {"status", "gap", "years_left", "required_pace", "projected"} <= set(header)
    assert [row["id"] for row in rows] == [*SHIPPED_TARGET_IDS, ""]
    assert rows[-1]["indicator"] == "iip_growth"
    assert rows[-1]["status"] == "monitored"
    high_tech = rows[1]
    assert high_tech["status"] == "on_track"
    assert float(high_tech["gap"]) == pytest.approx(9.4)
    assert float(high_tech["projected"]) == pytest.approx(97.97, abs=5e-3)
    assert rows[2]["gap"] == ""  # unknown values are empty cells


def test_status_markdown_is_a_table_with_every_target(project: Path) -> None:
    result = invoke("--project", project, "status", "--as-of", 2026, "--format", "markdown")

    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Target"))
    assert set(lines[header + 1].replace(" ", "")) <= {"|", "-"}
    rows = lines[header + 2 : header + 2 + len(SHIPPED_TARGET_IDS)]
    for target_id, row in zip(SHIPPED_BY_GOAL, rows, strict=True):
        assert row.startswith(f"| `{target_id}` |")
        assert row.endswith(" |")
    assert "**on track**" in rows[1]
    assert any(line.startswith("| `iip_growth` |") for line in lines)


def test_status_table_names_every_target_and_status(project: Path) -> None:
    result = invoke("--project", project, "status", "--as-of", 2026)

    assert result.exit_code == 0
    assert result.stderr == ""
    for target_id in SHIPPED_TARGET_IDS:
        assert target_id in result.stdout
    for label in ("on track", "at risk", "insufficient data", "no data"):
        assert label in result.stdout
    assert "iip_growth" in result.stdout
    assert "Hai Phong 2030, as of 2026" in result.stdout
    assert "\x1b[" not in result.stdout


def test_status_table_in_a_subprocess_with_no_color_has_no_escape_codes(project: Path) -> None:
    completed = run_kpi(
        "status", "--as-of", 2026, cwd=project, NO_COLOR="1", TERM="xterm", COLUMNS="160"
    )

    assert completed.returncode == 0
    assert completed.stderr == ""
    assert "high_tech_above_70" in completed.stdout
    assert "on track" in completed.stdout
    assert "\x1b[" not in completed.stdout


def test_status_table_on_a_real_terminal_with_no_color_has_no_escape_codes(
    project: Path,
) -> None:
    """NO_COLOR on a terminal: plain text, no colour and no other ANSI styling either."""
    returncode, shown, piped = on_a_terminal(
        [*kpi_command(), "status", "--as-of", "2026"],
        cwd=project,
        env=subprocess_env(NO_COLOR="1", TERM="xterm", COLUMNS="160"),
        timeout=60,
    )
    stdout, stderr = shown.decode(), piped.decode()

    assert returncode == 0
    assert stderr == ""
    assert "high_tech_above_70" in stdout
    assert "\x1b[" not in stdout


# -- show ----------------------------------------------------------------------------------


def test_show_json_has_definition_observations_and_assessments(project: Path) -> None:
    document = show_json(project, "high_tech_share", 2026)

    assert document["as_of"] == 2026
    definition = document["indicator"]
    assert definition["id"] == "high_tech_share"
    assert definition["kind"] == "level"
    assert definition["unit"] == "%"
    assert definition["bounds"] == [0, 100]
    expected = [
        (
            o["year"], o["value"], o.get("status", "A"), o.get("series_break", False),
            o["source"], o.get("url"), o.get("note"),
        )
        for o in read_observations(project, "high_tech_share")
    ]  # fmt: skip
    shown = [
        (o["year"], o["value"], o["status"], o["series_break"], o["source"], o["url"], o["note"])
        for o in document["observations"]
    ]
    assert shown == expected
    assert all(o["revisions"] == [] for o in document["observations"])


def test_show_json_targets_carry_the_status_entry_and_paths(project: Path) -> None:
    document = show_json(project, "high_tech_share", 2026)
    status_entry = by_id(status_json(project, 2026))["high_tech_above_70"]

    [target] = document["targets"]
    assert {key: target[key] for key in TARGET_KEYS} == status_entry
    assert target["definition"]["baseline"] == {"year": 2018, "value": 43}
    details = target["details"]
    planned, required = details["planned_path"], details["required_path"]
    assert [p["year"] for p in planned] == list(range(2018, 2031))
    assert planned[0]["value"] == pytest.approx(43.0)
    assert planned[-1]["value"] == pytest.approx(70.0)
    assert [p["year"] for p in required] == list(range(2023, 2031))
    assert required[0] == {"year": 2023, "value": pytest.approx(60.6)}
    assert required[-1] == {"year": 2030, "value": pytest.approx(70.0)}
    assert details["base"] == {"year": 2018, "value": 43.0}
    assert document["monitored"] is None


def test_show_json_leaves_out_observations_after_as_of(project: Path) -> None:
    document = show_json(project, "high_tech_share", 2020)

    assert [o["year"] for o in document["observations"]] == [2015, 2018, 2020]
    [target] = document["targets"]
    assert target["latest"]["year"] == 2020
    assert target["details"]["required_path"][0] == {"year": 2020, "value": 45.5}


def test_show_json_of_a_monitored_rate_indicator(project: Path) -> None:
    document = show_json(project, "iip_growth", 2024)

    assert document["targets"] == []
    assert document["monitored"]["indicator"] == "iip_growth"
    assert document["monitored"]["latest"]["year"] == 2024
    assert [o["year"] for o in document["observations"]] == list(range(2019, 2025))


def test_show_table_has_definition_observations_sources_and_targets(project: Path) -> None:
    result = invoke("--project", project, "show", "high_tech_share", "--as-of", 2020)

    assert result.exit_code == 0
    assert result.stderr == ""
    out = result.stdout
    assert "High-tech products, share of processing and manufacturing output" in out
    assert "high_tech_above_70" in out
    assert "Department of Industry and Trade" in out  # the 2020 source
    assert "45.5" in out
    assert "Bao Dau tu" not in out  # the 2021 source: after --as-of
    assert "53.39" not in out  # the 2022 value: after --as-of
    assert "Path to the target, year by year" in out


# -- record --------------------------------------------------------------------------------


def test_record_adds_a_new_year_in_year_order(project: Path) -> None:
    path = project / "observations" / "high_tech_share.toml"
    before = path.read_bytes()

    result = invoke(
        "--project", project, "record", "high_tech_share", 2019, 44.2, "--source", "A report"
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("added: high_tech_share 2019")
    assert path.read_bytes() != before
    observations = read_observations(project, "high_tech_share")
    years = [o["year"] for o in observations]
    assert years == [2015, 2018, 2019, 2020, 2021, 2022, 2023]
    added = observations[2]
    assert added == {"year": 2019, "value": 44.2, "source": "A report"}


def test_record_creates_the_file_of_an_indicator_without_observations(project: Path) -> None:
    path = project / "observations" / "tech_renewal_rate.toml"
    assert not path.exists()

    result = invoke(
        "--project", project, "record", "tech_renewal_rate", 2025, 18.5, "--source", "Survey"
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert read_observations(project, "tech_renewal_rate") == [
        {"year": 2025, "value": 18.5, "source": "Survey"}
    ]
    entry = by_id(status_json(project, 2025))["tech_renewal_20_22"]
    assert entry["latest"]["value"] == 18.5
    assert entry["status"] != "no_data"


def test_record_an_identical_observation_again_changes_nothing(project: Path) -> None:
    args = ("--project", project, "record", "high_tech_share", 2024, "62.5")
    first = invoke(*args, "--source", "Press release", "--status", "E")
    path = project / "observations" / "high_tech_share.toml"
    after_first = path.read_bytes()

    again = invoke(*args, "--source", "Press release", "--status", "E")

    assert first.exit_code == 0
    assert again.exit_code == 0, again.stderr
    assert again.stdout == ""
    assert again.stderr.startswith("unchanged: high_tech_share 2024")
    assert path.read_bytes() == after_first


def test_record_a_shipped_observation_again_leaves_the_file_byte_for_byte(project: Path) -> None:
    path = project / "observations" / "high_tech_share.toml"
    before = path.read_bytes()
    source = (
        "Article on Resolution 57 and Hai Phong 2030 targets (see hai-phong-2030-article.vi.txt)"
    )

    result = invoke(
        "--project", project, "record", "high_tech_share", 2023, "60.6",
        "--source", source, "--note", "no other published source found",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("unchanged:")
    assert path.read_bytes() == before


def test_record_a_different_value_without_replace_is_refused(project: Path) -> None:
    path = project / "observations" / "high_tech_share.toml"
    before = path.read_bytes()

    result = invoke(
        "--project", project, "record", "high_tech_share", 2023, 61.0, "--source", "Other"
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "observations/high_tech_share.toml" in result.stderr
    assert "2023" in result.stderr
    assert "--replace" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_record_replace_keeps_the_old_value_in_revisions(project: Path) -> None:
    before = dt.date.today()
    result = invoke(
        "--project", project, "record", "high_tech_share", 2023, 61.0,
        "--source", "Revised release", "--replace",
    )  # fmt: skip
    after = dt.date.today()

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("replaced: high_tech_share 2023")
    observation = read_observations(project, "high_tech_share")[-1]
    assert observation["year"] == 2023
    assert observation["value"] == 61.0
    assert observation["source"] == "Revised release"
    assert "note" not in observation
    [revision] = observation["revisions"]
    assert before <= revision.pop("replaced") <= after
    assert revision == {
        "value": 60.6,
        "status": "A",
        "series_break": False,
        "source": "Article on Resolution 57 and Hai Phong 2030 targets "
        "(see hai-phong-2030-article.vi.txt)",
        "note": "no other published source found",
    }
    shown = show_json(project, "high_tech_share", 2026)["observations"][-1]
    assert shown["value"] == 61.0
    assert shown["revisions"][0]["value"] == 60.6
    assert shown["revisions"][0]["url"] is None


def test_record_replace_twice_keeps_both_revisions_in_order(project: Path) -> None:
    common = ("--project", project, "record", "high_tech_share", 2023)
    first = invoke(*common, 61.0, "--source", "Second", "--replace")
    second = invoke(*common, 62.0, "--source", "Third", "--replace")

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert (first.stdout, second.stdout) == ("", "")
    observation = read_observations(project, "high_tech_share")[-1]
    assert observation["value"] == 62.0
    assert [(r["value"], r["source"]) for r in observation["revisions"]] == [
        (60.6, "Article on Resolution 57 and Hai Phong 2030 targets "
         "(see hai-phong-2030-article.vi.txt)"),
        (61.0, "Second"),
    ]  # fmt: skip


def test_record_stores_status_series_break_url_and_note(project: Path) -> None:
    result = invoke(
        "--project", project, "record", "manufacturing_share_grdp", 2026, 45.3,
        "--source", "Statistics Office", "--status", "P", "--series-break",
        "--url", "https://example.org/2026", "--note", "first estimate",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    observation = read_observations(project, "manufacturing_share_grdp")[-1]
    assert observation == {
        "year": 2026,
        "value": 45.3,
        "status": "P",
        "series_break": True,
        "source": "Statistics Office",
        "url": "https://example.org/2026",
        "note": "first estimate",
    }
    latest = by_id(status_json(project, 2026))["manufacturing_55_by_2030"]["latest"]
    assert latest == {"year": 2026, "value": 45.3, "status": "P", "series_break": True}


def test_record_a_negative_rate_after_double_dash(project: Path) -> None:
    result = invoke(
        "--project", project, "record", "iip_growth", 2026, "--source", "Office", "--", "-1.5"
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert read_observations(project, "iip_growth")[-1]["value"] == -1.5


def test_a_recorded_value_changes_the_status(project: Path) -> None:
    assert by_id(status_json(project, 2024))["high_tech_above_70"]["status"] == "on_track"

    result = invoke(
        "--project", project, "record", "high_tech_share", 2024, 70.5, "--source", "Report"
    )

    assert result.exit_code == 0, result.stderr
    assert by_id(status_json(project, 2024))["high_tech_above_70"]["status"] == "achieved"
    assert by_id(status_json(project, 2023))["high_tech_above_70"]["status"] == "on_track"


# -- validate ------------------------------------------------------------------------------


def test_validate_the_shipped_project(project: Path) -> None:
    result = invoke("--project", project, "validate")

    assert result.exit_code == 0
    assert result.stdout == "valid: 5 indicators, 7 targets, 24 observations\n"
    assert result.stderr == ""


BROKEN_TARGETS = """\
[project]
name = "Broken"

[indicators.share]
name = "Share"
kind = "level"
unit = "%"
bounds = [0, 100]

[[indicators.share.targets]]
id = "share_60"
comparator = ">="
value = 160
year = 2030

[indicators.growth]
name = "Growth"
kind = "rate"
unit = "%/yr"

[[indicators.growth.targets]]
id = "share_60"
low = 5
start = 2021
end = 2030
"""

BROKEN_SHARE = """\
[[observations]]
year = 2020
value = 45.0
source = "s"

[[observations]]
year = 2021
value = 145.0
source = "s"

[[observations]]
year = 2021
value = 46.0
source = "s"
"""

BROKEN_GROWTH = """\
[[observations]]
year = 2020
value = 5.0
"""


SECOND_ID = 'id = "share_60"'


def write_project(root: Path, targets: str, observations: dict[str, str]) -> Path:
    (root / "observations").mkdir(parents=True)
    (root / "targets.toml").write_text(targets, encoding="utf-8")
    for name, text in observations.items():
        (root / "observations" / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_validate_reports_every_problem_with_file_line_and_key(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "broken",
        BROKEN_TARGETS,
        {"share": BROKEN_SHARE, "growth": BROKEN_GROWTH},
    )
    before = {p: p.read_bytes() for p in root.rglob("*.toml")}

    result = invoke("--project", root, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    expected = [
        f"targets.toml:{line_of(BROKEN_TARGETS, 'value = 160')}: "
        "indicators.share.targets[0].value: ",
        f"targets.toml:{line_of(BROKEN_TARGETS, SECOND_ID, 2)}: indicators.growth.targets[0].id: ",
        f"observations/share.toml:{line_of(BROKEN_SHARE, 'value = 145.0')}: "
        "observations[1].value: ",
        f"observations/share.toml:{line_of(BROKEN_SHARE, 'year = 2021', 2)}: "
        "observations[2].year: ",
        "observations/growth.toml:1: observations[0].source: ",
    ]
    errors = error_lines(result.stderr)
    assert len(errors) == len(expected), result.stderr
    for prefix in expected:
        assert any(line.startswith(f"error: {prefix}") for line in errors), prefix
    assert {p: p.read_bytes() for p in root.rglob("*.toml")} == before


def test_validate_reports_an_observation_file_without_an_indicator(project: Path) -> None:
    (project / "observations" / "ghost.toml").write_text(
        '[[observations]]\nyear = 2020\nvalue = 1.0\nsource = "s"\n', encoding="utf-8"
    )

    result = invoke("--project", project, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error: observations/ghost.toml: no indicator 'ghost'" in result.stderr


def test_validate_reports_observation_problems_even_when_targets_has_an_unknown_key(
    tmp_path: Path,
) -> None:
    targets = BROKEN_TARGETS.replace('unit = "%"\n', 'unit = "%"\ncolour = "red"\n', 1)
    root = write_project(tmp_path / "broken", targets, {"share": BROKEN_SHARE})

    result = invoke("--project", root, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    errors = error_lines(result.stderr)
    colour = line_of(targets, "colour")
    duplicate = line_of(BROKEN_SHARE, "year = 2021", 2)
    assert f"error: targets.toml:{colour}: indicators.share.colour: unknown key" in errors
    assert any(
        line.startswith(f"error: observations/share.toml:{duplicate}: observations[2].year: ")
        for line in errors
    ), result.stderr


def test_validate_reports_every_problem_of_one_observation_file(tmp_path: Path) -> None:
    growth = BROKEN_GROWTH + '\n[[observations]]\nyear = 2021\nvalue = -120.0\nsource = "s"\n'
    targets = BROKEN_TARGETS.replace("value = 160", "value = 60").replace(
        'id = "share_60"\nlow', 'id = "growth_5"\nlow'
    )
    root = write_project(tmp_path / "broken", targets, {"growth": growth})

    result = invoke("--project", root, "validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    errors = error_lines(result.stderr)
    assert "error: observations/growth.toml:1: observations[0].source: required key is missing" in (
        errors
    )
    minus = line_of(growth, "value = -120.0")
    assert any(
        line.startswith(f"error: observations/growth.toml:{minus}: observations[1].value: ")
        for line in errors
    ), result.stderr


# -- init ----------------------------------------------------------------------------------


def test_init_writes_the_hai_phong_project(tmp_path: Path) -> None:
    root = tmp_path / "new" / "city"

    result = invoke("init", root)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "targets.toml" in result.stderr
    assert (root / "targets.toml").read_bytes() == (TEMPLATE / "targets.toml").read_bytes()
    shipped = sorted(p.name for p in (TEMPLATE / "observations").glob("*.toml"))
    assert sorted(p.name for p in (root / "observations").iterdir()) == shipped
    for name in shipped:
        written = (root / "observations" / name).read_bytes()
        assert written == (TEMPLATE / "observations" / name).read_bytes()
    validated = invoke("--project", root, "validate")
    assert validated.exit_code == 0
    assert validated.stdout.startswith("valid: 5 indicators, 7 targets")
    assert validated.stderr == ""
    assert by_id(status_json(root, 2026))["high_tech_above_70"]["status"] == "on_track"


def test_init_blank_writes_a_valid_project_without_indicators(tmp_path: Path) -> None:
    root = tmp_path / "blank"

    result = invoke("init", root, "--blank")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert (root / "observations").is_dir()
    assert list((root / "observations").iterdir()) == []
    with open(root / "targets.toml", "rb") as handle:
        assert tomllib.load(handle)["project"]["name"] == "blank"
    validated = invoke("--project", root, "validate")
    assert validated.exit_code == 0
    assert validated.stdout == "valid: 0 indicators, 0 targets, 0 observations\n"
    assert validated.stderr == ""
    document = status_json(root, 2026)
    assert document["project"] == "blank"
    assert document["targets"] == []
    assert document["monitored"] == []


@pytest.mark.parametrize("blank", [False, True])
def test_init_refuses_a_folder_that_holds_a_project(tmp_path: Path, blank: bool) -> None:
    root = tmp_path / "existing"
    root.mkdir()
    (root / "targets.toml").write_text('[project]\nname = "Mine"\n', encoding="utf-8")
    before = (root / "targets.toml").read_bytes()

    result = invoke("init", root, *(["--blank"] if blank else []))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "targets.toml" in result.stderr
    assert "already exists" in result.stderr
    assert "Traceback" not in result.stderr
    assert (root / "targets.toml").read_bytes() == before
    assert sorted(p.name for p in root.iterdir()) == ["targets.toml"]


# -- start to end, in subprocesses ---------------------------------------------------------


def test_start_to_end_init_validate_record_status_show(tmp_path: Path) -> None:
    root = tmp_path / "city"

    created = run_kpi("init", root, cwd=tmp_path)
    assert (created.returncode, created.stdout) == (0, "")
    assert "created" in created.stderr

    validated = run_kpi("validate", cwd=root)  # found from the current folder
    assert validated.returncode == 0
    assert validated.stdout == "valid: 5 indicators, 7 targets, 24 observations\n"
    assert validated.stderr == ""

    recorded = run_kpi(
        "--project", root, "record", "high_tech_share", 2024, "63.1",
        "--source", "Press conference", "--status", "E", cwd=tmp_path,
    )  # fmt: skip
    assert (recorded.returncode, recorded.stdout) == (0, "")
    assert recorded.stderr.startswith("added: high_tech_share 2024")

    status = run_kpi(
        "status", "--as-of", 2025, "--format", "json", cwd=tmp_path, KPI_PROJECT=str(root)
    )
    assert status.returncode == 0
    assert status.stderr == ""
    document = json.loads(status.stdout)
    assert document == status_document(assess_project(load_project(root), 2025))
    entry = by_id(document)["high_tech_above_70"]
    assert entry["latest"] == {"year": 2024, "value": 63.1, "status": "E", "series_break": False}

    shown = run_kpi("show", "high_tech_share", "--as-of", 2025, "--format", "json", cwd=root)
    assert shown.returncode == 0
    assert shown.stderr == ""
    assert json.loads(shown.stdout)["observations"][-1]["year"] == 2024


def test_status_json_gives_each_notes_parameters_and_one_series_break_code(project: Path) -> None:
    entry = by_id(status_json(project, 2026))["manufacturing_55_by_2030"]
    (note,) = [n for n in entry["notes"] if n["code"] == "series_break"]
    assert note["params"] == {"year": 2025, "latest": True}
    assert "starts a new series" in note["message"]
    assert not [n for n in entry["notes"] if n["code"].startswith("series_break_")]


def test_status_json_gives_the_time_to_plan_and_what_next_year_needs(project: Path) -> None:
    targets = by_id(status_json(project, 2026))
    high_tech = targets["high_tech_above_70"]
    assert high_tech["years_ahead_of_plan"] == pytest.approx(3.44896, abs=5e-6)
    assert high_tech["next_year_needs"]["year"] == 2024
    assert high_tech["next_year_needs"]["value"] == pytest.approx(60.6 * (70 / 60.6) ** (1 / 7))
    assert targets["manufacturing_55_by_2030"]["years_ahead_of_plan"] is None  # no baseline
    rate = targets["grdp_growth_2021_2030"]
    assert rate["years_ahead_of_plan"] is None
    assert rate["next_year_needs"]["year"] == 2026
    assert rate["next_year_needs"]["value"] == pytest.approx(rate["required_growth_pct"])


def test_show_and_chart_accept_a_target_id_for_its_indicator(project: Path) -> None:
    by_target = invoke("--project", project, "show", "high_tech_above_70", "--as-of", 2026)
    by_indicator = invoke("--project", project, "show", "high_tech_share", "--as-of", 2026)
    assert by_target.exit_code == 0, by_target.stderr
    assert by_target.stdout == by_indicator.stdout
    assert by_target.stderr == ""
    chart = project / "chart.svg"
    result = invoke("--project", project, "chart", "high_tech_above_70", "--output", chart)
    assert result.exit_code == 0, result.stderr
    assert chart.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    unknown = invoke("--project", project, "show", "no_such_thing")
    assert unknown.exit_code == 2
    assert unknown.stdout == ""
    assert "unknown indicator 'no_such_thing'" in unknown.stderr
