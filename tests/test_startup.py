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
import subprocess
import sys
from importlib import resources
from pathlib import Path

SHIPPED = Path(str(resources.files("kpi") / "templates" / "haiphong"))

# Imported only by the commands or formats that use them. ``csv`` is not listed: Pydantic's
# plugin loader imports ``importlib.metadata``, which imports ``csv``, as soon as the first model
# is defined; the modules of kpi that use ``csv`` (kpi.render.csv_table, kpi.exchange) stand for
# it. ``tomllib`` is only asked about a file that rtoml refuses (kpi.store._read_toml).
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


def imported_modules(code: str, tmp_path: Path) -> set[str]:
    """The names in ``sys.modules`` after running ``code`` in a fresh interpreter.

    ``code`` may run the command line; its output is captured and its exit code must be 0.
    """
    listing = tmp_path / "modules.txt"
    script = (
        "import contextlib, io, sys\n"
        f"{code}\n"
        f"open({str(listing)!r}, 'w', encoding='utf-8').write('\\n'.join(sorted(sys.modules)))\n"
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
    assert done.returncode == 0, done.stderr
    return set(listing.read_text(encoding="utf-8").split("\n"))


def run_kpi(*args: str) -> str:
    """Code that runs ``kpi ARGS`` in-process on the shipped data, output captured, and fails
    unless it exits 0."""
    argv = ["kpi", "--project", str(SHIPPED), *args]
    return (
        f"sys.argv = {argv!r}\n"
        "from kpi.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code in (0, None), stop.code\n"
        "assert out.getvalue(), 'no output'\n"
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
    code = run_kpi("status", "--as-of", "2026", "--format", "json")
    code += (
        "import typer.main\n"
        "from kpi.cli import app_for\n"
        "params = typer.main.get_command(app_for(sys.argv[1:])).params\n"
        "assert not [p for p in params if 'completion' in p.name], params\n"
    )
    modules = imported_modules(code, tmp_path)
    assert {"kpi.cli.language", "kpi.cli.streams"} <= modules
    assert "ctypes" not in modules
    assert "unicodedata" not in modules
