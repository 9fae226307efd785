"""Charts for people: one indicator's observed values, planned and required paths, targets and
projection, as SVG or PNG (``kpi chart``, and the charts of ``kpi report``).

matplotlib is imported only inside the functions that draw (with the Agg canvas, never pyplot),
so commands that do not draw never pay for it. Every text is in the current language
(``kpi.i18n``) and every number follows its convention. SVG output is deterministic: fixed ids
(``svg.hashsalt``), no date, text kept as text.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi.errors import fail
from kpi.i18n import N_, _, format_number
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import Observation
from kpi.progress import ProjectAssessment, TargetAssessment
from kpi.render import human
from kpi.render.report_markdown import unit_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHART_FORMATS = ("svg", "png")
PNG_DPI = 150
FIGURE_SIZE = (8.0, 4.8)  # inches: 1200 x 720 pixels in PNG
LEGEND_WRAP = 44  # characters a legend line holds in each of its two columns

# The browser test finds each chart by these two colours, used nowhere else in the report.
TITLE_COLOUR = "#14324f"
OBSERVED_COLOUR = "#1f4e79"
FORECAST_COLOUR = "#7f7f7f"
BREAK_COLOUR = "#555555"
PLANNED_COLOUR = "#8c8c8c"
PROJECTION_COLOUR = "#4a90c8"
AVERAGE_COLOUR = "#6b8fb3"
# One palette per target of the indicator: (target, required path).
TARGET_PALETTES = (("#1a9850", "#d95f02"), ("#7b3294", "#e7298a"), ("#01665e", "#b35806"))

_STYLE: dict[Any, Any] = {  # keys: matplotlib rcParams
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.labelsize": 9.5,
    "legend.fontsize": 9,
    "svg.fonttype": "none",
    "svg.hashsalt": "kpi",
    "path.simplify": False,
}


def chart_format(path: Path) -> str:
    """``svg`` or ``png``, from ``path``'s extension (any case). Raises ``KpiError`` for any
    other extension, so a command can refuse before it loads or draws anything."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in CHART_FORMATS:
        message = _("unknown chart format {suffix}: the file name must end in .svg or .png")
        raise fail(
            message.format(suffix=path.suffix or _("no extension")),
            file=path,
            hint=_("for example: --output chart.svg or --output chart.png"),
        )
    return suffix


def has_chart(report: ProjectAssessment, assessment: TargetAssessment) -> bool:
    """True when the target's indicator has a usable observation up to ``report.as_of`` (so a
    chart shows something more than the target)."""
    return bool(report.indicators[assessment.indicator_id].usable)


@contextmanager
def _style(salt: str) -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context({**_STYLE, "svg.hashsalt": f"kpi-{salt}"}):
        yield


# -- the figure ------------------------------------------------------------------------------


