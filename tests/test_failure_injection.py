"""Failure injection: a writer that dies or fails mid-write never damages the data.

``kpi.writing.write_atomically`` writes a temporary file beside the target, fsyncs it and
``os.replace``s it over the target. These tests kill writers at each step (``os._exit``,
``SIGKILL`` from inside and from another process, in the middle of ``write``), make each step
fail with the ``OSError`` a full disk or a read-only folder gives, and check that the old file is
byte-identical, the project still valid, no temporary file is left when the writer survived, and
that a user sees one clear error and exit code 2, never a traceback.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import kpi
from kpi.cli import app
from kpi.errors import KpiError
from kpi.store import read_project
from kpi.writing import TEMPORARY_PREFIX, write_atomically

TARGETS = """\
[project]
name = "Failure City"

[indicators.lvl]
name = "A level"
kind = "level"
unit = "%"
bounds = [0, 100]

[[indicators.lvl.targets]]
id = "lvl_above_70"
comparator = ">"
value = 70
year = 2030
"""

OLD = """\
[[observations]]
year = 2022
value = 50.5
source = "Statistics Office"

[[observations]]
year = 2023
value = 55
status = "E"
source = "Statistics Office"
"""

# Large enough that a write is really cut in half, small enough to stay fast.
NEW = "".join(
    f'[[observations]]\nyear = {1900 + i}\nvalue = {i % 100}\nsource = "new {"x" * 200}"\n\n'
    for i in range(150)
)

REPO = Path(kpi.__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "observations").mkdir(parents=True)
    (root / "targets.toml").write_text(TARGETS, encoding="utf-8")
    (root / "observations" / "lvl.toml").write_text(OLD, encoding="utf-8")
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def temporary_files(folder: Path) -> set[str]:
    """The temporary files ``write_atomically`` makes: ``.kpi-tmp-<name>.<random>``."""
    return {name for name in listing(folder) if name.startswith(TEMPORARY_PREFIX)}


def assert_old_project_intact(root: Path) -> None:
    """``observations/lvl.toml`` is byte-identical to ``OLD`` and the project is valid."""
    assert (root / "observations" / "lvl.toml").read_text(encoding="utf-8") == OLD
    loaded, problems = read_project(root)
    assert problems == [], [str(p) for p in problems]
    assert loaded is not None
    assert [o.year for o in loaded.observations["lvl"]] == [2022, 2023]


def record(root: Path, *extra: str, year: str = "2024") -> list[str]:
    return ["--project", str(root), "record", "--source", "s", *extra, "--", "lvl", year, "60"]


def invoke(args: list[str]) -> Result:
    """Run ``kpi`` in-process, catching a crash so the test can inspect the files first."""
    return CliRunner().invoke(app, args, catch_exceptions=True)


def assert_clean_refusal(result: Result) -> None:
    """Exit 2 with an ``error:`` line on stderr naming the observation file; no crash."""
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    assert crash is None, f"kpi crashed with {crash!r}; a user would see a traceback"
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "error:" in result.stderr
    assert "lvl.toml" in result.stderr or "observations" in result.stderr, result.stderr


def run_python(code: str, *args: str, cwd: Path, stdin: Any = None) -> subprocess.Popen[str]:
    """Start ``python -c code args`` with this checkout's ``kpi`` importable."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    environment.pop("KPI_PROJECT", None)
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=environment,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )


# ---------------------------------------------------------------------------------------------
# A writer killed mid-write, in a separate process.

