"""Numbers as people write them: one rule for ``kpi record``, ``kpi import`` and the files.

A value is a plain decimal in ASCII digits (``45.12``, ``-3``, ``1.5e6``): no digit separator
(``44_4`` is refused, not read as 444), no other script's digits, no hexadecimal, no ``inf`` or
``nan``, and no larger than ``MAX_MAGNITUDE``. A year is one to four ASCII digits, so that a
year of thousands of digits is refused before Python is asked to convert it.
"""

from __future__ import annotations

import math
import re

from kpi.i18n import _

MAX_MAGNITUDE = 1e18
"""The largest value kpi takes, in either sign: a hundred times Vietnam's GDP in dong, and far
enough below the largest float for every sum, slope and chart axis to stay finite."""
PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
MIN_YEAR = 1900  # the years kpi accepts, in files, on the command line and in imports
MAX_YEAR = 2100
PLAIN_YEAR = re.compile(r"[0-9]{1,4}")


def magnitude_problem(value: float) -> str | None:
    """Why ``value`` cannot be an observed or target value (not finite, or beyond
    ``MAX_MAGNITUDE``), in the current language; ``None`` when it can."""
    if not math.isfinite(value):
        return _("must be a finite number")
    if abs(value) > MAX_MAGNITUDE:
        return _("is beyond ±1e18, the largest value kpi takes")
    return None


def parse_value(text: str) -> float:
    """The value ``text`` writes (surrounding spaces ignored); ``ValueError`` with the reason, in
    the current language, when it is not a plain decimal within ``MAX_MAGNITUDE``."""
    plain = text.strip()
    if PLAIN_DECIMAL.fullmatch(plain) is None:
        if PLAIN_DECIMAL.fullmatch(plain.replace(",", ".")) is not None:
            reason = _("{value} is not a number (use '.' for decimals, e.g. 45.12)")
        elif plain.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            reason = _("{value} is not a finite number")
        else:
            reason = _("{value} is not a number")
        raise ValueError(reason.format(value=_shown(text)))
    value = float(plain)
    if not math.isfinite(value):
        raise ValueError(_("{value} is not a finite number").format(value=_shown(text)))
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{_shown(text)} {magnitude_problem(value)}")
    return value


def parse_year(text: str) -> int:
    """The year ``text`` writes (surrounding spaces ignored); ``ValueError`` with the reason, in
    the current language, when it is not one to four ASCII digits."""
    plain = text.strip()
    if PLAIN_YEAR.fullmatch(plain) is None:
        message = _("{value} is not a whole number (a year such as 2024)")
        raise ValueError(message.format(value=_shown(text)))
    return int(plain)


def _shown(text: str) -> str:
    """``text`` quoted, its middle left out beyond 40 characters."""
    return repr(text) if len(text) <= 40 else repr(f"{text[:20]}...{text[-10:]}")
