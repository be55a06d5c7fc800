"""Crash-injection property test on PostgreSQL (issue 16): workers that die at random crash points
(exit 137, restarted), bank simulators killed at random moments and answering twice, submissions
repeated with the same keys, returned payments retried or cancelled; at the end no order is paid
twice, none is lost, the bank's books agree with the ledger to the fen, and the ledger checks out.

Everything random comes from one seed, printed at the start (and in every failure message): run
again with YIKATONG_PROPERTY_SEED=<seed> to replay the same schedule of choices."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import _pg_available, need, scratch_database
from tests.servers import ROOT, free_port, serve, wait_until_up

SEED = int(os.environ.get("YIKATONG_PROPERTY_SEED") or secrets.randbelow(2**31))
HOLDERS = 30
BANKS = 2
BATCHES = 5
LINES = 50  # per batch
SINGLES = 20
WORKERS = 3
SIMS = 2
CRASH_RATE = "0.02"
SETTLE_SECONDS = 240  # generous: a slow shared machine; the run usually takes well under a minute
PASSWORD = "Crash-test-pass-2026"


def _env(url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(
        YIKATONG_DATABASE_URL=url,
        YIKATONG_DATA_DIR=str(data),
        YIKATONG_ENV="test",
        YIKATONG_LOG_LEVEL="WARNING",
        YIKATONG_JOBS_EMBEDDED="0",  # only the crashing worker processes run jobs
        YIKATONG_JOBS_LEASE_SECONDS="2",  # a dead worker's job is taken again soon
        YIKATONG_JOBS_POLL_SECONDS="0.1",
        YIKATONG_JOBS_BACKOFF_SECONDS="0.1",
        YIKATONG_JOBS_BACKOFF_MAX_SECONDS="1",
        YIKATONG_JOBS_MAX_ATTEMPTS="1000",  # crashes count as attempts: no job may die of them
        YIKATONG_STAFF_SECOND_FACTOR="optional",  # the ledger check's staff member signs in with a password
    )
    return env


async def _sql(url: str, sql: str, *args) -> list[dict]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def sql(url: str, query: str, *args) -> list[dict]:
    return asyncio.run(_sql(url, query, *args))


@dataclass
class World:
    """What the seeding made: tokens and the holders (their documents only travel in request bodies)."""

    payer: str
    banks: dict[str, str]  # code -> token
    staff: str
    holders: list[dict[str, str]]


async def _seed(env: dict[str, str], rng: random.Random) -> World:
    """The schema and keys, then banks, a paying agency, holders with cards at the banks, clients and a
    provincial operator, as the services make them (the service itself is not running yet)."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
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
        office = Office(city=city.id, name="crash test office", kind="office")
        await office.save().run()
        banks: dict[str, str] = {}
        for i in range(BANKS):
            bank = Bank(
                code=f"CRASH{i}", name=f"崩溃测试银行 {i}", status="active", keeps_account_on_replacement=True, updated_at=now
            )
            await bank.save().run()
            _, banks[bank.code] = await accounts.create_client(
                kind="bank", org_id=bank.id, name=f"CRASH{i} core banking", created_by="test", rate_per_minute=1_000_000
            )
        agency = Agency(code="CRASH-SIFC", name="崩溃测试社保基金", kind="hrss")
        await agency.save().run()
        _, payer = await accounts.create_client(
            kind="payer", org_id=agency.id, name="crash test payments", created_by="test", rate_per_minute=1_000_000
        )
        await accounts.create_staff(
            username="crash-op", name="Crash Operator", role="provincial_operator", office_id=office.id, password=PASSWORD
        )
        holders = []
        for i in range(HOLDERS):
            number = make_resident_id("440106", dt.date(1950 + i, 1 + i % 12, 1 + i % 28), 100 + i)
            name = "王李张刘陈杨黄赵吴周"[i % 10] + "伟芳娜"[i // 10] + "明"
            account = await accounts.create_citizen_account(
                keyring, doc_type="resident_id", id_number=number, name=name, password=PASSWORD
            )
            person_id = account.get("person_id") or account.get("person")
            await cards.issue_card_directly(
                keyring,
                person_id=person_id,
                city_code="440100",
                office_id=office.id,
                bank_code=f"CRASH{rng.randrange(BANKS)}",
                ecard_level=1,
            )
            holders.append({"doc_type": "resident_id", "id_number": number, "name": name})
    return World(payer=payer, banks=banks, staff="crash-op", holders=holders)


@dataclass
class Proc:
    """A process the test keeps alive: restarted whenever it dies."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)


class Fleet:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.procs: list[Proc] = []

    def add(self, name: str, args: list[str], env: dict[str, str], log: Path) -> Proc:
        proc = Proc(name, args, env, log)
        self.procs.append(proc)
        self._start(proc)
        return proc

    def _start(self, proc: Proc) -> None:
        env = dict(proc.env)
        if "YIKATONG_CRASH_RATE" in env:
            env["YIKATONG_CRASH_SEED"] = str(self.rng.randrange(2**31))  # each life dies elsewhere, reproducibly
        with proc.log.open("ab") as out:
            proc.popen = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", *proc.args], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        proc.starts += 1

    def watch(self) -> None:
        """Start again every process that died."""
        for proc in self.procs:
            assert proc.popen is not None
            code = proc.popen.poll()
            if code is not None:
                proc.exits.append(code)
                self._start(proc)

    def kill_one(self, prefix: str) -> None:
        """SIGKILL one of these processes (a bank's system pulled from under its feet); watch() restarts it."""
        victims = [p for p in self.procs if p.name.startswith(prefix) and p.popen and p.popen.poll() is None]
        if victims:
            victim = self.rng.choice(victims)
            assert victim.popen is not None
            victim.popen.kill()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.popen and proc.popen.poll() is None:
                proc.popen.send_signal(signal.SIGTERM)
        for proc in self.procs:
            if proc.popen:
                try:
                    proc.popen.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.popen.kill()
                    proc.popen.wait()

    def crashes(self, prefix: str) -> int:
        return sum(1 for p in self.procs if p.name.startswith(prefix) for code in p.exits if code == 137)


def _line(world: World, rng: random.Random, key: str) -> dict:
    holder = rng.choice(world.holders)
    return {
        "idempotency_key": key,
        "doc_type": holder["doc_type"],
        "id_number": holder["id_number"],
        "name": holder["name"],
        "payment_type": rng.choice(["pension", "subsidy", "unemployment_benefit"]),
        "amount_fen": rng.randrange(1, 500_001),
        "legal_basis": "《社会保险法》第十五条 基本养老金按月发放",
        "purpose": "崩溃测试发放",
    }


def _submit(http: httpx.Client, world: World, rng: random.Random, say) -> set[str]:
    """Batches and single orders, some sent again with the same keys; returns every key that made an order."""
    payer = {"Authorization": f"Bearer {world.payer}"}
    keys: set[str] = set()
    batches: list[dict] = []
    for b in range(BATCHES):
        body = {
            "idempotency_key": f"p{SEED}-b{b}",
            "name": f"run {b}",
            "lines": [_line(world, rng, f"p{SEED}-b{b}-l{i}") for i in range(LINES)],
        }
        answer = http.post("/api/v1/payments/batches", json=body, headers=payer)
        assert answer.status_code == 201, say(answer.text)
        assert answer.json()["accepted_count"] == LINES, say(answer.text)
        batches.append(body)
        keys |= {line["idempotency_key"] for line in body["lines"]}
    singles: list[dict] = []
    for s in range(SINGLES):
        body = _line(world, rng, f"p{SEED}-s{s}")
        answer = http.post("/api/v1/payments/orders", json=body, headers=payer)
        assert answer.status_code == 201, say(answer.text)
        singles.append(body)
        keys.add(body["idempotency_key"])
    # A payment system that did not hear the answer sends the same thing again: the first answer, no new order.
    for body in rng.sample(batches, 2):
        again = http.post("/api/v1/payments/batches", json=body, headers=payer)
        assert again.status_code == 200 and again.json()["replayed"], say(again.text)
    for body in rng.sample(singles, 5):
        again = http.post("/api/v1/payments/orders", json=body, headers=payer)
        assert again.status_code == 200 and again.json()["replayed"], say(again.text)
    changed = dict(singles[0], amount_fen=singles[0]["amount_fen"] + 1)
    refused = http.post("/api/v1/payments/orders", json=changed, headers=payer)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment.idempotency_conflict", say(refused.text)
    # A new run that repeats ten lines of an earlier one: those lines are recognised, not paid again.
    repeated = rng.sample(batches[0]["lines"], 10)
    fresh = [_line(world, rng, f"p{SEED}-m{i}") for i in range(10)]
    mixed = {"idempotency_key": f"p{SEED}-mixed", "name": "mixed", "lines": repeated + fresh}
    answer = http.post("/api/v1/payments/batches", json=mixed, headers=payer)
    assert answer.status_code == 201, say(answer.text)
    statuses = sorted(line["status"] for line in answer.json()["lines"])
    assert statuses == ["accepted"] * 10 + ["replayed"] * 10, say(answer.text)
    keys |= {line["idempotency_key"] for line in fresh}
    return keys


def _settle(url: str, http: httpx.Client, world: World, fleet: Fleet, rng: random.Random, say) -> dict[str, int]:
    """Until every order is credited or cancelled: keep processes alive, kill simulators now and then,
    retry returned payments (or cancel some, or those returned three times)."""
    payer = {"Authorization": f"Bearer {world.payer}"}
    actions = {"retried": 0, "cancelled": 0, "sims_killed": 0}
    deadline = time.monotonic() + SETTLE_SECONDS
    report = 0.0
    while True:
        fleet.watch()
        if rng.random() < 0.03:
            fleet.kill_one("bank-sim")
            actions["sims_killed"] += 1
        by_status = sql(url, "SELECT status, count(*) AS n FROM payments_order GROUP BY status")
        open_orders = sum(r["n"] for r in by_status if r["status"] not in ("credited", "cancelled"))
        if not actions["sims_killed"] and any(r["status"] == "credited" for r in by_status) and open_orders:
            fleet.kill_one("bank-sim")  # at least once while answers are flowing, whatever the dice say
            actions["sims_killed"] += 1
        if time.monotonic() > report:
            jobs = sql(url, "SELECT state, count(*) AS n, max(attempts) AS a FROM jobs_job GROUP BY state")
            print(f"open {by_status} jobs {jobs}")
            report = time.monotonic() + 5
        if open_orders == 0:
            return actions
        assert time.monotonic() < deadline, say(f"{open_orders} orders not settled after {SETTLE_SECONDS} s")
        held = http.get("/api/v1/payments/orders?status=held&limit=1000", headers=payer)
        assert held.status_code == 200, say(held.text)
        for order in held.json()["items"]:
            if order["instructions"] >= 3 or rng.random() < 0.2:
                answer = http.post(
                    f"/api/v1/payments/orders/{order['id']}/cancel", json={"reason": "Returned by the bank"}, headers=payer
                )
                actions["cancelled"] += answer.status_code == 200
            else:
                answer = http.post(f"/api/v1/payments/orders/{order['id']}/retry", headers=payer)
                actions["retried"] += answer.status_code == 200
            assert answer.status_code in (200, 409), say(answer.text)
        time.sleep(0.25)


@pytest.fixture
def database() -> str:
    problem = _pg_available()
    if problem:
        need("PostgreSQL", problem)
    with scratch_database("crash") as url:
        yield url


def test_crashes_and_retries_never_pay_twice_nor_lose_an_order(database: str, tmp_path: Path):
    from backend.banksim.books import Books

    print(f"property seed {SEED} (replay: YIKATONG_PROPERTY_SEED={SEED})")

    def say(text: str) -> str:
        return f"[seed {SEED}] {text}"

    rng = random.Random(SEED)
    started = time.monotonic()

    def mark(what: str) -> None:
        print(f"{time.monotonic() - started:6.1f} s  {what}")

    env = _env(database, tmp_path / "data")
    world = asyncio.run(_seed(env, rng))
    mark("seeded")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port, tmp_path / "server.log")
    fleet = Fleet(rng)
    books_path = tmp_path / "bank-books.sqlite"
    try:
        wait_until_up(base, server, tmp_path / "server.log")
        mark("server up")
        tokens = [arg for token in world.banks.values() for arg in ("--token", token)]
        for i in range(SIMS):
            sim_args = ["bank-sim", "--base-url", base, *tokens, "--books", str(books_path), "--poll-seconds", "0.2"]
            sim_args += ["--duplicate-rate", "0.3", "--return-rate", "0.1", "--seed", str(rng.randrange(2**31))]
            sim_args += ["--accept-first"] if i == 0 else []
            fleet.add(f"bank-sim-{i}", sim_args, env, tmp_path / f"bank-sim-{i}.log")
        # The banks open every card's account first (simulators killed now and then meanwhile).
        deadline = time.monotonic() + 120
        killed = False
        while pending := sql(database, "SELECT count(*) AS n FROM cards_card WHERE account = ''")[0]["n"]:
            fleet.watch()
            if rng.random() < 0.05 or (not killed and pending < HOLDERS):
                fleet.kill_one("bank-sim")
                killed = True
            assert time.monotonic() < deadline, say("the banks did not open every account")
            time.sleep(0.2)
        mark("accounts opened")
        crashing = {**env, "YIKATONG_CRASH_RATE": CRASH_RATE}
        for i in range(WORKERS):
            fleet.add(f"worker-{i}", ["worker"], crashing, tmp_path / f"worker-{i}.log")
        with httpx.Client(base_url=base, timeout=60) as http:
            keys = _submit(http, world, rng, say)
            mark("submitted")
            actions = _settle(database, http, world, fleet, rng, say)
            mark("settled")
            fleet.stop()
            mark("stopped")
            staff = http.post("/api/v1/auth/staff/login", json={"username": world.staff, "password": PASSWORD})
            assert staff.status_code == 200, say(staff.text)
            check = http.get("/api/v1/staff/payments/ledger/check", headers={"Authorization": f"Bearer {staff.json()['token']}"})
            assert check.status_code == 200, say(check.text)
            ledger = check.json()
    finally:
        fleet.stop()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    mark("server stopped")
    worker_crashes, sim_deaths = fleet.crashes("worker"), sum(len(p.exits) for p in fleet.procs if p.name.startswith("bank-sim"))
    print(f"{len(keys)} orders; worker crashes {worker_crashes}; simulator deaths {sim_deaths}; {actions}")
    # 0 paid twice: no order has two credited instructions, and no instruction was credited twice by the bank.
    twice = sql(
        database,
        'SELECT "order", count(*) AS n FROM payments_instruction WHERE status = \'credited\' GROUP BY "order" HAVING count(*) > 1',
    )
    assert twice == [], say(f"orders credited more than once: {twice}")
    books = Books(books_path)
    totals = books.totals()
    assert totals.double_credits == 0, say(f"the bank's books show {totals.double_credits} double credits")
    # The bank's books agree with the ledger to the fen, and with the credited orders.
    paid = sql(
        database, "SELECT coalesce(sum(amount_fen), 0) AS fen FROM payments_ledger_entry WHERE account LIKE 'bank:%:paid'"
    )[0]["fen"]
    credited = sql(
        database, "SELECT coalesce(sum(amount_fen), 0) AS fen, count(*) AS n FROM payments_order WHERE status = 'credited'"
    )[0]
    assert totals.credited_fen == paid == credited["fen"], say(
        f"bank books {totals.credited_fen}, ledger paid {paid}, orders {credited}"
    )
    assert totals.credited_count == credited["n"], say(f"bank credited {totals.credited_count}, orders credited {credited['n']}")
    # 0 lost: every key the agency used has exactly one order, in a final state.
    rows = sql(database, "SELECT idempotency_key, status FROM payments_order")
    assert sorted(r["idempotency_key"] for r in rows) == sorted(keys), say("orders and submitted keys differ")
    assert {r["status"] for r in rows} <= {"credited", "cancelled"}, say(f"orders not final: {rows}")
    # The ledger balanced: every journal sums to zero and every order's money is where its status says.
    assert ledger["ok"] and ledger["unbalanced_journals"] == 0 and ledger["orders_misplaced"] == 0, say(str(ledger))
    assert ledger["orders_checked"] == len(keys), say(str(ledger))
    # The faults really happened (else this test proves nothing).
    assert worker_crashes > 0 and sim_deaths > 0, say(f"worker crashes {worker_crashes}, simulator deaths {sim_deaths}")
    books.close()
