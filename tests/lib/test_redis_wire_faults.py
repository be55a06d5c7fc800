"""The store's lean Redis connection when Redis drops it: a restart, a kill mid-flight; what is re-sent and what never is."""

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.lib.store import RedisStore
from tests.conftest import need
from tests.redis_server import RedisProcess, redis_server_available

pytestmark = pytest.mark.anyio
NAME = "yktest-wire"


@pytest.fixture
def redis_process(tmp_path):
    """A redis-server of this test's own: restarting or pausing it disturbs nobody else."""
    if not redis_server_available():
        need("redis-server", "redis-server and redis-cli are not on PATH (apt-get install redis-server)")
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def store(redis_process):
    made = RedisStore(f"{redis_process.url}?client_name={NAME}", "t:")
    yield made
    await made.close()


async def _until(condition) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server never reached the expected state")


async def test_after_a_restart_the_first_operations_succeed(store, redis_process):
    await store.set("k", "v", 60)
    redis_process.restart()  # every client dropped, every key gone (no persistence)
    await asyncio.sleep(0.05)
    assert await store.get("k") is None
    assert await store.claim("c", "mine", 60) is None  # nothing was sent on the dead connection
    assert await store.incr("n", 60) == 1
    assert await store.ping() is True


async def test_a_claim_in_flight_when_the_connection_dies_is_never_resent(store, redis_process):
    await store.set("k", "v", 60)
    # Writes wait while paused, so the claim (and the read behind it in the same pipeline) is
    # on its way when the connection is killed: it may or may not have been run, as far as the
    # client can know.
    redis_process.cli("client", "pause", "5000", "write")
    pending = asyncio.ensure_future(asyncio.gather(store.claim("c", "first", 60), store.get("k"), return_exceptions=True))
    await _until(
        lambda: f"name={NAME}" in redis_process.cli("client", "list") and "flags=b" in redis_process.cli("client", "list")
    )
    assert redis_process.cli("client", "kill", "skipme", "yes", "type", "normal") != "0"  # our own server: only us
    claim, read = await pending
    # The claim fails cleanly (a connection error: 503 for the caller), never re-sent blindly;
    # the read is re-sent on a fresh connection and answers.
    assert isinstance(claim, RedisConnectionError)
    assert read == "v"
    redis_process.cli("client", "unpause")
    # The next claim always succeeds. Here the lost one was never run (the server was paused),
    # so the code is still free: the first scan of the retry wins it, as it should.
    assert await store.claim("c", "second", 60) is None
    assert await store.claim("c", "third", 60) == "second"
