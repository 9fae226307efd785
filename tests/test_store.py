"""Reading, validating and writing a project's files (``kpi.store``)."""

from __future__ import annotations

import datetime as dt
import gc
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpi.errors import KpiError, Problem
from kpi.lock import LOCK_FILE
from kpi.model import (
    LevelIndicator,
    Observation,
    Origin,
    RateIndicator,
    Revision,
    observation_from,
    observations_from,
)
from kpi.store import (
    Outcome,
    find_root,
    load_project,
    merge_observation,
    observations_path,
    read_project,
    record_observations,
    render_observations,
)
from kpi.writing import write_atomically

TARGETS = """\
# A small project used by the tests.
[project]
name = "Test city"

[assessment]
trend_years = 5

[indicators.share]
name = "Share"
kind = "level"
unit = "%"
bounds = [0, 100]

[[indicators.share.targets]]
id = "share_55"
comparator = ">="
value = 55
year = 2030
baseline = { year = 2020, value = 45 }

[indicators.growth]
name = "Growth"
kind = "rate"
unit = "%/yr"

[[indicators.growth.targets]]
id = "growth_20"
low = 20
high = 22
start = 2021
end = 2030

[indicators.watched]
name = "Watched"
kind = "level"
unit = "pts"
"""

SHARE = """\
# written by hand
[[observations]]
year = 2025
value = 48.0
source = "office"
status = "E"

[[observations]]
year = 2020
value = 45.0
source = "office"
"""

GROWTH = """\
[[observations]]
year = 2021
value = 15.0
source = "office"

[[observations]]
year = 2022
value = 17.0
source = "office"
"""

TODAY = dt.date(2026, 3, 1)


def write_project(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """Write the valid project at ``root``, then apply ``files`` (None deletes a file)."""
    contents: dict[str, str | bytes | None] = {
        "targets.toml": TARGETS,
        "observations/share.toml": SHARE,
        "observations/growth.toml": GROWTH,
    }
    contents.update(files or {})
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.unlink(missing_ok=True)
        elif isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every data file under ``root`` with its bytes (the writers' lock file is not data)."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != LOCK_FILE
    }


def line_with(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th ``fragment``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not in the text")


def obs(year: int, value: float, **fields: object) -> Observation:
    return observation_from({"year": year, "value": value, "source": "office", **fields})


# -- loading a valid project --------------------------------------------------------------


def test_valid_project_loads(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path))
    assert project.root == tmp_path
    assert project.name == "Test city"
    assert list(project.indicators) == ["share", "growth", "watched"]
    assert isinstance(project.indicators["share"], LevelIndicator)
    assert isinstance(project.indicators["growth"], RateIndicator)
    assert project.indicators["share"].targets[0].id == "share_55"


def test_observations_are_sorted_by_year_and_every_indicator_has_an_entry(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path))
    assert [o.year for o in project.observations["share"]] == [2020, 2025]
    assert project.observations["share"][1].status == "E"
    assert project.observations["watched"] == ()


def test_valid_project_has_no_problems(tmp_path: Path) -> None:
    project, problems = read_project(write_project(tmp_path))
    assert project is not None
    assert problems == []


def test_project_without_observations_folder_loads(tmp_path: Path) -> None:
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    project = load_project(tmp_path)
    assert all(observations == () for observations in project.observations.values())


def test_targets_file_with_utf8_bom_loads(tmp_path: Path) -> None:
    write_project(tmp_path, {"targets.toml": b"\xef\xbb\xbf" + TARGETS.encode()})
    assert load_project(tmp_path).name == "Test city"


def test_shipped_project_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    project, problems = read_project(root)
    assert problems == []
    assert project is not None and project.indicators


# -- every kind of bad input is one located problem ---------------------------------------


@dataclass(frozen=True)
class Bad:
    """A broken project: the ``files`` to change and the one problem expected."""

    files: dict[str, str | bytes | None]
    file: str
    line: str | tuple[str, int] | int | None  # a fragment (and its occurrence), a number, None
    key: str | None
    message: str
    occurrence: int = 1


def _targets(old: str, new: str) -> dict[str, str | bytes | None]:
    assert old in TARGETS
    return {"targets.toml": TARGETS.replace(old, new, 1)}


def _share(old: str, new: str) -> dict[str, str | bytes | None]:
    assert old in SHARE
    return {"observations/share.toml": SHARE.replace(old, new, 1)}


