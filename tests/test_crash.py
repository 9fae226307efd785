"""A crash is not a verdict: how kpi ends when something other than the user's data goes wrong.

A bug in kpi (an unexpected exception) exits 70 with one line on stderr saying so and how to
report it, the traceback only with ``--debug`` or ``KPI_DEBUG=1``; Ctrl-C exits 130 with the one
line ``interrupted``; a reader that closed the pipe ends kpi silently with 141; a standard output
that cannot be written (``/dev/full``) exits 2 with one line naming stdout. ``check``'s verdict
(1) and user errors (2) are unchanged. The bugs are injected in-process (``CliRunner``) and in a
real process running ``kpi.cli.main``, where the interpreter's own flush of stdout at exit is
part of what is tested. Every test checks stdout, stderr and the exit code separately.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kpi
from kpi.cli import app
from kpi.cli.common import (
    EXIT_BUG,
    EXIT_CLOSED_PIPE,
    EXIT_DATA_ERROR,
    EXIT_INTERRUPTED,
    debug_requested,
    is_closed_pipe,
    is_stream_failure,
)

REPO = Path(kpi.__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"
STATUS = ("status", "--as-of", "2026")
BUG_WORDS = ("bug in kpi", "--debug")
EXTRA_INDICATORS = 300  # enough for outputs of several hundred kilobytes, far beyond a pipe's


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KPI_PROJECT", "KPI_LANG", "KPI_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped project."""
    return Path(shutil.copytree(TEMPLATE, tmp_path / "project"))


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project with ``EXTRA_INDICATORS`` more indicators, each with a target and
    eight years of observations: ``status --format json`` prints about 200 kB."""
    root = Path(shutil.copytree(TEMPLATE, tmp_path_factory.mktemp("big") / "project"))
    extra = []
    for i in range(EXTRA_INDICATORS):
        name = f"extra_{i:03d}"
        extra.append(
            f'\n[indicators.{name}]\nname = "Extra indicator {i}"\nkind = "level"\n'
            f'unit = "%"\nbounds = [0, 100]\n\n[[indicators.{name}.targets]]\n'
            f'id = "{name}_above_70"\ncomparator = ">"\nvalue = 70\nyear = 2030\n'
        )
        observations = "".join(
            f"[[observations]]\nyear = {year}\nvalue = {40 + (i + year) % 20}\n"
            'source = "Statistics Office"\n\n'
            for year in range(2018, 2026)
        )
        (root / "observations" / f"{name}.toml").write_text(observations, encoding="utf-8")
    with (root / "targets.toml").open("a", encoding="utf-8") as targets:
        targets.write("".join(extra))
    return root


def invoke(*args: object, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Assessing a project raises ``RuntimeError("boom")``, as a bug in the core would."""
    raising(monkeypatch, RuntimeError("boom"))


