"""One code, many scanners at once: exactly one valid answer, in one process and across two."""

import asyncio
import os
import subprocess
import time

import httpx
import pytest

from backend.venues import verification
from tests.servers import forget_keys, free_port, serve, wait_until_up
from tests.venues.helpers import now, seed_operator_and_holder

pytestmark = pytest.mark.anyio


async def _scan_all(world, scans: list[tuple[object, str]], scenario: str = "library_entry") -> list:
    """Verify every (scanner principal, code) at once, on the app's own event loop."""
    state = world.client.app.state

    async def at_once():
        keyring = state.keystore.load()
        return await asyncio.gather(
            *(
                verification.verify(
                    p, code=c, scenario_name=scenario, keyring=keyring, store=state.store, settings=state.settings, now=now()
                )
                for p, c in scans
            )
        )

    return await world.call(at_once)


async def test_concurrent_verifications_in_one_process(world):
    venue = await world.venue("library", ["library_entry"])
    scanners = [await world.scanner_principal(venue) for _ in range(12)]
    holder = await world.holder()

    for _ in range(3):
        code = world.online_code(holder)
        outcomes = await _scan_all(world, [(p, code) for p in scanners])
        results = sorted(o.result.value for o in outcomes)
        assert results == ["replayed"] * (len(scanners) - 1) + ["valid"]


async def _access_entries(person_ids: list) -> list[dict]:
    from backend.audit.tables import AccessEntry

    return (
        await AccessEntry.select()
        .where(AccessEntry.person.is_in(person_ids))
        .order_by(AccessEntry.seq)
        .output(load_json=True)
        .run()
    )


async def _entries_by_seq(seqs: list[int]) -> dict[int, dict]:
    from backend.audit.tables import AccessEntry

    rows = await AccessEntry.select(AccessEntry.seq, AccessEntry.hash).where(AccessEntry.seq.is_in(seqs)).run()
    return {r["seq"]: r for r in rows}


async def test_concurrent_scans_share_commits_and_keep_the_access_record_chained(world, monkeypatch):
    from backend.audit.chain import GENESIS, entry_hash
    from backend.venues import records

    venue = await world.venue("library", ["library_entry"])
    scanner = await world.scanner_principal(venue)
    holders = [await world.holder() for _ in range(4)]
    codes = [world.online_code(h) for h in holders for _ in range(6)]
    batches: list[int] = []
    write = records._scans._run

    async def counted(items):
        batches.append(len(items))
        return await write(items)

    monkeypatch.setattr(records._scans, "_run", counted)

    outcomes = await _scan_all(world, [(scanner, c) for c in codes])
    assert [o.result.value for o in outcomes] == ["valid"] * len(codes)
    # Group commit: fewer transactions than scans, and every scan in exactly one of them.
    assert sum(batches) == len(codes) and len(batches) < len(codes)
    entries = await world.call(_access_entries, [h.person_id for h in holders])
    assert len(entries) == len(codes) and len({e["seq"] for e in entries}) == len(codes)
    before = await world.call(_entries_by_seq, [e["seq"] - 1 for e in entries])
    for entry in entries:
        assert entry_hash(entry) == entry["hash"]
        # The first entry of a fresh database (a worker of its own: docs/testing.md) follows the genesis hash.
        assert entry["prev_hash"] == (before[entry["seq"] - 1]["hash"] if entry["seq"] > 1 else GENESIS)
    for holder in holders:
        mine = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
        assert len(mine) == 6 and {i["result"] for i in mine} == {"valid"}


class _Undo(Exception):
    pass


async def _card_state_inside_a_transaction(card_ref: str) -> str:
    from backend.cards import services as cards
    from backend.cards.tables import Card
    from backend.lib import db

    try:
        async with db.transaction():
            await Card.update({Card.state: "suspended"}).where(Card.ref == card_ref).run()
            seen = (await cards.card_for_code(card_ref)).state
            raise _Undo
    except _Undo:
        return seen


