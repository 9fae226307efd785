"""``kpi import`` is a transaction: killed, interrupted or out of disk at any point, the project is
wholly as before or wholly as after once the next command has run.

A ``sitecustomize`` installed for the child process counts the calls that put bytes on disk
(``os.fsync``, ``os.replace``, ``os.unlink``) and, at the N-th, kills the process (SIGKILL),
interrupts it (SIGINT), stops it (SIGTERM) or fails it as a full disk would (``ENOSPC``). A first
run counts the calls of a whole import; the faults are then injected at points spread over them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kpi
from kpi.lock import LOCK_FILE
from kpi.template import create_project

CHECKOUT = Path(kpi.__file__).resolve().parent.parent
KPI = [sys.executable, "-c", "from kpi.cli import main; main()"]
INDICATORS = 120
SIGNALLED = {"sigint": (130, "interrupted"), "sigterm": (143, "terminated")}

FAULTS = textwrap.dedent(
    """
    # Installed as sitecustomize by tests/test_transactions.py.
    import atexit, errno, os, signal
    _plan = os.environ.get("KPI_TEST_FAULT", "")
    _mode, _, _at = _plan.partition(":")
    _calls = 0

    def _hook(real):
        def hooked(*args, **kwargs):
            global _calls
            _calls += 1
            if _mode != "count" and _calls == int(_at):
                if _mode == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if _mode == "sigint":
                    os.kill(os.getpid(), signal.SIGINT)
                if _mode == "sigterm":
                    os.kill(os.getpid(), signal.SIGTERM)
                if _mode == "enospc":
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(*args, **kwargs)
        return hooked

    if _mode:
        os.fsync = _hook(os.fsync)
        os.replace = _hook(os.replace)
        os.unlink = _hook(os.unlink)
        if _mode == "count":
            atexit.register(lambda: open(_at, "w").write(str(_calls)))
    """
)


def digests(root: Path) -> dict[str, str]:
    """The project's data files (what git would commit: no lock, temporary or journal file)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith((LOCK_FILE, ".kpi-"))
    }


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A project of ``INDICATORS`` indicators with one observation each, an import that adds a
    year to every one of them (one file changed per indicator), and the sitecustomize folder."""
    base = tmp_path_factory.mktemp("transaction")
    root = base / "city"
    create_project(root, blank=True)
    definitions = "".join(
        f'\n[indicators.i{n}]\nname = "Indicator {n}"\nkind = "level"\nunit = "%"\n'
        for n in range(INDICATORS)
    )
    (root / "targets.toml").write_text(
        (root / "targets.toml").read_text("utf-8") + definitions, encoding="utf-8"
    )
    for n in range(INDICATORS):
        (root / "observations" / f"i{n}.toml").write_text(
            f'[[observations]]\nyear = 2023\nvalue = {n}.5\nsource = "Yearbook 2023"\n', "utf-8"
        )
    table = base / "yearbook.csv"
    rows = "".join(f"i{n},2024,{n}.75,Yearbook 2024\n" for n in range(INDICATORS))
    table.write_text("indicator,year,value,source\n" + rows, encoding="utf-8")
    site = base / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAULTS, encoding="utf-8")
    return root, table, site


def run(root: Path, site: Path, *args: str, fault: str = "") -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(site), str(CHECKOUT)])
    environment["KPI_TEST_FAULT"] = fault
    return subprocess.run(
        [*KPI, "--project", str(root), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of(root: Path, into: Path) -> Path:
    import shutil

    shutil.copytree(root, into)
    return into


@pytest.fixture(scope="module")
def outcomes(
    scene: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, str], dict[str, str], int]:
    """The project's files before and after a clean import, and how many calls it makes."""
    root, table, site = scene
    work = copy_of(root, tmp_path_factory.mktemp("clean") / "city")
    counter = work.parent / "calls"
    before = digests(work)
    imported = run(work, site, "import", str(table), fault=f"count:{counter}")
    assert imported.returncode == 0, imported.stderr
    after = digests(work)
    assert before != after
    return before, after, int(counter.read_text())


def points(total: int, count: int = 9) -> list[int]:
    """``count`` call numbers spread over 1..``total``, first and last included."""
    return sorted({1 + round(i * (total - 1) / (count - 1)) for i in range(count)})


def test_the_fault_injection_counts_the_writes_of_an_import(
    outcomes: tuple[dict[str, str], dict[str, str], int],
) -> None:
    # At least one fsync and one replace per file changed: the injection really sees them.
    assert outcomes[2] >= 2 * INDICATORS


@pytest.mark.parametrize("mode", ["kill", "sigint", "sigterm", "enospc"])
def test_a_fault_at_any_point_leaves_the_import_whole_or_absent(
    scene: tuple[Path, Path, Path],
    outcomes: tuple[dict[str, str], dict[str, str], int],
    tmp_path: Path,
    mode: str,
) -> None:
    root, table, site = scene
    before, after, total = outcomes
    seen = set()
    for at in points(total):
        work = copy_of(root, tmp_path / f"{mode}-{at}")
        faulted = run(work, site, "import", str(table), fault=f"{mode}:{at}")
        assert "Traceback" not in faulted.stderr
        if mode == "enospc":
            assert faulted.returncode in (0, 2), faulted.stderr
        if mode in ("sigint", "sigterm"):
            code, word = SIGNALLED[mode]
            assert faulted.returncode in (0, code), faulted.stderr
            if faulted.returncode == code:
                assert word in faulted.stderr
                assert "import" in faulted.stderr  # what happened to it
        if faulted.returncode == 2 and "committed" in faulted.stderr:
            assert "run any kpi command" in faulted.stderr  # which finishes it
        elif faulted.returncode == 2:
            assert "nothing was written" in faulted.stderr, faulted.stderr
            assert digests(work) == before
        following = run(work, site, "validate")
        assert following.returncode == 0, following.stderr
        state = digests(work)
        assert state in (before, after), f"{mode} at call {at}: a partial import"
        seen.add("after" if state == after else "before")
        leftovers = [p.name for p in work.rglob(".kpi-*")]
        assert leftovers == [], leftovers
    if mode == "kill":
        assert seen == {"before", "after"}  # the points reach both sides of the commit


def test_a_killed_import_is_finished_by_the_next_writer_and_says_so(
    scene: tuple[Path, Path, Path],
    outcomes: tuple[dict[str, str], dict[str, str], int],
    tmp_path: Path,
) -> None:
    root, table, site = scene
    _before, after, total = outcomes
    # The last calls put the files in place: a kill there leaves a journal to finish.
    work = copy_of(root, tmp_path / "late")
    run(work, site, "import", str(table), fault=f"kill:{total - 2}")
    recorded = run(work, site, "record", "i0", "2025", "1", "--source", "s")
    assert recorded.returncode == 0, recorded.stderr
    assert "finished an interrupted import" in recorded.stderr
    state = digests(work)
    state.pop("observations/i0.toml")
    expected = dict(after)
    expected.pop("observations/i0.toml")
    assert state == expected


def test_temporary_and_journal_files_are_ignored_by_git(tmp_path: Path) -> None:
    root = tmp_path / "city"
    create_project(root, blank=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name in (".kpi-journal.json", "observations/.kpi-tmp-x.toml", ".kpi.lock"):
        (root / name).write_text("", encoding="utf-8")
    ignored = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ".kpi-" not in ignored and ".kpi.lock" not in ignored, ignored
