"""``kpi check --format json``: one top-level object, like Lighthouse CI's assertion results.
Keys are stable (new ones may be added, none renamed); unknown figures are ``null``, numbers are
plain JSON numbers; only ``message`` is prose for people. Each result's ``gate`` is the target's
own setting and ``reasons`` the codes of ``kpi.gate.Reason`` behind its ``level``; each entry of
``directions`` is an indicator with a desired direction and no target, judged alike. With
``--baseline`` the document gains ``fail_on_worse`` and ``baseline`` (what the change did), and
each result ``change`` and ``before``; without it, it is what it was before ``--baseline``
existed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpi.errors import Problem
from kpi.gate import DirectionVerdict, GateResult, Location, Verdict
from kpi.model import Observation
from kpi.progress import Status, finite
from kpi.render.gate_text import direction_message, summary_line, verdict_message
from kpi.render.status_json import goals_list, latest_dict, notes_list

if TYPE_CHECKING:
    from kpi.baseline import Comparison, ObservationChange, TargetChange, TargetState


def result_dict(verdict: Verdict, fail_on: Status, notes_lang: str | None = None) -> dict[str, Any]:
    """One entry of ``results``; the notes' messages in ``notes_lang`` (default: current)."""
    a, location = verdict.assessment, verdict.location
    return {
        "id": verdict.target_id,
        "indicator": a.indicator_id,
        "status": verdict.status.value,
        "passed": verdict.passed,
        "level": verdict.level.value,
        "unit": a.indicator.unit,
        "pace_unit": verdict.pace_unit,
        "expected": {"comparator": verdict.comparator, **verdict.expected._asdict()},
        "actual": verdict.actual._asdict(),
        "message": verdict_message(verdict, fail_on),
        "notes": notes_list(a.notes, notes_lang),
        "file": location.file if location else None,
        "line": location.line if location else None,
        "gate": verdict.gate,
        "reasons": [reason.value for reason in verdict.reasons],
    }


def direction_dict(
    verdict: DirectionVerdict, fail_on: Status, notes_lang: str | None = None
) -> dict[str, Any]:
    """One entry of ``directions``: an indicator with a desired direction and no target."""
    m, location = verdict.summary, verdict.location
    return {
        "indicator": verdict.indicator_id,
        "status": verdict.status.value,
        "passed": verdict.passed,
        "level": verdict.level.value,
        "unit": m.indicator.unit,
        "desired": m.desired,
        "direction_growth_pct": finite(m.direction_growth_pct),
        "observed_growth_pct": finite(m.observed_growth_pct),
        "trend_from": m.trend_from,
        "latest": latest_dict(m.latest),
        "message": direction_message(verdict, fail_on),
        "notes": notes_list(m.notes, notes_lang),
        "file": location.file if location else None,
        "line": location.line if location else None,
        "reasons": [reason.value for reason in verdict.reasons],
    }


def document(
    result: GateResult, comparison: Comparison | None = None, notes_lang: str | None = None
) -> dict[str, Any]:
    """The whole of ``kpi check --format json``; notes' messages in ``notes_lang``; with
    ``comparison``, the keys of what the change did."""
    summary: dict[str, Any] = {"total": len(result.verdicts)}
    summary |= {status.value: count for status, count in result.status_counts().items()}
    summary |= result.outcome_counts()
    results = [result_dict(v, result.fail_on, notes_lang) for v in result.verdicts]
    whole = {
        "project": result.project_name,
        "as_of": result.as_of,
        "fail_on": result.fail_on.value,
        "fail_on_missing": result.fail_on_missing,
        "fail_on_stale": result.fail_on_stale,
        "passed": result.passed,
        "summary": summary,
        "results": results,
        "goals": goals_list(result.goals, [v.assessment for v in result.verdicts]),
        "fail_on_direction": result.fail_on_direction,
        "direction_summary": {"total": len(result.directions), **result.direction_counts()},
        "directions": [direction_dict(d, result.fail_on, notes_lang) for d in result.directions],
    }
    if comparison is None:
        return whole
    for entry in results:
        change = comparison.of(entry["id"])
        entry["change"] = change.change.value if change else None
        entry["before"] = _state(change.before) if change else None
    whole["fail_on_worse"] = result.fail_on_worse
    whole["baseline"] = baseline_dict(result, comparison)
    return whole


def baseline_dict(result: GateResult, comparison: Comparison) -> dict[str, Any]:
    """The ``baseline`` object: the revision, whether its project was found and valid (its
    problems), the counts of each change, every target then and now, every observation
    added, replaced or removed, and the summary line."""
    revision = comparison.revision
    return {
        "ref": revision.requested,
        "name": revision.name,
        "commit": revision.commit,
        "found": comparison.found,
        "valid": comparison.compared if comparison.found else None,
        "problems": [_problem(p) for p in comparison.problems],
        "changes": {change.value: count for change, count in comparison.counts().items()},
        "observations_changed": {e.value: n for e, n in comparison.edit_counts().items()},
        "targets": [_target_change(c) for c in comparison.targets],
        "observations": [_observation_change(o) for o in comparison.observations],
        "message": summary_line(result, comparison),
    }


def _state(state: TargetState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "status": state.status.value,
        "progress_ratio": state.progress_ratio,
        "latest": latest_dict(state.latest),
    }


def _place(location: Location | None) -> dict[str, Any]:
    return {
        "file": location.file if location else None,
        "line": location.line if location else None,
    }


def _target_change(change: TargetChange) -> dict[str, Any]:
    return {
        "id": change.target_id,
        "indicator": change.indicator_id,
        "change": change.change.value,
        "before": _state(change.before),
        "after": _state(change.after),
        **_place(change.location),
    }


def _observation(observation: Observation | None) -> dict[str, Any] | None:
    return None if observation is None else observation.fields(revisions=False)


def _observation_change(change: ObservationChange) -> dict[str, Any]:
    return {
        "indicator": change.indicator_id,
        "year": change.year,
        "change": change.edit.value,
        "before": _observation(change.before),
        "after": _observation(change.after),
        **_place(change.location),
    }


def _problem(problem: Problem) -> dict[str, Any]:
    file = problem.file.as_posix() if problem.file is not None else None
    return {"file": file, "line": problem.line, "key": problem.key, "message": problem.message}