async def test_a_lookup_inside_a_transaction_sees_its_own_writes(world):
    holder = await world.holder()
    # Shared (batched) lookups run on another connection; inside a transaction the loader reads
    # on the transaction's own, so the uncommitted suspension is seen...
    assert await world.call(_card_state_inside_a_transaction, holder.card_ref) == "suspended"
    # ...and it was rolled back: the card still verifies.
    scanner = await world.scanner_for("library", ["library_entry"])
    assert (await world.verify(scanner, world.online_code(holder), "library_entry")).json()["result"] == "valid"


async def test_replay_across_two_server_processes(postgres_settings, redis_url, redis_prefix, tmp_path):
    import msgspec

    from backend.codes import format as fmt
    from backend.keys.keyring import DEV_PASSPHRASE, KeyStore
    from tests.venues.helpers import PASSWORD

    keystore = KeyStore(tmp_path / "keys", DEV_PASSPHRASE)
    keystore.init()  # before the servers start, so both load the same keyring
    keyring = keystore.load()
    settings = msgspec.structs.replace(postgres_settings, redis_url=redis_url, redis_prefix=redis_prefix)
    username, card_ref = await seed_operator_and_holder(settings, keyring)

    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(
        YIKATONG_DATABASE_URL=settings.database_url,
        YIKATONG_REDIS_URL=redis_url,
        YIKATONG_REDIS_PREFIX=redis_prefix,
        YIKATONG_KEY_DIR=str(tmp_path / "keys"),
        YIKATONG_DATA_DIR=str(tmp_path / "data"),
        YIKATONG_ENV="test",
        YIKATONG_LOG_LEVEL="WARNING",
        YIKATONG_STAFF_SECOND_FACTOR="optional",  # the operator signs in by password: this test is about scans
    )
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    procs = [serve(env, port, log) for port, log in zip(ports, logs, strict=False)]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc, log in zip(bases, procs, logs, strict=False):
            # /ready: the database and the shared store answer, not just the process.
            await asyncio.to_thread(wait_until_up, base, proc, log, path="/ready")
        async with httpx.AsyncClient(timeout=20) as http:
            login = await http.post(f"{bases[0]}/api/v1/auth/staff/login", json={"username": username, "password": PASSWORD})
            op = {"Authorization": f"Bearer {login.json()['token']}"}
            body = {"name": "Two-process metro", "venue_type": "hotel", "city_code": "440100", "scenarios": ["hotel_checkin"]}
            venue = (await http.post(f"{bases[0]}/api/v1/venues", json=body, headers=op)).json()["id"]
            desks = []  # three scanners on each server
            for base in bases * 3:
                response = await http.post(f"{base}/api/v1/venues/{venue}/scanners", json={"name": "desk"}, headers=op)
                desks.append((base, {"Authorization": f"Bearer {response.json()['token']}"}))
            accepted = []  # (code, index of the desk that accepted it, its answer)
            for _ in range(5):
                code = fmt.mint_online(
                    bytes.fromhex(card_ref),
                    kid=keyring.online_kid,
                    master=keyring.online[keyring.online_kid],
                    now=int(time.time()),
                )
                answers = await asyncio.gather(
                    *[
                        http.post(f"{base}/api/v1/verify", json={"code": code, "scenario": "hotel_checkin"}, headers=t)
                        for base, t in desks
                    ]
                )
                assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
                assert sorted(a.json()["result"] for a in answers) == ["replayed"] * 5 + ["valid"]
                winner = next(i for i, a in enumerate(answers) if a.json()["result"] == "valid")
                accepted.append((code, winner, answers[winner].json()))
            # Redis loses every claim (a restart without persistence): the same codes, raced again
            # across both processes, are still used once. Only each code's own desk gets its first
            # answer back; every other desk is refused.
            await forget_keys(redis_url, redis_prefix)
            for code, winner, first in accepted:
                answers = await asyncio.gather(
                    *[
                        http.post(f"{base}/api/v1/verify", json={"code": code, "scenario": "hotel_checkin"}, headers=t)
                        for base, t in desks
                    ]
                )
                for i, answer in enumerate(answers):
                    assert answer.json()["result"] == ("valid" if i == winner else "replayed"), (i, winner, answer.text)
                assert answers[winner].json()["verification_id"] == first["verification_id"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
