"""The lean Redis connection against a scripted server: set-up commands, a silent server, a refused AUTH."""

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.lib.redis_wire import Wire, pack

pytestmark = pytest.mark.anyio


class FakeRedis:
    """Answers each command with the next scripted reply (raw RESP); None: never answers."""

    def __init__(self, replies: list[bytes | None]) -> None:
        self.replies = list(replies)
        self.received = b""
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while data := await reader.read(65536):
                self.received += data
                for _ in range(data.count(b"*")):  # one command per array header (no '*' in these args)
                    reply = self.replies.pop(0) if self.replies else None
                    if reply is None:
                        continue
                    writer.write(reply)
        finally:
            writer.close()


async def _serving(fake: FakeRedis):
    server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_auth_and_select_precede_the_first_batch():
    fake = FakeRedis([b"+OK\r\n", b"+OK\r\n", b"$5\r\nhello\r\n", b":7\r\n"])
    server, port = await _serving(fake)
    wire = Wire(host="127.0.0.1", port=port, db=2, username="gate", password="s3cret", timeout=2)
    try:
        replies = await wire.exchange(pack([("GET", "k"), ("INCR", "n")]), 2)
        assert replies == ["hello", 7]
        assert fake.received.startswith(pack([("AUTH", "gate", "s3cret"), ("SELECT", 2)]))
    finally:
        wire.close()
        server.close()


async def test_a_silent_server_times_out_and_the_next_batch_reconnects():
    fake = FakeRedis([None, b"$-1\r\n"])
    server, port = await _serving(fake)
    wire = Wire(host="127.0.0.1", port=port, timeout=0.2)
    try:
        with pytest.raises(RedisTimeoutError):
            await wire.exchange(pack([("GET", "k")]), 1)
        # The late reply to the first batch can never be read as the second batch's answer.
        assert await wire.exchange(pack([("GET", "k")]), 1) == [None]
        assert fake.connections == 2
    finally:
        wire.close()
        server.close()


async def test_a_refused_auth_is_a_connection_error():
    fake = FakeRedis([b"-WRONGPASS invalid username-password pair\r\n"])
    server, port = await _serving(fake)
    wire = Wire(host="127.0.0.1", port=port, password="wrong", timeout=2)
    try:
        with pytest.raises(RedisConnectionError, match="WRONGPASS"):
            await wire.exchange(pack([("GET", "k")]), 1)
    finally:
        wire.close()
        server.close()


async def test_nobody_listening_is_a_connection_error():
    server, port = await _serving(FakeRedis([]))
    server.close()
    await server.wait_closed()
    with pytest.raises(RedisConnectionError):
        await Wire(host="127.0.0.1", port=port, timeout=2).exchange(pack([("GET", "k")]), 1)
