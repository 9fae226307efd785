"""``kpi init``: write a new project, either the shipped Hai Phong one or an empty one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kpi.errors import KpiError, Problem, fail
from kpi.i18n import _
from kpi.layout import OBSERVATIONS_DIR, TARGETS_FILE
from kpi.text import text_problem
from kpi.writing import write_atomically

BLANK_TARGETS = """\
[project]
{name}
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


GITIGNORE = """\
# kpi's own files (the writer lock, an import's journal and temporary files): never data
.kpi.lock
.kpi.lock.holder
.kpi-journal.json
.kpi-tmp-*
"""


def create_project(directory: Path, *, blank: bool) -> None:
    """Write into ``directory`` (created if needed) the Hai Phong project, or with ``blank`` a
    ``targets.toml`` holding only ``[project]``, and a ``.gitignore`` for the lock files if none;
    ``KpiError``, writing nothing, if it holds a ``targets.toml`` or a file in ``observations/``."""
    target = directory / TARGETS_FILE
    if directory.exists() and not directory.is_dir():
        raise fail(_("exists and is not a folder"), file=directory)
    problems = []
    if target.exists() or target.is_symlink():
        problems.append(Problem(_("already exists; kpi init does not overwrite a project"), target))
    folder = directory / OBSERVATIONS_DIR
    held = [p for p in folder.rglob("*") if not p.is_dir()] if folder.is_dir() else []
    if held or ((folder.is_symlink() or folder.exists()) and not folder.is_dir()):
        count = max(len(held), 1)
        message = _("already holds {count} file(s); kpi init does not overwrite a project")
        problems.append(Problem(message.format(count=count), folder))
    if problems:
        raise KpiError(problems, hint=_("choose an empty folder; nothing was written"))
    files = {} if (directory / ".gitignore").exists() else {Path(".gitignore"): GITIGNORE}
    if blank:
        import tomli_w

        name = directory.resolve().name
        if not name or text_problem(name, "name") is not None:
            name = "My city"
        files[Path(TARGETS_FILE)] = BLANK_TARGETS.format(name=tomli_w.dumps({"name": name}))
    else:
        files.update(_shipped_files())
    folder.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        write_atomically(directory / relative, text)


def _shipped_files() -> dict[Path, str]:
    """The Hai Phong project's files, observations first and ``targets.toml`` last, so that an
    interrupted ``init`` never leaves a folder that looks like a finished project."""
    shipped = resources.files("kpi") / "templates" / "haiphong"
    files = {
        Path(OBSERVATIONS_DIR) / source.name: source.read_text("utf-8")
        for source in sorted((shipped / OBSERVATIONS_DIR).iterdir(), key=lambda p: p.name)
        if source.name.endswith(".toml")
    }
    files[Path(TARGETS_FILE)] = (shipped / TARGETS_FILE).read_text("utf-8")
    return files
