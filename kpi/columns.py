"""The names of the import's columns as people write them in a header: the English ids
(``OBSERVATION_COLUMNS``) and Vietnamese names, matched without regard to case, accents,
spacing, ``_`` or ``-`` (``Series Break``, ``GIÁ TRỊ`` and ``gia tri`` all match). The template
workbook writes ``COLUMN_TITLES_VI`` in Vietnamese; docs/decisions.md explains the choice.
"""

from __future__ import annotations

import re
import unicodedata

from kpi.model import OBSERVATION_COLUMNS

# The title of each column in Vietnamese, as a planning office writes it: the indicator column
# holds an indicator's id (its "mã"), not its name.
COLUMN_TITLES_VI: dict[str, str] = {
    "indicator": "mã chỉ tiêu",
    "year": "năm",
    "value": "giá trị",
    "source": "nguồn",
    "status": "trạng thái",
    "series_break": "gián đoạn chuỗi",
    "url": "đường dẫn",
    "note": "ghi chú",
}

# Other names a header may use for a column (beyond its id and its Vietnamese title).
_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "indicator": ("chỉ tiêu", "indicator id", "mã"),
    "value": ("số liệu",),
    "source": ("nguồn số liệu",),
    "series_break": ("đứt chuỗi",),
    "url": ("liên kết", "link"),
}

_SEPARATORS = re.compile(r"[\s_\-]+")


def header_key(name: str) -> str:
    """``name`` reduced for matching: accents and ``đ`` dropped, case folded, every run of
    spaces, ``_`` and ``-`` one space, trimmed (``"  Giá_Trị "`` gives ``"gia tri"``)."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


_COLUMN_BY_KEY: dict[str, str] = {
    header_key(name): column
    for column in OBSERVATION_COLUMNS
    for name in (column, COLUMN_TITLES_VI[column], *_OTHER_NAMES.get(column, ()))
}


def column_of(name: str) -> str | None:
    """The column (an ``OBSERVATION_COLUMNS`` id) a header cell names, or ``None``."""
    return _COLUMN_BY_KEY.get(header_key(name))


def column_title(column: str, lang: str) -> str:
    """The header a file written for people in ``lang`` gives ``column``: its Vietnamese title
    in ``vi``, else its id (which every language reads back)."""
    return COLUMN_TITLES_VI[column] if lang == "vi" else column


__all__ = ["COLUMN_TITLES_VI", "column_of", "column_title", "header_key"]
