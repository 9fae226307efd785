"""Mutation fuzzing and hostile input: no file, argument or link may crash `kpi` or change data.

Starting from a small valid project, hypothesis mutates ``targets.toml`` or an observation file
(byte edits, truncation, NUL bytes, huge numbers, deep nesting, wrong types, random Unicode,
duplicated tables and keys) and runs ``kpi validate`` and ``kpi status --format json``; it also
feeds ``kpi record`` hostile indicator ids, years, values and sources. Every run must exit 0, 1
or 2, never raise (``catch_exceptions=False`` lets a crash fail the test), never print a
traceback, and never change a file it was not asked to change.

The runs are in-process (``CliRunner``) for speed, plus a few subprocess runs that check what a
user really sees on stderr. Hypothesis is derandomized and keeps no example database, so CI
explores the same examples on every run; the whole file takes well under a minute on 2 cores.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import kpi
from kpi.cli import app
from kpi.lock import LOCK_FILE
from kpi.model import is_identifier
from kpi.store import read_project
from kpi.text import text_problem

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    # Each example makes its own fresh folder under tmp_path (see `sandbox`), so sharing the
    # function-scoped fixture between examples is safe.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

TARGETS = """\
[project]
name = "Fuzz City 2030"
name_vi = "Thành phố 2030"

[assessment]
trend_years = 5
on_track = 0.95
at_risk = 0.60

[indicators.lvl]
name = "A level"
name_vi = "Một mức"
kind = "level"
unit = "%"
bounds = [0, 100]
owner = "Department of Industry and Trade"

[[indicators.lvl.targets]]
id = "lvl_above_70"
comparator = ">"
value = 70
year = 2030
baseline = { year = 2018, value = 43 }
method = "compound"
source = "a resolution"

[indicators.rt]
name = "A rate"
kind = "rate"
unit = "%/yr"

[[indicators.rt.targets]]
id = "rt_20_22"
low = 20
high = 22
start = 2025
end = 2030
average = "compound"
"""

LEVEL_OBSERVATIONS = """\
[[observations]]
year = 2022
value = 50.5
status = "E"
series_break = false
source = "Statistics Office"
url = "https://example.org/2022"
note = "provisional figure"

[[observations]]
year = 2024
value = 60
source = "Statistics Office"

[[observations.revisions]]
value = 59
status = "P"
source = "an older release"
replaced = 2025-01-02
"""

RATE_OBSERVATIONS = """\
[[observations]]
year = 2025
value = 21
source = "Statistics Office"

[[observations]]
year = 2026
value = 19.5
status = "P"
series_break = true
source = "Statistics Office"
"""

FILES = {
    "targets.toml": TARGETS,
    "observations/lvl.toml": LEVEL_OBSERVATIONS,
    "observations/rt.toml": RATE_OBSERVATIONS,
}
KNOWN_INDICATORS = ("lvl", "rt")

REPO = Path(kpi.__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# Helpers: a fresh project in a sandbox, a snapshot of the whole sandbox, running the CLI.


@contextlib.contextmanager
def sandbox(tmp: Path) -> Iterator[Path]:
    """A fresh folder ``tmp/box-N`` holding ``project/`` (the valid project), ``outside/`` (a
    file a hostile id might aim at) and ``cwd/`` (the working folder during the run)."""
    index = len(list(tmp.glob("box-*")))
    box = tmp / f"box-{index}"
    project = box / "project"
    (project / "observations").mkdir(parents=True)
    for name, text in FILES.items():
        (project / name).write_text(text, encoding="utf-8")
    (box / "outside").mkdir()
    (box / "outside" / "lvl.toml").write_text(LEVEL_OBSERVATIONS, encoding="utf-8")
    (box / "cwd").mkdir()
    with contextlib.chdir(box / "cwd"):
        yield box


def snapshot(top: Path) -> dict[str, str]:
    """Every entry under ``top`` (links not followed): its kind and content hash or link. The
    writers' lock file, which holds no data, is left out."""
    entries: dict[str, str] = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            if name == LOCK_FILE:
                continue
            path = Path(folder) / name
            relative = path.relative_to(top).as_posix()
            if path.is_symlink():
                entries[relative] = "link:" + os.readlink(path)
            elif path.is_dir():
                entries[relative] = "dir"
            else:
                entries[relative] = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Entries created, removed or modified between two snapshots."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def invoke(args: list[str], *, catch_exceptions: bool = False) -> Result:
    """Run ``kpi`` in-process; an uncaught exception propagates and fails the test."""
    return CliRunner().invoke(app, args, catch_exceptions=catch_exceptions)


