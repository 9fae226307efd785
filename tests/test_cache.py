"""kpi's cache of observation files (``kpi.cache``): a file read again with the same text comes
from the cache, anything else is parsed and validated; the cache is never the project's data,
and a cache that is damaged, from other code or impossible to write changes nothing a user sees."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import kpi.store
from kpi import cache
from kpi.cache import cache_enabled, cache_folder, cache_path
from kpi.cli import app
from kpi.errors import KpiError
from kpi.store import load_project, read_project

SHIPPED = Path(__file__).resolve().parent.parent / "kpi" / "templates" / "haiphong"
HIGH_TECH = Path("observations") / "high_tech_share.toml"


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(root), *args], catch_exceptions=False)


def files(root: Path) -> int:
    """How many observation files the project at ``root`` has."""
    return len(list((root / "observations").glob("*.toml")))


def digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, the cache on."""
    chosen = tmp_path / "cache"
    monkeypatch.setenv("KPI_CACHE", "on")
    monkeypatch.setenv("KPI_CACHE_DIR", str(chosen))
    return chosen


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    project = tmp_path / "city"
    shutil.copytree(SHIPPED, project)
    return project


@pytest.fixture()
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The observation files parsed (not taken from the cache), in the order they were."""
    parsed: list[Path] = []
    real = kpi.store._read_observation_file

    def counting(text: Any, display: Path, indicator: Any) -> Any:
        parsed.append(display)
        return real(text, display, indicator)

    monkeypatch.setattr(kpi.store, "_read_observation_file", counting)
    return parsed


def test_a_project_read_again_comes_from_the_cache_and_is_the_same(
    root: Path, folder: Path, parses: list[Path]
) -> None:
    first = load_project(root, cached=True)
    assert len(parses) == files(root) > 0
    second = load_project(root, cached=True)

    assert len(parses) == files(root)  # nothing parsed the second time
    assert second.observations == first.observations
    assert second.observations == load_project(root).observations  # without the cache
    for indicator, origins in first.observation_origins.items():
        assert dict(second.observation_origins[indicator]) == dict(origins)
    assert [p.name for p in folder.iterdir()] == [cache_path(folder, root).name]


def test_status_is_the_same_from_the_cache_and_the_project_is_untouched(
    root: Path, folder: Path
) -> None:
    before = digests(root)
    cold = run(root, "status", "--format", "json", "--as-of", "2026")
    warm = run(root, "status", "--format", "json", "--as-of", "2026")

    assert (cold.exit_code, warm.exit_code) == (0, 0)
    assert warm.stdout == cold.stdout
    assert (cold.stderr, warm.stderr) == ("", "")
    assert cache_path(folder, root).is_file()
    assert digests(root) == before  # nothing written in the project


def test_a_changed_file_is_read_again_even_with_the_same_size_and_time(
    root: Path, folder: Path, parses: list[Path]
) -> None:
    path = root / HIGH_TECH
    load_project(root, cached=True)
    info = path.stat()
    text = path.read_text("utf-8")
    path.write_text(text.replace("value = 53.39", "value = 53.93"), "utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    parses.clear()

    values = {
        o.year: o.value for o in load_project(root, cached=True).observations["high_tech_share"]
    }

    assert parses == [HIGH_TECH]  # only the changed file
    assert values[2022] == 53.93


def test_bounds_from_targets_apply_to_observations_from_the_cache(
    root: Path, folder: Path, parses: list[Path]
) -> None:
    """The bounds are in targets.toml: narrowed after a read, they refuse a cached value, on the
    line of its file where it is written."""
    load_project(root, cached=True)
    targets = root / "targets.toml"
    text = targets.read_text("utf-8")
    high_tech = text.index("[indicators.high_tech_share]")
    narrowed = text[high_tech:].replace("bounds = [0, 100]", "bounds = [20, 100]", 1)
    targets.write_text(text[:high_tech] + narrowed, "utf-8")
    parses.clear()

    with pytest.raises(KpiError) as raised:
        load_project(root, cached=True)

    assert parses == []  # from the cache
    located = [(p.file, p.line, p.key) for p in raised.value.problems]
    lines = (root / HIGH_TECH).read_text("utf-8").splitlines()
    assert located == [(HIGH_TECH, lines.index("value = 16.4") + 1, "observations[0].value")]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # torn
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"",
        lambda data: b"not a cache at all",
        lambda data: data[:16] + b"\x00" * (len(data) - 16),
    ],
    ids=["torn", "bit-flipped", "empty", "garbage", "zeroed"],
)
def test_a_damaged_cache_is_left_aside_and_written_anew(
    root: Path, folder: Path, parses: list[Path], damage: Any
) -> None:
    expected = load_project(root).observations
    load_project(root, cached=True)
    path = cache_path(folder, root)
    path.write_bytes(damage(path.read_bytes()))
    parses.clear()

    assert load_project(root, cached=True).observations == expected
    assert len(parses) == files(root)  # every file parsed again
    parses.clear()
    assert load_project(root, cached=True).observations == expected
    assert parses == []  # and the cache whole again


def test_a_cache_written_by_other_code_is_left_aside(
    root: Path, folder: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_project(root, cached=True)
    parses.clear()
    monkeypatch.setattr(cache, "fingerprint", lambda: ("another kpi",))

    load_project(root, cached=True)

    assert len(parses) == files(root)


def test_the_fingerprint_changes_with_the_code_that_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = cache.fingerprint()
    model = Path(cache.__file__).with_name("model.py")
    info = model.stat()
    try:
        os.utime(model, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
        assert cache.fingerprint() != before
    finally:
        os.utime(model, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cache.fingerprint() == before


def test_revisions_come_back_from_the_cache_with_their_dates(root: Path, folder: Path) -> None:
    result = run(
        root, "record", "--replace", "--source", "Corrected release", "high_tech_share",
        "2022", "53.4",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    fresh = load_project(root).observations["high_tech_share"]
    assert any(o.revisions for o in fresh)

    load_project(root, cached=True)
    assert load_project(root, cached=True).observations["high_tech_share"] == fresh


def test_a_file_with_a_problem_is_not_kept_and_its_problem_is_reported_every_time(
    root: Path, folder: Path, parses: list[Path]
) -> None:
    load_project(root, cached=True)
    path = root / HIGH_TECH
    path.write_text(path.read_text("utf-8").replace("value = 53.39", "value = nan"), "utf-8")
    problems = []
    for _ in range(2):
        parses.clear()
        _project, found = read_project(root, cached=True)
        problems.append([(p.file, p.line, p.key) for p in found])
        assert parses == [HIGH_TECH]  # parsed each time: never kept
    assert problems[0] == problems[1] != []


def test_commands_that_write_data_read_it_afresh(root: Path, folder: Path) -> None:
    result = run(root, "record", "--source", "Yearbook 2025", "high_tech_share", "2025", "61")
    assert result.exit_code == 0, result.stderr
    assert not folder.exists()  # neither read nor written by record

    assert run(root, "validate").exit_code == 0
    assert cache_path(folder, root).is_file()


def test_the_cache_is_off_with_kpi_cache_off(
    root: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_CACHE", "off")
    assert run(root, "status", "--as-of", "2026").exit_code == 0
    assert not folder.exists()


def test_the_cache_is_on_by_default_except_where_ci_is_set() -> None:
    assert cache_enabled({})
    assert not cache_enabled({"CI": "true"})
    assert cache_enabled({"CI": "true", "KPI_CACHE": "on"})
    assert not cache_enabled({"KPI_CACHE": "OFF"})
    assert cache_enabled({"KPI_CACHE": "whatever"})  # not a setting: the default
    assert not cache_enabled({"KPI_CACHE": "whatever", "CI": "1"})


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        (
            "win32",
            {"LOCALAPPDATA": r"C:\Users\lan\AppData\Local"},
            r"C:\Users\lan\AppData\Local/kpi/Cache",
        ),
        ("win32", {}, None),
        ("darwin", {"HOME": "/Users/lan"}, "/Users/lan/Library/Caches/kpi"),
        ("linux", {"HOME": "/home/lan"}, "/home/lan/.cache/kpi"),
        ("linux", {"HOME": "/home/lan", "XDG_CACHE_HOME": "/var/cache/lan"}, "/var/cache/lan/kpi"),
        ("linux", {}, None),
        ("linux", {"KPI_CACHE_DIR": "/srv/kpi-cache", "HOME": "/home/lan"}, "/srv/kpi-cache"),
    ],
)
def test_the_cache_folder_is_the_users_own_on_each_system(
    monkeypatch: pytest.MonkeyPatch, platform: str, environ: dict[str, str], expected: str | None
) -> None:
    monkeypatch.setattr(cache.sys, "platform", platform)
    found = cache_folder(environ)
    assert (None if found is None else found.as_posix()) == (
        None if expected is None else Path(expected).as_posix()
    )


def test_a_cache_that_cannot_be_written_is_no_reason_to_fail(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x", "utf-8")
    monkeypatch.setenv("KPI_CACHE", "on")
    monkeypatch.setenv("KPI_CACHE_DIR", str(blocked / "cache"))
    expected = run(root, "status", "--format", "json", "--as-of", "2026")

    assert expected.exit_code == 0
    assert expected.stderr == ""
    monkeypatch.setenv("KPI_CACHE", "off")
    assert run(root, "status", "--format", "json", "--as-of", "2026").stdout == expected.stdout


def test_a_replace_refused_as_windows_refuses_it_leaves_no_temporary_file(
    root: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file another process has open (a second kpi reading the
    cache): the cache is then not written, and the command goes on."""

    def sharing_violation(source: str, destination: str) -> None:
        error = PermissionError(13, "The process cannot access the file")
        error.winerror = 32  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(cache.os, "replace", sharing_violation)
    result = run(root, "status", "--format", "json", "--as-of", "2026")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert list(folder.iterdir()) == []  # the temporary file removed


def test_an_install_without_module_sources_reads_without_the_cache(
    root: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a validating module has no file to look at (an install of bytecode only, a zip), the
    code has no fingerprint: the cache is off, and the project is read as without it."""
    monkeypatch.setattr(cache, "_CODE", (*cache._CODE, "not-installed.py"))

    assert cache.fingerprint() is None
    assert load_project(root, cached=True).observations == load_project(root).observations
    assert not folder.exists()
