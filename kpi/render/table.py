"""Rich tables for people: ``kpi status`` and ``kpi show`` in a terminal.

Colour per status, with the status also in words so that the table reads the same with
``NO_COLOR``; below 160 columns the status table drops its least essential columns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from kpi.i18n import N_, _
from kpi.model import Observation, Project
from kpi.progress import (
    LevelDetails,
    MonitoredSummary,
    ProjectAssessment,
    RateDetails,
    Status,
    TargetAssessment,
)
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
WIDE = 160
LARGE = 200  # more targets than this: aligned lines instead of a Rich table
# Column widths (min, max) chosen so that the table fits: in 80 columns a whole target id, a
# whole status label and the three figures that matter most; wider, the other figures too.
_NARROW_WIDTHS = {"Target": (24, 24), "Latest": (8, 8), "Goal": (9, 9), "Needs": (10, 10)}
_MEDIUM_WIDTHS = {"Target": (24, 24), "Latest": (14, 14), "Goal": (21, 21), "Needs": (10, 10)}
MEDIUM = 100
_WIDE_WIDTHS = {"Target": (24, None), "Goal": (10, 16), "Needs": (8, 16), "Trend": (8, 16),
                "Projected": (8, 16)}  # fmt: skip


def _widths(heading: str, width: int) -> tuple[int | None, int | None]:
    """(min, max) width of a column in a terminal ``width`` columns wide."""
    if heading == "Status":  # never cut a status
        longest = max(len(human.status_label(status)) for status in Status)
        return longest, None
    if width >= WIDE:
        return _WIDE_WIDTHS.get(heading, (None, None))
    return (_MEDIUM_WIDTHS if width >= MEDIUM else _NARROW_WIDTHS).get(heading, (None, None))


Cell = Callable[[TargetAssessment, Sequence[Observation], int], str]


def _console() -> Console:
    from rich.console import Console

    # NO_COLOR (no-color.org): Rich drops colours itself; we also drop bold, dim and italic so
    # that the output carries no escape codes at all.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(highlight=False, soft_wrap=False, color_system=None if plain else "auto")


def _status_text(status: Status) -> str:
    return f"[{STATUS_STYLES[status]}]{human.status_label(status)}[/]"


def _target_cell(a: TargetAssessment, _seen: Sequence[Observation], _as_of: int) -> str:
    from rich.markup import escape

    name = human.name_of(a.target) or human.name_of(a.indicator) or a.target.id
    return f"{escape(name)}\n[dim]{escape(a.target.id)}[/]"


def _target_id_cell(a: TargetAssessment, _seen: Sequence[Observation], _as_of: int) -> str:
    from rich.markup import escape

    return escape(a.target.id)


# (heading, justify, shown in narrow terminals, cell)
_COLUMNS: tuple[tuple[str, Literal["left", "right"], bool, Cell], ...] = (
    (N_("Target"), "left", True, _target_cell),
    (N_("Series"), "left", False, lambda a, seen, _: human.sparkline([o.value for o in seen])),
    (N_("Latest"), "right", True, lambda a, _, as_of: human.latest_text(a.latest, as_of)),
    (N_("Goal"), "left", True, lambda a, _s, _y: human.goal_text(a.target, a.indicator.unit)),
    (N_("Gap"), "right", False, lambda a, _s, _y: human.number(a.gap)),
    (N_("Needs"), "right", True, lambda a, _s, _y: human.needs_text(a)),
    (N_("Trend"), "right", False, lambda a, _s, _y: human.assessment_trend(a)),
    (N_("Projected"), "right", False, lambda a, _s, _y: human.projected_text(a)),
    (N_("Status"), "left", True, lambda a, _s, _y: _status_text(a.status)),
)  # fmt: skip


def print_status(project: Project, report: ProjectAssessment) -> None:
    """Print the status of every target and monitored indicator as tables on stdout, with the
    notes that explain them, a legend and a one-line summary."""
    from rich.markup import escape

    console = _console()
    if len(report.targets) > LARGE:
        _print_large_status(console, report)
    else:
        _print_status_table(console, project, report)
    notes = [
        f"  [dim]{escape(a.target.id)}:[/] {escape(note.message)}"
        for a in report.targets
        for note in a.notes
    ]
    if notes:  # one print: thousands of targets' notes in one go
        console.print("\n".join(notes))
    if report.monitored:
        _print_monitored(console, project, report.monitored, report.as_of)
    console.print(f"[dim]{escape(human.legend())}[/]")
    console.print(escape(human.summary_line([a.status for a in report.targets])))


def _print_large_status(console: Console, report: ProjectAssessment) -> None:
    """One line per target in aligned columns (id, status, latest, goal, pace), drawn as a
    single text: Rich's table layout costs seconds for thousands of rows."""
    from rich.cells import cell_len
    from rich.text import Text

    headings = [_("Target"), _("Status"), _("Latest"), _("Goal"), _("Needs")]
    rows = [
        [
            a.target.id,
            human.status_label(a.status),
            human.latest_text(a.latest, report.as_of),
            human.goal_text(a.target, a.indicator.unit),
            human.needs_text(a, False),
        ]
        for a in report.targets
    ]
    widths = [max(cell_len(row[i]) for row in [headings, *rows]) for i in range(len(headings))]

    def line(cells: list[str]) -> str:
        padded = (
            cell + " " * (width - cell_len(cell)) for cell, width in zip(cells, widths, strict=True)
        )
        return "  ".join(padded).rstrip()

    text = Text(human.project_title(report) + "\n", style="italic")
    text.append(line(headings) + "\n", style="bold")
    for a, row in zip(report.targets, rows, strict=True):
        start = len(text)
        text.append(line(row) + "\n")
        status_at = start + widths[0] + 2  # ids are ASCII: characters are cells
        text.stylize(STATUS_STYLES[a.status], status_at, status_at + len(row[1]))
    console.print(text, no_wrap=True, overflow="ignore", crop=False)


