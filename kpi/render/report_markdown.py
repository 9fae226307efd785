"""``kpi report --format markdown``: a report for people, for a pull request or a wiki.

A summary table, then one section per target: its status and why, its key figures, its chart
(an SVG file beside the report, when one was written) and its observations with their sources
and flags. The texts shared with the HTML report live here too, so both say the same thing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

from kpi.i18n import _
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.progress import ProjectAssessment, Status, TargetAssessment, by_goal, goal_groups
from kpi.render import human, markdown

# -- texts shared by the Markdown and HTML reports -------------------------------------------


def unit_text(unit: str) -> str:
    """The indicator's unit for people: ``%/yr`` in the current language, others as written."""
    return _("%/yr") if unit == "%/yr" else unit


def target_title(assessment: TargetAssessment) -> str:
    """The target's name in the current language, else its indicator's, else its id."""
    target, indicator = assessment.target, assessment.indicator
    return human.name_of(target) or human.name_of(indicator) or target.id


def status_reason(assessment: TargetAssessment) -> str | None:
    """One sentence saying why the target has its status, from its figures; ``None`` when the
    notes alone explain it (no data, no trend base, a missed target, an infinite ratio)."""
    if assessment.status is Status.NO_DATA:
        return _("There is no observation to judge this target with yet.")
    if assessment.status is Status.INSUFFICIENT_DATA:
        return _("There are not enough comparable observations to measure a trend.")
    if any(note.code == "missed" for note in assessment.notes):
        return None
    return _REASONS[assessment.kind.name](assessment)


def _level_reason(a: TargetAssessment) -> str | None:
    ratio = a.progress_ratio
    if a.status is Status.ACHIEVED and a.latest is not None:
        return _("The latest value, {value} in {year}, already meets the target.").format(
            value=human.number(a.latest.value), year=a.latest.year
        )
    if ratio is None or not math.isfinite(ratio):
        return None
    if ratio < 0:
        return _(
            "Since {year} the indicator has moved away from the target "
            "(progress ratio R = {ratio})."
        ).format(year=a.trend_from, ratio=human.number(ratio))
    return _(
        "Since {year} the indicator has moved at {percent} % of the pace the target needs "
        "(progress ratio R = {ratio})."
    ).format(year=a.trend_from, percent=human.number(100 * ratio, 0), ratio=human.number(ratio))


def _rate_reason(a: TargetAssessment) -> str | None:
    low, average, ratio = RATE.target_of(a.target).low, a.observed_growth_pct, a.progress_ratio
    unit = unit_text(a.indicator.unit)
    if average is not None and a.status is Status.ACHIEVED:  # the period is over
        return _("The period is over and its average, {value} {unit}, meets the target.").format(
            value=human.number(average), unit=unit
        )
    if average is not None and average >= low:
        return _(
            "The average so far, {average} {unit}, is at or above the target's {low} {unit}."
        ).format(average=human.number(average), low=human.number(low), unit=unit)
    if ratio is None or a.required_growth_pct is None or not math.isfinite(ratio) or low <= 0:
        return None
    return _(
        "The average so far, {average} {unit}, is {percent} % of the {low} {unit} the whole "
        "period needs (progress ratio R = {ratio}); the remaining years now need {required} "
        "{unit}."
    ).format(
        unit=unit,
        average=human.number(average),
        percent=human.number(100 * ratio, 0),
        low=human.number(low),
        required=human.number(a.required_growth_pct),
        ratio=human.number(ratio),
    )


def key_figures(assessment: TargetAssessment, as_of: int) -> list[tuple[str, str]]:
    """The target's key figures, (label, value) in the current language; unknown ones left out."""
    a = assessment
    rows = [
        (_("Goal"), human.goal_text(a.target, a.indicator.unit)),
        (_("Latest value"), human.latest_of(a, as_of)),
        (_("Gap to the target"), _gap_text(a)),
        (_("Years left"), human.NONE if a.years_left is None else str(a.years_left)),
        (_("Pace now required"), _needs_words(a)),
        (_("Next year needs"), human.next_year_text(a)),
        (_("Observed trend"), human.assessment_trend(a)),
        (_("Progress ratio R"), human.number(a.progress_ratio)),
        *_KEY_FIGURES[a.kind.name](a),
    ]
    return [(label, value) for label, value in rows if value != human.NONE]


def _level_figures(a: TargetAssessment) -> list[tuple[str, str]]:
    rows = [(_("Projection of the trend"), human.projected_text(a))]
    details = LEVEL.details_of(a.details)
    if details is not None and details.planned_now is not None and a.latest:
        planned = f"{human.number(details.planned_now)} {unit_text(a.indicator.unit)}"
        rows.append((_("Planned for {year}").format(year=a.latest.year), planned))
        if details.ahead_of_plan is not None:
            amount = human.plan_amount_text(details.ahead_of_plan, a.indicator.unit)
            rows.append((_("Against the plan"), amount))
    if a.years_ahead_of_plan is not None:
        rows.append((_("Time to plan"), human.plan_distance_text(a.years_ahead_of_plan)))
    return rows