def run_kpi(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``kpi`` as a user would, in a fresh interpreter."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    environment.pop("KPI_PROJECT", None)
    return subprocess.run(
        [sys.executable, "-c", "from kpi.cli import main; main()", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
    )


def _no_constant(name: str) -> None:
    raise AssertionError(f"JSON output holds {name}; unknown values must be null")


def check_read_commands(project: Path) -> tuple[int, int]:
    """Run ``validate`` and ``status --format json`` on ``project``; check the invariants that
    hold for any input, and return both exit codes."""
    top = project.parent
    before = snapshot(top)
    checked = invoke(["--project", str(project), "validate"])
    status = invoke(["--project", str(project), "status", "--as-of", "2026", "--format", "json"])
    assert changed(before, snapshot(top)) == set(), "a read-only command changed a file"
    for result, allowed in ((checked, {0, 2}), (status, {0, 2})):
        assert result.exit_code in allowed, (result.exit_code, result.stderr)
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert "error:" in result.stderr, result.stderr
    if status.exit_code == 0:
        document = json.loads(status.stdout, parse_constant=_no_constant)
        assert document["as_of"] == 2026
        assert isinstance(document["targets"], list)
    # What `validate` accepts, `status` can assess; what it rejects, `status` refuses too.
    assert (checked.exit_code == 0) == (status.exit_code == 0), (checked.stderr, status.stderr)
    return checked.exit_code, status.exit_code


def test_the_unmutated_project_is_valid(tmp_path: Path) -> None:
    with sandbox(tmp_path) as box:
        assert check_read_commands(box / "project") == (0, 0)
        project, problems = read_project(box / "project")
        assert problems == []
        assert project is not None
        assert [o.year for o in project.observations["lvl"]] == [2022, 2024]


# ---------------------------------------------------------------------------------------------
# Mutation fuzzing of targets.toml and the observation files.

HUGE_NUMBERS = [
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    str(10**400),
    "-" + str(10**400),
    "9223372036854775808",
    "-9223372036854775809",
    "5e-324",
    "-0.0",
    "nan",
    "+inf",
    "-inf",
    "0x7fffffffffffffff",
    "0o777",
    "0b101",
    "1_000_000",
    "99999999999999999999.5",
]
WRONG_TYPES = [
    '"text"',
    '""',
    '"2030"',
    "true",
    "false",
    "[]",
    "[1, 2, 3]",
    '[1, "a"]',
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "'''multi\nline'''",
    '"""\nopen',
    "2030.0",
    "-2030",
]
KEY_NAMES = [
    "year",
    "value",
    "source",
    "kind",
    "unknown_key",
    "YEAR",
    "yеar",  # Cyrillic 'е'
    "ｖａｌｕｅ",  # full-width letters
    '"quoted key"',
    "a.b.c",
    "revisions",
]
_ASSIGNMENT = re.compile(rb"(?m)^([ \t]*[A-Za-z0-9_\"'.\- ]+?[ \t]*=[ \t]*)(.*)$")
_KEY_AT_LINE_START = re.compile(rb"(?m)^([ \t]*)([A-Za-z0-9_]+)([ \t]*=)")
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
_HEADER = re.compile(rb"(?m)^\[.*$")


def nested(depth: int, style: str) -> str:
    if style == "array":
        return "[" * depth + "1" + "]" * depth
    if style == "table":
        return "{ a = " * depth + "1" + " }" * depth
    return "[" * depth  # unclosed


# Well-typed replacements for the numbers of a valid file: any finite float for a value, a
# whole number near or inside 1900..2100 for a year.
extreme_numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-200, 200).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["1e308", "-1e308", "5e-324", "0", "-0.0", "-99.9999", "-100", "100"]),
)
extreme_years = st.one_of(st.integers(1900, 2100), st.integers(1890, 2110)).map(str)