def _print_status_table(console: Console, project: Project, report: ProjectAssessment) -> None:
    from rich.markup import escape
    from rich.table import Table

    wide = console.width >= WIDE
    columns = [column for column in _COLUMNS if wide or column[2]]
    if not wide:  # the id alone (short, and what other commands take) and the pace alone
        columns[0] = (columns[0][0], "left", True, _target_id_cell)
        columns[3] = (columns[3][0], "right", True, lambda a, _s, _y: human.needs_text(a, False))
        columns.insert(1, columns.pop())  # the status next to the id, where it is never cut
    from rich import box

    table = Table(
        title=escape(human.project_title(report)),
        title_justify="left",
        box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAVY,  # no side borders in 80 columns
        pad_edge=wide,
    )
    for heading, justify, _narrow, _cell in columns:
        table.add_column(
            _(heading),
            justify=justify,
            no_wrap=heading == "Status",
            min_width=_widths(heading, console.width)[0],
            max_width=_widths(heading, console.width)[1],
            width=None if wide else _widths(heading, console.width)[0],  # Rich's max is loose
            overflow="fold",
        )
    for a in report.targets:
        seen = _seen(project, a.indicator_id, report.as_of)
        table.add_row(
            *(
                # the Target and Status cells carry their own markup; every other is plain text
                text if heading in ("Target", "Status") else escape(text)
                for heading, text in ((c[0], c[3](a, seen, report.as_of)) for c in columns)
            )
        )
    console.print(table)


def _seen(project: Project, indicator_id: str, as_of: int) -> list[Observation]:
    return [o for o in project.observations[indicator_id] if o.year <= as_of and o.status != "F"]


def _print_monitored(
    console: Console, project: Project, monitored: Sequence[MonitoredSummary], as_of: int
) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    wide = console.width >= WIDE
    table = Table(
        title=_("Monitored (no target)"),
        title_justify="left",
        box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAVY,
    )
    for heading in (_("Indicator"), _("Series"), _("Latest"), _("Unit"), _("Trend")):
        table.add_column(heading)
    for m in monitored:
        name = human.name_of(m.indicator) or m.indicator_id
        table.add_row(
            f"{escape(name)}\n[dim]{escape(m.indicator_id)}[/]",
            human.sparkline([o.value for o in _seen(project, m.indicator_id, as_of)]),
            escape(human.latest_text(m.latest, as_of)),
            escape(m.indicator.unit),
            escape(human.monitored_trend(m)),
        )
    console.print(table)


