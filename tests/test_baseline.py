"""``kpi check --baseline REF|auto`` and ``--fail-on-worse``: what a change to the data did.

Every test builds a real git repository in ``tmp_path`` (``git init``, two or more commits) and
runs the command line in-process. The projects hold level indicators, each with one target
``<indicator>_goal`` (at least 30 by 2030, linear, from 10 in 2020, so the 2024 value
``10 + 8 r`` gives the progress ratio ``r``), as in tests/test_check.py; an indicator without a
target is monitored. Stdout, stderr and the exit code are checked separately.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import junitparser
import pytest
from typer.testing import CliRunner, Result

from kpi.baseline import Change, Edit, change_between, observation_changes, plain_location
from kpi.cli import app
from kpi.model import Project, observation_from
from kpi.progress import Status
from kpi.store import read_project, read_project_from

RUNNER = CliRunner()
AS_OF = "2026"
Series = Mapping[str, Sequence[tuple[int, float]]]

# The project at the base commit and after the change; the comments give each target's status.
BEFORE: Series = {
    "worse": [(2020, 10), (2024, 18)],  # on track (r = 1)
    "better": [(2020, 10), (2024, 12)],  # off track (r = 0.25)
    "data": [],  # no data
    "same": [(2020, 10), (2024, 16)],  # at risk (r = 0.75)
    "removed": [(2020, 10), (2024, 18)],  # on track, gone after
    "extra": [(2019, 5), (2020, 6)],  # monitored (no target)
}
AFTER: Series = {
    "worse": [(2020, 10), (2024, 16)],  # at risk: 2024 replaced
    "better": [(2020, 10), (2024, 18)],  # on track: 2024 replaced
    "data": [(2020, 10), (2024, 18)],  # on track: both years added
    "same": [(2020, 10), (2024, 16)],
    "new": [(2020, 10), (2024, 18)],  # a new target
    "extra": [(2020, 7), (2021, 8)],  # 2019 removed, 2020 replaced, 2021 added
}
MONITORED = {"extra"}
EXPECTED_CHANGES = {
    "worse_goal": "worse",
    "better_goal": "better",
    "data_goal": "data_changed",
    "same_goal": "same",
    "new_goal": "new",
    "removed_goal": "removed",
}
EXPECTED_EDITS = [
    ("worse", 2024, "replaced", 18, 16),
    ("better", 2024, "replaced", 12, 18),
    ("data", 2020, "added", None, 10),
    ("data", 2024, "added", None, 18),
    ("new", 2020, "added", None, 10),
    ("new", 2024, "added", None, 18),
    ("extra", 2019, "removed", 5, None),
    ("extra", 2020, "replaced", 6, 7),
    ("extra", 2021, "added", None, 8),
    ("removed", 2020, "removed", 10, None),
    ("removed", 2024, "removed", 18, None),
]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CI variables, and git without the machine's or the user's configuration."""
    for name in ("KPI_PROJECT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_BASE_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("HOME", str(tmp_path))


def git(cwd: Path, *args: str) -> str:
    """Run ``git ARGS`` in ``cwd`` as a test author; its stdout. Fails the test on an error."""
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    done = subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit_all(repository: Path, message: str) -> str:
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "--allow-empty", "-m", message)
    return git(repository, "rev-parse", "HEAD")


