"""The OpenAPI document describes every operation, with an example for each."""

import pytest

pytestmark = pytest.mark.anyio


def _has_example(node) -> bool:
    if isinstance(node, dict):
        if node.get("example") is not None or node.get("examples"):
            return True
        return any(_has_example(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_example(v) for v in node)
    return False


async def test_every_operation_has_description_and_example(client):
    spec = (await client.get("/schema/openapi.json")).json()
    schemas = spec.get("components", {}).get("schemas", {})
    missing_description, missing_example = [], []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            name = f"{method.upper()} {path}"
            if not op.get("description") or not op.get("summary"):
                missing_description.append(name)
            related = [op.get("requestBody"), op.get("responses"), op.get("parameters")]
            bodyless = not op.get("requestBody") and not op.get("parameters") and all(
                not r.get("content") for code, r in op.get("responses", {}).items() if code.startswith("2")
            )
            if bodyless:
                continue  # e.g. logout: nothing goes in or comes out, so there is nothing to show
            refs = [r.split("/")[-1] for r in _refs(related)]
            if not _has_example(related) and not any(_has_example(schemas.get(r)) for r in refs):
                missing_example.append(name)
    assert not missing_description, missing_description
    assert not missing_example, missing_example


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)
