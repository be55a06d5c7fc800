"""A lean Redis connection for pipelined batches: RESP written by hand, replies parsed by hiredis."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import hiredis
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

READ_CHUNK = 65536


def pack(commands: Iterable[Sequence[object]]) -> bytes:
    """Commands in RESP, the Redis wire format: *<argc> then $<len> and the bytes of each argument."""
    out = []
    for args in commands:
        out.append(b"*%d\r\n" % len(args))
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class LinkLost(RedisConnectionError):
    """The connection failed while a batch was on it. `maybe_run`: some of the batch may have
    reached the server (and been run) before it failed; False only when nothing was sent."""

    def __init__(self, message: str, *, maybe_run: bool) -> None:
        super().__init__(message)
        self.maybe_run = maybe_run


class _Link:
    """One open connection and its reply parser."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = hiredis.Reader(encoding="utf-8", replyError=ResponseError)

    def usable(self) -> bool:
        """False once the event loop has seen the server close it (EOF or reset), which it does
        even while nobody reads: after a restart, CLIENT KILL or an idle timeout."""
        return not (self.writer.is_closing() or self.reader.at_eof() or self.reader.exception() is not None)

    def close(self) -> None:
        self.writer.close()


class Wire:
    """Batches of packed commands over one connection per event loop, replies in order.

    The store's Batcher sends one batch at a time per loop, so one connection per loop carries
    every batch, with no pool and no per-reply timeout (redis-py spends more CPU on those than
    on the bytes). One timeout covers a whole batch. Any failure closes the connection: replies
    left unread must never reach another batch; the next batch connects afresh.

    Reconnecting is transparent only where it is safe whatever the batch holds: a connection
    the server has already closed (seen before this batch is written) is replaced, and the batch
    goes out on the new one, since not a byte of it was sent. Once a batch has been written, a
    failure is raised (LinkLost, maybe_run=True) and nothing is re-sent here: the server may
    have run any of its commands, and only the caller knows which of them may run twice (the
    store re-sends reads; a one-time claim is never re-sent, see RedisStore._replies).
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
        client_name: str | None = None,
    ) -> None:
        self._host, self._port, self._db = host, port, db
        self._username, self._password = username, password
        self._client_name = client_name  # CLIENT SETNAME: operators can find (and kill) exactly these
        self._timeout = timeout
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = weakref.WeakKeyDictionary()
        self._busy: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    @classmethod
    def for_pool(cls, pool: Any) -> Wire | None:
        """A Wire with the address and credentials redis-py parsed from the URL, or None when
        the pool is not plain TCP (TLS, Unix socket): those keep redis-py's own connections."""
        if pool.connection_class is not Connection:
            return None
        kw = pool.connection_kwargs
        timeout = kw.get("socket_timeout") or 5.0
        return cls(
            host=kw.get("host", "localhost"),
            port=int(kw.get("port", 6379)),
            db=int(kw.get("db", 0) or 0),
            username=kw.get("username"),
            password=kw.get("password"),
            timeout=timeout,
            client_name=kw.get("client_name"),
        )

    async def exchange(self, payload: bytes, count: int) -> list[Any]:
        """Send `payload` (`count` packed commands) and return their `count` replies; an error
        reply is a ResponseError in its place. Connection trouble raises redis-py's
        ConnectionError (LinkLost, which says whether the batch may have been run) or
        TimeoutError, so callers see what they would from redis-py."""
        loop = asyncio.get_running_loop()
        lock = self._busy.get(loop)
        if lock is None:
            lock = self._busy[loop] = asyncio.Lock()
        async with lock:  # the Batcher already sends one batch at a time; this makes it a rule
            link = self._links.get(loop)
            if link is not None and not link.usable():
                self._drop(loop, link)  # closed by the server while idle: nothing sent yet, connect afresh
                link = None
            sent = False
            try:
                async with asyncio.timeout(self._timeout):
                    if link is None:
                        link = self._links[loop] = await self._connect()
                    link.writer.write(payload)
                    sent = True
                    return await self._read(link, count)
            except BaseException as error:
                self._drop(loop, link)
                if isinstance(error, TimeoutError):
                    raise RedisTimeoutError(f"Redis did not answer within {self._timeout} s") from error
                if isinstance(error, (OSError, EOFError, hiredis.ProtocolError)):
                    raise LinkLost(f"Redis connection failed: {error!r}", maybe_run=sent) from error
                raise

    async def _connect(self) -> _Link:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        link = _Link(reader, writer)
        setup: list[tuple[object, ...]] = []
        if self._password:
            setup.append(("AUTH", self._username, self._password) if self._username else ("AUTH", self._password))
        if self._db:
            setup.append(("SELECT", self._db))
        if self._client_name:
            setup.append(("CLIENT", "SETNAME", self._client_name))
        if setup:
            writer.write(pack(setup))
            for reply in await self._read(link, len(setup)):
                if isinstance(reply, ResponseError):
                    link.close()
                    raise LinkLost(f"Redis refused the connection set-up: {reply}", maybe_run=False)
        return link

    @staticmethod
    async def _read(link: _Link, count: int) -> list[Any]:
        replies: list[Any] = []
        parser = link.parser
        while True:
            while len(replies) < count:
                reply = parser.gets()
                if reply is False:  # hiredis: no whole reply buffered yet
                    break
                replies.append(reply)
            if len(replies) == count:
                return replies
            data = await link.reader.read(READ_CHUNK)
            if not data:
                raise EOFError("Redis closed the connection")
            parser.feed(data)

    def _drop(self, loop: asyncio.AbstractEventLoop, link: _Link | None) -> None:
        if link is not None:
            link.close()
        if self._links.get(loop) is link:
            self._links.pop(loop, None)

    def close(self) -> None:
        """Close every connection this Wire opened (each loop's)."""
        for link in list(self._links.values()):
            try:
                link.close()
            except RuntimeError:  # its loop is already closed: the socket went with it
                pass
        self._links.clear()
