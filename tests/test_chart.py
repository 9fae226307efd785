"""Charts: ``kpi chart`` (SVG and PNG files), the figure behind it, and the compact Unicode plot
of ``kpi.render.plot``.

CLI tests run the command in-process with Typer's ``CliRunner`` and check stdout, stderr and the
exit code separately; the figure is checked through its legend, the files through a parser.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kpi.cli.report  # noqa: F401  (registers report and chart until kpi.cli imports it)
from kpi.cli import app
from kpi.errors import KpiError
from kpi.i18n import set_language
from kpi.model import (
    AssessmentSettings,
    Baseline,
    LevelIndicator,
    LevelTarget,
    Observation,
    Project,
    ProjectInfo,
    RateIndicator,
    RateTarget,
    TargetsFile,
)
from kpi.progress import ProjectAssessment, assess_level, assess_project
from kpi.render.chart import (
    OBSERVED_COLOUR,
    build_figure,
    chart_format,
    figure_bytes,
    indicator_chart,
    inline_svg,
)
from kpi.render.plot import ESTIMATED, OBSERVED, PLANNED, REQUIRED, TARGET, indicator_plot
from kpi.store import load_project

REPO = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("KPI_PROJECT", "KPI_LANG"):
        monkeypatch.delenv(name, raising=False)
    set_language("en")
    yield
    set_language("en")  # --lang sets the language for the whole process


def invoke(*args: object) -> Any:
    return RUNNER.invoke(app, ["--project", str(REPO), *(str(a) for a in args)])


def obs(year: int, value: float, status: str = "A", series_break: bool = False) -> Observation:
    return Observation(
        year=year, value=value, status=status, series_break=series_break, source="test"
    )


def project_of(indicators: dict[str, Any], observations: dict[str, list[Observation]]) -> Project:
    definition = TargetsFile(project=ProjectInfo(name="Test city"), indicators=indicators)
    return Project(Path("."), definition, {i: tuple(observations.get(i, ())) for i in indicators})


def legend_texts(project: Project, indicator: str, as_of: int, writer: str = "png") -> list[str]:
    """The legend's labels of the chart of ``indicator``: matplotlib's figure (``png``, what
    ``kpi chart FILE.png`` draws) or the SVG written as text (``svg``: the report's, ``kpi chart
    FILE.svg``), a label wrapped over lines joined again with spaces."""
    report = assess_project(project, as_of)
    if writer == "png":
        figure = build_figure(indicator, report)
        return [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    from kpi.render.svg_chart import chart_svg

    root = ET.fromstring(chart_svg(report, indicator).encode("utf-8"))
    (legend,) = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "legend"]
    return [" ".join(span.text or "" for span in text) for text in legend.iter(f"{SVG_NS}text")]


WRITERS = pytest.mark.parametrize("writer", ["png", "svg"])


LEVEL = LevelIndicator(
    name="Share", kind="level", unit="%", bounds=[0, 100],
    targets=(
        LevelTarget(
            id="share_55", comparator=">=", value=55, year=2030,
            baseline=Baseline(year=2018, value=40),
        ),
    ),
)  # fmt: skip
RATE = RateIndicator(
    name="Growth", kind="rate", unit="%/yr",
    targets=(RateTarget(id="growth_band", low=13, high=14, start=2021, end=2030),),
)  # fmt: skip


# -- the file's format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("chart.svg", "svg"), ("chart.png", "png"), ("CHART.SVG", "svg"), ("a.b.Png", "png")],
)
def test_chart_format_follows_the_extension(name: str, expected: str) -> None:
    assert chart_format(Path(name)) == expected


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.svg.txt", "chart.pdf", ".svg"])
def test_chart_format_refuses_other_extensions(name: str) -> None:
    with pytest.raises(KpiError, match=r"\.svg or \.png"):
        chart_format(Path(name))


# -- kpi chart ---------------------------------------------------------------------------------


def test_chart_writes_valid_svg_with_the_indicator_name(tmp_path: Path) -> None:
    output = tmp_path / "high_tech.svg"
    result = invoke("chart", "high_tech_share", "--as-of", 2026, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert str(output) in result.stderr
    root = ET.parse(output).getroot()
    assert root.tag == f"{SVG_NS}svg"
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG_NS}text"))
    assert "High-tech products, share of processing and manufacturing output" in texts
    assert "Hai Phong 2030, as of 2026" in texts
    assert OBSERVED_COLOUR in output.read_text(encoding="utf-8")


def test_svg_is_the_same_from_one_run_to_the_next(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for output in (first, second):
        assert invoke("chart", "grdp_growth", "--as-of", 2026, "-o", output).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert b"<dc:date>" not in first.read_bytes()


def test_chart_writes_valid_png_that_is_not_one_flat_colour(tmp_path: Path) -> None:
    import matplotlib.image
    import numpy as np

    output = tmp_path / "manufacturing.png"
    result = invoke("chart", "manufacturing_share_grdp", "--as-of", 2026, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    pixels = matplotlib.image.imread(output)
    assert pixels.shape[:2] == (720, 1200)
    rgb = (pixels[:, :, :3] * 255).round().astype(np.uint32)
    colours = np.unique(rgb[:, :, 0] << 16 | rgb[:, :, 1] << 8 | rgb[:, :, 2])
    assert len(colours) > 100
    # the observed series' colour is drawn (within anti-aliasing)
    wanted = np.array([int(OBSERVED_COLOUR[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    assert (np.abs(pixels[:, :, :3] - wanted).max(axis=2) < 0.02).sum() > 200


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.pdf"])
def test_unknown_extension_is_refused_before_anything_is_written(tmp_path: Path, name: str) -> None:
    result = invoke("chart", "high_tech_share", "--as-of", 2026, "--output", tmp_path / name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown chart format" in result.stderr
    assert ".svg or .png" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_extension_is_refused_before_the_project_is_read(tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app, ["--project", str(tmp_path / "nowhere"), "chart", "x", "-o", str(tmp_path / "c.gif")]
    )
    assert result.exit_code == 2
    assert "unknown chart format" in result.stderr


def test_unknown_indicator_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    result = invoke("chart", "no_such_thing", "--as-of", 2026, "--output", tmp_path / "c.svg")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown indicator 'no_such_thing'" in result.stderr
    assert "high_tech_share" in result.stderr  # the hint lists the known ones
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_cannot_be_written_is_exit_2_without_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = invoke("chart", "high_tech_share", "--as-of", 2026, "-o", blocker / "c.svg")
    assert result.exit_code == 2
    assert f"{blocker}: is not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_chart_in_vietnamese_uses_name_vi_and_decimal_commas(tmp_path: Path) -> None:
    output = tmp_path / "vi.svg"
    result = invoke("chart", "high_tech_share", "--as-of", 2026, "--lang", "vi", "-o", output)
    assert result.exit_code == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert "Tỷ trọng giá trị sản phẩm công nghiệp công nghệ cao" in text
    assert "60,6" in text
    assert "60.6" not in text


def test_chart_as_of_leaves_later_observations_out() -> None:
    project = load_project(REPO)
    early = indicator_chart(assess_project(project, 2021), "high_tech_share", "svg")
    assert b"as of 2021" in early
    assert b">60.6<" not in early  # the 2023 value, labelled when it is the latest
    late = indicator_chart(assess_project(project, 2026), "high_tech_share", "svg")
    assert b"60.6" in late


# -- what the figure shows ---------------------------------------------------------------------


@WRITERS
def test_level_chart_shows_paths_target_projection_and_marks(writer: str) -> None:
    observations = [obs(2018, 40), obs(2020, 44), obs(2022, 47, "E"), obs(2023, 46, "A", True),
                    obs(2024, 48, "P"), obs(2026, 60, "F")]  # fmt: skip
    project = project_of({"share": LEVEL}, {"share": observations})
    labels = legend_texts(project, "share", 2026, writer)
    assert "Observed" in labels
    assert "Estimated or provisional" in labels
    assert "Forecast (not used in the assessment)" in labels
    assert "Series break in 2023" in labels
    assert "Planned path from the 2018 baseline" in labels
    assert "Required path from 2024" in labels
    assert any(label.startswith("Target ≥ 55 % by 2030") for label in labels)


@WRITERS
def test_level_chart_projects_the_trend_to_the_target_year(writer: str) -> None:
    project = project_of({"share": LEVEL}, {"share": [obs(2020, 40), obs(2024, 48)]})
    labels = legend_texts(project, "share", 2026, writer)
    assert any(label.startswith("Projection of the trend:") for label in labels)
    assert any(label.endswith("in 2030") for label in labels)


def test_rate_chart_shows_the_band_the_average_and_the_rate_needed() -> None:
    from matplotlib.collections import PolyCollection

    observations = [obs(2021, 12), obs(2022, 12.5, "E")]
    project = project_of({"growth": RATE}, {"growth": observations})
    figure = build_figure("growth", assess_project(project, 2023))
    bands = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert any(label.startswith("Target 13–14 %/yr, 2021–2030") for label in labels)
    assert any(label.startswith("Average 2021–2022:") for label in labels)
    assert any(label.startswith("Needed 2023–2030:") for label in labels)


@WRITERS
def test_a_span_of_one_year_is_labelled_with_that_year_alone(writer: str) -> None:
    """An average over one observed year, and the rate needed in the last year of the period,
    name one year ("Average 2021"), not a span from a year to itself ("2021–2021")."""
    one_year = [obs(2021, 12)]
    labels = legend_texts(
        project_of({"growth": RATE}, {"growth": one_year}), "growth", 2022, writer
    )
    assert any(label.startswith("Average 2021: 12 %/yr") for label in labels), labels
    assert any(label.startswith("Needed 2022–2030:") for label in labels), labels
    to_the_end = [obs(year, 13.5) for year in range(2021, 2030)]
    project = project_of({"growth": RATE}, {"growth": to_the_end})
    labels = legend_texts(project, "growth", 2030, writer)
    assert any(label.startswith("Needed 2030:") for label in labels), labels
    assert not any("2021–2021" in label or "2030–2030" in label for label in labels), labels


def test_the_svg_rate_chart_shows_the_band_the_average_and_the_rate_needed() -> None:
    """The same chart as the SVG the report holds: one filled band inside the plot, and the
    legend's three entries."""
    from kpi.render.svg_chart import chart_svg

    observations = [obs(2021, 12), obs(2022, 12.5, "E")]
    project = project_of({"growth": RATE}, {"growth": observations})
    root = ET.fromstring(chart_svg(assess_project(project, 2023), "growth").encode("utf-8"))
    (plot,) = [g for g in root.iter(f"{SVG_NS}g") if g.get("clip-path")]
    bands = [rect for rect in plot.iter(f"{SVG_NS}rect") if rect.get("fill-opacity")]
    assert len(bands) == 1
    labels = legend_texts(project, "growth", 2023, "svg")
    assert any(label.startswith("Target 13–14 %/yr, 2021–2030") for label in labels)
    assert any(label.startswith("Average 2021–2022:") for label in labels)
    assert any(label.startswith("Needed 2023–2030:") for label in labels)