# The child patches one step of write_atomically so the process dies there, or signals the
# parent (by creating the marker file) and sleeps until the parent kills it.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path

    mode, target, marker = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    text = sys.stdin.read()

    def die(*args, **kwargs):
        if mode.startswith("exit"):
            os._exit(1)
        os.kill(os.getpid(), signal.SIGKILL)

    def wait_to_be_killed():
        marker.write_text("ready")
        time.sleep(120)
        os._exit(3)  # not killed: the parent failed

    real_fsync = os.fsync
    if mode == "exit-in-fsync":
        os.fsync = die
    elif mode in ("sigkill-in-replace", "record-sigkill-in-replace"):
        os.replace = die
    elif mode == "killed-before-replace":
        def fsync_then_wait(fd):
            real_fsync(fd)
            wait_to_be_killed()
        os.fsync = fsync_then_wait
    elif mode == "killed-mid-write":
        real_write = os.write
        def write_half_then_wait(fd, data):
            real_write(fd, bytes(data[: len(data) // 2]))
            real_fsync(fd)
            wait_to_be_killed()
        os.write = write_half_then_wait

    if mode.startswith("record"):
        from kpi.cli import main
        sys.argv = ["kpi", "--project", str(target.parent.parent), "record", "--source", "s",
                    "--", "lvl", "2024", "60"]
        main()
    else:
        from kpi.writing import write_atomically
        write_atomically(target, text)
    os._exit(4)  # the writer was meant to die
    """
)


def wait_for(marker: Path, child: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert child.poll() is None, child.communicate()[1]
        assert time.monotonic() < deadline, "the child never reached the write"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "mode",
    [
        "exit-in-fsync",
        "sigkill-in-replace",
        "killed-before-replace",
        "killed-mid-write",
        "record-sigkill-in-replace",
    ],
)
def test_a_writer_killed_mid_write_leaves_the_old_file_intact(
    project: Path, tmp_path: Path, mode: str
) -> None:
    target = project / "observations" / "lvl.toml"
    marker = tmp_path / "marker"
    (tmp_path / "new.txt").write_text(NEW, encoding="utf-8")
    with open(tmp_path / "new.txt", encoding="utf-8") as new_text:
        child = run_python(CHILD, mode, str(target), str(marker), cwd=tmp_path, stdin=new_text)
        if mode.startswith("killed"):
            wait_for(marker, child)
            # Caught in the act: the old file is whole while a partial new one exists beside it.
            assert target.read_text(encoding="utf-8") == OLD
            [partial] = temporary_files(target.parent)
            written = (target.parent / partial).read_text(encoding="utf-8")
            assert 0 < len(written) <= len(NEW) and NEW.startswith(written)
            child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=60)
    # Died where it was meant to: os._exit(1) or SIGKILL, not an exception (which also exits 1).
    expected = 1 if mode.startswith("exit") else -signal.SIGKILL
    assert (child.returncode, stderr) == (expected, ""), (child.returncode, stderr)
    # The writer died inside write_atomically: after making its temporary file, before replacing.
    assert len(temporary_files(target.parent)) == 1

    assert_old_project_intact(project)
    # A leftover temporary file (the writer had no chance to remove it) never breaks the project.
    assert listing(target.parent) - temporary_files(target.parent) == {"lvl.toml"}
    validated = CliRunner().invoke(app, ["--project", str(project), "validate"])
    assert validated.exit_code == 0, validated.stderr
    # The killed writer's lock died with it: the next writer goes ahead.
    again = CliRunner().invoke(app, record(project), catch_exceptions=False)
    assert again.exit_code == 0, again.stderr
    loaded, problems = read_project(project)
    assert problems == [] and loaded is not None
    assert [o.year for o in loaded.observations["lvl"]] == [2022, 2023, 2024]


# ---------------------------------------------------------------------------------------------
# A step of the write fails in-process (os.replace, fsync, write), as on a full or broken disk.


def _failing_write(real_write: Any) -> Any:
    """``os.write`` that fails as on a full disk, after writing a little."""

    def write(descriptor: int, data: bytes) -> int:
        real_write(descriptor, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def _raise(number: int) -> Callable[..., Any]:
    def fail(*args: object, **kwargs: object) -> Any:
        raise OSError(number, os.strerror(number))

    return fail


def _break_step(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    if step == "replace":
        monkeypatch.setattr(os, "replace", _raise(errno.EIO))
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", _raise(errno.ENOSPC))
    elif step == "write":
        monkeypatch.setattr(os, "write", _failing_write(os.write))
    elif step == "interrupt":  # Ctrl-C between fsync and replace

        def interrupt(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(os, "replace", interrupt)


STEPS = ["replace", "fsync", "write", "interrupt"]


@pytest.mark.parametrize("step", STEPS)
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = project / "observations" / "lvl.toml"
    before = digest(target), listing(target.parent)
    _break_step(monkeypatch, step)
    # Today an OSError; a KpiError naming the file is what the CLI needs (see the test below).
    with pytest.raises((OSError, KpiError, KeyboardInterrupt)):
        write_atomically(target, NEW)
    monkeypatch.undo()
    assert (digest(target), listing(target.parent)) == before
    assert temporary_files(target.parent) == set()
    assert_old_project_intact(project)


@pytest.mark.parametrize("step", ["replace", "fsync", "write"])
def test_record_reports_a_failed_write_as_a_clean_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    folder = project / "observations"
    before = digest(folder / "lvl.toml"), listing(folder)
    _break_step(monkeypatch, step)
    result = invoke(record(project))
    monkeypatch.undo()
    assert (digest(folder / "lvl.toml"), listing(folder)) == before
    assert_old_project_intact(project)
    assert_clean_refusal(result)


def test_record_with_a_failing_replace_prints_no_traceback_in_a_real_process(
    project: Path, tmp_path: Path
) -> None:
    code = textwrap.dedent(
        """
        import errno, os, sys
        def fail(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.replace = fail
        from kpi.cli import main
        sys.argv = ["kpi", *sys.argv[1:]]
        main()
        """
    )
    folder = project / "observations"
    before = digest(folder / "lvl.toml"), listing(folder)
    child = run_python(code, *record(project), cwd=tmp_path)
    _, stderr = child.communicate(timeout=60)
    assert (digest(folder / "lvl.toml"), listing(folder)) == before
    assert "Traceback" not in stderr, stderr
    assert child.returncode == 2, stderr
    assert "error:" in stderr


# ---------------------------------------------------------------------------------------------
# A read-only observations folder.
#
# chmod 0o555 stops an ordinary user but not root, and CI runs as root. So the test makes the
# folder read-only in ways that hold for root too:
# - "immutable": root: `chattr +i`, which the kernel enforces even for root (needs
#   CAP_LINUX_IMMUTABLE and a file system with the attribute; skipped where unavailable);
# - "simulated": anyone, always run: os.open, os.mkdir and os.replace refuse to create anything in
#   the folder with the PermissionError the kernel gives (EACCES), so kpi's own code path
#   (os.open in write_atomically) meets exactly that error, as root too.


@pytest.fixture
def immutable(project: Path) -> Iterator[Path]:
    folder = project / "observations"
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    made = subprocess.run([chattr, "+i", str(folder)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {made.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def _refuse_creation_in(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real_open, real_mkdir, real_replace = os.open, os.mkdir, os.replace

    def inside(path: Any) -> bool:
        return Path(os.fsdecode(path)).resolve().parent == folder.resolve()

    def refuse(path: Any) -> OSError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def guarded_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR) and inside(path):
            raise refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if inside(path):
            raise refuse(path)
        real_mkdir(path, *args, **kwargs)

    def guarded_replace(source: Any, destination: Any, *args: Any, **kwargs: Any) -> None:
        if inside(destination):
            raise refuse(destination)
        real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    monkeypatch.setattr(os, "replace", guarded_replace)


def test_an_immutable_folder_gives_a_clean_error_even_as_root(
    project: Path, tmp_path: Path, immutable: Path
) -> None:
    before = digest(immutable / "lvl.toml"), listing(immutable)
    child = run_python("from kpi.cli import main; main()", *record(project), cwd=tmp_path)
    _, stderr = child.communicate(timeout=60)
    assert (digest(immutable / "lvl.toml"), listing(immutable)) == before
    assert "Traceback" not in stderr, stderr
    assert child.returncode == 2, stderr
    assert "error:" in stderr


def test_a_read_only_folder_gives_a_clean_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project / "observations"
    before = digest(folder / "lvl.toml"), listing(folder)
    _refuse_creation_in(monkeypatch, folder)
    result = invoke(record(project))
    monkeypatch.undo()
    assert (digest(folder / "lvl.toml"), listing(folder)) == before
    assert_old_project_intact(project)
    assert_clean_refusal(result)


def test_reading_and_a_no_op_record_work_in_a_read_only_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recording an identical observation writes nothing, so a read-only folder does not matter.
    _refuse_creation_in(monkeypatch, project / "observations")
    same = [
        "--project",
        str(project),
        "record",
        "--status",
        "E",
        "--source",
        "Statistics Office",
        "--",
        "lvl",
        "2023",
        "55",
    ]
    for args in (same, ["--project", str(project), "validate"]):
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    monkeypatch.undo()
    assert_old_project_intact(project)
