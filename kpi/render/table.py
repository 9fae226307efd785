"""Rich tables for people: ``kpi status`` and ``kpi show``, rendered into a string.

Fed by the assessment alone (``ProjectAssessment``). Colour per status, with the status also in
words, so that it reads the same with ``NO_COLOR``. The columns are laid out here, not by Rich
(``_fit``): no column is narrower than its longest word, so a status label, a number, a target id or
a year range is never cut nor split (on the shipped data, from 60 columns); where they do not all
fit, whole columns are left out (``_fitted``), and only where even the id and the status do not fit
does Rich cut what it must.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Literal, NamedTuple, cast

from rich import box
from rich.box import Box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kpi.i18n import N_, _
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import Goal, Observation
from kpi.progress import (
    IndicatorView,
    MonitoredSummary,
    ProjectAssessment,
    Status,
    TargetAssessment,
    by_goal,
)
from kpi.render import human

STATUS_STYLES = {
    Status.ACHIEVED: "bold green",
    Status.ON_TRACK: "green",
    Status.AT_RISK: "yellow",
    Status.OFF_TRACK: "red",
    Status.MOVING_AWAY: "bold red",
    Status.INSUFFICIENT_DATA: "dim",
    Status.NO_DATA: "dim",
}
WIDE = 160  # from this width on, the status table has every column
LARGE = 200  # more targets than this: aligned lines instead of a Rich table
FIGURE_CAP = 16  # in a wide table a figure wraps beyond this, leaving the room to the names
FOLDED_FLOOR = 12  # a column of free text (sources, notes) may cut its long words down to this


class _Buffer(io.StringIO):
    """What Rich writes into, reporting the encoding of the stream the text is for, so that Rich
    draws what that stream can show (ASCII boxes where it cannot hold box-drawing ones)."""

    encoding = "utf-8"  # a plain attribute: StringIO's own is read-only (and None)


def _console(width: int | None, terminal: bool = True) -> tuple[Console, _Buffer]:
    """A console drawing into a buffer as Rich would on stdout (terminal or not, colours, encoding,
    and width if ``width`` is ``None``), but a non-empty ``NO_COLOR`` drops every escape code (Rich
    keeps bold, dim, italic), and a legacy Windows console (Windows API colours) gets plain text.
    Not for the ``terminal`` (``--output FILE``): as Rich would on a file, whatever stdout is."""
    real = Console()  # only asked how stdout is, never printed to
    if not terminal:  # UTF-8, no colour, $COLUMNS or 80 wide: what ``kpi status > FILE`` writes
        real = Console(
            file=io.StringIO(), force_terminal=False, color_system=None, legacy_windows=False
        )
    legacy = real.legacy_windows and real.is_terminal
    colours = None if os.environ.get("NO_COLOR") or legacy else real.color_system
    buffer = _Buffer()
    buffer.encoding = real.encoding
    # Given both sizes, Rich takes the width as given (less the last column of a legacy Windows
    # console, as it does for stdout), even on a terminal it would otherwise call 80 wide.
    detected = real.width + real.legacy_windows  # Rich took that column off already
    console = Console(
        file=buffer,
        width=detected if width is None else width,
        height=real.height,
        force_terminal=real.is_terminal,
        color_system=cast(Literal["standard", "256", "truecolor"] | None, colours),
        legacy_windows=legacy,
        highlight=False,
        emoji=False,  # a name with ":warning:" in it is shown as written, not as an emoji
        soft_wrap=False,
    )
    return console, buffer


class _Column(NamedTuple):
    """A column and its cells: ``whole`` keeps every line of a cell on one line (the status);
    ``folded`` lets free text cut a word longer than ``FOLDED_FLOOR``; ``cap`` is the widest the
    column grows to when there is room (``None``: its longest line)."""

    heading: str  # in the current language
    justify: Literal["left", "right"]
    cells: tuple[Text, ...]
    whole: bool = False
    folded: bool = False
    cap: int | None = None

    def floor(self) -> int:
        """The narrowest the column may be: its longest word (its longest line if ``whole``)."""
        split: Callable[[str], list[str]] = str.splitlines if self.whole else str.split
        words = self.heading.split() + [word for cell in self.cells for word in split(cell.plain)]
        longest = max((cell_len(word) for word in words), default=1)
        return min(longest, FOLDED_FLOOR) if self.folded else longest

    def ceiling(self) -> int:
        """The widest the column needs: its longest line, at most ``cap``, at least ``floor``."""
        lines = [self.heading, *(line for cell in self.cells for line in cell.plain.splitlines())]
        longest = max((cell_len(line) for line in lines), default=1)
        return max(self.floor(), longest if self.cap is None else min(longest, self.cap))


class _Frame(NamedTuple):
    """How a table is drawn around its columns: its box (``None``: none), outer edge, padding
    (cells on each side of a column; at the outer edges too with ``pad_edge``), header, title."""

    box: Box | None
    show_edge: bool = True
    pad_edge: bool = True
    padding: int = 1
    show_header: bool = True
    title: str | None = None  # Rich markup

    def overhead(self, columns: int) -> int:
        """Cells taken by the borders and the padding of ``columns`` columns."""
        borders = 0 if self.box is None else (columns - 1) + (2 if self.show_edge else 0)
        padding = 2 * self.padding * columns - (0 if self.pad_edge else 2 * self.padding)
        return borders + padding

    def table(self, columns: Sequence[_Column], widths: Sequence[int | None]) -> Table:
        """``columns`` of content ``widths`` (``None``: as Rich lays them out), drawn this way."""
        table = Table(
            box=self.box,
            show_edge=self.show_edge,
            pad_edge=self.pad_edge,
            padding=(0, self.padding),
            show_header=self.show_header,
            title=self.title,
            title_justify="left",
        )
        for column, width in zip(columns, widths, strict=True):
            table.add_column(
                Text(column.heading),
                justify=column.justify,
                no_wrap=column.whole,
                width=width,
                overflow="fold",  # cuts only what ``folded`` lets be wider than its column
            )
        for row in zip(*(column.cells for column in columns), strict=True):
            table.add_row(*row)
        return table


def _fit(columns: Sequence[_Column], frame: _Frame, available: int) -> list[int] | None:
    """Each column's content width in a table at most ``available`` cells wide: its ``ceiling``,
    the widest narrowed a cell at a time, none below its ``floor``; ``None``: floors do not fit."""
    floors = [column.floor() for column in columns]
    room = available - frame.overhead(len(columns))
    if sum(floors) > room:
        return None
    widths = [column.ceiling() for column in columns]
    for _excess in range(sum(widths) - room):
        narrowable = [i for i, width in enumerate(widths) if width > floors[i]]
        widest = max(narrowable, key=lambda i: widths[i])  # the leftmost of the widest
        widths[widest] -= 1
    return widths


Layout = tuple[Sequence[_Column], _Frame, Sequence[str]]  # columns, frame, optional headings


def _fitted(console: Console, layouts: Sequence[Layout]) -> Table:
    """The first of ``layouts`` whose columns fit the console whole (``_fit``), its optional ones
    left out in the order given until they do; where none fits (a terminal too narrow for the
    essential columns), the last layout with every column, laid out by Rich."""
    for columns, frame, optional in layouts:
        for left_out in range(len(optional) + 1):
            shown = [column for column in columns if column.heading not in optional[:left_out]]
            widths = _fit(shown, frame, console.width)
            if widths is not None:
                return frame.table(shown, widths)
    columns, frame, _optional = layouts[-1]
    return frame.table(columns, [None] * len(columns))


def _plain(
    console: Console,
    frame: _Frame,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    justify: Literal["left", "right"] = "left",
    folded: Collection[int] = (),
) -> Table:
    """A table of text ``rows`` under ``headings``, fitted to the console (``_fitted``); the
    columns at the indexes in ``folded`` may cut their long words."""
    columns = [
        _Column(heading, justify, tuple(Text(row[i]) for row in rows), folded=i in folded)
        for i, heading in enumerate(headings)
    ]
    return _fitted(console, [(columns, frame, ())])


def status_table(
    report: ProjectAssessment, *, width: int | None = None, terminal: bool = True
) -> str:
    """``kpi status`` for people, as the text to write on stdout: every target (and monitored
    indicator) as tables, their notes, the legend of the marks and a one-line summary.
    ``width``: the terminal's columns (``None``: as Rich detects stdout, see ``_console``); not
    for the ``terminal``: the text for a file (``--output``), as ``_console`` says."""
    console, buffer = _console(width, terminal)
    report = by_goal(report)
    if len(report.targets) > LARGE:
        _write_large_status(console, report)
    else:  # every column from ``WIDE`` on; else, or where they do not fit whole, the narrow ones
        title = escape(human.project_title(report))
        narrow = _Frame(box.SIMPLE_HEAVY, pad_edge=False, title=title)  # no side borders
        optional = (_("Needs"), _("Goal"), _("Latest"))  # left out in this order
        layouts: list[Layout] = [(_status_columns(report, wide=False), narrow, optional)]
        if console.width >= WIDE:
            wide = _Frame(box.HEAVY_HEAD, title=title)
            layouts.insert(0, (_status_columns(report, wide=True), wide, ()))
        console.print(_fitted(console, layouts))
        _print_notes(console, report)
    if goals := human.goal_lines(report.goals, report.targets):
        console.print(
            "[bold]"
            + escape(_("Goals"))
            + "[/]\n"
            + "\n".join(f"  {escape(line)}" for line in goals)
        )
    if report.monitored:
        _print_monitored(console, report)
    console.print(f"[dim]{escape(human.legend(human.rhythms(report)))}[/]")
    console.print(escape(human.summary_line([a.status for a in report.targets])))
    return buffer.getvalue()


Paint = tuple[str, str]  # the escape codes before and after a text in one style


def paints(console: Console, styles: Iterable[str]) -> dict[str, Paint]:
    """For each of ``styles``, the escape codes ``console`` writes before and after a text in that
    style, as Rich prints it there: ``("\\x1b[32m", "\\x1b[0m")`` for ``green`` on a colour
    terminal, two empty strings without colours (``NO_COLOR``, a file)."""
    learnt = {}
    for style in styles:
        with console.capture() as capture:
            console.print(Text("x", style=style), end="")
        before, _x, after = capture.get().partition("x")
        learnt[style] = (before, after)
    return learnt


def painted(text: str, paint: Paint) -> str:
    """``text`` between ``paint``'s escape codes (none around an empty text, as Rich writes)."""
    return f"{paint[0]}{text}{paint[1]}" if text else ""


