"""The importer fuzzed: 2,000 hostile CSV files and 400 JSON ones, no crash, no partial change.

Hypothesis writes import files from pieces that broke importers before: huge and non-ASCII
numbers, digit separators, decimal commas, quotes left open, bare CRs, NUL bytes, byte-order
marks, control characters and workflow commands in text, wrong and repeated headers, deep JSON.
Each file is imported in-process (a crash fails the test: ``catch_exceptions=False``); the run
must end with exit 0 or 2, an ``error:`` line for 2, no raw control character on stderr, and
the project's files unchanged unless the import succeeded and was not a dry run.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kpi.cli import app
from kpi.template import create_project

FUZZ = settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DEFINITIONS = """
[indicators.high_tech_share]
name = "High-tech share"
kind = "level"
unit = "%"
bounds = [0, 100]

[indicators.grdp_growth]
name = "GRDP growth"
kind = "rate"
unit = "%/yr"
"""
COLUMNS = ["indicator", "year", "value", "source", "status", "series_break", "url", "note"]
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

cells = st.one_of(
    st.sampled_from(
        ["high_tech_share", "grdp_growth", "nope", "", " ", "2024", "2_024", "٢٠٢٤", "2024.0",
         "9" * 5000, "45.12", "44_4", "12,04", "1e400", "-1e19", "nan", "inf", "0x10", "E", "X",
         "true", "maybe", "=SUM(A1)", "'=1", "x\n::error::forged", "a\rb", "\x1b]52;c;eA==\x07",
         "\u202eevil", "##[error]x", '"open', "s" * 3000, "\x00"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(
        st.one_of(
            st.just(COLUMNS[:4]),
            st.lists(st.sampled_from([*COLUMNS, "extra", "Indicator", ""]), max_size=9),
        )
    )
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 2), max_size=6))
    separator = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(separator.join(row) for row in [header, *rows])
    data = text.encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + data


json_values = st.recursive(
    st.one_of(cells, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(COLUMNS), inner),
    max_leaves=20,
)


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.dictionaries(st.sampled_from(COLUMNS), json_values), max_size=5))
    document = draw(st.sampled_from(["list", "object", "other"]))
    value = rows if document == "list" else {"observations": rows} if document == "object" else 5
    text = json.dumps(value)
    if draw(st.booleans()):  # a huge integer json.dumps would not write
        text = text.replace("5", "9" * 5000, 1)
    return text.encode("utf-8", "surrogatepass")


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "observations").glob("*.toml"))
    }


def import_once(tmp_path: Path, data: bytes, suffix: str, dry_run: bool) -> None:
    root = tmp_path / "city"
    if not root.exists():
        create_project(root, blank=True)
        with (root / "targets.toml").open("a", encoding="utf-8") as targets:
            targets.write(DEFINITIONS)
    before = digests(root)
    table = tmp_path / f"in{suffix}"
    table.write_bytes(data)
    arguments = ["--project", str(root), "import", str(table)] + (["--dry-run"] if dry_run else [])
    result = CliRunner().invoke(app, arguments, catch_exceptions=False)
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert not RAW_CONTROL.search(result.stderr), result.stderr
    if result.exit_code == 2:
        assert "error:" in result.stderr
    if result.exit_code == 2 or dry_run:
        assert digests(root) == before
    else:  # a successful import is valid data
        checked = CliRunner().invoke(app, ["--project", str(root), "validate"])
        assert checked.exit_code == 0, checked.stderr


@FUZZ
@given(data=csv_files(), dry_run=st.booleans())
def test_a_fuzzed_csv_import_never_crashes(tmp_path: Path, data: bytes, dry_run: bool) -> None:
    import_once(tmp_path, data, ".csv", dry_run)


@settings(FUZZ, max_examples=400)
@given(data=json_files(), dry_run=st.booleans())
def test_a_fuzzed_json_import_never_crashes(tmp_path: Path, data: bytes, dry_run: bool) -> None:
    import_once(tmp_path, data, ".json", dry_run)
