"""The package as users install it: a wheel built from the checkout, installed (not editable) in a
fresh virtual environment, run from a folder outside the checkout.

Every other test runs the editable install, which reads the catalogue, the templates and
``py.typed`` straight from the checkout and so cannot notice when the wheel leaves them out. Here
the wheel and the sdist are built once per test run, from a copy of the checkout (so that
setuptools' ``build/`` and ``kpi.egg-info`` never land in it), their file lists are checked, and
the installed ``kpi`` runs the commands that need those files. Needs pip to reach the package
index (or its cache) for kpi's dependencies and setuptools. ``scripts/smoke_installed.py``, run by
``.ci/run``, goes further: every command in both languages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import kpi

REPO = Path(__file__).resolve().parent.parent
VERSION = kpi.__version__
CATALOGUE = ("kpi/locale/vi/LC_MESSAGES/kpi.mo", "kpi/locale/vi/LC_MESSAGES/kpi.po")
STYLE_SHEET = "kpi/render/report.css"  # kpi report --format html
# kpi schema's files, for editors (kpi.schema.shipped)
SCHEMAS = ("kpi/schemas/observations.schema.json", "kpi/schemas/targets.schema.json")
BUILD_TIMEOUT = 600  # seconds; a cold pip cache downloads matplotlib and numpy
RUN_TIMEOUT = 120


@dataclass(frozen=True)
class Installed:
    """A wheel and an sdist of the checkout, and a venv with the wheel installed."""

    source: Path  # the copy of the checkout they were built from (others may edit the checkout)
    wheel: Path
    sdist: Path
    sdist_wheel: Path  # the wheel pip builds from the sdist, as for `pip install kpi-X.tar.gz`
    venv: Path
    python: Path
    kpi: Path
    work: Path  # an empty folder outside the checkout, the commands' working folder
    env: dict[str, str]


def _run(
    args: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_TIMEOUT,
        check=False,
    )


def _build_step(args: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None) -> None:
    """Run a build or install step; fail the tests with its output when it fails."""
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )


def _copy_checkout(destination: Path) -> Path:
    """Copy the checkout's files, without what .gitignore names (build output, caches, the
    editable install's egg-info) or .git, to ``destination``."""
    ignored = [".git"]
    for line in (REPO / ".gitignore").read_text("utf-8").splitlines():
        pattern = line.strip().rstrip("/")
        if pattern and not pattern.startswith("#"):
            ignored.append(pattern)
    shutil.copytree(REPO, destination, ignore=shutil.ignore_patterns(*ignored))
    return destination


