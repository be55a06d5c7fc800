"""Attribute schemas of certificate types: checking a schema, and checking values against one."""

from __future__ import annotations

import datetime as dt
import re

from backend.lib.errors import ApiError

FIELD_TYPES = ("string", "integer", "boolean", "date")
MAX_STRING = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_schema(schema: dict[str, dict]) -> dict[str, dict]:
    """A type's schema, normalised; 422 `certificate_type.bad_schema` for inconsistent specs."""
    out: dict[str, dict] = {}
    for name, spec in schema.items():
        kind = spec["type"]

        def bad(message: str) -> ApiError:
            return ApiError(422, "certificate_type.bad_schema", f"Field {name!r}: {message}", field=name)  # noqa: B023

        if spec.get("enum") is not None and kind != "string":
            raise bad("only string fields can have an enum.")
        if (spec.get("min") is not None or spec.get("max") is not None) and kind != "integer":
            raise bad("only integer fields can have min and max.")
        if spec.get("min") is not None and spec.get("max") is not None and spec["min"] > spec["max"]:
            raise bad("min is greater than max.")
        if spec.get("max_length") is not None and kind != "string":
            raise bad("only string fields can have max_length.")
        out[name] = {k: v for k, v in spec.items() if v is not None}
    return out


def _check_value(name: str, spec: dict, value: object) -> object:
    kind = spec["type"]

    def bad(message: str) -> ApiError:
        return ApiError(422, "certificate.bad_attribute", f"Attribute {name!r} {message}", field=name, expected=kind)

    if kind == "string":
        if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
            raise bad("must be non-empty text without control characters.")
        if len(value) > spec.get("max_length", MAX_STRING):
            raise bad(f"is longer than {spec.get('max_length', MAX_STRING)} characters.")
        if "enum" in spec and value not in spec["enum"]:
            raise bad(f"must be one of {', '.join(spec['enum'])}.")
        return value
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad("must be a whole number.")
        if ("min" in spec and value < spec["min"]) or ("max" in spec and value > spec["max"]):
            raise bad(f"must lie between {spec.get('min', '-inf')} and {spec.get('max', 'inf')}.")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad("must be true or false.")
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise bad("must be a date written YYYY-MM-DD.")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise bad("is not a real calendar date.") from None
    return value


def check_values(schema: dict[str, dict], values: dict[str, object]) -> dict[str, object]:
    """Values that fit the schema exactly: no unknown field, every required one, right types."""
    unknown = sorted(set(values) - set(schema))
    if unknown:
        raise ApiError(
            422, "certificate.unknown_attribute", f"This certificate type has no attribute {unknown[0]!r}.", fields=unknown
        )
    out = {name: _check_value(name, schema[name], value) for name, value in values.items() if value is not None}
    missing = sorted(name for name, spec in schema.items() if spec.get("required") and name not in out)
    if missing:
        raise ApiError(422, "certificate.missing_attribute", f"Attribute {missing[0]!r} is required.", fields=missing)
    return dict(sorted(out.items()))


def merge(schema: dict[str, dict], current: dict[str, object], changes: dict[str, object | None]) -> dict[str, object]:
    """Apply an update: a value sets a field, null clears an optional one."""
    return check_values(schema, {**current, **changes})
