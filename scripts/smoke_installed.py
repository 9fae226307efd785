"""Smoke-test kpi as installed: every command, in English and in Vietnamese, run as a user of the
installed package runs them, from a temporary folder outside any checkout.

    VENV/bin/python scripts/smoke_installed.py [--verbose]

Runs the ``kpi`` console script that sits beside the Python running this script (and, for a
few commands, ``python -m kpi``) against projects it writes with ``kpi init`` in a temporary
folder, which it removes afterwards. Each command must exit with the code expected (``check``: 0
or 1, see the exit codes in the README), print no ``Traceback``, and write what it should.

Exit codes: 0 when every command did; 1 when any did not, after naming each one with its exit
code, its stderr and the start of its stdout; 2 when there is nothing to test (no ``kpi`` beside
this Python, or a ``kpi`` imported from a source checkout instead of installed). Only the
standard library: it runs in the venv under test. ``.ci/run`` builds the wheel, installs it into
a fresh venv and runs this script with that venv's Python.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

OK = frozenset({0})
GATE = frozenset({0, 1})  # check: 1 when a target is at or worse than --fail-on
REFUSED = frozenset({2})
TIMEOUT = 300  # seconds for one command
AS_OF = "2026"
INDICATOR = "high_tech_share"
# Every command of `kpi --help`; main() fails when kpi lists one that is not here.
COMMANDS = (
    "status", "show", "record", "validate", "init", "import", "export", "check", "report", "chart",
    "schema",
)  # fmt: skip


@dataclass(frozen=True)
class Texts:
    """A few words each command prints to people, in one language (kpi/locale's catalogue)."""

    as_of: str
    valid: str
    created: str
    wrote: str
    added: str
    unchanged: str
    dry_run: str
    error: str
    example: str


TEXTS = {
    "en": Texts(
        as_of=f"as of {AS_OF}", valid="valid:", created="created ", wrote="wrote ",
        added="added:", unchanged="unchanged:", dry_run="dry run of ", error="error:",
        example="Example:",
    ),
    "vi": Texts(
        as_of=f"tính đến năm {AS_OF}", valid="hợp lệ:", created="đã tạo ", wrote="đã ghi ",
        added="đã thêm:", unchanged="giữ nguyên:", dry_run="chạy thử với ", error="lỗi:",
        example="Ví dụ:",
    ),
}  # fmt: skip


def _json(text: str) -> None:
    json.loads(text)


def _xml(text: str) -> None:
    ElementTree.fromstring(text)


def _csv(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise ValueError(f"{len(rows)} CSV rows, expected a header and data")


@dataclass(frozen=True)
class Step:
    """One command to run and what it must do."""

    args: tuple[str, ...]  # after the program (`kpi` or `python -m kpi`)
    codes: frozenset[int] = OK
    stdout_has: tuple[str, ...] = ()
    stderr_has: tuple[str, ...] = ()
    stdout_parses: Callable[[str], None] | None = None  # raises on output that does not parse
    env: Mapping[str, str] = field(default_factory=dict)  # added to the base environment
    files: tuple[Path, ...] = ()  # files the command must leave, not empty
    module: bool = False  # run as `python -m kpi`


@dataclass(frozen=True)
class Outcome:
    """What a step did, and what was wrong with it (nothing when ``problems`` is empty)."""

    step: Step
    command: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    problems: tuple[str, ...]


def language_steps(language: str, folder: Path) -> list[Step]:
    """Every command in ``language``, in an order that works: init a project in ``folder``, read
    it in every format, record into it, export and import back, draw, report, refuse."""
    t = TEXTS[language]
    project = folder / "project"
    summary = folder / "step-summary.md"
    exported = folder / "export.csv"

    def on(*args: str) -> tuple[str, ...]:
        """``args`` after the global options choosing the project and the language."""
        return ("--project", str(project), "--lang", language, *args)

    steps = [
        Step(("--lang", language, "init", str(project)), stderr_has=(t.created,),
             files=(project / "targets.toml",)),
        Step(on("validate"), stdout_has=(t.valid,)),
    ]  # fmt: skip
    for fmt, parses in (("table", None), ("json", _json), ("csv", _csv), ("markdown", None)):
        has = (t.as_of,) if fmt == "table" else ()
        steps.append(
            Step(on("status", "--as-of", AS_OF, "--format", fmt), stdout_has=has,
                 stdout_parses=parses)
        )  # fmt: skip
    steps += [
        Step(on("show", INDICATOR, "--as-of", AS_OF), stdout_has=(INDICATOR,)),
        Step(on("show", INDICATOR, "--as-of", AS_OF, "--format", "json"), stdout_parses=_json),
        Step(on("check", "--as-of", AS_OF), GATE),
        Step(on("check", "--as-of", AS_OF, "--format", "json"), GATE, stdout_parses=_json),
        Step(on("check", "--as-of", AS_OF, "--format", "github"), GATE,
             env={"GITHUB_STEP_SUMMARY": str(summary)}, files=(summary,)),
        Step(on("check", "--as-of", AS_OF, "--format", "junit"), GATE, stdout_parses=_xml),
        Step(on("check", "--as-of", AS_OF, "--format", "markdown"), GATE,
             stdout_has=("<!-- kpi check -->",)),
        Step(on("check", "--as-of", AS_OF, "--fail-on", "at_risk"), GATE),
        Step(on("export", "--format", "csv", "--output", str(exported)), stderr_has=(t.wrote,),
             files=(exported,)),
        Step(on("export", "--format", "json"), stdout_parses=_json),
        Step(on("export", "--format", "sdmx-csv"), stdout_parses=_csv),
        Step(on("import", str(exported), "--dry-run"), stderr_has=(t.dry_run,)),
        Step(on("record", INDICATOR, "2024", "61.5", "--status", "E", "--source", "smoke test"),
             stderr_has=(t.added,)),
        Step(on("record", INDICATOR, "2024", "61.5", "--status", "E", "--source", "smoke test"),
             stderr_has=(t.unchanged,)),
        Step(on("record", INDICATOR, "2024", "62", "--source", "smoke test"), REFUSED,
             stderr_has=(t.error,)),
        Step(on("import", str(exported)), stderr_has=(str(exported),)),
        Step(on("validate"), stdout_has=(t.valid,)),
        Step(on("report", "--as-of", AS_OF, "--format", "markdown", "--output",
                str(folder / "report.md")), stderr_has=(t.wrote,), files=(folder / "report.md",)),
        Step(on("report", "--as-of", AS_OF, "--format", "html", "--output",
                str(folder / "report.html")), stderr_has=(t.wrote,),
             files=(folder / "report.html",)),
        Step(on("report", "--as-of", AS_OF), stdout_has=(INDICATOR,)),
        Step(on("status", "--as-of", AS_OF, "--format", "xlsx", "--output",
                str(folder / "status.xlsx")), stderr_has=(t.wrote,),
             files=(folder / "status.xlsx",)),
        Step(on("export", "--format", "xlsx", "--template", "--output",
                str(folder / "template.xlsx")), stderr_has=(t.wrote,),
             files=(folder / "template.xlsx",)),
        Step(on("chart", INDICATOR, "--as-of", AS_OF, "--output", str(folder / "chart.svg")),
             stderr_has=(t.wrote,), files=(folder / "chart.svg",)),
        Step(on("chart", INDICATOR, "--as-of", AS_OF, "--output", str(folder / "chart.png")),
             stderr_has=(t.wrote,), files=(folder / "chart.png",)),
        Step(("--lang", language, "schema", "targets"), stdout_parses=_json),
        Step(("--lang", language, "schema", "observations", "--output",
              str(folder / "observations.schema.json")), stderr_has=(t.wrote,),
             files=(folder / "observations.schema.json",)),
        Step(("--lang", language, "init", "--blank", str(folder / "blank")),
             stderr_has=(t.created,), files=(folder / "blank" / "targets.toml",)),
        Step(("--lang", language, "init", str(project)), REFUSED, stderr_has=(t.error,)),
        Step(("--project", str(folder / "nowhere"), "--lang", language, "status"), REFUSED,
             stderr_has=(t.error,)),
        Step(("--lang", language, "--help"), stdout_has=("Usage:", t.example)),
        Step(("--lang", language, "--help"), stdout_has=("Usage:",), module=True),
        Step(on("status", "--as-of", AS_OF), stdout_has=(t.as_of,), module=True),
    ]  # fmt: skip
    steps += [
        Step(("--lang", language, command, "--help"), stdout_has=("Usage:", t.example))
        for command in COMMANDS
    ]
    return steps


def run_step(step: Step, kpi: Path, python: Path, cwd: Path, env: Mapping[str, str]) -> Outcome:
    """Run ``step`` from ``cwd`` and judge what it did."""
    program = [str(python), "-m", "kpi"] if step.module else [str(kpi)]
    shown = f"{'python -m kpi' if step.module else 'kpi'} {shlex.join(step.args)}"
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [*program, *step.args],
            cwd=cwd,
            env={**env, **step.env},
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(step, shown, -1, "", "", TIMEOUT, (f"no exit within {TIMEOUT} s",))
    seconds = time.perf_counter() - started
    problems = []
    if done.returncode not in step.codes:
        expected = " or ".join(map(str, sorted(step.codes)))
        problems.append(f"exit code {done.returncode}, expected {expected}")
    if "Traceback" in done.stderr or "Traceback" in done.stdout:
        problems.append("printed a Traceback")
    problems += [f"stdout lacks {text!r}" for text in step.stdout_has if text not in done.stdout]
    problems += [f"stderr lacks {text!r}" for text in step.stderr_has if text not in done.stderr]
    if step.stdout_parses is not None:
        try:
            step.stdout_parses(done.stdout)
        except (ValueError, ElementTree.ParseError) as error:
            problems.append(f"stdout does not parse: {error}")
    for path in step.files:
        if not path.is_file() or path.stat().st_size == 0:
            problems.append(f"did not write {path}")
    return Outcome(step, shown, done.returncode, done.stdout, done.stderr, seconds, tuple(problems))


def listed_commands(kpi: Path, cwd: Path, env: Mapping[str, str]) -> list[str]:
    """The commands ``kpi --help`` lists (the first word of each line under ``Commands:``)."""
    done = subprocess.run(
        [str(kpi), "--lang", "en", "--help"], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=TIMEOUT, check=False,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    start = lines.index("Commands:") + 1 if "Commands:" in lines else len(lines)
    names = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        if not line.startswith("   "):
            names.append(line.split()[0])
    return names


def base_environment(bin_dir: Path) -> dict[str, str]:
    """This process's environment without anything that would choose kpi's project, language
    or package for it: the venv's folder first on PATH, an English locale, no colour."""
    dropped = ("KPI_", "PYTHON", "VIRTUAL_ENV", "GITHUB_", "LC_", "LANG")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env.update(LC_ALL="C.UTF-8", PYTHONUTF8="1", NO_COLOR="1", COLUMNS="120")
    return env


def _fail_setup(message: str) -> int:
    print(f"smoke_installed: {message}", file=sys.stderr)
    return 2


def _report_failure(outcome: Outcome) -> None:
    print(f"FAIL {outcome.command}", file=sys.stderr)
    for problem in outcome.problems:
        print(f"  {problem}", file=sys.stderr)
    print(f"  --- stderr (exit code {outcome.returncode})", file=sys.stderr)
    for line in outcome.stderr.splitlines()[-40:]:
        print(f"  {line}", file=sys.stderr)
    print("  --- stdout (first 20 lines)", file=sys.stderr)
    for line in outcome.stdout.splitlines()[:20]:
        print(f"  {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every step in both languages; print a failure report for each step that failed and
    a one-line summary. Returns the exit code (0, 1 or 2, as the module's docstring says)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every command run")
    options = parser.parse_args(argv)

    python = Path(sys.executable)
    kpi = python.with_name("kpi.exe" if os.name == "nt" else "kpi")
    if not kpi.is_file():
        return _fail_setup(f"no kpi console script beside {python}: install kpi there first")
    env = base_environment(python.parent)
    with tempfile.TemporaryDirectory(prefix="kpi-smoke-") as temporary:
        root = Path(temporary)
        where = subprocess.run(
            [str(python), "-c", "import kpi; print(kpi.__version__); print(kpi.__file__)"],
            cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        if where.returncode != 0:
            return _fail_setup(f"{python} cannot import kpi:\n{where.stderr}")
        version, module = where.stdout.splitlines()
        checkout = Path(module).resolve().parent.parent
        if (checkout / "pyproject.toml").is_file() or (checkout / ".git").exists():
            return _fail_setup(f"kpi comes from the source checkout {checkout}, not an install")

        unknown = sorted(set(listed_commands(kpi, root, env)) - set(COMMANDS))
        if unknown:
            return _fail_setup(f"kpi has commands this script does not run: {', '.join(unknown)}")
        steps = [
            Step(("--version",), stdout_has=(f"kpi {version}\n",)),
            Step(("--version",), stdout_has=(f"kpi {version}\n",), module=True),
        ]
        for language in TEXTS:
            (root / language).mkdir()
            steps += language_steps(language, root / language)
        work = root / "work"  # the commands' working folder: no targets.toml in it or above
        work.mkdir()
        outcomes = []
        for step in steps:
            outcome = run_step(step, kpi, python, work, env)
            outcomes.append(outcome)
            if outcome.problems:
                _report_failure(outcome)
            elif options.verbose:
                print(f"ok   {outcome.seconds:5.2f} s  {outcome.command}")
    failed = [outcome for outcome in outcomes if outcome.problems]
    seconds = sum(outcome.seconds for outcome in outcomes)
    print(
        f"smoke_installed: {len(outcomes)} commands, {len(failed)} unexpected, in "
        f"{seconds:.1f} s (kpi {version} from {Path(module).parent})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