def _write_large_status(console: Console, report: ProjectAssessment) -> None:
    """One line per target in aligned columns (id, status, latest, goal, pace), the title in
    italics, the headings in bold and each status in its colour, then every target's notes
    (``_print_notes``' lines): written as text with the escape codes Rich would write
    (``paints``) into the console's file, as Rich's layout and even its printing of one text cost
    seconds for thousands of rows; a line longer than the terminal is folded by the terminal."""
    headings = (_("Target"), _("Status"), _("Latest"), _("Goal"), _("Needs"))
    rows = [
        (a.target.id, human.status_label(a.status), human.latest_of(a, report.as_of),
         human.goal_text(a.target, a.indicator.unit), human.needs_text(a, False))
        for a in report.targets
    ]  # fmt: skip
    widths = [max(map(cell_len, cells)) for cells in zip(headings, *rows, strict=True)]
    paint = paints(console, ("italic", "bold", "dim", *STATUS_STYLES.values()))
    status_paints = {status: paint[style] for status, style in STATUS_STYLES.items()}

    def line(cells: Sequence[str], status: Paint | None = None) -> str:
        padded = [
            cell + " " * (width - cell_len(cell)) for cell, width in zip(cells, widths, strict=True)
        ]
        if status is not None:  # the words only, not the padding of their cell
            label = cells[1]
            padded[1] = painted(label, status) + padded[1][len(label) :]
        return "  ".join(padded).rstrip()

    lines = [painted(human.project_title(report), paint["italic"])]
    lines.append(painted(line(headings), paint["bold"]))
    lines.extend(
        line(row, status_paints[a.status]) for a, row in zip(report.targets, rows, strict=True)
    )
    lines.append("")  # a blank line before the notes, as after a table
    lines.extend(
        f"{painted(f'  {a.target.id}:', paint['dim'])} {note.message}"
        for a in report.targets
        for note in a.notes
    )
    lines.append("")
    console.file.write("\n".join(lines))


