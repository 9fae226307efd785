"""Charts as SVG written directly as text: the content of ``kpi.render.chart.build_figure``
(title, project, axes, observations, each target's goal, paths and projection, legend) without
matplotlib, about a millisecond a chart instead of about a hundred.

The drawing functions add shapes in data coordinates (years, values) to a ``_Chart``; once all
are in, the limits are fitted as matplotlib fits them (5 % margins, then room for the value
labels) and each shape is written in pixels of a 960 x 576 view box. The document is
deterministic (fixed ids, no date) and every piece of data text is escaped (``_text``). The
objects are plain, without reference cycles: a chart is freed as soon as its text is made.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from kpi.i18n import N_, _, format_number
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import Observation
from kpi.progress import ProjectAssessment, TargetAssessment
from kpi.render import human
from kpi.render.report_markdown import unit_text
from kpi.text import inert

# The browser test finds each chart by these two colours, used nowhere else in the report.
TITLE_COLOUR = "#14324f"
OBSERVED_COLOUR = "#1f4e79"
PLANNED_COLOUR = "#8c8c8c"
# One palette per target of the indicator: (target, required path).
TARGET_PALETTES = (("#1a9850", "#d95f02"), ("#7b3294", "#e7298a"), ("#01665e", "#b35806"))

# The axis title of each kind, by ``TargetKind.name``: a new kind adds its entry here.
AXIS_LABEL = {"level": N_("Value ({unit})"), "rate": N_("Rate ({unit})")}


def chart_title(report: ProjectAssessment, indicator_id: str) -> str:
    """The indicator's name in the current language (the chart's title)."""
    return human.name_of(report.indicators[indicator_id].indicator) or indicator_id


def target_label(assessment: TargetAssessment) -> str:
    """A target's line in the legend: its goal and its status."""
    return _("Target {goal}: {status}").format(
        goal=human.goal_text(assessment.target, assessment.indicator.unit),
        status=human.status_label(assessment.status),
    )


WIDTH, HEIGHT = 960, 576
CLIP_ID = "kpi-plot"  # the one id of a chart; kpi.render.chart.inline_svg prefixes it per chart
_QUOTES = {'"': "&quot;", "'": "&apos;"}
_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
_LEGEND_LINE = 17  # pixels between two lines of a legend's label
_LEGEND_GAP = 6  # pixels between two rows of the legend


def _text(text: str) -> str:
    """``text`` safe as an XML text node or attribute value: control characters written as
    escapes (``kpi.text.inert``), then ``& < > " '`` as XML's entities."""
    return escape(inert(text), _QUOTES)


def _n(value: float) -> str:
    """A pixel coordinate, to a tenth (deterministic, short)."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Style:
    """How a shape is drawn: stroke (``width`` 0: none, ``dash``: an SVG dash array), marker
    (``o`` circle, ``D`` diamond, ``X`` cross, ``*`` star; ``size``: its radius), fill opacity."""

    colour: str
    width: float = 0.0
    dash: str = ""
    marker: str = ""
    size: float = 0.0
    hollow: bool = False
    opacity: float = 1.0


@dataclass(frozen=True)
class Shape:
    """One thing drawn, in data coordinates. ``kind``: ``line`` (through the points), ``marks``
    (a marker at each point), ``hline`` (at ``ys[0]``, across), ``vline`` (at ``xs[0]``, from
    bottom to top), ``band`` (``xs`` by ``ys``; a ``None`` top: up to the top), ``label``
    (``text`` above the point). ``z`` orders the drawing, as matplotlib's ``zorder``."""

    kind: str
    xs: tuple[float, ...]
    ys: tuple[float | None, ...]
    style: Style
    z: float
    text: str = ""


@dataclass
class _Chart:
    """The shapes of one chart, and its legend's entries (label, style, kind) in order."""

    shapes: list[Shape] = field(default_factory=list)
    legend: list[tuple[str, Style, str]] = field(default_factory=list)

    def add(self, shape: Shape, label: str | None = None) -> None:
        """Draw ``shape``; with a ``label``, list it in the legend."""
        self.shapes.append(shape)
        if label is not None:
            self.legend.append((label, shape.style, shape.kind))


