"""Option values converted without Pydantic where the conversion is trivial.

Typer (0.29) converts each option's value with a Pydantic ``TypeAdapter``, built the first time
the option is processed, and processes the group's options (``--project``, ``--lang``) before a
command's, even when they are not given: every command line then imports Pydantic (about 30 ms),
a usage error such as ``kpi status --format nonsense`` too, and a year (``--as-of 2026``) costs a
Pydantic adapter built for it (about 8 ms). Three conversions are done here instead, with the
same result: an option that is not given (``None`` stays ``None``), a choice of a ``StrEnum``
(the member whose value is the text given, else a usage error naming the choices) and a whole
number written in plain digits within the option's range. Everything else (a sign, a leading
zero, spaces, a number out of range) goes to Typer as before. ``tests/test_startup.py`` fails if
a usage error or a command's ``--help`` imports Pydantic, or a year given builds an adapter, so a
change in Typer shows.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

import typer

from kpi.i18n import _

# A whole number as ``int`` and Pydantic read it alike: ASCII digits, no sign, no leading zero.
_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")


def quick_value(param: Any, value: Any) -> tuple[bool, Any]:
    """``(True, the value Typer would give)`` for an option not given, a choice of a
    ``StrEnum`` or an ``int`` in plain digits within its range, ``(False, None)`` for anything
    else (Typer converts it). Raises ``typer.BadParameter`` for a text that is none of the
    choices, as Typer would."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    info = getattr(descriptor, "parameter_info", None)
    plain = not param.multiple and param.nargs == 1
    if not plain or annotation is None:
        return False, None
    if value is None:  # not given: Typer says so if it is required
        return (not param.required), None
    if annotation is int and info is not None and info.parser is None:
        return _quick_int(value, info)
    is_choice = isinstance(annotation, type) and issubclass(annotation, Enum)
    if not (is_choice and isinstance(value, str) and getattr(info, "case_sensitive", False)):
        return False, None
    for member in annotation:
        if member.value == value:
            return True, member
    choices = ", ".join(repr(member.value) for member in annotation)
    message = _("{value} is not one of {choices}.").format(value=repr(value), choices=choices)
    raise typer.BadParameter(message, param=param)


def _quick_int(value: Any, info: Any) -> tuple[bool, Any]:
    """An ``int`` option's value in plain digits within ``info.min``..``info.max``: converted;
    anything else is Typer's (its errors, its clamping)."""
    if not (isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value)):
        return False, None
    number = int(value)
    low, high = info.min, info.max
    if (low is not None and number < low) or (high is not None and number > high):
        return False, None
    return True, number


_QUICK_CLASSES: dict[type, type] = {}


def _process_value(self: Any, ctx: Any, value: Any) -> Any:
    """``process_value`` of a parameter given the quick conversions: ``quick_value``'s then the
    parameter's callback, as Typer's does after converting; else its own class's."""
    done, converted = quick_value(self, value)
    if not done:
        return super(type(self), self).process_value(ctx, value)
    return converted if self.callback is None else self.callback(ctx, self, converted)


def convert_quickly(params: list[Any]) -> None:
    """Give each of ``params`` (a command's Typer parameters) the quick conversions: its class
    becomes a subclass of its own with ``_process_value`` (one per class, made once)."""
    for param in params:
        cls = type(param)
        if cls in _QUICK_CLASSES.values():
            continue
        quick = _QUICK_CLASSES.get(cls)
        if quick is None:
            quick = type(cls.__name__, (cls,), {"process_value": _process_value})
            _QUICK_CLASSES[cls] = quick
        param.__class__ = quick
