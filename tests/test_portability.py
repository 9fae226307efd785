"""Where planners work: Windows simulated on Linux, CRLF files, device names, the writers' lock.

There is no Windows machine in CI, so these tests make Linux behave as Windows does where it
matters to ``kpi``: ``fcntl`` cannot be imported and ``os.fchmod`` does not exist (Windows,
Python 3.11), and ``os.replace`` fails with the ``PermissionError`` Windows raises while another
program (Excel, an antivirus, a sync client) holds the file open.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import kpi
from kpi.cli import app
from kpi.locate import LineIndex
from kpi.lock import DEFAULT_LOCK_TIMEOUT, LOCK_FILE, LOCK_HOLDER_FILE, lock_timeout
from kpi.model import WINDOWS_DEVICE_NAMES, is_identifier
from kpi.store import load_project, read_project
from kpi.template import create_project
from kpi.writing import REPLACE_RETRY_DELAYS, in_style_of

CHECKOUT = Path(kpi.__file__).resolve().parent.parent
KPI = [sys.executable, "-c", "from kpi.cli import main; main()"]
SHARING_VIOLATION = 32  # ERROR_SHARING_VIOLATION: what Windows says while Excel has the file open


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def digests(root: Path) -> dict[str, str]:
    """Every data file under ``root`` with a digest of its bytes (the lock file is not data)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != LOCK_FILE
    }


@pytest.fixture()
def city(tmp_path: Path) -> Path:
    root = tmp_path / "city"
    create_project(root, blank=False)
    return root


def record_args(root: Path, year: str = "2024", value: str = "61.5") -> list[str]:
    return ["--project", str(root), "record", "high_tech_share", year, value, "--source", "Test"]


# ---------------------------------------------------------------------------------------------
# The CLI tests as on Windows: no fcntl, no os.fchmod, replaces refused while a file is "open".

WINDOWS_LIKE = textwrap.dedent(
    """
    # Installed as sitecustomize by tests/test_portability.py: Python here behaves as on Windows.
    import importlib.abc, os, sys

    class _NoFcntl(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "fcntl":
                raise ModuleNotFoundError("No module named 'fcntl'", name="fcntl")
            return None

    sys.meta_path.insert(0, _NoFcntl())
    sys.modules.pop("fcntl", None)
    if hasattr(os, "fchmod"):
        del os.fchmod  # Windows has it only from Python 3.13

    _real_replace = os.replace
    _refused = set()

    def _replace_as_windows(source, destination, *args, **kwargs):
        # The first replace of each file fails as it does while another program holds it open.
        key = os.fspath(destination)
        if key not in _refused:
            _refused.add(key)
            error = PermissionError(13, "The process cannot access the file because it is "
                                        "being used by another process", key)
            error.winerror = 32
            raise error
        return _real_replace(source, destination, *args, **kwargs)

    os.replace = _replace_as_windows
    """
)