def build_figure(
    indicator_id: str,
    report: ProjectAssessment,
    target_ids: Collection[str] | None = None,
) -> Figure:
    """The chart of one indicator as of ``report.as_of``: its observations (estimated and
    provisional ones hollow, forecasts crossed, series breaks as vertical lines), and for each of
    its targets (all, or those in ``target_ids``) the target, planned and required paths and the
    projection. Pure: draws in memory, writes nothing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    view = report.indicators[indicator_id]
    indicator, observations = view.indicator, view.observations
    assessments = [
        a
        for a in report.targets
        if a.indicator_id == indicator_id and (target_ids is None or a.target.id in target_ids)
    ]
    with _style(indicator_id):
        figure = Figure(figsize=FIGURE_SIZE, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _draw_observed(axes, observations)  # first, so that it leads the legend
        for index, assessment in enumerate(assessments):
            target_colour, required_colour = TARGET_PALETTES[index % len(TARGET_PALETTES)]
            _DRAW_TARGET[assessment.kind.name](axes, assessment, target_colour, required_colour)

        name = human.name_of(indicator) or indicator_id
        figure.suptitle(
            "\n".join(textwrap.wrap(name, 80)),
            x=0.01,
            ha="left",
            fontsize=12,
            fontweight="bold",
            color=TITLE_COLOUR,
        )
        axes.set_title(human.project_title(report), loc="left", color="#444444")
        axes.set_xlabel(_("Year"))
        axes.set_ylabel(_(_AXIS_LABEL[indicator.kind]).format(unit=unit_text(indicator.unit)))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: format_number(y, 2)))
        axes.grid(axis="y", color="#dddddd", linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if not any(o.status != "F" for o in observations):
            axes.text(
                0.5, 0.5, _("No observation up to {year}").format(year=report.as_of),
                transform=axes.transAxes, ha="center", va="center", color="#666666", fontsize=11,
            )  # fmt: skip
        _fit_limits(axes, observations, assessments)
        _fill_open_bands(axes, assessments)
        handles, labels = axes.get_legend_handles_labels()
        if handles:
            labels = ["\n".join(textwrap.wrap(label, LEGEND_WRAP)) for label in labels]
            figure.legend(
                handles, labels, loc="outside lower center", ncols=2, frameon=False,
                handlelength=2.6, columnspacing=1.6,
            )  # fmt: skip
    return figure


def _segments(observations: Sequence[Observation]) -> list[list[Observation]]:
    """Runs of comparable observations: a series break starts a new run."""
    runs: list[list[Observation]] = []
    for observation in observations:
        if not runs or observation.series_break:
            runs.append([])
        runs[-1].append(observation)
    return runs


def _value_label(axes: Axes, year: float, value: float, colour: str, zorder: float = 3) -> None:
    """``value`` in bold above its point (3: the default ``zorder`` of a text)."""
    axes.annotate(
        format_number(value, 2), (year, value), textcoords="offset points", xytext=(0, 9),
        ha="center", fontsize=8.5, fontweight="bold", color=colour, zorder=zorder,
    )  # fmt: skip


def _draw_observed(axes: Axes, observations: Sequence[Observation]) -> None:
    usable = [o for o in observations if o.status != "F"]
    for run in _segments(usable):
        axes.plot(
            [o.year for o in run], [o.value for o in run],
            color=OBSERVED_COLOUR, linewidth=2, zorder=5,
        )  # fmt: skip
    firm = [o for o in usable if o.status == "A"]
    soft = [o for o in usable if o.status in ("E", "P")]
    if firm:
        axes.plot(
            [o.year for o in firm], [o.value for o in firm], linestyle="none", marker="o",
            markersize=6.5, color=OBSERVED_COLOUR, zorder=6, label=_("Observed"),
        )  # fmt: skip
    if soft:
        axes.plot(
            [o.year for o in soft], [o.value for o in soft], linestyle="none", marker="o",
            markersize=6.5, markerfacecolor="white", markeredgewidth=1.8,
            color=OBSERVED_COLOUR, zorder=6, label=_("Estimated or provisional"),
        )  # fmt: skip
    forecasts = [o for o in observations if o.status == "F"]
    if forecasts:
        axes.plot(
            [o.year for o in forecasts], [o.value for o in forecasts], linestyle="none",
            marker="X", markersize=7, color=FORECAST_COLOUR, zorder=6,
            label=_("Forecast (not used in the assessment)"),
        )  # fmt: skip
    for observation in usable:
        if observation.series_break:
            axes.axvline(
                observation.year - 0.5, color=BREAK_COLOUR, linestyle=(0, (2, 2)), linewidth=1.2,
                zorder=2, label=_("Series break in {year}").format(year=observation.year),
            )  # fmt: skip
    if usable:
        _value_label(axes, usable[-1].year, usable[-1].value, OBSERVED_COLOUR, zorder=7)


def _target_label(assessment: TargetAssessment) -> str:
    return _("Target {goal}: {status}").format(
        goal=human.goal_text(assessment.target, assessment.indicator.unit),
        status=human.status_label(assessment.status),
    )


def _draw_level_target(
    axes: Axes, assessment: TargetAssessment, target_colour: str, required_colour: str
) -> None:
    target = LEVEL.target_of(assessment.target)
    details = LEVEL.details_of(assessment.details)
    if details is not None and details.planned_path:
        planned, start = details.planned_path, details.planned_path[0]
        axes.plot(
            [p.year for p in planned], [p.value for p in planned], color=PLANNED_COLOUR,
            linestyle="-.", linewidth=1.5, zorder=3,
            label=_("Planned path from the {year} baseline").format(year=start.year),
        )  # fmt: skip
        axes.plot(
            [start.year], [start.value], marker="D", markersize=5, color=PLANNED_COLOUR,
            linestyle="none", zorder=3,
        )  # fmt: skip
    if details is not None and details.required_path:
        required = details.required_path
        axes.plot(
            [p.year for p in required], [p.value for p in required], color=required_colour,
            linestyle="--", linewidth=1.8, zorder=4,
            label=_("Required path from {year}").format(year=required[0].year),
        )  # fmt: skip
    latest = assessment.latest
    if assessment.projected is not None and latest is not None:
        axes.plot(
            [latest.year, target.year], [latest.value, assessment.projected],
            color=PROJECTION_COLOUR, linestyle=(0, (1, 1.6)), linewidth=1.8, marker="o",
            markevery=[1], markerfacecolor="white", markersize=5, zorder=4,
            label=_("Projection of the trend: {value} in {year}").format(
                value=format_number(assessment.projected, 2), year=target.year
            ),
        )  # fmt: skip
    axes.axhline(target.value, color=target_colour, linestyle=":", linewidth=0.9, zorder=2)
    axes.plot(
        [target.year], [target.value], marker="*", markersize=15, color=target_colour,
        linestyle="none", zorder=7, label=_target_label(assessment),
    )  # fmt: skip
    _value_label(axes, target.year, target.value, target_colour)


def _draw_rate_target(
    axes: Axes, assessment: TargetAssessment, target_colour: str, required_colour: str
) -> None:
    target = RATE.target_of(assessment.target)
    unit = unit_text(assessment.indicator.unit)
    period = [target.start - 0.5, target.end + 0.5]

    def edge(value: float, label: str | None = None) -> None:
        axes.plot(period, [value] * 2, color=target_colour, linewidth=0.9, zorder=2, label=label)

    if target.high is not None:
        axes.fill_between(
            period, target.low, target.high, color=target_colour, alpha=0.18, linewidth=0,
            zorder=1, label=_target_label(assessment),
        )  # fmt: skip
        edge(target.high)
    else:  # an open band: filled up to the top of the axes once the limits are known
        edge(target.low, _target_label(assessment))
    edge(target.low)

    def span(first: int, last: int, value: float, message: str, **style: Any) -> None:
        """A rate ``value`` over the years ``first`` to ``last``, labelled by ``message``."""
        label = message.format(first=first, last=last, value=format_number(value, 2), unit=unit)
        axes.plot([first - 0.4, last + 0.4], [value] * 2, label=label, **style)

    details = RATE.details_of(assessment.details)
    observed = details.observed if details is not None else ()
    average, required = assessment.observed_growth_pct, assessment.required_growth_pct
    if observed and average is not None:
        message = _("Average {first}–{last}: {value} {unit}")
        span(
            observed[0].year, observed[-1].year, average, message,
            color=AVERAGE_COLOUR, linestyle=":", linewidth=1.8, zorder=3,
        )  # fmt: skip
    if required is not None:
        first = observed[-1].year + 1 if observed else target.start
        span(
            first, target.end, required, _("Needed {first}–{last}: {value} {unit}"),
            color=required_colour, linestyle="--", linewidth=2, zorder=4,
        )  # fmt: skip


def _fit_limits(
    axes: Axes, observations: Sequence[Observation], assessments: Sequence[TargetAssessment]
) -> None:
    """Whole years from the first shown to the last target year, with half a year of margin."""
    years = [o.year for o in observations]
    for assessment in assessments:
        years += assessment.kind.years(assessment.target)  # a planned path starts at a baseline
    if years:
        axes.set_xlim(min(years) - 0.7, max(years) + 0.7)
    bottom, top = axes.get_ylim()
    span = top - bottom
    axes.set_ylim(bottom - span * 0.04, top + span * 0.08)  # room for the value labels


def _fill_open_bands(axes: Axes, assessments: Sequence[TargetAssessment]) -> None:
    bottom, top = axes.get_ylim()
    for index, assessment in enumerate(assessments):
        fill = _FILL_OPEN_BAND.get(assessment.kind.name)
        if fill is not None:
            fill(axes, assessment, TARGET_PALETTES[index % len(TARGET_PALETTES)][0], top)
    axes.set_ylim(bottom, top)


def _fill_open_rate_band(axes: Axes, assessment: TargetAssessment, colour: str, top: float) -> None:
    """A band without ``high``, filled from ``low`` up to ``top`` (the top of the axes)."""
    target = RATE.target_of(assessment.target)
    if target.high is None and target.low < top:
        axes.fill_between(
            [target.start - 0.5, target.end + 0.5], target.low, top, color=colour,
            alpha=0.08, linewidth=0, zorder=1,
        )  # fmt: skip


# The chart's pieces of each kind, by ``TargetKind.name``: a new kind adds its entries here.
_AXIS_LABEL = {"level": N_("Value ({unit})"), "rate": N_("Rate ({unit})")}
_DRAW_TARGET = {"level": _draw_level_target, "rate": _draw_rate_target}
_FILL_OPEN_BAND = {"rate": _fill_open_rate_band}  # drawn once the limits are known


# -- output ----------------------------------------------------------------------------------


def chart_title(report: ProjectAssessment, indicator_id: str) -> str:
    """The indicator's name in the current language (the chart's title)."""
    return human.name_of(report.indicators[indicator_id].indicator) or indicator_id


def figure_bytes(figure: Figure, chart_format: str, salt: str, title: str) -> bytes:
    """``figure`` as SVG (deterministic: ids salted with ``salt``, no date) or PNG bytes."""
    buffer = io.BytesIO()
    with _style(salt):
        if chart_format == "svg":
            figure.savefig(
                buffer, format="svg", metadata={"Date": None, "Creator": None, "Title": title}
            )
        else:
            figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def indicator_chart(report: ProjectAssessment, indicator_id: str, chart_format: str) -> bytes:
    """The chart of one indicator of ``report`` (which must have it) with all its targets, as
    ``svg`` or ``png`` bytes."""
    figure = build_figure(indicator_id, report)
    return figure_bytes(figure, chart_format, indicator_id, chart_title(report, indicator_id))


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document ready to sit inside HTML: no XML prologue or metadata, and every id
    (and every reference to one) prefixed with ``prefix`` so that several charts can share a
    page without clashing."""
    body = _METADATA.sub("", _PROLOGUE.sub("", svg, count=1), count=1)
    body = re.sub(r'\bid="', f'id="{prefix}', body)
    body = body.replace('xlink:href="#', f'xlink:href="#{prefix}')
    return body.replace("url(#", f"url(#{prefix}").strip()


def target_charts(report: ProjectAssessment) -> dict[str, str]:
    """One SVG chart per target whose indicator has an observation up to ``report.as_of``
    (keyed by target id), each showing that target only. Targets without data get none."""
    charts: dict[str, str] = {}
    for a in report.targets:
        if has_chart(report, a):
            figure = build_figure(a.indicator_id, report, {a.target.id})
            svg = figure_bytes(figure, "svg", a.target.id, chart_title(report, a.indicator_id))
            charts[a.target.id] = svg.decode("utf-8")
    return charts
