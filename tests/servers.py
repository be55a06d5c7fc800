"""Real server processes for tests: a free port, and waiting until the server answers."""

from __future__ import annotations

import socket
import subprocess
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
