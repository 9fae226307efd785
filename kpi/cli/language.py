"""Which language a person asked for: ``--lang``, else ``$KPI_LANG``, else the system's language.

Read before the command line is parsed, so that help and usage errors are in it too. The system's
language is what gettext programs follow (``LOCALE_VARIABLES``), else, as on most Windows PCs, the
Windows display language; ``C``, ``POSIX`` and any language kpi does not speak mean English.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from kpi.i18n import DEFAULT_LANGUAGE, LANGUAGES

WindowsLanguage = Callable[[], str | None]  # the shape of ``windows_display_language``
LANGUAGE_ENV = "KPI_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # gettext.find's order
_LANGUAGE_NAMES = {
    "en": "en", "english": "en", "c": "en", "posix": "en",
    "vi": "vi", "vietnamese": "vi",  # Windows spells a locale Vietnamese_Vietnam.1258
}  # fmt: skip


def language_of(name: str) -> str | None:
    """The language of ``LANGUAGES`` the locale name ``name`` means, whatever its country, code set
    and modifier (``vi-VN``, ``vi_VN.UTF-8``, ``Vietnamese_Vietnam.1258``: ``vi``; ``C.UTF-8``,
    ``POSIX``: ``en``); ``None`` for any other language or text."""
    head = name.strip().split(".", 1)[0].split("@", 1)[0]
    return _LANGUAGE_NAMES.get(head.replace("-", "_").split("_", 1)[0].lower())


def windows_display_language() -> str | None:
    """The locale name of the Windows user's display language (``vi_VN``); ``None`` on any other
    system, and for a language identifier Python does not know."""
    if sys.platform != "win32":
        return None
    import ctypes
    import locale

    try:
        identifier = ctypes.windll.kernel32.GetUserDefaultUILanguage()
    except (AttributeError, OSError):
        return None
    return locale.windows_locale.get(int(identifier))


def requested_language(argv: Sequence[str]) -> str | None:
    """The language of the last ``--lang X`` or ``--lang=X`` in ``argv`` before a ``--``, when it
    is one of ``LANGUAGES``; else ``None`` (an unknown ``X`` is the parser's to refuse)."""
    chosen = None
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif argument.startswith("--lang="):
            chosen = argument.partition("=")[2]
    return chosen if chosen in LANGUAGES else None


def system_language(
    environ: Mapping[str, str], windows_language: WindowsLanguage | None = None
) -> str:
    """The language of the first of ``LOCALE_VARIABLES`` set and not empty in ``environ`` (in the
    list ``LANGUAGE`` holds, its first known name), else of ``windows_language()`` (default:
    ``windows_display_language``); English when that names no language of ``LANGUAGES``."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            names = value.split(":") if variable == "LANGUAGE" else [value]
            return next(filter(None, map(language_of, names)), DEFAULT_LANGUAGE)
    windows = (windows_language or windows_display_language)()
    return language_of(windows or "") or DEFAULT_LANGUAGE


def choose_language(
    argv: Sequence[str], environ: Mapping[str, str], windows_language: WindowsLanguage | None = None
) -> str:
    """The language (one of ``LANGUAGES``) for the command line ``argv`` in ``environ``: its
    ``--lang``, else ``$KPI_LANG`` when set (any locale name; English, without an error, for a
    language kpi lacks), else ``system_language`` (``windows_language`` as there)."""
    requested = requested_language(argv)
    if requested is not None:
        return requested
    configured = environ.get(LANGUAGE_ENV, "").strip()
    if configured:
        return language_of(configured) or DEFAULT_LANGUAGE
    return system_language(environ, windows_language)
