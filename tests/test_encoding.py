"""Text out in any code page: every command, in both languages, never ends in a traceback.

What a Vietnamese Windows PC does to ``kpi status --lang vi > status.txt`` is simulated on Linux:
the standard streams get the ANSI code page 1258 (``PYTHONIOENCODING=cp1258``), or plain ASCII,
and the locale's own encoding is not UTF-8 either (the C locale, neither coerced to C.UTF-8 nor
in UTF-8 mode), so that a file opened without an explicit encoding would be read or written in
ASCII and fail on Vietnamese text. Each run also has ``-X warn_default_encoding`` with
EncodingWarnings raised from kpi's own modules made errors: a command that relied on the
locale's default encoding would fail here even where its text happened to be ASCII.

Redirected output (a pipe here) must be UTF-8 whatever the code page; a terminal (a
pseudo-terminal here) keeps its encoding and gets the letters without the accents it cannot show.
The subprocesses run in a thread pool, once for the whole module, and each test checks one run.
"""

from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from terminal import on_a_terminal

from kpi.cli.streams import configure_streams, error_handler, fallback
from kpi.i18n import DOMAIN, LOCALE_DIR

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "kpi" / "templates" / "haiphong"
# The command line, with EncodingWarnings from kpi's modules (only: matplotlib has its own) errors.
KPI = [
    sys.executable,
    "-X",
    "warn_default_encoding",
    "-c",
    "import warnings\n"
    "warnings.filterwarnings('ignore', category=EncodingWarning)\n"
    "warnings.filterwarnings('error', category=EncodingWarning, module=r'kpi(\\.|$)')\n"
    "from kpi.cli import main\n"
    "main()\n",
]
CODE_PAGES = ("cp1258", "ascii")
# Vietnamese in the data itself, so that even English output holds more than ASCII.
NAME_EN = "High-tech products, share of processing and manufacturing output"
PLACE = "Hải Phòng"
NOTE = "Cục Thống kê: chưa có nguồn nào khác"
IMPORT_CSV = "indicator,year,value,source\nhigh_tech_share,2024,61.5,Cục Thống kê Hải Phòng\n"


