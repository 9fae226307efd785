"""Benchmark ``kpi`` against its floor and against data size, side by side in one run.

    python benchmarks/run.py                  # everything (several minutes)
    python benchmarks/run.py --quick          # fewer runs, up to 1,000 indicators (~3 min)
    python benchmarks/run.py --instructions   # also count start-up instructions (valgrind)

Every time is the median of repeated runs of a whole command in a fresh interpreter
(hyperfine-style): wall-clock time from ``perf_counter`` and CPU time (user + system, from
``os.wait4``) of the child. Commands compared with each other run interleaved, round by round in
a rotating order, so that a burst of load on the machine hits them alike. A ratio is the median
of the ratios within each round (``paired_ratio``: the two commands ran seconds apart, so a
machine whose speed drifts over minutes, as a shared virtual machine's does, moves it far less
than it moves a ratio of medians); a goal's verdict ("met" / "not met") is taken on the CPU
ratio, which a machine shared with other work disturbs less than the wall clock (issue 14). The
Markdown report goes to stdout, progress to stderr; it ends with every goal of issue 14 and its
verdict. kpi's cache of observation files (``kpi.cache``) is on, in a folder of the run's own,
and warm after the warm-up rounds, as when people run kpi again; the scale and growth sections
also time the commands cold (``KPI_CACHE=off``), as CI runs them.

Sections:

1. start-up on the shipped Hai Phong data: ``status --format json``, ``status``, ``check``,
   ``validate``, ``show``, ``--help``, ``--version`` and a usage error against the floor
   ``python -c "import typer; from pydantic import BaseModel"``;
2. (``--instructions``) the floor, ``status --format json`` and ``status`` in instructions
   counted by valgrind, which do not depend on the load;
3. scale: a generated project of 1,000 indicators (1,500 targets, 30,000 observations) against a
   one-target project, for ``status`` (json and table), ``check``, ``validate`` and ``export``;
   a command this ``kpi`` does not have is skipped, and the report says so;
4. growth: ``status --format json`` and ``validate`` from 10 to 10,000 indicators, the cost per
   indicator against a bare ``rtoml`` read of the same files;
5. report: ``kpi report --format html`` of 1,000 indicators, its time and peak memory (the
   child's maximum resident set from ``os.wait4``), stopped after ``--report-limit`` seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from generate import write_project  # benchmarks/ is on sys.path when run as a script

FLOOR = (sys.executable, "-c", "import typer; from pydantic import BaseModel")
AS_OF = "2026"
GOAL_JSON = 1.3
GOAL_TABLE = 1.5
GOAL_SCALE = 2.0
GOAL_PER_INDICATOR = 2.0  # times a bare rtoml read of the same files, per indicator
GOAL_REPORT_SECONDS = 20.0
GOAL_REPORT_MIB = 500.0
REPORT_INDICATORS = 1000
SECTIONS = ("startup", "instructions", "scale", "growth", "report")

# (label, arguments after `kpi`, goal in times the floor, exit codes that mean success)
STARTUP_COMMANDS: tuple[tuple[str, tuple[str, ...], float, frozenset[int]], ...] = (
    (
        "status --format json",
        ("status", "--as-of", AS_OF, "--format", "json"),
        GOAL_JSON,
        frozenset({0}),
    ),
    ("status", ("status", "--as-of", AS_OF), GOAL_TABLE, frozenset({0})),
    ("check", ("check", "--as-of", AS_OF), 1.3, frozenset({0, 1})),  # 1: a target off track
    ("validate", ("validate",), 1.3, frozenset({0})),
    ("show high_tech_share", ("show", "high_tech_share", "--as-of", AS_OF), 1.6, frozenset({0})),
    ("--help", ("--help",), 1.0, frozenset({0})),
    ("--version", ("--version",), 1.0, frozenset({0})),
    ("usage error", ("status", "--format", "nonsense"), 1.0, frozenset({2})),
)


@dataclass(frozen=True)
class Goal:
    """One goal of issue 14 as measured: what, the measured figure, the goal, and the verdict."""

    name: str
    measured: str
    goal: str
    met: bool | None  # None: not measured in this run


GOALS: list[Goal] = []


@dataclass
class Command:
    """A command line to time, run in ``cwd``; ``ok`` are the exit codes that mean success;
    ``cold``: with kpi's cache of observation files off (``KPI_CACHE=off``), as on CI."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    ok: frozenset[int] = frozenset({0})
    cold: bool = False
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def kpi_prefix() -> tuple[str, ...]:
    """How to start the installed ``kpi``: its console script, under this interpreter."""
    script = Path(sysconfig.get_path("scripts")) / "kpi"
    if script.is_file():
        return (sys.executable, str(script))
    code = "import sys; from kpi.cli import main; sys.argv[0] = 'kpi'; sys.exit(main())"
    return (sys.executable, "-c", code)


