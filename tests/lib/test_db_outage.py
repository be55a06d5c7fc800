"""PostgreSQL shutting down, starting up, full, or ending our connections: 503 with Retry-After, never 500."""

import asyncio
import datetime as dt
import secrets
from urllib.parse import urlsplit, urlunsplit

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.identity.documents import make_resident_id
from tests.lib.pg_proxy import PgProxy

pytestmark = pytest.mark.anyio
POINTS = "/api/v1/service-points?city_code=440100"
UNKNOWN_SCANNER = {"Authorization": "Bearer ykc_" + secrets.token_hex(16) + "_" + "A" * 43}


def _login_body() -> dict:
    number = make_resident_id("440106", dt.date(1980, 5, 17), 1 + secrets.randbelow(998))
    return {"doc_type": "resident_id", "id_number": number, "password": "Not-the-password-1"}


async def _requests(client) -> list:
    """A public read (Piccolo), a sign-in (a transaction), a scanner's token (the hot path's
    own statements on the pool): each reaches the database in its own way."""
    return [
        await client.get(POINTS),
        await client.post("/api/v1/auth/login", json=_login_body()),
        await client.post("/api/v1/verify", json={"code": "YKO1:X", "scenario": "transit_ride"}, headers=UNKNOWN_SCANNER),
    ]


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "service.unavailable"
    assert response.headers["retry-after"] == "5"


@pytest.fixture
def proxied(postgres_settings):
    """The session's PostgreSQL database, reached through a proxy the test can turn off."""
    url = urlsplit(postgres_settings.database_url)
    proxy = PgProxy(url.hostname, url.port or 5432)
    proxy.start()
    netloc = url.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
    # The embedded store: only the database goes away here.
    yield proxy, msgspec.structs.replace(postgres_settings, database_url=urlunsplit(url._replace(netloc=netloc)), redis_url="")
    proxy.stop()


@pytest.mark.parametrize("sqlstate", ["57P03", "57P02", "53300"])
async def test_a_database_going_down_answers_503_and_serves_again_when_back(proxied, sqlstate):
    proxy, settings = proxied
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get(POINTS)).status_code == 200
        # Shutting down: open connections end with 57P01, and new ones are refused (starting
        # up, crash recovery, or no connection slot left).
        proxy.refuse(sqlstate)
        assert proxy.sever("57P01") >= 1
        for response in await _requests(client):
            _assert_unavailable(response)
        ready = await client.get("/ready")
        assert ready.status_code == 503 and ready.json()["database"] is False
        # Nobody listening at all.
        proxy.go_away()
        for response in await _requests(client):
            _assert_unavailable(response)
        proxy.come_back()
        # Back: the next requests are served.
        statuses = [r.status_code for r in await _requests(client)]
        assert statuses == [200, 401, 401], statuses


async def test_a_database_that_never_answers_gets_503_after_the_connect_timeout(proxied, monkeypatch):
    from backend.lib import db

    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 0.5)  # the rule, without waiting the real 5 s
    proxy, settings = proxied
    async with AsyncTestClient(app=create_app(settings)) as client:
        proxy.silence()
        proxy.sever(None)
        _assert_unavailable(await client.get(POINTS))
        proxy.forward()
        assert (await client.get(POINTS)).status_code == 200


async def test_backends_ended_by_the_server_give_503_or_an_answer_never_500(postgres_settings):
    import asyncpg

    settings = msgspec.structs.replace(postgres_settings, redis_url="")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await asyncio.gather(*(client.get(POINTS) for _ in range(4)))  # several pooled connections
        admin = await asyncpg.connect(postgres_settings.database_url)
        try:
            # Only the backends of this test session's own database (never other clients').
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert ended >= 1
        # Each ended connection fails the one request that finds it (503, never 500) and leaves
        # the pool; how many rounds that takes depends on which pooled connections each round
        # draws, so allow one round per ended connection before everything must answer.
        for _ in range(ended + 1):
            statuses = []
            for response in await _requests(client):
                assert response.status_code in (200, 401, 503), response.text
                if response.status_code == 503:
                    _assert_unavailable(response)
                statuses.append(response.status_code)
            if 503 not in statuses:
                break
        assert statuses == [200, 401, 401]


def test_what_counts_as_out_of_reach():
    import errno
    import socket

    from asyncpg.exceptions import CannotConnectNowError, InterfaceError, InternalClientError, UniqueViolationError

    from backend.lib.errors import is_unavailable

    multi = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), [Errno 111] Connect call failed ('127.0.0.1', 5432)"
    )
    for error in (
        multi,
        socket.gaierror(-2, "Name or service not known"),
        TimeoutError(),
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        CannotConnectNowError("the database system is starting up"),
        InterfaceError("pool is closing"),
        InterfaceError("cannot call Transaction.rollback(): the underlying connection is closed"),
        # Seen when pg_terminate_backend ended an idle pooled connection (a 500 in one CI run).
        InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    ):
        assert is_unavailable(error), error
    try:
        try:
            raise CannotConnectNowError("shutting down")
        except CannotConnectNowError as cause:
            raise RuntimeError("while saving") from cause
    except RuntimeError as wrapped:
        assert is_unavailable(wrapped)
    # Faults of ours stay 500s.
    for error in (
        OSError(errno.ENOENT, "No such file or directory"),
        ValueError("bad"),
        UniqueViolationError("duplicate key"),
        InterfaceError("cannot perform operation: another operation is in progress"),
    ):
        assert not is_unavailable(error), error
