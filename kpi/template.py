"""``kpi init``: write a new project, either the shipped Hai Phong one or an empty one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kpi.errors import fail
from kpi.i18n import _
from kpi.store import OBSERVATIONS_DIR, TARGETS_FILE, write_atomically

BLANK_TARGETS = """\
[project]
name = "{name}"

[assessment]
trend_years = 5
on_track = 0.95
at_risk = 0.60

# Define each indicator and its targets, for example:
#
# [indicators.manufacturing_share_grdp]
# name = "Processing and manufacturing industry, share of GRDP"
# kind = "level"      # or "rate"
# unit = "%"
# bounds = [0, 100]
#
# [[indicators.manufacturing_share_grdp.targets]]
# id = "manufacturing_55_by_2030"
# comparator = ">="
# value = 55
# year = 2030
# source = "where the target was set"
#
# Then record observations with `kpi record INDICATOR YEAR VALUE --source TEXT`.
"""


def create_project(directory: Path, *, blank: bool) -> None:
    """Create ``directory`` (if needed) and write a project into it: the Hai Phong targets and
    observations, or with ``blank`` a ``targets.toml`` holding only ``[project]``.

    Raises ``KpiError`` when ``directory`` already holds a ``targets.toml``.
    """
    target = directory / TARGETS_FILE
    if target.exists():
        raise fail(
            _("already exists; kpi init does not overwrite a project"),
            file=target,
            hint=_("choose an empty folder"),
        )
    if directory.exists() and not directory.is_dir():
        raise fail(_("exists and is not a folder"), file=directory)
    if blank:
        name = directory.resolve().name or "My city"
        write_atomically(
            target, BLANK_TARGETS.format(name=name.replace('"', "'")), create_folder=True
        )
        (directory / OBSERVATIONS_DIR).mkdir(exist_ok=True)
        return
    shipped = resources.files("kpi") / "templates" / "haiphong"
    for source in sorted((shipped / OBSERVATIONS_DIR).iterdir(), key=lambda p: p.name):
        if source.name.endswith(".toml"):
            write_atomically(
                directory / OBSERVATIONS_DIR / source.name,
                source.read_text("utf-8"),
                create_folder=True,
            )
    write_atomically(target, (shipped / TARGETS_FILE).read_text("utf-8"), create_folder=True)
