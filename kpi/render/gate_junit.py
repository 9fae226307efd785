"""``kpi check --format junit``: JUnit XML that GitLab, Jenkins, Azure DevOps and the GitHub
test-report actions read natively.

One ``<testcase classname="kpi.<indicator>" name="<target id>">`` per target: a ``<failure>`` when
it fails the gate, ``<skipped>`` when it has no usable data and does not fail; the human message
in ``<system-out>``. Built with ``xml.etree.ElementTree`` (which escapes markup); characters XML
1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from kpi.errors import Problem
from kpi.gate import GateResult, Level
from kpi.render.gate_text import summary_line, verdict_message

SUITE_NAME = "kpi check"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters, lone surrogates)."""
    return _NOT_XML.sub("", text)


def _counted(element: ET.Element, tests: int, failures: int, errors: int, skipped: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
    element.set("skipped", str(skipped))
    element.set("time", "0")


def _document(
    cases: Sequence[ET.Element], properties: dict[str, str], counts: tuple[int, int, int]
) -> bytes:
    failures, errors, skipped = counts
    root = ET.Element("testsuites", {"name": SUITE_NAME})
    _counted(root, len(cases), failures, errors, skipped)
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME})
    _counted(suite, len(cases), failures, errors, skipped)
    listed = ET.SubElement(suite, "properties")
    for name, value in properties.items():
        ET.SubElement(listed, "property", {"name": name, "value": clean(value)})
    suite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def render(result: GateResult) -> bytes:
    """The JUnit XML document (UTF-8 bytes, with its XML declaration)."""
    cases = []
    for verdict in result.verdicts:
        message = clean(verdict_message(verdict, result.fail_on))
        case = ET.Element(
            "testcase",
            {
                "classname": f"kpi.{verdict.assessment.indicator_id}",
                "name": verdict.target_id,
                "time": "0",
            },
        )
        if verdict.location is not None:
            case.set("file", clean(verdict.location.file))
            if verdict.location.line is not None:
                case.set("line", str(verdict.location.line))
        if verdict.level is Level.ERROR:
            failure = ET.SubElement(
                case, "failure", {"message": message, "type": verdict.status.value}
            )
            failure.text = clean(verdict_message(verdict, result.fail_on, separator="\n"))
        elif verdict.level is Level.NOTICE:
            ET.SubElement(case, "skipped", {"message": message})
        output = ET.SubElement(case, "system-out")
        output.text = f"{verdict.level.value}: {message}"
        cases.append(case)
    properties = {
        "project": result.project_name,
        "as_of": str(result.as_of),
        "fail_on": result.fail_on.value,
        "fail_on_missing": str(result.fail_on_missing).lower(),
        "summary": summary_line(result),
    }
    counts = (result.count(Level.ERROR), 0, result.count(Level.NOTICE))
    return _document(cases, properties, counts)


def render_problems(problems: Sequence[Problem], file_of: Callable[[Problem], str | None]) -> bytes:
    """A JUnit document with one ``<error>`` test case per problem that stopped the check."""
    cases = []
    for number, problem in enumerate(problems, start=1):
        file = file_of(problem)
        name = clean(f"problem {number}: {problem.where()}")
        case = ET.Element("testcase", {"classname": "kpi.data", "name": name, "time": "0"})
        if file is not None:
            case.set("file", clean(file))
            if problem.line is not None:
                case.set("line", str(problem.line))
        error = ET.SubElement(
            case, "error", {"message": clean(str(problem)), "type": "invalid_data"}
        )
        error.text = clean(str(problem))
        cases.append(case)
    return _document(cases, {}, (0, len(cases), 0))
