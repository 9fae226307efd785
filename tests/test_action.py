"""The tooling a data repository plugs in, run as declared: the composite GitHub Action
(``action.yml``) and the pre-commit hook (``.pre-commit-hooks.yaml``).

The Action's steps run as the runner runs a composite action's ``run`` steps: each script with
``bash --noprofile --norc -eo pipefail``, its ``env`` with ``${{ inputs.* }}`` replaced by the
inputs (their defaults unless a test gives one), ``${{ github.action_path }}`` by this
checkout, in a copy of the shipped project, a failed step skipping the later ones unless their
``if`` says ``!cancelled()``. On ``PATH``, ``kpi`` is this checkout's (``python -m kpi``) and
``python -m pip install`` is recorded instead of run; ``uses`` steps (setup-python) are left out.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "kpi" / "templates" / "haiphong"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
RUNNER_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def load(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


ACTION = load("action.yml")
HOOKS = load(".pre-commit-hooks.yaml")


@dataclass
class Run:
    """What running the Action did: each step's exit code (``None``: skipped), the combined
    stdout of the steps, the files of ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``, and
    what pip was asked to install."""

    codes: dict[str, int | None]
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    installed: list[str]

    @property
    def failed(self) -> bool:
        return any(code for code in self.codes.values())


@pytest.fixture()
def tools(tmp_path: Path) -> Path:
    """A folder for ``PATH``: ``kpi`` (this checkout) and a ``python`` that records ``-m pip
    install`` and runs anything else with this interpreter."""
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "runner-temp" / "pip-install.txt"
    python = shlex.quote(sys.executable)
    (folder / "kpi").write_text(
        f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {python} -m kpi "$@"\n'
    )
    (folder / "python").write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2 $3" = "-m pip install" ]; then shift 3; printf "%s\\n" "$@" >> '
        f"{shlex.quote(str(record))}; exit 0; fi\n"
        f'exec {python} "$@"\n'
    )
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return folder


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A data repository's checkout: a copy of the shipped project."""
    folder = tmp_path / "workspace"
    shutil.copytree(SHIPPED, folder)
    return folder


