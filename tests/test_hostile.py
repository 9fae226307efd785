"""Hostile data from contributors: text that would act, numbers that would mislead, files that
are not files, outputs aimed at the data.

Every case here is an attack that once worked (issue 10). The rule each test holds: text from a
data file is inert in every output (no control character, no workflow command but kpi's own, no
Markdown or HTML that renders), ``validate`` refuses what the rest could not handle, with the
file, line and key, exit code 2, no traceback and no file changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import kpi
from kpi.lock import LOCK_FILE
from kpi.template import create_project

CHECKOUT = Path(kpi.__file__).resolve().parent.parent
KPI = [sys.executable, "-c", "from kpi.cli import main; main()"]

# Control characters a terminal or a CI log acts on: C0 (newline included), DEL, C1, bidi.
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# kpi's own workflow commands: an annotation whose title starts with "kpi: ".
OWN_COMMAND = re.compile(r"::(error|warning|notice) [^:]*title=kpi%3A [^:]*::")

PAYLOADS = {
    "newline-error": "x\n::error file=README.md,line=1::forged",
    "add-mask": "x\n::add-mask::secret",
    "stop-commands": "x\r\n::stop-commands::token\n",
    "legacy-command": "x ##[error]forged",
    "osc52": "x\x1b]52;c;ZXZpbA==\x07",
    "csi": "x\x1b[2J\x1b[31mred",
    "bidi": "x\u202eevil\u202c",
    "c1": "x\x9b31m",
}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text)


def digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(LOCK_FILE)
    }


def project(tmp_path: Path, **text: str) -> Path:
    """A small valid project; ``text`` replaces any of its text fields (TOML-escaped)."""
    fields = {
        "project": "City 2030",
        "name": "Manufacturing share",
        "unit": "%",
        "target": "Manufacturing at 55 %",
        "target_source": "Resolution 57",
        "source": "Statistical yearbook",
        "note": "preliminary",
        "url": "https://example.org/yearbook",
    } | text
    s = {key: toml_string(value) for key, value in fields.items()}
    root = tmp_path / "city"
    create_project(root, blank=True)
    (root / "targets.toml").write_text(
        f"[project]\nname = {s['project']}\n\n"
        f'[indicators.share]\nname = {s["name"]}\nkind = "level"\nunit = {s["unit"]}\n\n'
        f'[[indicators.share.targets]]\nid = "share_55"\nname = {s["target"]}\n'
        f'comparator = ">="\nvalue = 55\nyear = 2030\nsource = {s["target_source"]}\n',
        encoding="utf-8",
    )
    (root / "observations" / "share.toml").write_text(
        f"[[observations]]\nyear = 2020\nvalue = 38.5\nsource = {s['source']}\n"
        f"note = {s['note']}\nurl = {s['url']}\n\n"
        f'[[observations]]\nyear = 2024\nvalue = 41.25\nsource = "Yearbook 2024"\n',
        encoding="utf-8",
    )
    return root


def run(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_", "GITHUB_"))}
    environment["PYTHONPATH"] = str(CHECKOUT)
    return subprocess.run(
        [*KPI, "--project", str(root), *args],
        env=environment | (env or {}),
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def assert_inert(*outputs: bytes | str) -> None:
    """No raw control character and no workflow command but kpi's own in any of ``outputs``."""
    for output in outputs:
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
        assert not RAW_CONTROL.search(text), repr(RAW_CONTROL.search(text))
        assert "##[" not in text, text
        for line in text.splitlines():
            if line.lstrip().startswith("::"):
                assert OWN_COMMAND.match(line.lstrip()), line


# -- 1. text from data is inert ------------------------------------------------------------

TEXT_FIELDS = ["project", "name", "unit", "target", "target_source", "source", "note", "url"]


# Every payload in one field, and each payload in a field of each file: 24 real processes.
CASES = [(field, "all") for field in TEXT_FIELDS] + [
    (field, payload) for payload in PAYLOADS for field in ("name", "source")
]


