"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, latency percentiles."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    results: dict[str, int]  # the `result` field of JSON answers that have one (verification)
    server_cpu_seconds: float | None = None  # CPU the server process used while measuring

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server CPU per answered request: steadier than req/s on a shared, noisy machine."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests * 1e6

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return 0.0
        return data[min(len(data) - 1, int(len(data) * p / 100))]


def http_request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def _result_of(body: bytes) -> str | None:
    start = body.find(b'"result":"')
    if start < 0:
        return None
    start += 10
    return body[start : body.find(b'"', start)].decode()


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (Linux /proc), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def run_load(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float = 1.0,
    server_pid: int | None = None,
) -> LoadResult:
    """Each connection sends the next request from the shared cycle as soon as it has an answer.
    With `server_pid`, the server's CPU over the measured window is taken too."""
    source = itertools.cycle(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    results: dict[str, int] = {}
    stop_at = time.perf_counter() + warmup + duration
    measure_from = time.perf_counter() + warmup
    count = 0

    async def worker() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                start = time.perf_counter()
                if start >= stop_at:
                    return
                writer.write(next(source))
                status, body = await _read_response(reader)
                end = time.perf_counter()
                if start >= measure_from:
                    latencies.append((end - start) * 1000)
                    statuses[status] = statuses.get(status, 0) + 1
                    result = _result_of(body)
                    if result is not None:
                        results[result] = results.get(result, 0) + 1
                    count += 1
        finally:
            writer.close()

    cpu: list[float | None] = []

    async def cpu_meter() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu.append(process_cpu_seconds(server_pid))
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        cpu.append(process_cpu_seconds(server_pid))

    meters = [cpu_meter()] if server_pid else []
    await asyncio.gather(*(worker() for _ in range(concurrency)), *meters)
    used = cpu[1] - cpu[0] if len(cpu) == 2 and None not in cpu else None
    return LoadResult(count, duration, latencies, statuses, results, used)
