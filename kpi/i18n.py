"""The language of texts for people: English (the message ids themselves) or Vietnamese.

Messages go through ``gettext``: ``kpi/locale/vi/LC_MESSAGES/kpi.po`` is the catalogue people
edit, ``kpi.mo`` its compiled form (``python scripts/messages.py compile``). Code marks a text
with ``_()`` where it is shown, with ``N_()`` where it is only defined (tables, templates). The
language is set before parsing the command line (``kpi.cli.language``); machine formats ignore it.
"""

from __future__ import annotations

import contextlib
import gettext
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "en"
DOMAIN = "kpi"
LOCALE_DIR = Path(__file__).parent / "locale"


class _Current:
    """The language every text is shown in, and its catalogue."""

    __slots__ = ("language", "translation")

    def __init__(self) -> None:
        self.language = DEFAULT_LANGUAGE
        self.translation = gettext.NullTranslations()


_current = _Current()


def set_language(code: str) -> None:
    """Use ``code`` (one of ``LANGUAGES``, else ``ValueError``) for every text shown from now on."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose one of {', '.join(LANGUAGES)}")
    translation = gettext.NullTranslations()
    if code != DEFAULT_LANGUAGE:
        translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    _current.language, _current.translation = code, translation


@contextlib.contextmanager
def speaking(code: str) -> Iterator[None]:
    """Texts in ``code`` (one of ``LANGUAGES``) within the block, the previous language after it."""
    saved = _current.language, _current.translation
    set_language(code)
    try:
        yield
    finally:
        _current.language, _current.translation = saved


def language() -> str:
    """The current language code."""
    return _current.language


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    return _current.translation.gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet; returns it unchanged."""
    return message


def format_number(value: float, digits: int = 2, signed: bool = False) -> str:
    """``value`` with at most ``digits`` decimals, trailing zeros dropped, in the current
    language's convention: ``1,234.5`` in English, ``1.234,5`` in Vietnamese."""
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "+0"):
        text = "+0" if signed else "0"
    if language() == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