def _print_notes(console: Console, report: ProjectAssessment) -> None:
    """Each target's notes, one a line: ``  id: message``, the id dimmed; in one print, wrapped to
    the console."""
    text = Text()
    for a in report.targets:
        for note in a.notes:
            text.append(f"  {a.target.id}:", style="dim")
            text.append(f" {note.message}\n")
    if text:
        text.right_crop(1)  # the last newline: print ends the text with its own
        console.print(text)


def _status_cell(status: Status) -> Text:
    """The status in words, coloured (the words only, not the padding of their cell)."""
    return Text.assemble((human.status_label(status), STATUS_STYLES[status]))


def _named(name: str | None, item_id: str) -> Text:
    """A name (``None``: the id) over its id, dimmed: the first cell of a wide row."""
    return Text.assemble(name or item_id, "\n", (item_id, "dim"))


def _series(view: IndicatorView) -> Text:
    """The sparkline of what the figures rest on."""
    return Text(human.sparkline([o.value for o in view.usable]))


Figure = Callable[[TargetAssessment], str]


def _status_columns(report: ProjectAssessment, wide: bool) -> list[_Column]:
    """The status table's columns: every one (``wide``), or the few of a narrow terminal."""
    targets = report.targets

    def figures(heading: str, figure: Figure, cap: int | None = None) -> _Column:
        return _Column(_(heading), "right", tuple(Text(figure(a)) for a in targets), cap=cap)

    status = _Column(_("Status"), "left", tuple(_status_cell(a.status) for a in targets), True)
    latest = figures(N_("Latest"), lambda a: human.latest_of(a, report.as_of))
    goal_cells = tuple(Text(human.goal_text(a.target, a.indicator.unit)) for a in targets)
    if not wide:
        return [
            _Column(_("Target"), "left", tuple(Text(a.target.id) for a in targets)),
            status,
            latest,
            _Column(_("Goal"), "left", goal_cells),
            figures(N_("Needs"), lambda a: human.needs_text(a, False)),
        ]
    names = tuple(
        _named(human.name_of(a.target) or human.name_of(a.indicator), a.target.id) for a in targets
    )
    series = tuple(_series(report.indicators[a.indicator_id]) for a in targets)
    return [
        _Column(_("Target"), "left", names),
        _Column(_("Series"), "left", series),
        latest,
        _Column(_("Goal"), "left", goal_cells, cap=FIGURE_CAP),
        figures(N_("Gap"), lambda a: human.number(human.change_needed(a))),
        figures(N_("Needs"), human.needs_text, FIGURE_CAP),
        figures(N_("Trend"), human.assessment_trend, FIGURE_CAP),
        figures(N_("Projected"), human.projected_text, FIGURE_CAP),
        figures(N_("Plan"), lambda a: human.plan_distance_text(a.years_ahead_of_plan, True)),
        status,
    ]


