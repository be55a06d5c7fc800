"""Real server processes for tests: a free port, starting the service, waiting until it answers, and
forgetting a test's Redis keys (as a Redis restart without persistence would)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
