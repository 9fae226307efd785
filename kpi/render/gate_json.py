"""``kpi check --format json``: one top-level object, like Lighthouse CI's assertion results.
Keys are stable (new ones may be added, none renamed); unknown figures are ``null``, numbers are
plain JSON numbers; only ``message`` is prose for people. Each result's ``gate`` is the target's
own setting and ``reasons`` the codes of ``kpi.gate.Reason`` behind its ``level``; each entry of
``directions`` is an indicator with a desired direction and no target, judged alike."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kpi.gate import DirectionVerdict, GateResult, Verdict
from kpi.progress import Status, finite
from kpi.render.gate_text import direction_message, verdict_message
from kpi.render.status_json import latest_dict, notes_list


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
        "expected": {"comparator": verdict.comparator, **asdict(verdict.expected)},
        "actual": asdict(verdict.actual),
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


def document(result: GateResult, notes_lang: str | None = None) -> dict[str, Any]:
    """The whole of ``kpi check --format json``; notes' messages in ``notes_lang``."""
    summary: dict[str, Any] = {"total": len(result.verdicts)}
    summary |= {status.value: count for status, count in result.status_counts().items()}
    summary |= result.outcome_counts()
    return {
        "project": result.project_name,
        "as_of": result.as_of,
        "fail_on": result.fail_on.value,
        "fail_on_missing": result.fail_on_missing,
        "fail_on_stale": result.fail_on_stale,
        "passed": result.passed,
        "summary": summary,
        "results": [result_dict(v, result.fail_on, notes_lang) for v in result.verdicts],
        "fail_on_direction": result.fail_on_direction,
        "direction_summary": {"total": len(result.directions), **result.direction_counts()},
        "directions": [direction_dict(d, result.fail_on, notes_lang) for d in result.directions],
    }
