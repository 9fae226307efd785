"""A compact Unicode plot of one indicator for a terminal: its observations, each target's paths
and the target itself, in a block of text of a given width and height. Pure: no I/O, no Rich, no
colour. The observed series is a Braille line (two dots a cell across, four down) with a mark on
each observation; paths and targets have their own glyphs, explained by a legend below.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from kpi.i18n import N_, _, format_number
from kpi.kinds.level import LEVEL
from kpi.kinds.rate import RATE
from kpi.model import Observation
from kpi.progress import TargetAssessment

MIN_WIDTH = 24
MIN_PLOT_ROWS = 3

OBSERVED = "●"
ESTIMATED = "○"
FORECAST = "×"
PLANNED = "·"
REQUIRED = "•"
TARGET = "★"
BAND = "-"
BREAK = "┆"

# Glyph -> (priority: higher wins a cell; legend label). Braille (the observed line) ranks 4.
_GLYPHS: dict[str, tuple[int, str]] = {
    OBSERVED: (7, N_("observed")),
    ESTIMATED: (7, N_("estimated or provisional")),
    FORECAST: (6, N_("forecast")),
    TARGET: (5, N_("target")),
    REQUIRED: (3, N_("required")),
    PLANNED: (2, N_("planned")),
    BAND: (1, N_("target range")),
    BREAK: (0, N_("series break")),
}
_BRAILLE_PRIORITY = 4
# Bit of each Braille dot, by (dot column 0-1, dot row 0-3) inside a cell.
_BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass
class _Canvas:
    """A grid of ``rows`` x ``cols`` cells over years ``x0..x1`` and values ``y0..y1``."""

    rows: int
    cols: int
    x0: float
    x1: float
    y0: float
    y1: float
    glyphs: dict[tuple[int, int], str] = field(default_factory=dict)
    dots: dict[tuple[int, int], int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def column(self, year: float) -> float:
        """Fractional column (0 to cols - 1) of ``year``."""
        return (year - self.x0) / (self.x1 - self.x0) * (self.cols - 1)

    def row(self, value: float) -> float:
        """Fractional row (0 at the top, rows - 1 at the bottom) of ``value``."""
        return (self.y1 - value) / (self.y1 - self.y0) * (self.rows - 1)

    def put(self, row: int, col: int, glyph: str) -> None:
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            return
        held = self.glyphs.get((row, col))
        if held is None or _GLYPHS[glyph][0] > _GLYPHS[held][0]:
            self.glyphs[row, col] = glyph
        self.used.add(glyph)

    def line(self, points: Sequence[tuple[float, float]], glyph: str) -> None:
        """One glyph in every column from point to point (linear between), or at a lone point."""
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            ca, cb = round(self.column(xa)), round(self.column(xb))
            for col in range(ca, cb + 1):
                share = 0.0 if cb == ca else (col - ca) / (cb - ca)
                self.put(round(self.row(ya + (yb - ya) * share)), col, glyph)
        if len(points) == 1:
            self.put(round(self.row(points[0][1])), round(self.column(points[0][0])), glyph)

    def braille_line(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        """A line of Braille dots from ``a`` to ``b`` (year, value) at dot resolution."""
        xa, ya = self.column(a[0]) * 2 + 0.5, self.row(a[1]) * 4 + 1.5
        xb, yb = self.column(b[0]) * 2 + 0.5, self.row(b[1]) * 4 + 1.5
        steps = max(1, math.ceil(max(abs(xb - xa), abs(yb - ya))))
        for step in range(steps + 1):
            share = step / steps
            dx, dy = round(xa + (xb - xa) * share), round(ya + (yb - ya) * share)
            cell = (dy // 4, dx // 2)
            if 0 <= cell[0] < self.rows and 0 <= cell[1] < self.cols:
                self.dots[cell] = self.dots.get(cell, 0) | _BRAILLE_BITS[dx % 2][dy % 4]

    def vertical(self, year: float, glyph: str) -> None:
        col = round(self.column(year))
        for row in range(self.rows):
            self.put(row, col, glyph)

    def cell(self, row: int, col: int) -> str:
        glyph = self.glyphs.get((row, col))
        dots = self.dots.get((row, col))
        if glyph is not None and (not dots or _GLYPHS[glyph][0] > _BRAILLE_PRIORITY):
            return glyph
        return chr(0x2800 + dots) if dots else " "


Shape = tuple[str, list[tuple[float, float]]]  # a glyph and the (year, value) points it joins


def _level_shapes(assessment: TargetAssessment) -> list[Shape]:
    """The planned and required paths, then the target."""
    target = LEVEL.target_of(assessment.target)
    details = LEVEL.details_of(assessment.details)
    shapes: list[Shape] = []
    if details is not None:
        shapes.append((PLANNED, [(p.year, p.value) for p in details.planned_path]))
        shapes.append((REQUIRED, [(p.year, p.value) for p in details.required_path]))
    return [*shapes, (TARGET, [(target.year, target.value)])]


def _rate_shapes(assessment: TargetAssessment) -> list[Shape]:
    """The band's edges over the period, then the rate needed from after the last observed year."""
    target = RATE.target_of(assessment.target)
    edges = [target.low] if target.high is None else [target.low, target.high]
    shapes: list[Shape] = [(BAND, [(target.start, edge), (target.end, edge)]) for edge in edges]
    required = assessment.required_growth_pct
    if required is not None:
        details = RATE.details_of(assessment.details)
        observed = details.observed if details is not None else ()
        first = observed[-1].year + 1 if observed else target.start
        shapes.append((REQUIRED, [(first, required), (target.end, required)]))
    return shapes


