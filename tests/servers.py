"""Real server processes for tests: a free port, starting the service, waiting until it answers, and
forgetting a test's Redis keys (as a Redis restart without persistence would)."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# pytest-xdist runs the suite in several worker processes (docs/testing.md); each names itself.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "solo")
# Test servers listen on ports 10000-19999, below the kernel's ephemeral range (32768-60999), so a
# port found free is never taken by an outgoing connection (to PostgreSQL, Redis, a test server)
# before the server binds it. Each xdist worker has a block of its own, so workers never race for
# one; a Redis Cluster node's bus (port + 10000) lands in 20000-29999, also out of every block.
PORTS_START, PORTS_SPAN, BUS_OFFSET = 10_000, 10_000, 10_000


def _port_block() -> range:
    workers = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), 1)
    index = int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0
    size = PORTS_SPAN // workers
    return range(PORTS_START + index * size, PORTS_START + (index + 1) * size)


_BLOCK = _port_block()
# A random start in the block, so two test sessions at once (two engineers on one machine) rarely
# try the same ports; every port is still checked by binding it.
_cursor = random.randrange(len(_BLOCK))


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, with_bus: bool = False) -> int:
    """A port nobody listens on, from this worker's block; never the same twice in a row of the
    block's length. `with_bus`: port + 10000 is free as well (a Redis Cluster node's bus)."""
    global _cursor
    for _ in range(len(_BLOCK)):
        port = _BLOCK[_cursor % len(_BLOCK)]
        _cursor += 1
        if _bindable(port) and (not with_bus or _bindable(port + BUS_OFFSET)):
            return port
    raise RuntimeError(f"no free port in {_BLOCK.start}-{_BLOCK.stop - 1} (worker {WORKER})")


def wait_until_up(base: str, proc: subprocess.Popen, log: Path, *, path: str = "/health", timeout: float = 60) -> None:
    """Return once GET base+path answers 200; raise with the end of the server's log if the
    process exits or the time runs out (the process is killed then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + path, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused, or 503 (urllib raises HTTPError, an OSError) while starting
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the server at {base} did not answer {path}:\n{tail}")
        time.sleep(0.2)


ROOT = Path(__file__).resolve().parents[1]


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The service in a process of its own, as uvicorn runs it (one worker), its output in `log`."""
    cmd = [sys.executable, "-m", "uvicorn", "backend.app:app_from_env", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def forget_keys(url: str, prefix: str) -> None:
    """Delete every key under this test's prefix, and nothing of the shared server's other clients."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(url)
    try:
        async for key in client.scan_iter(match=prefix + "*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()