def raising(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Assessing a project raises ``error``."""

    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr("kpi.cli.common.assess_project", fail)


def assert_one_bug_line(stderr: str) -> str:
    """``stderr`` is one line saying it is a bug in kpi and how to report it; return it."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert all(word in lines[0] for word in BUG_WORDS), lines[0]
    assert "Traceback" not in stderr
    return lines[0]


# -- a bug, in-process ---------------------------------------------------------------------------


@pytest.mark.usefixtures("crashing")
def test_a_bug_exits_70_with_one_line_naming_it_and_no_traceback(project: Path) -> None:
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_BUG == 70
    assert result.stdout == ""
    line = assert_one_bug_line(result.stderr)
    assert "RuntimeError: boom" in line


@pytest.mark.usefixtures("crashing")
@pytest.mark.parametrize("placement", ["before", "after"])
def test_debug_before_or_after_the_command_shows_the_traceback(
    project: Path, placement: str
) -> None:
    args = ["--debug", *STATUS] if placement == "before" else [*STATUS, "--debug"]
    result = invoke("--project", project, *args)

    assert result.exit_code == EXIT_BUG
    assert result.stdout == ""
    assert result.stderr.startswith("Traceback (most recent call last):"), result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert all(word in result.stderr.splitlines()[-1] for word in BUG_WORDS)


@pytest.mark.usefixtures("crashing")
@pytest.mark.parametrize(
    ("value", "shown"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_kpi_debug_shows_the_traceback_unless_empty_or_0(
    project: Path, value: str, shown: bool
) -> None:
    result = invoke("--project", project, *STATUS, env={"KPI_DEBUG": value})

    assert result.exit_code == EXIT_BUG
    assert result.stdout == ""
    assert ("Traceback" in result.stderr) is shown, result.stderr
    assert all(word in result.stderr.splitlines()[-1] for word in BUG_WORDS)


def test_the_bug_line_has_no_control_characters_and_is_short(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising(monkeypatch, ValueError("first\nsecond\x1b[31m\tthird\u202e" + "x" * 5000))
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_BUG
    assert result.stdout == ""
    line = assert_one_bug_line(result.stderr)
    assert "ValueError: first second [31m third" in line
    assert all(c.isprintable() for c in line), repr(line)
    assert "x" * 300 not in line and "..." in line
    assert len(line) < 500


def test_an_exception_of_a_library_is_named_with_its_module(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising(monkeypatch, subprocess.TimeoutExpired("x", 1))
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_BUG
    assert result.stdout == ""
    assert "subprocess.TimeoutExpired: " in assert_one_bug_line(result.stderr)


def test_an_os_error_naming_a_file_is_a_bug_not_a_failing_stdout(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising(monkeypatch, FileNotFoundError(errno.ENOENT, "No such file", "somewhere.toml"))
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_BUG
    assert result.stdout == ""
    assert "somewhere.toml" in assert_one_bug_line(result.stderr)


@pytest.mark.usefixtures("crashing")
def test_the_bug_line_follows_lang(project: Path) -> None:
    english = invoke("--project", project, *STATUS)
    vietnamese = invoke("--project", project, *STATUS, "--lang", "vi")

    assert english.exit_code == vietnamese.exit_code == EXIT_BUG
    assert vietnamese.stdout == ""
    lines = vietnamese.stderr.splitlines()
    assert len(lines) == 1 and "RuntimeError: boom" in lines[0] and "--debug" in lines[0]
    assert lines[0] != english.stderr.strip()
    assert "lỗi" in lines[0]


# -- what is not a bug keeps its exit code -------------------------------------------------------


@pytest.mark.usefixtures("crashing")
def test_a_user_error_still_exits_2_before_the_bug_is_reached(tmp_path: Path) -> None:
    result = invoke("--project", tmp_path / "nowhere", *STATUS)

    assert result.exit_code == EXIT_DATA_ERROR == 2
    assert result.stdout == ""
    assert "error: no targets.toml" in result.stderr
    assert "bug" not in result.stderr


def test_check_failing_on_a_target_still_exits_1(project: Path) -> None:
    result = invoke("--project", project, "check", "--as-of", "2026", "--fail-on", "at_risk")

    assert result.exit_code == 1
    assert result.stdout
    assert "bug" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.usefixtures("crashing")
def test_usage_errors_and_help_keep_their_meaning(project: Path) -> None:
    unknown = invoke("--project", project, "status", "--no-such-option")
    helped = invoke("status", "--help")
    debug_help = invoke("--debug", "status", "--help")

    assert unknown.exit_code == 2
    assert unknown.stdout == ""
    assert "No such option" in unknown.stderr and "bug" not in unknown.stderr
    assert helped.exit_code == debug_help.exit_code == 0
    assert "--debug" in helped.stdout and "KPI_DEBUG=1" in helped.stdout
    assert helped.stdout == debug_help.stdout
    assert helped.stderr == debug_help.stderr == ""


def test_debug_is_listed_in_the_help_of_the_program(project: Path) -> None:
    result = invoke("--help")

    assert result.exit_code == 0
    assert "--debug" in result.stdout
    assert result.stderr == ""


def test_debug_without_a_bug_changes_nothing(project: Path) -> None:
    plain = invoke("--project", project, *STATUS, "--format", "json")
    debugged = invoke("--debug", "--project", project, *STATUS, "--format", "json", "--debug")

    assert plain.exit_code == debugged.exit_code == 0
    assert plain.stdout == debugged.stdout != ""
    assert plain.stderr == debugged.stderr == ""


# -- Ctrl-C and standard output, in-process ------------------------------------------------------


def test_ctrl_c_exits_130_with_one_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raising(monkeypatch, KeyboardInterrupt())
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_INTERRUPTED == 130
    assert result.stdout == ""
    assert result.stderr == "interrupted\n"


def test_a_closed_pipe_exits_141_silently(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raising(monkeypatch, BrokenPipeError(errno.EPIPE, "Broken pipe"))
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_CLOSED_PIPE == 141
    assert result.stdout == ""
    assert result.stderr == ""


def test_a_full_stdout_exits_2_with_one_line_naming_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    result = invoke("--project", project, *STATUS)

    assert result.exit_code == EXIT_DATA_ERROR
    assert result.stdout == ""
    assert result.stderr == (
        "error: cannot write to standard output (stdout): No space left on device\n"
    )


# -- the rules, directly -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "platform", "closed"),
    [
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), "linux", True),
        (OSError(errno.EPIPE, "Broken pipe"), "darwin", True),
        (OSError(errno.EINVAL, "Invalid argument"), "win32", True),  # how Windows says it
        (OSError(errno.EINVAL, "Invalid argument"), "linux", False),
        (OSError(errno.EPIPE, "Broken pipe", "a.toml"), "linux", False),  # about a file
        (OSError(errno.ENOSPC, "No space left on device"), "linux", False),
        (RuntimeError("broken pipe"), "linux", False),
    ],
)
def test_what_counts_as_a_closed_pipe(error: BaseException, platform: str, closed: bool) -> None:
    assert is_closed_pipe(error, platform) is closed


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EIO, "Input/output error"), True),
        (OSError(errno.EBADF, "Bad file descriptor"), True),
        (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), True),
        (OSError(errno.ENOSPC, "No space left on device", "a.toml"), False),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
        (OSError("no errno"), False),
        (ValueError("I/O operation on closed file"), False),
    ],
)
def test_what_counts_as_a_failing_stream(error: BaseException, failure: bool) -> None:
    assert is_stream_failure(error) is failure


