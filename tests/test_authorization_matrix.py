"""Every role against every operation it may not use, with a real token of that role: one request
each, answered 401 without a token and 403 with another role's, as the service's JSON error, with
that status documented for the operation in the OpenAPI document. A guard refuses before any input
is read, so one request tells what fuzzing each pair would."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import msgspec
import pytest

from tests.api_roles import ROLES, reachable, seed_demo, sign_in_every_role
from tests.conftest import _base_settings

# A value of each path parameter's type: the guard answers before the value is looked up.
PLACEHOLDERS = {uuid.UUID: str(uuid.UUID(int=1)), int: "1", str: "x"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
BASE = "http://testserver"


def _path(route) -> str:
    """The route's path with each parameter given a value of its type."""

    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        return PLACEHOLDERS.get(route.path_parameters[name].type, "x")

    return re.sub(r"\{([^}]+)\}", value, route.path)


def _operations(app) -> dict[str, tuple[str, str]]:
    """Each documented operation's label ("GET /api/v1/...") -> (method, a concrete path)."""
    from litestar.routes import HTTPRoute

    found = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.resolve_include_in_schema():
                for method in sorted(handler.http_methods):
                    found[f"{method} {route.path_format}"] = (method, _path(route))
    return found


def _documented(document: dict, label: str) -> set[str]:
    method, path = label.split(" ", 1)
    return set(document["paths"][path][method.lower()]["responses"])


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The app on a demo database of its own, and a real token per role."""
    from schemathesis.python import asgi

    from backend.app import create_app

    directory = tmp_path_factory.mktemp("authz-matrix")
    # A high client rate: a scanner's or bank's hundreds of refusals here are not the flood the limit is for.
    settings = _base_settings(directory, log_level="CRITICAL")
    settings = msgspec.structs.replace(settings, client_rate_per_minute=1_000_000)
    demo = asyncio.run(seed_demo(settings))
    app = create_app(settings)
    try:
        yield app, sign_in_every_role(app, demo)
    finally:
        asgi.shutdown_lifespans()  # the app's database pool and store, started by its first client


def test_every_role_is_refused_every_operation_it_may_not_use(api):
    from schemathesis.python import asgi

    app, tokens = api
    operations = _operations(app)
    wrong: list[str] = []
    probed = 0
    with asgi.get_client(app) as http:
        document = http.get(f"{BASE}/schema/openapi.json").json()
        for role in ROLES:
            allowed = set(reachable(app, role))
            token = tokens[role]
            expected = 401 if token is None else 403
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            for label, (method, path) in sorted(operations.items()):
                if label in allowed:
                    continue
                probed += 1
                body = json.dumps({}) if method in BODY_METHODS else None
                answer = http.request(method, BASE + path, headers={**headers, "Content-Type": "application/json"}, data=body)
                problem = None
                if answer.status_code != expected:
                    problem = f"answered {answer.status_code}, not {expected}"
                elif str(expected) not in _documented(document, label):
                    problem = f"{expected} is not documented"
                elif not isinstance(answer.json().get("error", {}).get("code"), str):
                    problem = "the refusal carries no error code"
                if problem:
                    wrong.append(f"{role}: {label}: {problem}: {answer.text[:200]}")
    assert probed > 1000, probed  # every role is refused most of the API: the matrix did run
    assert not wrong, f"{len(wrong)} operations not refused as documented:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ["anonymous", "citizen"])
def test_the_matrix_finds_an_operation_let_through(api, role):
    """The matrix can fail: an operation of the provincial operator's, called by a role it does not
    admit, is refused; the same call with the operator's own token is not a refusal."""
    from schemathesis.python import asgi

    app, tokens = api
    label = "GET /api/v1/audit/staff-report"
    assert label in reachable(app, "provincial") and label not in reachable(app, role)
    method, path = _operations(app)[label]
    with asgi.get_client(app) as http:
        own = http.request(method, BASE + path, headers={"Authorization": f"Bearer {tokens['provincial']}"})
        theirs = http.request(method, BASE + path, headers={"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {})
    assert own.status_code not in (401, 403), own.text
    assert theirs.status_code == (401 if tokens[role] is None else 403), theirs.text
