"""Keep the message catalogue in step with the code.

    python scripts/messages.py update    # collect every message id, merge into vi/kpi.po
    python scripts/messages.py compile   # write kpi.mo from kpi.po

Message ids are English texts marked with ``_()`` or ``N_()`` in ``kpi/`` and the help texts of
every command and option (read from the live command tree, so help needs no marking). Needs
``babel`` (a test dependency), never at run time.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kpi"
PO_FILE = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "kpi.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def code_messages() -> Iterator[str]:
    """Every string literal passed to ``_()`` or ``N_()`` in the package."""
    keywords = {"_": None, "N_": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=keywords
    ):
        if isinstance(message, str) and message:
            yield message


def help_messages() -> Iterator[str]:
    """The help of the app, of every command and of every option and argument."""
    import typer.main

    from kpi.cli import app

    group: Any = typer.main.get_command(app)
    commands = [group, *group.commands.values()]
    for command in commands:
        for text in (command.help, command.short_help):
            if text:
                yield text
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                yield text


def all_messages() -> list[str]:
    """Every message id the program can show, sorted, without duplicates."""
    return sorted(set(code_messages()) | set(help_messages()))


def load_catalogue() -> Catalog:
    """The Vietnamese catalogue as it is on disk."""
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="vi")


def update() -> None:
    """Add new message ids (with an empty translation) and drop ones the code no longer has."""
    old = load_catalogue() if PO_FILE.exists() else Catalog(locale="vi")
    new = Catalog(locale="vi", project="kpi", domain="kpi", fuzzy=False)
    for message in all_messages():
        existing = old.get(message)
        new.add(message, existing.string if existing is not None else "")
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    with PO_FILE.open("wb") as handle:
        write_po(handle, new, width=100, omit_header=False, sort_output=True)
    missing = [m.id for m in new if m.id and not m.string]
    print(f"{PO_FILE.relative_to(ROOT)}: {len(new)} messages, {len(missing)} untranslated")


def compile_catalogue() -> None:
    """Write the binary catalogue that ``gettext`` reads at run time."""
    catalogue = load_catalogue()
    with MO_FILE.open("wb") as handle:
        write_mo(handle, catalogue, use_fuzzy=False)
    print(f"wrote {MO_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    actions = {"update": update, "compile": compile_catalogue}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        sys.exit(f"usage: python {sys.argv[0]} update|compile")
    actions[sys.argv[1]]()
