"""Finding the line of a key in TOML text (``kpi.locate``)."""

from __future__ import annotations

import tomllib

import pytest

from kpi.locate import KeyPath, LineIndex, dotted_key

DOCUMENT = """\
# comment: value = 1 must not count
[project]
name = "City"   # trailing comment

[indicators.share]
name = "Share"
bounds = [
  0,
  100,
]

[[indicators.share.targets]]
id = "first"
baseline = { year = 2018, value = 43 }

[[indicators.share.targets]]
id = "second"
baseline.year = 2019
baseline.value = 44
note = \"\"\"
value = 99
[not.a.table]
\"\"\"
value = 70

[indicators.share.targets.extra]
weight = 2

[indicators."quoted key"]
name = 'Quoted'
literal = '''
id = "inside"
'''
'dotted.name' = 3

[indicators.growth]
name = "Growth"

[[indicators.growth.targets]]
id = "third"
"""


@pytest.fixture(scope="module")
def index() -> LineIndex:
    tomllib.loads(DOCUMENT)  # the fixture is valid TOML
    return LineIndex(DOCUMENT)


def line_of_text(fragment: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(DOCUMENT.splitlines(), start=1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(fragment)


@pytest.mark.parametrize(
    ("path", "fragment", "occurrence"),
    [
        (("project",), "[project]", 1),
        (("project", "name"), 'name = "City"', 1),
        (("indicators", "share"), "[indicators.share]", 1),
        (("indicators", "share", "bounds"), "bounds = [", 1),
        (("indicators", "share", "targets"), "[[indicators.share.targets]]", 1),
        (("indicators", "share", "targets", 0), "[[indicators.share.targets]]", 1),
        (("indicators", "share", "targets", 0, "id"), 'id = "first"', 1),
        (("indicators", "share", "targets", 1), "[[indicators.share.targets]]", 2),
        (("indicators", "share", "targets", 1, "id"), 'id = "second"', 1),
        # a key inside an inline table: the line of the table
        (("indicators", "share", "targets", 0, "baseline", "value"), "baseline = {", 1),
        # dotted keys
        (("indicators", "share", "targets", 1, "baseline", "year"), "baseline.year", 1),
        (("indicators", "share", "targets", 1, "baseline", "value"), "baseline.value", 1),
        # after a multi-line string: the real key, not the text inside the string
        (("indicators", "share", "targets", 1, "value"), "value = 70", 1),
        (("indicators", "share", "targets", 1, "note"), 'note = """', 1),
        # a sub-table of the last element of an array of tables
        (("indicators", "share", "targets", 1, "extra"), "[indicators.share.targets.extra]", 1),
        (("indicators", "share", "targets", 1, "extra", "weight"), "weight = 2", 1),
        (("indicators", "quoted key"), '[indicators."quoted key"]', 1),
        (("indicators", "quoted key", "name"), "name = 'Quoted'", 1),
        (("indicators", "quoted key", "dotted.name"), "'dotted.name' = 3", 1),
        (("indicators", "growth", "name"), 'name = "Growth"', 1),
        (("indicators", "growth", "targets", 0, "id"), 'id = "third"', 1),
        # unknown keys fall back to the nearest written ancestor
        (("indicators", "growth", "targets", 0, "low"), "[[indicators.growth.targets]]", 1),
        (("indicators", "share", "targets", 0, "method"), "[[indicators.share.targets]]", 1),
        (("indicators", "share", "unit"), "[indicators.share]", 1),
    ],
)
def test_line_of_key_paths(index: LineIndex, path: KeyPath, fragment: str, occurrence: int) -> None:
    assert index.line_of(path) == line_of_text(fragment, occurrence)


def test_comments_and_string_contents_are_not_keys(index: LineIndex) -> None:
    assert index.line_of(("value",)) is None
    assert index.line_of(("not",)) is None
    assert index.line_of(("not", "a", "table")) is None
    assert index.line_of(("indicators", "quoted key", "literal")) == line_of_text("literal = '''")
    # 'id = "inside"' sits in a literal multi-line string: the indicator has no id key
    assert index.line_of(("indicators", "quoted key", "id")) == line_of_text(
        '[indicators."quoted key"]'
    )


def test_unknown_top_level_path_has_no_line(index: LineIndex) -> None:
    assert index.line_of(("nothing", "here")) is None
    assert index.line_of(()) is None


def test_nested_arrays_of_tables_number_each_parent_separately() -> None:
    text = """\
[[observations]]
year = 2020
value = 1.0

[[observations.revisions]]
value = 0.5

[[observations]]
year = 2021
value = 2.0

[[observations.revisions]]
value = 1.5

[[observations.revisions]]
value = 1.7
"""
    tomllib.loads(text)
    index = LineIndex(text)
    assert index.line_of(("observations", 0, "year")) == 2
    assert index.line_of(("observations", 0, "revisions", 0, "value")) == 6
    assert index.line_of(("observations", 1, "year")) == 9
    assert index.line_of(("observations", 1, "value")) == 10
    assert index.line_of(("observations", 1, "revisions", 0, "value")) == 13
    assert index.line_of(("observations", 1, "revisions", 1, "value")) == 16
    assert index.line_of(("observations", 1, "revisions", 1, "replaced")) == 15


def test_multi_line_string_closed_on_its_opening_line_is_not_open() -> None:
    text = 'a = """one line"""\nb = 1\n'
    assert LineIndex(text).line_of(("b",)) == 2


def test_multi_line_string_with_text_after_the_closing_quotes() -> None:
    text = 'a = """\nx = 1\nend"""  \nb = 2\n'
    tomllib.loads(text)
    index = LineIndex(text)
    assert index.line_of(("x",)) is None
    assert index.line_of(("b",)) == 4


def test_first_occurrence_wins_for_repeated_keys_in_different_tables() -> None:
    text = "[a]\nv = 1\n[b]\nv = 2\n"
    index = LineIndex(text)
    assert index.line_of(("a", "v")) == 2
    assert index.line_of(("b", "v")) == 4


def test_whitespace_around_headers_and_dots() -> None:
    text = "[ indicators . share ]\n  name   =  'x'\n[[ indicators.share.targets ]]\nid='t'\n"
    tomllib.loads(text)
    index = LineIndex(text)
    assert index.line_of(("indicators", "share", "name")) == 2
    assert index.line_of(("indicators", "share", "targets", 0, "id")) == 4


def test_crlf_line_endings() -> None:
    text = "[project]\r\nname = 'x'\r\n\r\n[assessment]\r\non_track = 1\r\n"
    index = LineIndex(text)
    assert index.line_of(("assessment", "on_track")) == 5


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("project",), "project"),
        (("project", "name"), "project.name"),
        (("indicators", "x", "targets", 0, "value"), "indicators.x.targets[0].value"),
        (("observations", 3), "observations[3]"),
        (("observations", 1, "revisions", 0, "replaced"), "observations[1].revisions[0].replaced"),
    ],
)
def test_dotted_key_renders_paths_as_written(path: KeyPath, expected: str) -> None:
    assert dotted_key(path) == expected