@WRITERS
def test_indicator_without_observations_still_draws_its_target(writer: str) -> None:
    project = project_of({"growth": RATE}, {})
    labels = legend_texts(project, "growth", 2026, writer)
    assert not any(label == "Observed" for label in labels)
    assert any(label.startswith("Target 13–14") for label in labels)


def test_inline_svg_drops_the_prologue_and_prefixes_every_id() -> None:
    project = load_project(REPO)
    figure = build_figure("high_tech_share", assess_project(project, 2026))
    svg = figure_bytes(figure, "svg", "x", "title").decode("utf-8")
    inline = inline_svg(svg, "p1-")
    assert inline.startswith("<svg")
    assert "<metadata>" not in inline
    assert 'id="p1-' in inline
    ids = [part.split('"', 1)[0] for part in inline.split(' id="')[1:]]
    assert ids and all(i.startswith("p1-") for i in ids)
    references = [part.split('"', 1)[0] for part in inline.split('xlink:href="#')[1:]]
    assert references and all(r.startswith("p1-") for r in references)


def test_drawing_modules_are_not_imported_by_the_status_command() -> None:
    code = (
        "import sys\n"
        "import kpi.cli, kpi.cli.report\n"
        "from kpi.cli import app\n"
        f"app(['--project', {str(REPO)!r}, 'status', '--as-of', '2026'], standalone_mode=False)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


# -- the terminal plot -------------------------------------------------------------------------


def _level_assessment(observations: list[Observation], as_of: int = 2026) -> Any:
    target = LEVEL.targets[0]
    return assess_level("share", LEVEL, target, observations, as_of, AssessmentSettings())


@pytest.mark.parametrize(("width", "height"), [(30, 10), (40, 10), (60, 14), (100, 20)])
def test_plot_is_exactly_the_size_asked_for(width: int, height: int) -> None:
    observations = [obs(2018, 40), obs(2020, 44), obs(2022, 47, "E")]
    lines = indicator_plot(observations, [_level_assessment(observations)], width, height)
    assert len(lines) == height
    assert {len(line) for line in lines} == {width}


def test_plot_marks_observations_paths_and_target_with_a_legend() -> None:
    observations = [obs(2018, 40), obs(2020, 44), obs(2022, 47, "E")]
    lines = indicator_plot(observations, [_level_assessment(observations)], 60, 16)
    text = "\n".join(lines)
    for glyph in (OBSERVED, ESTIMATED, PLANNED, REQUIRED, TARGET):
        assert glyph in text
    assert "observed" in lines[-1] or "observed" in lines[-2]
    assert any(0x2800 <= ord(c) <= 0x28FF for c in text)  # the Braille line between values


def test_plot_puts_higher_values_higher() -> None:
    observations = [obs(2020, 10), obs(2025, 20)]
    lines = indicator_plot(observations, [_level_assessment(observations)], 50, 14)

    def row_of(glyph: str, nth: int = 0) -> int:
        rows = [i for i, line in enumerate(lines) for c in line if c == glyph]
        return rows[nth]

    assert row_of(TARGET) < row_of(OBSERVED, 0) < row_of(OBSERVED, 1)


def test_plot_gives_nothing_when_it_cannot_fit_or_has_nothing_to_show() -> None:
    observations = [obs(2018, 40), obs(2020, 44)]
    assessment = _level_assessment(observations)
    assert indicator_plot(observations, [assessment], 10, 12) == []
    assert indicator_plot(observations, [assessment], 60, 4) == []
    assert indicator_plot([], [assessment], 60, 12) == []


def test_plot_of_a_flat_series_without_targets() -> None:
    observations = [obs(2020, 5), obs(2021, 5), obs(2022, 5)]
    lines = indicator_plot(observations, [], 30, 8)
    assert len(lines) == 8
    assert lines[-1].strip() == f"{OBSERVED} observed"  # the legend
    assert sum(line.count(OBSERVED) for line in lines[:-1]) == 3


def test_project_assessment_for_plot_is_unchanged_by_drawing() -> None:
    project = load_project(REPO)
    report: ProjectAssessment = assess_project(project, 2026)
    before = repr(report)
    build_figure("grdp_growth", report)
    assert repr(report) == before


# -- the SVG writer (kpi.render.svg_chart) -----------------------------------------------------


def test_svg_writer_escapes_a_hostile_name_and_still_parses() -> None:
    from kpi.render.svg_chart import chart_svg

    hostile = "<script>alert(1)</script> & \"x\" 'y'"
    indicator = LEVEL.model_copy(update={"name": hostile})
    project = project_of({"share": indicator}, {"share": [obs(2020, 40), obs(2024, 48)]})
    svg = chart_svg(assess_project(project, 2026), "share")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &apos;y&apos;" in svg
    root = ET.fromstring(svg.encode("utf-8"))
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG_NS}text"))
    assert hostile in texts  # the reader sees the name as written


