"""Start-up guard: what ``import kpi.cli`` and ``kpi status --format json`` may not import.

``kpi status`` is typed many times a day, so the command line imports Rich drawing, charts, the
TOML writer, JSON, the other output formats and the modules behind the other commands inside the
functions that use them (docs/performance.md). Each check runs in a fresh interpreter, so that
nothing another test imported can hide a module-level import that creeps back in. Ruff's TID253
(``banned-module-level-imports`` in pyproject.toml) catches the direct cases while editing; these
tests also catch the indirect ones (a light module that starts importing a heavy one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

SHIPPED = Path(str(resources.files("kpi") / "templates" / "haiphong"))

# Imported only by the commands or formats that use them. ``csv`` is not listed: the modules of
# kpi that use it (kpi.render.csv_table, kpi.exchange) stand for it (and Pydantic's plugin loader
# imports it, through ``importlib.metadata``, where plugins are enabled: tests/test_plugins.py).
# ``tomllib`` is only asked about a file that rtoml refuses (kpi.store._read_toml).
DEFERRED_AT_IMPORT = (
    "rich",
    "rich.console",
    "rich.table",
    "rich.markup",
    "matplotlib",
    "tomli_w",
    "tomllib",
    "json",
    "xml.etree.ElementTree",
    "html",
    "kpi.exchange",
    "kpi.gate",
    "kpi.baseline",
    "kpi.revisions",
    "kpi.render.status_json",
    "kpi.schema",
    "kpi.template",
)
DEFERRED_PREFIXES = ("kpi.render",)

# ``status --format json`` needs json and kpi.render.status_json, nothing that draws or writes.
DEFERRED_IN_STATUS_JSON = (
    "rich",
    "rich.console",
    "rich.table",
    "matplotlib",
    "tomli_w",
    "tomllib",
    "kpi.render.table",
    "kpi.chart",
)


def imported_modules(code: str, tmp_path: Path, exit_code: int = 0) -> set[str]:
    """The names in ``sys.modules`` after running ``code`` in a fresh interpreter.

    ``code`` may run the command line; its output is captured and its exit code must be
    ``exit_code``.
    """
    listing = tmp_path / "modules.txt"
    script = (
        "import contextlib, io, sys\n"
        "def write_listing():\n"
        f"    with open({str(listing)!r}, 'w', encoding='utf-8') as file:\n"
        "        file.write('\\n'.join(sorted(sys.modules)))\n"
        f"{code}\n"
        "write_listing()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_PROJECT", "KPI_LANG")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == exit_code, done.stderr
    return set(listing.read_text(encoding="utf-8").split("\n"))


def run_kpi(*args: str, code: str = "", output: bool = True, project: bool = True) -> str:
    """Code that runs ``kpi ARGS`` in-process on the shipped data as the console script does
    (``main`` ends the process), output captured (and, with ``output``, not empty), then
    ``code`` (at exit, which ``main`` runs before leaving: ``imported_modules`` lists the
    modules after it); the process's exit code is the command's. Without ``project``, no
    ``--project`` is given (kpi looks upwards from the current folder)."""
    argv = ["kpi", *(("--project", str(SHIPPED)) if project else ()), *args]
    return (
        f"sys.argv = {argv!r}\n"
        "import atexit\n"
        "out = io.StringIO()\n"
        "def finish():\n"
        f"    assert bool(out.getvalue()) is {output}, 'output'\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "    write_listing()\n"
        "atexit.register(finish)\n"
        "from kpi.cli import main\n"
        "with contextlib.redirect_stdout(out):\n"
        "    main()\n"
    )


def test_importing_the_command_line_imports_no_renderer_chart_or_writer(tmp_path: Path) -> None:
    modules = imported_modules("import kpi.cli", tmp_path)
    eager = [name for name in DEFERRED_AT_IMPORT if name in modules]
    eager += sorted(name for name in modules if name.startswith(DEFERRED_PREFIXES))
    assert eager == [], f"imported by `import kpi.cli`; import them where they are used: {eager}"


def test_status_as_json_draws_nothing(tmp_path: Path) -> None:
    modules = imported_modules(run_kpi("status", "--as-of", "2026", "--format", "json"), tmp_path)
    assert "kpi.render.status_json" in modules  # the command did run
    eager = [name for name in DEFERRED_IN_STATUS_JSON if name in modules]
    assert eager == [], f"imported by `kpi status --format json`: {eager}"


def test_the_guard_sees_what_the_table_imports(tmp_path: Path) -> None:
    """The control: the same check does see Rich when the table is drawn."""
    modules = imported_modules(run_kpi("status", "--as-of", "2026"), tmp_path)
    assert {"rich.table", "kpi.render.table"} <= modules


def test_version_imports_no_renderer_chart_or_writer(tmp_path: Path) -> None:
    """``kpi --version`` builds every command's options (it names none) but runs none of them."""
    modules = imported_modules(run_kpi("--version"), tmp_path)
    eager = [name for name in (*DEFERRED_AT_IMPORT, "kpi.render.status_json") if name in modules]
    eager += sorted(name for name in modules if name.startswith(DEFERRED_PREFIXES))
    assert eager == [], f"imported by `kpi --version`: {eager}"


