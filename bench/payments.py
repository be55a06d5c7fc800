"""Payments at scale: one batch of 10,000 orders submitted over HTTP, then executed by a `yikatong worker` and
credited by `yikatong bank-sim`, each figure beside a plain insert of the same 10,000 rows in the same run.

SQLite, and PostgreSQL when reachable (a database of its own, dropped after). The service runs as `yikatong
serve` does (its embedded worker off: the worker is a process of its own, as in production). Figures only;
nothing is asserted (docs/bench.md, "Payments").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch_pg import admin, pg_ok, url_of  # noqa: E402

ORDERS = int(os.environ.get("BENCH_PAYMENT_ORDERS", "10000"))
HOLDERS = 100
SETTLE_LIMIT = float(os.environ.get("BENCH_PAYMENT_SETTLE_LIMIT", "900"))  # give up (and say so) after this long


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _plain_table():
    """A table with payments_order's columns and none of its constraints, indexes or foreign keys."""
    from piccolo.columns import UUID, BigInt, Integer, Timestamptz, Varchar
    from piccolo.table import Table

    class PlainOrder(Table, tablename=f"bench_plain_order_{secrets.token_hex(3)}"):
        id = UUID(primary_key=True)
        agency = UUID()
        client_id = Varchar(length=64)
        batch = UUID(null=True)
        line_no = Integer()
        idempotency_key = Varchar(length=64)
        content_hash = Varchar(length=64)
        person = UUID()
        payment_type = Varchar(length=32)
        amount_fen = BigInt()
        legal_basis = Varchar(length=200)
        purpose = Varchar(length=200)
        reference = Varchar(length=64)
        status = Varchar(length=16)
        hold_reason = Varchar(length=32)
        hold_detail = Varchar(length=200)
        submitted_card = UUID(null=True)
        submitted_account = Varchar(length=32)
        card = UUID(null=True)
        bank = UUID(null=True)
        account = Varchar(length=32)
        instructions = Integer()
        version = Integer()
        created_at = Timestamptz()
        updated_at = Timestamptz()
        credited_at = Timestamptz(null=True)

    return PlainOrder


