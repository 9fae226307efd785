"""Pydantic's plugins in a run of the command line: none, and no search for them.

Plugins observe validation in long-running services; finding them means reading the metadata
of every installed package (``importlib.metadata``, which alone costs a start-up several
milliseconds, even when the search is then skipped). ``skip_plugin_search`` sets
``PYDANTIC_DISABLE_PLUGINS`` (unless it is set: set it to an empty value to use plugins) and,
where that disables all of them, puts ``stand_in`` where Pydantic looks for its plugin loader
(``pydantic.plugin._loader``, imported on the first model or adapter built). The stand-in
answers as Pydantic's own loader does while plugins are disabled, and hands over to it once
they are not; tests/test_plugins.py fails when Pydantic's loader changes.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterable, MutableMapping
from typing import Any

PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
LOADER = "pydantic.plugin._loader"
DISABLED_ALL = ("__all__", "1", "true")  # the values with which Pydantic loads no plugin


def _get_plugins() -> Iterable[Any]:
    """Pydantic's ``get_plugins``: none while ``PLUGINS_ENV`` disables them all, else the real
    loader's answer (the stand-in gives its place back to the real loader first)."""
    if os.environ.get(PLUGINS_ENV) in DISABLED_ALL:
        return ()
    if sys.modules.get(LOADER) is stand_in:
        del sys.modules[LOADER]
    import pydantic.plugin._loader as real

    return real.get_plugins()


stand_in = types.ModuleType(LOADER, "kpi's stand-in for Pydantic's plugin loader (kpi.cli.plugins)")
stand_in.get_plugins = _get_plugins  # type: ignore[attr-defined]


def skip_plugin_search(
    environ: MutableMapping[str, str] = os.environ,
    modules: MutableMapping[str, types.ModuleType] = sys.modules,
) -> None:
    """Disable Pydantic's plugins in ``environ`` unless it says otherwise and, when that
    disables them all and Pydantic's loader is not imported yet, put ``stand_in`` in its place
    in ``modules``."""
    environ.setdefault(PLUGINS_ENV, "__all__")
    if environ[PLUGINS_ENV] in DISABLED_ALL and LOADER not in modules:
        modules[LOADER] = stand_in
