"""The OpenAPI contract: error answers, security and unknown-field refusal declared from what the code does.

`document(app)` runs once the app is assembled. From each operation's guards and signature it adds the
error statuses that operation can give, every one with the service's error body (`ErrorResponse`):

- 400 everywhere (validation), 401 everywhere (a bearer token that is sent is checked on every route),
  429 everywhere (a machine client over its rate is refused on any route, before the route's own
  check), 503 everywhere (that same token check reads the database and the store);
- 403 where a role is needed (a guard, or `only(...)` in `opt`);
- 404 where the path has a parameter (nothing with this id, or a malformed one);
- 413 and 415 where a body is read.

A route declares only what is its own, with `error("...")` under its status (404, 409, 422, its own
429, ...); what it declares wins over the defaults above. An operation without a guard is public and
the document says so (`security: []`); one that serves anyone but gives a signed-in caller more
declares `security=OPTIONAL_AUTH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec
from litestar._openapi import plugin as litestar_openapi_plugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar._openapi.schema_generation.schema import SchemaCreator
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Operation, Schema
from litestar.params import FromPath
from litestar.routes import HTTPRoute

from backend.lib.auth import ROLES_OPT
from backend.lib.errors import ApiError, ErrorResponse

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.typing import FieldDefinition

# For an operation that serves anyone and gives a signed-in caller more: no credentials, or a bearer token.
OPTIONAL_AUTH: list[dict[str, list[str]]] = [{}, {"bearer": []}]


def error(description: str) -> ResponseSpec:
    """An error answer of an operation, with the service's error body."""
    return ResponseSpec(ErrorResponse, description=description)


def errors(**by_status: str) -> dict[int, ResponseSpec]:
    """Several error answers by status, written `e404="certificate.not_found"`."""
    return {int(key[1:]): error(text) for key, text in by_status.items()}


COMMON = {
    400: error(
        "`request.invalid`, `request.unknown_field`, `request.bad_encoding` or `request.body_missing`: the request "
        "does not match this operation (`details.errors` says where)."
    ),
    401: error("`auth.required` (sign in) or `auth.invalid_token` (a bearer token was sent and is not valid)."),
    429: error(
        "`rate.limited`: a machine client over its per-minute rate, or this operation's own limit. "
        "`Retry-After` says when to try again."
    ),
    503: error(
        "`service.unavailable`: the database or the shared store cannot be reached; nothing was decided. "
        "`Retry-After` says when to try again."
    ),
}
ROLE_NEEDED = error("`auth.wrong_role` or `auth.not_permitted`: signed in, but not with a role allowed here.")
NOT_FOUND = error("`route.not_found` (a malformed id) or `<thing>.not_found`: nothing with this id that you may see.")
BODY = {
    413: error("`request.too_large`: the body is over the size limit."),
    415: error("`request.unsupported_media_type`: send the body as `application/json`."),
}


@dataclass
class PublicOperation(Operation):
    """An operation anyone may call: it overrides the app's global bearer requirement with none.
    (Litestar writes no `security` for an empty list, which would inherit the global one.)"""

    def __post_init__(self) -> None:
        self.security = []