# The glyphs of each kind, by ``TargetKind.name``: a new kind adds its entry here.
_SHAPES = {"level": _level_shapes, "rate": _rate_shapes}


def _draw(canvas: _Canvas, shapes: Sequence[Shape], joined: Sequence[Observation]) -> None:
    """The shapes, then the line joining ``joined`` and its breaks (outranked by every glyph)."""
    for glyph, points in shapes:
        canvas.line(points, glyph)
    for before, after in itertools.pairwise(joined):
        if not after.series_break:
            canvas.braille_line((before.year, before.value), (after.year, after.value))
    for observation in joined:
        if observation.series_break:
            canvas.vertical(observation.year - 0.5, BREAK)


def _width(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def _fit(text: str, width: int) -> str:
    text = unicodedata.normalize("NFC", text)
    return text[:width] + " " * max(0, width - len(text))


def _legend(used: set[str], width: int) -> list[str]:
    items = [f"{glyph} {_(label)}" for glyph, (_rank, label) in _GLYPHS.items() if glyph in used]
    lines: list[str] = []
    for item in items:
        if lines and _width(lines[-1]) + 2 + _width(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def _year_ticks(x0: int, x1: int, cols: int) -> list[int]:
    """Years to label: a round step whose labels (four digits and a space) do not touch."""
    span = max(1, x1 - x0)
    for step in (1, 2, 5, 10, 20, 50, 100):
        if cols / (span / step) >= 6:
            break
    return list(range(math.ceil(x0 / step) * step, x1 + 1, step))


def indicator_plot(
    observations: Sequence[Observation],
    assessments: Sequence[TargetAssessment],
    width: int,
    height: int,
    *,
    usable: Sequence[Observation] | None = None,
) -> list[str]:
    """``height`` lines of exactly ``width`` cells plotting ``observations`` (forecasts included,
    each marked by its status) and the targets of ``assessments``, with value and year axes and a
    legend below. The observed line joins ``usable`` (``IndicatorView.usable``; ``None``: all of
    ``observations``) and marks their series breaks: the plot has no rule of its own about which
    observations count. ``[]`` when there is nothing to plot or the block would be too small to
    read (narrower than ``MIN_WIDTH`` or fewer than ``MIN_PLOT_ROWS`` rows left for the plot)."""
    joined = observations if usable is None else usable
    shapes = [shape for a in assessments for shape in _SHAPES[a.kind.name](a)]
    marks = {"A": OBSERVED, "F": FORECAST}  # each observation is a one-point shape
    shapes += [(marks.get(o.status, ESTIMATED), [(o.year, o.value)]) for o in observations]
    points = [point for _glyph, shape_points in shapes for point in shape_points]
    years = [year for year, _value in points]
    values = [value for _year, value in points if math.isfinite(value)]
    if not observations or not values or width < MIN_WIDTH:
        return []
    y0, y1 = min(values), max(values)
    if y1 - y0 < 1e-9 * max(1.0, abs(y1)):
        y0, y1 = y0 - 1, y1 + 1
    x0, x1 = int(min(years)), int(max(years))
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    probe = _Canvas(2, width, x0, x1, y0, y1)  # only to learn which glyphs appear
    _draw(probe, shapes, joined)
    legend = _legend(probe.used, width)
    rows = height - 2 - len(legend)
    if rows < MIN_PLOT_ROWS:
        return []
    label_rows = {0: y1, rows - 1: y0}
    if rows >= 5:
        middle = (rows - 1) // 2
        label_rows[middle] = y1 - (y1 - y0) * middle / (rows - 1)
    labels = {row: format_number(value, 1) for row, value in label_rows.items()}
    margin = max(_width(label) for label in labels.values()) + 1  # the widest and a space
    cols = width - margin - 1
    if cols < MIN_WIDTH // 2:
        return []

    canvas = _Canvas(rows, cols, x0, x1, y0, y1)
    _draw(canvas, shapes, joined)
    lines = []
    for row in range(rows):
        label = labels.get(row)
        prefix = label.rjust(margin - 1) + " ┤" if label else " " * margin + "│"
        lines.append(prefix + "".join(canvas.cell(row, col) for col in range(cols)))

    axis = ["─"] * cols
    year_line = [" "] * (cols + 4)
    for year in _year_ticks(x0, x1, cols):
        col = round(canvas.column(year))
        axis[col] = "┬"
        text = str(year)
        start = min(max(0, col - len(text) // 2), cols - len(text))
        if all(c == " " for c in year_line[max(0, start - 1) : start + len(text) + 1]):
            year_line[start : start + len(text)] = list(text)
    lines += [" " * margin + "└" + "".join(axis), " " * (margin + 1) + "".join(year_line[:cols])]
    return [_fit(line, width) for line in [*lines, *legend]]
