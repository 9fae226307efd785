"""Shared test set-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kpi.i18n import set_language

# Where kpi reads the language people want (kpi.cli.language): a developer's own settings would
# turn the tests that expect English into Vietnamese ones.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "KPI_LANG")


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """``--lang vi`` in an in-process run changes the process's language: undo it."""
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def no_language_from_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    """No language from the environment or, on Windows, the display language: a test that
    wants one sets it."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("kpi.cli.language.windows_display_language", lambda: None)


@pytest.fixture(autouse=True, scope="session")
def observation_cache_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """kpi's cache of observation files (``kpi.cache``) on, also where ``CI`` is set, so that
    every test reading a project twice reads it from the cache the second time; kept in a folder
    of the test session's, never in the developer's own cache folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KPI_CACHE", "on")
        patch.setenv("KPI_CACHE_DIR", str(tmp_path_factory.mktemp("kpi-cache")))
        yield
