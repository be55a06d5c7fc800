"""Online verification over HTTP against one server worker, beside a trivial JSON POST.

Seeds a demo province into a fresh database (PostgreSQL + Redis when reachable, else SQLite and
the embedded store), starts the service with one worker as `yikatong serve` does (plus the
bench-only floor route of floor_server.py), mints distinct codes in this process with the same
keyring, and drives the trivial POST, the verify route and the floor with 64 keep-alive
connections.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import http_request, run_load  # noqa: E402
from scratch_pg import admin, pg_ok, url_of  # noqa: E402

REDIS = os.environ.get("YIKATONG_TEST_REDIS", "redis://127.0.0.1:6379/0")
CONCURRENCY = 64
LOW_CONCURRENCY = int(os.environ.get("BENCH_LOW_CONNECTIONS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_ok() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


async def _seed(env: dict[str, str]) -> tuple[str, list[str]]:
    from backend.cards.tables import Card
    from backend.demo import seed
    from backend.lib import db
    from backend.lib.settings import load_settings

    settings = load_settings(environ=env, dotenv=None)
    result = await seed(settings)
    metro_token = next(token for name, scenarios, token in result["venues"] if "transit_ride" in scenarios)
    async with db.lifespan(settings):
        refs = [r["ref"] for r in await Card.select(Card.ref).where(Card.state == "active").run()]
    return metro_token, refs


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    import httpx

    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


def _report(name: str, result, base=None) -> None:
    ratio = f"{result.rps / base.rps:5.2f}" if base else "1.00 (baseline)"
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    codes += "".join(f", {k}: {v}" for k, v in sorted(result.results.items()))  # every scan must say valid
    cpu = ""
    if result.cpu_us_per_request is not None:
        # Server CPU per request varies far less than req/s on a shared machine; its inverse
        # ratio is what the throughput ratio would be if the server alone set the pace.
        cpu = f"  server CPU {result.cpu_us_per_request:5.0f} us/req"
        if base and base.cpu_us_per_request:
            cpu += f" (baseline / this {base.cpu_us_per_request / result.cpu_us_per_request:4.2f})"
    print(
        f"{name:34} {result.rps:9,.0f} req/s  p50 {result.pct(50):6.2f} ms  p99 {result.pct(99):6.2f} ms  x baseline {ratio}{cpu}  [{codes}]"
    )


async def main() -> int:
    from backend.app import keystore_for
    from backend.codes import format as fmt
    from backend.lib.settings import load_settings

    tmp = Path(tempfile.mkdtemp(prefix="ykbench-"))
    env = {
        "YIKATONG_ENV": "test",
        "YIKATONG_DATA_DIR": str(tmp / "data"),
        "YIKATONG_KEY_DIR": str(tmp / "keys"),
        "YIKATONG_LOG_LEVEL": "WARNING",
        # A metro gate's credential is provisioned for its traffic; the default (600/min) would throttle the bench.
        "YIKATONG_CLIENT_RATE_PER_MINUTE": "100000000",
    }
    dbname = None
    if await pg_ok() and _redis_ok():
        dbname = f"yk_bench_{secrets.token_hex(4)}"
        await admin(f'CREATE DATABASE "{dbname}"')
        env["YIKATONG_DATABASE_URL"] = url_of(dbname)
        env["YIKATONG_REDIS_URL"] = REDIS
        env["YIKATONG_REDIS_PREFIX"] = f"ykbench:{secrets.token_hex(4)}:"
        setup = "PostgreSQL + Redis"
    else:
        setup = "SQLite + embedded store"
    port = _free_port()
    proc = None
    try:
        token, refs = await _seed(env)
        keyring = keystore_for(load_settings(environ=env, dotenv=None)).load()
        proc = subprocess.Popen(
            # The service's app as `yikatong serve` runs it, plus the bench-only floor route.
            [sys.executable, str(ROOT / "bench" / "floor_server.py"), str(port)],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_ready(port, proc)
        if os.environ.get("BENCH_PROFILE"):
            # Optional: sample the server during the verification phase (needs py-spy installed).
            profile = f"sleep {SECONDS + 2}; exec py-spy record -r {os.environ.get('BENCH_PROFILE_RATE', '100')} -d {max(1, int(SECONDS) - 3)} -f {os.environ.get('BENCH_PROFILE_FORMAT', 'speedscope')} -o {os.environ['BENCH_PROFILE']} -p {proc.pid}"
            subprocess.Popen(["sh", "-c", profile], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        auth = {"Authorization": f"Bearer {token}"}
        now = int(time.time())
        # Enough distinct codes that no run reuses one another run of the same route used up:
        # the 64-connection runs draw from the first part, the 4-connection runs from the rest.
        count, low_from = 120_000, 90_000
        codes = [
            fmt.mint_online(
                bytes.fromhex(refs[i % len(refs)]), kid=keyring.online_kid, master=keyring.online[keyring.online_kid], now=now + 2
            )
            for i in range(count)
        ]
        verify = [
            http_request("POST", "/api/v1/verify", msgspec.json.encode({"code": c, "scenario": "transit_ride"}), auth)
            for c in codes
        ]
        floor = [
            http_request("POST", "/bench/floor", msgspec.json.encode({"code": c, "scenario": "transit_ride"}), auth)
            for c in codes
        ]
        durable = [
            http_request("POST", "/bench/floor-durable", msgspec.json.encode({"code": c, "scenario": "transit_ride"}), auth)
            for c in codes
        ]
        echo = [
            http_request("POST", "/health/echo", msgspec.json.encode({"code": c, "scenario": "transit_ride"}), {})
            for c in codes[:64]
        ]
        print(f"Online verification over HTTP: one worker, {setup}, {CONCURRENCY} connections, {SECONDS:.0f} s each")
        base = await run_load("127.0.0.1", port, echo, concurrency=CONCURRENCY, duration=SECONDS, server_pid=proc.pid)
        _report("trivial JSON POST (/health/echo)", base)
        result = await run_load("127.0.0.1", port, verify, concurrency=CONCURRENCY, duration=SECONDS, server_pid=proc.pid)
        _report("online verification (/api/v1/verify)", result, base)
        # What any verification must pay: token check, one-time claim, one durable row (floor_server.py).
        least = await run_load("127.0.0.1", port, floor, concurrency=CONCURRENCY, duration=SECONDS, server_pid=proc.pid)
        _report("floor: claim + row only (/bench/floor)", least, base)
        # The same floor with the durable one-time record (the row's unique use_key): its cost alone.
        kept = await run_load("127.0.0.1", port, durable, concurrency=CONCURRENCY, duration=SECONDS, server_pid=proc.pid)
        _report("floor + durable use (/bench/floor-durable)", kept, base)
        _report("  durable use, x the floor", kept, least)
        used = sum(result.statuses.values())
        body = len(verify[0].partition(b"\r\n\r\n")[2])
        print(f"  (bodies {body} bytes each; {used:,} distinct codes used of {count:,})")
        # With 64 connections in a closed loop, latency is mostly queueing (p50 ≈ 64 / rate).
        # A few connections show what one scan costs when the worker is not saturated.
        print(f"The same with {LOW_CONCURRENCY} connections:")
        low_base = await run_load("127.0.0.1", port, echo, concurrency=LOW_CONCURRENCY, duration=SECONDS, server_pid=proc.pid)
        _report("trivial JSON POST (/health/echo)", low_base)
        low = await run_load(
            "127.0.0.1", port, verify[low_from:], concurrency=LOW_CONCURRENCY, duration=SECONDS, server_pid=proc.pid
        )
        _report("online verification (/api/v1/verify)", low, low_base)
        low_floor = await run_load(
            "127.0.0.1", port, floor[low_from:], concurrency=LOW_CONCURRENCY, duration=SECONDS, server_pid=proc.pid
        )
        _report("floor: claim + row only (/bench/floor)", low_floor, low_base)
        low_kept = await run_load(
            "127.0.0.1", port, durable[low_from:], concurrency=LOW_CONCURRENCY, duration=SECONDS, server_pid=proc.pid
        )
        _report("floor + durable use (/bench/floor-durable)", low_kept, low_base)
        _report("  durable use, x the floor", low_kept, low_floor)
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
        if dbname:
            await admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
