"""Shared test set-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kpi.i18n import set_language


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """``--lang vi`` in an in-process run changes the process's language: undo it."""
    yield
    set_language("en")
