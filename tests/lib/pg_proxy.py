"""A TCP proxy in front of the real PostgreSQL that can play a server going down and coming back.

`forward` pipes bytes both ways; `silence` accepts and never answers. `refuse(sqlstate)` answers every new connection's startup with
a FATAL ErrorResponse (57P03: "the database system is starting up" / "shutting down"), as the
real server does then. `sever(sqlstate)` ends every open connection as a shutting-down server
does: a FATAL ErrorResponse (57P01: "terminating connection due to administrator command"),
then the socket closes. It runs in a thread of its own, so the app under test (served from
another thread by the test client) reaches it whatever the test's event loop is doing.
"""

from __future__ import annotations

import asyncio
import struct
import threading

from tests.servers import free_port

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104

MESSAGES = {
    "57P01": "terminating connection due to administrator command",
    "57P02": "terminating connection because of crash of another server process",
    "57P03": "the database system is starting up",
    "53300": "sorry, too many clients already",
}


def error_response(sqlstate: str) -> bytes:
    """A PostgreSQL ErrorResponse ('E') message: severity FATAL, the SQLSTATE and its text."""
    fields = (
        b"".join(
            code + text.encode() + b"\0"
            for code, text in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", MESSAGES.get(sqlstate, "unavailable")))
        )
        + b"\0"
    )
    return b"E" + struct.pack("!i", 4 + len(fields)) + fields


class PgProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.refusing: str | None = None
        self.accepted = 0
        self._pipes: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    # -- control, from the test's thread ----------------------------------
    def start(self) -> None:
        self._thread.start()
        self._call(self._start())

    def stop(self) -> None:
        self.go_away()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def go_away(self) -> None:
        """Nobody listens on the port any more (connections are refused), as when the server is down."""
        self._call(self._go_away())

    def come_back(self) -> None:
        """Listen again on the same port, forwarding."""
        self.refusing = None
        self._call(self._start())

    def forward(self) -> None:
        self.refusing = None

    def silence(self) -> None:
        """New connections are accepted and never answered (a server or network that hangs)."""
        self.refusing = "silent"

    def refuse(self, sqlstate: str = "57P03") -> None:
        self.refusing = sqlstate

    def sever(self, sqlstate: str = "57P01") -> int:
        """End every open connection; returns how many there were."""
        return self._call(self._sever(sqlstate))

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    # -- the proxy, on its own loop ---------------------------------------
    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _go_away(self) -> None:
        await self._sever(None)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _sever(self, sqlstate: str | None) -> int:
        pipes = list(self._pipes)
        for client in pipes:
            if sqlstate is not None:
                client.write(error_response(sqlstate))
            client.close()
        self._pipes.clear()
        return len(pipes)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.refusing is not None:
            await self._refuse(reader, writer, self.refusing)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._pipes.add(writer)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, RuntimeError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._pipes.discard(writer)

    @staticmethod
    async def _refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sqlstate: str) -> None:
        if sqlstate == "silent":
            await reader.read()  # until the client gives up and closes
            writer.close()
            return
        try:
            while True:  # SSL/GSS requests first get 'N' (not here), then comes the startup message
                length = struct.unpack("!i", await reader.readexactly(4))[0]
                body = await reader.readexactly(length - 4)
                code = struct.unpack("!i", body[:4])[0] if len(body) >= 4 else 0
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    writer.write(b"N")
                    continue
                break
            writer.write(error_response(sqlstate))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
