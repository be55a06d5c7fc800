"""A throwaway three-node Redis Cluster (redis-server from the machine's packages) for store tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import need
from tests.servers import free_port


def _free_ports(n: int) -> list[int]:
    # The cluster bus listens on port + 10000, so both must be free.
    return [free_port(with_bus=True) for _ in range(n)]


def _cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory) -> str:
    """redis+cluster:// URL of three masters started for this test session, stopped after it."""
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        need("Redis Cluster", "redis-server and redis-cli are not on PATH (apt-get install redis-server)")
    base: Path = tmp_path_factory.mktemp("redis-cluster")
    ports = _free_ports(3)
    nodes = []
    try:
        for port in ports:
            work = base / str(port)
            work.mkdir()
            nodes.append(
                subprocess.Popen(
                    [
                        "redis-server",
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(work),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in ports:
            for _ in range(100):
                if _cli(port, "ping").strip() == "PONG":
                    break
                time.sleep(0.05)
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports), "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if created.returncode != 0:
            need("Redis Cluster", f"redis-cli --cluster create failed: {created.stdout[-500:]} {created.stderr[-500:]}")
        for _ in range(200):
            if all("cluster_state:ok" in _cli(p, "cluster", "info") for p in ports):
                break
            time.sleep(0.05)
        else:
            need("Redis Cluster", "the cluster did not reach cluster_state:ok")
        yield f"redis+cluster://127.0.0.1:{ports[0]}/0"
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(10)