def windows_like_environment(folder: Path) -> dict[str, str]:
    """The environment of a child Python that behaves as on Windows (see ``WINDOWS_LIKE``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(WINDOWS_LIKE, encoding="utf-8")
    path = os.pathsep.join([str(folder), str(CHECKOUT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}


def test_the_simulation_really_blocks_fcntl_and_fchmod_and_refuses_a_first_replace(
    tmp_path: Path,
) -> None:
    probe = textwrap.dedent(
        """
        import os, pathlib
        try:
            import fcntl
        except ImportError:
            print("no fcntl")
        print("fchmod" if hasattr(os, "fchmod") else "no fchmod")
        pathlib.Path("a").write_text("a")
        try:
            os.replace("a", "b")
        except PermissionError as error:
            print("refused", error.winerror)
        os.replace("a", "b")
        print("replaced")
        """
    )
    env = windows_like_environment(tmp_path / "site")
    child = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert child.stdout.split("\n")[:4] == ["no fcntl", "no fchmod", "refused 32", "replaced"]
    assert child.returncode == 0, child.stderr


def test_the_cli_tests_pass_where_fcntl_and_fchmod_are_missing_and_replaces_are_refused(
    tmp_path: Path,
) -> None:
    tests = [
        "tests/test_cli_core.py",
        "tests/test_cli_errors.py",
        "tests/test_concurrency.py",
        "tests/test_exchange.py",
        "tests/test_check.py",
    ]
    env = windows_like_environment(tmp_path / "site")
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            *tests,
        ],
        env=env,
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert child.returncode == 0, child.stdout[-6000:] + child.stderr[-3000:]
    assert " passed" in child.stdout


def test_every_command_starts_without_fcntl(city: Path, tmp_path: Path) -> None:
    env = windows_like_environment(tmp_path / "site")
    for args in (["--help"], ["--project", str(city), "status", "--as-of", "2026"]):
        child = subprocess.run([*KPI, *args], env=env, capture_output=True, text=True)
        assert child.returncode == 0, child.stderr
        assert "Traceback" not in child.stderr
        assert child.stdout


def test_a_record_on_windows_like_python_keeps_the_data_valid(city: Path, tmp_path: Path) -> None:
    env = windows_like_environment(tmp_path / "site")
    child = subprocess.run([*KPI, *record_args(city)], env=env, capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    assert child.stderr.startswith("added: high_tech_share 2024 = 61.5")
    assert child.stdout == ""
    values = {o.year: o.value for o in load_project(city).observations["high_tech_share"]}
    assert values[2024] == 61.5
    assert not list((city / "observations").glob(".kpi-tmp-*"))


# ---------------------------------------------------------------------------------------------
# A replace that Windows refuses: retried, then a clear error; the data never half written.


def _refuse_replaces(
    monkeypatch: pytest.MonkeyPatch, times: int, winerror: int = SHARING_VIOLATION
) -> list[float]:
    """Make the next ``times`` replaces fail as on Windows; returns the delays slept (no real
    sleeping)."""
    real_replace = os.replace
    slept: list[float] = []
    left = [times]

    def replace(source: str, destination: str) -> None:
        if left[0] > 0:
            left[0] -= 1
            error = PermissionError(errno.EACCES, "Access is denied", str(destination))
            error.winerror = winerror  # type: ignore[attr-defined]
            raise error
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def test_a_replace_refused_while_the_file_is_open_elsewhere_is_retried(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept = _refuse_replaces(monkeypatch, times=3)
    result = invoke(*record_args(city))
    assert result.exit_code == 0, result.stderr
    assert slept == list(REPLACE_RETRY_DELAYS[:3])
    values = {o.year: o.value for o in load_project(city).observations["high_tech_share"]}
    assert values[2024] == 61.5


@pytest.mark.parametrize("winerror", [5, 32, 33])
def test_a_file_held_open_for_good_is_a_clear_error_and_stays_unchanged(
    city: Path, monkeypatch: pytest.MonkeyPatch, winerror: int
) -> None:
    before = digests(city)
    slept = _refuse_replaces(monkeypatch, times=1000, winerror=winerror)
    result = invoke(*record_args(city))
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "observations/high_tech_share.toml: is open in another program" in result.stderr
    assert "close the file there" in result.stderr
    assert "Traceback" not in result.stderr
    assert slept == list(REPLACE_RETRY_DELAYS)
    assert digests(city) == before


def test_a_permission_error_that_is_not_a_sharing_violation_is_not_retried(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digests(city)
    slept = _refuse_replaces(monkeypatch, times=1, winerror=0)
    result = invoke(*record_args(city))
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "cannot be written" in result.stderr
    assert slept == []
    assert digests(city) == before


# ---------------------------------------------------------------------------------------------
# CRLF files (git's core.autocrlf on Windows) and a UTF-8 byte-order mark (Notepad) are kept.


def _as_crlf(path: Path, bom: bool = False) -> bytes:
    data = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path.read_bytes()


@pytest.mark.parametrize("bom", [False, True], ids=["crlf", "crlf_with_bom"])
def test_record_into_a_crlf_file_changes_only_the_lines_it_adds(city: Path, bom: bool) -> None:
    path = city / "observations" / "high_tech_share.toml"
    before = _as_crlf(path, bom)
    result = invoke(*record_args(city, year="2024", value="61.5"))
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") is bom
    assert b"\n" not in after.replace(b"\r\n", b"")  # every line ends with CRLF
    old_lines, new_lines = before.split(b"\r\n"), after.split(b"\r\n")
    added = [b"", b"[[observations]]", b"year = 2024", b"value = 61.5", b'source = "Test"', b""]
    # 2023 is the last year shipped: the new observation follows the last one, after a blank line.
    assert old_lines[-1] == b""
    assert new_lines == old_lines[:-1] + added


def test_record_into_an_lf_file_keeps_lf(city: Path) -> None:
    path = city / "observations" / "high_tech_share.toml"
    invoke(*record_args(city))
    assert b"\r" not in path.read_bytes()


def test_in_style_of_follows_the_first_line_of_the_existing_file(tmp_path: Path) -> None:
    crlf, lf, bom = tmp_path / "crlf.toml", tmp_path / "lf.toml", tmp_path / "bom.toml"
    crlf.write_bytes(b"a = 1\r\nb = 2\r\n")
    lf.write_bytes(b"a = 1\nb = 2\n")
    bom.write_bytes(b"\xef\xbb\xbfa = 1\r\n")
    assert in_style_of(crlf, "x = 1\ny = 2\n") == "x = 1\r\ny = 2\r\n"
    assert in_style_of(lf, "x = 1\n") == "x = 1\n"
    assert in_style_of(bom, "x = 1\n") == "\ufeffx = 1\r\n"
    assert in_style_of(tmp_path / "new.toml", "x = 1\n") == "x = 1\n"


def test_a_problem_in_a_crlf_file_names_its_true_line(city: Path) -> None:
    path = city / "observations" / "high_tech_share.toml"
    text = path.read_text("utf-8")
    lines = text.split("\n")
    third_value = [n for n, line in enumerate(lines, 1) if line.startswith("value =")][2]
    lines[third_value - 1] = 'value = "high"'
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = invoke("--project", str(city), "validate")
    assert result.exit_code == 2
    assert f"observations/high_tech_share.toml:{third_value}: " in result.stderr


def test_line_numbers_count_only_toml_line_ends() -> None:
    # U+2028 and a form feed inside a string are characters, not line ends, in TOML.
    text = 'a = "x\u2028y\u000cz"\r\nb = 1\r\n[t]\r\nc = 2\n'
    index = LineIndex(text)
    assert (index.line_of(("b",)), index.line_of(("t", "c"))) == (2, 4)


# ---------------------------------------------------------------------------------------------
# Windows device names are never identifiers (observations/nul.toml is the NUL device there).


@pytest.mark.parametrize("name", sorted(WINDOWS_DEVICE_NAMES))
def test_windows_device_names_are_not_identifiers(name: str) -> None:
    assert not is_identifier(name)


@pytest.mark.parametrize("name", ["console", "nul_rate", "com10", "lpt", "auxiliary", "prn2"])
def test_names_that_only_begin_like_a_device_are_identifiers(name: str) -> None:
    assert is_identifier(name)


def blank_project_with(tmp_path: Path, definitions: str) -> Path:
    """A blank project whose ``targets.toml`` ends with ``definitions``."""
    root = tmp_path / "city"
    create_project(root, blank=True)
    targets = root / "targets.toml"
    targets.write_text(targets.read_text("utf-8") + definitions, encoding="utf-8")
    return root


def test_an_indicator_named_nul_is_refused_with_file_line_and_key(tmp_path: Path) -> None:
    root = blank_project_with(
        tmp_path, '\n[indicators.nul]\nname = "Nothing"\nkind = "level"\nunit = "%"\n'
    )
    line = (root / "targets.toml").read_text("utf-8").split("\n").index("[indicators.nul]") + 1
    result = invoke("--project", str(root), "validate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"targets.toml:{line}: indicators.nul: " in result.stderr
    assert "Windows keeps for a device" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_target_id_that_is_a_device_name_is_refused(tmp_path: Path) -> None:
    root = blank_project_with(
        tmp_path,
        '\n[indicators.share]\nname = "Share"\nkind = "level"\nunit = "%"\n'
        '\n[[indicators.share.targets]]\nid = "aux"\ncomparator = ">="\nvalue = 5\nyear = 2030\n',
    )
    project, problems = read_project(root)
    assert project is None
    assert [(p.key, "Windows keeps for a device" in p.message) for p in problems] == [
        ("indicators.share.targets[0].id", True)
    ]


def test_record_into_a_device_name_is_refused_before_any_file_is_touched(city: Path) -> None:
    before = digests(city)
    result = invoke("--project", str(city), "record", "con", "2024", "1", "--source", "x")
    assert result.exit_code == 2
    assert "'con': is a name Windows keeps for a device" in result.stderr
    assert digests(city) == before
    assert not (city / "observations" / "con.toml").exists()


# ---------------------------------------------------------------------------------------------
# kpi init never overwrites data.


@pytest.mark.parametrize(
    "existing",
    ["targets.toml", "observations/grdp_growth.toml", "observations/old/notes.txt"],
)
@pytest.mark.parametrize("blank", [False, True], ids=["haiphong", "blank"])
def test_init_refuses_a_folder_with_data_and_changes_nothing(
    tmp_path: Path, existing: str, blank: bool
) -> None:
    folder = tmp_path / "city"
    (folder / existing).parent.mkdir(parents=True)
    (folder / existing).write_text("my data\n", encoding="utf-8")
    before = digests(folder), sorted(p.name for p in folder.rglob("*"))
    result = invoke("init", str(folder), *(["--blank"] if blank else []))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "kpi init does not overwrite a project" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert (digests(folder), sorted(p.name for p in folder.rglob("*"))) == before


def test_init_into_an_empty_observations_folder_writes_the_project(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    (folder / "observations").mkdir(parents=True)
    result = invoke("init", str(folder))
    assert result.exit_code == 0, result.stderr
    assert load_project(folder).indicators
    assert (folder / ".gitignore").read_text("utf-8").split("\n")[1:3] == [
        LOCK_FILE,
        LOCK_HOLDER_FILE,
    ]


def test_init_keeps_an_existing_gitignore(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / ".gitignore").write_text("*.xlsx\n", encoding="utf-8")
    assert invoke("init", str(folder), "--blank").exit_code == 0
    assert (folder / ".gitignore").read_text("utf-8") == "*.xlsx\n"


# ---------------------------------------------------------------------------------------------
# The writers' lock: a separate lock file, a bounded wait that names the holder.


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", DEFAULT_LOCK_TIMEOUT), ("2.5", 2.5), ("0", 0.0), ("-1", DEFAULT_LOCK_TIMEOUT),
     ("soon", DEFAULT_LOCK_TIMEOUT), ("inf", DEFAULT_LOCK_TIMEOUT),
     ("nan", DEFAULT_LOCK_TIMEOUT)],
)  # fmt: skip
def test_lock_timeout_reads_the_environment(value: str, seconds: float) -> None:
    assert lock_timeout({"KPI_LOCK_TIMEOUT": value}) == seconds


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kpi.lock import project_lock
    sys.argv = ["kpi", "import", "yearbook.csv"]
    with project_lock(Path({root!r})):
        print("held", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture()
def holder(city: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the project's lock until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(root=str(city))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "held\n"
    yield process
    process.kill()
    process.wait(timeout=30)


def run_kpi(*args: str, timeout: str = "0.5") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KPI_LOCK_TIMEOUT": timeout}
    return subprocess.run([*KPI, *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_writer_behind_a_hung_holder_gives_up_and_names_it(
    city: Path, holder: subprocess.Popen[str]
) -> None:
    before = digests(city)
    child = run_kpi(*record_args(city))
    assert child.returncode == 2
    assert child.stdout == ""
    assert "another kpi is writing to this project" in child.stderr
    assert f"process {holder.pid} on " in child.stderr
    assert "kpi import yearbook.csv" in child.stderr
    assert "waited 0.5 s" in child.stderr
    assert "nothing was written" in child.stderr
    assert "Traceback" not in child.stderr
    assert digests(city) == before


def test_a_stopped_holder_does_not_make_a_writer_hang(
    city: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGSTOP)
    try:
        child = run_kpi(*record_args(city))
    finally:
        os.kill(holder.pid, signal.SIGCONT)
    assert child.returncode == 2
    assert f"process {holder.pid} on " in child.stderr


def test_replacing_targets_toml_does_not_let_a_second_writer_in(
    city: Path, holder: subprocess.Popen[str]
) -> None:
    # git checkout and many editors replace a file rather than write into it.
    copy = city / "targets.toml.new"
    copy.write_bytes((city / "targets.toml").read_bytes())
    os.replace(copy, city / "targets.toml")
    child = run_kpi(*record_args(city))
    assert child.returncode == 2
    assert "another kpi is writing to this project" in child.stderr


def test_a_dry_run_import_does_not_wait_for_the_lock(
    city: Path, holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    table = tmp_path / "new.csv"
    table.write_text("indicator,year,value,source\nhigh_tech_share,2024,61.5,Test\n", "utf-8")
    child = run_kpi("--project", str(city), "import", str(table), "--dry-run", timeout="30")
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr


def test_a_killed_holder_releases_the_lock(city: Path, holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait(timeout=30)
    child = run_kpi(*record_args(city), timeout="30")
    assert child.returncode == 0, child.stderr
    assert not (city / LOCK_HOLDER_FILE).exists()