@pytest.mark.parametrize(
    ("argv", "environ", "wanted"),
    [
        (["--debug", "status"], {}, True),
        (["status", "--as-of", "2026", "--debug"], {}, True),
        (["status"], {"KPI_DEBUG": "1"}, True),
        (["status"], {"KPI_DEBUG": "0"}, False),
        (["status"], {"KPI_DEBUG": ""}, False),
        (["status"], {}, False),
        (["record", "x", "2025", "1", "--", "--debug"], {}, False),  # an argument, not the option
    ],
)
def test_when_the_traceback_is_wanted(
    argv: list[str], environ: dict[str, str], wanted: bool
) -> None:
    assert debug_requested(argv, environ) is wanted


# -- in a real process ---------------------------------------------------------------------------

# The child makes the core's assessment fail as BEHAVIOUR (argv[1]) says, then runs the console
# script's entry point with the rest of its arguments. SIGINT gets Python's own handler even if
# whatever started the tests ignores it (a background job does).
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    import kpi.cli, kpi.cli.common, kpi.progress

    behaviour = sys.argv[1]
    marker = Path(sys.argv[2])  # used by "wait" only
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    def wait(*args, **kwargs):
        marker.write_text("ready")
        time.sleep(60)
        raise SystemExit(3)  # not interrupted: the parent failed

    if behaviour == "bug":
        kpi.progress.assess_project = kpi.cli.common.assess_project = boom
    elif behaviour == "bug-before-the-command":
        kpi.cli.app_for = boom
    elif behaviour == "wait":
        kpi.progress.assess_project = kpi.cli.common.assess_project = wait
    arguments = sys.argv[3:] if behaviour == "wait" else sys.argv[2:]
    sys.argv = ["kpi", *arguments]
    kpi.cli.main()
    """
)


def environment(*, buffered: bool = True, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with this checkout's kpi importable, no setting of kpi's, stdout
    block-buffered unless ``buffered`` is false (``PYTHONUNBUFFERED``), and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    return {**env, "PYTHONPATH": str(REPO), **(extra or {})}


def run_child(behaviour: str, *args: object, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, behaviour, *(str(a) for a in args)],
        env=environment(extra=env),
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def kpi_process(*args: object, buffered: bool = True, stdout: Any) -> subprocess.Popen[str]:
    """``kpi ARGS`` (``main`` as the console script runs it), stdout on ``stdout``."""
    return subprocess.Popen(
        [sys.executable, "-c", "from kpi.cli import main; main()", *(str(a) for a in args)],
        env=environment(buffered=buffered),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )


def test_a_bug_in_a_process_exits_70_with_one_line(project: Path) -> None:
    done = run_child("bug", "--project", project, *STATUS)

    assert done.returncode == EXIT_BUG
    assert done.stdout == ""
    assert "RuntimeError: boom" in assert_one_bug_line(done.stderr)


@pytest.mark.parametrize("how", ["--debug", "KPI_DEBUG=1"])
def test_a_bug_in_a_process_shows_the_traceback_when_asked(project: Path, how: str) -> None:
    if how == "--debug":
        done = run_child("bug", "--project", project, *STATUS, "--debug")
    else:
        done = run_child("bug", "--project", project, *STATUS, KPI_DEBUG="1")

    assert done.returncode == EXIT_BUG
    assert done.stdout == ""
    assert "Traceback (most recent call last):" in done.stderr
    assert "in boom\n" in done.stderr and "\nRuntimeError: boom\n" in done.stderr
    assert all(word in done.stderr.splitlines()[-1] for word in BUG_WORDS)


def test_a_bug_before_the_command_runs_exits_70_too(project: Path) -> None:
    done = run_child("bug-before-the-command", "--project", project, *STATUS)

    assert done.returncode == EXIT_BUG
    assert done.stdout == ""
    assert "RuntimeError: boom" in assert_one_bug_line(done.stderr)


def test_check_and_user_errors_keep_their_codes_in_a_process(project: Path) -> None:
    failed = run_child("none", "--project", project, "check", "--as-of", "2026", "--fail-on",
                       "at_risk")  # fmt: skip
    refused = run_child("none", "--project", project / "nowhere", *STATUS)

    assert failed.returncode == 1
    assert failed.stdout and failed.stderr == ""
    assert refused.returncode == EXIT_DATA_ERROR
    assert refused.stdout == ""
    assert refused.stderr.startswith("error: no targets.toml")
    assert "Traceback" not in refused.stderr


def test_ctrl_c_in_a_process_exits_130_with_one_line(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "wait", str(marker), "--project", str(project), *STATUS],
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the command never started"
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()

    assert child.returncode == EXIT_INTERRUPTED
    assert stdout == ""
    assert stderr == "interrupted\n"


# -- a reader that closes the pipe, a full stdout ------------------------------------------------


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        [*STATUS, "--format", "json"],
        [*STATUS],
        ["export", "--format", "json"],
        ["check", "--as-of", "2026", "--fail-on", "at_risk"],  # its verdict (1) was not read
        ["--help"],
    ],
    ids=["status-json", "status-table", "export-json", "check", "help"],
)
def test_a_pipe_closed_before_kpi_writes_ends_it_silently_with_141(
    project: Path, args: list[str], buffered: bool
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before kpi writes anything
    try:
        child = kpi_process("--project", project, *args, buffered=buffered, stdout=write_end)
    finally:
        os.close(write_end)
    _stdout, stderr = child.communicate(timeout=120)

    assert child.returncode == EXIT_CLOSED_PIPE
    assert stderr == ""


@pytest.mark.parametrize(
    "args",
    [[*STATUS, "--format", "json"], ["export", "--format", "json"]],
    ids=["status-json", "export-json"],
)
def test_a_reader_that_stops_after_one_line_ends_kpi_silently_with_141(
    big_project: Path, args: list[str]
) -> None:
    """``kpi ... | head -1``, stdout block-buffered as the console script's is. (With
    ``PYTHONUNBUFFERED`` the interpreter drops what a write to a pipe closed in its middle did
    not write, without an error: kpi then exits 0, the reader having gone.)"""
    child = kpi_process("--project", big_project, *args, stdout=subprocess.PIPE)
    assert child.stdout is not None
    first = child.stdout.readline()
    child.stdout.close()  # as `| head -1` does: the rest, far beyond a pipe's buffer, is unread
    stderr = child.stderr.read() if child.stderr is not None else ""
    child.wait(timeout=120)

    assert first.strip()
    assert child.returncode == EXIT_CLOSED_PIPE
    assert stderr == ""


def test_the_big_project_is_big_enough(big_project: Path) -> None:
    """The control: the output is far larger than a pipe's buffer (64 kB on Linux) and what the
    reader reads ahead, so that the reader's leaving does cut kpi's writing short."""
    child = kpi_process("--project", big_project, *STATUS, "--format", "json",
                        stdout=subprocess.PIPE)  # fmt: skip
    stdout, stderr = child.communicate(timeout=120)

    assert child.returncode == 0
    assert len(stdout.encode()) > 3 * 65536
    assert stderr == ""


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [[*STATUS, "--format", "json"], [*STATUS], ["export", "--format", "json"]],
    ids=["status-json", "status-table", "export-json"],
)
def test_a_full_stdout_exits_2_with_one_line_naming_it_in_a_process(
    big_project: Path, project: Path, args: list[str], buffered: bool
) -> None:
    for root in (project, big_project):  # written at exit, and written while running
        with open("/dev/full", "w") as full:  # every write fails with ENOSPC
            child = kpi_process("--project", root, *args, buffered=buffered, stdout=full)
            _stdout, stderr = child.communicate(timeout=120)

        assert child.returncode == EXIT_DATA_ERROR, stderr
        assert (
            stderr == "error: cannot write to standard output (stdout): No space left on device\n"
        )


def test_a_stdout_closed_from_the_start_exits_2_with_one_line_naming_it(project: Path) -> None:
    """``kpi status >&-``: the interpreter starts with ``sys.stdout`` ``None``."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from kpi.cli import main; main()", "--project", str(project),
         *STATUS],
        env=environment(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    _stdout, stderr = child.communicate(timeout=120)

    assert child.returncode == EXIT_DATA_ERROR
    assert stderr == "error: cannot write to standard output (stdout): Bad file descriptor\n"
