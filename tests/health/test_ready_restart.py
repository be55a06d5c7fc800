"""/ready after the shared store restarts: a worker's stale Redis connection is not "not ready"."""

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from tests.conftest import need
from tests.redis_server import RedisProcess, redis_server_available

pytestmark = pytest.mark.anyio


async def test_ready_right_after_a_redis_restart(sqlite_settings, tmp_path):
    if not redis_server_available():
        need("redis-server", "redis-server and redis-cli are not on PATH (apt-get install redis-server)")
    server = RedisProcess(tmp_path)  # our own: restarting it drops nobody else's connections
    server.start()
    try:
        settings = msgspec.structs.replace(sqlite_settings, redis_url=server.url, redis_prefix="ready:")
        async with AsyncTestClient(app=create_app(settings)) as client:
            assert (await client.get("/ready")).status_code == 200
            server.restart()
            ready = await client.get("/ready")
            assert ready.status_code == 200, ready.text
            assert ready.json()["store"] is True
    finally:
        server.stop()
