"""Charts for people: one indicator's observed values, planned and required paths, targets and
projection, as SVG or PNG (``kpi chart``, and the charts of ``kpi report``).

SVG is written directly as text by ``kpi.render.svg_chart`` (about a millisecond a chart, against
about 100 ms in matplotlib: a report draws one per target). PNG is drawn by matplotlib, imported
only inside the functions that draw (Agg canvas, never pyplot), so commands that do not draw
never pay for it; ``build_figure`` is that drawing. Texts and numbers follow the current
language (``kpi.i18n``). Both are deterministic: fixed ids, no date, text kept as text.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi.errors import fail
from kpi.i18n import _, format_number
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import Observation
from kpi.progress import ProjectAssessment, TargetAssessment
from kpi.render import human
from kpi.render.report_markdown import unit_text
from kpi.render.svg_chart import (
    AXIS_LABEL,
    OBSERVED_COLOUR,
    PLANNED_COLOUR,
    TARGET_PALETTES,
    TITLE_COLOUR,
    chart_svg,
    chart_title,
    target_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_STYLE: dict[Any, Any] = {  # keys: matplotlib rcParams
    "text.parse_math": False,  # a "$" in a name or unit is a dollar, never mathtext
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10,
    "axes.labelsize": 9.5,
    "legend.fontsize": 9,
    "svg.fonttype": "none",
    "path.simplify": False,
}


def chart_format(path: Path) -> str:
    """``svg`` or ``png``, from ``path``'s extension (any case). Raises ``KpiError`` for any
    other extension, so a command can refuse before it loads or draws anything."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        message = _("unknown chart format {suffix}: the file name must end in .svg or .png")
        raise fail(
            message.format(suffix=path.suffix or _("no extension")),
            file=path,
            hint=_("for example: --output chart.svg or --output chart.png"),
        )
    return suffix


def has_chart(report: ProjectAssessment, assessment: TargetAssessment) -> bool:
    """True when the target's indicator has a usable observation up to ``report.as_of`` to draw."""
    return bool(report.indicators[assessment.indicator_id].usable)


def _style(salt: str) -> AbstractContextManager[None]:
    import matplotlib

    return matplotlib.rc_context({**_STYLE, "svg.hashsalt": f"kpi-{salt}"})


