"""``kpi validate --format text|json|github|junit``: every problem where CI shows it, on its file
and line, and on stderr in every format; exit 0 when valid, 2 otherwise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import junitparser
import pytest
from typer.testing import CliRunner, Result

from kpi.cli import app
from kpi.template import create_project

TWO_MISTAKES = """\
[[observations]]
year = 2020
value = 150
source = "Yearbook"

[[observations]]
year = 2021
value = 40
source = "Yearbook"
status = "Q"
"""


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    """The Hai Phong project with two mistakes in one observation file (line 3: a share above
    its bounds; line 10: an unknown status)."""
    root = tmp_path / "city"
    create_project(root, blank=False)
    (root / "observations" / "high_tech_share.toml").write_text(TWO_MISTAKES, encoding="utf-8")
    return root


def validate(root: Path, *options: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(root), "validate", *options])


def test_github_puts_an_error_on_each_mistake_s_file_and_line(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken)
    result = validate(broken, "--format", "github")
    assert result.exit_code == 2
    annotations = result.stdout.splitlines()
    assert len(annotations) == 2, annotations
    places = [re.search(r"file=([^,]+),line=(\d+)", line) for line in annotations]
    assert sorted((m.group(1), int(m.group(2))) for m in places if m) == [
        ("observations/high_tech_share.toml", 3),
        ("observations/high_tech_share.toml", 10),
    ]
    assert all(line.startswith("::error ") for line in annotations)
    assert result.stderr.count("error: observations/high_tech_share.toml:") == 2


def test_junit_parses_and_has_one_error_per_mistake(broken: Path) -> None:
    result = validate(broken, "--format", "junit")
    assert result.exit_code == 2
    xml = junitparser.JUnitXml.fromstring(result.stdout.encode())
    [suite] = list(xml)
    assert suite.name == "kpi validate"
    assert (suite.tests, suite.errors) == (2, 2)
    assert "error:" in result.stderr


def test_json_lists_every_problem_with_file_line_key_and_message(broken: Path) -> None:
    result = validate(broken, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert sorted((p["line"], p["key"]) for p in document["problems"]) == [
        (3, "observations[0].value"),
        (10, "observations[1].status"),
    ]
    assert all(
        p["file"].endswith("high_tech_share.toml") and p["message"] for p in document["problems"]
    )


def test_text_keeps_stdout_empty_and_reports_on_stderr(broken: Path) -> None:
    result = validate(broken)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "hint: 2 problem(s) found" in result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "github", "junit"])
def test_a_valid_project_passes_in_every_format(tmp_path: Path, output_format: str) -> None:
    root = tmp_path / "city"
    create_project(root, blank=False)
    result = validate(root, "--format", output_format)
    assert result.exit_code == 0, result.stderr
    assert "5 indicators" in result.stdout or '"indicators": 5' in result.stdout
    if output_format == "github":
        assert result.stdout.startswith("::notice title=kpi%3A valid::")
    if output_format == "junit":
        [suite] = list(junitparser.JUnitXml.fromstring(result.stdout.encode()))
        assert (suite.tests, suite.errors, suite.failures) == (1, 0, 0)


def test_a_mistake_in_targets_toml_does_not_hide_one_in_an_observation_file(broken: Path) -> None:
    targets = broken / "targets.toml"
    text = targets.read_text("utf-8").replace('comparator = ">="', 'comparator = "=>"', 1)
    targets.write_text(text, encoding="utf-8")
    result = validate(broken, "--format", "json")
    assert result.exit_code == 2
    keys = {(p["file"].split("/")[-1], p["key"]) for p in json.loads(result.stdout)["problems"]}
    assert ("targets.toml", "indicators.manufacturing_share_grdp.targets[0].comparator") in keys
    # The share above its bounds is still found, with the valid high_tech_share definition.
    assert ("high_tech_share.toml", "observations[0].value") in keys