@st.composite
def replacement_values(draw: st.DrawFn) -> str:
    return draw(
        st.one_of(
            st.sampled_from(HUGE_NUMBERS),
            st.sampled_from(WRONG_TYPES),
            st.builds(
                nested,
                st.sampled_from([2, 50, 200, 333, 490, 495, 1000, 3000]),
                st.sampled_from(["array", "table", "open"]),
            ),
            st.text(max_size=12).map(json.dumps),  # a random Unicode string, quoted
            st.text(max_size=12),  # random Unicode, unquoted
        )
    )


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One random edit of ``data``."""
    kind = draw(
        st.sampled_from(
            [
                # Valid TOML with extreme but well-typed numbers reaches the arithmetic, so it
                # is drawn as often as all the syntax-breaking edits together.
                *["extreme_numbers"] * 10,
                "replace_value",
                "replace_number",
                "rename_key",
                "byte_edit",
                "insert_bytes",
                "delete_range",
                "truncate",
                "nul",
                "unicode",
                "deep_key",
                "duplicate_table",
                "duplicate_line",
            ]
        )
    )
    size = len(data)
    position = draw(st.integers(0, size))
    if kind == "extreme_numbers":
        matches = list(_NUMBER.finditer(data))
        if matches:
            chosen = draw(st.sets(st.sampled_from(matches), min_size=1, max_size=4))
            for found in sorted(chosen, key=lambda m: m.start(), reverse=True):
                is_year = re.fullmatch(rb"(19|20)\d\d|2100", found.group()) is not None
                value = draw(extreme_years if is_year else extreme_numbers).encode("utf-8")
                data = data[: found.start()] + value + data[found.end() :]
            return data
    if kind == "replace_value":
        matches = list(_ASSIGNMENT.finditer(data))
        if matches:
            found = draw(st.sampled_from(matches))
            value = draw(replacement_values()).encode("utf-8")
            return data[: found.start(2)] + value + data[found.end(2) :]
    if kind == "replace_number":
        matches = list(_NUMBER.finditer(data))
        if matches:
            found = draw(st.sampled_from(matches))
            value = draw(st.sampled_from(HUGE_NUMBERS + WRONG_TYPES)).encode("utf-8")
            return data[: found.start()] + value + data[found.end() :]
    if kind == "rename_key":
        matches = list(_KEY_AT_LINE_START.finditer(data))
        if matches:
            found = draw(st.sampled_from(matches))
            name = draw(st.one_of(st.sampled_from(KEY_NAMES), st.text(min_size=1, max_size=8)))
            return data[: found.start(2)] + name.encode("utf-8") + data[found.end(2) :]
    if kind == "byte_edit" and size:
        edits = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)), max_size=8))
        edited = bytearray(data)
        for index, byte in edits:
            edited[index] = byte
        return bytes(edited)
    if kind == "insert_bytes":
        return data[:position] + draw(st.binary(min_size=1, max_size=16)) + data[position:]
    if kind == "delete_range":
        end = draw(st.integers(position, min(size, position + 64)))
        return data[:position] + data[end:]
    if kind == "truncate":
        return data[:position]
    if kind == "nul":
        count = draw(st.integers(1, 4))
        return data[:position] + b"\x00" * count + data[position:]
    if kind == "unicode":
        text = draw(st.text(min_size=1, max_size=20))
        return data[:position] + text.encode("utf-8") + data[position:]
    if kind == "deep_key":
        depth = draw(st.sampled_from([50, 333, 495, 1000, 3000]))
        style = draw(st.sampled_from(["array", "table", "open"]))
        line = f"\ndeep = {nested(depth, style)}\n".encode()
        # At the top (before any table) or at the end (inside the last table).
        return line + data if draw(st.booleans()) else data + line
    if kind == "duplicate_table":
        headers = list(_HEADER.finditer(data))
        if headers:
            chosen = draw(st.integers(0, len(headers) - 1))
            start = headers[chosen].start()
            end = headers[chosen + 1].start() if chosen + 1 < len(headers) else size
            return data + b"\n" + data[start:end]
    if kind == "duplicate_line":
        lines = data.splitlines(keepends=True)
        if lines:
            index = draw(st.integers(0, len(lines) - 1))
            return b"".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])
    return data[:position] + b"\x00" + data[position:]


@st.composite
def mutated(draw: st.DrawFn, original: str) -> bytes:
    data = original.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        data = draw(mutation(data))
    return data


@pytest.mark.parametrize("name", list(FILES))
@FUZZ
@given(data=st.data())
def test_a_mutated_file_gives_exit_0_or_2_and_changes_nothing(
    tmp_path: Path, name: str, data: st.DataObject
) -> None:
    content = data.draw(mutated(FILES[name]), label=name)
    with sandbox(tmp_path) as box:
        (box / "project" / name).write_bytes(content)
        event(f"exit codes {check_read_commands(box / 'project')}")


@settings(FUZZ, max_examples=100)
@given(
    targets=st.one_of(st.just(TARGETS.encode()), mutated(TARGETS)),
    level=st.one_of(st.just(LEVEL_OBSERVATIONS.encode()), mutated(LEVEL_OBSERVATIONS)),
    rate=st.one_of(st.just(RATE_OBSERVATIONS.encode()), mutated(RATE_OBSERVATIONS)),
)
def test_several_mutated_files_at_once_give_exit_0_or_2(
    tmp_path: Path, targets: bytes, level: bytes, rate: bytes
) -> None:
    with sandbox(tmp_path) as box:
        project = box / "project"
        (project / "targets.toml").write_bytes(targets)
        (project / "observations" / "lvl.toml").write_bytes(level)
        (project / "observations" / "rt.toml").write_bytes(rate)
        check_read_commands(project)


# Named hostile files, each run in-process and (a handful) as a real subprocess.
HOSTILE_FILES = {
    "deep_array_1000": ("targets.toml", TARGETS + f"\n[x]\na = {nested(1000, 'array')}\n"),
    "deep_inline_table_1000": ("targets.toml", f"a = {nested(1000, 'table')}\n" + TARGETS),
    "deep_array_in_observation": (
        "observations/lvl.toml",
        f"observations = {nested(1000, 'array')}\n",
    ),
    "integer_10_pow_400_value": (
        "observations/lvl.toml",
        LEVEL_OBSERVATIONS.replace("value = 60", f"value = {10**400}"),
    ),
    "integer_10_pow_400_year": (
        "observations/lvl.toml",
        LEVEL_OBSERVATIONS.replace("year = 2024", f"year = {10**400}"),
    ),
    "huge_target_and_observations": (
        "targets.toml",
        TARGETS.replace("bounds = [0, 100]\n", "")
        .replace("value = 70", "value = 1e308")
        .replace("value = 43", "value = -1e308")
        .replace("low = 20", "low = 1e308")
        .replace("high = 22", "high = 1.7976931348623157e308"),
    ),
    "nul_bytes": ("targets.toml", TARGETS.replace("[indicators.rt]", "[indicators.rt\x00]")),
    "not_utf8": ("observations/rt.toml", RATE_OBSERVATIONS + "note = '\udcff'\n"),
    "truncated_mid_string": ("targets.toml", TARGETS[: TARGETS.index("Department") + 4]),
    "duplicated_table": ("targets.toml", TARGETS + "\n[indicators.lvl]\nname = 'again'\n"),
    "wrong_types": (
        "observations/rt.toml",
        RATE_OBSERVATIONS.replace("year = 2025", 'year = "2025"').replace(
            "value = 19.5", "value = true"
        ),
    ),
    "empty": ("targets.toml", ""),
    "bom_and_crlf": ("observations/lvl.toml", "\ufeff" + LEVEL_OBSERVATIONS.replace("\n", "\r\n")),
}
SUBPROCESS_CASES = {"deep_array_1000", "integer_10_pow_400_value", "not_utf8"}


def _write_hostile(project: Path, name: str, text: str) -> None:
    (project / name).write_bytes(text.encode("utf-8", errors="surrogateescape"))


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_gives_a_clean_answer(tmp_path: Path, case: str) -> None:
    name, text = HOSTILE_FILES[case]
    with sandbox(tmp_path) as box:
        _write_hostile(box / "project", name, text)
        check_read_commands(box / "project")


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_a_hostile_file_prints_no_traceback_in_a_real_process(tmp_path: Path, case: str) -> None:
    name, text = HOSTILE_FILES[case]
    with sandbox(tmp_path) as box:
        project = box / "project"
        _write_hostile(project, name, text)
        before = snapshot(box)
        for args in (["validate"], ["status", "--as-of", "2026", "--format", "json"]):
            result = run_kpi(["--project", str(project), *args], cwd=box / "cwd")
            assert result.returncode in {0, 2}, result.stderr
            assert "Traceback" not in result.stderr, result.stderr
        assert changed(before, snapshot(box)) == set()


# ---------------------------------------------------------------------------------------------
# `kpi record` with hostile arguments.

HOSTILE_IDS = [
    "",
    ".",
    "..",
    "../lvl",
    "../../outside/lvl",
    "../outside",
    "lvl/../rt",
    "observations/lvl",
    "/etc/passwd",
    "/tmp/kpi-fuzz-evil",
    "~",
    "~/lvl",
    "lvl.toml",
    "lvl\x00",
    "lvl\n",
    "lvl\nrt",
    " lvl",
    "lvl ",
    "LVL",
    "ｌｖｌ",  # full-width letters
    "lvа",  # Cyrillic 'а'
    "ℓvl",  # script small l
    "lvl;rm -rf ~",
    "$(touch pwned)",
    "`touch pwned`",
    "lvl|cat",
    "lvl&",
    "lvl*",
    "lv?",
    "-lvl",
    "--help",
    "a" * 65,
    "lvl\\..\\rt",
    "CON",
    "nope",
]
HOSTILE_TEXT = [
    "",
    " ",
    "\n",
    "\x00",
    "a\x00b",
    'quote " inside',
    "'''",
    '"""',
    "\\",
    "line1\nline2",
    "\r\n",
    "$(touch pwned)",
    "x" * 5000,
    "\u202e reversed",
    "Hải Phòng",
]