def _print_monitored(console: Console, report: ProjectAssessment) -> None:
    """The indicators without a target, in a table of their own."""
    monitored = report.monitored
    names = tuple(_named(human.name_of(m.indicator), m.indicator_id) for m in monitored)
    series = tuple(_series(report.indicators[m.indicator_id]) for m in monitored)
    latest = tuple(Text(human.latest_of(m, report.as_of)) for m in monitored)
    columns = [
        _Column(_("Indicator"), "left", names),
        _Column(_("Series"), "left", series),
        _Column(_("Latest"), "left", latest),
        _Column(_("Unit"), "left", tuple(Text(m.indicator.unit) for m in monitored)),
        _Column(_("Trend"), "left", tuple(Text(human.monitored_trend(m)) for m in monitored)),
    ]
    optional = [_("Series"), _("Unit"), _("Trend")]  # left out in this order
    if human.has_direction(report):  # the direction method's columns, only where it applies
        columns += _direction_columns(monitored)
        optional.append(_("Desired"))
    boxed = box.HEAVY_HEAD if console.width >= WIDE else box.SIMPLE_HEAVY
    frame = _Frame(boxed, title=escape(_("Monitored (no target)")))
    console.print(_fitted(console, [(columns, frame, optional)]))


def _direction_columns(monitored: Sequence[MonitoredSummary]) -> list[_Column]:
    """The desired direction and the status it gives (``–`` for an indicator without one)."""
    statuses = tuple(
        Text(human.NONE) if m.status is None else _status_cell(m.status) for m in monitored
    )
    return [
        _Column(_("Desired"), "left", tuple(Text(human.desired_text(m)) for m in monitored)),
        _Column(_("Status"), "left", statuses, True),
    ]


