"""JSON Schemas of kpi's files, for editors (``kpi schema targets|observations``).

Each schema is generated from the types of ``kpi.model`` and describes the file as a TOML parser
reads it (no ``null``: a key left out takes its default), in JSON Schema draft 7, which taplo (the
engine of the Even Better TOML editor extension) and every validator read. It checks each key's
type, range and choices; what spans keys or files (bounds, unique ids, duplicate years) is left to
``kpi validate``. The package ships the same text in ``kpi/schemas/`` (``scripts/schemas.py``
writes it; ``tests/test_schema.py`` holds the two equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from kpi.model import OBSERVATIONS_DIR, TARGETS_FILE, ObservationsFile, TargetsFile

DIALECT = "http://json-schema.org/draft-07/schema#"
SCHEMAS_DIR = "schemas"
_DEFINITIONS = "definitions"  # draft 7's place for shared subschemas (pydantic writes $defs)
# Pydantic leaves a bound it cannot attach to the number's own schema under its own name.
_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of kpi file: its type (a model or a ``TypedDict``), the shipped schema's file
    name and the schema's title."""

    shape: type[Any]
    file_name: str
    title: str


KINDS: Mapping[str, FileKind] = {
    "targets": FileKind(TargetsFile, "targets.schema.json", f"kpi {TARGETS_FILE}"),
    "observations": FileKind(
        ObservationsFile, "observations.schema.json", f"kpi {OBSERVATIONS_DIR}/<indicator>.toml"
    ),
}


class _TomlSchema(GenerateJsonSchema):
    """Pydantic's generator, for files TOML parses: an optional key is simply left out (TOML has
    no ``null``), and a key's title (its name capitalised) is not repeated."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        generated = super().default_schema(schema)
        if generated.get("default", ...) is None:
            del generated["default"]
        return generated

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def normalize_name(self, name: str) -> str:
        # kpi.model names the TypedDict of a table ``<Table>Fields`` (its record is ``<Table>``):
        # the schema names the table.
        return super().normalize_name(name.removesuffix("Fields"))


def _draft7(node: Any) -> Any:
    """``node`` with pydantic's leftover bounds (``gt``...) as draft 7 keywords, its ``$defs``
    as ``definitions``, and a table whose keys follow one pattern (``indicators``) refusing any
    other key; everything else unchanged."""
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    is_number = node.get("type") in ("number", "integer")
    renamed = {}
    for key, value in node.items():
        if is_number and key in _BOUNDS:
            key = _BOUNDS[key]
        elif key == "$defs":
            key = _DEFINITIONS
        renamed[key] = _draft7(value)
    patterns = renamed.pop("patternProperties", None)
    if patterns is not None:
        # {"patternProperties": {P: S}} lets a key that does not match P hold anything: say
        # instead that every key matches P and every value is an S.
        [(pattern, values)] = patterns.items()
        renamed["propertyNames"] = {"pattern": pattern, **renamed.get("propertyNames", {})}
        renamed["additionalProperties"] = values
    return renamed


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of the file ``kind`` (a key of ``KINDS``) as a JSON document."""
    file_kind = KINDS[kind]
    generated = TypeAdapter(file_kind.shape).json_schema(
        ref_template=f"#/{_DEFINITIONS}/{{model}}", schema_generator=_TomlSchema
    )
    document = {"$schema": DIALECT, "title": file_kind.title}
    document |= {key: value for key, value in _draft7(generated).items() if key != "title"}
    return document


def schema_text(kind: str) -> str:
    """``schema(kind)`` as the text ``kpi schema`` prints and the package ships: indented JSON,
    keys in the models' order, a newline at the end."""
    import json

    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def shipped(kind: str) -> Traversable:
    """The schema file of ``kind`` that the package carries (``kpi/schemas/<file name>``)."""
    return resources.files("kpi") / SCHEMAS_DIR / KINDS[kind].file_name
