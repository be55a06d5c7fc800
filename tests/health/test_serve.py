"""`yikatong serve` in a real process: one worker answers; several need the shared store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(YIKATONG_ENV="test", YIKATONG_DATA_DIR=str(tmp_path / "data"), YIKATONG_LOG_LEVEL="WARNING")
    return env


def test_serve_answers_health(tmp_path):
    port, log = free_port(), tmp_path / "server.log"
    cmd = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--workers", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp_path), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", proc, log, timeout=30)
    finally:
        proc.terminate()
        proc.wait(10)


def test_several_workers_need_the_shared_store(tmp_path):
    cmd = [sys.executable, "-m", "backend.cli", "serve", "--port", str(free_port()), "--workers", "2"]
    done = subprocess.run(cmd, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "YIKATONG_REDIS_URL" in done.stderr