def test_svg_writer_shows_no_observation_text_and_level_legend() -> None:
    from kpi.render.svg_chart import chart_svg

    svg = chart_svg(assess_project(project_of({"share": LEVEL}, {}), 2026), "share")
    assert "No observation up to 2026" in svg
    assert "Planned path from the 2018 baseline" in svg
    ET.fromstring(svg.encode("utf-8"))


def test_inline_svg_prefixes_the_svg_writer_ids_and_references() -> None:
    from kpi.render.chart import target_charts

    charts = target_charts(assess_project(load_project(REPO), 2026))
    inline = inline_svg(next(iter(charts.values())), "p1-")
    assert inline.startswith("<svg")
    ids = [part.split('"', 1)[0] for part in inline.split(' id="')[1:]]
    assert ids and all(i.startswith("p1-") for i in ids)
    references = [part.split(")", 1)[0] for part in inline.split("url(#")[1:]]
    assert references and all(r.startswith("p1-") for r in references)


def test_target_charts_do_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "from kpi.progress import assess_project\n"
        "from kpi.render.chart import target_charts\n"
        "from kpi.store import load_project\n"
        "from pathlib import Path\n"
        f"project = load_project(Path({str(REPO)!r}))\n"
        "charts = target_charts(assess_project(project, 2026))\n"
        "assert charts, 'no chart'\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