@pytest.mark.parametrize(("field", "payload"), CASES)
def test_hostile_text_is_refused_and_never_acts(tmp_path: Path, field: str, payload: str) -> None:
    text = " ".join(PAYLOADS.values()) if payload == "all" else PAYLOADS[payload]
    root = project(tmp_path, **{field: text})
    before = digests(root)
    summary = tmp_path / "summary.md"
    checked = run(root, "validate")
    gated = run(
        root,
        "check",
        "--format",
        "github",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert checked.returncode == 2, checked.stderr
    assert gated.returncode == 2, gated.stderr
    assert checked.stdout == b""
    message = checked.stderr.decode()
    file = "observations/share.toml" if field in ("source", "note", "url") else "targets.toml"
    assert re.search(rf"{re.escape(file)}:\d+: ", message), message
    assert "Traceback" not in message + gated.stderr.decode()
    summary_text = summary.read_text("utf-8") if summary.exists() else ""
    assert_inert(checked.stdout, checked.stderr, gated.stdout, gated.stderr, summary_text)
    assert digests(root) == before


def test_markup_and_emoji_codes_in_valid_text_are_shown_as_written(tmp_path: Path) -> None:
    """Text a file may hold (it is not refused) that Rich would act on as markup or as an emoji
    code appears as written in the tables Rich draws: the status (project, target) and an
    indicator's page (its name)."""
    words = {
        "project": "City :warning: [bold]2030[/bold]",
        "name": "Share :smile: [red]x[/red]",
        "target": "Target :thumbs_up: [link=https://evil.example]y[/link]",
    }
    root = project(tmp_path, **words)
    for args, fields in ((("status",), ("project", "target")), (("show", "share"), ("name",))):
        done = run(root, *args, "--as-of", "2026", env={"COLUMNS": "200"})
        assert done.returncode == 0, done.stderr
        shown = done.stdout.decode("utf-8")
        for field in fields:
            assert words[field] in shown, (args, words[field], shown)
        assert not {"\u26a0", "\U0001f604", "\U0001f44d"} & set(shown), (args, shown)


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_a_hostile_key_never_acts(tmp_path: Path, payload: str) -> None:
    root = project(tmp_path)
    with (root / "targets.toml").open("a", encoding="utf-8") as targets:
        targets.write(f"\n[indicators.extra]\n{toml_string(PAYLOADS[payload])} = 1\n")
    checked = run(root, "validate")
    gated = run(root, "check", "--format", "github", env={"GITHUB_ACTIONS": "true"})
    assert checked.returncode == gated.returncode == 2
    assert b"targets.toml:" in checked.stderr
    assert_inert(checked.stdout, checked.stderr, gated.stdout, gated.stderr)


@pytest.mark.parametrize("payload", ["newline-error", "add-mask", "osc52", "bidi"])
def test_a_hostile_file_name_never_acts(tmp_path: Path, payload: str) -> None:
    root = project(tmp_path)
    name = PAYLOADS[payload].replace("\x00", "") + ".toml"
    try:
        (root / "observations" / name).write_text("", encoding="utf-8")
    except OSError:  # pragma: no cover - a name the file system refuses cannot attack
        pytest.skip("the file system refuses this name")
    checked = run(root, "validate")
    gated = run(root, "check", "--format", "github", env={"GITHUB_ACTIONS": "true"})
    assert checked.returncode == gated.returncode == 2
    assert b"observations/" in checked.stderr
    assert_inert(checked.stdout, checked.stderr, gated.stdout, gated.stderr)


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("source", "   ", "blank"),
        ("note", "   ", "blank"),
        ("name", "a::b", "workflow command"),
        ("name", "x" * 301, "longer than 300"),
        ("unit", "u" * 41, "longer than 40"),
        ("source", "s" * 1001, "longer than 1000"),
        ("url", "https://e.org/" + "u" * 2048, "longer than 2048"),
    ],
)
def test_text_fields_refuse_blank_overlong_and_command_text(
    tmp_path: Path, field: str, text: str, words: str
) -> None:
    root = project(tmp_path, **{field: text})
    checked = run(root, "validate")
    assert checked.returncode == 2
    assert words in checked.stderr.decode(), checked.stderr


