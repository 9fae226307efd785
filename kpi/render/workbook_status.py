"""``kpi status --format xlsx`` and ``kpi report --format xlsx``: the workbook a planner sends to
the leadership, in the current language.

Four sheets: the status (one row per target, then the indicators without a target, as the
table lists them; figures as numbers, the status in words and in colour), a legend of the
statuses and marks, the observations the status rests on (up to the as-of year, in the import's
columns, so ``kpi import --sheet`` reads them back), and when, as of which year and with which kpi
the workbook was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from kpi import __version__
from kpi.columns import column_title
from kpi.i18n import N_, _, language
from kpi.kinds.level import LEVEL
from kpi.model import OBSERVATION_COLUMNS, Baseline, LevelTarget, Observation, RateTarget
from kpi.notes import Note
from kpi.progress import (
    MonitoredSummary,
    ProjectAssessment,
    Status,
    TargetAssessment,
    by_goal,
    finite,
)
from kpi.render import human
from kpi.render.report_markdown import unit_text
from kpi.render.workbook import Book, Cell, Column, Styled, observations_sheet

# The status sheet's columns: heading and style (kpi.render.workbook.STYLES).
STATUS_COLUMNS = (
    (N_("Indicator id"), "text"), (N_("Target id"), "text"), (N_("Indicator"), "wrap"),
    (N_("Goal"), "text"), (N_("Status"), "text"), (N_("Baseline year"), "year"),
    (N_("Baseline value"), "number"), (N_("Latest year"), "year"), (N_("Latest value"), "number"),
    (N_("Flags"), "flag"), (N_("Unit"), "text"), (N_("Change to the target"), "number"),
    (N_("Required change a year"), "number"), (N_("Required growth (%/yr)"), "number"),
    (N_("Next year"), "year"), (N_("Next year needs"), "number"),
    (N_("Trend (%/yr)"), "number"), (N_("Trend since"), "year"), (N_("Projected"), "number"),
    (N_("Progress ratio R"), "ratio"), (N_("Years ahead of plan"), "number"),
    (N_("Notes"), "wrap"), (N_("Goal id"), "text"),
)  # fmt: skip
FROZEN_COLUMNS = 3  # the ids and the name stay in view when scrolling right
MONITORED = N_("Monitored (no target)")
# What each status means, for the legend (docs/methodology.md has the arithmetic).
MEANINGS = {
    Status.ACHIEVED: N_("The target is met: the latest value meets it (a rate target: its period "
                        "is over and its average meets it)."),
    Status.ON_TRACK: N_("Progressing at the pace the target needs, or nearly (progress ratio R at "
                        "or above the project's on-track threshold)."),
    Status.AT_RISK: N_("Progressing, but too slowly to meet the target without speeding up "
                       "(R between the at-risk and on-track thresholds)."),
    Status.OFF_TRACK: N_("Progressing far too slowly (R below the at-risk threshold), or the "
                         "target year is past and the target was missed."),
    Status.MOVING_AWAY: N_("Moving away from the target: the indicator goes the wrong way "
                           "(R below 0)."),
    Status.INSUFFICIENT_DATA: N_("Observed, but not enough comparable years to measure a trend "
                                 "(for example since a series break)."),
    Status.NO_DATA: N_("No observation to judge the target with yet."),
}  # fmt: skip
MONITORED_MEANING = N_("An indicator without a target: only its latest value and trend are shown.")
DIRECTION_GOAL = N_("{desired} (desired direction, no target value)")
DIRECTION_MEANING = N_(
    "An indicator with a desired direction and no target value has a status too: its growth in "
    "that direction over the trend window, on track from {on_track} % a year, at risk from "
    "{at_risk} %, off track from {off_track} %, moving away below."
)
RATIO_MEANING = N_(
    "R, the progress ratio: the pace observed since the trend's base year divided by the pace "
    "the target needs."
)
# The fill of each status's cell (light, so that the words stay readable in print).
STATUS_FILLS = {
    Status.ACHIEVED: "#A9D08E", Status.ON_TRACK: "#C6EFCE", Status.AT_RISK: "#FFEB9C",
    Status.OFF_TRACK: "#F8CBAD", Status.MOVING_AWAY: "#FF9B9B",
    Status.INSUFFICIENT_DATA: "#E7E6E6", Status.NO_DATA: "#E7E6E6",
}  # fmt: skip
_MAX_PRINT_HEADER = 200  # characters of the title in the printed page's header (Excel: 255)


def made_at() -> dt.datetime:
    """Now, in UTC to the second, without a time zone (what a workbook cell holds)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def status_workbook(report: ProjectAssessment) -> bytes:
    """The workbook of ``report`` as the bytes of an ``.xlsx`` file (see the module's
    docstring), made now (``made_at``)."""
    made = made_at()
    book = Book()
    for status, fill in STATUS_FILLS.items():
        book.add_style(f"status_{status.value}", {"valign": "top", "bg_color": fill})
    _status_sheet(book, report)
    _legend_sheet(book, report)
    headings = [column_title(column, language()) for column in OBSERVATION_COLUMNS]
    entries = (
        (indicator_id, observation)
        for indicator_id, view in report.indicators.items()
        for observation in view.observations
    )
    observations_sheet(book, _("Observations"), headings, entries)
    _about_sheet(book, report, made)
    title = human.project_title(report)
    book.workbook.set_properties(
        {"title": title, "comments": f"kpi {__version__}", "created": made}
    )
    return book.close()


