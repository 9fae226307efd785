"""The language people set: ``--lang`` before or after the command, ``KPI_LANG`` as any locale
name, else the locale variables as gettext reads them, else the Windows display language.

tests/conftest.py clears every one of these for each test; a test sets the ones it is about.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from kpi.cli import app
from kpi.cli.language import (
    choose_language,
    language_of,
    system_language,
    windows_display_language,
)
from kpi.i18n import DOMAIN, LOCALE_DIR, language

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"
KPI = [sys.executable, "-c", "from kpi.cli import main; main()"]
VIETNAMESE_LANGID = 0x042A  # what GetUserDefaultUILanguage returns on a Vietnamese Windows
ENGLISH_US_LANGID = 0x0409


def vietnamese(message: str) -> str:
    import gettext

    return gettext.translation(DOMAIN, LOCALE_DIR, languages=["vi"]).gettext(message)


ON_TRACK_VI = vietnamese("on track")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TEMPLATE, tmp_path / "project"))


def no_windows() -> str | None:
    return None


# -- locale names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vi", "vi"),
        ("vi_VN", "vi"),
        ("vi_VN.UTF-8", "vi"),
        ("vi_VN.utf8", "vi"),
        ("vi-VN", "vi"),
        ("VI_vn", "vi"),
        ("vi_VN@euro", "vi"),
        (" vi_VN.UTF-8 ", "vi"),
        ("Vietnamese_Vietnam.1258", "vi"),  # how Windows spells a locale
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("en_GB", "en"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("fr", None),
        ("fr_FR.UTF-8", None),
        ("de_DE.UTF-8", None),
        ("", None),
        ("vie", None),
        ("v", None),
        ("??garbage!!", None),
        ("_VN", None),
    ],
)
def test_a_locale_name_means_its_language(name: str, expected: str | None) -> None:
    assert language_of(name) == expected


# -- the order of the settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environ", "windows", "expected"),
    [
        # --lang wins over everything; the last one given wins; an unknown one is ignored here
        # (the parser refuses it, in the language the rest chooses).
        (["status", "--lang", "vi"], {"KPI_LANG": "en", "LANG": "en_US"}, None, "vi"),
        (["--lang", "vi", "status", "--lang", "en"], {}, None, "en"),
        (["--lang=vi", "status"], {}, None, "vi"),
        (["status", "--lang", "xx"], {"KPI_LANG": "vi"}, None, "vi"),
        (["record", "x", "2025", "--", "--lang", "vi"], {}, None, "en"),
        # KPI_LANG: any locale name; an unknown one is English, not the locale's language.
        (["status"], {"KPI_LANG": "vi_VN"}, None, "vi"),
        (["status"], {"KPI_LANG": "vi_VN.UTF-8"}, None, "vi"),
        (["status"], {"KPI_LANG": "fr"}, None, "en"),
        (["status"], {"KPI_LANG": "fr", "LANG": "vi_VN.UTF-8"}, None, "en"),
        (["status"], {"KPI_LANG": "", "LANG": "vi_VN.UTF-8"}, None, "vi"),
        (["status"], {"KPI_LANG": "en", "LANG": "vi_VN.UTF-8"}, "vi_VN", "en"),
        # The locale variables, in gettext's order: the first set and not empty decides.
        (["status"], {"LANG": "vi_VN.UTF-8"}, None, "vi"),
        (["status"], {"LC_MESSAGES": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, None, "vi"),
        (["status"], {"LC_ALL": "vi_VN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, None, "vi"),
        (["status"], {"LC_ALL": "C", "LANG": "vi_VN.UTF-8"}, None, "en"),
        (["status"], {"LC_ALL": "POSIX", "LANG": "vi_VN.UTF-8"}, None, "en"),
        (["status"], {"LANGUAGE": "vi", "LC_ALL": "en_US.UTF-8"}, None, "vi"),
        (["status"], {"LANGUAGE": "", "LC_ALL": "vi_VN.UTF-8"}, None, "vi"),
        (["status"], {"LANG": "de_DE.UTF-8"}, "vi_VN", "en"),  # set: Windows is not asked
        (["status"], {"LANG": "garbage"}, None, "en"),
        # LANGUAGE is a list of preferences: the first kpi has; C ends the list.
        (["status"], {"LANGUAGE": "fr:vi:en"}, None, "vi"),
        (["status"], {"LANGUAGE": "de:fr", "LANG": "vi_VN.UTF-8"}, None, "en"),
        (["status"], {"LANGUAGE": "en_GB:vi"}, None, "en"),
        (["status"], {"LANGUAGE": "fr:C:vi"}, None, "en"),
        # Nothing set: the Windows display language, else English.
        (["status"], {}, "vi_VN", "vi"),
        (["status"], {}, "en_US", "en"),
        (["status"], {}, "ja_JP", "en"),
        (["status"], {}, None, "en"),
    ],
)
def test_the_language_comes_from_the_first_setting_that_names_one(
    argv: list[str], environ: dict[str, str], windows: str | None, expected: str
) -> None:
    assert choose_language(argv, environ, lambda: windows) == expected


def test_windows_is_asked_only_when_no_locale_variable_is_set() -> None:
    asked: list[bool] = []

    def windows() -> str | None:
        asked.append(True)
        return "vi_VN"

    assert system_language({"LANG": "en_US.UTF-8"}, windows) == "en"
    assert asked == []
    assert system_language({}, windows) == "vi"
    assert asked == [True]


# -- the Windows display language ----------------------------------------------------------------


def fake_windll(result: Any) -> SimpleNamespace:
    """A stand-in for ``ctypes.windll`` whose ``GetUserDefaultUILanguage`` returns ``result``
    (or raises it, when it is an exception)."""

    def get_user_default_ui_language() -> int:
        if isinstance(result, BaseException):
            raise result
        return int(result)

    return SimpleNamespace(
        kernel32=SimpleNamespace(GetUserDefaultUILanguage=get_user_default_ui_language)
    )


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (VIETNAMESE_LANGID, "vi_VN"),
        (ENGLISH_US_LANGID, "en_US"),
        (0x7FFF, None),  # an identifier Python's table does not know
        (OSError("no such function"), None),
    ],
)
def test_the_windows_display_language_is_read_from_the_user_interface_language(
    monkeypatch: pytest.MonkeyPatch, result: Any, expected: str | None
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", fake_windll(result), raising=False)
    assert windows_display_language() == expected


def test_windows_is_not_asked_on_other_systems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "windll", fake_windll(AssertionError("asked")), raising=False)
    assert windows_display_language() is None


# -- end to end ------------------------------------------------------------------------------------


def run_kpi(project: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    dropped = ("KPI_PROJECT", "KPI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [*KPI, *args],
        cwd=project,
        env={**env, "COLUMNS": "200", **environ},
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "environ",
    [{"KPI_LANG": "vi_VN.UTF-8"}, {"KPI_LANG": "vi_VN"}, {"LANG": "vi_VN.UTF-8"}],
    ids=["KPI_LANG=vi_VN.UTF-8", "KPI_LANG=vi_VN", "LANG=vi_VN.UTF-8"],
)
def test_a_vietnamese_setting_gives_vietnamese_output(
    project: Path, environ: dict[str, str]
) -> None:
    done = run_kpi(project, "status", "--as-of", "2026", **environ)

    assert done.returncode == 0
    assert done.stderr == ""
    assert ON_TRACK_VI in done.stdout
    assert "on track" not in done.stdout


def test_an_unknown_kpi_lang_is_english_without_an_error(project: Path) -> None:
    done = run_kpi(project, "status", "--as-of", "2026", KPI_LANG="fr")

    assert done.returncode == 0
    assert done.stderr == ""
    assert "on track" in done.stdout


def test_a_vietnamese_locale_gives_vietnamese_help_and_usage_errors(project: Path) -> None:
    helped = run_kpi(project, "status", "--help", LANG="vi_VN.UTF-8")
    refused = run_kpi(project, "status", "--lang", "fr", LANG="vi_VN.UTF-8")

    assert (helped.returncode, helped.stderr) == (0, "")
    assert vietnamese("Language for people: en or vi (default: $KPI_LANG, else the system's "
                      "language, else en). Example: --lang vi")[:20] in helped.stdout  # fmt: skip
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "'fr'" in refused.stderr
    assert "Traceback" not in refused.stderr


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def test_the_windows_display_language_chooses_vietnamese(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a Vietnamese Windows, where no locale variable is set (injected: there is no Windows
    here)."""
    monkeypatch.setattr("kpi.cli.language.windows_display_language", lambda: "vi_VN")

    result = invoke("--project", str(project), "status", "--as-of", "2026")

    assert (result.exit_code, result.stderr) == (0, "")
    assert ON_TRACK_VI in result.stdout
    assert language() == "vi"