def test_status_builds_no_shell_completion_and_asks_no_windows_language(tmp_path: Path) -> None:
    """The completion options are built only where they can act (before any command); the
    language and the streams cost ``kpi status`` two small modules of kpi, nothing more: not
    ctypes (the Windows display language is only asked on Windows) nor unicodedata (only once
    a character does not fit the console)."""
    check = (
        "import typer.main\n"
        "from kpi.cli import app_for\n"
        "params = typer.main.get_command(app_for(sys.argv[1:])).params\n"
        "assert not [p for p in params if 'completion' in p.name], params\n"
    )
    code = run_kpi("status", "--as-of", "2026", "--format", "json", code=check)
    modules = imported_modules(code, tmp_path)
    assert {"kpi.cli.language", "kpi.cli.streams"} <= modules
    assert "ctypes" not in modules
    assert "unicodedata" not in modules


# What only the commands that read the project need: the models and the validation behind them.
MODELS = ("kpi.model", "kpi.store", "kpi.progress", "kpi.kinds")


def test_help_and_version_import_neither_the_models_nor_pydantic(tmp_path: Path) -> None:
    for args in (["--help"], ["--version"]):
        modules = imported_modules(run_kpi(*args), tmp_path)
        eager = [name for name in (*MODELS, "pydantic") if name in modules]
        assert eager == [], f"imported by `kpi {' '.join(args)}`: {eager}"


def test_a_commands_help_and_a_usage_error_import_neither_the_models_nor_pydantic(
    tmp_path: Path,
) -> None:
    """Typer (0.2x) converts every option with Pydantic's adapters; kpi converts an option not
    given and a choice itself (``kpi.cli.quick_values``), so these import no Pydantic at all
    (a path given, ``--project DIR``, is still Typer's to convert). This fails if Typer changes
    how it processes options."""
    runs = [
        (run_kpi("status", "--help", project=False), 0),
        (run_kpi("status", "-h", project=False), 0),
        (run_kpi("status", "--format", "nope", output=False, project=False), 2),
        (run_kpi("status", "--no-such-option", output=False, project=False), 2),
        (run_kpi("--lang", "vi", "check", "--fail-on", "never", output=False, project=False), 2),
    ]
    for code, exit_code in runs:
        modules = imported_modules(code, tmp_path, exit_code)
        eager = [name for name in (*MODELS, "pydantic") if name in modules]
        assert eager == [], f"imported by a help or a usage error: {eager}"


def test_a_choice_converted_by_kpi_is_the_member_typer_would_give(tmp_path: Path) -> None:
    """The quick conversion's control: the choices given reach the command as their members
    (a JSON status, in Vietnamese), and a wrong one is refused naming every choice."""
    from typer.testing import CliRunner

    from kpi.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["--lang", "vi", "status", "-f", "json", "--as-of", "2026"])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("{")
    refused = runner.invoke(app, ["status", "--format", "JSON"])
    assert refused.exit_code == 2
    assert "'JSON' is not one of 'table', 'json', 'csv', 'markdown', 'xlsx'." in refused.stderr
    assert "Value error" not in refused.stderr


def test_a_year_in_plain_digits_is_converted_without_typers_adapters(tmp_path: Path) -> None:
    """``--as-of 2026`` is converted by kpi (``kpi.cli.quick_values``), so a status builds no
    Pydantic adapter (``typer._adapters``); ``02026``, which kpi leaves to Typer, does. This
    fails if Typer changes how it converts a number."""
    shutil.copytree(SHIPPED, tmp_path, dirs_exist_ok=True)  # found from the current folder
    quick = imported_modules(
        run_kpi("status", "--as-of", "2026", "-f", "json", project=False), tmp_path
    )
    assert "typer._adapters" not in quick
    typers = imported_modules(
        run_kpi("status", "--as-of", "02026", "-f", "json", project=False), tmp_path
    )
    assert "typer._adapters" in typers


@pytest.mark.parametrize("year", ["1900", "2025", "2100"])
def test_a_year_converted_by_kpi_is_the_number_typer_would_give(year: str) -> None:
    """The same status for a year kpi converts and for the same year written with a leading
    zero, which Typer converts; out of range, Typer's refusal as before."""
    from typer.testing import CliRunner

    from kpi.cli import app

    runner = CliRunner()
    project = ["--project", str(SHIPPED)]
    mine = runner.invoke(app, [*project, "status", "-f", "json", "--as-of", year])
    typers = runner.invoke(app, [*project, "status", "-f", "json", "--as-of", "0" + year])
    assert mine.exit_code == typers.exit_code == 0, mine.output
    assert f'"as_of": {int(year)},' in mine.stdout
    assert mine.stdout == typers.stdout
    for outside in ("1899", "2101"):
        refused = runner.invoke(app, [*project, "status", "--as-of", outside])
        assert refused.exit_code == 2
        assert "--as-of" in refused.stderr


def test_init_writes_the_project_without_the_models(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    modules = imported_modules(run_kpi("init", str(folder), output=False), tmp_path)
    assert (folder / "targets.toml").is_file()
    eager = [name for name in MODELS if name in modules]
    assert eager == [], f"imported by `kpi init`: {eager}"


def test_the_guard_sees_the_models_where_a_command_reads_the_project(tmp_path: Path) -> None:
    """The control: the same check does see the models when the project is read."""
    modules = imported_modules(run_kpi("validate"), tmp_path)
    assert set(MODELS) <= modules