BAD_INPUTS = {
    "toml_syntax_in_targets": Bad(
        _targets('unit = "%/yr"', 'unit = "%/yr'), "targets.toml", 'unit = "%/yr', None, "TOML"
    ),
    "toml_syntax_in_observations": Bad(
        _share("value = 45.0", "value = 45.0.1"),
        "observations/share.toml",
        "value = 45.0.1",
        None,
        "TOML",
    ),
    "duplicate_key_in_toml": Bad(
        _targets('unit = "pts"', 'unit = "pts"\nunit = "x"'),
        "targets.toml",
        'unit = "x"',
        None,
        "TOML",
    ),
    "unknown_key_in_targets": Bad(
        _targets('unit = "%"\n', 'unit = "%"\ncolour = "red"\n'),
        "targets.toml",
        "colour",
        "indicators.share.colour",
        "unknown key",
    ),
    "unknown_key_in_target": Bad(
        _targets("year = 2030\n", "year = 2030\ndeadline = 2031\n"),
        "targets.toml",
        "deadline",
        "indicators.share.targets[0].deadline",
        "unknown key",
    ),
    "unknown_key_in_observation": Bad(
        _share('status = "E"', 'status = "E"\ncomment = "x"'),
        "observations/share.toml",
        "comment",
        "observations[0].comment",
        "unknown key",
    ),
    "missing_project_name": Bad(
        _targets('name = "Test city"\n', ""),
        "targets.toml",
        "[project]",
        "project.name",
        "missing",
    ),
    "missing_indicator_unit": Bad(
        _targets('unit = "%/yr"\n', ""),
        "targets.toml",
        "[indicators.growth]",
        "indicators.growth.unit",
        "missing",
    ),
    "missing_observation_source": Bad(
        {"observations/share.toml": SHARE.rsplit('source = "office"\n', 1)[0]},
        "observations/share.toml",
        ("[[observations]]", 2),
        "observations[1].source",
        "missing",
    ),
    "value_as_string": Bad(
        _share("value = 45.0", 'value = "45"'),
        "observations/share.toml",
        'value = "45"',
        "observations[1].value",
        "number",
    ),
    "target_value_as_string": Bad(
        _targets("value = 55", 'value = "55"'),
        "targets.toml",
        'value = "55"',
        "indicators.share.targets[0].value",
        "number",
    ),
    "year_as_float": Bad(
        _share("year = 2020", "year = 2020.0"),
        "observations/share.toml",
        "year = 2020.0",
        "observations[1].year",
        "whole number",
    ),
    "flag_as_string": Bad(
        _share('status = "E"', 'series_break = "yes"'),
        "observations/share.toml",
        "series_break",
        "observations[0].series_break",
        "true or false",
    ),
    "unknown_status_code": Bad(
        _share('status = "E"', 'status = "X"'),
        "observations/share.toml",
        'status = "X"',
        "observations[0].status",
        "'A'",
    ),
    "unknown_kind": Bad(
        _targets('kind = "rate"', 'kind = "ratio"'),
        "targets.toml",
        'kind = "ratio"',
        "indicators.growth.kind",
        "level",
    ),
    "missing_kind": Bad(
        _targets('kind = "rate"\n', ""),
        "targets.toml",
        "[indicators.growth]",
        "indicators.growth.kind",
        "missing",
    ),
    "nan_value": Bad(
        _share("value = 45.0", "value = nan"),
        "observations/share.toml",
        "value = nan",
        "observations[1].value",
        "finite",
    ),
    "inf_value": Bad(
        _share("value = 48.0", "value = -inf"),
        "observations/share.toml",
        "value = -inf",
        "observations[0].value",
        "finite",
    ),
    "inf_target_value": Bad(
        _targets("value = 55", "value = inf"),
        "targets.toml",
        "value = inf",
        "indicators.share.targets[0].value",
        "finite",
    ),
    "year_1800_in_observation": Bad(
        _share("year = 2020", "year = 1800"),
        "observations/share.toml",
        "year = 1800",
        "observations[1].year",
        "1900",
    ),
    "year_1800_in_target": Bad(
        _targets("start = 2021", "start = 1800"),
        "targets.toml",
        "start = 1800",
        "indicators.growth.targets[0].start",
        "1900",
    ),
    "duplicate_year": Bad(
        _share("year = 2020", "year = 2025"),
        "observations/share.toml",
        ("year = 2025", 2),
        "observations[1].year",
        "twice",
    ),
    "duplicate_target_id": Bad(
        _targets('id = "growth_20"', 'id = "share_55"'),
        "targets.toml",
        'id = "share_55"',
        "indicators.growth.targets[0].id",
        "unique",
        occurrence=2,
    ),
    "target_value_outside_bounds": Bad(
        _targets("value = 55", "value = 155"),
        "targets.toml",
        "value = 155",
        "indicators.share.targets[0].value",
        "bounds",
    ),
    "baseline_outside_bounds": Bad(
        _targets("value = 45 }", "value = -5 }"),
        "targets.toml",
        "baseline = {",
        "indicators.share.targets[0].baseline.value",
        "bounds",
    ),
    "observation_outside_bounds": Bad(
        _share("value = 48.0", "value = 148.0"),
        "observations/share.toml",
        "value = 148.0",
        "observations[0].value",
        "bounds",
    ),
    "rate_at_minus_100": Bad(
        {"observations/growth.toml": GROWTH.replace("value = 17.0", "value = -100.0")},
        "observations/growth.toml",
        "value = -100.0",
        "observations[1].value",
        "-100",
    ),
    "observations_for_unknown_indicator": Bad(
        {"observations/ghost.toml": GROWTH},
        "observations/ghost.toml",
        None,
        None,
        "ghost",
    ),
    "observation_file_name_not_an_identifier": Bad(
        {"observations/Bad-Name.toml": GROWTH},
        "observations/Bad-Name.toml",
        None,
        None,
        "Bad-Name",
    ),
    "invalid_indicator_id_as_table_key": Bad(
        _targets("[indicators.watched]", "[indicators.Watched]"),
        "targets.toml",
        "[indicators.Watched]",
        "indicators.Watched",
        "identifier",
    ),
    "invalid_target_id": Bad(
        _targets('id = "growth_20"', 'id = "growth-20"'),
        "targets.toml",
        'id = "growth-20"',
        "indicators.growth.targets[0].id",
        "lowercase",
    ),
    "high_below_low": Bad(
        _targets("high = 22", "high = 12"),
        "targets.toml",
        ("[[indicators.growth.targets]]", 1),
        "indicators.growth.targets[0]",
        "high",
    ),
    "non_utf8_observations": Bad(
        {"observations/share.toml": SHARE.encode().replace(b'"office"\nstatus', b'"caf\xe9"\nst')},
        "observations/share.toml",
        5,
        None,
        "UTF-8",
    ),
    "non_utf8_after_a_bom": Bad(
        {
            # the bad byte starts line 6, so a position counted without the BOM's 3 bytes
            # would fall on line 5
            "observations/share.toml": b"\xef\xbb\xbf"
            + SHARE.encode().replace(b'\nstatus = "E"', b'\n\xe9status = "E"')
        },
        "observations/share.toml",
        6,
        None,
        "UTF-8",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_a_problem_naming_file_line_and_key(tmp_path: Path, case: Bad) -> None:
    write_project(tmp_path, case.files)
    _, problems = read_project(tmp_path)

    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == Path(case.file)
    assert problem.key == case.key
    assert case.message.lower() in problem.message.lower()
    if case.line is None:
        assert problem.line is None
    elif isinstance(case.line, int):
        assert problem.line == case.line
    else:
        if isinstance(case.line, tuple):
            fragment, occurrence = case.line
        else:
            fragment, occurrence = case.line, case.occurrence
        text = (tmp_path / case.file).read_text(encoding="utf-8")
        assert problem.line == line_with(text, fragment, occurrence)
    # the message a user sees names all three
    shown = str(problem)
    assert shown.startswith(case.file)
    if case.key:
        assert case.key in shown


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_load_project_raises_kpi_error_for_bad_input(tmp_path: Path, case: Bad) -> None:
    write_project(tmp_path, case.files)
    with pytest.raises(KpiError) as raised:
        load_project(tmp_path)
    assert len(raised.value.problems) == 1
    assert raised.value.hint


def test_missing_targets_file_is_a_problem(tmp_path: Path) -> None:
    project, problems = read_project(tmp_path)
    assert project is None
    assert [p.file for p in problems] == [Path("targets.toml")]


def test_read_project_reports_every_problem_at_once(tmp_path: Path) -> None:
    targets = TARGETS.replace("value = 55", "value = 155").replace(
        'id = "growth_20"', 'id = "share_55"'
    )
    share = SHARE.replace("value = 45.0", 'value = "45"')
    write_project(tmp_path, {"targets.toml": targets, "observations/share.toml": share})

    project, problems = read_project(tmp_path)

    assert project is not None  # targets.toml itself is usable
    assert len(problems) == 3
    assert sorted((str(p.file), p.key) for p in problems) == [
        ("observations/share.toml", "observations[1].value"),
        ("targets.toml", "indicators.growth.targets[0].id"),
        ("targets.toml", "indicators.share.targets[0].value"),
    ]
    assert all(p.line is not None for p in problems)
    with pytest.raises(KpiError) as raised:
        load_project(tmp_path)
    assert len(raised.value.problems) == 3


def test_read_project_reports_every_schema_problem_of_one_file(tmp_path: Path) -> None:
    targets = TARGETS.replace('unit = "%"\n', 'unit = "%"\ncolour = 1\n').replace(
        "year = 2030\n", "year = 1800\n"
    )
    share = SHARE.replace("value = 45.0", "value = nan").replace("year = 2025", "year = 1700")
    write_project(tmp_path, {"targets.toml": targets})
    _, problems = read_project(tmp_path)
    assert {p.key for p in problems} == {
        "indicators.share.colour",
        "indicators.share.targets[0].year",
    }
    write_project(tmp_path, {"targets.toml": TARGETS, "observations/share.toml": share})
    _, problems = read_project(tmp_path)
    assert {p.key for p in problems} == {"observations[0].year", "observations[1].value"}


def test_read_project_checks_observation_files_even_when_targets_is_invalid(
    tmp_path: Path,
) -> None:
    # `kpi validate` must "check every file; report all problems at once": a schema error in
    # targets.toml should not hide a broken observation file.
    write_project(
        tmp_path,
        {
            "targets.toml": TARGETS.replace('unit = "%"\n', 'unit = "%"\ncolour = 1\n'),
            "observations/share.toml": SHARE.replace("value = 45.0", "value = 45.0.1"),
        },
    )
    _, problems = read_project(tmp_path)
    assert sorted(str(p.file) for p in problems) == ["observations/share.toml", "targets.toml"]


# -- finding the project ------------------------------------------------------------------


def make_root(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    return path


def test_find_root_prefers_the_explicit_folder(tmp_path: Path) -> None:
    explicit, from_env, here = (make_root(tmp_path / n) for n in ("explicit", "env", "here"))
    found = find_root(explicit, {"KPI_PROJECT": str(from_env)}, here)
    assert found == explicit


def test_find_root_uses_the_environment_before_walking_up(tmp_path: Path) -> None:
    from_env, here = make_root(tmp_path / "env"), make_root(tmp_path / "here")
    assert find_root(None, {"KPI_PROJECT": str(from_env)}, here) == from_env


def test_find_root_ignores_an_empty_environment_variable(tmp_path: Path) -> None:
    here = make_root(tmp_path / "here")
    assert find_root(None, {"KPI_PROJECT": ""}, here) == here


def test_find_root_walks_up_to_the_nearest_targets_file(tmp_path: Path) -> None:
    outer = make_root(tmp_path / "outer")
    inner = make_root(outer / "inner")
    deep = inner / "a" / "b"
    deep.mkdir(parents=True)
    assert find_root(None, {}, deep) == inner
    (outer / "sibling").mkdir()
    assert find_root(None, {}, outer / "sibling") == outer


def test_find_root_ignores_a_folder_named_targets_toml(tmp_path: Path) -> None:
    outer = make_root(tmp_path / "outer")
    inner = outer / "inner"
    (inner / "targets.toml").mkdir(parents=True)
    assert find_root(None, {}, inner) == outer


def test_find_root_explicit_without_targets_is_an_error(tmp_path: Path) -> None:
    here = make_root(tmp_path / "here")
    with pytest.raises(KpiError) as raised:
        find_root(tmp_path / "empty", {}, here)
    assert "--project" in str(raised.value)
    assert raised.value.hint


def test_find_root_environment_without_targets_is_an_error(tmp_path: Path) -> None:
    here = make_root(tmp_path / "here")
    with pytest.raises(KpiError) as raised:
        find_root(None, {"KPI_PROJECT": str(tmp_path / "nowhere")}, here)
    assert "KPI_PROJECT" in str(raised.value)


def test_find_root_nothing_found_is_an_error(tmp_path: Path) -> None:
    start = tmp_path / "a" / "b"
    start.mkdir(parents=True)
    assert not any((folder / "targets.toml").exists() for folder in (start, *start.parents))
    with pytest.raises(KpiError) as raised:
        find_root(None, {}, start)
    assert "targets.toml" in str(raised.value)
    assert raised.value.hint and "kpi init" in raised.value.hint


# -- observation paths --------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "../x",
        "/etc/passwd",
        "A",
        "a-b",
        "x\n",
        "ｘ",
        "a;rm -rf",
        "",
        "a/b",
        "..",
        "x.toml",
        "a" * 65,
        "1a",
        "_a",
        "a\x00",
    ],
)
def test_observations_path_refuses_hostile_ids(tmp_path: Path, hostile: str) -> None:
    with pytest.raises(KpiError) as raised:
        observations_path(tmp_path, hostile)
    assert repr(hostile) in str(raised.value)


@pytest.mark.parametrize("good", ["a", "share", "x_1", "a" * 64])
def test_observations_path_of_a_valid_id(tmp_path: Path, good: str) -> None:
    assert observations_path(tmp_path, good) == tmp_path / "observations" / f"{good}.toml"


# -- writing ------------------------------------------------------------------------------


def test_write_atomically_writes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.toml"
    write_atomically(target, "a = 1\n", create_folder=True)
    write_atomically(target, 'a = "Hải Phòng"\n')
    assert target.read_bytes() == 'a = "Hải Phòng"\n'.encode()
    assert [p.name for p in target.parent.iterdir()] == ["file.toml"]


def test_write_atomically_keeps_the_old_file_when_replacing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file.toml"
    target.write_text("old\n", encoding="utf-8")

    def broken_replace(source: object, destination: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KpiError, match="cannot be written: disk gone"):
        write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["file.toml"]


def test_write_atomically_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("untouched\n", encoding="utf-8")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    with pytest.raises(KpiError):
        write_atomically(link, "changed\n")
    assert real.read_text(encoding="utf-8") == "untouched\n"
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.toml", "real.toml"]


def test_write_atomically_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(tmp_path / "missing.toml")
    with pytest.raises(KpiError):
        write_atomically(link, "x\n")
    assert not (tmp_path / "missing.toml").exists()


def test_render_observations_sorts_by_year_and_omits_defaults() -> None:
    text = render_observations([obs(2025, 48.0, status="E"), obs(2020, 45.0)])
    data = tomllib.loads(text)
    assert [o["year"] for o in data["observations"]] == [2020, 2025]
    assert data["observations"][0] == {"year": 2020, "value": 45.0, "source": "office"}
    assert data["observations"][1]["status"] == "E"


# -- merging one observation --------------------------------------------------------------

EXISTING = (obs(2020, 45.0), obs(2025, 48.0, note="first"))


def test_merge_adds_a_new_year_in_order() -> None:
    outcome, merged = merge_observation(EXISTING, obs(2022, 46.0), replace=False, today=TODAY)
    assert outcome is Outcome.ADDED
    assert [o.year for o in merged] == [2020, 2022, 2025]


def test_merge_identical_is_unchanged() -> None:
    outcome, merged = merge_observation(
        EXISTING, obs(2025, 48.0, note="first"), replace=False, today=TODAY
    )
    assert outcome is Outcome.UNCHANGED
    assert merged == EXISTING


def test_merge_identical_to_a_revised_observation_is_unchanged() -> None:
    revised = obs(
        2025,
        48.0,
        revisions=[{"value": 47.0, "source": "old", "replaced": dt.date(2025, 1, 1)}],
    )
    outcome, merged = merge_observation((revised,), obs(2025, 48.0), replace=False, today=TODAY)
    assert outcome is Outcome.UNCHANGED
    assert merged == (revised,)


@pytest.mark.parametrize(
    "changed",
    [
        {"value": 48.5},
        {"status": "P"},
        {"series_break": True},
        {"source": "another"},
        {"url": "https://example.org"},
        {"note": "second"},
    ],
)
def test_merge_refuses_a_different_observation_without_replace(changed: dict[str, object]) -> None:
    new = obs(2025, 48.0, note="first")._replace(**changed)
    with pytest.raises(KpiError) as raised:
        merge_observation(EXISTING, new, replace=False, today=TODAY)
    assert raised.value.hint and "--replace" in raised.value.hint
    assert "2025" in str(raised.value)


def test_merge_replace_keeps_the_old_fields_in_revisions() -> None:
    new = obs(2025, 49.0, status="P", url="https://example.org")
    outcome, merged = merge_observation(EXISTING, new, replace=True, today=TODAY)
    assert outcome is Outcome.REPLACED
    assert [o.year for o in merged] == [2020, 2025]
    replaced = merged[1]
    assert (replaced.value, replaced.status, replaced.url, replaced.note) == (
        49.0,
        "P",
        "https://example.org",
        None,
    )
    assert replaced.revisions == (
        Revision(
            value=48.0,
            status="A",
            series_break=False,
            source="office",
            url=None,
            note="first",
            replaced=TODAY,
        ),
    )
    assert merged[0] == EXISTING[0]


def test_merge_replace_twice_keeps_every_revision_in_order() -> None:
    _, once = merge_observation(EXISTING, obs(2025, 49.0), replace=True, today=TODAY)
    later = dt.date(2027, 1, 2)
    _, twice = merge_observation(once, obs(2025, 50.0), replace=True, today=later)
    revisions = twice[1].revisions
    assert [(r.value, r.replaced) for r in revisions] == [(48.0, TODAY), (49.0, later)]


# -- recording, all or nothing ------------------------------------------------------------


def test_record_adds_replaces_and_reports_each_change(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    changes = record_observations(
        root,
        [
            ("share", obs(2024, 47.0)),
            ("growth", obs(2022, 17.0)),
            ("watched", obs(2025, 3.0)),
        ],
        replace=False,
        today=TODAY,
    )
    assert [(c.indicator, c.outcome) for c in changes] == [
        ("share", Outcome.ADDED),
        ("growth", Outcome.UNCHANGED),
        ("watched", Outcome.ADDED),
    ]
    project = load_project(root)
    assert [o.year for o in project.observations["share"]] == [2020, 2024, 2025]
    assert [o.value for o in project.observations["watched"]] == [3.0]
    # the unchanged file is not rewritten
    assert (root / "observations" / "growth.toml").read_text(encoding="utf-8") == GROWTH


def test_record_replace_writes_the_revision_to_disk(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    changes = record_observations(root, [("share", obs(2025, 49.0))], replace=True, today=TODAY)
    assert [c.outcome for c in changes] == [Outcome.REPLACED]
    text = (root / "observations" / "share.toml").read_text(encoding="utf-8")
    latest = observations_from(tomllib.loads(text))[-1]
    assert latest.value == 49.0 and latest.status == "A"
    assert [(r.value, r.status, r.replaced) for r in latest.revisions] == [(48.0, "E", TODAY)]


def test_record_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    before = snapshot(root)
    changes = record_observations(
        root, [("share", obs(2024, 47.0))], replace=False, today=TODAY, dry_run=True
    )
    assert [c.outcome for c in changes] == [Outcome.ADDED]
    assert snapshot(root) == before


BAD_ENTRIES = {
    "outside_bounds": ("share", obs(2024, 147.0)),
    "conflict_without_replace": ("share", obs(2025, 50.0)),
    "unknown_indicator": ("ghost", obs(2024, 1.0)),
    "rate_at_minus_100": ("growth", obs(2023, -100.0)),
    "hostile_id": ("../x", obs(2024, 1.0)),
}


@pytest.mark.parametrize("bad", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_record_is_all_or_nothing(tmp_path: Path, bad: tuple[str, Observation]) -> None:
    root = write_project(tmp_path)
    before = snapshot(root)
    entries = [
        ("share", obs(2024, 47.0)),
        ("growth", obs(2023, 18.0)),
        bad,
        ("watched", obs(2025, 3.0)),
    ]
    with pytest.raises(KpiError) as raised:
        record_observations(root, entries, replace=False, today=TODAY)
    assert raised.value.problems
    assert snapshot(root) == before


def test_record_names_every_refused_entry(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    entries = [
        ("share", obs(2024, 147.0)),
        ("share", obs(2025, 50.0)),
        ("ghost", obs(2024, 1.0)),
        ("growth", obs(2023, 18.0)),
    ]
    with pytest.raises(KpiError) as raised:
        record_observations(root, entries, replace=False, today=TODAY)
    problems: tuple[Problem, ...] = raised.value.problems
    assert len(problems) == 3
    assert [str(p.file) for p in problems] == [
        "observations/share.toml",
        "observations/share.toml",
        "targets.toml",
    ]


def test_record_refuses_an_invalid_project(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"observations/share.toml": SHARE.replace("45.0", "nan")})
    before = snapshot(root)
    with pytest.raises(KpiError):
        record_observations(root, [("growth", obs(2023, 18.0))], replace=False, today=TODAY)
    assert snapshot(root) == before


def test_rtoml_and_tomllib_read_the_shipped_files_alike() -> None:
    import tomllib

    import rtoml

    root = Path(__file__).resolve().parent.parent
    for path in [root / "targets.toml", *sorted((root / "observations").glob("*.toml"))]:
        text = path.read_text(encoding="utf-8")
        assert rtoml.loads(text) == tomllib.loads(text), path


def test_an_integer_too_long_for_python_is_a_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "targets.toml").write_text(
        '[project]\nname = "x"\n\n[assessment]\ntrend_years = ' + "9" * 5000 + "\n",
        encoding="utf-8",
    )
    project, problems = read_project(tmp_path)
    assert project is None
    [problem] = problems
    assert problem.file == Path("targets.toml")
    assert problem.line == 5


def test_write_atomically_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "kept.toml"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_atomically(target, "new\n")
    assert (target.read_text(encoding="utf-8"), target.stat().st_mode & 0o777) == ("new\n", 0o640)
    fresh = tmp_path / "fresh.toml"
    write_atomically(fresh, b"bytes\n")
    assert (fresh.read_bytes(), fresh.stat().st_mode & 0o777) == (b"bytes\n", 0o644)


def test_write_atomically_creates_a_missing_folder_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "file.toml"
    with pytest.raises(KpiError, match="cannot be written"):
        write_atomically(target, "x\n")
    assert not (tmp_path / "missing").exists()
    write_atomically(target, "x\n", create_folder=True)
    assert target.read_text(encoding="utf-8") == "x\n"


def test_the_project_carries_where_each_target_and_observation_is_written() -> None:
    root = Path(__file__).resolve().parent.parent
    project = load_project(root)
    for target_id, origin in project.target_origins.items():
        lines = (root / origin.file).read_text("utf-8").split("\n")
        assert origin.line is not None
        assert lines[origin.line - 1].replace(" ", "") == f'id="{target_id}"'
    for indicator_id, observations in project.observations.items():
        origins = project.observation_origins[indicator_id]
        assert sorted(origins) == [o.year for o in observations]
        for year, origin in origins.items():
            assert origin.file == Path("observations") / f"{indicator_id}.toml"
            lines = (root / origin.file).read_text("utf-8").split("\n")
            assert origin.line is not None
            assert lines[origin.line - 1] == f"year = {year}"


def test_an_observation_files_origins_behave_as_a_mapping_of_origins() -> None:
    root = Path(__file__).resolve().parent.parent
    project = load_project(root)
    indicator_id = next(i for i, o in project.observations.items() if o)
    origins = project.observation_origins[indicator_id]
    file = Path("observations") / f"{indicator_id}.toml"
    years = [o.year for o in project.observations[indicator_id]]
    assert len(origins) == len(years)
    assert origins[years[0]].file == file
    assert origins.get(1000) is None
    assert years[0] in origins and 1000 not in origins
    assert origins == {year: Origin(file, origins[year].line) for year in years}
    with pytest.raises(KeyError):
        origins[1000]


def test_the_project_keeps_no_observation_file_text_for_its_origins(tmp_path: Path) -> None:
    # A large project's texts are megabytes: a line asked for is found in the file read again.
    root = write_project(tmp_path)
    project = load_project(root)
    origins = project.observation_origins["share"]
    text = (root / "observations" / "share.toml").read_text(encoding="utf-8")
    reachable, seen = [origins], set()
    for _depth in range(4):  # the origins, their slots, a reader and its arguments
        reachable = [r for o in reachable if id(o) not in seen for r in gc.get_referents(o)]
        seen.update(map(id, reachable))
        assert text not in reachable
    year = project.observations["share"][-1].year
    assert origins[year].line == text.split("\n").index(f"year = {year}") + 1