def write_project(root: Path, series: Series, *, monitored: set[str] = MONITORED) -> Path:
    """A project at ``root`` with one level indicator per entry of ``series`` (a target
    ``<name>_goal`` unless the name is ``monitored``), replacing whatever files were there."""
    lines = ["[project]", 'name = "Test city"', ""]
    for name in series:
        lines += [f"[indicators.{name}]", f'name = "Indicator {name}"', 'kind = "level"']
        lines += ['unit = "%"', "bounds = [0, 100]", ""]
        if name not in monitored:
            lines += [f"[[indicators.{name}.targets]]", f'id = "{name}_goal"', 'comparator = ">="']
            lines += ["value = 30", "year = 2030", 'method = "linear"', ""]
    root.mkdir(parents=True, exist_ok=True)
    (root / "targets.toml").write_text("\n".join(lines), encoding="utf-8")
    folder = root / "observations"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.toml"):
        old.unlink()
    for name, values in series.items():
        if values:
            text = "".join(
                f'[[observations]]\nyear = {year}\nvalue = {value}\nsource = "Yearbook"\n\n'
                for year, value in values
            )
            (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def new_repository(tmp_path: Path, name: str = "repo") -> Path:
    repository = tmp_path / name
    repository.mkdir()
    git(repository, "init", "-q", "-b", "main")
    return repository


@pytest.fixture()
def changed(tmp_path: Path) -> Path:
    """A repository whose project went from ``BEFORE`` (first commit) to ``AFTER`` (second)."""
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    commit_all(repository, "base")
    write_project(repository, AFTER)
    commit_all(repository, "a data change")
    return repository


def check(root: Path | None, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """``kpi [--project ROOT] check --as-of 2026 ARGS`` in-process."""
    project = ["--project", str(root)] if root is not None else []
    return RUNNER.invoke(app, [*project, "check", "--as-of", AS_OF, *args], env=dict(env or {}))


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """``::name k=v,...::message`` lines as (name, properties, message), unescaped."""

    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(code, char)
        return text

    found = []
    for line in stdout.splitlines():
        match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
        assert match, f"not a workflow command: {line!r}"
        pairs = [part.split("=", 1) for part in (match.group(2) or "").split(",") if part]
        found.append((match[1], {k: unescape(v) for k, v in pairs}, unescape(match[3])))
    return found


# -- the pure core -------------------------------------------------------------------------

JUDGED = [Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.MOVING_AWAY]
MISSING = [Status.INSUFFICIENT_DATA, Status.NO_DATA]


STATUS_PAIRS = [
    (before, after)
    for before in [*JUDGED, *MISSING, None]
    for after in [*JUDGED, *MISSING, None]
    if before is not None or after is not None
]


@pytest.mark.parametrize(("before", "after"), STATUS_PAIRS)
def test_a_change_follows_the_order_of_statuses_and_missing_data_is_its_own(
    before: Status | None, after: Status | None
) -> None:
    change = change_between(before, after)
    if before is None:
        assert change is Change.NEW
    elif after is None:
        assert change is Change.REMOVED
    elif before is after:
        assert change is Change.SAME
    elif before in MISSING or after in MISSING:
        assert change is Change.DATA_CHANGED  # never worse nor better
    else:
        worse = JUDGED.index(after) > JUDGED.index(before)
        assert change is (Change.WORSE if worse else Change.BETTER)


def _project(tmp_path: Path, series: Series) -> Project:
    project, problems = read_project(write_project(tmp_path, series, monitored=set(series)))
    assert project is not None and not problems
    return project


def test_a_replacement_that_only_kept_revisions_is_no_change(tmp_path: Path) -> None:
    before = _project(tmp_path / "a", {"x": [(2020, 1)]})
    after = _project(tmp_path / "b", {"x": [(2020, 1)]})
    revised = observation_from(
        {"year": 2020, "value": 1, "source": "Yearbook",
         "revisions": [{"value": 2, "source": "Old", "replaced": dt.date(2025, 1, 1)}]}
    )  # fmt: skip
    kept = Project(after.root, after.definition, {"x": (revised,)})
    assert list(observation_changes(before, kept, plain_location)) == []
    other = Project(after.root, after.definition, {"x": (revised._replace(value=3.0),)})
    [edit] = observation_changes(before, other, plain_location)
    assert (edit.edit, edit.year, edit.before, edit.after) == (
        Edit.REPLACED, 2020, before.observations["x"][0], other.observations["x"][0],
    )  # fmt: skip


# -- reading a project from its files' contents ----------------------------------------------


def _contents(root: Path) -> tuple[bytes, dict[str, bytes]]:
    targets = (root / "targets.toml").read_bytes()
    files = {p.name: p.read_bytes() for p in (root / "observations").glob("*.toml")}
    return targets, files


def test_reading_contents_gives_what_reading_the_files_gives(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", AFTER)
    from_disk, disk_problems = read_project(root)
    from_memory, memory_problems = read_project_from(root, *_contents(root))
    assert disk_problems == memory_problems == []
    assert from_disk is not None and from_memory is not None
    assert from_memory.definition == from_disk.definition
    assert from_memory.observations == from_disk.observations
    assert from_memory.observation_origins == from_disk.observation_origins
    assert from_memory.target_origins == from_disk.target_origins


def test_reading_contents_reports_the_same_problems_with_their_lines(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", AFTER)
    (root / "observations" / "worse.toml").write_bytes(
        b"[[observations]]\nyear = 2020\nvalue = \xff\n"
    )
    (root / "observations" / "same.toml").write_text(
        '[[observations]]\nyear = 2020\nvalue = 500\nsource = "Yearbook"\n', encoding="utf-8"
    )
    (root / "observations" / "ghost.toml").write_text("", encoding="utf-8")
    _, disk_problems = read_project(root)
    _, memory_problems = read_project_from(root, *_contents(root))
    assert len(disk_problems) == 3
    assert sorted(map(str, memory_problems)) == sorted(map(str, disk_problems))


# -- each change, in a real repository -------------------------------------------------------


def test_each_target_gets_its_change_and_each_observation_its_edit(changed: Path) -> None:
    result = check(changed, "--baseline", "HEAD~1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = as_json(result)
    baseline = document["baseline"]
    assert baseline["ref"] == baseline["name"] == "HEAD~1"
    assert baseline["commit"] == git(changed, "rev-parse", "HEAD~1")
    assert (baseline["found"], baseline["valid"], baseline["problems"]) == (True, True, [])
    changes = {t["id"]: t["change"] for t in baseline["targets"]}
    assert changes == EXPECTED_CHANGES
    assert [t["id"] for t in baseline["targets"]][-1] == "removed_goal"  # removed ones last
    assert baseline["changes"] == {
        "worse": 1, "better": 1, "data_changed": 1, "new": 1, "removed": 1, "same": 1,
    }  # fmt: skip

    def value(observation: dict[str, Any] | None) -> float | None:
        return observation["value"] if observation else None

    edits = [
        (o["indicator"], o["year"], o["change"], value(o["before"]), value(o["after"]))
        for o in baseline["observations"]
    ]
    assert edits == EXPECTED_EDITS
    assert baseline["observations_changed"] == {"added": 5, "replaced": 3, "removed": 3}


def test_each_target_then_and_now_has_status_ratio_and_latest_value(changed: Path) -> None:
    document = as_json(check(changed, "--baseline", "HEAD~1", "--format", "json"))
    by_id = {t["id"]: t for t in document["baseline"]["targets"]}
    worse = by_id["worse_goal"]
    assert worse["before"]["status"] == "on_track" and worse["after"]["status"] == "at_risk"
    assert worse["before"]["progress_ratio"] == pytest.approx(1.0)
    assert worse["after"]["progress_ratio"] == pytest.approx(0.75)
    assert worse["before"]["latest"]["value"] == 18 and worse["after"]["latest"]["value"] == 16
    assert by_id["new_goal"]["before"] is None and by_id["removed_goal"]["after"] is None
    assert by_id["data_goal"]["before"] == {
        "status": "no_data", "progress_ratio": None, "latest": None,
    }  # fmt: skip
    results = {r["id"]: r for r in document["results"]}
    assert results["worse_goal"]["change"] == "worse"
    assert results["worse_goal"]["before"] == worse["before"]
    assert results["new_goal"]["before"] is None
    assert "removed_goal" not in results  # a removed target has no verdict


def test_a_target_that_got_worse_below_the_failing_level_is_a_warning(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, {"goal": [(2020, 10), (2024, 31)]}, monitored=set())  # achieved
    commit_all(repository, "base")
    write_project(repository, {"goal": [(2020, 10), (2024, 18)]}, monitored=set())  # on track
    commit_all(repository, "worse, still on track")
    plain = check(repository)
    assert plain.exit_code == 0 and plain.stdout.startswith("ok    goal_goal")
    result = check(repository, "--baseline", "HEAD~1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("WARN  goal_goal  on track  ")
    assert "  worse  goal_goal  achieved → on track" in result.stdout
    document = as_json(check(repository, "--baseline", "HEAD~1", "--format", "json"))
    [entry] = document["results"]
    assert (entry["level"], entry["passed"]) == ("warning", True)
    assert entry["message"].startswith("on track, worse than at the baseline: ")
    assert document["summary"]["warned"] == 1 and document["passed"] is True


def test_fail_on_worse_fails_whatever_the_level(changed: Path) -> None:
    warned = check(changed, "--baseline", "HEAD~1")
    assert warned.exit_code == 0, warned.stderr  # at risk is a warning at --fail-on off_track
    failed = check(changed, "--baseline", "HEAD~1", "--fail-on-worse")
    assert failed.exit_code == 1
    assert "FAIL  worse_goal" in failed.stdout
    assert "ok    same_goal" in failed.stdout  # at risk, but not worse: ok at --fail-on off_track
    assert failed.stdout.rstrip().endswith(
        "1 worse, 1 better, 1 data changed, 1 new, 1 removed, 1 same"
    )
    assert "--fail-on-worse" in failed.stdout.splitlines()[-1]
    document = as_json(
        check(changed, "--baseline", "HEAD~1", "--fail-on-worse", "--format", "json")
    )
    assert document["fail_on_worse"] is True and document["passed"] is False
    failing = [r["id"] for r in document["results"] if not r["passed"]]
    assert failing == ["worse_goal"]
    worse = next(r for r in document["results"] if r["id"] == "worse_goal")
    assert worse["message"].startswith("at risk, worse than at the baseline, failing with")
    off = check(changed, "--baseline", "HEAD~1", "--fail-on-worse", "--no-fail-on-worse")
    assert off.exit_code == 0  # the last flag wins


def test_fail_on_worse_passes_when_nothing_got_worse(changed: Path) -> None:
    git(changed, "commit", "-q", "--allow-empty", "-m", "nothing")
    result = check(changed, "--baseline", "HEAD~1", "--fail-on-worse")
    assert result.exit_code == 0, result.stderr
    assert "no target changed" in result.stdout.splitlines()[-1]


def test_fail_on_worse_without_a_baseline_is_a_usage_error(changed: Path) -> None:
    result = check(changed, "--fail-on-worse")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--fail-on-worse compares with a revision, but no --baseline was given" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_project_that_did_not_exist_at_the_revision_has_only_new_targets(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    (repository / "README.md").write_text("data to come\n", encoding="utf-8")
    commit_all(repository, "empty")
    write_project(repository, AFTER)
    commit_all(repository, "the project")
    result = check(repository, "--baseline", "HEAD~1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    baseline = as_json(result)["baseline"]
    assert (baseline["found"], baseline["valid"]) == (False, None)
    assert {t["change"] for t in baseline["targets"]} == {"new"}
    assert baseline["observations"] == []
    text = check(repository, "--baseline", "HEAD~1").stdout
    assert "the project did not exist at HEAD~1" in text


def test_an_invalid_project_at_the_revision_is_reported_and_not_compared(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    (repository / "observations" / "worse.toml").write_text("[[observations]\n", encoding="utf-8")
    commit_all(repository, "broken")
    write_project(repository, AFTER)
    commit_all(repository, "fixed")
    result = check(repository, "--baseline", "HEAD~1", "--format", "json")
    assert result.exit_code == 0
    baseline = as_json(result)["baseline"]
    assert (baseline["found"], baseline["valid"]) == (True, False)
    [problem] = baseline["problems"]
    assert (problem["file"], problem["line"]) == ("observations/worse.toml", 1)
    assert {t["change"] for t in baseline["targets"]} == {"new"}
    assert "is not valid (1 problem(s)): every target is new" in result.stderr
    short = git(repository, "rev-parse", "HEAD~1")[:12]
    assert f"warning: at {short}: observations/worse.toml:1: is not valid TOML" in result.stderr


def test_the_working_tree_and_the_index_are_left_alone(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    commit_all(repository, "base")
    write_project(repository, AFTER)  # changes not committed; one of them staged
    git(repository, "add", "observations/worse.toml")
    status = git(repository, "status", "--porcelain")  # refreshes the index: before reading it
    index = (repository / ".git" / "index").read_bytes()
    files = {
        p: p.read_bytes() for p in repository.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    result = check(repository, "--baseline", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {
        t["id"]: t["change"] for t in as_json(result)["baseline"]["targets"]
    } == EXPECTED_CHANGES
    assert (repository / ".git" / "index").read_bytes() == index
    assert git(repository, "status", "--porcelain") == status
    assert "M  observations/worse.toml" in status.splitlines()  # still staged
    assert {p: p.read_bytes() for p in files} == files


def test_a_project_in_a_folder_of_the_repository_is_read_from_that_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = new_repository(tmp_path)
    write_project(repository / "data", BEFORE)
    write_project(repository, {"decoy": [(2020, 1)]})  # another project at the top
    commit_all(repository, "base")
    write_project(repository / "data", AFTER)
    commit_all(repository, "a data change")
    monkeypatch.chdir(repository)
    result = check(repository / "data", "--baseline", "HEAD~1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    baseline = as_json(result)["baseline"]
    assert {t["id"]: t["change"] for t in baseline["targets"]} == EXPECTED_CHANGES
    worse = next(o for o in baseline["observations"] if o["indicator"] == "worse")
    assert worse["file"] == "data/observations/worse.toml"  # relative to where kpi runs
    monkeypatch.chdir(repository / "data" / "observations")  # git works from any folder of it
    again = check(repository / "data", "--baseline", "HEAD~1", "--format", "json")
    assert as_json(again)["baseline"]["changes"] == baseline["changes"]


def test_a_symbolic_link_at_the_revision_is_a_problem_of_that_revision(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    (repository / "observations" / "worse.toml").rename(repository / "worse.toml")
    (repository / "observations" / "worse.toml").symlink_to("../worse.toml")
    commit_all(repository, "a link")
    write_project(repository, AFTER)
    commit_all(repository, "files")
    baseline = as_json(check(repository, "--baseline", "HEAD~1", "--format", "json"))["baseline"]
    [problem] = baseline["problems"]
    assert problem["file"] == "observations/worse.toml"
    assert "symbolic link" in problem["message"]


# -- finding the revision ----------------------------------------------------------------------


def test_auto_uses_the_merge_base_with_the_pull_request_s_base_branch(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    fork = commit_all(repository, "base")
    git(repository, "checkout", "-q", "-b", "feature")
    write_project(repository, AFTER)
    commit_all(repository, "the pull request's change")
    git(repository, "checkout", "-q", "main")
    write_project(repository, {**BEFORE, "worse": [(2020, 10), (2024, 12)]})
    main_tip = commit_all(repository, "main moved on")
    git(repository, "checkout", "-q", "feature")
    git(repository, "update-ref", "refs/remotes/origin/main", main_tip)
    result = check(
        repository, "--baseline", "auto", "--format", "json", env={"GITHUB_BASE_REF": "main"}
    )
    assert result.exit_code == 0, result.stderr
    baseline = as_json(result)["baseline"]
    assert (baseline["ref"], baseline["name"]) == ("auto", "origin/main")
    assert baseline["commit"] == fork != main_tip  # where the branch left main, not main's tip
    assert {t["id"]: t["change"] for t in baseline["targets"]} == EXPECTED_CHANGES
    text = check(repository, "--baseline", "auto", env={"GITHUB_BASE_REF": "main"}).stdout
    assert f"Since origin/main (merge base {fork[:12]}):" in text


def test_auto_with_a_bare_origin_remote(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    repository = new_repository(tmp_path)
    write_project(repository, BEFORE)
    base = commit_all(repository, "base")
    git(repository, "remote", "add", "origin", str(origin))
    git(repository, "push", "-q", "origin", "main")
    git(repository, "checkout", "-q", "-b", "feature")
    write_project(repository, AFTER)
    commit_all(repository, "change")
    result = check(
        repository, "--baseline", "auto", "--format", "json", env={"GITHUB_BASE_REF": "main"}
    )
    assert result.exit_code == 0, result.stderr
    assert as_json(result)["baseline"]["commit"] == base


def test_auto_outside_a_pull_request_asks_for_a_revision(changed: Path) -> None:
    for env in ({}, {"GITHUB_BASE_REF": ""}):  # a push event sets it empty
        result = check(changed, "--baseline", "auto", env=env)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "GITHUB_BASE_REF is not set" in result.stderr
        assert (
            "hint: pass the revision to compare with, for example --baseline origin/main"
            in result.stderr
        )


def test_a_revision_that_does_not_exist_exits_2(changed: Path) -> None:
    for output_format in ("text", "json"):
        result = check(changed, "--baseline", "no-such-branch", "--format", output_format)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "error: no revision 'no-such-branch' in the git repository at" in result.stderr
        assert "Traceback" not in result.stderr
    option_like = check(changed, "--baseline", "--output=x")
    assert option_like.exit_code == 2 and "no revision '--output=x'" in option_like.stderr
    assert not (changed / "x").exists()


def test_a_missing_revision_is_annotated_in_the_github_format(changed: Path) -> None:
    result = check(changed, "--baseline", "nope", "--format", "github")
    assert result.exit_code == 2
    [(name, properties, message)] = annotations(result.stdout)
    assert name == "error" and properties["title"] == "kpi: invalid data"
    assert "no revision 'nope'" in message


def test_the_markdown_comment_says_why_the_check_could_not_run(changed: Path) -> None:
    result = check(changed, "--baseline", "no-such-branch", "--format", "markdown")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[:3] == ["<!-- kpi check -->", "### ❌ kpi check could not run", ""]
    assert lines[3].startswith("- no revision 'no-such-branch' in the git repository at ")
    assert lines[-1].startswith("hint: pass a branch, tag or commit the repository has")
    assert "error: no revision 'no-such-branch'" in result.stderr
    path = changed / "observations" / "worse.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("value = 16", "value = 160"))
    invalid = check(changed, "--format", "markdown")
    assert invalid.exit_code == 2
    assert "- observations/worse.toml:8: observations\\[1\\].value: 160 is outside the bounds" in (
        invalid.stdout
    )


def test_a_shallow_clone_says_which_fetch_depth_to_use(changed: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{changed}", str(clone))
    result = check(clone, "--baseline", "HEAD~1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error: 'HEAD~1' is not in this shallow clone" in result.stderr
    assert "with actions/checkout set `fetch-depth: 0`" in result.stderr
    auto = check(clone, "--baseline", "auto", env={"GITHUB_BASE_REF": "develop"})
    assert auto.exit_code == 2
    assert "'origin/develop' is not in this shallow clone" in auto.stderr
    assert "fetch-depth: 0" in auto.stderr


def test_outside_a_git_repository_exits_2(tmp_path: Path) -> None:
    root = write_project(tmp_path / "plain", AFTER)
    result = check(root, "--baseline", "HEAD")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "is not in a git repository, so there is no revision to compare with" in result.stderr
    assert "Traceback" not in result.stderr


# -- every format ----------------------------------------------------------------------------

TODAY_KEYS = {
    "project", "as_of", "fail_on", "fail_on_missing", "passed", "summary", "results",
    "fail_on_stale",  # the gate settings (issue 12)
    "goals",  # the goals' summaries (issue 13)
    "fail_on_direction", "direction_summary", "directions",  # direction-only indicators (13)
}  # fmt: skip
TODAY_RESULT_KEYS = {
    "id", "indicator", "status", "passed", "level", "unit", "pace_unit", "expected", "actual",
    "message", "notes", "file", "line", "gate", "reasons",
}  # fmt: skip


def test_json_keeps_today_s_keys_and_only_adds_new_ones(changed: Path) -> None:
    plain = as_json(check(changed, "--format", "json"))
    assert set(plain) == TODAY_KEYS
    assert all(set(r) == TODAY_RESULT_KEYS for r in plain["results"])
    compared = as_json(check(changed, "--baseline", "HEAD~1", "--format", "json"))
    assert set(compared) == TODAY_KEYS | {"baseline", "fail_on_worse"}
    assert all(set(r) == TODAY_RESULT_KEYS | {"change", "before"} for r in compared["results"])
    # what was already there says the same, but for the target that got worse, which now warns
    assert {k: compared[k] for k in TODAY_KEYS - {"results", "summary"}} == {
        k: plain[k] for k in TODAY_KEYS - {"results", "summary"}
    }
    assert compared["summary"]["warned"] == plain["summary"]["warned"] + 1
    for old, new in zip(plain["results"], compared["results"], strict=True):
        judged = {"message", "level", "reasons"} if new["change"] == "worse" else {"message"}
        assert {k: new[k] for k in TODAY_RESULT_KEYS - judged} == {
            k: old[k] for k in TODAY_RESULT_KEYS - judged
        }
        if new["change"] == "worse":
            assert (old["level"], new["level"], new["reasons"]) == ("ok", "warning", ["worse"])


def test_text_says_what_changed_before_the_summary(changed: Path) -> None:
    result = check(changed, "--baseline", "HEAD~1")
    short = git(changed, "rev-parse", "HEAD~1")[:12]
    lines = result.stdout.splitlines()
    start = lines.index(f"Since HEAD~1 ({short}):")
    section = lines[start + 1 : -2]
    assert section[:5] == [
        "  worse         worse_goal    on track → at risk, progress ratio 1 → 0.75, "
        "latest 18 (2024) → 16 (2024)",
        "  better        better_goal   off track → on track, progress ratio 0.25 → 1, "
        "latest 12 (2024) → 18 (2024)",
        "  data changed  data_goal     no data → on track, progress ratio – → 1, "
        "latest no data → 18 (2024)",
        "  new           new_goal      on track",
        "  removed       removed_goal  was on track",
    ]
    assert section[5:] == [
        "  targets the same: 1",
        "  worse: 2024 replaced: 18 → 16",
        "  better: 2024 replaced: 12 → 18",
        "  data: 2020 added: 10; 2024 added: 18",
        "  new: 2020 added: 10; 2024 added: 18",
        "  extra: 2019 removed: 5; 2020 replaced: 6 → 7; 2021 added: 8",
        "  removed: 2020 removed: 10; 2024 removed: 18",
    ]
    assert lines[-1].startswith("passed: ")
    assert lines[-1].endswith(f"--baseline HEAD~1); since HEAD~1 ({short}): " + (
        "1 worse, 1 better, 1 data changed, 1 new, 1 removed, 1 same"
    ))  # fmt: skip


def test_github_annotates_each_changed_target_on_the_changed_observation_s_line(
    changed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(changed)
    summary = tmp_path / "summary.md"
    result = check(
        changed, "--baseline", "HEAD~1", "--format", "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    found = {
        props["title"].split()[1]: (name, props, message)
        for name, props, message in annotations(result.stdout)
    }
    # each target whose status changed; the one at risk that did not is ok at --fail-on off_track
    assert set(found) == {"worse_goal", "better_goal", "data_goal"}
    for target in ("worse_goal", "better_goal", "data_goal"):
        name, props, message = found[target]
        lines = (changed / props["file"]).read_text(encoding="utf-8").splitlines()
        assert lines[int(props["line"]) - 1] == "year = 2024", target
        assert props["file"] == f"observations/{target.removesuffix('_goal')}.toml"
    name, props, message = found["worse_goal"]
    assert (name, props["title"]) == ("warning", "kpi: worse_goal at_risk (was on_track)")
    short = git(changed, "rev-parse", "HEAD~1")[:12]
    assert message.startswith(f"worse since HEAD~1 ({short}): on track → at risk")
    assert found["better_goal"][0] == "notice"  # better and on track: said, not warned
    assert found["data_goal"][1]["title"] == "kpi: data_goal on_track (was no_data)"
    text = summary.read_text(encoding="utf-8")
    assert f"#### What this change did since HEAD\\~1 ({short})" in text
    assert "| ⚠️ | `worse_goal` | **worse** | on track | at risk | 18 (2024) | 16 (2024) |" in text
    assert "- `extra` 2019 removed: 5 (observations/extra.toml)" in text
    assert "- `worse` 2024 replaced: 18 → 16 (observations/worse.toml:7)" in text
    assert text.index("What this change did") < text.index("| Target | Indicator |")


def test_github_without_a_status_change_annotates_as_without_baseline(changed: Path) -> None:
    git(changed, "commit", "-q", "--allow-empty", "-m", "nothing")
    compared = check(changed, "--baseline", "HEAD~1", "--format", "github")
    assert compared.stdout == check(changed, "--format", "github").stdout


def test_junit_carries_each_change_and_the_revision(changed: Path) -> None:
    result = check(changed, "--baseline", "HEAD~1", "--fail-on-worse", "--format", "junit")
    assert result.exit_code == 1
    xml = junitparser.JUnitXml.fromstring(result.stdout.encode())
    [suite] = list(xml)
    properties = {p.name: p.value for p in suite.properties()}
    xml_cases = ET.fromstring(result.stdout.encode()).findall("./testsuite/testcase")
    case_changes = {
        c.get("name"): [(p.get("name"), p.get("value")) for p in c.findall("./properties/property")]
        for c in xml_cases
    }
    assert case_changes == {
        name: [("change", change)]
        for name, change in EXPECTED_CHANGES.items()
        if change != "removed"
    }
    assert properties["baseline"] == "HEAD~1"
    assert properties["baseline_commit"] == git(changed, "rev-parse", "HEAD~1")
    assert properties["fail_on_worse"] == "true"
    assert properties["removed"] == "removed_goal"
    assert "worse=1" in properties["changes"] and "same=1" in properties["changes"]
    cases = {case.name: case for case in suite}
    assert set(cases) == set(EXPECTED_CHANGES) - {"removed_goal"}
    for name, case in cases.items():
        assert case.system_out.startswith(f"{EXPECTED_CHANGES[name]}: ")
    [failure] = cases["worse_goal"].result
    assert isinstance(failure, junitparser.Failure)
    assert "worse than at the baseline" in (failure.message or "")


def test_markdown_is_a_short_comment_with_the_changes_first(changed: Path) -> None:
    result = check(changed, "--baseline", "HEAD~1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    lines = text.splitlines()
    assert lines[0] == "<!-- kpi check -->"  # what the workflow finds its comment by
    assert lines[1] == "### ⚠️ kpi check passed: Test city, as of 2026"
    assert lines[3].startswith("passed: ")
    assert lines[5].startswith("#### What this change did since HEAD\\~1 (")
    table = lines[7 : lines.index(next(line for line in lines if line.startswith("**Observ")))]
    assert table[0] == "|  | Target | Change | Then | Now | Latest then | Latest now |"
    assert [row.split(" | ")[2] for row in table[2:-1]] == [
        "**worse**", "**better**", "**data changed**", "**new**", "**removed**",
    ]  # fmt: skip
    assert "**Observations** (5 added, 3 replaced, 3 removed)" in text
    assert text.count("\n- `") == len(EXPECTED_EDITS) + 0  # every observation, no notes here
    details = text.index("<details><summary>All targets (5)</summary>")
    assert text.index("**Observations**") < details < text.index("</details>")
    assert result.stderr.startswith("passed: ")


def test_markdown_folds_away_observations_past_the_first_twelve(tmp_path: Path) -> None:
    repository = new_repository(tmp_path)
    write_project(repository, {"goal": [(2020, 10)]}, monitored=set())
    commit_all(repository, "base")
    write_project(repository, {"goal": [(year, 10) for year in range(2000, 2021)]}, monitored=set())
    commit_all(repository, "a whole series")
    text = check(repository, "--baseline", "HEAD~1", "--format", "markdown").stdout
    shown, folded = text.split("<details><summary>8 more observation(s)</summary>")
    assert shown.count("\n- `goal` ") == 12
    assert folded.split("</details>")[0].count("\n- `goal` ") == 8


def test_markdown_without_baseline_is_the_gate_s_result(changed: Path) -> None:
    result = check(changed, "--format", "markdown")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "<!-- kpi check -->"
    assert "What this change did" not in result.stdout
    # both targets at risk are ok at --fail-on off_track: no target failed or warned
    assert "No target failed or warned." in result.stdout
    assert "<details><summary>All targets (5)</summary>" in result.stdout


def test_revision_names_are_inert_in_every_format(changed: Path) -> None:
    hostile = "x<img>|`y`#%"
    git(changed, "branch", hostile, "HEAD~1")
    markdown = check(changed, "--baseline", hostile, "--format", "markdown")
    assert markdown.exit_code == 0, markdown.stderr
    assert "x\\<img\\>\\|\\`y\\`\\#%" in markdown.stdout
    assert "<img>" not in markdown.stdout
    github = check(changed, "--baseline", hostile, "--format", "github")
    assert "x<img>|`y`#%25" in github.stdout  # '%' escaped as the runner reads it
    junit = check(changed, "--baseline", hostile, "--format", "junit")
    properties = {
        p.name: p.value
        for p in next(iter(junitparser.JUnitXml.fromstring(junit.stdout.encode()))).properties()
    }
    assert properties["baseline"] == hostile