@dataclass(frozen=True)
class _Frame:
    """The data limits and the plot's box in pixels: maps a year and a value to pixels."""

    x0: float
    x1: float
    y0: float
    y1: float
    left: float
    right: float
    top: float
    bottom: float

    def px(self, x: float) -> float:
        """The pixel column of the year ``x``."""
        return self.left + (x - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def py(self, y: float) -> float:
        """The pixel row of the value ``y`` (higher values higher); a value far outside the
        limits (a projection to 1e300, say) lands just outside the plot, which clips it."""
        share = (_bounded(y) - self.y0) / (self.y1 - self.y0)
        return self.bottom - min(max(share, -1.0), 2.0) * (self.bottom - self.top)


# -- what is drawn, in data coordinates --------------------------------------------------------


def _line(xs: Sequence[float], ys: Sequence[float], style: Style, z: float) -> Shape:
    return Shape("line", tuple(xs), tuple(ys), style, z)


def _marks(xs: Sequence[float], ys: Sequence[float], style: Style, z: float) -> Shape:
    return Shape("marks", tuple(xs), tuple(ys), style, z)


def _value_label(chart: _Chart, year: float, value: float, colour: str, z: float = 3) -> None:
    """``value`` in bold above its point."""
    chart.add(Shape("label", (year,), (value,), Style(colour), z, format_number(value, 2)))


def _draw_observed(chart: _Chart, observations: Sequence[Observation]) -> None:
    """Observed runs (a series break starts a new one), marks by status, breaks, latest value."""
    usable = [o for o in observations if o.status != "F"]
    starts = [i for i, o in enumerate(usable) if i == 0 or o.series_break]
    for start, end in itertools.pairwise([*starts, len(usable)]):
        run = usable[start:end]
        line = Style(OBSERVED_COLOUR, width=3.2)
        chart.add(_line([o.year for o in run], [o.value for o in run], line, 5))
    dot = Style(OBSERVED_COLOUR, marker="o", size=5.4)
    hollow = Style(OBSERVED_COLOUR, width=3, marker="o", size=5.4, hollow=True)
    cross = Style("#7f7f7f", width=3, marker="X", size=5.8)
    for statuses, label, style in (
        ({"A"}, _("Observed"), dot),
        ({"E", "P"}, _("Estimated or provisional"), hollow),
        ({"F"}, _("Forecast (not used in the assessment)"), cross),
    ):
        chosen = [o for o in observations if o.status in statuses]
        if chosen:
            chart.add(_marks([o.year for o in chosen], [o.value for o in chosen], style, 6), label)
    for o in usable:
        if o.series_break:
            style = Style("#555555", width=2, dash="4 4")
            label = _("Series break in {year}").format(year=o.year)
            chart.add(Shape("vline", (o.year - 0.5,), (), style, 2), label)
    if usable:
        _value_label(chart, usable[-1].year, usable[-1].value, OBSERVED_COLOUR, z=7)


def _draw_level_target(
    chart: _Chart, assessment: TargetAssessment, palette: tuple[str, str]
) -> None:
    """The planned path from the baseline, the required path, the projection, the goal."""
    target_colour, required_colour = palette
    target = LEVEL.target_of(assessment.target)
    details = LEVEL.details_of(assessment.details)
    if details is not None and details.planned_path:
        planned, start = details.planned_path, details.planned_path[0]
        label = _("Planned path from the {year} baseline").format(year=start.year)
        style = Style(PLANNED_COLOUR, width=2.5, dash="10 4 2 4")
        chart.add(_line([p.year for p in planned], [p.value for p in planned], style, 3), label)
        chart.add(
            _marks([start.year], [start.value], Style(PLANNED_COLOUR, marker="D", size=4.5), 3)
        )
    if details is not None and details.required_path:
        required = details.required_path
        label = _("Required path from {year}").format(year=required[0].year)
        style = Style(required_colour, width=3, dash="9 4")
        chart.add(_line([p.year for p in required], [p.value for p in required], style, 4), label)
    latest = assessment.latest
    if assessment.projected is not None and latest is not None:
        label = _("Projection of the trend: {value} in {year}").format(
            value=format_number(assessment.projected, 2), year=target.year
        )
        xs, ys = [latest.year, target.year], [latest.value, assessment.projected]
        style = Style("#4a90c8", width=3, dash="1.6 2.8", marker="o", size=4.2, hollow=True)
        chart.add(_line(xs, ys, style, 4), label)
        chart.add(_marks(xs[1:], ys[1:], style, 4))
    chart.add(
        Shape("hline", (), (target.value,), Style(target_colour, width=1.5, dash="1.5 2.5"), 2)
    )
    star = Style(target_colour, marker="*", size=12)
    chart.add(_marks([target.year], [target.value], star, 7), target_label(assessment))
    _value_label(chart, target.year, target.value, target_colour)


def _draw_rate_target(
    chart: _Chart, assessment: TargetAssessment, palette: tuple[str, str]
) -> None:
    """The band (open above without ``high``), the observed average, the rate still needed."""
    target_colour, required_colour = palette
    target = RATE.target_of(assessment.target)
    unit = unit_text(assessment.indicator.unit)
    period = (target.start - 0.5, target.end + 0.5)
    edge = Style(target_colour, width=1.5)
    if target.high is not None:
        fill = Style(target_colour, opacity=0.18)
        chart.add(
            Shape("band", period, (target.low, target.high), fill, 1), target_label(assessment)
        )
        chart.add(_line(period, [target.high] * 2, edge, 2))
        chart.add(_line(period, [target.low] * 2, edge, 2))
    else:  # an open band: filled up to the top of the axes
        chart.add(_line(period, [target.low] * 2, edge, 2), target_label(assessment))
        chart.add(Shape("band", period, (target.low, None), Style(target_colour, opacity=0.08), 1))

    def span(first: int, last: int, value: float, message: str, style: Style, z: float) -> None:
        years = human.years_text(first, last)
        label = message.format(years=years, value=format_number(value, 2), unit=unit)
        chart.add(_line([first - 0.4, last + 0.4], [value] * 2, style, z), label)

    details = RATE.details_of(assessment.details)
    observed = details.observed if details is not None else ()
    average, required = assessment.observed_growth_pct, assessment.required_growth_pct
    if observed and average is not None:
        message = _("Average {years}: {value} {unit}")
        style = Style("#6b8fb3", width=3, dash="1.5 2.5")
        span(observed[0].year, observed[-1].year, average, message, style, 3)
    if required is not None:
        first = observed[-1].year + 1 if observed else target.start
        message = _("Needed {years}: {value} {unit}")
        span(first, target.end, required, message, Style(required_colour, width=3.2, dash="9 4"), 4)


_DRAW_TARGET: dict[str, Callable[[_Chart, TargetAssessment, tuple[str, str]], None]] = {
    "level": _draw_level_target,
    "rate": _draw_rate_target,
}


# -- limits and ticks --------------------------------------------------------------------------


def _x_limits(
    observations: Sequence[Observation], assessments: Sequence[TargetAssessment], as_of: int
) -> tuple[float, float]:
    """From the first year shown to the last target year, with 0.7 of a year of margin."""
    years = [o.year for o in observations]
    for assessment in assessments:
        years += assessment.kind.years(assessment.target)  # a planned path starts at a baseline
    if not years:
        years = [as_of - 1, as_of + 1]
    return min(years) - 0.7, max(years) + 0.7


_LARGEST = 1e300  # values drawn are held within this, so that no span or tick overflows


def _bounded(value: float) -> float:
    """``value`` within ±``_LARGEST`` (an infinity at its end; not a number at 0)."""
    return 0.0 if math.isnan(value) else min(max(value, -_LARGEST), _LARGEST)


def _y_limits(shapes: Sequence[Shape]) -> tuple[float, float]:
    """matplotlib's autoscaling of every value drawn (5 % margins, a single value widened by
    5 %), then 4 % more below and 8 % more above, room for the value labels; values beyond
    ±``_LARGEST`` count as at it (kpi's own values stay within 1e18, a projection may not)."""
    values = [_bounded(y) for s in shapes if s.kind != "vline" for y in s.ys if y is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low <= 1e-12 * max(abs(low), abs(high), 1.0):
        low, high = (low - 0.05 * abs(low), high + 0.05 * abs(high)) if low else (-0.05, 0.05)
    else:
        margin = (high - low) * 0.05
        low, high = low - margin, high + margin
    span = high - low
    return low - span * 0.04, high + span * 0.08


def nice_step(span: float, most: int) -> float:
    """The smallest step of 1, 2 or 5 times a power of ten that cuts ``span`` (> 0) into at most
    ``most`` parts."""
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))


def ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` (rounded, so ``0.3`` is ``0.3``)."""
    first = math.ceil(low / step - 1e-9)
    count = math.floor(high / step + 1e-9) - first + 1
    return [round((first + k) * step, 10) for k in range(max(count, 0))]


def _year_ticks(low: float, high: float) -> list[int]:
    """Whole years, at most 13 of them, a 1, 2 or 5 times a power of ten apart."""
    step = max(1, round(nice_step(high - low, 12)))
    return [int(t) for t in ticks(low, high, step)]


def tick_label(value: float, digits: int) -> str:
    """A value axis's label: ``format_number``'s, or three significant digits with a power of
    ten where that would be longer than 16 characters (values near the 1e18 limit)."""
    text = format_number(value, digits)
    if len(text) <= 16:
        return text
    shown = f"{value:.3g}"
    return shown.replace(".", ",") if "," in format_number(0.5, 1) else shown


def _value_ticks(low: float, high: float) -> tuple[list[float], int]:
    """About six values from ``low`` to ``high``, and the decimals their labels need (at least
    the chart's two, as ``format_number`` drops trailing zeros)."""
    step = nice_step(high - low, 6)
    return ticks(low, high, step), max(2, -math.floor(math.log10(step)))


# -- writing -----------------------------------------------------------------------------------


def _marker(kind: str, x: float, y: float, r: float) -> str:
    """The outline of a marker of radius ``r`` at pixel ``(x, y)``, as SVG path data."""
    if kind == "o":
        arc = f"{_n(r)} {_n(r)} 0 1 0"
        return f"M{_n(x - r)} {_n(y)}a{arc} {_n(2 * r)} 0a{arc} {_n(-2 * r)} 0z"
    if kind == "D":
        corners = ((x, y - r), (x + r, y), (x, y + r), (x - r, y))
        return "M" + "L".join(f"{_n(a)} {_n(b)}" for a, b in corners) + "z"
    if kind == "X":
        left, right, up, down = _n(x - r), _n(x + r), _n(y - r), _n(y + r)
        return f"M{left} {up}L{right} {down}M{left} {down}L{right} {up}"
    points = [  # a five-pointed star, its inner radius 0.4 of the outer
        (x + (r if i % 2 == 0 else 0.4 * r) * math.sin(i * math.pi / 5),
         y - (r if i % 2 == 0 else 0.4 * r) * math.cos(i * math.pi / 5))
        for i in range(10)
    ]  # fmt: skip
    return "M" + "L".join(f"{_n(px)} {_n(py)}" for px, py in points) + "z"


def _stroke(style: Style) -> str:
    """The stroke attributes of ``style``'s line."""
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return f'stroke="{style.colour}" stroke-width="{_n(style.width)}"{dash} fill="none"'


def _marks_svg(style: Style, points: Sequence[tuple[float, float]]) -> str:
    """``style``'s marker at each pixel point: crosses stroked, others filled (hollow: white)."""
    data = "".join(_marker(style.marker, x, y, style.size) for x, y in points)
    if style.marker == "X":
        return f'<path d="{data}" {_stroke(Style(style.colour, width=style.width))}/>'
    edge = f'stroke="{style.colour}" stroke-width="2.4"' if style.hollow else 'stroke="none"'
    fill = "#ffffff" if style.hollow else style.colour
    return f'<path d="{data}" fill="{fill}" {edge}/>'


def _shape_svg(shape: Shape, frame: _Frame) -> str:
    """``shape`` as SVG in ``frame``'s pixels."""
    style = shape.style
    if shape.kind == "line":
        points = " ".join(
            f"{_n(frame.px(x))},{_n(frame.py(y or 0))}"
            for x, y in zip(shape.xs, shape.ys, strict=True)
        )
        return f'<polyline points="{points}" {_stroke(style)} stroke-linejoin="round"/>'
    if shape.kind == "marks":
        return _marks_svg(
            style,
            [(frame.px(x), frame.py(y or 0)) for x, y in zip(shape.xs, shape.ys, strict=True)],
        )
    if shape.kind == "hline":
        y = _n(frame.py(shape.ys[0] or 0))
        return f'<path d="M{_n(frame.left)} {y}H{_n(frame.right)}" {_stroke(style)}/>'
    if shape.kind == "vline":
        x = _n(frame.px(shape.xs[0]))
        return f'<path d="M{x} {_n(frame.bottom)}V{_n(frame.top)}" {_stroke(style)}/>'
    if shape.kind == "band":
        low, high = shape.ys[0] or 0, shape.ys[1]
        top = frame.top if high is None else frame.py(high)
        bottom = min(frame.py(low), frame.bottom)
        if bottom <= top:
            return ""  # an open band above the top of the axes
        x0, x1 = frame.px(shape.xs[0]), frame.px(shape.xs[1])
        return (
            f'<rect x="{_n(x0)}" y="{_n(top)}" width="{_n(x1 - x0)}" height="{_n(bottom - top)}" '
            f'fill="{style.colour}" fill-opacity="{style.opacity}"/>'
        )
    at_x, at_y = frame.px(shape.xs[0]), frame.py(shape.ys[0] or 0) - 14
    return (
        f'<text x="{_n(at_x)}" y="{_n(at_y)}" text-anchor="middle" font-size="14" '
        f'font-weight="bold" '
        f'fill="{style.colour}">{_text(shape.text)}</text>'
    )


def _lines(x: float, y: float, lines: Sequence[str], step: float, attributes: str) -> str:
    """A text of several ``lines`` from pixel ``(x, y)``, ``step`` pixels apart."""
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{0 if i == 0 else step}">{_text(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{_n(x)}" y="{_n(y)}" {attributes}>{spans}</text>'


def _legend_rows(
    legend: Sequence[tuple[str, Style, str]],
) -> list[list[tuple[list[str], Style, str]]]:
    """The legend in two columns filled top to bottom (as matplotlib fills them), by row; each
    label wrapped at 44 characters."""
    entries = [(textwrap.wrap(label, 44) or [""], style, kind) for label, style, kind in legend]
    rows = math.ceil(len(entries) / 2)
    return [entries[r::rows] if rows else [] for r in range(rows)]


def _legend_height(rows: Sequence[Sequence[tuple[list[str], Style, str]]]) -> float:
    """The legend's height in pixels."""
    return sum(
        max(len(lines) for lines, _s, _k in row) * _LEGEND_LINE + _LEGEND_GAP for row in rows
    )


def _swatch(x: float, y: float, style: Style, kind: str) -> str:
    """The legend's sample of a shape of ``kind`` drawn in ``style``, 36 pixels wide at ``y``."""
    if kind == "band":
        return (
            f'<rect x="{_n(x)}" y="{_n(y - 6)}" width="36" height="12" '
            f'fill="{style.colour}" fill-opacity="{style.opacity}"/>'
        )
    parts = []
    if (style.width and kind != "marks") or (kind == "marks" and not style.marker):
        parts.append(f'<path d="M{_n(x)} {_n(y)}h36" {_stroke(style)}/>')
    if style.marker:
        parts.append(_marks_svg(style, [(x + 18, y)]))
    return "".join(parts)


def _legend_svg(rows: Sequence[Sequence[tuple[list[str], Style, str]]], top: float) -> str:
    """The legend's rows from pixel row ``top``, in two columns centred under the plot."""
    parts, y = [], top
    for row in rows:
        for column, (lines, style, kind) in enumerate(row):
            x = 110 + column * 390
            parts.append(_swatch(x, y + 6, style, kind))
            parts.append(
                _lines(x + 46, y + 11, lines, _LEGEND_LINE, 'font-size="14" fill="#222222"')
            )
        y += max(len(lines) for lines, _s, _k in row) * _LEGEND_LINE + _LEGEND_GAP
    return '<g class="legend">' + "".join(parts) + "</g>"


def _axes_svg(frame: _Frame, years: Sequence[int], values: Sequence[float], digits: int) -> str:
    """The y grid, the left and bottom axes with their ticks and tick labels."""
    parts = []
    for value in values:
        y = _n(frame.py(value))
        parts.append(
            f'<path d="M{_n(frame.left)} {y}H{_n(frame.right)}" '
            'stroke="#dddddd" stroke-width="1.3"/>'
        )
        parts.append(f'<path d="M{_n(frame.left - 6)} {y}h6" stroke="#333333" stroke-width="1.3"/>')
        parts.append(
            f'<text x="{_n(frame.left - 10)}" y="{y}" dy="5" text-anchor="end">'
            f"{_text(tick_label(value, digits))}</text>"
        )
    for year in years:
        x = _n(frame.px(year))
        parts.append(f'<path d="M{x} {_n(frame.bottom)}v6" stroke="#333333" stroke-width="1.3"/>')
        parts.append(
            f'<text x="{x}" y="{_n(frame.bottom + 24)}" text-anchor="middle">{year}</text>'
        )
    corner = f"M{_n(frame.left)} {_n(frame.top)}V{_n(frame.bottom)}H{_n(frame.right)}"
    parts.append(f'<path d="{corner}" stroke="#333333" stroke-width="1.3" fill="none"/>')
    return '<g font-size="15" fill="#222222">' + "".join(parts) + "</g>"


def chart_svg(
    report: ProjectAssessment, indicator_id: str, target_ids: Collection[str] | None = None
) -> str:
    """The chart of one indicator of ``report`` as of ``report.as_of`` with each of its targets
    (all, or ``target_ids``), as a standalone SVG document. Pure and deterministic."""
    view = report.indicators[indicator_id]
    assessments = [a for a in report.targets if a.indicator_id == indicator_id]
    if target_ids is not None:
        assessments = [a for a in assessments if a.target.id in target_ids]
    chart = _Chart()
    _draw_observed(chart, view.observations)  # first, so that it leads the legend
    for assessment, palette in zip(assessments, itertools.cycle(TARGET_PALETTES)):
        _DRAW_TARGET[assessment.kind.name](chart, assessment, palette)
    title = chart_title(report, indicator_id)
    y_label = _(AXIS_LABEL[view.indicator.kind]).format(unit=unit_text(view.indicator.unit))
    empty = not any(o.status != "F" for o in view.observations)
    x0, x1 = _x_limits(view.observations, assessments, report.as_of)
    return _document(
        chart, title, human.project_title(report), y_label, (x0, x1), empty, report.as_of
    )


def _document(
    chart: _Chart, title: str, subtitle: str, y_label: str, x_limits: tuple[float, float],
    empty: bool, as_of: int,
) -> str:  # fmt: skip
    """The SVG document of ``chart``: titles, axes, shapes in ``z`` order, legend."""
    title_lines = textwrap.wrap(title, 80) or [""]
    subtitle_y = 30 + 24 * len(title_lines)
    rows = _legend_rows(chart.legend)
    legend_top = HEIGHT - 10 - _legend_height(rows)
    y0, y1 = _y_limits(chart.shapes)
    values, digits = _value_ticks(y0, y1)
    widest = max((len(tick_label(v, digits)) for v in values), default=1)
    frame = _Frame(*x_limits, y0, y1, 44 + 9 * widest, WIDTH - 24, subtitle_y + 14, legend_top - 62)
    years = _year_ticks(*x_limits)
    shapes = "".join(_shape_svg(s, frame) for s in sorted(chart.shapes, key=lambda s: s.z))
    middle = (frame.top + frame.bottom) / 2
    parts = [
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="{_FONT}" role="img">',
        f"<title>{_text(title)}</title>",
        f'<defs><clipPath id="{CLIP_ID}"><rect x="{_n(frame.left)}" y="{_n(frame.top)}" '
        f'width="{_n(frame.right - frame.left)}" height="{_n(frame.bottom - frame.top)}"/>'
        "</clipPath></defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _lines(12, 30, title_lines, 24, f'font-size="20" font-weight="bold" fill="{TITLE_COLOUR}"'),
        f'<text x="{_n(frame.left)}" y="{subtitle_y}" font-size="16" fill="#444444">'
        f"{_text(subtitle)}</text>",
        _axes_svg(frame, years, values, digits),
        f'<g clip-path="url(#{CLIP_ID})">{shapes}</g>',
        f'<text x="{_n((frame.left + frame.right) / 2)}" y="{_n(frame.bottom + 48)}" '
        f'font-size="15" text-anchor="middle" fill="#222222">{_text(_("Year"))}</text>',
        f'<text transform="translate(20 {_n(middle)}) rotate(-90)" font-size="15" '
        f'text-anchor="middle" fill="#222222">{_text(y_label)}</text>',
    ]
    if empty:
        message = _("No observation up to {year}").format(year=as_of)
        parts.append(
            f'<text x="{_n((frame.left + frame.right) / 2)}" y="{_n(middle)}" font-size="18" '
            f'text-anchor="middle" fill="#666666">{_text(message)}</text>'
        )
    parts += [_legend_svg(rows, legend_top), "</svg>"]
    return "\n".join(parts) + "\n"
