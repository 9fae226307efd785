"""``kpi schema``: the JSON Schema of a kind of kpi file, for editors."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kpi.cli.common import Lang, command, output_option
from kpi.cli.output import emit, say
from kpi.errors import fail
from kpi.i18n import _

SchemaKind = StrEnum("SchemaKind", ["targets", "observations"])  # kpi.schema.KINDS, by name


@command()
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(
            metavar="KIND",
            help="targets (the schema of targets.toml) or observations (of an "
            "observations/<indicator>.toml file).",
        ),
    ],
    output: Annotated[
        Path | None,
        output_option("Write to FILE (a .json file) instead of stdout."),
    ] = None,
    lang: Lang = None,
) -> None:
    """Print the JSON Schema of targets.toml or of an observation file, for editors that check
    and complete TOML as people type (taplo, Even Better TOML; see docs/ci.md).

    Example: kpi schema targets --output schemas/targets.schema.json
    """
    from kpi.schema import schema_text

    if output is not None and output.suffix.lower() != ".json":
        raise fail(
            _("a JSON Schema is written to a .json file"),
            file=output,
            hint=_("name the output FILE.json; nothing was written"),
        )
    emit(schema_text(kind.value), output)
    if output is not None:
        say(_("wrote {path}").format(path=output))
