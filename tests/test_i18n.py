"""Two languages through one catalogue: complete, consistent, and used by every human format."""

from __future__ import annotations

import gettext
import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from kpi.cli import app
from kpi.cli.language import choose_language
from kpi.i18n import LOCALE_DIR, format_number, set_language

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:[:!][^}]*)?\}")


def _messages_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MESSAGES = _messages_script()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "targets.toml", tmp_path / "targets.toml")
    shutil.copytree(ROOT / "observations", tmp_path / "observations")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_message_the_program_can_show_has_a_vietnamese_translation() -> None:
    catalogue = MESSAGES.load_catalogue()
    translated = {m.id: m.string for m in catalogue if m.id}
    shown = set(MESSAGES.all_messages())
    assert sorted(shown - set(translated)) == [], "run: python scripts/messages.py update"
    assert sorted(m for m in shown if not translated[m].strip()) == []


def test_the_catalogue_holds_no_message_the_program_no_longer_shows() -> None:
    catalogue = MESSAGES.load_catalogue()
    assert sorted({m.id for m in catalogue if m.id} - set(MESSAGES.all_messages())) == []


def test_each_translation_keeps_the_placeholders_of_its_message() -> None:
    for message in MESSAGES.load_catalogue():
        if message.id:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(message.id)
            ), message.id


def test_the_compiled_catalogue_matches_its_source() -> None:
    with (LOCALE_DIR / "vi" / "LC_MESSAGES" / "kpi.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in MESSAGES.load_catalogue():
        if message.id:
            assert compiled.gettext(message.id) == message.string, message.id


@pytest.mark.parametrize(
    ("value", "digits", "english", "vietnamese"),
    [
        (60.6, 2, "60.6", "60,6"),
        (1234.5, 2, "1,234.5", "1.234,5"),
        (-0.0001, 2, "0", "0"),
        (2.0813695, 4, "2.0814", "2,0814"),
    ],
)
def test_numbers_follow_the_language(
    value: float, digits: int, english: str, vietnamese: str
) -> None:
    assert format_number(value, digits) == english
    set_language("vi")
    assert format_number(value, digits) == vietnamese


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        set_language("fr")


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["status", "--lang", "vi"], {}, "vi"),
        (["--lang=vi", "status"], {"KPI_LANG": "en"}, "vi"),
        (["status"], {"KPI_LANG": "vi"}, "vi"),
        (["status"], {}, "en"),
        (["record", "--", "--lang", "vi"], {}, "en"),
        (["status", "--lang", "xx"], {}, "en"),
    ],
)
def test_the_language_is_read_before_the_command_line_is_parsed(
    argv: list[str], environ: dict[str, str], expected: str
) -> None:
    assert choose_language(argv, environ, lambda: None) == expected


def _translation(message: str) -> str:
    set_language("vi")
    from kpi.i18n import _

    translated = _(message)
    set_language("en")
    return translated


def test_status_table_reads_in_vietnamese_with_decimal_commas(project: Path) -> None:
    on_track, at_risk = _translation("on track"), _translation("at risk")
    code, out, err = run("--project", str(project), "status", "--as-of", "2026", "--lang", "vi")
    assert (code, err) == (0, "")
    assert on_track in out and at_risk in out
    assert "60,6" in out and "60.6" not in out
    assert "on track" not in out and "Target" not in out


def test_kpi_lang_environment_variable_chooses_the_language(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_LANG", "vi")
    code, out, _err = run("--project", str(project), "status", "--as-of", "2026")
    assert code == 0
    assert _translation("on track") in out


def test_json_is_the_same_in_both_languages_but_for_note_messages(project: Path) -> None:
    args = ("--project", str(project), "status", "--as-of", "2026", "--format", "json")
    _c, english, _e = run(*args)
    _c, vietnamese, _e = run(*args, "--lang", "vi")

    def without_messages(text: str) -> object:
        document = json.loads(text)
        for entry in document["targets"] + document["monitored"]:
            for note in entry["notes"]:
                note["message"] = ""
        return document

    assert without_messages(english) == without_messages(vietnamese)
    assert english != vietnamese  # the notes' messages follow --lang, as PRODUCT.md says


@pytest.mark.parametrize("fmt", ["csv"])
def test_machine_formats_do_not_change_with_the_language(project: Path, fmt: str) -> None:
    args = ("--project", str(project), "export", "--format", fmt)
    assert run(*args) == run(*args, "--lang", "vi")


def test_errors_are_in_vietnamese(project: Path) -> None:
    code, out, err = run("--project", str(project), "show", "nope", "--lang", "vi")
    assert code == 2 and out == ""
    unknown = _translation("unknown indicator {id} (known: {known})").split(" (")[0]
    assert unknown.format(id="'nope'") in err
    assert "Traceback" not in err


def test_help_is_in_vietnamese(project: Path) -> None:
    english_help = "One row per target: latest value, goal, gap, required pace, trend,"
    code, out, _err = run("status", "--lang", "vi", "--help")
    assert code == 0
    assert english_help not in out
    assert _translation("Language for people: en or vi (default: $KPI_LANG, else the system's "
                        "language, else en). Example: --lang vi")[:20] in out  # fmt: skip


def test_an_unknown_language_on_the_command_line_is_a_usage_error(project: Path) -> None:
    code, out, err = run("--project", str(project), "status", "--lang", "fr")
    assert code == 2 and out == ""
    assert "--lang" in err


# The words a planning office uses (issue 13, item 10): the project is a set of targets, a
# passed check is "đạt", an unchanged observation is always "giữ nguyên".
PLANNING_TERMS = {
    "dự án": "a project is a 'bộ chỉ tiêu' (a set of targets), not an investment project",
    "thông qua": "a passed check is 'đạt'",
    "không thay đổi:": "an unchanged observation is 'giữ nguyên'",
    "độ dốc": "a slope reads as 'mức thay đổi mỗi năm'",
}


@pytest.mark.parametrize(("word", "why"), PLANNING_TERMS.items())
def test_vietnamese_uses_the_planning_offices_words(word: str, why: str) -> None:
    used = [m.id for m in MESSAGES.load_catalogue() if m.id and word in str(m.string).lower()]
    assert used == [], why


def test_no_english_is_left_in_a_vietnamese_validation_message(tmp_path: Path) -> None:
    shutil.copy(ROOT / "targets.toml", tmp_path / "targets.toml")
    text = (tmp_path / "targets.toml").read_text(encoding="utf-8")
    (tmp_path / "targets.toml").write_text(text.replace('">="', '"=>"', 1), encoding="utf-8")
    code, stdout, stderr = run("--project", str(tmp_path), "--lang", "vi", "validate")
    assert code == 2 and stdout == ""
    assert "'>=', '>', '<=' hoặc '<'" in stderr
    assert " or " not in stderr
