"""Text from data files: what a text field may hold, and how any text is shown inertly.

The one rule for text that a contributor controls (names, units, sources, notes, urls, keys,
file names). ``text_problem`` says why a field's text is refused: a control character (C0, DEL,
C1), a bidirectional control, a workflow-command marker of CI logs, blank, or too long for its
kind (``LIMITS``). ``inert`` shows any text, refused or not, with those characters escaped, so
that an error message quoting bad data cannot act on a terminal or a CI log.
"""

from __future__ import annotations

import re

from kpi.i18n import _

# C0 controls (tab and newline included), DEL, C1 controls, and the bidirectional controls that
# reorder what a reader sees (Trojan Source): ALM, LRM, RLM, LRE..RLO, LRI..PDI; and the Unicode
# line and paragraph separators, which some viewers break lines at.
_UNSAFE_CLASS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# What GitHub's runner reads as a workflow command in a line of output: ``::`` at the start of a
# line (after spaces) and ``##[`` anywhere. Text that wraps can put ``::`` at a line's start.
_COMMAND_MARKERS = ("::", "##[")

# What a spreadsheet runs as a formula when a cell begins with it, and what kpi's CSV writes
# before such text (kpi.render.export); the importer removes it again (a round trip).
FORMULA_STARTS = ("=", "+", "-", "@")
FORMULA_GUARD = "'"

LIMITS = {"name": 300, "unit": 40, "source": 1000, "note": 2000, "url": 2048}
"""Characters a text field may hold, by kind (docs/decisions.md says why each)."""

# The same rule as ``text_problem`` but for the length, as one regular expression that Pydantic
# checks in compiled code (a project of thousands of indicators has tens of thousands of text
# fields: a Python check for each cost more than reading the files). It holds no look-around, so
# that Rust's regex crate takes it, and is built from the finite automaton of the rule: text is
# runs of the characters that can start a workflow command (``:``, ``#``, ``[``) between other
# safe characters; a run must not hold ``::`` or ``##[``; and the first character that is not a
# space must exist. tests/test_text.py holds it equal to ``text_problem`` on every string of
# a set of awkward characters up to four long, and on random text.
_SPACE = r"[ \xa0\u1680\u2000-\u200a\u202f\u205f\u3000]"  # the safe ones of str.isspace
_OTHER = rf"[^:#\[\s{_UNSAFE_CLASS}]"  # neither a space nor one of ``:#[``
_BETWEEN = rf"[^:#\[{_UNSAFE_CLASS}]"  # any safe character but ``:#[``
_NO_DOUBLE_COLON = "(?:#|:#)*:?"  # ``:`` and ``#`` without ``::``
_NOT_AFTER_HASHES = "(?:(?:#|:#)*:#?|#)?"  # the same, not ending in ``##``
_RUN = rf"(?:{_NOT_AFTER_HASHES}\[)*{_NO_DOUBLE_COLON}"  # ``:#[`` without ``::`` or ``##[``
_FIRST_RUN = rf"(?:(?:{_NOT_AFTER_HASHES}\[)+{_NO_DOUBLE_COLON}|(?:#|:#)+:?|:)"  # not empty
SAFE_TEXT_PATTERN = f"^{_SPACE}*(?:{_OTHER}{_RUN}|{_FIRST_RUN})(?:{_BETWEEN}{_RUN})*$"
"""What a text field may hold but for its length: ``text_problem`` finds nothing in it."""


def inert(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every unsafe character written as a Python escape (``\\x1b``, ``\\u202e``),
    CR and LF kept with ``keep_lines``, and ``##[`` broken as ``##\\[``: safe to print on a
    terminal or in a CI log."""
    escape = _escape_but_lines if keep_lines else _escape
    return _UNSAFE.sub(escape, text).replace("##[", "##\\[")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape_but_lines(match: re.Match[str]) -> str:
    return match.group() if match.group() in "\r\n" else _escape(match)


def text_problem(text: str, kind: str) -> str | None:
    """Why ``text`` cannot be a text field of ``kind`` (a key of ``LIMITS``), in the current
    language; ``None`` when it can."""
    unsafe = _UNSAFE.search(text)
    if unsafe is not None:
        return _("holds a control character ({character}), which kpi does not keep").format(
            character=_escape(unsafe)
        )
    if not text.strip():
        return _("is blank")
    if any(marker in text for marker in _COMMAND_MARKERS):
        return _("holds '::' or '##' then '[', which CI logs run as a workflow command")
    if len(text) > LIMITS[kind]:
        return _("is longer than {limit} characters").format(limit=LIMITS[kind])
    return None