def _rate_figures(a: TargetAssessment) -> list[tuple[str, str]]:
    details = RATE.details_of(a.details)
    years = ", ".join(str(o.year) for o in details.observed) if details else ""
    return [(_("Years observed in the period"), years)] if years else []


# The words of each kind, by ``TargetKind.name``: a new kind adds its entries here.
_REASONS = {"level": _level_reason, "rate": _rate_reason}
_KEY_FIGURES = {"level": _level_figures, "rate": _rate_figures}


def _gap_text(assessment: TargetAssessment) -> str:
    """The gap in the indicator's own terms (``human.change_needed``): signed where the value
    must fall, so that a lower-is-better target never reads as one that must rise."""
    change = human.change_needed(assessment)
    return human.NONE if change is None else _amount(change, assessment, signed=change < 0)


def _needs_words(assessment: TargetAssessment) -> str:
    """The pace now required in words for a level target (``must rise 1.34 pp/yr (+2.08 %/yr)``,
    ``must fall 0.1 pp/yr``), else ``human.needs_text``."""
    pace = human.level_pace(assessment) if assessment.kind is LEVEL else None
    if pace is None or pace == 0:
        return human.needs_text(assessment)
    message = _("must rise {pace}") if pace > 0 else _("must fall {pace}")
    text = message.format(pace=human.pace_text(abs(pace), assessment.indicator.unit, signed=False))
    growth = assessment.required_growth_pct
    if growth is not None:
        growth_text = _("{rate} %/yr").format(rate=human.number(growth, signed=True))
        text += f" ({growth_text})"
    return text