def _bin(venv: Path, name: str) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def _only(folder: Path, pattern: str) -> Path:
    [found] = folder.glob(pattern)
    return found


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a user of the venv: its bin first on PATH, no kpi or Python settings
    from this test run, an English locale (kpi follows the system's language), no colour, a
    fixed width."""
    dropped = ("KPI_", "PYTHON", "VIRTUAL_ENV", "GITHUB_", "LC_", "LANG")  # LANG and LANGUAGE
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env["PATH"] = os.pathsep.join([str(_bin(venv, "python").parent), env.get("PATH", "")])
    env.update(LC_ALL="C.UTF-8", PYTHONUTF8="1", NO_COLOR="1", COLUMNS="100")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel and the sdist once, install the wheel with its dependencies into a fresh
    venv (no system site-packages) and give the paths."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # pip builds in the source tree: build from a copy, never the checkout itself; the sdist from
    # a second copy of the first, untouched by the wheel's build output.
    source = _copy_checkout(root / "source")
    sdist_source = shutil.copytree(source, root / "sdist-source")
    _build_step(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source], cwd=root
    )
    wheel = _only(dist, "kpi-*.whl")

    venv = root / "venv"
    _build_step([sys.executable, "-m", "venv", venv], cwd=root)
    python = _bin(venv, "python")
    env = _clean_env(venv)  # no PYTHONPATH that could show pip the checkout's kpi.egg-info
    # setuptools is only for building the sdist below; kpi does not need it at run time.
    _build_step([python, "-m", "pip", "install", "-q", wheel, "setuptools>=77"], root, env)

    build_sdist = "import sys, setuptools.build_meta as b; b.build_sdist(sys.argv[1])"
    _build_step([python, "-c", build_sdist, dist], sdist_source, env)
    sdist = _only(dist, "kpi-*.tar.gz")
    from_sdist = root / "from-sdist"
    # as `pip install kpi-X.tar.gz` would, with the venv's setuptools (no download this time)
    pip_wheel = [python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _build_step([*pip_wheel, "-q", "-w", from_sdist, sdist], root, env)
    work = root / "work"
    work.mkdir()
    assert not work.resolve().is_relative_to(REPO), "the commands must run outside the checkout"
    return Installed(
        source=source,
        wheel=wheel,
        sdist=sdist,
        sdist_wheel=_only(from_sdist, "kpi-*.whl"),
        venv=venv,
        python=python,
        kpi=_bin(venv, "kpi"),
        work=work,
        env=env,
    )


def _package_files(source: Path, pattern: str) -> list[str]:
    """The files of ``source``'s package matching ``pattern``, as paths inside the wheel."""
    return sorted(
        path.relative_to(source).as_posix()
        for path in (source / "kpi").glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    )


def _wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_carries_every_file_a_command_reads(installed: Installed) -> None:
    assert installed.wheel.name == f"kpi-{VERSION}-py3-none-any.whl"
    names = set(_wheel_names(installed.wheel))
    templates = _package_files(installed.source, "templates/**/*")
    assert "kpi/templates/haiphong/targets.toml" in templates
    modules = _package_files(installed.source, "**/*.py")
    expected = {*CATALOGUE, STYLE_SHEET, *SCHEMAS, "kpi/py.typed", "kpi/__main__.py", *templates}
    expected |= set(modules)
    assert sorted(expected - names) == []
    assert [name for name in names if "__pycache__" in name or name.startswith("tests/")] == []
    with zipfile.ZipFile(installed.wheel) as archive:
        assert archive.read(CATALOGUE[0]) == (installed.source / CATALOGUE[0]).read_bytes()
        for schema in SCHEMAS:
            assert archive.read(schema) == (installed.source / schema).read_bytes()
        metadata = archive.read(f"kpi-{VERSION}.dist-info/METADATA").decode("utf-8")
    assert f"\nVersion: {VERSION}\n" in metadata
    assert "\nRequires-Dist: filelock>=3.13\n" in metadata


def test_the_sdist_carries_the_catalogue_and_builds_the_same_wheel(installed: Installed) -> None:
    top = f"kpi-{VERSION}"
    assert installed.sdist.name == f"{top}.tar.gz"
    with tarfile.open(installed.sdist) as archive:
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    expected = {*CATALOGUE, STYLE_SHEET, *SCHEMAS, "kpi/py.typed"}
    expected |= set(_package_files(installed.source, "templates/**/*"))
    expected |= {"pyproject.toml", "README.md", "targets.toml", "observations/grdp_growth.toml"}
    assert sorted(expected - names) == []
    assert [name for name in names if name.startswith("tests")] == []  # MANIFEST.in: prune tests
    assert sorted(_wheel_names(installed.sdist_wheel)) == sorted(_wheel_names(installed.wheel))


def test_kpi_version_is_the_package_version(installed: Installed) -> None:
    done = _run([installed.kpi, "--version"], installed.work, installed.env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"kpi {VERSION}\n"


def test_python_m_kpi_help(installed: Installed) -> None:
    done = _run([installed.python, "-m", "kpi", "--help"], installed.work, installed.env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: python -m kpi [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nCommands:\n" in done.stdout
    assert "  status " in done.stdout


def test_init_from_the_package_then_status_in_vietnamese(installed: Installed) -> None:
    project = installed.work / "haiphong"
    done = _run([installed.kpi, "init", project], installed.work, installed.env)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == f"created {project / 'targets.toml'}\n"
    shipped = installed.source / "kpi" / "templates" / "haiphong"
    for source in sorted(p for p in shipped.rglob("*.toml")):
        written = project / source.relative_to(shipped)
        assert written.read_bytes() == source.read_bytes(), written

    done = _run(
        [installed.kpi, "--project", project, "--lang", "vi", "status", "--as-of", "2026"],
        installed.work,
        installed.env,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0].rstrip() == "Hải Phòng 2030, tính đến năm 2026"
    assert "đúng lộ trình" in done.stdout  # on track
    assert "on track" not in done.stdout


def test_kpi_lang_in_the_environment_translates_help(installed: Installed) -> None:
    env = {**installed.env, "KPI_LANG": "vi"}
    done = _run([installed.kpi, "--help"], installed.work, env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: kpi [OPTIONS] COMMAND [ARGS]...\n")
    assert "Ví dụ: kpi status --as-of 2025" in done.stdout  # Example: kpi status --as-of 2025
    assert "Ghi một số liệu" in done.stdout  # record's summary: Record one observation
    assert "Track a city" not in done.stdout


def test_the_installed_module_is_the_venvs_not_the_checkouts(installed: Installed) -> None:
    code = "import kpi, kpi.i18n; print(kpi.__file__); print(kpi.i18n.LOCALE_DIR)"
    done = _run([installed.python, "-c", code], installed.work, installed.env)
    assert (done.returncode, done.stderr) == (0, "")
    module, locale = (Path(line).resolve() for line in done.stdout.splitlines())
    assert module.is_relative_to(installed.venv.resolve()), module
    assert not module.is_relative_to(REPO), module
    assert (locale / "vi" / "LC_MESSAGES" / "kpi.mo").is_file()


def test_the_installed_package_ships_the_schemas_kpi_schema_prints(installed: Installed) -> None:
    for kind in ("targets", "observations"):
        code = f"from kpi.schema import shipped; print(shipped({kind!r}), end='')"
        located = _run([installed.python, "-c", code], installed.work, installed.env)
        assert (located.returncode, located.stderr) == (0, ""), kind
        path = Path(located.stdout).resolve()
        assert path.is_relative_to(installed.venv.resolve()), path
        printed = _run([installed.kpi, "schema", kind], installed.work, installed.env)
        assert (printed.returncode, printed.stderr) == (0, "")
        assert printed.stdout == path.read_text(encoding="utf-8")