class Texts:
    """The texts of one language: ``t(message, **values)`` as the catalogue has it, filled in;
    ``t.number("61.5")`` with the language's decimal mark."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalogue = (
            gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
            if language != "en"
            else gettext.NullTranslations()
        )

    def __call__(self, message: str, **values: object) -> str:
        return self._catalogue.gettext(message).format(**values)

    def number(self, text: str) -> str:
        return text.replace(".", ",") if self.language == "vi" else text


Expected = Callable[[Texts], tuple[str, ...]]


@dataclass(frozen=True)
class Case:
    """One command line, its exit code and, for a language, the texts stdout and stderr must
    hold (none: the stream is empty)."""

    args: tuple[str, ...]
    code: int
    stdout: Expected
    stderr: Expected = lambda t: ()
    files: dict[str, str] = field(default_factory=dict)  # written into the project first


ON_TRACK = "on track"
ESTIMATE = "the latest value ({year}) is an estimate"
CHECK_FAILED = (
    "FAILED: {failed} failed, {warned} warned, {skipped} skipped (no usable data), {ok} ok "
    "of {total} targets as of {year} ({options})"
)
APP_HELP = (
    "Track a city's 2030 targets: gap, pace now required, observed trend and status.\n\n"
    "Example: kpi status --as-of 2025"
)


def check_failed(t: Texts) -> str:
    # on track is ok in every format, even on stale data (the shipped one's is from 2023)
    counts = {"failed": 1, "warned": 1, "skipped": 4, "ok": 1, "total": 7}  # 2025's plan warns
    return t(CHECK_FAILED, **counts, year=2026, options="--fail-on at_risk")


def valid(t: Texts) -> str:
    counts = {"indicators": 5, "targets": 7, "observations": 24}
    return t(
        "valid: {indicators} indicators, {targets} targets, {observations} observations", **counts
    )


def would_add(t: Texts) -> str:
    row = {"indicator": "high_tech_share", "year": 2024, "value": t.number("61.5")}
    return t("added: {indicator} {year} = {value} ({where})", **row, where="yearbook.csv:2")


def dry_run(t: Texts) -> str:
    message = "dry run of {file}: {added} added, {replaced} replaced, {unchanged} unchanged; "
    counts = {"added": 1, "replaced": 0, "unchanged": 0}
    return t(message + "nothing was written", file="yearbook.csv", **counts)


def recorded(t: Texts) -> str:
    row = {"indicator": "high_tech_share", "year": 2024, "value": t.number("61.5")}
    file = Path("observations", "high_tech_share.toml")
    return t("added: {indicator} {year} = {value} ({file})", **row, file=file)


CHECK = ("check", "--as-of", "2026", "--fail-on", "at_risk")
SHIPPED_INDICATORS = (
    "manufacturing_share_grdp, high_tech_share, tech_renewal_rate, grdp_growth, iip_growth"
)
CASES = {
    "status-table": Case(("status", "--as-of", "2026"), 0, lambda t: (t(ON_TRACK), t("at risk"))),
    "status-json": Case(
        ("status", "--as-of", "2026", "--format", "json"),
        0,
        lambda t: ('"status": "on_track"', PLACE, t(ESTIMATE, year=2025)),
    ),
    "status-csv": Case(
        ("status", "--as-of", "2026", "--format", "csv"), 0, lambda t: ("on_track", PLACE)
    ),
    "status-markdown": Case(
        ("status", "--as-of", "2026", "--format", "markdown"),
        0,
        lambda t: (t(ON_TRACK), t("at risk")),
    ),
    "show-table": Case(
        ("show", "high_tech_share", "--as-of", "2026"), 0, lambda t: (t(ON_TRACK), NOTE)
    ),
    "show-json": Case(
        ("show", "high_tech_share", "--as-of", "2026", "--format", "json"),
        0,
        lambda t: (PLACE, NOTE),
    ),
    "check-text": Case(CHECK, 1, lambda t: (t("at risk"), check_failed(t))),
    "check-json": Case(
        (*CHECK, "--format", "json"), 1, lambda t: ('"passed": false', t(ESTIMATE, year=2025))
    ),
    "check-github": Case(
        (*CHECK, "--format", "github"),
        1,
        lambda t: ("::error ", "at risk"),  # a format for machines: English in every language
        lambda t: (check_failed(t),),
    ),
    "check-junit": Case(
        (*CHECK, "--format", "junit"),
        1,
        lambda t: ('<?xml version="1.0" encoding="UTF-8"?>', "at risk"),  # for machines
        lambda t: (check_failed(t),),
    ),
    "validate": Case(("validate",), 0, lambda t: (valid(t),)),
    "export-csv": Case(("export", "--format", "csv"), 0, lambda t: ("indicator,year,value", NOTE)),
    "export-json": Case(("export", "--format", "json"), 0, lambda t: ('"observations"', NOTE)),
    "export-sdmx-csv": Case(
        ("export", "--format", "sdmx-csv"), 0, lambda t: ("DATAFLOW,INDICATOR", NOTE)
    ),
    "import-dry-run": Case(
        ("import", "yearbook.csv", "--dry-run"),
        0,
        lambda t: (would_add(t),),
        lambda t: (dry_run(t),),
        files={"yearbook.csv": IMPORT_CSV},
    ),
    "record": Case(
        ("record", "high_tech_share", "2024", "61.5", "--source", "Statistics Office"),
        0,
        lambda t: (),
        lambda t: (recorded(t),),
    ),
    "report-markdown": Case(("report", "--as-of", "2026"), 0, lambda t: (t(ON_TRACK), NOTE)),
    "report-html": Case(
        ("report", "--as-of", "2026", "--format", "html"), 0, lambda t: (t(ON_TRACK), NOTE)
    ),
    "chart-svg": Case(
        ("chart", "high_tech_share", "--as-of", "2026", "--output", "chart.svg"),
        0,
        lambda t: (),
        lambda t: (t("wrote {path}", path="chart.svg"),),
    ),
    "init": Case(
        ("init", "new-city"),
        0,
        lambda t: (),
        lambda t: (t("created {file}", file=Path("new-city", "targets.toml")),),
    ),
    "help": Case(("--help",), 0, lambda t: (t(APP_HELP)[:30], "--version", "--project DIR")),
    "unknown-indicator": Case(
        ("show", "nope", "--as-of", "2026"),
        2,
        lambda t: (),
        lambda t: (
            t("error: {problem}", problem="targets.toml: "),
            t("unknown indicator {id} (known: {known})", id="'nope'", known=SHIPPED_INDICATORS),
        ),
    ),
    "usage-error": Case(
        ("status", "--format", "nope"), 2, lambda t: (), lambda t: ("'--format'", "'nope'")
    ),
}
VI = Texts("vi")


def make_project(folder: Path) -> Path:
    """The shipped project with Vietnamese in an English name and in a note."""
    shutil.copytree(TEMPLATE, folder)
    targets = folder / "targets.toml"
    text = targets.read_text(encoding="utf-8")
    assert f'name = "{NAME_EN}"' in text
    targets.write_text(
        text.replace(f'name = "{NAME_EN}"', f'name = "{NAME_EN} – {PLACE}"'), encoding="utf-8"
    )
    observations = folder / "observations" / "high_tech_share.toml"
    text = observations.read_text(encoding="utf-8")
    observations.write_text(text.replace("no other published source found", NOTE), encoding="utf-8")
    return folder


def non_utf8_environment(code_page: str, **extra: str) -> dict[str, str]:
    """The environment of a PC whose standard streams and locale are not UTF-8: the streams in
    ``code_page``, the locale's encoding ASCII, no language setting."""
    dropped = ("KPI_PROJECT", "KPI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTHON")}
    env.update(
        PYTHONIOENCODING=code_page, LC_CTYPE="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0",
        PYTHONDONTWRITEBYTECODE="1", COLUMNS="200", **extra,
    )  # fmt: skip
    return env


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes
    folder: Path