indicator_ids = st.one_of(
    st.sampled_from([*KNOWN_INDICATORS, *HOSTILE_IDS]),
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    st.text(max_size=12),
)
years = st.one_of(
    st.integers(1890, 2110).map(str),
    st.sampled_from(["-1", "0", "1e3", "２０２５", "2025.0", "", " 2025", str(10**400), "0x7e9"]),
    st.text(max_size=6),
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-200, 200).map(str),
    st.sampled_from([*HUGE_NUMBERS, "", "1,5", "-", "abc", "１２", " 3 ", "1e-400", "1__0"]),
    st.text(max_size=8),
)
sources = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))
extra_options = st.lists(
    st.one_of(
        st.just(["--replace"]),
        st.just(["--series-break"]),
        st.sampled_from([["--status", "E"], ["--status", "X"], ["--status", ""]]),
        st.tuples(st.just("--url"), sources).map(list),
        st.tuples(st.just("--note"), sources).map(list),
    ),
    max_size=3,
).map(lambda groups: [part for group in groups for part in group])


def check_record(box: Path, arguments: list[str]) -> int:
    """Run ``kpi record`` with ``arguments`` (positional after ``--``) and check its effects."""
    project = box / "project"
    before = snapshot(box)
    result = invoke(["--project", str(project), "record", *arguments])
    after = snapshot(box)
    assert result.exit_code in {0, 2}, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert changed(before, after) == set(), "a refused record changed files"
        return 2
    indicator = arguments[-3]
    assert indicator in KNOWN_INDICATORS, f"recorded into unknown indicator {indicator!r}"
    # Only that indicator's observation file may have changed, and nothing may be left beside it.
    assert changed(before, after) <= {f"project/observations/{indicator}.toml"}
    recorded, problems = read_project(project)
    assert problems == [], [str(p) for p in problems]
    assert recorded is not None
    # The year as kpi reads it: "2025.0", " 2025" and "２０２５" are all 2025.
    year = int(float(arguments[-2]))
    assert year in {o.year for o in recorded.observations[indicator]}
    # Recording the very same observation again is a no-op.
    again = invoke(["--project", str(project), "record", *arguments])
    assert again.exit_code == 0, again.stderr
    assert changed(after, snapshot(box)) == set(), "recording the same observation changed files"
    return 0