def substitute(text: str, inputs: Mapping[str, str]) -> str:
    """``text`` with each ``${{ inputs.NAME }}`` and ``${{ github.action_path }}`` replaced;
    any other expression fails the test (a script would not get what the runner gives it)."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression == "github.action_path":
            return str(ROOT)
        name = expression.removeprefix("inputs.")
        assert name != expression and name in inputs, f"unknown expression {expression!r}"
        return inputs[name]

    return EXPRESSION.sub(value, text)


def run_action(
    workspace: Path,
    tools: Path,
    given: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run the Action's steps in ``workspace`` with its inputs' defaults and ``given``."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given or {}) - set(inputs)
    assert not unknown, f"no such inputs: {unknown}"
    inputs |= dict(given or {})
    temp = workspace.parent / "runner-temp"
    temp.mkdir(exist_ok=True)
    output, summary, record = temp / "output.txt", temp / "summary.md", temp / "pip-install.txt"
    for each in (output, summary, record):  # a new job
        each.unlink(missing_ok=True)
    output.touch()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "KPI_"))}
    base |= {
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        **(env or {}),
    }
    codes: dict[str, int | None] = {}
    stdout, stderr = [], []
    for step in ACTION["runs"]["steps"]:
        name = step["name"]
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@"), step["uses"]
            continue
        failed = any(code for code in codes.values())
        if failed and "!cancelled()" not in str(step.get("if", "")):
            codes[name] = None
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach the scripts through env only"
        step_env = {key: substitute(str(value), inputs) for key, value in step["env"].items()}
        done = subprocess.run(
            [*RUNNER_BASH, "-c", step["run"]],
            cwd=workspace,
            env={**base, **step_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        codes[name] = done.returncode
        stdout.append(done.stdout)
        stderr.append(done.stderr)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return Run(
        codes,
        "".join(stdout),
        "".join(stderr),
        outputs,
        summary.read_text(encoding="utf-8") if summary.exists() else "",
        record.read_text().splitlines() if record.exists() else [],
    )


def commands(stdout: str) -> list[tuple[str, str]]:
    """The workflow commands in ``stdout`` as (command, title)."""
    found = []
    for line in stdout.splitlines():
        match = re.match(r"::(\w+) (?:[^:]*,)?title=([^,:]*)", line)
        if match:
            found.append((match[1], match[2].replace("%3A", ":")))
    return found


def git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# -- action.yml ------------------------------------------------------------------------------


def test_the_action_is_composite_with_an_input_for_each_option() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "package", "python-version", "project", "as-of", "fail-on", "fail-on-missing",
        "baseline", "fail-on-worse", "format",
    }  # fmt: skip
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert ACTION["outputs"]["report"]["value"] == "${{ steps.gate.outputs.report }}"


def test_the_action_with_its_defaults_installs_validates_and_gates_the_shipped_data(
    workspace: Path, tools: Path
) -> None:
    run = run_action(workspace, tools, {"as-of": "2026"})
    assert run.codes == {"Install kpi": 0, "Validate the data": 0, "Gate and report": 0}, run.stderr
    assert run.installed == ["--disable-pip-version-check", str(ROOT)]  # the action's own kpi
    found = commands(run.stdout)
    assert ("notice", "kpi: valid") in found
    assert ("notice", "kpi: tech_renewal_20_22 no_data") in found
    assert not [c for c in found if "grdp_growth_2021_2030" in c[1]]  # at risk: ok at off_track
    assert ("warning", "kpi: grdp_growth_2025 off_track") in found  # missed, its gate is "warn"
    assert "### kpi check passed: Hai Phong 2030, as of 2026" in run.summary
    report = Path(run.outputs["report"])
    assert report.name == "kpi-check.md"
    assert report.read_text(encoding="utf-8").startswith(
        "<!-- kpi check -->\n### ⚠️ kpi check passed"  # the 2025 plan: missed, gate "warn"
    )


def test_the_action_passes_its_inputs_to_kpi(workspace: Path, tools: Path) -> None:
    given = {
        "as-of": "2026", "fail-on": "at_risk", "fail-on-missing": "true", "format": "junit",
        "package": "kpi==0.1.0",
    }  # fmt: skip
    run = run_action(workspace, tools, given)
    assert run.codes["Gate and report"] == 1  # at risk fails at --fail-on at_risk
    assert run.installed[-1] == "kpi==0.1.0"
    assert ("error", "kpi: tech_renewal_20_22 no_data") in commands(run.stdout)  # missing fails
    report = Path(run.outputs["report"])
    assert report.suffix == ".xml" and b'name="fail_on" value="at_risk"' in report.read_bytes()
    assert "(--fail-on at_risk --fail-on-missing)" in run.stderr


def test_the_action_in_a_subfolder_project(workspace: Path, tools: Path) -> None:
    data = workspace / "data"
    data.mkdir()
    for name in ("targets.toml", "observations"):
        (workspace / name).rename(data / name)
    run = run_action(workspace, tools, {"as-of": "2026", "project": "data", "format": "none"})
    assert not run.failed, run.stderr
    assert run.outputs["report"] == ""
    assert "file=data/observations/grdp_growth.toml" in run.stdout


def test_invalid_data_still_shows_the_gate_s_annotations(workspace: Path, tools: Path) -> None:
    path = workspace / "observations" / "high_tech_share.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("value = 60.6", "value = 160.6"))
    run = run_action(workspace, tools, {"as-of": "2026"})
    assert run.codes == {"Install kpi": 0, "Validate the data": 2, "Gate and report": 2}
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    # one from validation, the same problem again from the gate (which ran: !cancelled())
    assert len(errors) == 2
    assert all("file=observations/high_tech_share.toml" in line for line in errors)


def test_the_action_compares_a_pull_request_with_its_base(workspace: Path, tools: Path) -> None:
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "base")
    git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(workspace, "checkout", "-q", "-b", "figures")
    path = workspace / "observations" / "high_tech_share.toml"
    added = '\n[[observations]]\nyear = 2024\nvalue = 52.0\nstatus = "E"\nsource = "Made up"\n'
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")
    git(workspace, "commit", "-q", "-am", "a figure for 2024")
    given = {"as-of": "2026", "baseline": "auto", "fail-on-worse": "true"}
    run = run_action(workspace, tools, given, env={"GITHUB_BASE_REF": "main"})
    assert run.codes["Gate and report"] == 1  # worse, with fail-on-worse
    assert ("error", "kpi: high_tech_above_70 at_risk (was on_track)") in commands(run.stdout)
    assert "What this change did since origin/main (merge base" in run.summary
    comment = Path(run.outputs["report"]).read_text(encoding="utf-8")
    assert "| ❌ | `high_tech_above_70` | **worse** | on track | at risk |" in comment
    assert "- `high_tech_share` 2024 added: 52 E" in comment
    push = run_action(workspace, tools, given)  # no pull request: nothing to compare with
    assert push.codes["Gate and report"] == 0
    assert "baseline auto compares with nothing" in push.stdout
    assert "What this change did" not in push.summary


def test_a_boolean_input_must_be_true_or_false(workspace: Path, tools: Path) -> None:
    run = run_action(workspace, tools, {"as-of": "2026", "fail-on-missing": "yes"})
    assert run.codes["Gate and report"] == 2
    assert "fail-on-missing must be true or false, not 'yes'" in run.stdout


# -- .pre-commit-hooks.yaml ------------------------------------------------------------------


def test_the_hook_validates_the_project_when_its_files_change() -> None:
    [hook] = HOOKS
    assert (hook["id"], hook["language"], hook["pass_filenames"]) == (
        "kpi-validate", "python", False,
    )  # fmt: skip
    files = re.compile(hook["files"])
    for path in ("targets.toml", "observations/grdp_growth.toml", "data/observations/x.toml"):
        assert files.search(path), path
    for path in ("README.md", "observations/notes.txt", "docs/targets.toml.bak", "x/y/z.toml"):
        assert not files.search(path), path


def test_the_hook_s_entry_runs_against_the_shipped_data(workspace: Path, tools: Path) -> None:
    [hook] = HOOKS
    entry = shlex.split(hook["entry"]) + list(hook.get("args", []))
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    env.pop("KPI_PROJECT", None)
    valid = subprocess.run(
        entry, cwd=workspace, env=env, capture_output=True, text=True, check=False
    )
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("valid: 5 indicators, 7 targets, ")
    targets = workspace / "targets.toml"
    targets.write_text(
        targets.read_text(encoding="utf-8").replace('kind = "level"', 'kind = "lvl"', 1)
    )
    broken = subprocess.run(
        entry, cwd=workspace, env=env, capture_output=True, text=True, check=False
    )
    assert broken.returncode == 2
    assert "error: targets.toml:" in broken.stderr
    with_args = subprocess.run(
        [*entry, "--project", "."],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert with_args.returncode == 2  # args from .pre-commit-config.yaml come after the entry
