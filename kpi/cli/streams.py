"""Standard output and error that never fail on a character, whatever the locale or code page.

Files and pipes get UTF-8, the same on a Vietnamese Windows (code page 1258), an English one
(1252) or Linux. A terminal keeps its encoding; what it cannot show is written as close as it can
(``fallback``), never as a ``UnicodeEncodeError``.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import sys
from collections.abc import Iterator
from typing import Any

FALLBACK_ERRORS = "kpi-fallback"  # the prefix of the codec error handlers of ``error_handler``

# Letters that do not decompose into a plain letter and accents, and the symbols kpi draws with
# (the plot's glyphs stay distinct from each other and from its axes).
_PLAIN = {
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "–": "-", "—": "-", "−": "-", "‐": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
    "≥": ">=", "≤": "<=", "≠": "!=", "→": "->", "←": "<-", "∞": "inf",
    "●": "@", "○": "o", "×": "x", "·": ".", "•": "=", "★": "#", "┆": ":",
    "─": "-", "│": "|", "┤": "|", "┬": "+", "└": "+",
    "▁": "_", "▂": "_", "▃": ".", "▄": "-", "▅": "-", "▆": "=", "▇": "=", "█": "#", "\u2800": " ",
}  # fmt: skip
# The plot's observed line is Braille (two dots a cell across, four down): dots look like ``*``.
_PLAIN |= {chr(code): "*" for code in range(0x2801, 0x2900)}


def _spellings(character: str) -> Iterator[str]:
    """``character`` written with its accents in every way Unicode allows, best first: with all
    of its accents (the most of them precomposed first), then with fewer, then with none."""
    import unicodedata  # only once a character did not fit

    decomposed = unicodedata.normalize("NFD", character)
    base, marks = decomposed[:1], decomposed[1:]
    for keep_all in (True, False):
        for size in range(len(marks), -1, -1):
            for chosen in itertools.combinations(range(len(marks)), size):
                head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in chosen))
                rest = "".join(mark for i, mark in enumerate(marks) if i not in chosen)
                yield head + rest if keep_all else head
    compatible = unicodedata.normalize("NFKD", character)  # ² → 2, ﬁ → fi
    yield "".join(c for c in compatible if not unicodedata.combining(c))


def fallback(character: str, encoding: str) -> str:
    """What to write for ``character`` where ``encoding`` cannot (encodable whenever ``?`` is):
    its closest spelling there (``ế`` is ``ê`` + U+0301 in cp1258, ``ê`` in cp1252, ``e`` in
    ASCII; ``đ`` is ``d``), else an ASCII look-alike of a symbol (``–``: ``-``), else ``?``."""
    for candidate in filter(None, (*_spellings(character), _PLAIN.get(character, ""))):
        with contextlib.suppress(UnicodeError, LookupError):  # not encodable there
            candidate.encode(encoding)
            return candidate
    return "?"


def error_handler(encoding: str) -> str:
    """The name of a codec error handler (registered on first use) writing ``fallback(c, encoding)``
    for each character ``encoding`` cannot encode. One per encoding: a charmap code page such as
    cp1258 reports its errors as the ``charmap`` codec's, which do not name it."""
    canonical = codecs.lookup(encoding).name
    name = f"{FALLBACK_ERRORS}-{canonical}"
    try:
        codecs.lookup_error(name)
    except LookupError:

        def handler(error: UnicodeError) -> tuple[str, int]:
            if not isinstance(error, UnicodeEncodeError):
                raise error
            unencodable = error.object[error.start : error.end]
            return "".join(fallback(c, canonical) for c in unencodable), error.end

        codecs.register_error(name, handler)
    return name


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def configure_streams() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` safe for any text (UTF-8 on a file or a pipe, else the
    terminal's encoding, with its ``error_handler``), before anything is written. A stream without
    ``reconfigure`` (replaced by a test, ``None`` under ``pythonw``) is left as it is."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if not callable(reconfigure):
            continue
        with contextlib.suppress(LookupError, OSError, ValueError):  # closed, unknown encoding
            if _is_terminal(stream):
                reconfigure(errors=error_handler(stream.encoding))
            else:
                reconfigure(encoding="utf-8", errors=error_handler("utf-8"))
