"""The served OpenAPI document, tidied so that what it says is what the service checks.

Litestar 2.25 writes an optional value as `oneOf: [X, null]` with the constraints beside the
`oneOf`, and draws random examples that ignore those constraints. Generators read the branch alone
and sent "valid" requests the service refused, and clients were shown examples that would fail.
Here, once per document:

- a constraint beside a nullable `oneOf` moves into the branch it constrains;
- text without a pattern, format or set of values says it holds no NUL character (lib/body.py
  refuses one anywhere in a request: PostgreSQL text cannot hold it);
- an example its own schema refuses is dropped (hand-written ones are all valid; random ones often not).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import msgspec
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPI

_BY_TYPE = {
    "string": ("pattern", "minLength", "maxLength", "format"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
}
_CONSTRAINTS = {key for keys in _BY_TYPE.values() for key in keys}
_NULL = {"type": "null"}


def _push_into_branches(schema: dict[str, Any]) -> None:
    branches = schema.get("oneOf")
    if not isinstance(branches, list) or _NULL not in branches:
        return
    moved = {k: schema.pop(k) for k in list(schema) if k in _CONSTRAINTS}
    for branch in branches:
        for key in _BY_TYPE.get(branch.get("type"), ()):
            if key in moved:
                branch.setdefault(key, moved[key])


NO_NUL = "^[^\\x00]*$"


def _no_nul(schema: dict[str, Any]) -> None:
    kinds = schema.get("type")
    if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and not any(
        k in schema for k in ("pattern", "format", "enum", "const")
    ):
        schema["pattern"] = NO_NUL


def _walk(node: Any) -> None:
    if isinstance(node, dict):
        _push_into_branches(node)
        _no_nul(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


class _Checker:
    """Just enough JSON Schema to tell a valid example from an invalid one."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def valid(self, value: Any, schema: Any, depth: int = 0) -> bool:
        if not isinstance(schema, dict) or depth > 20:
            return True
        if "$ref" in schema:
            return self.valid(value, self.resolve(schema["$ref"]), depth + 1)
        if "oneOf" in schema or "anyOf" in schema:
            branches = schema["oneOf"] if "oneOf" in schema else schema.get("anyOf", [])
            if not any(self.valid(value, s, depth + 1) for s in branches):
                return False
        if "enum" in schema and value not in schema["enum"]:
            return False
        if "const" in schema and value != schema["const"]:
            return False
        kinds = schema.get("type")
        if kinds is not None and not any(_is(value, k) for k in (kinds if isinstance(kinds, list) else [kinds])):
            return False
        if isinstance(value, str):
            return self._text(value, schema)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number(value, schema)
        if isinstance(value, list):
            if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
                return False
            return all(self.valid(v, schema.get("items"), depth + 1) for v in value)
        if isinstance(value, dict):
            return self._object(value, schema, depth)
        return True

    def _text(self, value: str, schema: dict[str, Any]) -> bool:
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            return False
        if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
            return False
        return _format(value, schema.get("format"))

    def _object(self, value: dict[str, Any], schema: dict[str, Any], depth: int) -> bool:
        properties = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", [])):
            return False
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                if not self.valid(item, properties[name], depth + 1):
                    return False
            elif extra is False or (isinstance(extra, dict) and not self.valid(item, extra, depth + 1)):
                return False
        if "propertyNames" in schema and not all(self.valid(k, schema["propertyNames"], depth + 1) for k in value):
            return False
        return bool(schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", len(value)))


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "array": list, "object": dict, "null": type(None)}[kind])


def _number(value: float, schema: dict[str, Any]) -> bool:
    return (
        schema.get("minimum", value) <= value <= schema.get("maximum", value)
        and ("exclusiveMinimum" not in schema or value > schema["exclusiveMinimum"])
        and ("exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"])
    )


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _format(value: str, kind: str | None) -> bool:
    try:
        if kind == "uuid":
            uuid.UUID(value)
        elif kind == "date":
            dt.date.fromisoformat(value)
        elif kind == "date-time":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False
    return True


def _drop_invalid_examples(node: Any, checker: _Checker) -> None:
    if isinstance(node, dict):
        examples = node.get("examples")
        if isinstance(examples, list) and ("type" in node or "$ref" in node or "oneOf" in node or "properties" in node):
            bare = {k: v for k, v in node.items() if k != "examples"}
            kept = [e for e in examples if checker.valid(msgspec.to_builtins(e), bare)]
            if kept:
                node["examples"] = kept
            else:
                del node["examples"]
        for value in node.values():
            _drop_invalid_examples(value, checker)
    elif isinstance(node, list):
        for value in node:
            _drop_invalid_examples(value, checker)


def tidy(document: dict[str, Any]) -> dict[str, Any]:
    _walk(document)
    _drop_invalid_examples(document, _Checker(document))
    return document


@dataclass
class TidyOpenAPI(OpenAPI):
    def to_schema(self) -> dict[str, Any]:
        return tidy(super().to_schema())


@dataclass
class TidyOpenAPIConfig(OpenAPIConfig):
    """OpenAPIConfig whose document is tidied when it is first served (Litestar builds it once)."""

    def to_openapi_schema(self) -> OpenAPI:
        base = super().to_openapi_schema()
        return TidyOpenAPI(**{f.name: getattr(base, f.name) for f in fields(base)})
