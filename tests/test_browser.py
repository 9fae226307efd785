"""The HTML report in a real browser: Debian's headless Chromium renders the shipped report.

- A screenshot 1240 pixels wide (A4 at 150 dpi) and tall enough for the whole page: the page
  is not blank, and every chart is there. Each chart is found by its title, drawn in a colour
  used nowhere else (``kpi.render.chart.TITLE_COLOUR``), with its observed series
  (``OBSERVED_COLOUR``) below it; the count must equal the number of targets with data, so a
  chart that fails to render, or is missing, fails the test.
- Printed to PDF: A4 pages, one or more per target.

Without Chromium the tests are skipped, except under CI (``$CI`` set), where they fail: CI
installs it (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kpi.cli.report  # noqa: F401  (registers report and chart until kpi.cli imports it)
from kpi.cli import app
from kpi.i18n import set_language
from kpi.progress import assess_project
from kpi.render.chart import OBSERVED_COLOUR, TITLE_COLOUR, has_chart
from kpi.store import load_project

REPO = Path(__file__).resolve().parents[1]
AS_OF = 2026
WIDTH = 1240
A4_HEIGHT = 1754  # pixels at 150 dpi
PAGE_HEIGHT = 12_000  # the whole report (about 9,200 pixels) must fit; checked below
A4_POINTS = (595.28, 841.89)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; CI must install it (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); CI runs this test")
    return found


def run_chromium(page: Path, profile: Path, *arguments: str) -> None:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", *arguments, page.as_uri(),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    set_language("en")
    output = tmp_path_factory.mktemp("browser") / "report.html"
    result = CliRunner().invoke(
        app,
        ["--project", str(REPO), "report", "--as-of", str(AS_OF), "--format", "html",
         "--output", str(output)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    yield output


@pytest.fixture(scope="module")
def screenshot(report_page: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    import matplotlib.image
    import numpy as np

    folder = tmp_path_factory.mktemp("shot")
    png = folder / "report.png"
    run_chromium(
        report_page, folder / "profile", f"--screenshot={png}",
        f"--window-size={WIDTH},{PAGE_HEIGHT}",
    )  # fmt: skip
    pixels = matplotlib.image.imread(png)
    return (np.asarray(pixels[:, :, :3]) * 255).round().astype(np.int32)


def _near(pixels: object, colour: str, tolerance: int = 8) -> object:
    import numpy as np

    wanted = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int32)
    return np.abs(pixels - wanted).max(axis=2) <= tolerance  # type: ignore[operator]


def _bands(rows: list[int], gap: int) -> list[tuple[int, int]]:
    """Runs of rows, split where ``gap`` rows or more are missing."""
    bands: list[tuple[int, int]] = []
    for row in rows:
        if bands and row - bands[-1][1] <= gap:
            bands[-1] = (bands[-1][0], row)
        else:
            bands.append((row, row))
    return bands


def test_the_page_is_not_blank(screenshot: object) -> None:
    import numpy as np

    pixels = np.asarray(screenshot)
    assert pixels.shape[1] == WIDTH
    first_page = pixels[:A4_HEIGHT]
    ink = (first_page < 235).any(axis=2).mean()
    assert ink > 0.03, f"only {ink:.1%} of the first A4 page has ink"
    codes = first_page[:, :, 0] * 65536 + first_page[:, :, 1] * 256 + first_page[:, :, 2]
    assert len(np.unique(codes)) > 200


def test_the_whole_page_fits_in_the_screenshot(screenshot: object) -> None:
    import numpy as np

    pixels = np.asarray(screenshot)
    bottom = pixels[-200:]
    assert (bottom > 250).all(), "the report is taller than the screenshot: raise PAGE_HEIGHT"


def test_every_chart_is_visible(screenshot: object, report_page: Path) -> None:
    import numpy as np

    project = load_project(REPO)
    report = assess_project(project, AS_OF)
    expected = sum(has_chart(report, a) for a in report.targets)
    assert expected == 6  # the shipped data: every target but tech_renewal_20_22
    assert report_page.read_text(encoding="utf-8").count("<svg") == expected

    pixels = np.asarray(screenshot)
    title_rows = [int(r) for r in np.nonzero(_near(pixels, TITLE_COLOUR).sum(axis=1) >= 3)[0]]
    titles = _bands(title_rows, gap=40)
    assert len(titles) == expected, f"chart titles found at rows {titles}"
    observed = _near(pixels, OBSERVED_COLOUR).sum(axis=1)
    limits = [top for top, _ in titles[1:]] + [pixels.shape[0]]
    for (top, _bottom), limit in zip(titles, limits, strict=True):
        drawn = int(observed[top:limit].sum())
        assert drawn > 300, f"the chart titled at row {top} shows no observed series"


def test_it_prints_on_a4_pages(report_page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    run_chromium(
        report_page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer"
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes
    for width, height in boxes:
        assert abs(float(width) - A4_POINTS[0]) < 2 and abs(float(height) - A4_POINTS[1]) < 2
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    targets = len(assess_project(load_project(REPO), AS_OF).targets)
    assert pages >= 1 + targets  # the summary, then each target from a new page