def report_workbook(report: ProjectAssessment, _charts: Mapping[str, str] | None = None) -> bytes:
    """``kpi report --format xlsx``: the same workbook as ``status_workbook`` (a workbook holds
    figures, not the report's charts)."""
    return status_workbook(report)


def _status_cell(status: Status) -> Styled:
    return Styled(human.status_label(status), f"status_{status.value}")


def _notes(notes: Sequence[Note]) -> str | None:
    """The notes' messages, one a line (``None``: no note)."""
    return "\n".join(note.message for note in notes) or None


def _flags(latest: Observation | None, as_of: int) -> str | None:
    """The marks of the latest value (``human.marks``), ``None`` without any."""
    return (human.marks(latest, as_of) or None) if latest is not None else None


def _target_row(a: TargetAssessment, as_of: int) -> list[Cell | Styled]:
    baseline = _BASELINES[a.kind.name](a.target)
    latest, next_year = a.latest, a.next_year_needs
    return [
        a.indicator_id, a.target.id, human.name_of(a.indicator) or a.indicator_id,
        human.goal_text(a.target, a.indicator.unit), _status_cell(a.status),
        baseline.year if baseline else None, baseline.value if baseline else None,
        latest.year if latest else None, latest.value if latest else None,
        _flags(latest, as_of), unit_text(a.indicator.unit),
        finite(human.change_needed(a)), finite(_pace(a)), finite(a.required_growth_pct),
        next_year.year if next_year else None, finite(next_year.value) if next_year else None,
        finite(a.observed_growth_pct), a.trend_from, finite(a.projected),
        finite(a.progress_ratio), finite(a.years_ahead_of_plan), _notes(a.notes), a.target.goal,
    ]  # fmt: skip


def _pace(a: TargetAssessment) -> float | None:
    """The change a year a level target needs, signed in the indicator's own terms (negative:
    it must fall); a rate target's pace is its required growth, in the next column."""
    return human.level_pace(a) if a.kind is LEVEL else None


