"""``kpi schema targets|observations``: the JSON Schemas of the files, generated from the models,
shipped in the package (``kpi/schemas/``), for editors (taplo, Even Better TOML).

The shipped files must be what the models generate (``python scripts/schemas.py`` rewrites them);
a JSON Schema validator (``jsonschema``, draft 7) must accept every shipped file, parsed with both
TOML readers kpi knows, and refuse broken ones at the broken key. TOML dates are given to the
validator as ISO strings, as taplo does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rtoml
from typer.testing import CliRunner

from kpi.cli import app
from kpi.schema import KINDS, schema, schema_text, shipped

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "kpi" / "templates" / "haiphong"
TARGETS_FILES = [ROOT / "targets.toml", TEMPLATE / "targets.toml"]
OBSERVATION_FILES = sorted([*(ROOT / "observations").glob("*.toml"), *TEMPLATE.glob("*/*.toml")])
READERS: dict[str, Callable[[str], Any]] = {"rtoml": rtoml.loads, "tomllib": tomllib.loads}


def as_json(value: Any) -> Any:
    """A parsed TOML document as JSON sees it (what taplo validates): dates as ISO strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def validator(kind: str) -> jsonschema.Draft7Validator:
    document = json.loads(shipped(kind).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(document, format_checker=jsonschema.FormatChecker())


def errors(kind: str, text: str) -> list[tuple[str, str]]:
    """Each error of the shipped schema ``kind`` on the TOML ``text``: (JSON path, validator)."""
    found = validator(kind).iter_errors(as_json(tomllib.loads(text)))
    return sorted((error.json_path, str(error.validator)) for error in found)


# -- the command and the shipped files ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_kpi_schema_prints_the_shipped_schema(kind: str) -> None:
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == shipped(kind).read_text(encoding="utf-8")
    assert (ROOT / "kpi" / "schemas" / KINDS[kind].file_name).read_bytes() == (
        schema_text(kind).encode("utf-8")
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_shipped_schema_is_a_valid_draft_7_schema(kind: str) -> None:
    document = schema(kind)
    jsonschema.Draft7Validator.check_schema(document)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    text = json.dumps(document)
    # draft 7 keywords only: shared parts under definitions, bounds as JSON Schema says them
    assert "$defs" not in text and '"gt"' not in text and '"ge"' not in text
    assert '"null"' not in text  # TOML has no null: an optional key is left out


def test_kpi_schema_writes_output_and_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    out = tmp_path / "schemas" / "targets.schema.json"
    written = CliRunner().invoke(app, ["schema", "targets", "--output", str(out)])
    assert (written.exit_code, written.stdout) == (0, "")
    assert written.stderr == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == schema_text("targets")
    data = tmp_path / "targets.toml"
    data.write_text("[project]\nname = 'x'\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["schema", "targets", "-o", str(data)])
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert "a JSON Schema is written to a .json file" in refused.stderr
    assert data.read_text(encoding="utf-8") == "[project]\nname = 'x'\n"


def test_kpi_schema_refuses_an_unknown_kind() -> None:
    result = CliRunner().invoke(app, ["schema", "indicators"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_the_regeneration_script_finds_the_shipped_files_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "schemas.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_this_repository_s_taplo_file_points_at_the_shipped_schemas() -> None:
    config = tomllib.loads((ROOT / ".taplo.toml").read_text(encoding="utf-8"))
    paths = {rule["schema"]["path"]: rule["include"] for rule in config["rule"]}
    assert paths == {
        "kpi/schemas/targets.schema.json": ["targets.toml", "kpi/templates/*/targets.toml"],
        "kpi/schemas/observations.schema.json": [
            "observations/*.toml",
            "kpi/templates/*/observations/*.toml",
        ],
    }
    for path, patterns in paths.items():
        assert (ROOT / path).is_file()
        assert all(list(ROOT.glob(pattern)) for pattern in patterns)


def test_the_taplo_file_docs_ci_md_shows_parses_and_names_what_kpi_schema_writes() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(# \.taplo\.toml:.*?)```", text, flags=re.DOTALL)
    config = tomllib.loads(block)
    rules = {rule["schema"]["path"]: rule["include"] for rule in config["rule"]}
    assert rules == {
        "schemas/targets.schema.json": ["targets.toml"],
        "schemas/observations.schema.json": ["observations/*.toml"],
    }
    for kind, file_kind in KINDS.items():  # the commands the same section shows write them
        assert f"kpi schema {kind} --output schemas/{file_kind.file_name}" in text


# -- the shipped data is valid -------------------------------------------------------------------


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("path", TARGETS_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_shipped_targets_file_is_valid(path: Path, reader: str) -> None:
    data = READERS[reader](path.read_text(encoding="utf-8"))
    validator("targets").validate(as_json(data))


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("path", OBSERVATION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_observation_file_is_valid(path: Path, reader: str) -> None:
    data = READERS[reader](path.read_text(encoding="utf-8"))
    validator("observations").validate(as_json(data))


def test_the_shipped_files_are_all_checked() -> None:
    assert len(OBSERVATION_FILES) == 8  # four indicators, at the root and in the template


def test_every_key_kpi_reads_is_accepted() -> None:
    targets = """\
[project]
name = "City"
name_vi = "Thành phố"

[assessment]
trend_years = 5
on_track = 0.95
at_risk = 0.6
direction_on_track = 2
direction_at_risk = 1
direction_off_track = -0.5

[gate]
fail_on = "at_risk"
fail_on_missing = true
fail_on_worse = true
fail_on_stale = false
fail_on_direction = true

[indicators.share]
name = "Share"
name_vi = "Tỷ trọng"
kind = "level"
unit = "%"
bounds = [0, 100]
owner = "Office"
description = "A share"
update_every = 5
desired = "increase"

[[indicators.share.targets]]
id = "share_55"
name = "55 %"
name_vi = "55 %"
comparator = ">="
value = 55
year = 2030
baseline = { year = 2020, value = 40 }
method = "linear"
source = "plan"
gate = "warn"

[indicators.growth]
name = "Growth"
kind = "rate"
unit = "%/yr"

[[indicators.growth.targets]]
id = "growth_7"
low = 7
high = 8
start = 2021
end = 2030
average = "arithmetic"
gate = "off"
"""
    assert errors("targets", targets) == []
    observations = """\
[[observations]]
year = 2024
value = 61.5
status = "P"
series_break = true
source = "Yearbook"
url = "https://example.org"
note = "revised"

[[observations.revisions]]
value = 60
status = "E"
series_break = false
source = "Press"
url = "https://example.org/old"
note = "first estimate"
replaced = 2025-03-01
"""
    assert errors("observations", observations) == []


# -- broken files are refused at the broken key --------------------------------------------------

TARGETS = """\
[project]
name = "City"

[indicators.share]
name = "Share"
kind = "level"
unit = "%"

[[indicators.share.targets]]
id = "share_55"
comparator = ">="
value = 55
year = 2030
"""


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('comparator = ">="', 'comparator = "=>"', "$.indicators.share"),
        ('comparator = ">="', 'comparator = ">="\nweight = 2', "$.indicators.share"),
        ("value = 55", 'value = "55"', "$.indicators.share"),
        ("year = 2030", 'year = 2030\ngate = "warning"', "$.indicators.share"),
        ('unit = "%"', 'unit = "%"\nupdate_every = 0', "$.indicators.share"),
        ('unit = "%"', 'unit = "%"\nupdate_every = "yearly"', "$.indicators.share"),
        ('unit = "%"', 'unit = "%"\ndesired = "up"', "$.indicators.share"),
        (
            'name = "City"',
            'name = "City"\n\n[assessment]\ndirection_at_risk = "low"',
            "$.assessment",
        ),
        ('name = "City"', 'name = "City"\n\n[gate]\nfail_on_direction = 1', "$.gate"),
        ('kind = "level"', 'kind = "index"', "$.indicators.share"),
        ('name = "City"', 'name = "City"\n\n[gate]\nfail_on = "on_track"', "$.gate.fail_on"),
        ('name = "City"', 'name = "City"\n\n[gate]\nfail_on_stale = "yes"', "$.gate.fail_on_stale"),
        ('name = "City"', 'name = "City"\n\n[gate]\nfail_on_all = true', "$.gate"),
        ('name = "City"', 'name = "City"\ncolour = "blue"', "$.project"),
        ("[indicators.share]", "[indicators.Share]", "$.indicators"),
        ("[indicators.share]", "[indicators.con]", "$.indicators"),
        ('id = "share_55"', 'id = "Share 55"', "$.indicators.share"),
    ],
)
def test_a_broken_targets_file_is_refused_at_its_key(old: str, new: str, where: str) -> None:
    assert errors("targets", TARGETS) == []
    assert old in TARGETS
    found = errors("targets", TARGETS.replace(old, new, 1))
    assert found, new
    assert all(path.startswith(where) for path, _ in found), found


def test_a_rate_indicator_with_a_desired_direction_is_refused() -> None:
    rate = '\n[indicators.growth]\nname = "Growth"\nkind = "rate"\nunit = "%"\n'
    assert errors("targets", TARGETS + rate) == []
    found = errors("targets", TARGETS + rate + 'desired = "increase"\n')
    assert found
    assert all(path.startswith("$.indicators.growth") for path, _ in found), found


def test_a_targets_file_without_its_project_is_refused() -> None:
    assert errors("targets", TARGETS.replace('[project]\nname = "City"\n', "")) == [
        ("$", "required")
    ]


OBSERVATIONS = """\
[[observations]]
year = 2024
value = 61.5
source = "Yearbook"
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("value = 61.5", 'value = "61.5"', [("$.observations[0].value", "type")]),
        ("year = 2024", "year = 1800", [("$.observations[0].year", "minimum")]),
        ("year = 2024", 'year = 2024\nstatus = "Q"', [("$.observations[0].status", "enum")]),
        (
            "year = 2024",
            "year = 2024\nflag = true",
            [("$.observations[0]", "additionalProperties")],
        ),
        (
            'source = "Yearbook"',
            'source = ""',
            [("$.observations[0].source", "minLength"), ("$.observations[0].source", "pattern")],
        ),
        (  # the schema states the text rule of the models: no workflow command
            'source = "Yearbook"',
            'source = "::error::Yearbook"',
            [("$.observations[0].source", "pattern")],
        ),
        (
            'source = "Yearbook"',
            f'source = "{"x" * 1001}"',
            [("$.observations[0].source", "maxLength")],
        ),
        ('source = "Yearbook"', "", [("$.observations[0]", "required")]),
        ("[[observations]]", "[[observation]]", [("$", "additionalProperties")]),
        (
            'source = "Yearbook"',
            'source = "Yearbook"\n\n[[observations.revisions]]\nvalue = 60\nsource = "x"\n'
            'replaced = "soon"',
            [("$.observations[0].revisions[0].replaced", "format")],
        ),
    ],
)
def test_a_broken_observation_file_is_refused_at_its_key(
    old: str, new: str, expected: list[tuple[str, str]]
) -> None:
    assert errors("observations", OBSERVATIONS) == []
    assert old in OBSERVATIONS
    assert errors("observations", OBSERVATIONS.replace(old, new, 1)) == expected
