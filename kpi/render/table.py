"""Rich tables for people: ``kpi status`` and ``kpi show`` in a terminal."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from kpi.model import Observation, Project
from kpi.progress import LevelDetails, ProjectAssessment, RateDetails, Status, TargetAssessment
from kpi.render import human

if TYPE_CHECKING:
    from rich.console import Console

STATUS_STYLES = {
    Status.ACHIEVED: "bold green",
    Status.ON_TRACK: "green",
    Status.AT_RISK: "yellow",
    Status.OFF_TRACK: "red",
    Status.MOVING_AWAY: "bold red",
    Status.INSUFFICIENT_DATA: "dim",
    Status.NO_DATA: "dim",
}


def _console() -> Console:
    from rich.console import Console

    # NO_COLOR (no-color.org): Rich drops colours itself; we also drop bold, dim and italic so
    # that the output carries no escape codes at all.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(highlight=False, soft_wrap=False, color_system=None if plain else "auto")


def _status_text(status: Status) -> str:
    return f"[{STATUS_STYLES[status]}]{human.STATUS_LABELS[status]}[/]"


def _notes(console: Console, assessments: tuple[TargetAssessment, ...]) -> None:
    from rich.markup import escape

    for assessment in assessments:
        for note in assessment.notes:
            console.print(f"  [dim]{assessment.target.id}:[/] {escape(note.message)}")


def print_status(report: ProjectAssessment) -> None:
    """Print the status of every target and monitored indicator as tables on stdout."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    table = Table(
        title=f"{escape(report.project_name)}, as of {report.as_of}", title_justify="left"
    )
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("Target", "left"), ("Latest", "right"), ("Goal", "left"), ("Gap", "right"),
        ("Needs", "right"), ("Trend", "right"), ("Projected", "right"), ("Status", "left"),
    )  # fmt: skip
    for heading, justify in columns:
        table.add_column(heading, justify=justify, no_wrap=heading in ("Target", "Status"))
    for a in report.targets:
        table.add_row(
            escape(a.target.id),
            escape(human.latest_text(a.latest)),
            escape(human.goal_text(a.target, a.indicator.unit)),
            human.number(a.gap),
            human.needs_text(a),
            human.assessment_trend(a),
            human.projected_text(a),
            _status_text(a.status),
        )
    console.print(table)
    _notes(console, report.targets)
    if report.monitored:
        monitored = Table(title="Monitored (no target)", title_justify="left")
        for heading in ("Indicator", "Latest", "Unit", "Trend"):
            monitored.add_column(heading)
        for m in report.monitored:
            monitored.add_row(
                escape(m.indicator_id),
                escape(human.latest_text(m.latest)),
                escape(m.indicator.unit),
                human.monitored_trend(m),
            )
        console.print(monitored)
    console.print(f"[dim]{human.LEGEND}[/]")


def print_show(project: Project, indicator_id: str, report: ProjectAssessment) -> None:
    """Print one indicator: definition, observations, each target's figures and paths."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    indicator = project.indicators[indicator_id]
    console.print(f"[bold]{escape(indicator.name)}[/] ({indicator_id})")
    if indicator.name_vi:
        console.print(escape(indicator.name_vi))
    bounds = f", bounds {indicator.bounds[0]:g}–{indicator.bounds[1]:g}" if indicator.bounds else ""
    console.print(f"kind {indicator.kind}, unit {escape(indicator.unit)}{bounds}")
    if indicator.owner:
        console.print(f"owner: {escape(indicator.owner)}")

    observations = Table(title="Observations", title_justify="left")
    for heading in ("Year", "Value", "Flags", "Source", "Note"):
        observations.add_column(heading, overflow="fold")
    seen = [o for o in project.observations[indicator_id] if o.year <= report.as_of]
    for o in seen:
        source = o.source + (f" <{o.url}>" if o.url else "")
        note = o.note or ""
        if o.revisions:
            note += f" (revised {len(o.revisions)}x; was {human.number(o.revisions[-1].value)})"
        observations.add_row(
            str(o.year), human.number(o.value, 4), human.marks(o), escape(source), escape(note)
        )
    console.print(observations)

    for a in report.targets:
        if a.indicator_id == indicator_id:
            _print_target(console, a, seen)
    console.print(f"[dim]{human.LEGEND}[/]")


def _print_target(
    console: Console, a: TargetAssessment, observations: Sequence[Observation]
) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print()
    console.print(
        f"[bold]{escape(a.target.id)}[/]: {escape(human.goal_text(a.target, a.indicator.unit))}"
        f"  →  {_status_text(a.status)}"
    )
    if a.target.source:
        console.print(f"[dim]set by: {escape(a.target.source)}[/]")
    figures = Table(show_header=False, box=None, padding=(0, 2))
    rows = [
        ("latest", human.latest_text(a.latest)),
        ("gap", human.number(a.gap, 4)),
        ("years left", human.NONE if a.years_left is None else str(a.years_left)),
        ("required pace", human.needs_text(a)),
        ("observed trend", human.assessment_trend(a)),
        ("progress ratio R", human.number(a.progress_ratio, 4)),
        ("projection", human.projected_text(a)),
    ]
    details = a.details
    if isinstance(details, LevelDetails):
        if details.base is not None:
            rows.append(("trend base", f"{human.number(details.base.value)} ({details.base.year})"))
        rows.append(
            ("growth needed from base", f"{human.number(details.needed_growth_pct, 4)} %/yr")
        )
        rows.append(("slopes (observed / needed)",
                     f"{human.number(details.observed_slope, 4)} / "
                     f"{human.number(details.needed_slope, 4)} a year"
                     + (" (used for R)" if details.uses_slopes else "")))  # fmt: skip
        if details.ahead_of_plan is not None:
            rows.append(("ahead of plan", human.number(details.ahead_of_plan, 4, signed=True)))
    elif isinstance(details, RateDetails):
        rows.append(("years observed", ", ".join(str(o.year) for o in details.observed) or "none"))
        rows.append(("period years N", str(details.period_years)))
    for label, value in rows:
        figures.add_row(label, escape(value))
    console.print(figures)
    for note in a.notes:
        console.print(f"  [dim]note:[/] {escape(note.message)}")
    if isinstance(details, LevelDetails) and (details.planned_path or details.required_path):
        _print_paths(console, details, observations)


def _print_paths(
    console: Console, details: LevelDetails, observations: Sequence[Observation]
) -> None:
    from rich.table import Table

    planned = {p.year: p.value for p in details.planned_path}
    required = {p.year: p.value for p in details.required_path}
    observed = {o.year: o.value for o in observations}
    years = sorted(set(planned) | set(required))
    paths = Table(title="Path to the target, year by year", title_justify="left")
    for heading in ("Year", "Planned", "Required", "Observed"):
        paths.add_column(heading, justify="right")
    for year in years:
        paths.add_row(
            str(year),
            human.number(planned.get(year)),
            human.number(required.get(year)),
            human.number(observed.get(year)),
        )
    console.print(paths)