def _monitored_row(m: MonitoredSummary, as_of: int) -> list[Cell | Styled]:
    """An indicator without a target; with a desired direction, that direction as its goal and
    the status it gives, coloured like a target's."""
    latest = m.latest
    goal = status = None
    if m.status is not None:
        goal, status = _(DIRECTION_GOAL).format(desired=human.desired_text(m)), m.status
    return [
        m.indicator_id, None, human.name_of(m.indicator) or m.indicator_id, goal,
        _(MONITORED) if status is None else _status_cell(status),
        None, None, latest.year if latest else None, latest.value if latest else None,
        _flags(latest, as_of), unit_text(m.indicator.unit),
        None, None, None, None, None, finite(m.observed_growth_pct), m.trend_from, None, None,
        None, _notes(m.notes), None,
    ]  # fmt: skip


def _status_sheet(book: Book, report: ProjectAssessment) -> None:
    """The first sheet: one row per target, then one per indicator without a target; header
    frozen with the ids and names, an autofilter, printed landscape one page wide."""
    sheet = book.sheet(_("Status"))
    columns = [Column(_(heading), style) for heading, style in STATUS_COLUMNS]
    rows = [_target_row(a, report.as_of) for a in by_goal(report).targets]
    rows += [_monitored_row(m, report.as_of) for m in report.monitored]
    sheet.table(columns, rows, frozen_columns=FROZEN_COLUMNS)
    sheet.fit()
    page = sheet.worksheet
    page.set_landscape()
    page.fit_to_pages(1, 0)
    page.repeat_rows(0)
    title = human.project_title(report)[:_MAX_PRINT_HEADER].replace("&", "&&")
    page.set_header(f"&L{title}")
    page.activate()


def _legend_sheet(book: Book, report: ProjectAssessment) -> None:
    """What each status means and how many targets have it (how many indicators have none);
    then what the marks and R mean."""
    sheet = book.sheet(_("Legend"))
    columns = [Column(_("Status")), Column(_("Meaning"), "wrap"), Column(_("Count"), "year")]
    statuses = [a.status for a in report.targets]
    rows: list[list[Cell | Styled]] = [
        [_status_cell(status), _(MEANINGS[status]), statuses.count(status)] for status in Status
    ]
    rows.append([_(MONITORED), _(MONITORED_MEANING), len(report.monitored)])
    count = sheet.table(columns, rows, autofilter=False)
    sheet.fit()
    sheet.write(count + 2, 0, human.legend(), "text")
    sheet.write(count + 3, 0, _(RATIO_MEANING), "text")
    if human.has_direction(report):
        settings = report.settings
        meaning = _(DIRECTION_MEANING).format(
            on_track=human.number(settings.direction_on_track),
            at_risk=human.number(settings.direction_at_risk),
            off_track=human.number(settings.direction_off_track),
        )
        sheet.write(count + 4, 0, meaning, "text")


def _about_sheet(book: Book, report: ProjectAssessment, made: dt.datetime) -> None:
    """When, as of which year and with which kpi the workbook was made, and of which project."""
    sheet = book.sheet(_("About"))
    name = (language() == "vi" and report.project_name_vi) or report.project_name
    rows: list[tuple[str, Cell, str]] = [
        (_("Project"), name, "text"),
        (_("As of year"), report.as_of, "year"),
        (_("Made (UTC)"), made, "date"),
        (_("Made with"), f"kpi {__version__}", "text"),
        (_("Summary"), human.summary_line([a.status for a in report.targets]), "text"),
    ]
    for row, (label, value, style) in enumerate(rows, start=2):
        sheet.write(row, 0, label, "header")
        sheet.write(row, 1, value, style)
    sheet.fit()
    sheet.write(0, 0, human.project_title(report), "title")


def _level_baseline(target: LevelTarget | RateTarget) -> Baseline | None:
    return LEVEL.target_of(target).baseline


def _no_baseline(_target: LevelTarget | RateTarget) -> Baseline | None:
    return None


# The baseline of each kind's target, by ``TargetKind.name`` (a rate target has none).
_BASELINES: dict[str, Callable[[LevelTarget | RateTarget], Baseline | None]] = {
    "level": _level_baseline,
    "rate": _no_baseline,
}
