"""``kpi validate --format``: what validation found, for people, scripts and CI. The problems
themselves go to stderr in every format (``kpi.cli``); these put them where CI shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpi.errors import Problem
from kpi.i18n import _
from kpi.validate import Validation

FileOf = Callable[[Problem], str | None]


def summary(validation: Validation) -> str:
    """``valid: 5 indicators, 5 targets, 24 observations`` (empty when there are problems)."""
    if not validation.valid:
        return ""
    message = _("valid: {indicators} indicators, {targets} targets, {observations} observations")
    return message.format(
        indicators=validation.indicators,
        targets=validation.targets,
        observations=validation.observations,
    )


def render_text(validation: Validation, file_of: FileOf) -> str:
    """The summary line when the project is valid; nothing otherwise (problems go to stderr)."""
    return summary(validation) + "\n" if validation.valid else ""


def document(validation: Validation, file_of: FileOf) -> dict[str, Any]:
    """``{"valid", "indicators", "targets", "observations", "problems"}``, each problem with
    its ``file`` (as ``file_of`` names it), ``line``, ``key`` (``null``: unknown), ``message``."""
    problems = [
        {"file": file_of(p), "line": p.line, "key": p.key, "message": p.message}
        for p in validation.problems
    ]
    counts = ("indicators", "targets", "observations")
    return (
        {"valid": validation.valid}
        | {k: getattr(validation, k) for k in counts}
        | {"problems": problems}
    )


def render_github(validation: Validation, file_of: FileOf) -> str:
    """An ``::error`` on each problem's file and line, or one ``::notice`` saying it is valid."""
    from kpi.render.gate_github import problem_annotations, workflow_command

    if validation.valid:
        return workflow_command("notice", summary(validation), {"title": "kpi: valid"}) + "\n"
    return problem_annotations(validation.problems, file_of)


def render_junit(validation: Validation, file_of: FileOf) -> bytes:
    """A JUnit document: an ``<error>`` test case per problem, or one passing case."""
    from kpi.render.gate_junit import render_problems

    passed = summary(validation)
    return render_problems(validation.problems, file_of, passed, suite_name="kpi validate")
