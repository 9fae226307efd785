"""The names of a project's files: what the store, the templates and the messages agree on
(a module of its own, so that ``kpi init`` and the help need not import the models)."""

from __future__ import annotations

TARGETS_FILE = "targets.toml"
OBSERVATIONS_DIR = "observations"
