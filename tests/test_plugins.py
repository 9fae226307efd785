"""Pydantic's plugin loader stood in for while plugins are disabled (``kpi.cli.plugins``).

These tests fail loudly when Pydantic changes what the stand-in relies on: where its loader
lives, what it is called, what it answers while plugins are disabled, and where the validators
ask it. Each run of kpi is in a fresh interpreter, where the loader is not imported yet.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import subprocess
import sys
import types
from importlib import resources
from pathlib import Path

import pydantic.plugin._loader as pydantic_loader
import pydantic.plugin._schema_validator as schema_validator
import pytest

from kpi.cli import plugins
from kpi.cli.plugins import LOADER, PLUGINS_ENV, skip_plugin_search, stand_in

SHIPPED = Path(str(resources.files("kpi") / "templates" / "haiphong"))


def test_the_stand_in_takes_the_place_of_pydantics_own_loader() -> None:
    assert importlib.util.find_spec(LOADER) is not None
    assert pydantic_loader.__name__ == stand_in.__name__ == LOADER
    real = inspect.signature(pydantic_loader.get_plugins)
    assert inspect.signature(stand_in.get_plugins).parameters == real.parameters


def test_the_validators_ask_the_loader_for_the_plugins() -> None:
    """Pydantic builds every validator through ``create_schema_validator``, which asks the
    loader's ``get_plugins`` (imported from it when called: the stand-in is found then)."""
    source = inspect.getsource(schema_validator.create_schema_validator)
    assert "from ._loader import get_plugins" in source
    assert "get_plugins()" in source


@pytest.mark.parametrize("value", plugins.DISABLED_ALL)
def test_while_disabled_both_answer_no_plugin(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(PLUGINS_ENV, value)
    assert tuple(pydantic_loader.get_plugins()) == tuple(stand_in.get_plugins()) == ()


def test_once_enabled_the_stand_in_hands_over_to_the_real_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PLUGINS_ENV, "some_plugin_name")
    monkeypatch.setitem(sys.modules, LOADER, stand_in)
    assert list(stand_in.get_plugins()) == list(pydantic_loader.get_plugins())
    assert sys.modules[LOADER] is not stand_in


def test_the_stand_in_is_put_only_where_plugins_are_all_disabled() -> None:
    environ: dict[str, str] = {}
    modules: dict[str, types.ModuleType] = {}
    skip_plugin_search(environ, modules)
    assert environ == {PLUGINS_ENV: "__all__"}
    assert modules == {LOADER: stand_in}
    chosen = {PLUGINS_ENV: ""}  # the user's way to keep the plugins
    untouched: dict[str, types.ModuleType] = {}
    skip_plugin_search(chosen, untouched)
    assert chosen == {PLUGINS_ENV: ""}
    assert untouched == {}
    already = {LOADER: pydantic_loader}
    skip_plugin_search({}, already)
    assert already == {LOADER: pydantic_loader}


def modules_after_status(tmp_path: Path, **environ: str) -> set[str]:
    """The modules in ``sys.modules`` at the end of ``kpi status --format json`` on the shipped
    data, run as the console script runs it (``main`` ends the process: listed at exit)."""
    listing = tmp_path / "modules.txt"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w').write('\\n'.join(sys.modules)))\n"
        "from kpi.cli import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_", PLUGINS_ENV))}
    args = ["--project", str(SHIPPED), "status", "--format", "json", "--as-of", "2026"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env | environ,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"targets"' in done.stdout
    return set(listing.read_text(encoding="utf-8").split("\n"))


def test_status_reads_no_package_metadata(tmp_path: Path) -> None:
    modules = modules_after_status(tmp_path)
    assert "pydantic" in modules  # the models were built
    assert "importlib.metadata" not in modules


def test_with_plugins_asked_for_pydantic_looks_for_them(tmp_path: Path) -> None:
    """The control: the same check sees the metadata read when plugins are enabled."""
    assert "importlib.metadata" in modules_after_status(tmp_path, **{PLUGINS_ENV: ""})
