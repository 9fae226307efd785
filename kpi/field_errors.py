"""Pydantic's validation errors in the words of this tool, in the current language.

Pydantic says ``Input should be a valid number``, a planner reading a TOML file is better served
by ``must be a number``: each error type we can meet has a message id here (an unknown type falls
back to Pydantic's English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kpi.i18n import N_, _
from kpi.numbers import MAX_MAGNITUDE, magnitude_problem
from kpi.text import text_problem

_BY_TYPE: Mapping[str, str] = {
    "extra_forbidden": N_("unknown key"),
    "missing": N_("required key is missing"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "finite_number": N_("must be a finite number"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "string_type": N_("must be text"),
    "string_too_short": N_("must not be empty"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "date_type": N_("must be a date (YYYY-MM-DD)"),
    "date_parsing": N_("must be a date (YYYY-MM-DD)"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of {expected}"),
    "too_short": N_("must have at least {min_length} items"),
    "too_long": N_("must have at most {max_length} items"),
    "list_type": N_("must be a list"),
    "tuple_type": N_("must be a list"),
    "dict_type": N_("must be a table"),
    "model_type": N_("must be a table"),
    "model_attributes_type": N_("must be a table"),
    "union_tag_invalid": N_("must be 'level' or 'rate'"),
    "union_tag_not_found": N_("required key is missing"),
}

# The bound of a number's error, by type: at ±MAX_MAGNITUDE it is kpi.numbers' largest value.
_BOUND_KEYS: Mapping[str, str] = {"greater_than_equal": "ge", "less_than_equal": "le"}

# Keys that only one kind of indicator has, by (the other kind, key): Pydantic calls them unknown
# on an indicator of the other kind, which would not say why they are refused there.
_OTHER_KINDS_KEYS: Mapping[tuple[str, str], str] = {
    ("rate", "desired"): N_(
        "only a level indicator can have a desired direction: a rate has no compound growth to "
        "judge it by (give the rate indicator a target band instead)"
    ),
}


def _other_kinds_key(loc: tuple[Any, ...]) -> str | None:
    """The message for a key of one kind of indicator written on another's (``_OTHER_KINDS_KEYS``;
    ``loc`` is ``indicators, <id>, <kind>, <key>``), ``None`` for any other location."""
    if len(loc) != 4 or loc[0] != "indicators":
        return None
    return _OTHER_KINDS_KEYS.get((str(loc[2]), str(loc[3])))


def describe(error: Mapping[str, Any]) -> str:
    """The message for one item of ``ValidationError.errors()``: ours for the known types, the
    text of our own validators' ``ValueError`` (translated), else Pydantic's message; a key of
    another kind of indicator says why it is refused (``_OTHER_KINDS_KEYS``)."""
    kind = str(error["type"])
    context = error.get("ctx") or {}
    if kind == "extra_forbidden" and (other := _other_kinds_key(tuple(error.get("loc", ())))):
        return _(other)
    if kind == "value_error" and "error" in context:
        return _(str(context["error"]))
    if kind == "string_too_long":  # the words of kpi.text, whose limits the models hold
        return _("is longer than {limit} characters").format(limit=context.get("max_length"))
    if kind == "string_pattern_mismatch":  # the only pattern is kpi.text's, checked in Rust
        return text_problem(str(error.get("input", "")), "url") or str(error["msg"])
    if kind in _BOUND_KEYS and abs(context.get(_BOUND_KEYS[kind], 0)) == MAX_MAGNITUDE:
        return magnitude_problem(float(error["input"])) or str(error["msg"])
    template = _BY_TYPE.get(kind)
    if template is None:
        return str(error["msg"])
    shown = {key: str(value) for key, value in context.items()}
    if kind == "literal_error":  # Pydantic joins the choices in English: "'a', 'b' or 'c'"
        shown["expected"] = _join_choices(shown.get("expected", ""))
    return _(template).format(**shown)


def _join_choices(expected: str) -> str:
    """Pydantic's ``'a', 'b' or 'c'`` with its last ``or`` in the current language."""
    head, separator, last = expected.rpartition(" or ")
    if not separator:
        return expected
    return _("{choices} or {last}").format(choices=head, last=last)