def print_show(project: Project, indicator_id: str, report: ProjectAssessment) -> None:
    """Print one indicator: definition, observations, each target's figures and paths."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    indicator = project.indicators[indicator_id]
    console.print(f"[bold]{escape(human.name_of(indicator) or indicator_id)}[/] ({indicator_id})")
    kind = _("level") if indicator.kind == "level" else _("rate")
    line = _("kind {kind}, unit {unit}").format(kind=kind, unit=indicator.unit)
    if indicator.bounds:
        line += ", " + _("bounds {low} to {high}").format(
            low=human.number(indicator.bounds[0]), high=human.number(indicator.bounds[1])
        )
    console.print(escape(line))
    if indicator.owner:
        console.print(escape(_("owner: {owner}").format(owner=indicator.owner)))

    seen = [o for o in project.observations[indicator_id] if o.year <= report.as_of]
    observations = Table(title=_("Observations"), title_justify="left")
    for heading in (_("Year"), _("Value"), _("Flags"), _("Source"), _("Note")):
        observations.add_column(heading, overflow="fold")
    for o in seen:
        source = o.source + (f" <{o.url}>" if o.url else "")
        note = o.note or ""
        if o.revisions:
            revised = _("revised {count} times; was {value}").format(
                count=len(o.revisions), value=human.number(o.revisions[-1].value, 4)
            )
            note = f"{note} ({revised})" if note else revised
        observations.add_row(
            str(o.year), human.number(o.value, 4), human.marks(o), escape(source), escape(note)
        )
    console.print(observations)
    _print_plot(console, seen, [a for a in report.targets if a.indicator_id == indicator_id])

    for a in report.targets:
        if a.indicator_id == indicator_id:
            _print_target(console, a, seen)
    for m in report.monitored:
        if m.indicator_id == indicator_id:
            console.print(
                escape(
                    _("Monitored (no target): latest {latest}, trend {trend}").format(
                        latest=human.latest_text(m.latest, report.as_of),
                        trend=human.monitored_trend(m),
                    )
                )
            )
    console.print(f"[dim]{escape(human.legend())}[/]")


def _print_plot(
    console: Console, seen: Sequence[Observation], assessments: Sequence[TargetAssessment]
) -> None:
    """The series and its paths as a compact Unicode plot, where the terminal has room."""
    from rich.text import Text

    from kpi.render.plot import indicator_plot

    for line in indicator_plot(seen, assessments, width=min(console.width, 78), height=14):
        console.print(Text(line), no_wrap=True)


def _figure_rows(a: TargetAssessment) -> list[tuple[str, str]]:
    rows = [
        (_("latest"), human.latest_text(a.latest)),
        (_("gap"), human.number(a.gap, 4)),
        (_("years left"), human.NONE if a.years_left is None else str(a.years_left)),
        (_("required pace"), human.needs_text(a)),
        (_("observed trend"), human.assessment_trend(a)),
        (_("progress ratio R"), human.number(a.progress_ratio, 4)),
        (_("projection"), human.projected_text(a)),
    ]
    details = a.details
    if isinstance(details, LevelDetails):
        if details.base is not None:
            base = f"{human.number(details.base.value)} ({details.base.year})"
            rows.append((_("trend base"), base))
        needed = _("{rate} %/yr").format(rate=human.number(details.needed_growth_pct, 4))
        rows.append((_("growth needed from base"), needed))
        slopes = _("{observed} / {needed} a year").format(
            observed=human.number(details.observed_slope, 4),
            needed=human.number(details.needed_slope, 4),
        )
        if details.uses_slopes:
            slopes += " " + _("(used for R)")
        rows.append((_("slopes (observed / needed)"), slopes))
        if details.ahead_of_plan is not None:
            rows.append((_("ahead of plan"), human.number(details.ahead_of_plan, 4, signed=True)))
    elif isinstance(details, RateDetails):
        years = ", ".join(str(o.year) for o in details.observed) or _("none")
        rows.append((_("years observed"), years))
        rows.append((_("period years N"), str(details.period_years)))
    return rows


def _print_target(console: Console, a: TargetAssessment, seen: Sequence[Observation]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print()
    title = human.name_of(a.target) or a.target.id
    goal = human.goal_text(a.target, a.indicator.unit)
    console.print(
        f"[bold]{escape(title)}[/] ({escape(a.target.id)}): {escape(goal)}  →  "
        f"{_status_text(a.status)}"
    )
    if a.target.source:
        set_by = _("set by: {source}").format(source=a.target.source)
        console.print(f"[dim]{escape(set_by)}[/]")
    figures = Table(show_header=False, box=None, padding=(0, 2))
    for label, value in _figure_rows(a):
        figures.add_row(escape(label), escape(value))
    console.print(figures)
    for note in a.notes:
        label = _("note:")
        console.print(f"  [dim]{escape(label)}[/] {escape(note.message)}")
    details = a.details
    if isinstance(details, LevelDetails) and (details.planned_path or details.required_path):
        _print_paths(console, details, seen)


def _print_paths(console: Console, details: LevelDetails, seen: Sequence[Observation]) -> None:
    from rich.table import Table

    planned = {p.year: p.value for p in details.planned_path}
    required = {p.year: p.value for p in details.required_path}
    observed = {o.year: o.value for o in seen}
    years = sorted(set(planned) | set(required))
    paths = Table(title=_("Path to the target, year by year"), title_justify="left")
    for heading in (_("Year"), _("Planned"), _("Required"), _("Observed")):
        paths.add_column(heading, justify="right")
    for year in years:
        paths.add_row(
            str(year),
            human.number(planned.get(year)),
            human.number(required.get(year)),
            human.number(observed.get(year)),
        )
    console.print(paths)
