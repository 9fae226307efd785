"""``kpi report``: Markdown (stdout, or a file with its SVG charts beside it) and one
self-contained HTML file, on the shipped Hai Phong data.

Runs in-process with Typer's ``CliRunner``; stdout, stderr and exit code are checked apart.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import kpi.cli.report  # noqa: F401  (registers report and chart until kpi.cli imports it)
from kpi.cli import app
from kpi.i18n import set_language
from kpi.progress import ProjectAssessment, assess_project, by_goal
from kpi.render import human
from kpi.render.chart import has_chart
from kpi.render.report_markdown import safe_url, status_reason, target_title
from kpi.store import load_project

REPO = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
AS_OF = 2026


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("KPI_PROJECT", "KPI_LANG"):
        monkeypatch.delenv(name, raising=False)
    set_language("en")
    yield
    set_language("en")  # --lang sets the language for the whole process


def invoke(*args: object) -> Any:
    return RUNNER.invoke(app, ["--project", str(REPO), *(str(a) for a in args)])


@pytest.fixture(scope="module")
def shipped() -> ProjectAssessment:
    return assess_project(load_project(REPO), AS_OF)


def charted_targets() -> list[str]:
    """Ids of the targets whose indicator has data as of AS_OF: those get a chart."""
    project = load_project(REPO)
    report = by_goal(assess_project(project, AS_OF))  # each goal's targets together
    return [a.target.id for a in report.targets if has_chart(report, a)]


class _Resources(HTMLParser):
    """Every tag name and every src/href value of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "data", "srcset", "poster") and value:
                self.links.append((tag, name, value))


# -- Markdown ----------------------------------------------------------------------------------


