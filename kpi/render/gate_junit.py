"""``kpi check --format junit``: JUnit XML that GitLab, Jenkins, Azure DevOps and the GitHub
test-report actions read natively. One ``<testcase classname="kpi.<indicator>" name="<id>">`` per
target: a ``<failure>`` when it fails the gate, ``<skipped>`` when it has no usable data and does
not fail or is not judged (its gate is off), the message (which says why a target warns) in
``<system-out>``; one ``<testcase classname="kpi.direction" name="<indicator>">`` per indicator
with a desired direction only, alike; characters XML 1.0 cannot carry are dropped. With
``--baseline``, each test case's ``change`` property and first line of ``<system-out>`` say how
it changed, and the suite's properties name the revision and the counts of each change."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kpi.errors import Problem
from kpi.gate import DirectionVerdict, GateResult, Level
from kpi.render.gate_text import change_text, direction_message, summary_line, verdict_message

if TYPE_CHECKING:
    from kpi.baseline import Comparison

SUITE_NAME = "kpi check"
DIRECTION_CLASS = "kpi.direction"  # the classname of an indicator with a desired direction only
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters, lone surrogates)."""
    return _NOT_XML.sub("", text)


def _case(classname: str, name: str, file: str | None, line: int | None) -> ET.Element:
    case = ET.Element("testcase", {"classname": classname, "name": name, "time": "0"})
    if file is not None:
        case.set("file", clean(file))
        if line is not None:
            case.set("line", str(line))
    return case


def _document(
    cases: Sequence[ET.Element],
    properties: dict[str, str],
    counts: tuple[int, int, int],
    suite_name: str = SUITE_NAME,
) -> bytes:
    failures, errors, skipped = counts
    attributes = {"name": suite_name, "tests": str(len(cases)), "failures": str(failures)}
    attributes |= {"errors": str(errors), "skipped": str(skipped), "time": "0"}
    root = ET.Element("testsuites", attributes)
    suite = ET.SubElement(root, "testsuite", attributes)
    listed = ET.SubElement(suite, "properties")
    for name, value in properties.items():
        ET.SubElement(listed, "property", {"name": name, "value": clean(value)})
    suite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def render(result: GateResult, comparison: Comparison | None = None) -> bytes:
    """The JUnit XML document (UTF-8 bytes, with its XML declaration); with ``comparison``,
    what changed since its revision."""
    cases = []
    for verdict in result.verdicts:
        message = clean(verdict_message(verdict, result.fail_on))
        location = verdict.location
        file, line = (location.file, location.line) if location else (None, None)
        case = _case(f"kpi.{verdict.assessment.indicator_id}", verdict.target_id, file, line)
        if verdict.level is Level.ERROR:
            attributes = {"message": message, "type": verdict.status.value}
            failure = ET.SubElement(case, "failure", attributes)
            failure.text = clean(verdict_message(verdict, result.fail_on, separator="\n"))
        elif verdict.level in (Level.NOTICE, Level.OFF):
            ET.SubElement(case, "skipped", {"message": message})
        output = ET.SubElement(case, "system-out")
        output.text = f"{verdict.level.value}: {message}"
        change = comparison.of(verdict.target_id) if comparison is not None else None
        if change is not None:
            listed = ET.Element("properties")
            ET.SubElement(listed, "property", {"name": "change", "value": change.change.value})
            case.insert(0, listed)
            output.text = clean(f"{change.change.value}: {change_text(change)}\n{output.text}")
        cases.append(case)
    for direction in result.directions:  # indicators with a desired direction only
        cases.append(_direction_case(direction, result))
    properties = {
        "project": result.project_name,
        "as_of": str(result.as_of),
        "fail_on": result.fail_on.value,
        "fail_on_missing": str(result.fail_on_missing).lower(),
        "fail_on_stale": str(result.fail_on_stale).lower(),
        "summary": summary_line(result, comparison),
    }
    if comparison is not None:
        properties |= _baseline_properties(result, comparison)
    if result.directions:
        properties["fail_on_direction"] = str(result.fail_on_direction).lower()
    levels = [v.level for v in result.verdicts] + [d.level for d in result.directions]
    skipped = levels.count(Level.NOTICE) + levels.count(Level.OFF)
    return _document(cases, properties, (levels.count(Level.ERROR), 0, skipped))


def _direction_case(verdict: DirectionVerdict, result: GateResult) -> ET.Element:
    """The test case of an indicator with a desired direction only (class ``kpi.direction``)."""
    message = clean(direction_message(verdict, result.fail_on))
    location = verdict.location
    file, line = (location.file, location.line) if location else (None, None)
    case = _case(DIRECTION_CLASS, verdict.indicator_id, file, line)
    if verdict.level is Level.ERROR:
        failure = ET.SubElement(case, "failure", {"message": message, "type": verdict.status.value})
        failure.text = clean(direction_message(verdict, result.fail_on, separator="\n"))
    elif verdict.level is Level.NOTICE:
        ET.SubElement(case, "skipped", {"message": message})
    output = ET.SubElement(case, "system-out")
    output.text = f"{verdict.level.value}: {message}"
    return case


def _baseline_properties(result: GateResult, comparison: Comparison) -> dict[str, str]:
    """The suite's properties of a comparison: the revision, whether its project was found and
    valid, how many targets had each change and which were removed (no test case says so)."""
    revision = comparison.revision
    removed = [c.target_id for c in comparison.targets if c.change == "removed"]
    counts = comparison.counts().items()
    return {
        "baseline": revision.requested,
        "baseline_name": revision.name,
        "baseline_commit": revision.commit,
        "baseline_found": str(comparison.found).lower(),
        "baseline_valid": str(comparison.compared).lower(),
        "fail_on_worse": str(result.fail_on_worse).lower(),
        "changes": " ".join(f"{change.value}={count}" for change, count in counts),
        "removed": " ".join(removed),
    }


def render_problems(
    problems: Sequence[Problem],
    file_of: Callable[[Problem], str | None],
    passed: str = "",
    suite_name: str = SUITE_NAME,
) -> bytes:
    """A JUnit document (suite ``suite_name``) with one ``<error>`` test case per problem, or
    without any, one passing case named ``passed``."""
    cases = [] if problems else [_case("kpi.data", clean(passed) or "valid", None, None)]
    for number, problem in enumerate(problems, start=1):
        name = clean(f"problem {number}: {problem.where()}")
        case = _case("kpi.data", name, file_of(problem), problem.line)
        text = clean(str(problem))
        error = ET.SubElement(case, "error", {"message": text, "type": "invalid_data"})
        error.text = text
        cases.append(case)
    return _document(cases, {}, (0, len(problems), 0), suite_name)
