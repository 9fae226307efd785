"""``kpi.cli.main`` ends the process without the interpreter's teardown (``kpi.cli.leave``):
nothing is lost by it. Each test runs kpi as the console script does, in a fresh process: the
output read whole through a pipe, an ``--output`` file complete, the writers' lock released,
the messages on stderr, every exit code as before and the ``atexit`` handlers run. (A reader
closing the pipe still ends kpi with 141: tests/test_crash.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi.cli import app, exit_code
from kpi.template import create_project

CHECKOUT = Path(__file__).resolve().parent.parent
MAIN = "from kpi.cli import main; main()"
INDICATORS = 400  # a JSON document many times a pipe's buffer (64 KiB on Linux)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of ``INDICATORS`` level indicators, each with a target and two observations."""
    root = tmp_path_factory.mktemp("early-exit") / "city"
    create_project(root, blank=True)
    definitions = "".join(
        f'\n[indicators.i{n}]\nname = "Indicator {n}"\nkind = "level"\nunit = "%"\n'
        f'\n[[indicators.i{n}.targets]]\nid = "t{n}"\nname = "Target {n}"\n'
        f'comparator = ">="\nvalue = {n + 50}\nyear = 2030\n'
        for n in range(INDICATORS)
    )
    targets = root / "targets.toml"
    targets.write_text(targets.read_text("utf-8") + definitions, encoding="utf-8")
    for n in range(INDICATORS):
        (root / "observations" / f"i{n}.toml").write_text(
            f'[[observations]]\nyear = 2020\nvalue = {n}.5\nsource = "Yearbook 2020"\n\n'
            f'[[observations]]\nyear = 2024\nvalue = {n + 10}.25\nsource = "Yearbook 2024"\n',
            "utf-8",
        )
    return root


def kpi(
    *args: str, code: str = MAIN, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``kpi ARGS`` in a fresh interpreter, stdout and stderr through pipes, read to the end;
    stdout block-buffered as the console script's is (no ``PYTHONUNBUFFERED``)."""
    drop = ("PYTHONUNBUFFERED",)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_", *drop))}
    environment["PYTHONPATH"] = str(CHECKOUT)
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_a_large_document_arrives_whole_through_a_pipe(big: Path) -> None:
    args = ["--project", str(big), "status", "--format", "json", "--as-of", "2026"]
    in_process = CliRunner().invoke(app, args)
    assert in_process.exit_code == 0, in_process.output
    child = kpi(*args)
    assert child.returncode == 0
    assert child.stderr == b""
    assert len(child.stdout) > 4 * 65536
    assert child.stdout.decode("utf-8") == in_process.stdout
    assert len(json.loads(child.stdout)["targets"]) == INDICATORS


def test_python_dash_m_kpi_delivers_the_same_document(big: Path) -> None:
    args = ["--project", str(big), "status", "--format", "json", "--as-of", "2026"]
    through_main = kpi(*args)
    through_module = kpi(*args, code="import runpy; runpy.run_module('kpi', run_name='__main__')")
    assert through_module.returncode == 0
    assert through_module.stdout == through_main.stdout


def test_an_output_file_is_complete_and_valid(big: Path, tmp_path: Path) -> None:
    written = tmp_path / "out" / "status.json"
    child = kpi(
        "--project", str(big), "status", "-f", "json", "--as-of", "2026", "-o", str(written)
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout == b""
    assert len(json.loads(written.read_text("utf-8"))["targets"]) == INDICATORS
    assert sorted(p.name for p in written.parent.iterdir()) == ["status.json"]  # no temporary


def test_the_writers_lock_is_released_for_the_next_writer(big: Path) -> None:
    record = ["--project", str(big), "record", "--source", "Survey", "--", "i1"]
    first = kpi(*record, "2025", "12")
    # With no wait allowed, a lock left behind would make the next writer fail at once.
    second = kpi(*record, "2026", "13", env={"KPI_LOCK_TIMEOUT": "0"})
    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    text = (big / "observations" / "i1.toml").read_text("utf-8")
    assert "year = 2025" in text
    assert "year = 2026" in text
    assert not (big / ".kpi.lock.holder").exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--version"], 0),
        (["check", "--as-of", "2026"], 1),  # the targets generated are not on track
        (["status", "--format", "nope"], 2),  # a usage error
        (["show", "nowhere"], 2),  # a data error
    ],
)
def test_exit_codes_and_stderr_are_kept(big: Path, args: list[str], code: int) -> None:
    child = kpi("--project", str(big), *args)
    assert child.returncode == code
    if code == 2:
        assert b"error" in child.stderr.lower()
        assert child.stdout == b""
    else:
        assert child.stdout.strip()


def test_the_atexit_handlers_run_before_the_process_ends(big: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    code = (
        "import atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ran')\n" + MAIN
    )
    child = kpi("--project", str(big), "--version", code=code)
    assert child.returncode == 0
    assert marker.read_text() == "ran"


def test_an_exit_with_a_message_is_code_1_and_the_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (exit_code(None), exit_code(0), exit_code(2), exit_code("stopped")) == (0, 0, 2, 1)
    assert capsys.readouterr().err == "stopped\n"