def run_case(folder: Path, case: Case, code_page: str, language: str) -> Run:
    project = make_project(folder)
    for name, text in case.files.items():
        (project / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [*KPI, *case.args, "--lang", language],
        cwd=project,
        env=non_utf8_environment(code_page),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, project)


RUNS = [(name, code_page, language) for name in CASES for code_page in CODE_PAGES
        for language in ("en", "vi")]  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Run]:
    """Every case in every code page and language, run once, in parallel."""
    root = tmp_path_factory.mktemp("encoding")
    with ThreadPoolExecutor(max_workers=max(4, 2 * (os.cpu_count() or 2))) as pool:
        futures = {
            key: pool.submit(run_case, root / "-".join(key), CASES[key[0]], key[1], key[2])
            for key in RUNS
        }
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(("name", "code_page", "language"), RUNS)
def test_every_command_writes_utf8_to_a_pipe_whatever_the_code_page(
    runs: dict[tuple[str, str, str], Run], name: str, code_page: str, language: str
) -> None:
    case, run = CASES[name], runs[name, code_page, language]
    t = Texts(language)
    stdout, stderr = run.stdout.decode("utf-8"), run.stderr.decode("utf-8")  # strict: UTF-8

    assert "Traceback" not in stderr, stderr
    assert "EncodingWarning" not in stderr
    assert run.returncode == case.code, stderr
    expected_out, expected_err = case.stdout(t), case.stderr(t)
    assert all(text in stdout for text in expected_out), (expected_out, stdout[:3000])
    assert stdout if expected_out else stdout == ""
    assert all(text in stderr for text in expected_err), (expected_err, stderr)
    assert stderr if expected_err else stderr == ""


@pytest.mark.parametrize("code_page", CODE_PAGES)
def test_files_written_by_commands_are_utf8(
    runs: dict[tuple[str, str, str], Run], code_page: str
) -> None:
    chart = runs["chart-svg", code_page, "vi"].folder / "chart.svg"
    assert chart.read_bytes().decode("utf-8").startswith("<?xml")
    recorded = runs["record", code_page, "vi"].folder / "observations" / "high_tech_share.toml"
    assert NOTE in recorded.read_bytes().decode("utf-8")  # read, then written back as UTF-8
    created = runs["init", code_page, "vi"].folder / "new-city" / "targets.toml"
    assert "Hải Phòng 2030" in created.read_bytes().decode("utf-8")


def test_vietnamese_output_is_vietnamese_and_english_output_is_not(
    runs: dict[tuple[str, str, str], Run],
) -> None:
    """The control: the language did change what was written."""
    vietnamese = runs["status-table", "cp1258", "vi"].stdout.decode("utf-8")
    english = runs["status-table", "cp1258", "en"].stdout.decode("utf-8")
    assert VI(ON_TRACK) in vietnamese and VI(ON_TRACK) != ON_TRACK
    assert "Hải Phòng 2030" in vietnamese
    assert ON_TRACK in english and VI(ON_TRACK) not in english


# -- a terminal --------------------------------------------------------------------------------


def run_on_terminal(args: list[str], cwd: Path, code_page: str) -> tuple[int, bytes, bytes]:
    """Run kpi with stdout on a pseudo-terminal and stderr on a pipe: (exit code, bytes shown on
    the terminal, stderr)."""
    return on_a_terminal(
        [*KPI, *args], cwd=cwd, env=non_utf8_environment(code_page, NO_COLOR="1", TERM="xterm")
    )


@pytest.fixture(scope="module")
def terminal_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("terminal") / "project")


