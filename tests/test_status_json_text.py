"""``as_json`` writes exactly what ``json.dumps(..., ensure_ascii=False, indent=2)`` writes."""

from __future__ import annotations

import json
from collections import OrderedDict
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.progress import assess_project
from kpi.render.status_json import as_json, show_document, status_document
from kpi.store import load_project


def reference(document: Any) -> str:
    """The text ``kpi status --format json`` printed before ``as_json`` had its own encoder."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=1e-10, max_value=1e-3).map(lambda x: x * 10 ** -(int(x * 1e13) % 6))
    | st.floats(min_value=-1e-3, max_value=-1e-10)  # sizes Pydantic writes otherwise (as_json)
    | st.text()
)
# Keys as kpi's documents may have them: not a float or None (json.dumps writes inf "Infinity"
# and None "null", Pydantic "inf" and "None").
keys = st.text() | st.integers() | st.booleans()
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=1000)
@given(documents)
def test_any_document_is_written_byte_for_byte_as_json_dumps(document: Any) -> None:
    assert as_json(document) == reference(document)


class Colour(StrEnum):
    RED = "red"


def test_edge_values_are_written_as_json_dumps() -> None:
    document = {
        "empty": [{}, [], ()],
        "nested": OrderedDict([("a", [1, [2, {"b": None}]])]),
        "enum": Colour.RED,
        "text": 'quote " backslash \\ tab \t newline \n bell \x07 Hải Phòng \u2028 🙂',
        "floats": [0.1, -0.0, 1e300, 5e-324, float("nan"), float("inf"), float("-inf")],
        # One-digit negative exponents, which Pydantic writes 1e-7 (json.dumps 1e-07), at the
        # end of a line, before a comma, as a whole document, and in a string left as it is.
        "small": [1e-7, -2.5e-5, 1e-10, 9.999e-5, 1e-4],
        "tiny": 3e-9,
        "text like a number": "ends in 1e-7",
        "1e-7": [1e-7],
        "big": 10**40,
        "flags": [True, False, None],
        1: "int key",
        False: "bool key",
    }
    assert as_json(document) == reference(document)
    assert as_json(1e-7) == reference(1e-7) == "1e-07\n"


@pytest.mark.parametrize("as_of", [2020, 2026, 2035])
def test_the_shipped_projects_documents_are_written_as_json_dumps(as_of: int) -> None:
    project = load_project(Path(str(resources.files("kpi") / "templates" / "haiphong")))
    report = assess_project(project, as_of)
    documents = [status_document(report), *(show_document(report, i) for i in report.indicators)]
    for document in documents:
        assert as_json(document) == reference(document)


def test_a_value_json_cannot_write_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        reference({"when": object()})
    with pytest.raises(TypeError, match="not JSON serializable"):
        as_json({"when": object()})