def test_an_explicit_lang_beats_the_windows_display_language(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kpi.cli.language.windows_display_language", lambda: "vi_VN")

    result = invoke("--project", str(project), "status", "--as-of", "2026", "--lang", "en")

    assert (result.exit_code, result.stderr) == (0, "")
    assert "on track" in result.stdout


@pytest.mark.parametrize(
    "placement",
    [
        ["--lang", "vi", "status", "--as-of", "2026"],
        ["status", "--as-of", "2026", "--lang", "vi"],
        ["--lang=vi", "status", "--as-of", "2026"],
        ["status", "--lang=vi", "--as-of", "2026"],
        ["--lang", "en", "status", "--as-of", "2026", "--lang", "vi"],  # after the command wins
    ],
)
def test_lang_works_before_and_after_the_command(project: Path, placement: list[str]) -> None:
    result = invoke("--project", str(project), *placement)

    assert (result.exit_code, result.stderr) == (0, "")
    assert ON_TRACK_VI in result.stdout


@pytest.mark.parametrize(
    "placement", [["--lang", "xx", "status"], ["status", "--lang", "xx"]], ids=["before", "after"]
)
def test_an_unknown_lang_on_the_command_line_is_a_usage_error(
    project: Path, placement: list[str]
) -> None:
    result = invoke("--project", str(project), *placement)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--lang'" in result.stderr
    assert "Traceback" not in result.stderr
