"""`kpi status` and `kpi show` as JSON, and the plain data behind it: the contract of
``kpi status --format json`` (``PRODUCT.md``): keys are stable, unknown values are ``None`` (JSON
``null``), never missing, and infinite ratios become ``None``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kpi.model import Goal, Observation
from kpi.notes import Note
from kpi.progress import (
    MonitoredSummary,
    PathPoint,
    ProjectAssessment,
    Status,
    TargetAssessment,
    finite,
    goal_groups,
)


def latest_dict(observation: Observation | None) -> dict[str, Any] | None:
    """The ``latest`` object: year, value, status and series_break (or ``None``)."""
    if observation is None:
        return None
    return {key: getattr(observation, key) for key in ("year", "value", "status", "series_break")}


def observation_dict(observation: Observation) -> dict[str, Any]:
    """Every field of an observation (revisions included), ``None`` for optional ones not given;
    a revision's ``replaced`` date as ``YYYY-MM-DD``."""
    fields = observation.fields()
    for revision in fields["revisions"]:
        revision["replaced"] = revision["replaced"].isoformat()
    return fields


def notes_list(notes: Sequence[Note], lang: str | None = None) -> list[dict[str, Any]]:
    """Notes as ``{"code", "message", "params"}`` objects, the message in ``lang`` (default:
    current): the one text of a machine format that follows ``--lang`` (PRODUCT.md); ``params``
    are the figures the message quotes (a number not finite is ``null``), e.g. ``series_break``'s
    ``{"year": 2023, "latest": false}``."""
    return [
        {
            "code": note.code,
            "message": note.message if lang is None else note.message_in(lang),
            "params": {
                key: finite(value) if isinstance(value, float) else value
                for key, value in note.params.items()
            },
        }
        for note in notes
    ]


def assessment_dict(assessment: TargetAssessment, notes_lang: str | None = None) -> dict[str, Any]:
    """One entry of ``targets`` in ``kpi status --format json``."""
    return {
        "id": assessment.target.id,
        "indicator": assessment.indicator_id,
        "goal": assessment.target.goal,
        "name": assessment.indicator.name,
        "unit": assessment.indicator.unit,
        "kind": assessment.indicator.kind,
        "target": assessment.kind.target_dict(assessment.target),
        "latest": latest_dict(assessment.latest),
        "status": assessment.status.value,
        "gap": finite(assessment.gap),
        "years_left": assessment.years_left,
        "required_pace": finite(assessment.required_pace),
        "required_growth_pct": finite(assessment.required_growth_pct),
        "observed_growth_pct": finite(assessment.observed_growth_pct),
        "progress_ratio": finite(assessment.progress_ratio),
        "trend_from": assessment.trend_from,
        "projected": finite(assessment.projected),
        "years_ahead_of_plan": finite(assessment.years_ahead_of_plan),
        "next_year_needs": _point(assessment.next_year_needs),
        "notes": notes_list(assessment.notes, notes_lang),
    }


def _point(point: PathPoint | None) -> dict[str, Any] | None:
    """``{"year", "value"}``, or ``None``."""
    return None if point is None else {"year": point.year, "value": finite(point.value)}


def monitored_dict(summary: MonitoredSummary, notes_lang: str | None = None) -> dict[str, Any]:
    """One entry of ``monitored``: an indicator without targets, its latest value and trend; its
    ``desired`` direction, the ``status`` that gives and ``direction_growth_pct`` (g, the growth in
    the desired direction), all ``None`` without a desired direction."""
    status = summary.status
    return {
        "indicator": summary.indicator_id,
        "name": summary.indicator.name,
        "unit": summary.indicator.unit,
        "kind": summary.indicator.kind,
        "latest": latest_dict(summary.latest),
        "observed_growth_pct": finite(summary.observed_growth_pct),
        "trend_from": summary.trend_from,
        "notes": notes_list(summary.notes, notes_lang),
        "desired": summary.desired,
        "status": None if status is None else status.value,
        "direction_growth_pct": finite(summary.direction_growth_pct),
    }


def goals_list(
    goals: Mapping[str, Goal], targets: Sequence[TargetAssessment]
) -> list[dict[str, Any]]:
    """Every one of ``goals`` (``targets.toml``'s, in file order): its id, names, source, the ids
    of its ``targets`` and how many of them are in each status (every status listed)."""
    return [
        {
            "id": group.goal_id,
            "name": group.goal.name,
            "name_vi": group.goal.name_vi,
            "source": group.goal.source,
            "targets": [a.target.id for a in group.targets],
            "summary": {s.value: sum(a.status is s for a in group.targets) for s in Status},
        }
        for group in goal_groups(goals, targets)
        if group.goal is not None
    ]


