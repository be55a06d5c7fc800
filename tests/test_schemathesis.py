"""Schemathesis over every operation of the OpenAPI document, in process against the ASGI app: a bounded,
seeded run for each role (anonymous, citizen, scanner, paying agency, bank, agency, employer, counter, provincial) with every check on, on
PostgreSQL + Redis (where the outside battery found most 500s) and on the embedded default. Each role
fuzzes the operations it may use; its refusal of the others is tests/test_authorization_matrix.py's.

Each backend gets a database of its own, seeded like `yikatong demo`, so what schemathesis creates
never meets the other tests' data. A failure lists, per role, the operation, the check and a curl
line that reproduces it (with that role's bearer token). YIKATONG_SCHEMATHESIS_ROLES=citizen,... runs
some roles only; YIKATONG_SCHEMATHESIS_EXAMPLES sets the cases fuzzing draws per operation.
"""

from __future__ import annotations

import asyncio
import os
import time

import msgspec
import pytest

from tests.api_roles import ROLES, reachable, seed_demo, sign_in_every_role
from tests.conftest import REDIS_URL, _base_settings, _pg_available, _redis_available, need, scratch_database

pytestmark = pytest.mark.filterwarnings("ignore")  # schemathesis' own warnings about the schema go to its report
SEED = 20261130
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


def _failures(app, role: str, token: str | None) -> tuple[list[str], int]:
    """Every phase over the operations the role may use. The others answer it 401 or 403 whatever is
    sent (a guard refuses before any input is read): tests/test_authorization_matrix.py sends each of
    them once per role, which fuzzing them here added nothing to but time (docs/testing.md)."""
    return _execute(app, role, token, lambda schema: schema.include(name=reachable(app, role)), {})


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

    demo = asyncio.run(seed_demo(settings))
    app = create_app(settings)
    try:
        tokens = sign_in_every_role(app, demo)
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
