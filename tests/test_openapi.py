"""The OpenAPI document is an honest contract: every operation described with an example, every $ref
resolvable, every integer bounded, closed vocabularies as enums, unknown fields declared refused,
public operations without security, and every error status documented with the service's error body."""

import json
import re

import pytest

pytestmark = pytest.mark.anyio
METHODS = ("get", "post", "put", "patch", "delete")
# Operations anyone may call without a token. Adding one is a security decision: list it here.
PUBLIC = {
    "GET /health",
    "GET /ready",
    "POST /health/echo",
    "GET /metrics",
    "POST /api/v1/accounts",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/staff/login",
    "POST /api/v1/auth/login/passkey/options",
    "POST /api/v1/auth/login/passkey",
    "GET /.well-known/jwks.json",
    "GET /api/v1/statements/{token}",  # the statement verification page (issue 17)
    "POST /api/v1/statements/check",
    "GET /api/v1/banks",
    "GET /api/v1/agencies",
    "GET /api/v1/certificate-types",
    "GET /api/v1/certificate-types/{code}",
    "GET /api/v1/catalog",
    "GET /api/v1/catalog/history",
    "GET /api/v1/catalog/regions",
    "GET /api/v1/catalog/items/{code}",
    "GET /api/v1/service-points",
    "GET /api/v1/service-points/{point_id}",
    "POST /api/v1/tickets/lookup",
    "POST /api/v1/tickets/follow-up",
    "GET /api/v1/push/vapid-public-key",
    # Password reset (docs/proofing.md): the caller cannot sign in; each call after the first
    # carries the reset's own token in X-Reset-Token.
    "POST /api/v1/recovery/resets",
    "GET /api/v1/recovery/resets/{reset_id}",
    "POST /api/v1/recovery/resets/{reset_id}/bank-challenge",
    "GET /api/v1/recovery/resets/{reset_id}/bank-challenge/{challenge_id}",
    "POST /api/v1/recovery/resets/{reset_id}/provider-session",
    "POST /api/v1/recovery/resets/{reset_id}/provider-session/{session_id}/evidence",
    "POST /api/v1/recovery/resets/{reset_id}/password",
    # Trust between regions (docs/federation.md): the signed list is public; the calls of another
    # region's server carry no token but an RFC 9421 signature checked against its trust list.
    "GET /.well-known/yikatong-trust-list",
    "GET /api/v1/federation/self",
    "GET /api/v1/federation/revocations",
    "POST /api/v1/federation/verify",
    "POST /api/v1/federation/offline-results",
    # The keys that sign credit records (docs/credit.md): anyone may verify a record.
    "GET /api/v1/credit/keys",
    # The access record's anchors (docs/access-record.md, "Anchors"): hashes and counts, for any witness.
    "GET /api/v1/audit/anchors",
    "GET /api/v1/audit/anchors/keys",
}
# Anyone, and a signed-in caller gets more (a holder's ticket is theirs).
OPTIONAL_AUTH = {"POST /api/v1/tickets"}
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    """The document as served (JSON), built once: it does not depend on the database."""

    from backend.app import create_app
    from backend.lib.settings import load_settings

    base = tmp_path_factory.mktemp("openapi")
    settings = load_settings(environ={}, dotenv=None, env="test", data_dir=str(base / "data"), key_dir=str(base / "keys"))
    app = create_app(settings)
    # The JSON handler only; no lifespan, so no database or store is needed.
    from litestar._openapi.plugin import OpenAPIPlugin

    return json.loads(json.dumps(app.plugins.get(OpenAPIPlugin).provide_openapi_schema(), default=_plain))


def _plain(value):
    import msgspec

    return msgspec.to_builtins(value)


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", op


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