def test_record_refuses_control_characters_and_blank_sources(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = digests(root)
    for source in ("a\nb", "   ", "x\x1b[31m"):
        recorded = run(root, "record", "share", "2025", "42", "--source", source)
        assert recorded.returncode == 2, source
        assert_inert(recorded.stdout, recorded.stderr)
    assert digests(root) == before


def test_valid_vietnamese_text_passes(tmp_path: Path) -> None:
    root = project(tmp_path, name="Tỷ trọng công nghiệp chế biến, chế tạo — 55 %", unit="%")
    assert run(root, "validate").returncode == 0


# -- 5. one strict number rule ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["44_4", "٤٤", "4\u00a04", "1e19", "-1e19", "1e400", "0x10"])
def test_record_refuses_what_is_not_a_plain_finite_number(tmp_path: Path, value: str) -> None:
    root = project(tmp_path)
    before = digests(root)
    recorded = run(root, "record", "share", "2025", "--source", "s", "--", value)
    assert recorded.returncode == 2, recorded.stderr
    assert b"Traceback" not in recorded.stderr
    assert digests(root) == before


@pytest.mark.parametrize("year", ["2_026", "2026.0", "٢٠٢٦", "+2026", "9" * 5000])
def test_record_refuses_what_is_not_a_plain_year(tmp_path: Path, year: str) -> None:
    root = project(tmp_path)
    before = digests(root)
    recorded = run(root, "record", "share", year, "42", "--source", "s")
    assert recorded.returncode == 2, recorded.stderr
    assert b"Traceback" not in recorded.stderr
    assert digests(root) == before


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("value = 44_4", "value"), ("year = 2_024", "year"), ("value = 1e19", "value"),
        ("value = 4_1.2_5", "value"), ("year = 0x7e8", "year"), ("year = 0o3750", "year"),
        ("year = 0b11111101000", "year"),
    ],
)  # fmt: skip
def test_observation_files_follow_the_same_number_rule(tmp_path: Path, line: str, key: str) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    original = "year = 2024" if key == "year" else "value = 41.25"
    file.write_text(file.read_text("utf-8").replace(original, line), encoding="utf-8")
    number = file.read_text("utf-8").split("\n").index(line) + 1
    checked = run(root, "validate")
    assert checked.returncode == 2
    assert f"observations/share.toml:{number}: observations[1].{key}: " in checked.stderr.decode()


def test_a_digit_separator_is_found_beside_a_series_break(tmp_path: Path) -> None:
    """``series_break`` has an underscore too: the separator of ``4_1.25`` is still refused."""
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    text = file.read_text("utf-8").replace("value = 41.25", "value = 4_1.25\nseries_break = true")
    file.write_text(text, encoding="utf-8")
    number = text.split("\n").index("value = 4_1.25") + 1
    checked = run(root, "validate")
    assert checked.returncode == 2
    assert f"observations/share.toml:{number}: observations[1].value: " in checked.stderr.decode()


@pytest.mark.parametrize(
    "row",
    ["share,2_025,42,s", "share,٢٠٢٥,42,s", "share,2025,44_4,s", "share," + "9" * 5000 + ",1,s"],
)
def test_import_refuses_the_same_numbers_with_their_line(tmp_path: Path, row: str) -> None:
    root = project(tmp_path)
    table = tmp_path / "in.csv"
    table.write_text(f"indicator,year,value,source\n{row}\n", encoding="utf-8")
    imported = run(root, "import", str(table))
    assert imported.returncode == 2, imported.stderr
    assert b"in.csv:2: " in imported.stderr
    assert b"Traceback" not in imported.stderr


def test_a_json_import_with_a_huge_number_is_a_located_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    table = tmp_path / "in.json"
    table.write_text(
        '[{"indicator": "share", "year": ' + "9" * 5000 + ', "value": 1, "source": "s"}]',
        encoding="utf-8",
    )
    imported = run(root, "import", str(table))
    assert imported.returncode == 2
    assert b"in.json:1: " in imported.stderr
    assert b"Traceback" not in imported.stderr


@pytest.mark.parametrize("command", [["show", "share"], ["status"], ["check"]])
def test_values_at_the_magnitude_limit_are_assessed_without_a_crash(
    tmp_path: Path, command: list[str]
) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    text = file.read_text("utf-8").replace("value = 38.5", "value = -1e18")
    file.write_text(text.replace("value = 41.25", "value = 1e18"), encoding="utf-8")
    result = run(root, *command, "--as-of", "2026")
    assert result.returncode in (0, 1), result.stderr
    assert b"Traceback" not in result.stderr


