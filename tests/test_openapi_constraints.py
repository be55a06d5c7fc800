"""Every rule msgspec checks on a request body is in the OpenAPI document, also inside lists, dicts
and unions (Litestar reads msgspec's Meta only on a Struct's own fields): a generator that follows the
document never sends what the service refuses, and a client learns every rule from it."""

from __future__ import annotations

import json

import msgspec
import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from backend.app import create_app

RULES = (
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "enum",
)
NO_NUL = "^[^\\x00]*$"  # lib/openapi_tidy.py's default for free text; a stricter rule must replace it


@pytest.fixture(scope="module")
def app_and_document(sqlite_settings):
    app = create_app(sqlite_settings)
    with TestClient(app) as client:
        return app, client.get("/schema/openapi.json").json()


def _resolve(document: dict, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _kind(schema: dict):
    return schema.get("type") or ("object" if "properties" in schema else None)


def _missing(rules: dict, rules_doc: dict, served, document: dict, where: str, found: list[str], depth: int = 0) -> None:
    """Walk msgspec's schema of a body and the served one side by side; note each rule not served."""
    rules, served = _resolve(rules_doc, rules), _resolve(document, served)
    if depth > 16 or not isinstance(rules, dict) or not isinstance(served, dict):
        return
    if "anyOf" in rules:
        branches = [_resolve(document, b) for b in served.get("oneOf") or served.get("anyOf") or [served]]
        for branch in rules["anyOf"]:
            branch = _resolve(rules_doc, branch)
            same = [b for b in branches if _kind(b) == _kind(branch)]
            if same:
                _missing(branch, rules_doc, same[0], document, f"{where}|{_kind(branch)}", found, depth + 1)
        return
    for rule in RULES:
        if rule in rules and served.get(rule) in (None, NO_NUL):
            found.append(f"{where}: {rule}={json.dumps(rules[rule])[:60]}")
    if "propertyNames" in rules:
        if "propertyNames" not in served:
            found.append(f"{where}: propertyNames")
        else:
            _missing(rules["propertyNames"], rules_doc, served["propertyNames"], document, f"{where}.<key>", found, depth + 1)
    for name, sub in rules.get("properties", {}).items():
        if name in served.get("properties", {}):
            _missing(sub, rules_doc, served["properties"][name], document, f"{where}.{name}", found, depth + 1)
    if "items" in rules and "items" in served:
        _missing(rules["items"], rules_doc, served["items"], document, f"{where}[]", found, depth + 1)
    if isinstance(rules.get("additionalProperties"), dict) and isinstance(served.get("additionalProperties"), dict):
        _missing(
            rules["additionalProperties"], rules_doc, served["additionalProperties"], document, f"{where}{{}}", found, depth + 1
        )


def test_every_rule_on_a_request_body_is_documented(app_and_document):
    app, document = app_and_document
    found: list[str] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or not handler.resolve_include_in_schema():
                continue
            rules = msgspec.json.schema(data.annotation)
            for method in handler.http_methods:
                body = document["paths"][route.path_format][method.lower()]["requestBody"]["content"]["application/json"][
                    "schema"
                ]
                _missing(rules, rules, body, document, f"{method} {route.path_format}", found)
    assert not found, f"{len(found)} rules the service checks are not in the document:\n" + "\n".join(sorted(set(found)))
