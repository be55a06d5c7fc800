"""Attribute schemas of certificate types: checking a schema, and checking values against one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from backend.certificates.schemas import AttrValue, FieldSpec
from backend.lib.errors import ApiError

FIELD_TYPES = ("string", "integer", "boolean", "date")
MAX_STRING = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_schema(schema: dict[str, FieldSpec]) -> dict[str, dict[str, object]]:
    """A type's schema as its JSON column keeps it (each spec without its unset parts);
    422 `certificate_type.bad_schema` for inconsistent specs."""
    out: dict[str, dict[str, object]] = {}
    for name, spec in schema.items():
        kind = spec.type

        def bad(message: str) -> ApiError:
            return ApiError(422, "certificate_type.bad_schema", f"Field {name!r}: {message}", field=name)  # noqa: B023

        if spec.enum is not None and kind != "string":
            raise bad("only string fields can have an enum.")
        if (spec.min is not None or spec.max is not None) and kind != "integer":
            raise bad("only integer fields can have min and max.")
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            raise bad("min is greater than max.")
        if spec.max_length is not None and kind != "string":
            raise bad("only string fields can have max_length.")
        out[name] = {f: getattr(spec, f) for f in spec.__struct_fields__ if getattr(spec, f) is not None}
    return out


def _check_value(name: str, spec: FieldSpec, value: object) -> AttrValue:
    kind = spec.type

    def bad(message: str) -> ApiError:
        return ApiError(422, "certificate.bad_attribute", f"Attribute {name!r} {message}", field=name, expected=kind)

    if kind == "string":
        longest = spec.max_length if spec.max_length is not None else MAX_STRING
        if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
            raise bad("must be non-empty text without control characters.")
        if len(value) > longest:
            raise bad(f"is longer than {longest} characters.")
        if spec.enum is not None and value not in spec.enum:
            raise bad(f"must be one of {', '.join(spec.enum)}.")
        return value
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad("must be a whole number.")
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            low = spec.min if spec.min is not None else "-inf"
            high = spec.max if spec.max is not None else "inf"
            raise bad(f"must lie between {low} and {high}.")
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


def check_values(schema: dict[str, FieldSpec], values: Mapping[str, AttrValue | None]) -> dict[str, AttrValue]:
    """Values that fit the schema exactly: no unknown field, every required one, right types."""
    unknown = sorted(set(values) - set(schema))
    if unknown:
        raise ApiError(
            422, "certificate.unknown_attribute", f"This certificate type has no attribute {unknown[0]!r}.", fields=unknown
        )
    out = {name: _check_value(name, schema[name], value) for name, value in values.items() if value is not None}
    missing = sorted(name for name, spec in schema.items() if spec.required and name not in out)
    if missing:
        raise ApiError(422, "certificate.missing_attribute", f"Attribute {missing[0]!r} is required.", fields=missing)
    return dict(sorted(out.items()))


def merge(
    schema: dict[str, FieldSpec], current: dict[str, AttrValue], changes: dict[str, AttrValue | None]
) -> dict[str, AttrValue]:
    """Apply an update: a value sets a field, null clears an optional one."""
    return check_values(schema, {**current, **changes})