async def _prepare(env: dict[str, str]) -> tuple[str, str, list[dict[str, str]], dict[str, uuid.UUID]]:
    """Schema, keys, a bank and a paying agency with clients, holders with cards at the bank."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
    from backend.identity import services as identity
    from backend.identity.documents import make_resident_id
    from backend.lib import db
    from backend.lib.settings import load_settings
    from backend.org.tables import Agency, Bank, City, Office

    settings = load_settings(environ=env, dotenv=None)
    store = keystore_for(settings)
    store.init()
    keyring = store.load()
    now = dt.datetime.now(dt.UTC)
    async with db.lifespan(settings):
        await db.migrate(quiet=True)
        city = await City.objects().get(City.code == "440100").run()
        if city is None:
            city = City(code="440100", name="广州市", name_en="Guangzhou")
            await city.save().run()
        office = Office(city=city.id, name="bench office", kind="office")
        await office.save().run()
        bank = Bank(code="BENCH", name="基准测试银行", status="active", keeps_account_on_replacement=True, updated_at=now)
        await bank.save().run()
        agency = Agency(code="BENCH-SIFC", name="基准测试社保基金", kind="hrss")
        await agency.save().run()
        unlimited = 100_000_000  # the default 600 requests a minute would pace the bank, not the service
        _, bank_token = await accounts.create_client(
            kind="bank", org_id=bank.id, name="bench bank", created_by="bench", rate_per_minute=unlimited
        )
        _, payer_token = await accounts.create_client(
            kind="payer", org_id=agency.id, name="bench payer", created_by="bench", rate_per_minute=unlimited
        )
        holders = []
        for i in range(HOLDERS):
            number = make_resident_id("440106", dt.date(1950 + i % 40, 1 + i % 12, 1 + i % 28), 100 + i)
            name = "王李张刘陈杨黄赵吴周"[i % 10] + "伟芳娜敏静丽强磊军洋"[i // 10 % 10] + "明"
            person_id = await identity.register_person(keyring, "resident_id", number, name)
            await cards.issue_card_directly(
                keyring, person_id=person_id, city_code="440100", office_id=office.id, bank_code="BENCH", ecard_level=1
            )
            holders.append({"doc_type": "resident_id", "id_number": number, "name": name})
    return payer_token, bank_token, holders, {"agency": agency.id, "person": person_id}


def _lines(holders: list[dict[str, str]], run: str) -> list[dict]:
    return [
        {
            "idempotency_key": f"{run}-{i:06d}",
            **holders[i % len(holders)],
            "payment_type": "pension",
            "amount_fen": 100_000 + i,
            "legal_basis": "《社会保险法》第十五条 基本养老金按月发放",
            "purpose": "基准测试养老金",
            "reference": f"BENCH-{i:06d}",
        }
        for i in range(ORDERS)
    ]


async def _plain_insert(env: dict[str, str], lines: list[dict], ids: dict[str, uuid.UUID]) -> float:
    """Seconds to write the same rows with one multi-row INSERT per chunk (db.insert_rows), in one transaction."""
    from backend.lib import db
    from backend.lib.settings import load_settings

    table = _plain_table()
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "agency": ids["agency"],
            "client_id": "bench",
            "batch": None,
            "line_no": i + 1,
            "idempotency_key": line["idempotency_key"],
            "content_hash": secrets.token_hex(32),
            "person": ids["person"],
            "payment_type": line["payment_type"],
            "amount_fen": line["amount_fen"],
            "legal_basis": line["legal_basis"],
            "purpose": line["purpose"],
            "reference": line["reference"],
            "status": "accepted",
            "hold_reason": "",
            "hold_detail": "",
            "submitted_card": None,
            "submitted_account": "",
            "card": None,
            "bank": None,
            "account": "",
            "instructions": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "credited_at": None,
        }
        for i, line in enumerate(lines)
    ]
    chunk = 30_000 // len(rows[0])  # under SQLite's limit of bound values per statement
    async with db.lifespan(load_settings(environ=env, dotenv=None)):
        await table.create_table().run()
        try:
            start = time.perf_counter()
            async with db.transaction():
                for at in range(0, len(rows), chunk):
                    await db.insert_rows(table, rows[at : at + chunk])
            return time.perf_counter() - start
        finally:
            await table.alter().drop_table().run()


def _cli(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, stdout=out, stderr=out)


def _wait_ready(base: str, proc: subprocess.Popen) -> None:
    import httpx

    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


def _cpu_seconds(proc: subprocess.Popen | None) -> float | None:
    """User + system CPU time of a running process so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split() if proc else []
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _measure(setup: str, env: dict[str, str], tmp: Path) -> None:
    import httpx

    payer, bank, holders, ids = asyncio.run(_prepare(env))
    lines = _lines(holders, "bench")
    plain = asyncio.run(_plain_insert(env, lines, ids))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    sim_args = ("bank-sim", "--base-url", base, "--token", bank, "--books", str(tmp / "bank-books.sqlite"), "--concurrency", "16")
    server = worker = sim = None
    try:
        server = _cli(env, tmp / "server.log", "serve", "--port", str(port))
        _wait_ready(base, server)
        opened = subprocess.run(
            [sys.executable, "-m", "backend.cli", *sim_args, "--once", "--log-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if opened.returncode != 0:
            raise RuntimeError(f"the bank did not open the accounts: {opened.stdout}{opened.stderr}")
        worker = _cli(env, tmp / "worker.log", "worker")
        sim = _cli(env, tmp / "bank-sim.log", *sim_args, "--poll-seconds", "0.2", "--log-level", "WARNING")
        body = {"idempotency_key": "bench-run", "name": "基准测试发放", "lines": lines}
        with httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {payer}"}) as http:
            start = time.perf_counter()
            answer = http.post("/api/v1/payments/batches", json=body)
            submitted = time.perf_counter() - start
            if answer.status_code != 201 or answer.json()["accepted_count"] != ORDERS:
                raise RuntimeError(f"the batch was not accepted whole: {answer.status_code} {answer.text[:300]}")
            batch = answer.json()["id"]
            settled = executed = None
            while time.perf_counter() - start < SETTLE_LIMIT:
                progress = http.get(f"/api/v1/payments/batches/{batch}").json()
                if executed is None and not progress["by_status"].get("accepted"):
                    executed = time.perf_counter() - start  # every order instructed (or held): the worker's part
                if progress["by_status"].get("credited", 0) == ORDERS:
                    settled = time.perf_counter() - start
                    break
                time.sleep(0.2)
        cpu = {name: _cpu_seconds(p) for name, p in (("server", server), ("worker", worker), ("bank simulator", sim))}
    finally:
        _stop(sim)
        _stop(worker)
        _stop(server)
    print(f"{setup}:")
    print(
        f"  plain insert of the {ORDERS:,} rows (one transaction) {plain:8.2f} s  {ORDERS / plain:9,.0f} rows/s   1.00 (baseline)"
    )
    print(
        f"  submission, one batch over HTTP        {submitted:8.2f} s  {ORDERS / submitted:9,.0f} orders/s  x{submitted / plain:.1f} the plain insert's time"
    )
    # On a shared machine wall time varies with the others' load; CPU time says where the work went.
    print("  CPU seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items() if value is not None))
    if executed is not None:
        print(
            f"  of which executed (worker: instructions) {executed:6.2f} s  {ORDERS / executed:9,.0f} orders/s  x{executed / plain:.1f} the plain insert's time"
        )
    if settled is None:
        print(f"  fully settled: not within {SETTLE_LIMIT:.0f} s (by status: {progress['by_status']})")
    else:
        print(
            f"  fully settled (worker + bank simulator) {settled:7.2f} s  {ORDERS / settled:9,.0f} orders/s  x{settled / plain:.1f} the plain insert's time"
        )


def main() -> int:
    print(f"Payments: {ORDERS:,} orders in one batch over {HOLDERS} holders, against a plain insert of the same rows")
    setups: list[tuple[str, str | None]] = [("SQLite", None)]
    if asyncio.run(pg_ok()):
        setups.append(("PostgreSQL", f"yk_bench_pay_{secrets.token_hex(4)}"))
    else:
        print("  (PostgreSQL not reachable: SQLite only)")
    for setup, dbname in setups:
        tmp = Path(tempfile.mkdtemp(prefix="ykbench-pay-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
        env.update(
            YIKATONG_ENV="test",
            YIKATONG_DATA_DIR=str(tmp / "data"),
            YIKATONG_LOG_LEVEL="WARNING",
            YIKATONG_JOBS_EMBEDDED="0",
            YIKATONG_JOBS_POLL_SECONDS="0.1",
        )
        if dbname:
            asyncio.run(admin(f'CREATE DATABASE "{dbname}"'))
            env["YIKATONG_DATABASE_URL"] = url_of(dbname)
        try:
            _measure(setup, env, tmp)
        finally:
            if dbname:
                asyncio.run(admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
