"""The CI gate: ``kpi check``."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpi.cli.common import AsOf, Lang, ProjectDir, assess, command, format_option, project_root
from kpi.cli.output import emit, say
from kpi.errors import KpiError, Problem, fail
from kpi.i18n import _, language
from kpi.layout import TARGETS_FILE

if TYPE_CHECKING:
    from kpi.baseline import Comparison
    from kpi.model import Project
    from kpi.progress import ProjectAssessment

EXIT_GATE_FAILED = 1
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


# The choices of --fail-on and of --format (as in kpi.render.registry), each value its name.
FailOn = StrEnum("FailOn", ["at_risk", "off_track", "moving_away"])
CheckFormat = StrEnum("CheckFormat", ["text", "json", "github", "junit", "markdown"])

# What a change did (``--baseline``, ``--fail-on-worse``): kpi.baseline, kpi.revisions.
BaselineRef = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="REF",
        help="Also assess the project as it was at the git revision REF (a branch, tag or "
        "commit; auto: in a GitHub Actions pull request, the merge base with its base branch) "
        "and report what changed. Example: --baseline origin/main",
    ),
]
FailOnWorse = Annotated[
    bool | None,
    typer.Option(
        "--fail-on-worse/--no-fail-on-worse",
        help="With --baseline, fail when any target's status got worse, whatever its level, or "
        "not; default: fail_on_worse in the [gate] table of targets.toml, else a target that "
        "got worse is a warning. "
        "Example: --baseline origin/main --fail-on-worse",
        show_default=False,
    ),
]


@command()
def check(
    ctx: typer.Context,
    as_of: AsOf = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            show_default=False,
            help="Fail when a target's status is this or worse "
            "(achieved < on_track < at_risk < off_track < moving_away); default: fail_on in "
            "the [gate] table of targets.toml, else off_track. Example: --fail-on at_risk",
        ),
    ] = None,
    fail_on_missing: Annotated[
        bool | None,
        typer.Option(
            "--fail-on-missing/--no-fail-on-missing",
            show_default=False,
            help="Also fail on targets without usable data (no_data, insufficient_data), or not; "
            "default: fail_on_missing in [gate], else not. Example: --fail-on-missing",
        ),
    ] = None,
    fail_on_stale: Annotated[
        bool | None,
        typer.Option(
            "--fail-on-stale/--no-fail-on-stale",
            show_default=False,
            help="Fail on targets whose latest observation is stale (older than the indicator's "
            "update_every + 1 years), or only warn; default: fail_on_stale in [gate], else "
            "warn. Example: --fail-on-stale",
        ),
    ] = None,
    fail_on_direction: Annotated[
        bool | None,
        typer.Option(
            "--fail-on-direction/--no-fail-on-direction",
            show_default=False,
            help="Also fail on indicators with a desired direction and no target whose status "
            "is at or worse than --fail-on, or only warn; default: fail_on_direction in [gate], "
            "else warn. Example: --fail-on-direction",
        ),
    ] = None,
    output_format: Annotated[
        CheckFormat,
        format_option(
            "text for people; json for scripts; github for GitHub Actions annotations "
            "(and $GITHUB_STEP_SUMMARY); junit for CI test reports; markdown for a pull "
            "request comment. Example: --format github"
        ),
    ] = CheckFormat.text,
    baseline: BaselineRef = None,
    fail_on_worse: FailOnWorse = None,
    project: ProjectDir = None,
    lang: Lang = None,
) -> None:
    """The CI gate: exit 1 when any target's status is at or worse than --fail-on (default
    off_track), 0 otherwise; 2 when the data is invalid. The [gate] table of targets.toml and
    each target's gate ("off", "warn", "error") set it too; the options override the table.
    Indicators with a desired direction and no target are listed, and fail only with
    --fail-on-direction.

    With --baseline REF it also says what the change since REF did: each target better,
    worse, the same, new or removed, and the observations added, replaced or removed.

    Example: kpi check --as-of 2026 --fail-on at_risk --format github
    """
    from kpi.gate import evaluate, locate_directions, locate_targets, resolve_settings
    from kpi.progress import Status, by_goal
    from kpi.render import gate_text
    from kpi.render.registry import render
    from kpi.store import load_project

    root: Path | None = None
    try:
        root = project_root(ctx, project)
        loaded = load_project(root, cached=True)
        report = assess(loaded, as_of)
        if not report.targets and not any(m.status is not None for m in report.monitored):
            raise fail(
                _("defines no target, so kpi check has nothing to judge"),
                file=Path(TARGETS_FILE),
                hint=_("add targets to an indicator ([[indicators.<id>.targets]] in targets.toml)"),
            )
        # The flags given override the [gate] table of targets.toml.
        gate = resolve_settings(
            loaded.definition.gate,
            fail_on=None if fail_on is None else fail_on.value,
            fail_on_missing=fail_on_missing,
            fail_on_stale=fail_on_stale,
            fail_on_worse=fail_on_worse,
            fail_on_direction=fail_on_direction,
        )
        comparison = _compare(root, loaded, report, baseline, fail_on_worse)
        # Only the machine formats point at file lines; the text format need not look them up.
        located = output_format is not CheckFormat.text
        result = evaluate(
            by_goal(report),  # each goal's targets together
            fail_on=Status(gate.fail_on),
            fail_on_missing=gate.fail_on_missing,
            fail_on_stale=gate.fail_on_stale,
            settings=loaded.definition.assessment,
            locations=locate_targets(report, root, Path.cwd()) if located else None,
            worse=comparison.worse if comparison is not None else (),
            fail_on_worse=gate.fail_on_worse and comparison is not None,
            fail_on_direction=gate.fail_on_direction,
            direction_locations=locate_directions(report, root, Path.cwd()) if located else None,
        )
    except KpiError as error:
        _report_problems(output_format, error.problems, root, error.hint)
        raise
    emit(render("check", output_format.value, result, comparison, lang=language()))
    if output_format is CheckFormat.github:
        from kpi.render.gate_github import step_summary

        _append_step_summary(step_summary(result, comparison))
    if output_format in (CheckFormat.github, CheckFormat.junit, CheckFormat.markdown):
        say(gate_text.summary_line(result, comparison))
    if not result.passed:
        raise typer.Exit(EXIT_GATE_FAILED)


def _compare(
    root: Path,
    loaded: Project,
    report: ProjectAssessment,
    baseline: str | None,
    fail_on_worse: bool | None,
) -> Comparison | None:
    """What the change since ``baseline`` did (``None`` without one); the problems of the
    project at that revision, when it is invalid, as warnings on stderr. ``--fail-on-worse``
    without ``--baseline`` is a usage error: there would be nothing to compare with."""
    if baseline is None:
        if fail_on_worse:
            raise fail(
                _("--fail-on-worse compares with a revision, but no --baseline was given"),
                hint=_("add --baseline REF (or --baseline auto in a GitHub Actions pull request)"),
            )
        return None
    from kpi.baseline import compare
    from kpi.gate import Location, display_path
    from kpi.revisions import project_at

    then = project_at(root, baseline, os.environ)
    comparison = compare(
        then,
        loaded,
        report,
        lambda origin: Location(display_path(root / origin.file, root, Path.cwd()), origin.line),
    )
    if then.problems:
        from kpi.render.gate_text import comparison_note

        say(_("warning: {note}").format(note=comparison_note(comparison)))
        for problem in then.problems:
            say(
                _("warning: at {revision}: {problem}").format(
                    revision=then.revision.short, problem=problem
                )
            )
    return comparison


def _report_problems(
    output_format: CheckFormat,
    problems: tuple[Problem, ...],
    root: Path | None,
    hint: str | None = None,
) -> None:
    """In the github, junit and markdown formats, also put the problems that stopped the check
    on stdout, so that CI shows them where it shows the gate's results (and the pull request
    comment says why there is no verdict)."""
    from kpi.gate import problem_file

    file_of = problem_file(root, Path.cwd())
    if output_format is CheckFormat.github:
        from kpi.render.gate_github import problem_annotations

        sys.stdout.write(problem_annotations(problems, file_of))
    elif output_format is CheckFormat.junit:
        from kpi.render.gate_junit import render_problems

        emit(render_problems(problems, file_of))
    elif output_format is CheckFormat.markdown:
        from kpi.render import gate_markdown

        emit(gate_markdown.render_problems(problems, file_of, hint))


def _append_step_summary(markdown: str) -> None:
    """Append to the file named by $GITHUB_STEP_SUMMARY, when it is set; a file that cannot be
    written is reported on stderr and does not change the gate's result."""
    path = os.environ.get(STEP_SUMMARY_ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    except OSError as error:
        reason = error.strerror or str(error)
        message = _("warning: cannot write {variable} ({path}): {reason}")
        say(message.format(variable=STEP_SUMMARY_ENV, path=path, reason=reason))
