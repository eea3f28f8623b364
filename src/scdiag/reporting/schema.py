"""The JSON Schema of the report document, generated from its attrs classes.

``python -m scdiag.reporting.schema`` prints it; ``docs/report-schema.json``
is that output, and a test keeps the two identical.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from scdiag.reporting.document import SCHEMA_VERSION, ReportDocument

__all__ = ["report_schema"]


def _schema(kind: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema(arg, defs) for arg in args]}
    if kind is type(None):
        return {"type": "null"}
    if kind is str:
        return {"type": "string"}
    if kind is bool:
        return {"type": "boolean"}
    if kind is int:
        return {"type": "integer"}
    if kind is float:
        return {"type": "number"}
    if kind is datetime:
        return {"type": "string", "format": "date-time"}
    if kind is timedelta:
        return {"type": "number", "description": "seconds"}
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return {"type": "string", "enum": [member.value for member in kind]}
    if origin in (tuple, list):
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin in (dict, Mapping, typing.Mapping) or (origin is not None and issubclass(origin, Mapping)):
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if isinstance(kind, type) and attrs.has(kind):
        name = kind.__name__
        if name not in defs:
            defs[name] = {}
            attrs.resolve_types(kind)
            fields = attrs.fields(kind)
            defs[name] = {
                "type": "object",
                "properties": {field.name: _schema(field.type, defs) for field in fields},
                "required": [field.name for field in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {kind!r}")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`~scdiag.reporting.document.ReportDocument`."""
    defs: dict[str, Any] = {}
    root = _schema(ReportDocument, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"scdiag report, schema {SCHEMA_VERSION}",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


if __name__ == "__main__":
    print(json.dumps(report_schema(), indent=2))