def _environment() -> dict[str, str]:
    drop = ("KPI_PROJECT", "KPI_LANG", "PYTHONHASHSEED", "KPI_CACHE", "KPI_CACHE_DIR")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.setdefault("COLUMNS", "120")  # Rich draws for a 120-column terminal, not 80
    env["KPI_CACHE"] = "on"  # as people run kpi, even where CI is set (``use_cache_in``)
    return env


def use_cache_in(folder: Path) -> None:
    """Keep kpi's cache of observation files in ``folder`` (the run's own, not the user's)."""
    ENV["KPI_CACHE_DIR"] = str(folder)


def _env(command: Command) -> dict[str, str]:
    return {**ENV, "KPI_CACHE": "off"} if command.cold else ENV


ENV = _environment()


def _run_once(command: Command) -> None:
    start = time.perf_counter()
    process = subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env=_env(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    command.wall.append(time.perf_counter() - start)
    process.returncode = code = os.waitstatus_to_exitcode(status)
    command.cpu.append(usage.ru_utime + usage.ru_stime)
    if code not in command.ok:
        raise SystemExit(f"{command.label}: exit code {code} while timing")


def _check(command: Command) -> None:
    """Run once with the output kept: fail loudly rather than time an error message."""
    done = subprocess.run(
        command.argv,
        cwd=command.cwd,
        env=_env(command),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in command.ok:
        raise SystemExit(f"{command.label}: exit code {done.returncode}\n{done.stderr[-2000:]}")


def measure(commands: Sequence[Command], runs: int, warmup: int = 2) -> None:
    """Time ``commands`` interleaved: ``warmup`` untimed rounds, then ``runs`` timed rounds,
    each running every command once, in an order rotated by one from the round before."""
    for command in commands:
        _check(command)
    for _ in range(warmup):
        for command in commands:
            _run_once(command)
    for command in commands:
        command.wall.clear()
        command.cpu.clear()
    for round_number in range(runs):
        shift = round_number % len(commands)
        for command in (*commands[shift:], *commands[:shift]):
            _run_once(command)
    _log("  " + ", ".join(f"{c.label}: {c.wall_median * 1000:.0f} ms" for c in commands))


def paired_ratio(base: Command, other: Command, clock: str = "cpu") -> float:
    """The median over the rounds of ``measure`` of ``other``'s time over ``base``'s in the same
    round (``clock``: ``cpu`` or ``wall``)."""
    ours: list[float] = getattr(base, clock)
    theirs: list[float] = getattr(other, clock)
    return statistics.median(b / a for a, b in zip(ours, theirs, strict=True))


def has_command(name: str, cwd: Path) -> bool:
    """True when this ``kpi`` has the sub-command ``name``."""
    argv = (*kpi_prefix(), name, "--help")
    return subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, check=False).returncode == 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _verdict(ratio: float, goal: float) -> str:
    return "met" if ratio <= goal else "**not met**"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compile_bytecode() -> int:
    """Compile the bytecode the install lacks (as ``pip install`` does, unless it ran with
    ``PYTHONDONTWRITEBYTECODE`` set): every missing or stale ``.pyc`` of the site-packages
    folder ``kpi`` is installed in. Without them each command compiles kpi's modules from source
    (tens of milliseconds), which no regular install pays. Returns how many were written."""
    import compileall
    import importlib.util

    kpi_spec = importlib.util.find_spec("kpi")
    if kpi_spec is None or kpi_spec.origin is None:
        return 0
    folder = Path(kpi_spec.origin).parent.parent
    before = sum(1 for _ in folder.rglob("*.pyc"))
    compileall.compile_dir(str(folder), quiet=2, workers=0)
    return sum(1 for _ in folder.rglob("*.pyc")) - before


def machine_report(compiled: int = 0) -> list[str]:
    packages = ", ".join(
        f"{name} {_version(name)}" for name in ("typer", "pydantic", "rich", "rtoml", "kpi")
    )
    return [
        f"- CPU: {_cpu_model()}; `nproc`: {os.cpu_count()}",
        f"- Python {platform.python_version()} ({sys.executable}); {packages}",
        f"- load average at the start: {_load()}",
        f"- kpi started as `{' '.join(kpi_prefix())}`",
        f"- bytecode: {compiled:,} missing `.pyc` files compiled before measuring"
        " (`compile_bytecode`)",
    ]


def shipped_project(work: Path, name: str) -> Path:
    """A copy of the shipped Hai Phong project (what ``kpi init`` writes) under ``work``."""
    project = work / name
    shutil.copytree(str(resources.files("kpi") / "templates" / "haiphong"), project)
    return project


def startup(work: Path, runs: int) -> list[str]:
    project = shipped_project(work, "haiphong")
    kpi = kpi_prefix()
    floor = Command("floor", FLOOR, project)
    commands = [
        (Command(f"kpi {label}", (*kpi, *args), project, ok), goal)
        for label, args, goal, ok in STARTUP_COMMANDS
    ]
    _log(f"start-up: {runs} interleaved runs")
    measure([floor, *(command for command, _ in commands)], runs)
    lines = [
        "## Start-up on the shipped data",
        "",
        f'Floor: `python -c "import typer; from pydantic import BaseModel"`. {runs} runs each; '
        f"`--as-of {AS_OF}` where a command takes it; the verdict is on the CPU ratio.",
        "",
        "| command | wall (ms) | CPU (ms) | wall ratio | CPU ratio | goal | verdict (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| floor | {_ms(floor.wall_median)} | {_ms(floor.cpu_median)} | 1.00 | 1.00 | | |",
    ]
    for command, goal in commands:
        wall = paired_ratio(floor, command, "wall")
        cpu = paired_ratio(floor, command)
        lines.append(
            f"| `{command.label}` | {_ms(command.wall_median)} | {_ms(command.cpu_median)} "
            f"| {wall:.2f} | {cpu:.2f} | {goal} | {_verdict(cpu, goal)} |"
        )
        GOALS.append(
            Goal(
                f"`{command.label}` ≤ {goal}× the floor ({_ms(floor.cpu_median)} ms CPU)",
                f"{cpu:.2f}× ({_ms(command.cpu_median)} ms)",
                f"{goal}",
                cpu <= goal,
            )
        )
    return lines


def _instructions(argv: Sequence[str], cwd: Path) -> int:
    """Instructions the whole process executes, counted by valgrind's callgrind."""
    done = subprocess.run(
        ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv),
        cwd=cwd,
        env={**ENV, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stderr.splitlines():
        if "refs:" in line:
            return int(line.split("refs:")[1].strip().replace(",", ""))
    raise SystemExit(f"valgrind counted nothing for {' '.join(argv)}:\n{done.stderr[-2000:]}")


def instructions(work: Path) -> list[str]:
    project = shipped_project(work, "haiphong-counted")
    python = sys.executable  # as invoked (a venv's link, not its target: the venv's packages)
    kpi = (python, *kpi_prefix()[1:])
    commands: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
        ("floor", (python, *FLOOR[1:]), None),
        ("kpi status --format json", (*kpi, "status", "--format", "json"), GOAL_JSON),
        ("kpi status", (*kpi, "status"), GOAL_TABLE),
    )
    _log("instructions: one valgrind run per command (up to a minute each)")
    counts = [(label, _instructions(argv, project), goal) for label, argv, goal in commands]
    floor = counts[0][1]
    lines = [
        "## Start-up in instructions",
        "",
        "Instructions executed by the whole process, counted once by `valgrind --tool=callgrind`"
        " with `PYTHONHASHSEED=0`; unlike time, the count does not depend on the load.",
        "",
        "| command | instructions (millions) | ratio | goal | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, count, goal in counts:
        ratio = count / floor
        verdict = "" if goal is None else _verdict(ratio, goal)
        lines.append(f"| `{label}` | {count / 1e6:,.0f} | {ratio:.2f} | {goal or ''} | {verdict} |")
    return lines


SCALE_COMMANDS: tuple[tuple[str, tuple[str, ...], frozenset[int]], ...] = (
    ("status --format json", ("status", "--as-of", AS_OF, "--format", "json"), frozenset({0})),
    ("status", ("status", "--as-of", AS_OF), frozenset({0})),
    ("check", ("check", "--as-of", AS_OF), frozenset({0, 1})),  # 1: a target is off track
    ("validate", ("validate",), frozenset({0})),
    ("export", ("export",), frozenset({0})),
)


def scale(work: Path, runs: int, indicators: int = 1000) -> list[str]:
    small = write_project(work / "one-target", 1, one_target=True)
    large = write_project(work / f"scale-{indicators}", indicators)
    kpi = kpi_prefix()
    lines = [
        f"## Scale: {indicators:,} indicators against one target",
        "",
        f"{indicators:,} indicators, {indicators * 3 // 2:,} targets and {indicators * 30:,} "
        "observations (`benchmarks/generate.py`) against one indicator with one target and 30 "
        f"observations; `--as-of {AS_OF}`. {runs} runs each. As people run kpi again on files "
        "that did not change, kpi's cache of observation files is warm (the warm-up rounds fill "
        "it); 'cold' is the same command with `KPI_CACHE=off`, as on CI, where every file is "
        "parsed and validated. The verdict is taken on the warm CPU ratio.",
        "",
        "| command | one target (ms) | large (ms) | wall ratio | CPU ratio | goal "
        "| verdict (CPU) | cold: one target (ms) | cold: large (ms) | cold: CPU ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for label, args, ok in SCALE_COMMANDS:
        if not has_command(args[0], small):
            _log(f"scale: this kpi has no `{args[0]}` command: skipped")
            lines.append(f"| `kpi {label}` | skipped: this kpi has no such command |" + " |" * 8)
            GOALS.append(
                Goal(
                    f"`kpi {label}` at {indicators:,} indicators",
                    "no such command",
                    f"{GOAL_SCALE}",
                    None,
                )
            )
            continue
        one = Command(f"{label} (one target)", (*kpi, *args), small, ok)
        many = Command(f"{label} ({indicators:,})", (*kpi, *args), large, ok)
        one_cold = Command(f"{label} (one target, cold)", (*kpi, *args), small, ok, cold=True)
        many_cold = Command(f"{label} ({indicators:,}, cold)", (*kpi, *args), large, ok, cold=True)
        _log(f"scale: kpi {label}, {runs} interleaved runs")
        measure([one, many, one_cold, many_cold], runs)
        wall = paired_ratio(one, many, "wall")
        cpu = paired_ratio(one, many)
        cold = paired_ratio(one_cold, many_cold)
        lines.append(
            f"| `kpi {label}` | {_ms(one.wall_median)} | {_ms(many.wall_median)} "
            f"| {wall:.2f} | {cpu:.2f} | {GOAL_SCALE} | {_verdict(cpu, GOAL_SCALE)} "
            f"| {_ms(one_cold.wall_median)} | {_ms(many_cold.wall_median)} | {cold:.2f} |"
        )
        GOALS.append(
            Goal(
                f"`kpi {label}`: {indicators:,} indicators ≤ {GOAL_SCALE}× one target "
                f"({_ms(one.cpu_median)} ms CPU)",
                f"{cpu:.2f}× ({_ms(many.cpu_median)} ms)",
                f"{GOAL_SCALE}",
                cpu <= GOAL_SCALE,
            )
        )
    return lines


BARE_READ = (
    "import pathlib, rtoml\n"
    "root = pathlib.Path('.')\n"
    "rtoml.loads((root / 'targets.toml').read_text(encoding='utf-8'))\n"
    "for path in sorted((root / 'observations').glob('*.toml')):\n"
    "    rtoml.loads(path.read_text(encoding='utf-8'))\n"
)
"""The bare read the per-indicator cost is compared with: every file read and parsed by rtoml."""


def growth(work: Path, sizes: Sequence[int], runs: int, big_runs: int) -> list[str]:
    kpi = kpi_prefix()
    lines = [
        "## Growth with the number of indicators",
        "",
        "1.5 targets and 30 observations per indicator. CPU medians of "
        f"{runs} runs ({big_runs} at 10,000); 'ratio' is to the smallest size; 'per indicator' "
        "is the CPU time added since the smallest size divided by the indicators added; 'bare "
        "read' is `python -c` reading and parsing the same files with `rtoml` and nothing else. "
        "kpi's cache of observation files is warm; 'cold' is `status --format json` with "
        "`KPI_CACHE=off` (as on CI).",
        "",
        "| indicators | targets | observations | `status --format json` (ms) | ratio "
        "| per indicator (ms) | `validate` (ms) | per indicator (ms) | bare read (ms) "
        "| per indicator (ms) | cold (ms) | per indicator (ms) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base: tuple[float, ...] | None = None
    per: tuple[float, ...] | None = None
    for size in sizes:
        project = work / f"growth-{size}"
        _log(f"growth: writing {size:,} indicators")
        write_project(project, size)
        status = Command(
            f"status json ({size:,})",
            (*kpi, "status", "--as-of", AS_OF, "--format", "json"),
            project,
        )
        validate = Command(f"validate ({size:,})", (*kpi, "validate"), project)
        bare = Command(f"bare rtoml read ({size:,})", (sys.executable, "-c", BARE_READ), project)
        cold = Command(f"status json ({size:,}, cold)", status.argv, project, cold=True)
        big = size >= 10_000
        commands = [status, validate, bare, cold]
        measure(commands, big_runs if big else runs, warmup=1 if big else 2)
        medians = tuple(command.cpu_median for command in commands)
        if base is None:
            base = medians
            shown = ("–",) * len(medians)
        else:
            added = size - sizes[0]
            per = tuple((now - first) / added for now, first in zip(medians, base, strict=True))
            shown = tuple(f"{value * 1000:.3f}" for value in per)
        lines.append(
            f"| {size:,} | {size * 3 // 2:,} | {size * 30:,} | {_ms(medians[0])} "
            f"| {medians[0] / base[0]:.1f} | {shown[0]} | {_ms(medians[1])} | {shown[1]} "
            f"| {_ms(medians[2])} | {shown[2]} | {_ms(medians[3])} | {shown[3]} |"
        )
        shutil.rmtree(project)
    if per is not None:
        largest = f"{sizes[-1]:,}"
        bare_cost = per[2]
        for label, cost, cold_cost in (
            ("status --format json", per[0], per[3]),
            ("validate", per[1], None),
        ):
            ratio = cost / bare_cost if bare_cost > 0 else float("inf")
            measured = f"{ratio:.2f}× ({cost * 1000:.3f} ms)"
            if cold_cost is not None and bare_cost > 0:
                measured += f"; cold {cold_cost / bare_cost:.2f}× ({cold_cost * 1000:.3f} ms)"
            GOALS.append(
                Goal(
                    f"`kpi {label}` at {largest} indicators: cost per indicator ≤ "
                    f"{GOAL_PER_INDICATOR}× a bare rtoml read ({bare_cost * 1000:.3f} ms)",
                    measured,
                    f"{GOAL_PER_INDICATOR}",
                    ratio <= GOAL_PER_INDICATOR,
                )
            )
        if sizes[-1] < 10_000:
            GOALS.append(
                Goal("10,000 indicators measured", f"up to {largest} in this run", "", None)
            )
    return lines


def _run_bounded(argv: Sequence[str], cwd: Path, limit: float) -> tuple[float, float, int | None]:
    """Run ``argv`` once: wall seconds, peak memory of the child in MiB, and its exit code
    (``None`` when it was stopped after ``limit`` seconds)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > limit:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = 0  # reaped here; keep Popen from waiting again
            return time.perf_counter() - start, usage.ru_maxrss / 1024, None
        time.sleep(0.05)
    wall = time.perf_counter() - start
    process.returncode = code = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale_to_mib = 1024 * 1024 if sys.platform == "darwin" else 1024
    return wall, usage.ru_maxrss / scale_to_mib, code


def report_section(
    work: Path, runs: int, limit: float, indicators: int = REPORT_INDICATORS
) -> list[str]:
    project = write_project(work / f"report-{indicators}", indicators)
    output = work / "report.html"
    argv = (*kpi_prefix(), "report", "--as-of", AS_OF, "--format", "html", "--output", str(output))
    lines = [
        f"## `kpi report --format html` of {indicators:,} indicators",
        "",
        f"{runs} run(s), median time; peak memory is the child's maximum resident set "
        f"(`os.wait4`); a run is stopped after {limit:.0f} s.",
        "",
        "| run | wall (s) | peak memory (MiB) | exit code |",
        "| ---: | ---: | ---: | ---: |",
    ]
    walls: list[float] = []
    peaks: list[float] = []
    stopped = False
    for number in range(1, runs + 1):
        _log(f"report: run {number} of {runs} ({indicators:,} indicators)")
        wall, peak, code = _run_bounded(argv, project, limit)
        walls.append(wall)
        peaks.append(peak)
        shown = "stopped" if code is None else str(code)
        lines.append(f"| {number} | {wall:.1f} | {peak:,.0f} | {shown} |")
        if code is None or code != 0:
            stopped = True
            break
    wall = statistics.median(walls)
    peak = max(peaks)
    more = "> " if stopped else ""
    GOALS.append(
        Goal(
            f"`kpi report --format html` of {indicators:,} indicators ≤ "
            f"{GOAL_REPORT_SECONDS:.0f} s",
            f"{more}{wall:.1f} s",
            f"{GOAL_REPORT_SECONDS:.0f} s",
            not stopped and wall <= GOAL_REPORT_SECONDS,
        )
    )
    GOALS.append(
        Goal(
            f"`kpi report --format html` of {indicators:,} indicators ≤ "
            f"{GOAL_REPORT_MIB:.0f} MiB peak",
            f"{more}{peak:,.0f} MiB",
            f"{GOAL_REPORT_MIB:.0f} MiB",
            not stopped and peak <= GOAL_REPORT_MIB,
        )
    )
    shutil.rmtree(project)
    return lines


def goals_report() -> list[str]:
    """Every goal of issue 14 measured in this run, with its verdict."""
    lines = [
        "## Goals (issue 14)",
        "",
        "| goal | measured | verdict |",
        "| --- | ---: | --- |",
    ]
    for goal in GOALS:
        verdict = "not measured" if goal.met is None else ("met" if goal.met else "**not met**")
        lines.append(f"| {goal.name} | {goal.measured} | {verdict} |")
    met = sum(goal.met is True for goal in GOALS)
    missed = sum(goal.met is False for goal in GOALS)
    unmeasured = len(GOALS) - met - missed
    lines += ["", f"{met} met, {missed} not met, {unmeasured} not measured in this run."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark kpi (see the module docstring).")
    parser.add_argument("--runs", type=int, default=30, help="timed runs for start-up")
    parser.add_argument("--scale-runs", type=int, default=15, help="timed runs for scale")
    parser.add_argument("--growth-runs", type=int, default=10, help="timed runs for growth")
    parser.add_argument("--big-runs", type=int, default=3, help="timed runs at 10,000")
    parser.add_argument("--report-runs", type=int, default=3, help="runs of kpi report")
    parser.add_argument(
        "--report-limit",
        type=float,
        default=3 * GOAL_REPORT_SECONDS,
        help="seconds after which kpi report is stopped (--quick: 5 past its goal)",
    )
    parser.add_argument("--max-indicators", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="few runs, up to 1,000 indicators")
    parser.add_argument(
        "--instructions", action="store_true", help="also count start-up instructions (valgrind)"
    )
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    options = parser.parse_args()
    if options.quick:
        options.runs, options.scale_runs, options.growth_runs = 7, 5, 3
        options.report_runs = 1
        options.report_limit = min(options.report_limit, GOAL_REPORT_SECONDS + 5)
        options.max_indicators = min(options.max_indicators, 1000)
    sections = options.only or [s for s in SECTIONS if s != "instructions"]
    if options.instructions and "instructions" not in sections:
        sections.append("instructions")
    if "instructions" in sections and shutil.which("valgrind") is None:
        _log("instructions: valgrind is not installed (apt-get install valgrind): skipped")
        sections.remove("instructions")
    sizes = [size for size in (10, 100, 1000, 10_000) if size <= options.max_indicators]
    started = time.perf_counter()
    compiled = compile_bytecode()
    report = ["# kpi benchmark", "", *machine_report(compiled)]
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as temporary:
        work = Path(temporary)
        use_cache_in(work / "kpi-cache")
        if "startup" in sections:
            report += ["", *startup(work, options.runs)]
        if "instructions" in sections:
            report += ["", *instructions(work)]
        if "scale" in sections:
            report += ["", *scale(work, options.scale_runs)]
        if "growth" in sections:
            report += ["", *growth(work, sizes, options.growth_runs, options.big_runs)]
        if "report" in sections:
            report += ["", *report_section(work, options.report_runs, options.report_limit)]
    report += ["", *goals_report()]
    command = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    report += [
        "",
        f"Command: `{command}`; {time.perf_counter() - started:.0f} s in all; "
        f"load average at the end: {_load()}.",
    ]
    print("\n".join(report))


if __name__ == "__main__":
    main()
