"""`yikatong serve` in a real process: one worker answers; several need the shared store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(YIKATONG_ENV="test", YIKATONG_DATA_DIR=str(tmp_path / "data"), YIKATONG_LOG_LEVEL="WARNING")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_health(tmp_path):
    port = _free_port()
    cmd = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    assert answer.status == 200 and b'"ok"' in answer.read()
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.time() < deadline, "yikatong serve did not answer within 30 s"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(10)


def test_several_workers_need_the_shared_store(tmp_path):
    cmd = [sys.executable, "-m", "backend.cli", "serve", "--port", str(_free_port()), "--workers", "2"]
    done = subprocess.run(cmd, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "YIKATONG_REDIS_URL" in done.stderr