@pytest.mark.parametrize(
    "args", [["status", "--as-of", "2026"], ["show", "high_tech_share", "--as-of", "2026"]]
)
def test_an_ascii_terminal_gets_the_letters_without_their_accents(
    terminal_project: Path, args: list[str]
) -> None:
    code, shown, stderr = run_on_terminal([*args, "--lang", "vi"], terminal_project, "ascii")

    assert (code, stderr) == (0, b"")
    text = shown.decode("ascii")  # strict: nothing but ASCII reached the terminal
    assert "Hai Phong 2030" in text or "Hai Phong" in text
    assert "dung lo trinh" in text  # "đúng lộ trình", on track
    assert "?" * 3 not in text  # letters were kept, not replaced


def test_a_cp1258_terminal_gets_vietnamese_in_its_own_code_page(terminal_project: Path) -> None:
    """Code page 1258 has the base letters and the combining tone marks; the terminal shows
    ``ế`` as ``ê`` and a combining acute, which reads as the same letter."""
    args = ["status", "--as-of", "2026", "--lang", "vi"]
    code, shown, stderr = run_on_terminal(args, terminal_project, "cp1258")

    assert (code, stderr) == (0, b"")
    text = unicodedata.normalize("NFC", shown.decode("cp1258"))
    assert VI(ON_TRACK) in text
    assert "Hải Phòng 2030" in text


def test_an_error_on_an_ascii_terminal_has_no_traceback(terminal_project: Path) -> None:
    code, on_terminal, stdout = on_a_terminal(
        [*KPI, "show", "nope", "--lang", "vi"],
        cwd=terminal_project,
        env=non_utf8_environment("ascii", NO_COLOR="1", TERM="xterm"),
        terminal="stderr",
    )
    shown = on_terminal.decode("ascii")

    assert (code, stdout) == (2, b"")
    assert "Traceback" not in shown
    assert "loi: " in shown  # "lỗi: ", error
    assert "'nope'" in shown


# -- the pieces, in-process -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("character", "encoding", "expected"),
    [
        ("ế", "ascii", "e"),
        ("đ", "ascii", "d"),
        ("Đ", "ascii", "D"),
        ("ư", "ascii", "u"),
        ("ộ", "ascii", "o"),
        ("ế", "cp1258", "ê\u0301"),  # the code page's base letter and its combining tone mark
        ("ệ", "cp1258", "ê\u0323"),
        ("ỏ", "cp1258", "o\u0309"),
        ("ế", "cp1252", "ê"),  # Western European: the circumflex but no tone marks
        ("–", "ascii", "-"),
        ("≥", "ascii", ">="),
        ("▇", "cp1258", "="),
        ("²", "ascii", "2"),
        ("😀", "cp1258", "?"),
        ("\udcff", "utf-8", "?"),  # a lone surrogate, as undecodable bytes in a file name give
    ],
)
def test_fallback_spells_a_character_with_what_the_encoding_has(
    character: str, encoding: str, expected: str
) -> None:
    assert fallback(character, encoding) == expected
    expected.encode(encoding)


class _Stream(io.TextIOWrapper):
    """A text stream of ``encoding`` over bytes that says it is a terminal, or not."""

    def __init__(self, encoding: str, terminal: bool) -> None:
        super().__init__(io.BytesIO(), encoding=encoding, errors="strict")
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal

    def written(self) -> bytes:
        self.flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


def test_a_pipe_gets_utf8_and_a_terminal_keeps_its_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Replaced here, not in a fixture: pytest puts its own capture back between set-up and test.
    out, err = _Stream("cp1258", terminal=False), _Stream("ascii", terminal=True)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)

    configure_streams()
    out.write("Hải Phòng \udcff")
    err.write("Tình trạng: đúng lộ trình – ≥ 55 % 😀")

    assert out.encoding == "utf-8"
    assert out.written() == "Hải Phòng ?".encode()
    assert err.encoding == "ascii"
    assert err.written() == b"Tinh trang: dung lo trinh - >= 55 % ?"


def test_the_handler_of_a_code_page_writes_what_that_code_page_has() -> None:
    """cp1258 reports its errors as the ``charmap`` codec's: its handler still knows it is 1258
    (``ò`` is not in code page 1258, ``o`` and a combining grave accent are)."""
    text = "Hải Phòng, ≥ 55 % 😀"
    assert text.encode("cp1258", error_handler("cp1258")).decode("cp1258") == (
        "Ha\u0309i Pho\u0300ng, >= 55 % ?"
    )
    assert text.encode("ascii", error_handler("ascii")) == b"Hai Phong, >= 55 % ?"
    assert error_handler("CP1258") == error_handler("cp1258")


@pytest.mark.parametrize("replacement", [None, "io.StringIO"])
def test_streams_without_reconfigure_are_left_alone(
    monkeypatch: pytest.MonkeyPatch, replacement: str | None
) -> None:
    stream = None if replacement is None else io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setattr(sys, "stderr", stream)
    configure_streams()  # no error
    assert sys.stdout is stream
