"""Schemathesis over every operation of the OpenAPI document, in process against the ASGI app: a bounded,
seeded run for each role (anonymous, citizen, scanner, paying agency, bank, agency, employer, counter, provincial) with every check on, on
PostgreSQL + Redis (where the outside battery found most 500s) and on the embedded default.

Each backend gets a database of its own, seeded like `yikatong demo`, so what schemathesis creates
never meets the other tests' data. A failure lists, per role, the operation, the check and a curl
line that reproduces it (with that role's bearer token). YIKATONG_SCHEMATHESIS_ROLES=citizen,... runs
some roles only; YIKATONG_SCHEMATHESIS_EXAMPLES sets the cases fuzzing draws per operation.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import msgspec
import pytest

from tests.conftest import REDIS_URL, _base_settings, _pg_available, _redis_available, need, scratch_database

pytestmark = pytest.mark.filterwarnings("ignore")  # schemathesis' own warnings about the schema go to its report
SEED = 20261130
# Role order matters: the provincial operator can revoke the scanner's credential and deactivate
# the counter operator, and the citizen can cancel its own card or sign out, so they go last.
ROLES = ("anonymous", "scanner", "payer", "bank", "agency", "employer", "counter", "provincial", "citizen")
# On the embedded default the counter operator is left out, to keep the run near two minutes: its
# operations are the provincial operator's, with a city filter in the same queries.
SQLITE_ROLES = ("anonymous", "scanner", "provincial", "citizen")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
# Fuzzing draws this many cases per operation and role; the coverage phase (boundary values of
# every parameter and field), the examples phase and the stateful phase come on top.
MAX_EXAMPLES = int(os.environ.get("YIKATONG_SCHEMATHESIS_EXAMPLES", "3"))


def _config(token: str | None, phases: dict):
    from schemathesis.config import SchemathesisConfig

    project: dict = {
        "seed": SEED,
        "cache": {"enabled": False},  # no .schemathesis/ in the work tree
        "workers": 1,
        "continue-on-failure": True,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "checks": {name: {"enabled": True} for name in CHECKS}
        | {
            # A well-formed request may still break a rule the schema cannot say (an identity number's
            # check digit, a city that does not exist): 422. Never 400, which means "not what the
            # document allows": valid data answered 400 is a contract bug.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]},
        },
        "phases": {"stateful": {"max-steps": 20}, **phases},
    }
    if token:
        project["auth"] = {"openapi": {"bearer": {"bearer": token}}}
    return SchemathesisConfig.from_dict(project)


async def _seed(settings) -> dict:
    from backend.demo import seed

    return await seed(settings)


def _sign_in(app, demo: dict) -> dict[str, str | None]:
    """A session token per role, through the API as a client would get one."""
    import pyotp
    from schemathesis.python import asgi

    from backend.demo import DEMO_TOTP, PASSWORD

    citizen = next(c for c in demo["citizens"] if not c["totp"] and c["doc_type"] == "resident_id")
    tokens: dict[str, str | None] = {"anonymous": None, "scanner": demo["venues"][0][2]}
    # The demo's paying agency and banks are machine clients; their tokens are in files (mode 0600).
    bank_file, payer_file, agency_file = demo["token_files"]
    tokens["bank"] = next(iter(json.loads(Path(bank_file).read_text()).values()))
    tokens["payer"] = next(iter(json.loads(Path(payer_file).read_text()).values()))
    tokens["agency"] = next(iter(json.loads(Path(agency_file).read_text()).values()))
    tokens["employer"] = next(iter(json.loads(Path(demo["contracts"]["client_file"]).read_text()).values()))
    with asgi.get_client(app) as http:
        for role, username in (("counter", "gz-counter"), ("provincial", "admin")):
            # Staff sign in with a second factor: the demo's staff have the demo's TOTP secret.
            login = {"username": username, "password": PASSWORD, "totp": pyotp.TOTP(DEMO_TOTP).now()}
            answer = http.post("http://testserver/api/v1/auth/staff/login", json=login)
            assert answer.status_code == 200, answer.text
            tokens[role] = answer.json()["token"]
        body = {"doc_type": citizen["doc_type"], "id_number": citizen["id_number"], "password": PASSWORD}
        answer = http.post("http://testserver/api/v1/auth/login", json=body)
        assert answer.status_code == 200, answer.text
        tokens["citizen"] = answer.json()["token"]
    return tokens


PRINCIPALS = {
    "anonymous": None,
    "scanner": dict(kind="client", role="scanner", org_id="v", scanner_id="s"),
    "payer": dict(kind="client", role="payer", org_id="a"),
    "bank": dict(kind="client", role="bank", org_id="b"),
    "agency": dict(kind="client", role="agency", org_id="g"),
    "employer": dict(kind="client", role="employer", org_id="e"),
    "counter": dict(kind="staff", role="counter_operator", city="440100", office_id="o"),
    "provincial": dict(kind="staff", role="provincial_operator", city="440000", office_id="o"),
    "citizen": dict(kind="citizen", role="citizen", person_id="p"),
}


def _reachable(app, role: str) -> list[str]:
    """The operations this role gets past the guards of (the labels schemathesis uses)."""
    from litestar.connection import ASGIConnection
    from litestar.routes import HTTPRoute

    from backend.lib.auth import ROLES_OPT, Principal
    from backend.lib.errors import ApiError

    fields = PRINCIPALS[role]
    user = Principal(id="x", **fields) if fields else None
    connection = ASGIConnection({"type": "http", "user": user, "app": app, "headers": [], "path_params": {}})

    async def passes(handler) -> bool:
        if handler.opt.get(ROLES_OPT) and (user is None or user.role not in handler.opt[ROLES_OPT]):
            return False
        try:
            for guard in handler.resolve_guards():
                await guard(connection, handler)
        except ApiError:
            return False
        return True

    labels = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema() and asyncio.run(passes(handler)):
                    labels += [f"{method} {route.path_format}" for method in sorted(handler.http_methods)]
    return labels


def _failures(app, role: str, token: str | None) -> tuple[list[str], int]:
    """Every phase over the operations the role may use; the examples and fuzzing phases (enough to
    see each refusal documented) over the others, which answer it 401 or 403 whatever is sent."""
    yours = _reachable(app, role)
    report, requests = _execute(app, role, token, lambda schema: schema.include(name=yours), {})
    skip = {"coverage": {"enabled": False}, "stateful": {"enabled": False}}
    others_report, others_requests = _execute(app, role, token, lambda schema: schema.exclude(name=yours), skip)
    return report + others_report, requests + others_requests


def _execute(app, role: str, token: str | None, select, phases: dict) -> tuple[list[str], int]:
    import schemathesis
    from schemathesis.engine import Status, events, from_schema

    schema = select(schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_config(token, phases)))
    found: dict[tuple, str] = {}
    requests = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.NonFatalError):
            found[(event.label, "error", str(event.value))] = f"{role}: {event.label}: {event.info.format()}"
        if not isinstance(event, events.ScenarioFinished):
            continue
        requests += len(event.recorder.interactions)
        if event.status not in (Status.FAILURE, Status.ERROR):
            continue
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                if check.status != Status.FAILURE or check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                key = (event.label, check.name, failure.title)
                if key in found:
                    continue
                interaction = event.recorder.interactions.get(case_id)
                answer = interaction.response if interaction else None
                status = answer.status_code if answer else "-"
                body = answer.content[:240].decode(errors="replace") if answer and answer.content else ""
                found[key] = (
                    f"{role}: {event.label}: {check.name}: {failure.title} [{status}] {body}\n"
                    f"    {check.failure_info.code_sample}"
                )
    return list(found.values()), requests


def _run(settings, roles: tuple[str, ...]) -> None:
    from schemathesis.python import asgi

    from backend.app import create_app

    demo = asyncio.run(_seed(settings))
    app = create_app(settings)
    try:
        tokens = _sign_in(app, demo)
        report, started = [], time.monotonic()
        chosen = os.environ.get("YIKATONG_SCHEMATHESIS_ROLES")
        for role in chosen.split(",") if chosen else roles:
            failures, requests = _failures(app, role, tokens[role])
            print(f"schemathesis {role}: {requests} requests, {len(failures)} failures, {time.monotonic() - started:.0f} s")
            report += failures
    finally:
        asgi.shutdown_lifespans()  # the run's app, its database pool and store
    assert not report, f"{len(report)} schemathesis failures:\n" + "\n".join(report)


def test_schemathesis_postgres_redis(session_dir, redis_prefix):
    problem = _pg_available() or _redis_available()
    if problem:
        need("PostgreSQL and Redis", problem)
    with scratch_database("st") as url:
        settings = _base_settings(session_dir, database_url=url, data_dir=str(session_dir / "st-pg"), log_level="CRITICAL")
        _run(msgspec.structs.replace(settings, redis_url=REDIS_URL, redis_prefix=redis_prefix), ROLES)


def test_schemathesis_sqlite_embedded(session_dir):
    _run(_base_settings(session_dir, data_dir=str(session_dir / "st-sqlite"), log_level="CRITICAL"), SQLITE_ROLES)