def show_table(report: ProjectAssessment, indicator_id: str, *, width: int | None = None) -> str:
    """``kpi show`` for people, as the text to write on stdout: one of ``report.indicators``, its
    definition, its observations up to the as-of year (forecasts included) with their sources, a
    plot, each target's figures and paths. ``width``: as for ``status_table``."""
    from kpi.render.plot import indicator_plot

    console, buffer = _console(width)
    view = report.indicators[indicator_id]
    indicator = view.indicator
    console.print(f"[bold]{escape(human.name_of(indicator) or indicator_id)}[/] ({indicator_id})")
    kind = _(_KIND_WORDS[indicator.kind])
    line = _("kind {kind}, unit {unit}").format(kind=kind, unit=indicator.unit)
    if indicator.bounds:
        low, high = (human.number(bound) for bound in indicator.bounds)
        line += ", " + _("bounds {low} to {high}").format(low=low, high=high)
    console.print(escape(line))
    if indicator.owner:
        console.print(escape(_("owner: {owner}").format(owner=indicator.owner)))
    console.print(_observations_table(console, view.observations))
    assessments = [a for a in report.targets if a.indicator_id == indicator_id]
    plot = indicator_plot(  # at most 78 cells wide; none where the terminal has no room
        view.observations, assessments, width=min(console.width, 78), height=14, usable=view.usable
    )
    for row in plot:
        console.print(Text(row), no_wrap=True)
    for a in assessments:
        _print_target(console, a, view.usable, report.as_of, report.goals)
    for m in report.monitored:
        if m.indicator_id == indicator_id:
            monitored = _("Monitored (no target): latest {latest}, trend {trend}").format(
                latest=human.latest_of(m, report.as_of), trend=human.monitored_trend(m)
            )
            console.print(escape(monitored))
            if (sentence := human.direction_sentence(m)) is not None:
                console.print(escape(sentence))
    console.print(f"[dim]{escape(human.legend([indicator.update_every]))}[/]")
    return buffer.getvalue()


def _observations_table(console: Console, observations: Sequence[Observation]) -> Table:
    """Every observation with its flags (``human.marks``), source and note."""
    rows = [
        (str(o.year), human.number(o.value, 4), human.marks(o),
         o.source + (f" <{o.url}>" if o.url else ""), human.observation_note(o, 4))
        for o in observations
    ]  # fmt: skip
    headings = [_("Year"), _("Value"), _("Flags"), _("Source"), _("Note")]
    frame = _Frame(box.HEAVY_HEAD, title=escape(_("Observations")))
    return _plain(console, frame, headings, rows, folded={3, 4})


def _level_rows(a: TargetAssessment) -> list[tuple[str, str]]:
    details = LEVEL.details_of(a.details)
    if details is None:
        return []
    rows = []
    if details.base is not None:
        rows.append((_("trend base"), f"{human.number(details.base.value)} ({details.base.year})"))
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
        amount = human.plan_amount_text(details.ahead_of_plan, a.indicator.unit)
        rows.append((_("against the plan"), amount))
    if a.years_ahead_of_plan is not None:
        rows.append((_("time to plan"), human.plan_distance_text(a.years_ahead_of_plan)))
    return rows


