"""Options of the whole program: ``--project`` before or after the command, ``--version`` and
shell completion.

``--lang`` before or after the command is in tests/test_language.py. Every test checks stdout,
stderr and the exit code separately.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kpi
from kpi.cli import app

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"
IMPORT_CSV = "indicator,year,value,source\nhigh_tech_share,2024,61.5,Statistics Office\n"

# Every command that reads a project, with what it needs besides --project.
READERS = {
    "status": ["status", "--as-of", "2026"],
    "show": ["show", "high_tech_share", "--as-of", "2026"],
    "record": ["record", "high_tech_share", "2024", "61.5", "--source", "Statistics Office"],
    "validate": ["validate"],
    "check": ["check", "--as-of", "2026"],
    "import": ["import", "{folder}/yearbook.csv", "--dry-run"],
    "export": ["export", "--format", "json"],
    "report": ["report", "--as-of", "2026"],
    "chart": ["chart", "high_tech_share", "--as-of", "2026", "-o", "{folder}/c.svg"],
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped project; the current folder is elsewhere, with no project above."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("KPI_PROJECT", raising=False)
    (elsewhere / "yearbook.csv").write_text(IMPORT_CSV, encoding="utf-8")
    return Path(shutil.copytree(TEMPLATE, tmp_path / "project"))


def invoke(*args: object, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})


def readers_args(name: str) -> list[str]:
    return [a.format(folder=Path.cwd()) for a in READERS[name]]


# -- --project anywhere --------------------------------------------------------------------------


@pytest.mark.parametrize("name", READERS)
def test_every_command_that_reads_a_project_takes_project_after_it(
    project: Path, name: str
) -> None:
    result = invoke(*readers_args(name), "--project", project)

    assert result.exit_code == 0, result.stderr
    assert "No such option" not in result.stderr
    assert "no targets.toml" not in result.stderr
    assert result.stdout or result.stderr  # it did its job


@pytest.mark.parametrize("name", READERS)
def test_every_command_that_reads_a_project_still_takes_project_before_it(
    project: Path, name: str
) -> None:
    result = invoke("--project", project, *readers_args(name))

    assert result.exit_code == 0, result.stderr


def test_the_project_after_the_command_wins(project: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing"

    good = invoke("--project", missing, "status", "--as-of", "2026", "--project", project)
    bad = invoke("--project", project, "status", "--as-of", "2026", "--project", missing)

    assert (good.exit_code, good.stderr) == (0, "")
    assert "high_tech_above_70" in good.stdout
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert f"no targets.toml in {missing}" in bad.stderr


def test_the_project_after_the_command_beats_kpi_project(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_PROJECT", str(tmp_path / "missing"))

    result = invoke("validate", "--project", project)

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("valid: ")


def test_a_chart_with_project_after_the_command(project: Path) -> None:
    """The command of issue 8: ``kpi chart X -o c.png --project DIR``."""
    result = invoke("chart", "high_tech_share", "-o", "c.png", "--project", project)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "wrote c.png\n"
    assert (Path.cwd() / "c.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", READERS)
def test_the_help_of_every_command_that_reads_a_project_explains_project(name: str) -> None:
    result = invoke(name, "--help")
    text = " ".join(result.stdout.split())

    assert (result.exit_code, result.stderr) == (0, "")
    assert "--project DIR Project folder holding targets.toml" in text
    assert "Example: --project ~/data/haiphong" in text


def test_init_takes_no_project_option_it_writes_a_new_one_into_directory(
    project: Path, tmp_path: Path
) -> None:
    result = invoke("init", tmp_path / "city", "--project", project)

    assert (result.exit_code, result.stdout) == (2, "")
    assert "No such option: --project" in result.stderr
    assert not (tmp_path / "city").exists()


# -- --version -------------------------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    result = invoke("--version")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"kpi {kpi.__version__}\n"


def test_version_needs_no_project(tmp_path: Path) -> None:
    result = invoke("--project", tmp_path / "missing", "--version")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"kpi {kpi.__version__}\n"


def test_version_from_the_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from kpi.cli import main; main()", "--version"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "KPI_PROJECT"},
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"kpi {kpi.__version__}\n"


# -- help and completion -----------------------------------------------------------------------


def test_the_help_shows_version_and_completion_each_with_an_example() -> None:
    result = invoke("--help")
    text = " ".join(result.stdout.split())

    assert (result.exit_code, result.stderr) == (0, "")
    assert "--version Print kpi's version and exit. Example: kpi --version" in text
    assert "--install-completion Install Tab completion" in text
    unwrapped = text.replace("--install- completion", "--install-completion")  # Click's wrapping
    assert "Example: kpi --install-completion" in unwrapped
    assert "--show-completion Print the completion script" in text
    assert "Example: kpi --show-completion >> ~/.bashrc" in text


def test_the_new_options_help_is_in_vietnamese_too() -> None:
    result = invoke("--lang", "vi", "--help")
    text = " ".join(result.stdout.split())

    assert (result.exit_code, result.stderr) == (0, "")
    assert "--version In số phiên bản của kpi rồi thoát. Ví dụ: kpi --version" in text
    assert "--install-completion Cài đặt tính năng tự hoàn thành bằng phím Tab" in text
    assert "--show-completion In đoạn mã tự hoàn thành" in text
    assert "Install Tab completion" not in text and "Print kpi's version" not in text


@pytest.fixture
def shell_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completion options take the shell's name instead of detecting it (Typer's switch)."""
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")


@pytest.mark.usefixtures("shell_given")
def test_show_completion_prints_the_script() -> None:
    result = invoke("--show-completion", "bash")

    assert (result.exit_code, result.stderr) == (0, "")
    assert "_KPI_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F" in result.stdout


@pytest.mark.usefixtures("shell_given")
def test_install_completion_writes_into_the_home_folder(tmp_path: Path) -> None:
    result = invoke("--install-completion", "bash", env={"HOME": str(tmp_path)})

    assert result.exit_code == 0, result.stderr
    assert "completion installed in" in result.stdout
    script = tmp_path / ".bash_completions" / "kpi.sh"
    assert "_KPI_COMPLETE" in script.read_text(encoding="utf-8")
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("words", "expected"),
    [("kpi sta", "status"), ("kpi status --pro", "--project"), ("kpi --ver", "--version")],
)
def test_the_shell_asks_and_gets_commands_and_options(words: str, expected: str) -> None:
    cword = str(len(words.split()) - 1)
    environ = {"_KPI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}

    result = invoke(env=environ)

    assert (result.exit_code, result.stderr) == (0, "")
    assert expected in result.stdout.split()
