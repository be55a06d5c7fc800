"""GET /health (the process answers) and GET /ready (database and store reachable)."""

from __future__ import annotations

import msgspec
from litestar import Response, get, post
from litestar.datastructures import State

from backend.lib import db


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    status: str
    database: bool
    store: bool
    store_kind: str


@get(
    "/health", summary="Liveness", description="Answers while the process can serve requests.", tags=["ops"], sync_to_thread=False
)
def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    summary="Readiness",
    description="Checks that the database and the shared store (Redis or embedded) answer. 503 when either does not.",
    tags=["ops"],
)
async def ready(state: State) -> Response[Ready]:
    database = await db.ping()
    store = await state.store.ping()
    kind = "redis" if state.settings.redis_url else "embedded"
    body = Ready(status="ready" if database and store else "not_ready", database=database, store=store, store_kind=kind)
    return Response(body, status_code=200 if database and store else 503)


class EchoIn(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    scenario: str


class EchoOut(msgspec.Struct):
    result: str
    scenario: str


@post(
    "/health/echo",
    summary="Echo (benchmark baseline)",
    description="Decodes a body shaped like a verification request and answers at once. `make bench` compares "
    "the verification endpoint against it, on the same server and with the same body size.",
    tags=["ops"],
    status_code=200,
    sync_to_thread=False,
)
def echo(data: EchoIn) -> EchoOut:
    return EchoOut(result="ok", scenario=data.scenario)


ROUTES = [health, ready, echo]
