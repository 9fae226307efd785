"""The text rule checked in compiled code (``kpi.text.SAFE_TEXT_PATTERN`` in the models) is the
rule ``text_problem`` states, and the models word its refusals as ``text_problem`` does."""

from __future__ import annotations

import itertools
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from kpi.field_errors import describe
from kpi.model import observation_from
from kpi.numbers import MAX_MAGNITUDE
from kpi.text import LIMITS, SAFE_TEXT_PATTERN, text_problem

# The characters each part of the rule turns on: those of workflow commands, spaces that
# str.strip removes (safe and unsafe), controls, a bidirectional control, ordinary letters.
AWKWARD = ":#[ a\t\n\xa0\u2000\u202e\x85\u3000\u061cb"
CHECKED = TypeAdapter(Annotated[str, Field(pattern=SAFE_TEXT_PATTERN)])


def accepted(text: str) -> bool:
    """Whether the compiled pattern takes ``text`` (as Pydantic checks it: in Rust)."""
    try:
        CHECKED.validate_python(text)
    except ValidationError:
        return False
    return True


def test_the_pattern_agrees_with_text_problem_on_every_short_awkward_string() -> None:
    disagreements = [
        text
        for length in range(1, 5)
        for text in map("".join, itertools.product(AWKWARD, repeat=length))
        if accepted(text) != (text_problem(text, "url") is None)
    ]
    assert disagreements == []


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from(AWKWARD) | st.characters(exclude_categories=["Cs"]), max_size=40))
def test_the_pattern_agrees_with_text_problem_on_random_text(text: str) -> None:
    assert accepted(text) == (text_problem(text, "url") is None)


@pytest.mark.parametrize(
    "text", ["::error::x", "a ##[group]b", "\x1b[31mred", "   ", "ok\u202eevil", "line\nbreak"]
)
def test_a_refused_source_is_worded_as_text_problem_words_it(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        observation_from({"year": 2020, "value": 1.0, "source": text})
    (error,) = raised.value.errors()
    assert error["loc"] == ("source",)
    assert describe(error) == text_problem(text, "source")


def test_a_long_source_is_refused_with_its_limit() -> None:
    with pytest.raises(ValidationError) as raised:
        observation_from({"year": 2020, "value": 1.0, "source": "x" * (LIMITS["source"] + 1)})
    (error,) = raised.value.errors()
    assert describe(error) == text_problem("x" * (LIMITS["source"] + 1), "source")


@pytest.mark.parametrize("value", [MAX_MAGNITUDE * 10, -MAX_MAGNITUDE * 10])
def test_a_value_beyond_the_largest_is_worded_as_kpi_numbers_words_it(value: float) -> None:
    with pytest.raises(ValidationError) as raised:
        observation_from({"year": 2020, "value": value, "source": "s"})
    (error,) = raised.value.errors()
    assert "1e18" in describe(error)


def test_the_largest_value_itself_is_taken() -> None:
    observation = observation_from({"year": 2020, "value": MAX_MAGNITUDE, "source": "s"})
    assert observation.value == MAX_MAGNITUDE
