"""Find the line of a key in TOML text, so that every error can name file, line and key.

``tomllib`` parses without positions; this module scans the text once for table headers and
``key =`` lines and maps each key path (as Pydantic reports it) to its 1-based line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

KeyPath = tuple[str | int, ...]

_KEY = re.compile(
    r"""\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _PART.findall(text))


class LineIndex:
    """Key paths of one TOML document mapped to the line where each is written."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._implied: dict[KeyPath, int] = {}  # tables only a deeper header defines
        array_index: dict[KeyPath, int] = {}
        current: KeyPath = ()
        in_multiline: str | None = None
        # TOML ends a line with LF or CRLF only: str.splitlines would also break at U+2028, form
        # feeds and other characters a string may hold, and shift every later line number.
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip()
            if in_multiline is not None:
                if raw.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            if not line or line.startswith("#"):
                continue
            if line.startswith("[["):
                resolved = self._resolve(_dotted(line[2 : line.find("]]")]), array_index)
                array_index[resolved] = array_index.get(resolved, -1) + 1
                current = (*resolved, array_index[resolved])
                self._lines.setdefault(current, number)
                self._lines.setdefault(resolved, number)
                self._imply(resolved, number)
            elif line.startswith("["):
                current = self._resolve(_dotted(line[1 : line.find("]")]), array_index)
                self._lines.setdefault(current, number)
                self._imply(current, number)
            elif match := _KEY.match(line):
                path = (*current, *_dotted(match.group(1)))
                self._lines.setdefault(path, number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_multiline = quote

    def _imply(self, header: KeyPath, number: int) -> None:
        for end in range(1, len(header)):
            self._implied.setdefault(header[:end], number)

    @staticmethod
    def _resolve(name: tuple[str, ...], array_index: dict[KeyPath, int]) -> KeyPath:
        """Insert the current index after every prefix of ``name`` that is an array of tables."""
        resolved: KeyPath = ()
        for position, part in enumerate(name):
            resolved = (*resolved, part)
            if position < len(name) - 1 and resolved in array_index:
                resolved = (*resolved, array_index[resolved])
        return resolved

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Return the line of ``path`` or of its nearest written ancestor, a table that only a
        deeper header defines counting as written there (``None``: neither)."""
        key = tuple(path)
        while key:
            line = self._lines.get(key, self._implied.get(key))
            if line is not None:
                return line
            key = key[:-1]
        return None


def dotted_key(path: Sequence[str | int]) -> str:
    """Render a key path the way a user writes it: ``indicators.x.targets[0].value``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