def _amount(value: float, assessment: TargetAssessment, signed: bool = False) -> str:
    """A difference in the indicator's unit: percentage points for a rate or a share in %."""
    unit = assessment.indicator.unit
    if assessment.kind.values_are_rates or unit == "%":
        return _("{value} percentage points").format(value=human.number(value, signed=signed))
    return f"{human.number(value, signed=signed)} {unit_text(unit)}"


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) link, else ``None`` (never a ``javascript:`` link)."""
    return url if url and re.match(r"https?://[^\s\"'<>]+\Z", url) else None


def observation_table(
    report: ProjectAssessment,
    indicator_id: str,
    text: Callable[[str], str],
    link: Callable[[str, str], str],
) -> tuple[list[str], list[list[str]]]:
    """The headings and rows of the indicator's observations up to ``report.as_of`` (forecasts
    included, marked), oldest first: texts made safe by ``text`` (the format's escaper), a source
    with a ``safe_url`` through ``link(source, url)``."""
    rows = []
    for o in report.indicators[indicator_id].observations:
        url = safe_url(o.url)
        source = link(text(o.source), url) if url else text(o.source)
        flags, note = text(human.marks(o)), text(human.observation_note(o, 2))
        rows.append([str(o.year), human.number(o.value, 4), flags, source, note])
    return [_("Year"), _("Value"), _("Flags"), _("Source"), _("Note")], rows


def monitored_table(report: ProjectAssessment) -> tuple[list[str], list[list[str]]]:
    """The headings and rows (plain text) of the table of indicators without a target; where one
    has a desired direction, every row also its direction and the status that gives."""
    directions = human.has_direction(report)
    rows = []
    for m in report.monitored:
        row = [
            human.name_of(m.indicator) or m.indicator_id,
            human.latest_of(m, report.as_of),
            unit_text(m.indicator.unit),
            human.monitored_trend(m),
        ]
        if directions:
            row += [human.desired_text(m), human.monitored_status(m)]
        rows.append(row)
    headings = [_("Indicator"), _("Latest"), _("Unit"), _("Trend")]
    if directions:
        headings += [_("Desired"), _("Status")]
    return headings, rows


def summary_row(assessment: TargetAssessment, as_of: int) -> list[str]:
    """The cells of a target's row in the summary table (see ``summary_headings``)."""
    a = assessment
    return [
        target_title(a),
        human.latest_of(a, as_of),
        human.goal_text(a.target, a.indicator.unit),
        human.number(human.change_needed(a)),
        human.needs_text(a),
        human.assessment_trend(a),
        human.projected_text(a),
        human.status_label(a.status),
    ]


def summary_headings() -> list[str]:
    """The headings of the summary table, in the current language."""
    return [
        _("Target"), _("Latest"), _("Goal"), _("Gap"), _("Needs"), _("Trend"),
        _("Projected"), _("Status"),
    ]  # fmt: skip


def statuses(report: ProjectAssessment) -> list[Status]:
    """Every target's status, in order (for ``human.summary_line``)."""
    return [a.status for a in report.targets]


# -- Markdown ----------------------------------------------------------------------------------

_text = markdown.escape


def _link(source: str, url: str) -> str:
    return f"[{source}](<{url}>)"


def report_markdown(report: ProjectAssessment, charts: Mapping[str, str] | None = None) -> str:
    """The whole report as Markdown. ``charts`` maps a target id to the relative path of its
    SVG chart; ``None`` means charts were not written (Markdown on stdout), which the report
    says where each chart would be."""
    as_of = report.as_of
    report = by_goal(report)
    lines = [f"# {_text(human.project_title(report))}", ""]
    if charts is None:
        notice = _(
            "This report was written to standard output, so it has no charts. Write it to a file "
            "(kpi report --output report.md) to get one SVG chart per target in a folder beside it."
        )
        lines += [f"> {notice}", ""]
    lines += ["## " + _("Summary"), "", _text(human.summary_line(statuses(report))), ""]
    if report.goals:
        lines += ["### " + _("Goals"), ""]
        lines += [f"- {_text(line)}" for line in goal_summaries(report)]
        lines.append("")
    rows = []
    for a in report.targets:
        cells = [_text(c) for c in summary_row(a, as_of)]
        cells[0] = f"{cells[0]} (`{a.target.id}`)"
        cells[-1] = f"**{cells[-1]}**"
        rows.append(cells)
    lines += markdown.table(summary_headings(), rows)
    if report.monitored:
        lines += ["", "### " + _("Monitored (no target)"), ""]
        headings, monitored = monitored_table(report)
        lines += markdown.table(headings, [[_text(cell) for cell in row] for row in monitored])
    lines += ["", f"_{_text(human.legend(human.rhythms(report)))}_", ""]
    for a in report.targets:
        lines += _section(report, a, charts)
    return "\n".join(lines).rstrip("\n") + "\n"


def goal_summaries(report: ProjectAssessment) -> list[str]:
    """One line per goal for a report: ``human.goal_lines``, each goal's source after it."""
    lines = []
    groups = goal_groups(report.goals, report.targets)
    lines_of = human.goal_lines(report.goals, report.targets)
    for group, line in zip(groups, lines_of, strict=True):
        source = group.goal.source if group.goal is not None else None
        lines.append(
            _("{line} (set by: {source})").format(line=line, source=source) if source else line
        )
    return lines


def goal_of(report: ProjectAssessment, a: TargetAssessment) -> str | None:
    """``Goal: <name>`` for a target set under one of the report's goals, else ``None``."""
    goal = report.goals.get(a.target.goal) if a.target.goal is not None else None
    if goal is None:
        return None
    return _("Goal: {goal}").format(goal=human.goal_name(a.target.goal, goal))


def _section(
    report: ProjectAssessment, a: TargetAssessment, charts: Mapping[str, str] | None
) -> list[str]:
    as_of = report.as_of
    indicator = human.name_of(a.indicator) or a.indicator_id
    lines = [
        f"## {_text(target_title(a))}",
        "",
        _("Target `{target}` of the indicator {indicator} (`{indicator_id}`).").format(
            target=a.target.id, indicator=_text(indicator), indicator_id=a.indicator_id
        ),
        "",
    ]
    if goal := goal_of(report, a):
        lines += [_text(goal), ""]
    lines += [_("Status: **{status}**").format(status=human.status_label(a.status)), ""]
    reason = status_reason(a)
    if reason:
        lines += [_text(reason), ""]
    if a.notes:
        lines += [f"- {_text(note.message)}" for note in a.notes] + [""]
    figures = [[_text(label), _text(value)] for label, value in key_figures(a, as_of)]
    lines += ["### " + _("Key figures"), "", *markdown.table([_("Figure"), _("Value")], figures)]
    lines += ["", "### " + _("Chart"), ""]
    if charts is None:
        lines.append(
            _("Not included: Markdown on standard output has no charts (use --output FILE.md).")
        )
    elif a.target.id in charts:
        alt = _("Chart of {indicator}").format(indicator=indicator)
        lines.append(f"![{_text(alt)}]({quote(charts[a.target.id])})")
    else:
        lines.append(_("No chart: no observation up to {year}.").format(year=as_of))
    lines += ["", "### " + _("Observations"), ""]
    headings, rows = observation_table(report, a.indicator_id, _text, _link)
    if rows:
        lines += markdown.table(headings, rows)
    else:
        lines.append(_("No observation up to {year}.").format(year=as_of))
    if a.target.source:
        lines += ["", _("Target set by: {source}").format(source=_text(a.target.source))]
    return [*lines, ""]