def test_charts_and_reports_at_the_magnitude_limit(tmp_path: Path) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    text = file.read_text("utf-8").replace("value = 38.5", "value = 1e-300")
    file.write_text(text.replace("value = 41.25", "value = 1e18"), encoding="utf-8")
    chart = run(root, "chart", "share", "--as-of", "2026", "--output", str(tmp_path / "c.svg"))
    report = run(root, "report", "--as-of", "2026", "--output", str(tmp_path / "r.html"))
    assert chart.returncode == 0, chart.stderr
    assert report.returncode == 0, report.stderr
    # The SVG writer holds what it draws within its limits: no coordinate is inf or nan, and
    # the value axis writes 1e18 with a power of ten, not as a number of 19 digits.
    svg = (tmp_path / "c.svg").read_text(encoding="utf-8")
    assert re.search(r'(?:d|x|y|cx|cy)="[^"]*(?:inf|nan)', svg) is None
    assert "1e+18" in svg or "1e+300" in svg


def test_chart_text_is_never_parsed_as_math(tmp_path: Path) -> None:
    root = project(tmp_path, name=r"US$ a VND$ and $\alpha$", unit="US$")
    output = tmp_path / "c.svg"
    chart = run(root, "chart", "share", "--as-of", "2026", "--output", str(output))
    assert chart.returncode == 0, chart.stderr
    svg = output.read_text("utf-8")
    # Charts keep their text as text: mathtext would have split it and drawn the alpha.
    assert r"US$ a VND$ and $\alpha$" in svg
    assert "α" not in svg


def test_a_long_name_does_not_make_a_report_slow_it_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, name="x" * 1_000_000)
    report = run(root, "report", "--output", str(tmp_path / "r.html"), timeout=30)
    assert report.returncode == 2
    assert b"longer than 300" in report.stderr


# -- 4. every file is a regular file of bounded size -----------------------------------------


def test_a_fifo_named_like_an_indicator_is_refused_without_hanging(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "observations" / "share.toml").unlink()
    os.mkfifo(root / "observations" / "share.toml")
    for command in (["validate"], ["status"], ["check"]):
        result = run(root, *command, timeout=20)
        assert result.returncode == 2
        assert b"observations/share.toml" in result.stderr
        assert b"not a regular file" in result.stderr


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "observations" / "share.toml").unlink()
    (root / "observations" / "share.toml").symlink_to("/dev/zero")
    result = run(root, "validate", timeout=20)
    assert result.returncode == 2
    assert b"observations/share.toml" in result.stderr


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "observations" / "share.toml").unlink()
    (root / "observations" / "share.toml").symlink_to("share.toml")
    commands = (
        ["validate"],
        ["check"],
        ["check", "--format", "github"],
        ["record", "share", "2025", "1", "--source", "s"],
    )
    for command in commands:
        result = run(root, *command)
        assert result.returncode == 2, command
        assert b"observations/share.toml" in result.stderr
        assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["loop", "file"])
def test_an_observations_folder_that_is_not_a_folder_is_refused(tmp_path: Path, kind: str) -> None:
    root = project(tmp_path)
    folder = root / "observations"
    (folder / "share.toml").unlink()
    folder.rmdir()
    if kind == "loop":
        folder.symlink_to("observations")
    else:
        folder.write_text("", encoding="utf-8")
    for command in ("validate", "check"):
        result = run(root, command)
        assert result.returncode == 2, (command, result.stdout)
        assert b"observations" in result.stderr


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    with file.open("a", encoding="utf-8") as handle:
        handle.write("# " + "x" * (17 * 1024 * 1024) + "\n")
    result = run(root, "validate")
    assert result.returncode == 2
    assert b"observations/share.toml" in result.stderr
    assert b"MiB" in result.stderr


# -- 6. outputs never overwrite the data -----------------------------------------------------


DATA_PATHS = ["targets.toml", "observations/share.toml", "observations/new.csv", ".kpi.lock"]


@pytest.mark.parametrize(
    ("command", "target"),
    [(["export"], path) for path in DATA_PATHS]
    + [(["report"], path) for path in DATA_PATHS]
    + [(["chart", "share"], "observations/share.svg"), (["chart", "share"], "observations/a.png")],
)
def test_an_output_onto_the_data_is_refused(
    tmp_path: Path, command: list[str], target: str
) -> None:
    root = project(tmp_path)
    before = digests(root)
    result = run(root, *command, "--output", str(root / target))
    assert result.returncode == 2, result.stderr
    assert b"project's data" in result.stderr
    assert digests(root) == before