def _rate_rows(a: TargetAssessment) -> list[tuple[str, str]]:
    details = RATE.details_of(a.details)
    if details is None:
        return []
    years = ", ".join(str(o.year) for o in details.observed) or _("none")
    method = _AVERAGE_OF[RATE.target_of(a.target).average]
    return [
        (_("years observed"), years),
        (_("period years N"), str(details.period_years)),
        (_("average"), _(method)),
    ]


# How a rate target's average is computed: from the recorded yearly rates, never a published
# average of the period (which may rest on revised or rebased figures: docs/methodology.md).
_AVERAGE_OF = {
    "compound": N_(
        "compound, of the yearly rates recorded for the period (not a published period average)"
    ),
    "arithmetic": N_(
        "arithmetic, of the yearly rates recorded for the period (not a published period average)"
    ),
}


def _print_target(
    console: Console,
    a: TargetAssessment,
    usable: Sequence[Observation],
    as_of: int,
    goals: Mapping[str, Goal],
) -> None:
    """One target: its goal and status, who set it (and the goal of ``goals`` it is under), its
    figures, notes and paths."""
    console.print()
    title = human.name_of(a.target) or a.target.id
    goal = f" ({a.target.id}): {human.goal_text(a.target, a.indicator.unit)}  →  "
    console.print(Text.assemble((title, "bold"), goal, _status_cell(a.status)))
    if a.target.source:
        set_by = _("set by: {source}").format(source=a.target.source)
        console.print(f"[dim]{escape(set_by)}[/]")
    goal_id = a.target.goal
    if goal_id is not None and goal_id in goals:
        under = _("Goal: {goal}").format(goal=human.goal_name(goal_id, goals[goal_id]))
        console.print(f"[dim]{escape(under)}[/]")
    rows = [
        (_("latest"), human.latest_of(a, as_of)),
        (_("gap"), human.number(human.change_needed(a), 4)),
        (_("years left"), human.NONE if a.years_left is None else str(a.years_left)),
        (_("required pace"), human.needs_text(a)),
        (_("next year needs"), human.next_year_text(a)),
        (_("observed trend"), human.assessment_trend(a)),
        (_("progress ratio R"), human.number(a.progress_ratio, 4)),
        (_("projection"), human.projected_text(a)),
        *_DETAIL_ROWS[a.kind.name](a),
    ]
    frame = _Frame(None, padding=2, show_header=False)
    console.print(_plain(console, frame, ["", ""], rows))
    for note in a.notes:
        label = _("note:")
        console.print(f"  [dim]{escape(label)}[/] {escape(note.message)}")
    paths = _PATHS.get(a.kind.name)
    if paths is not None:
        paths(console, a, usable)


def _level_paths(console: Console, a: TargetAssessment, usable: Sequence[Observation]) -> None:
    """The planned and required paths year by year, beside the usable observations (no forecast)."""
    details = LEVEL.details_of(a.details)
    if details is None or not (details.planned_path or details.required_path):
        return
    planned = {p.year: p.value for p in details.planned_path}
    required = {p.year: p.value for p in details.required_path}
    observed = {o.year: o.value for o in usable}
    values = [
        (str(year), human.number(planned.get(year)), human.number(required.get(year)),
         human.number(observed.get(year)))
        for year in sorted(set(planned) | set(required))
    ]  # fmt: skip
    headings = (_("Year"), _("Planned"), _("Required"), _("Observed"))
    frame = _Frame(box.HEAVY_HEAD, title=escape(_("Path to the target, year by year")))
    console.print(_plain(console, frame, headings, values, "right"))


# The pieces of each kind, by ``TargetKind.name``: a new kind adds its entries here.
_KIND_WORDS = {"level": N_("level"), "rate": N_("rate")}
_DETAIL_ROWS = {"level": _level_rows, "rate": _rate_rows}
_PATHS = {"level": _level_paths}  # a rate target has no path
