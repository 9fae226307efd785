"""The errors a user can meet. The core raises them; the CLI prints them and exits with code 2."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with the user's input and where: ``file`` (relative to the project when
    possible), 1-based ``line`` (``None``: unknown) and dotted ``key`` (``indicators.x.unit``)."""

    message: str
    file: Path | None = None
    line: int | None = None
    key: str | None = None

    def where(self) -> str:
        """Return ``file:line: key`` (the parts that are known), or an empty string."""
        parts = []
        if self.file is not None:
            parts.append(str(self.file) if self.line is None else f"{self.file}:{self.line}")
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class KpiError(Exception):
    """A user error (bad input, bad data, or a request the tool refuses; never a bug): one or more
    ``Problem`` and an optional ``hint`` saying what to do about it."""

    def __init__(self, problems: Problem | Iterable[Problem], hint: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        self.hint = hint
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(
    message: str,
    *,
    file: Path | None = None,
    line: int | None = None,
    key: str | None = None,
    hint: str | None = None,
) -> KpiError:
    """Build a ``KpiError`` with a single problem (``raise fail(...)``)."""
    return KpiError(Problem(message, file, line, key), hint)


class Terminated(KeyboardInterrupt):
    """SIGTERM, which kpi turns into an exception so that it stops as cleanly as on Ctrl-C."""

    signal = 15