def build_figure(
    indicator_id: str, report: ProjectAssessment, target_ids: Collection[str] | None = None
) -> Figure:
    """The chart of one indicator as of ``report.as_of``: its observations (estimated and
    provisional ones hollow, forecasts crossed, series breaks as vertical lines) and each target's
    (all, or ``target_ids``) goal, paths and projection. Pure: draws in memory, writes nothing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    view = report.indicators[indicator_id]
    indicator, observations = view.indicator, view.observations
    assessments = [a for a in report.targets if a.indicator_id == indicator_id]
    if target_ids is not None:
        assessments = [a for a in assessments if a.target.id in target_ids]
    with _style(indicator_id):
        figure = Figure(figsize=(8.0, 4.8), layout="constrained")  # inches: 1200 x 720 px in PNG
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _draw_observed(axes, observations)  # first, so that it leads the legend
        for assessment, palette in zip(assessments, itertools.cycle(TARGET_PALETTES)):
            _DRAW_TARGET[assessment.kind.name](axes, assessment, palette)
        title = "\n".join(textwrap.wrap(chart_title(report, indicator_id), 80))
        figure.suptitle(
            title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=TITLE_COLOUR
        )
        axes.set_title(human.project_title(report), loc="left", color="#444444")
        axes.set_xlabel(_("Year"))
        axes.set_ylabel(_(AXIS_LABEL[indicator.kind]).format(unit=unit_text(indicator.unit)))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: format_number(y, 2)))
        axes.grid(axis="y", color="#dddddd", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        if not any(o.status != "F" for o in observations):
            axes.text(
                0.5, 0.5, _("No observation up to {year}").format(year=report.as_of),
                transform=axes.transAxes, ha="center", va="center", color="#666666", fontsize=11,
            )  # fmt: skip
        _fit_limits(axes, observations, assessments)
        handles, labels = axes.get_legend_handles_labels()
        if handles:  # 44 characters: what a line holds in each of the two columns
            labels = ["\n".join(textwrap.wrap(label, 44)) for label in labels]
            figure.legend(
                handles, labels, loc="outside lower center", ncols=2, frameon=False,
                handlelength=2.6, columnspacing=1.6,
            )  # fmt: skip
    return figure


def _value_label(axes: Axes, year: float, value: float, colour: str, zorder: float = 3) -> None:
    """``value`` in bold above its point (3: the default ``zorder`` of a text)."""
    axes.annotate(
        format_number(value, 2), (year, value), textcoords="offset points", xytext=(0, 9),
        ha="center", fontsize=8.5, fontweight="bold", color=colour, zorder=zorder,
    )  # fmt: skip


def _draw_observed(axes: Axes, observations: Sequence[Observation]) -> None:
    usable = [o for o in observations if o.status != "F"]
    starts = [i for i, o in enumerate(usable) if i == 0 or o.series_break]  # a break starts a run
    for start, end in itertools.pairwise([*starts, len(usable)]):
        run = usable[start:end]
        axes.plot(
            [o.year for o in run], [o.value for o in run],
            color=OBSERVED_COLOUR, linewidth=2, zorder=5,
        )  # fmt: skip

    def marks(statuses: Collection[str], label: str, **style: Any) -> None:
        chosen = [o for o in observations if o.status in statuses]
        if chosen:
            axes.plot(
                [o.year for o in chosen], [o.value for o in chosen], linestyle="none", zorder=6,
                label=label, **style,
            )  # fmt: skip

    dot = {"marker": "o", "markersize": 6.5, "color": OBSERVED_COLOUR}
    marks({"A"}, _("Observed"), **dot)
    hollow = {"markerfacecolor": "white", "markeredgewidth": 1.8}
    marks({"E", "P"}, _("Estimated or provisional"), **dot, **hollow)
    forecast = {"marker": "X", "markersize": 7, "color": "#7f7f7f"}
    marks({"F"}, _("Forecast (not used in the assessment)"), **forecast)
    for observation in usable:
        if observation.series_break:
            axes.axvline(
                observation.year - 0.5, color="#555555", linestyle=(0, (2, 2)), linewidth=1.2,
                zorder=2, label=_("Series break in {year}").format(year=observation.year),
            )  # fmt: skip
    if usable:
        _value_label(axes, usable[-1].year, usable[-1].value, OBSERVED_COLOUR, zorder=7)


def _draw_level_target(axes: Axes, assessment: TargetAssessment, palette: tuple[str, str]) -> None:
    target_colour, required_colour = palette
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
            color="#4a90c8", linestyle=(0, (1, 1.6)), linewidth=1.8, marker="o",
            markevery=[1], markerfacecolor="white", markersize=5, zorder=4,
            label=_("Projection of the trend: {value} in {year}").format(
                value=format_number(assessment.projected, 2), year=target.year
            ),
        )  # fmt: skip
    axes.axhline(target.value, color=target_colour, linestyle=":", linewidth=0.9, zorder=2)
    axes.plot(
        [target.year], [target.value], marker="*", markersize=15, color=target_colour,
        linestyle="none", zorder=7, label=target_label(assessment),
    )  # fmt: skip
    _value_label(axes, target.year, target.value, target_colour)


def _draw_rate_target(axes: Axes, assessment: TargetAssessment, palette: tuple[str, str]) -> None:
    target_colour, required_colour = palette
    target = RATE.target_of(assessment.target)
    unit = unit_text(assessment.indicator.unit)
    period = [target.start - 0.5, target.end + 0.5]

    def edge(value: float, label: str | None = None) -> None:
        axes.plot(period, [value] * 2, color=target_colour, linewidth=0.9, zorder=2, label=label)

    if target.high is not None:
        axes.fill_between(
            period, target.low, target.high, color=target_colour, alpha=0.18, linewidth=0,
            zorder=1, label=target_label(assessment),
        )  # fmt: skip
        edge(target.high)
        edge(target.low)
    else:  # an open band: filled up to the top of the axes once the limits are known
        edge(target.low, target_label(assessment))

    def span(first: int, last: int, value: float, message: str, **style: Any) -> None:
        """A rate ``value`` over the years ``first`` to ``last``, labelled by ``message``."""
        years = human.years_text(first, last)
        label = message.format(years=years, value=format_number(value, 2), unit=unit)
        axes.plot([first - 0.4, last + 0.4], [value] * 2, label=label, **style)

    details = RATE.details_of(assessment.details)
    observed = details.observed if details is not None else ()
    average, required = assessment.observed_growth_pct, assessment.required_growth_pct
    if observed and average is not None:
        message = _("Average {years}: {value} {unit}")
        span(
            observed[0].year, observed[-1].year, average, message,
            color="#6b8fb3", linestyle=":", linewidth=1.8, zorder=3,
        )  # fmt: skip
    if required is not None:
        first = observed[-1].year + 1 if observed else target.start
        span(
            first, target.end, required, _("Needed {years}: {value} {unit}"),
            color=required_colour, linestyle="--", linewidth=2, zorder=4,
        )  # fmt: skip


def _fit_limits(
    axes: Axes, observations: Sequence[Observation], assessments: Sequence[TargetAssessment]
) -> None:
    """Whole years from the first shown to the last target year, with half a year of margin;
    then the open bands, filled up to the top."""
    years = [o.year for o in observations]
    for assessment in assessments:
        years += assessment.kind.years(assessment.target)  # a planned path starts at a baseline
    if years:
        axes.set_xlim(min(years) - 0.7, max(years) + 0.7)
    bottom, top = axes.get_ylim()
    span = top - bottom
    bottom, top = bottom - span * 0.04, top + span * 0.08  # room for the value labels
    axes.set_ylim(bottom, top)  # and no more autoscaling: the bands leave the limits alone
    for assessment, (colour, _required) in zip(assessments, itertools.cycle(TARGET_PALETTES)):
        fill = _FILL_OPEN_BAND.get(assessment.kind.name)
        if fill is not None:
            fill(axes, assessment, colour, top)


def _fill_open_rate_band(axes: Axes, assessment: TargetAssessment, colour: str, top: float) -> None:
    """A band without ``high``, filled from ``low`` up to ``top`` (the top of the axes)."""
    target = RATE.target_of(assessment.target)
    if target.high is None and target.low < top:
        axes.fill_between(
            [target.start - 0.5, target.end + 0.5], target.low, top, color=colour,
            alpha=0.08, linewidth=0, zorder=1,
        )  # fmt: skip


# The chart's pieces of each kind, by ``TargetKind.name``: a new kind adds its entries here.
_DRAW_TARGET = {"level": _draw_level_target, "rate": _draw_rate_target}
_FILL_OPEN_BAND = {"rate": _fill_open_rate_band}  # drawn once the limits are known


def figure_bytes(figure: Figure, chart_format: str, salt: str, title: str) -> bytes:
    """``figure`` as SVG (deterministic: ids salted with ``salt``, no date) or PNG bytes."""
    svg = {"format": "svg", "metadata": {"Date": None, "Creator": None, "Title": title}}
    png = {"format": "png", "dpi": 150, "metadata": {"Software": None}}
    buffer = io.BytesIO()
    with _style(salt):
        figure.savefig(buffer, **(svg if chart_format == "svg" else png))
    return buffer.getvalue()


def indicator_chart(report: ProjectAssessment, indicator_id: str, chart_format: str) -> bytes:
    """The chart of one indicator of ``report`` (which must have it) with all its targets, as
    ``svg`` or ``png`` bytes."""
    if chart_format == "svg":
        return chart_svg(report, indicator_id).encode("utf-8")
    figure = build_figure(indicator_id, report)  # PNG: matplotlib
    return figure_bytes(figure, chart_format, indicator_id, chart_title(report, indicator_id))


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document ready to sit inside HTML: no XML prologue or metadata, every id (and every
    reference to one) prefixed with ``prefix`` so that charts can share a page without clashing."""
    body = _METADATA.sub("", _PROLOGUE.sub("", svg, count=1), count=1)
    body = re.sub(r'\bid="', f'id="{prefix}', body)
    body = body.replace('xlink:href="#', f'xlink:href="#{prefix}')
    return body.replace("url(#", f"url(#{prefix}").strip()


def target_charts(report: ProjectAssessment) -> dict[str, str]:
    """One SVG chart per target whose indicator has an observation up to ``report.as_of``
    (keyed by target id), each showing that target only. Targets without data get none. Each is
    SVG text (``_target_svg``): the memory used grows only by the charts' text."""
    charts: dict[str, str] = {}
    for a in report.targets:
        if has_chart(report, a):
            charts[a.target.id] = _target_svg(report, a)
    return charts


def _target_svg(report: ProjectAssessment, assessment: TargetAssessment) -> str:
    """The SVG chart of one target, written directly as text (``kpi.render.svg_chart``): no
    matplotlib figure, hence no reference cycles to collect, so memory stays flat."""
    return chart_svg(report, assessment.indicator_id, {assessment.target.id})