def test_markdown_on_stdout_has_a_section_and_a_status_per_target(
    shipped: ProjectAssessment,
) -> None:
    result = invoke("report", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert text.startswith("# Hai Phong 2030, as of 2026\n")
    assert "## Summary" in text
    for a in shipped.targets:
        assert f"\n## {target_title(a)}\n" in text
        assert f"Status: **{human.status_label(a.status)}**" in text
        assert f"`{a.target.id}`" in text
    assert text.count("\n## ") == 1 + len(shipped.targets)


def test_markdown_on_stdout_says_it_has_no_charts() -> None:
    text = invoke("report", "--as-of", AS_OF).stdout
    assert "![" not in text
    assert "has no charts" in text
    assert "--output" in text


def test_markdown_gives_the_reason_notes_figures_and_sources(shipped: ProjectAssessment) -> None:
    text = invoke("report", "--as-of", AS_OF).stdout
    at_risk = next(a for a in shipped.targets if a.target.id == "grdp_growth_2021_2030")
    reason = status_reason(at_risk)
    assert reason and reason in text
    assert "is 86 % of the 13.5 %/yr the whole period needs (progress ratio R = 0.86)" in text
    assert "the latest value (2025) is an estimate" in text
    assert "| Gap to the target | 1.93 percentage points |" in text
    assert "](<https://congly.vn/" in text  # the sources are links
    assert "| 2025 | 44.4 | E\\| |" in text  # estimated, series break


def test_markdown_to_a_file_writes_one_svg_chart_per_target_with_data(tmp_path: Path) -> None:
    output = tmp_path / "out" / "report.md"
    result = invoke("report", "--as-of", AS_OF, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert str(output) in result.stderr
    text = output.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    expected = charted_targets()
    assert links == [f"report_files/{target}.svg" for target in expected]
    for link in links:
        root = ET.parse(output.parent / link).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert sorted(p.name for p in (output.parent / "report_files").iterdir()) == sorted(
        f"{target}.svg" for target in expected
    )
    assert "has no charts" not in text
    assert "No chart: no observation up to 2026." in text  # tech_renewal_20_22


def test_report_as_of_an_earlier_year_uses_only_its_observations() -> None:
    text = invoke("report", "--as-of", 2022).stdout
    assert text.startswith("# Hai Phong 2030, as of 2022\n")
    assert "| 2023 |" not in text
    assert "| 2022 | 53.39 |" in text


def test_report_in_vietnamese_uses_names_and_decimal_commas() -> None:
    result = invoke("report", "--as-of", AS_OF, "--lang", "vi")
    assert result.exit_code == 0, result.stderr
    assert "# Hải Phòng 2030" in result.stdout
    assert "## Tỷ trọng công nghiệp công nghệ cao đạt trên 70% vào năm 2030" in result.stdout
    assert "| 2023 | 60,6 |" in result.stdout


def test_unknown_report_format_is_exit_2() -> None:
    result = invoke("report", "--format", "pdf")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "pdf" in result.stderr


def test_report_to_an_unwritable_place_is_exit_2_without_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = invoke("report", "--as-of", AS_OF, "--format", "html", "-o", blocker / "r.html")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{blocker}: is not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_project_is_exit_2(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["--project", str(tmp_path), "report"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error:" in result.stderr


# -- HTML --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    set_language("en")
    output = tmp_path_factory.mktemp("html") / "report.html"
    result = invoke("report", "--as-of", AS_OF, "--format", "html", "--output", output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    return output.read_text(encoding="utf-8")


def test_html_has_a_section_and_a_status_per_target(
    html_report: str, shipped: ProjectAssessment
) -> None:
    for a in shipped.targets:
        section = html_report.split(f'<section class="target" id="target-{a.target.id}">')[1]
        section = section.split("</section>")[0]
        assert f"<h2>{html.escape(target_title(a))}</h2>" in section
        label = human.status_label(a.status)
        assert f'<span class="status status-{a.status.value}">{label}</span>' in section
    assert html_report.count('<section class="target"') == len(shipped.targets)


def test_html_has_one_inline_svg_per_target_with_data(html_report: str) -> None:
    expected = charted_targets()
    assert html_report.count("<svg") == len(expected)
    for target in expected:
        section = html_report.split(f'id="target-{target}"')[1].split("</section>")[0]
        assert section.count("<svg") == 1
    assert "<?xml" not in html_report
    assert "<!DOCTYPE svg" not in html_report


def test_html_is_self_contained(html_report: str) -> None:
    parser = _Resources()
    parser.feed(html_report)
    assert not re.search(r"src\s*=\s*[\"']?https?:", html_report, re.IGNORECASE)
    assert "<link" not in html_report.lower()
    assert "@import" not in html_report
    assert "<script" not in html_report.lower()
    assert "<iframe" not in html_report.lower()
    assert not re.search(r"url\(\s*[\"']?(https?:|//)", html_report)
    for tag, name, value in parser.links:
        if value.startswith("#"):
            continue  # anchors inside the page, references inside a chart
        assert (tag, name) == ("a", "href"), (tag, name, value)
        assert safe_url(value) == value  # only the observations' source pages, as text links
    assert {"img", "object", "embed", "video", "audio"}.isdisjoint(parser.tags)


def test_html_is_printable_to_a4_and_declares_its_language(html_report: str) -> None:
    assert html_report.startswith("<!DOCTYPE html>\n")
    assert '<html lang="en">' in html_report
    assert '<meta charset="utf-8">' in html_report
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", html_report)


def test_html_ids_are_unique(html_report: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html_report)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_html_escapes_what_it_shows(html_report: str) -> None:
    assert "Hai Phong's 2030 goals" in html_report or "Hai Phong&#x27;s 2030 goals" in html_report
    assert "<Hai" not in html_report


def test_html_on_stdout_is_the_same_document(html_report: str) -> None:
    result = invoke("report", "--as-of", AS_OF, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == html_report


def test_unsafe_source_urls_are_not_links() -> None:
    assert safe_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url('https://example.org/"onmouseover="x') is None
    assert safe_url(None) is None


# -- why a target has its status ---------------------------------------------------------------


def _level(observations: list[tuple[int, float]], comparator: str = ">=") -> Any:
    from kpi.model import AssessmentSettings, LevelIndicator, LevelTarget, Observation
    from kpi.progress import assess_level

    target = LevelTarget(id="t", comparator=comparator, value=30, year=2030)
    indicator = LevelIndicator(name="Level", kind="level", unit="%", targets=(target,))
    rows = [Observation(year=y, value=v, source="test") for y, v in observations]
    return assess_level("level", indicator, target, rows, 2030, AssessmentSettings())


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ([(2020, 10), (2024, 31)], "The latest value, 31 in 2024, already meets the target."),
        ([(2020, 10), (2024, 20)], "Since 2020 the indicator has moved at "),
        ([(2020, 10), (2024, 8)], "Since 2020 the indicator has moved away from the target"),
        ([(2024, 10)], "There are not enough comparable observations to measure a trend."),
        ([], "There is no observation to judge this target with yet."),
    ],
)
def test_status_reason_says_why(observations: list[tuple[int, float]], expected: str) -> None:
    reason = status_reason(_level(observations))
    assert reason is not None and reason.startswith(expected)


def test_a_missed_target_is_explained_by_its_note_alone() -> None:
    assessment = _level([(2025, 10), (2030, 20)])
    assert any(note.code == "missed" for note in assessment.notes)
    assert status_reason(assessment) is None
