"""``kpi status --format csv``: one row per target, then one per monitored indicator."""

from __future__ import annotations

import csv
import io
from typing import Any

from kpi.progress import ProjectAssessment
from kpi.render.status_json import assessment_dict, monitored_dict

COLUMNS = (
    "id", "indicator", "name", "unit", "kind", "target", "latest_year", "latest_value",
    "latest_status", "latest_series_break", "status", "gap", "years_left", "required_pace",
    "required_growth_pct", "observed_growth_pct", "progress_ratio", "trend_from", "projected",
    "notes", "goal", "desired", "direction_status", "direction_growth_pct",  # added by issue 13
)  # fmt: skip


def _target_text(target: dict[str, Any]) -> str:
    if "comparator" in target:
        return f"{target['comparator']} {target['value']!r} by {target['year']}"
    high = "" if target["high"] is None else f"-{target['high']!r}"
    return f"{target['low']!r}{high} from {target['start']} to {target['end']}"


def _flatten(entry: dict[str, Any]) -> dict[str, Any]:
    latest = entry.pop("latest") or {}
    for key in ("year", "value", "status", "series_break"):
        entry[f"latest_{key}"] = latest.get(key)
    entry["notes"] = ";".join(note["code"] for note in entry["notes"])
    return entry


def status_csv(report: ProjectAssessment) -> str:
    """The status as CSV text with the header ``COLUMNS``, empty cells for unknown values;
    monitored indicators last, with an empty ``id`` and ``target`` and status ``monitored``, the
    status their desired direction gives (if any) in ``direction_status``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for assessment in report.targets:
        entry = _flatten(assessment_dict(assessment))
        entry["target"] = _target_text(entry["target"])
        writer.writerow(entry)
    for summary in report.monitored:
        entry = _flatten(monitored_dict(summary))
        entry.update(id="", target="", status="monitored", direction_status=entry["status"])
        writer.writerow(entry)
    return buffer.getvalue()
