"""A database or store that cannot be reached gets 503 service.unavailable with Retry-After, never 500."""

import socket
import time

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app

pytestmark = pytest.mark.anyio
SCANNER_TOKEN = "ykc_" + "0" * 32 + "_" + "A" * 43  # well-formed: resolving it needs the store


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


async def test_an_unreachable_store_answers_503(sqlite_settings):
    settings = msgspec.structs.replace(sqlite_settings, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    async with AsyncTestClient(app=create_app(settings)) as client:
        started = time.monotonic()
        response = await client.post(
            "/api/v1/verify",
            json={"code": "YKO1:X", "scenario": "transit_ride"},
            headers={"Authorization": f"Bearer {SCANNER_TOKEN}"},
        )
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "service.unavailable"
        assert response.headers["retry-after"] == "5"
        assert time.monotonic() - started < 30
        ready = await client.get("/ready")
        assert ready.status_code == 503 and ready.json()["store"] is False