def document(app: Litestar) -> None:
    """Declare each operation's error answers and security from its guards and signature.

    The app holds its own copies of the route handlers, so this changes nothing outside this app."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            needs_role = bool(handler.resolve_guards()) or bool(handler.opt.get(ROLES_OPT))
            defaults = dict(COMMON)
            if needs_role:
                defaults[403] = ROLE_NEEDED
            if "{" in route.path:
                defaults[404] = NOT_FOUND
            if "data" in handler.parsed_fn_signature.parameters:
                defaults.update(BODY)
            handler.responses = {**defaults, **(handler.responses or {})}
            if not needs_role and handler.security is None and not issubclass(handler.operation_class, PublicOperation):
                handler.operation_class = PublicOperation  # a subclass (a public route's own) stays
        _allow_every_method(route)


def _allow_every_method(route: HTTPRoute) -> None:
    """Litestar 2.25 makes a path's OPTIONS answer when the path's first handler is registered, from that
    route object's methods: `Allow` then lacks every method registered after it (GET /api/v1/banks said
    "GET, OPTIONS" and not POST). Point it at the finished route's methods."""
    for handler in route.route_handlers:
        if handler.http_methods == {"OPTIONS"} and handler.fn.__name__ == "options_handler":
            for cell in handler.fn.__closure__ or ():
                if isinstance(cell.cell_contents, HTTPRoute):
                    cell.cell_contents.methods = route.methods


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Structs with `forbid_unknown_fields` are documented as `additionalProperties: false`:
    a client learns from the document that an unknown field is refused (400 `request.unknown_field`).
    And every rule msgspec checks on a field is documented, also inside a list, a dict or a union."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        for field in msgspec.structs.fields(struct):
            served = (schema.properties or {}).get(field.encode_name)
            try:
                rules = msgspec.json.schema(field.type)
            except (TypeError, ValueError):  # a type msgspec cannot describe (none today): left as Litestar wrote it
                continue
            _add_rules(served, rules)
        return schema


# msgspec's JSON Schema keywords and Litestar's Schema attributes for the rules it checks.
_RULES = {
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minProperties": "min_properties",
    "maxProperties": "max_properties",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}


def _kind(schema: Any) -> str | None:
    kind = getattr(schema, "type", None)
    return getattr(kind, "value", kind) if kind is not None and not isinstance(kind, list) else None


def _add_rules(served: Any, rules: dict[str, Any]) -> None:
    """Copy the rules msgspec states for one field into Litestar's schema of it, where Litestar left
    them out: inside a list's items, a dict's keys (`propertyNames`) and values, and the branches of a
    union (Litestar 2.25 reads msgspec's Meta only on a Struct's own fields, so `list[Code]` was
    documented as any strings, and generators sent what the service refuses). Structs are their
    own components, completed when Litestar builds them."""
    if not isinstance(served, Schema) or "$ref" in rules:
        return
    if "anyOf" in rules:
        branches = served.one_of or served.any_of or [served]
        for rule in rules["anyOf"]:
            same = [b for b in branches if isinstance(b, Schema) and _kind(b) == rule.get("type")]
            if same:
                _add_rules(same[0], rule)
        return
    for keyword, attribute in _RULES.items():
        if keyword in rules and getattr(served, attribute) is None:
            setattr(served, attribute, rules[keyword])
    if "propertyNames" in rules and served.property_names is None:
        served.property_names = Schema(type=OpenAPIType.STRING)
        _add_rules(served.property_names, rules["propertyNames"])
    if "items" in rules:
        _add_rules(served.items, rules["items"])
    if isinstance(rules.get("additionalProperties"), dict):
        _add_rules(served.additional_properties, rules["additionalProperties"])


def _examples_off(self: SchemaCreator) -> SchemaCreator:
    if not self.generate_examples:
        return self
    return type(self)(generate_examples=False, plugins=self.plugins, prefer_alias=False, schema_registry=self.schema_registry)


# Litestar 2.25 builds the items of a constrained list (`Annotated[list[S], Meta(max_length=...)]`)
# with a SchemaCreator that has a registry of its own: a Struct there was referenced under a name
# no component has (5 dangling $refs, 8 operations no client generator could read). Same creator,
# sharing the document's registry. tests/test_openapi.py resolves every $ref.
SchemaCreator.not_generating_examples = property(_examples_off)  # type: ignore[assignment]


def _schema_path_not_found(path: FromPath[str] = "/") -> NoReturn:
    raise ApiError(404, "route.not_found", "There is nothing at this address.")


# Litestar 2.25 answers an unknown path under /schema with an HTML page of its own, the only 404
# without the service's error body. The router is built from this module global at app creation.
litestar_openapi_plugin.handle_schema_path_not_found = _schema_path_not_found