def _resolve(spec, ref):
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _has_example(node) -> bool:
    if isinstance(node, dict):
        if node.get("example") is not None or node.get("examples"):
            return True
        return any(_has_example(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_example(v) for v in node)
    return False


def _reachable(names: list[str], schemas: dict) -> list[str]:
    """The named schemas and every schema they refer to, so a list's example may sit in its item."""
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        todo.extend(r.split("/")[-1] for r in _refs(schemas.get(name)))
    return seen


async def test_every_operation_has_description_and_example(client):
    spec = (await client.get("/schema/openapi.json")).json()
    schemas = spec.get("components", {}).get("schemas", {})
    missing_description, missing_example = [], []
    for name, op in _operations(spec):
        if not op.get("description") or not op.get("summary"):
            missing_description.append(name)
        related = [op.get("requestBody"), op.get("parameters")] + [
            r for code, r in op.get("responses", {}).items() if code.startswith("2")
        ]
        bodyless = (
            not op.get("requestBody")
            and not op.get("parameters")
            and all(not r.get("content") for code, r in op.get("responses", {}).items() if code.startswith("2"))
        )
        if bodyless:
            continue  # e.g. logout: nothing goes in or comes out, so there is nothing to show
        refs = _reachable([r.split("/")[-1] for r in _refs(related)], schemas)
        if not _has_example(related) and not any(_has_example(schemas.get(r)) for r in refs):
            missing_example.append(name)
    assert not missing_description, missing_description
    assert not missing_example, missing_example


def test_every_ref_resolves(spec):
    dangling = set()
    for ref in _refs(spec):
        try:
            _resolve(spec, ref)
        except (KeyError, TypeError):
            dangling.add(ref)
    assert not dangling, sorted(dangling)


def _request_schemas(spec):
    """(where, schema) for every parameter and every request body, $refs followed once each."""
    seen: set[str] = set()

    def walk(where, schema, inherited=None):
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"]
            if name in seen:
                return
            seen.add(name)
            yield from walk(name.split("/")[-1], _resolve(spec, name))
            return
        # Constraints written beside a oneOf (Litestar does this for `int | None`) bind its branches.
        bounds = {k: schema[k] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if k in schema}
        yield where, schema, {**(inherited or {}), **bounds}
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in schema.get(key, []):
                yield from walk(where, branch, {**(inherited or {}), **bounds})
        if isinstance(schema.get("items"), dict):
            yield from walk(f"{where}[]", schema["items"])
        for name, prop in (schema.get("properties") or {}).items():
            yield from walk(f"{where}.{name}", prop)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from walk(f"{where}{{}}", schema["additionalProperties"])

    for name, op in _operations(spec):
        for param in op.get("parameters", []):
            yield from ((w, s, b, param) for w, s, b in walk(f"{name} {param['in']}:{param['name']}", param["schema"]))
        for media in (op.get("requestBody") or {}).get("content", {}).values():
            yield from ((w, s, b, None) for w, s, b in walk(f"{name} body", media["schema"]))


def _types(schema) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def test_every_integer_the_api_takes_is_bounded(spec):
    """An unbounded integer reaches SQL as a number the database cannot hold: a 500, not a 400."""
    unbounded = []
    for where, schema, bounds, _ in _request_schemas(spec):
        if "integer" in _types(schema) and "enum" not in schema and "const" not in schema:
            low = "minimum" in bounds or "exclusiveMinimum" in bounds
            high = "maximum" in bounds or "exclusiveMaximum" in bounds
            if not (low and high):
                unbounded.append(where)
    assert not unbounded, unbounded


ALTERNATION = re.compile(r"^\^\(\w+(\|\w+)+\)\$$")


def test_parameters_are_closed_or_bounded(spec):
    """A closed vocabulary is an enum (not a pattern of alternatives); other text is bounded by a
    pattern, a format or a maximum length."""
    as_pattern, unbounded = [], []
    for where, schema, _, param in _request_schemas(spec):
        if param is None or "string" not in _types(schema):
            continue
        merged = {**param["schema"], **schema}
        if ALTERNATION.match(merged.get("pattern", "")):
            as_pattern.append(where)
        if not any(k in merged for k in ("enum", "const", "pattern", "format", "maxLength")):
            unbounded.append(where)
    assert not as_pattern, as_pattern
    assert not unbounded, unbounded


@pytest.mark.parametrize(
    "operation, parameter",
    [
        ("GET /api/v1/catalog", "domain"),
        ("GET /api/v1/service-points", "service"),
        ("GET /api/v1/service-points", "facility"),
        ("GET /api/v1/service-points", "kind"),
        ("GET /api/v1/audit/access-records", "actor_kind"),
        ("GET /api/v1/audit/access-records", "result"),
    ],
)
def test_closed_vocabularies_are_enums(spec, operation, parameter):
    op = dict(_operations(spec))[operation]
    schema = next(p["schema"] for p in op["parameters"] if p["name"] == parameter)
    branches = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    assert any(b.get("enum") for b in branches), schema


def test_request_objects_refuse_unknown_fields(spec):
    """Request Structs use forbid_unknown_fields; the document says so (additionalProperties: false)."""
    open_objects = sorted(
        {
            where
            for where, schema, _, param in _request_schemas(spec)
            if param is None and "properties" in schema and schema.get("additionalProperties") is not False
        }
    )
    assert not open_objects, open_objects


def test_public_operations_declare_no_security(spec):
    assert spec.get("security") == [{"bearer": []}]
    wrong = []
    for name, op in _operations(spec):
        security = op.get("security")
        if name in PUBLIC:
            ok = security == []
        elif name in OPTIONAL_AUTH:
            ok = security is not None and {} in security and {"bearer": []} in security
        else:
            ok = security is None or (security and {} not in security)
        if not ok:
            wrong.append((name, security))
    assert not wrong, wrong


def _carries_error(spec, schema) -> bool:
    """A body that holds the error shape and more (POST /api/v1/verify's `malformed` result)."""
    if "$ref" not in schema:
        return False
    props = _resolve(spec, schema["$ref"]).get("properties", {})
    return props.get("error") == {"$ref": "#/components/schemas/ErrorBody"} and "request_id" in props


def test_every_error_status_is_documented_with_the_error_body(spec):
    """400 (validation), 401 (a bad token is refused on any route), 429 (client credentials are
    rate limited on any route), 503 (database or store down) everywhere; 403 wherever a role is
    needed; 413 and 415 wherever a body is read. Each with the service's error body."""
    problems = []
    for name, op in _operations(spec):
        responses = op.get("responses", {})
        needed = {"400", "401", "429", "503"}
        if name not in PUBLIC and name not in OPTIONAL_AUTH:
            needed.add("403")
        if op.get("requestBody"):
            needed |= {"413", "415"}
        missing = needed - set(responses)
        if missing:
            problems.append((name, "undocumented", sorted(missing)))
        for status, response in responses.items():
            if int(status) < 400:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != ERROR_REF and not _carries_error(spec, schema):
                problems.append((name, status, schema))
    assert not problems, problems[:20]
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert set(error["required"]) >= {"error"} and "request_id" in error["properties"]


async def test_options_allows_every_documented_method(client):
    """Litestar answered OPTIONS with the methods of a path's first handler only (GET /api/v1/banks
    said "GET, OPTIONS", not POST)."""
    spec = (await client.get("/schema/openapi.json")).json()
    wrong = []
    for path, item in spec["paths"].items():
        documented = {m.upper() for m in item if m in METHODS}
        url = re.sub(r"\{[^}]+\}", "0b6c3f0e-8f4c-4d1e-9a7b-3c2d1e0f9a8b", path)
        url = url.replace("/versions/0b6c3f0e-8f4c-4d1e-9a7b-3c2d1e0f9a8b", "/versions/1")
        answer = await client.options(url)
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
        if answer.status_code == 204 and not documented <= allowed:
            wrong.append((path, sorted(documented), sorted(allowed)))
    assert not wrong, wrong


def test_every_example_matches_its_schema(spec):
    """Litestar's random examples ignored the constraints written beside a nullable oneOf (region
    "PuNxUKtWoIcKUPHUhnwr" for ^[0-9]{6}$): a client, or schemathesis, sending one was refused."""
    import jsonschema_rs

    wrong = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("examples"), list) and ("type" in node or "$ref" in node or "oneOf" in node):
                schema = {k: v for k, v in node.items() if k != "examples"}
                if '"$ref"' in json.dumps(schema):  # the components only where referred to: compiling them is most of the time
                    schema["components"] = spec["components"]
                validator = jsonschema_rs.Draft202012Validator(schema)
                wrong.extend((where, e) for e in node["examples"] if not validator.is_valid(e))
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(spec, "#")
    assert not wrong, wrong[:10]