valid_options = st.lists(
    st.sampled_from([["--replace"], ["--series-break"], ["--status", "P"], ["--note", "n"]]),
    max_size=3,
).map(lambda groups: [part for group in groups for part in group])


@st.composite
def record_arguments(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Arguments of ``kpi record`` where at most one part is hostile, so that both refusals and
    successful writes are explored; returns the hostile part's name and the arguments."""
    hostile = draw(st.sampled_from(["none", "indicator", "year", "value", "source", "options"]))
    indicator = draw(indicator_ids if hostile == "indicator" else st.sampled_from(KNOWN_INDICATORS))
    year = draw(years if hostile == "year" else st.integers(1900, 2100).map(str))
    value = draw(values if hostile == "value" else st.floats(0, 100).map(repr))
    source = draw(sources if hostile == "source" else st.text(min_size=1, max_size=30))
    options = draw(extra_options if hostile == "options" else valid_options)
    return hostile, ["--source", source, *options, "--", indicator, year, value]


@FUZZ
@given(case=record_arguments())
def test_record_with_hostile_arguments_writes_a_valid_file_or_nothing(
    tmp_path: Path, case: tuple[str, list[str]]
) -> None:
    hostile, arguments = case
    with sandbox(tmp_path) as box:
        code = check_record(box, arguments)
        event(f"hostile {hostile}: exit {code}")  # see --hypothesis-show-statistics
        if not is_identifier(arguments[-3]):
            assert code == 2, f"a non-identifier {arguments[-3]!r} was accepted"


@pytest.mark.parametrize("indicator", HOSTILE_IDS)
def test_a_hostile_indicator_id_is_refused_before_any_file_is_touched(
    tmp_path: Path, indicator: str
) -> None:
    with sandbox(tmp_path) as box:
        assert check_record(box, ["--source", "s", "--", indicator, "2025", "50"]) == 2


@settings(FUZZ, max_examples=50)
@given(
    year=st.integers(1900, 2100),
    value=st.floats(0, 100),
    source=st.text(min_size=1).filter(lambda text: text_problem(text, "source") is None),
)
def test_record_of_a_valid_observation_round_trips(
    tmp_path: Path, year: int, value: float, source: str
) -> None:
    with sandbox(tmp_path) as box:
        arguments = ["--source", source, "--replace", "--", "lvl", str(year), repr(value)]
        assert check_record(box, arguments) == 0
        project, _ = read_project(box / "project")
        assert project is not None
        [stored] = [o for o in project.observations["lvl"] if o.year == year]
        assert stored.value == value
        assert stored.source == source


def test_hostile_ids_are_refused_in_a_real_process(tmp_path: Path) -> None:
    with sandbox(tmp_path) as box:
        before = snapshot(box)
        for indicator in ("../../outside/lvl", "/tmp/kpi-fuzz-evil"):
            result = run_kpi(
                [
                    "--project",
                    str(box / "project"),
                    "record",
                    "--source",
                    "s",
                    "--",
                    indicator,
                    "2025",
                    "50",
                ],
                cwd=box / "cwd",
            )
            assert result.returncode == 2, result.stderr
            assert "Traceback" not in result.stderr
            assert "error:" in result.stderr
        assert changed(before, snapshot(box)) == set()
    assert not Path("/tmp/kpi-fuzz-evil.toml").exists()


# ---------------------------------------------------------------------------------------------
# Links and odd file types where kpi writes.


def test_record_does_not_write_through_a_symlink_to_a_file_outside(tmp_path: Path) -> None:
    with sandbox(tmp_path) as box:
        link = box / "project" / "observations" / "lvl.toml"
        link.unlink()
        link.symlink_to(box / "outside" / "lvl.toml")
        before = snapshot(box)
        # A new year, and a replaced one: both would rewrite the file.
        for extra, year in (([], "2025"), (["--replace"], "2024")):
            result = invoke(
                [
                    "--project",
                    str(box / "project"),
                    "record",
                    "--source",
                    "s",
                    *extra,
                    "--",
                    "lvl",
                    year,
                    "61",
                ],
            )
            assert result.exit_code == 2, result.stderr
            assert "symbolic link" in result.stderr
        assert changed(before, snapshot(box)) == set()
        assert (box / "outside" / "lvl.toml").read_text(encoding="utf-8") == LEVEL_OBSERVATIONS


def test_record_does_not_create_a_file_through_a_dangling_symlink(tmp_path: Path) -> None:
    with sandbox(tmp_path) as box:
        link = box / "project" / "observations" / "rt.toml"
        link.unlink()
        link.symlink_to(box / "outside" / "created.toml")
        before = snapshot(box)
        result = invoke(
            ["--project", str(box / "project"), "record", "--source", "s", "--", "rt", "2027", "5"],
        )
        assert result.exit_code == 2, result.stderr
        assert changed(before, snapshot(box)) == set()
        assert not (box / "outside" / "created.toml").exists()


def test_a_symlink_outside_is_not_written_through_in_a_real_process(tmp_path: Path) -> None:
    with sandbox(tmp_path) as box:
        link = box / "project" / "observations" / "lvl.toml"
        link.unlink()
        link.symlink_to(box / "outside" / "lvl.toml")
        before = snapshot(box)
        result = run_kpi(
            [
                "--project",
                str(box / "project"),
                "record",
                "--source",
                "s",
                "--",
                "lvl",
                "2025",
                "62",
            ],
            cwd=box / "cwd",
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert changed(before, snapshot(box)) == set()


def test_record_when_observations_is_a_file_gives_a_clean_error(tmp_path: Path) -> None:
    # A regular file where the observations folder should be: kpi must say so, not crash.
    with sandbox(tmp_path) as box:
        folder = box / "project" / "observations"
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        folder.write_text("not a folder\n", encoding="utf-8")
        before = snapshot(box)
        result = invoke(
            [
                "--project",
                str(box / "project"),
                "record",
                "--source",
                "s",
                "--",
                "lvl",
                "2025",
                "50",
            ],
            catch_exceptions=True,
        )
        assert changed(before, snapshot(box)) == set()
        assert not isinstance(result.exception, OSError), f"crashed: {result.exception!r}"
        assert result.exit_code == 2, result.stderr
        assert "observations" in result.stderr
