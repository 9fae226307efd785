"""The format registry: every command's ``--format`` choices, each run on the shipped data in both
languages; formats for machines are byte for byte the same in English and Vietnamese, but for
the notes' messages (PRODUCT.md), and formats for people follow the language."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from kpi.cli.core import ShowFormat, StatusFormat, ValidateFormat
from kpi.cli.exchange import ExportFormat
from kpi.cli.gate import CheckFormat
from kpi.cli.report import ReportFormat
from kpi.gate import evaluate, locate_targets, problem_file
from kpi.i18n import speaking
from kpi.model import Project
from kpi.progress import Status, assess_project
from kpi.render.registry import FORMATS, Rendered, choices, render
from kpi.store import load_project
from kpi.validate import Validation

ROOT = Path(__file__).resolve().parent.parent
AS_OF = 2026
ENTRIES = [(command, name) for command, formats in FORMATS.items() for name in formats]


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(ROOT)


def subject(project: Project, command: str) -> tuple[Any, ...]:
    """What ``command``'s formats take, built as the CLI builds it."""
    report = assess_project(project, AS_OF)
    if command == "show":
        return (report, "high_tech_share")
    if command == "check":
        settings = project.definition.assessment
        places = locate_targets(report, project.root, ROOT)
        result = evaluate(
            report, fail_on=Status.OFF_TRACK, fail_on_missing=False, settings=settings,
            locations=places,
        )  # fmt: skip
        return (result,)
    if command == "export":
        return (project.long_table(),)
    if command == "report":
        return (report, {})
    if command == "validate":
        counts = {"indicators": 5, "targets": len(report.targets), "observations": 24}
        return (Validation((), **counts), problem_file(project.root, ROOT))
    return (report,)


def rendered(project: Project, command: str, name: str, lang: str) -> Rendered:
    # The CLI assesses in the language chosen for the run; the registry must not depend on it.
    with speaking(lang):
        return render(command, name, *subject(project, command), lang=lang)


def as_text(output: Rendered) -> str:
    """``output`` as text: UTF-8 bytes decoded; a workbook (a zip) as its sheets' names and cells,
    one per line, so that two made in different seconds (a workbook records when) compare equal."""
    if isinstance(output, str):
        return output
    if not output.startswith(b"PK\x03\x04"):
        return output.decode("utf-8")
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(output))
    lines = []
    for sheet in book:
        lines.append(sheet.title)
        lines += [f"{c.coordinate}={c.value!r}" for row in sheet.iter_rows() for c in row]
    return "\n".join(line for line in lines if not line.endswith("=None"))


def without_note_messages(document: Any) -> Any:
    """``document`` with every note's ``message`` (the text PRODUCT.md lets follow --lang) out."""
    if isinstance(document, dict):
        if set(document) == {"code", "message", "params"}:
            return {"code": document["code"], "params": document["params"]}
        return {key: without_note_messages(value) for key, value in document.items()}
    if isinstance(document, list):
        return [without_note_messages(item) for item in document]
    return document


@pytest.mark.parametrize(
    ("command", "options"),
    [("status", StatusFormat), ("show", ShowFormat), ("check", CheckFormat),
     ("export", ExportFormat), ("report", ReportFormat), ("validate", ValidateFormat)],
)  # fmt: skip
def test_every_format_option_of_a_command_is_in_the_registry(
    command: str, options: type[StrEnum]
) -> None:
    assert tuple(option.value for option in options) == choices(command)


@pytest.mark.parametrize(("command", "name"), ENTRIES)
def test_every_format_renders_the_shipped_data_in_both_languages(
    project: Project, command: str, name: str
) -> None:
    for lang in ("en", "vi"):
        output = rendered(project, command, name, lang)
        if FORMATS[command][name].binary:  # a workbook, which a terminal cannot show
            assert isinstance(output, bytes) and output.startswith(b"PK\x03\x04")
        text = as_text(output)
        assert text.strip()
        assert "high_tech" in text or command in ("export", "check", "validate")


MACHINE = [(c, n) for c, n in ENTRIES if not FORMATS[c][n].for_people]
PEOPLE = [(c, n) for c, n in ENTRIES if FORMATS[c][n].for_people]


@pytest.mark.parametrize(("command", "name"), MACHINE)
def test_a_format_for_machines_is_the_same_in_both_languages(
    project: Project, command: str, name: str
) -> None:
    english, vietnamese = (rendered(project, command, name, lang) for lang in ("en", "vi"))
    if FORMATS[command][name].note_messages:
        assert isinstance(english, str) and isinstance(vietnamese, str)
        assert english != vietnamese  # the shipped data has notes, whose messages differ
        assert without_note_messages(json.loads(english)) == without_note_messages(
            json.loads(vietnamese)
        )
    else:
        assert as_text(english) == as_text(vietnamese)


@pytest.mark.parametrize(
    ("command", "name"), [e for e in MACHINE if FORMATS[e[0]][e[1]].note_messages]
)
def test_note_messages_in_a_machine_format_follow_the_language(
    project: Project, command: str, name: str
) -> None:
    text = rendered(project, command, name, "vi")
    assert isinstance(text, str)
    assert "giá trị mới nhất" in text or "số liệu mới nhất" in text


@pytest.mark.parametrize(("command", "name"), PEOPLE)
def test_a_format_for_people_follows_the_language(
    project: Project, command: str, name: str
) -> None:
    english, vietnamese = (as_text(rendered(project, command, name, lang)) for lang in ("en", "vi"))
    assert english != vietnamese
    assert "năm" in vietnamese or command == "validate"


def test_rendering_leaves_the_language_in_use_unchanged(project: Project) -> None:
    from kpi.i18n import language

    with speaking("vi"):
        rendered(project, "check", "junit", "vi")
        assert language() == "vi"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
        ("![x](y.png)", "!\\[x\\](y.png)"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("a | b\n# heading", "a \\| b \\# heading"),
        ("`code` *em* _em_ ~~del~~ &lt;", "\\`code\\` \\*em\\* \\_em\\_ \\~\\~del\\~\\~ \\&lt;"),
        ("Hải Phòng 2030", "Hải Phòng 2030"),
    ],
)
def test_the_one_markdown_escaper_makes_data_text_inert(text: str, escaped: str) -> None:
    from kpi.render.markdown import escape

    assert escape(text) == escaped
