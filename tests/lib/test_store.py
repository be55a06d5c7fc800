"""The shared store on Redis, Redis Cluster (auto-pipelined) and embedded: the same answers, alone and all at once."""

import asyncio
import secrets

import pytest
from redis.exceptions import ResponseError

from backend.lib.store import MemoryStore, RedisStore

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "redis", "redis-cluster"])
async def store(request):
    if request.param == "memory":
        made = MemoryStore("t:")
    elif request.param == "redis":
        made = RedisStore(request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix"))
    else:
        # Keys of one test spread over the three nodes' slots: pipelines are split per node.
        made = RedisStore(request.getfixturevalue("redis_cluster_url"), f"t{secrets.token_hex(4)}:")
    yield made
    await made.close()


async def test_each_operation_answers_as_documented(store):
    assert await store.get("k") is None
    await store.set("k", "v", 60)
    assert await store.get("k") == "v" and 0 < await store.ttl("k") <= 60
    await store.set("forever", "x")
    assert await store.ttl("forever") == -1 and await store.ttl("absent") == -2
    assert await store.claim("c", "first", 60) is None
    assert await store.claim("c", "second", 60) == "first" and await store.get("c") == "first"
    assert [await store.incr("n", 60) for _ in range(3)] == [1, 2, 3]
    assert 0 < await store.ttl("n") <= 60  # the window started with the first increment
    await store.delete("k")
    assert await store.get("k") is None


async def test_get_and_incr_answers_both_in_one_operation(store):
    assert await store.get_and_incr("state", "count", 60) == (None, 1)
    await store.set("state", "v", 60)
    assert await store.get_and_incr("state", "count", 60) == ("v", 2)
    assert 0 < await store.ttl("count") <= 60
    await store.set("not-a-number", "x", 60)
    with pytest.raises((ValueError, ResponseError)):  # the embedded store, Redis
        await store.get_and_incr("state", "not-a-number", 60)


async def test_concurrent_claims_let_exactly_one_win(store):
    held = await asyncio.gather(*(store.claim("code", f"scanner-{i}", 60) for i in range(50)))
    winners = [i for i, h in enumerate(held) if h is None]
    assert len(winners) == 1
    assert set(held) - {None} == {f"scanner-{winners[0]}"}


async def test_concurrent_increments_count_every_call(store):
    counts = await asyncio.gather(*(store.incr("rate", 60) for _ in range(100)))
    assert sorted(counts) == list(range(1, 101))


async def test_a_failing_operation_fails_alone(store):
    await store.set("text", "not a number", 60)
    results = await asyncio.gather(store.incr("text", 60), store.incr("fine", 60), store.get("text"), return_exceptions=True)
    assert isinstance(results[0], Exception)
    assert results[1:] == [1, "not a number"]


async def test_operations_on_many_slots_at_once(store):
    keys = [f"spread-{i}" for i in range(40)]
    await asyncio.gather(*(store.set(k, k, 60) for k in keys))
    assert await asyncio.gather(*(store.get(k) for k in keys)) == keys
    assert await asyncio.gather(*(store.claim(k, "x", 60) for k in keys)) == keys


async def _kill_own_connections(admin, name: str) -> int:
    """CLIENT KILL by id of this test's connections only (found by the name the store's URL gave
    them): the Redis server is shared with other tests and services, whose clients stay up."""
    mine = [c["id"] for c in await admin.client_list() if c.get("name") == name]
    for client_id in mine:
        await admin.execute_command("CLIENT", "KILL", "ID", client_id)
    return len(mine)


async def test_redis_connection_dropped_by_the_server_is_replaced(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    name = f"yktest-{secrets.token_hex(4)}"
    store = RedisStore(f"{redis_url}?client_name={name}", redis_prefix)
    admin = aioredis.Redis.from_url(redis_url, decode_responses=True)
    # A bystander of our own: the shared server's other clients come and go with other tests, so
    # "nobody else was dropped" is checked on a connection this test holds open throughout.
    bystander = aioredis.Redis.from_url(f"{redis_url}?client_name={name}-bystander", decode_responses=True)
    try:
        await bystander.ping()
        await store.set("k", "before", 60)
        assert await _kill_own_connections(admin, name) >= 1
        await asyncio.sleep(0.05)  # idle for a moment: the close reaches the store's side
        # The first operation after the server dropped the idle connection already succeeds,
        # a one-time claim included: nothing was sent on the dead connection.
        assert await store.get("k") == "before"
        assert await store.claim("k", "other", 60) == "before"
        assert await store.claim("fresh", "mine", 60) is None
        names = [c.get("name") for c in await admin.client_list()]
        assert f"{name}-bystander" in names  # nobody else was dropped
    finally:
        await bystander.aclose()
        await admin.aclose()
        await store.close()


async def test_redis_database_number_from_the_url(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    base = redis_url.rsplit("/", 1)[0]
    store = RedisStore(f"{base}/3", redis_prefix)
    other = aioredis.Redis.from_url(f"{base}/3", decode_responses=True)
    try:
        await store.set("in-three", "yes", 60)
        assert await other.get(redis_prefix + "in-three") == "yes"
    finally:
        await other.delete(redis_prefix + "in-three")
        await other.aclose()
        await store.close()
