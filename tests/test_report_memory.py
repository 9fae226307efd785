"""``kpi report --format html`` keeps its memory flat: its peak stays under a ceiling and barely
grows from 100 to 300 charts.

The charts were matplotlib figures, each a web of reference cycles that stayed in memory to the
end (``kpi.cli.main`` disables the cycle collector): about 1.25 MiB a chart. They are now SVG
text written directly (``kpi.render.svg_chart``), which makes no cycles; this test holds that no
way of drawing lets memory grow with the charts again. The command runs in a fresh ``python -m
kpi`` (the real entry point, collector disabled) and its peak resident memory is the child's own
high-water mark, which it writes as it exits. Memory only: no timing.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
# The whole process at 300 charts (200 indicators, 30 years each): about 155 MiB with charts
# freed, about 460 MiB without.
CEILING_MIB = 300
# From 100 to 300 charts: what grows is the data, the SVG text and the page itself, about
# 0.23 MiB a chart (about 46 MiB); without freeing, about 1.25 MiB a chart (about 250 MiB).
GROWTH_MIB = 110


def _write_project(directory: Path, indicators: int) -> Path:
    """A generated project (``benchmarks/generate.py``): N indicators, 1.5 N targets."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    project: Path = generate.write_project(directory, indicators)
    return project


# Runs ``python -m kpi`` and, as it exits (``kpi.cli.leave`` runs the atexit handlers), writes
# the process's own peak resident memory: VmHWM on Linux, which exec resets, where the rusage a
# parent reads also counts the pages the child shared with it before exec (a test run's parent
# may be hundreds of MiB).
_CHILD = """
import atexit, resource, runpy, sys

def _peak(path=sys.argv[1]):
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:  # no /proc: the rusage (bytes on macOS)
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kib = kib // 1024 if sys.platform == "darwin" else kib
    with open(path, "w", encoding="ascii") as out:
        out.write(str(kib))

atexit.register(_peak)
sys.argv = ["kpi", *sys.argv[2:]]
runpy.run_module("kpi", run_name="__main__", alter_sys=True)
"""


def _peak_mib(project: Path, output: Path, tmp_path: Path) -> float:
    """The peak resident memory, in MiB, of ``python -m kpi report --format html`` on
    ``project`` (its own, not its parent's), which must exit 0 and write ``output``."""
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_PROJECT", "KPI_LANG")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    peak = tmp_path / f"{output.stem}.peak"
    command = [sys.executable, "-c", _CHILD, str(peak), "--project", str(project), "report"]
    command += ["--format", "html", "--as-of", "2026", "--output", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8").count("<svg") == _charts(project)
    return int(peak.read_text(encoding="ascii")) / 1024


def _charts(project: Path) -> int:
    """How many targets (hence charts: every generated indicator has observations) ``project``
    has."""
    text = (project / "targets.toml").read_text(encoding="utf-8")
    return sum(line.startswith("[[indicators.") for line in text.splitlines())


@pytest.fixture(scope="module")
def peaks(tmp_path_factory: pytest.TempPathFactory) -> dict[int, float]:
    """The peak memory (MiB) of the HTML report of 100 and of 300 charts."""
    tmp_path = tmp_path_factory.mktemp("report-memory")
    result: dict[int, float] = {}
    for indicators, charts in ((67, 100), (200, 300)):
        project = _write_project(tmp_path / f"p{indicators}", indicators)
        assert _charts(project) == charts
        result[charts] = _peak_mib(project, tmp_path / f"r{indicators}.html", tmp_path)
    return result


def test_the_report_of_300_charts_stays_under_the_ceiling(peaks: dict[int, float]) -> None:
    assert peaks[300] < CEILING_MIB, peaks


def test_memory_barely_grows_from_100_to_300_charts(peaks: dict[int, float]) -> None:
    assert peaks[300] - peaks[100] < GROWTH_MIB, peaks