@pytest.mark.parametrize("name", ["a\\b", 'quote"d', "new\nline"])
def test_init_writes_any_folder_name_as_valid_toml(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    result = subprocess.run(
        [*KPI, "init", str(folder), "--blank"],
        env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
        capture_output=True,
        check=False,
    )
    if result.returncode == 0:
        document = tomllib.loads((folder / "targets.toml").read_text("utf-8"))
        assert isinstance(document["project"]["name"], str)
        assert run(folder, "validate").returncode == 0
    else:  # a name the project cannot hold is refused, with a message
        assert result.returncode == 2 and b"error:" in result.stderr
        assert not (folder / "targets.toml").exists()


# -- 7. every file error has its line --------------------------------------------------------


def test_an_unterminated_string_is_located_where_it_starts(tmp_path: Path) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    file.write_text(
        file.read_text("utf-8") + '\n[[observations]]\nyear = 2025\nsource = """never closed\n'
        "value = 1\n",
        encoding="utf-8",
    )
    start = file.read_text("utf-8").split("\n").index('source = """never closed') + 1
    result = run(root, "validate")
    assert result.returncode == 2
    assert f"observations/share.toml:{start}:" in result.stderr.decode()


def test_keys_under_an_implied_table_are_located_at_its_header(tmp_path: Path) -> None:
    root = project(tmp_path)
    targets = root / "targets.toml"
    targets.write_text(
        targets.read_text("utf-8") + '\n[[indicators.extra.targets]]\nid = "t"\n', "utf-8"
    )
    header = targets.read_text("utf-8").split("\n").index("[[indicators.extra.targets]]") + 1
    result = run(root, "validate")
    assert result.returncode == 2
    assert f"targets.toml:{header}: indicators.extra" in result.stderr.decode()


# -- 8. comments are never lost silently -----------------------------------------------------


def test_record_warns_that_hand_written_comments_are_not_kept(tmp_path: Path) -> None:
    root = project(tmp_path)
    file = root / "observations" / "share.toml"
    file.write_text("# checked by the statistics office\n" + file.read_text("utf-8"), "utf-8")
    result = run(root, "record", "share", "2025", "42", "--source", "Yearbook 2025")
    assert result.returncode == 0, result.stderr
    assert b"warning:" in result.stderr and b"comment" in result.stderr
    assert b"note" in result.stderr  # where remarks belong


def test_record_without_comments_does_not_warn(tmp_path: Path) -> None:
    root = project(tmp_path, source="a # not a comment")
    result = run(root, "record", "share", "2025", "42", "--source", "Yearbook 2025")
    assert result.returncode == 0, result.stderr
    assert b"warning:" not in result.stderr


# -- round trips and spreadsheets ------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2 (revised)", "@SUM(A1)"])
def test_export_neutralises_formulas_and_import_reads_them_back(tmp_path: Path, text: str) -> None:
    root = project(tmp_path, source=text, note=text)
    exported = run(root, "export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = exported.stdout.decode("utf-8-sig").splitlines()
    assert any(f"'{text}".replace('"', '""') in row for row in rows), rows
    table = tmp_path / "back.csv"
    table.write_bytes(exported.stdout)
    again = project(tmp_path / "again")
    (again / "observations" / "share.toml").unlink()
    imported = run(again, "import", str(table))
    assert imported.returncode == 0, imported.stderr
    document = tomllib.loads((again / "observations" / "share.toml").read_text("utf-8"))
    first = document["observations"][0]
    assert first["source"] == text and first["note"] == text


# -- a targets.toml that cannot be read -------------------------------------------------------


@pytest.mark.parametrize("command", [["record", "share", "2025", "1", "--source", "s"], ["check"]])
def test_an_unreadable_targets_file_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # chmod 000 stops no one running as root (CI does): refuse the open as the kernel would.
    import errno

    from typer.testing import CliRunner

    from kpi.cli import app

    root = project(tmp_path)
    real_open = os.open

    def refused(path: object, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(os.fspath(path)).name == "targets.toml":  # type: ignore[call-overload]
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refused)
    result = CliRunner().invoke(app, ["--project", str(root), *command], catch_exceptions=False)
    assert result.exit_code == 2
    assert "targets.toml: cannot be read" in result.stderr