def status_document(report: ProjectAssessment, notes_lang: str | None = None) -> dict[str, Any]:
    """The whole of ``kpi status --format json``."""
    return {
        "project": report.project_name,
        "as_of": report.as_of,
        "targets": [assessment_dict(a, notes_lang) for a in report.targets],
        "monitored": [monitored_dict(m, notes_lang) for m in report.monitored],
        "goals": goals_list(report.goals, report.targets),
    }


def show_document(
    report: ProjectAssessment, indicator_id: str, notes_lang: str | None = None
) -> dict[str, Any]:
    """The whole of ``kpi show INDICATOR --format json`` (observations up to ``report.as_of``)."""
    view = report.indicators[indicator_id]
    definition = view.indicator.model_dump(mode="json", exclude={"targets"}) | {"id": indicator_id}
    targets = []
    for a in report.targets:
        if a.indicator_id == indicator_id:
            entry = assessment_dict(a, notes_lang)
            entry["definition"] = a.target.model_dump(mode="json")
            entry["details"] = a.kind.details_dict(a.details)
            targets.append(entry)
    monitored = next((m for m in report.monitored if m.indicator_id == indicator_id), None)
    return {
        "project": report.project_name,
        "as_of": report.as_of,
        "indicator": definition,
        "observations": [observation_dict(o) for o in view.observations],
        "targets": targets,
        "monitored": monitored_dict(monitored, notes_lang) if monitored else None,
    }


def as_json(document: Any) -> str:
    """``document`` as JSON text for scripts: UTF-8 characters kept, indented, a final newline.

    ``document`` holds dicts (keys str, int or bool), lists, tuples, str, int, float, bool
    and ``None``; a value Pydantic cannot write either raises ``TypeError``, as ``json.dumps``
    does (kpi's documents hold none of the few, such as a ``Path``, that Pydantic writes and
    ``json.dumps`` refuses). The text is byte for byte ``json.dumps(document,
    ensure_ascii=False, indent=2) + "\\n"`` (``tests/test_status_json_text.py``), written by
    Pydantic's compiled encoder (``pydantic_core.to_json``), already imported with Pydantic: the
    standard library's C encoder takes no ``indent`` and its pure-Python one cost a third of
    ``kpi status --format json`` at 10,000 indicators (docs/performance.md). The two write every
    value alike but for floats from 1e-9 to 1e-4 in size, which Pydantic writes ``1e-7`` and
    ``0.00001`` where Python writes ``1e-07`` and ``1e-05``: such a number is rewritten as Python
    writes it. It is always a line's last token, since a line of indented JSON ends in a digit
    only where it ends in a number (a string ends in a quote, with no raw line break inside)."""
    from pydantic_core import PydanticSerializationError, to_json

    try:
        text = to_json(document, indent=2).decode("utf-8")
    except PydanticSerializationError as error:
        raise TypeError(f"Object is not JSON serializable: {error}") from None
    return _as_python_writes_floats(text) + "\n"


# The end of each float Pydantic writes otherwise than Python (see as_json), found by a search
# for its literal part (a pattern that could start anywhere would try each of a large text's
# characters): a one-digit negative exponent, or a fraction with four zeros after the point.
_DIFFERENT_FLOAT_ENDS = (
    re.compile(r"e-[0-9](?=,?$)", re.MULTILINE),
    re.compile(r"0\.0000[0-9]*(?=,?$)", re.MULTILINE),
)
_NUMBER_CHARACTERS = frozenset("0123456789.e+-")


def _as_python_writes_floats(text: str) -> str:
    """``text`` with each float found by ``_DIFFERENT_FLOAT_ENDS`` written as Python writes it;
    the number is the run of number characters that ends there (a line's last token)."""
    ends = sorted(
        {match.end() for pattern in _DIFFERENT_FLOAT_ENDS for match in pattern.finditer(text)}
    )
    if not ends:
        return text
    pieces = []
    done = 0
    for end in ends:
        start = end
        while start > 0 and text[start - 1] in _NUMBER_CHARACTERS:
            start -= 1
        pieces += [text[done:start], float.__repr__(float(text[start:end]))]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
