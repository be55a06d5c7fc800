"""One-time use survives the loss of the shared store: the database holds every accepted code."""

import asyncio
import os
import signal
import subprocess
import time
import uuid

import httpx
import msgspec
import pytest

from backend.codes import format as fmt
from backend.codes import presented
from backend.lib.store import MemoryStore
from backend.venues import verification
from tests.servers import forget_keys, free_port, serve, wait_until_up
from tests.venues.helpers import now

pytestmark = pytest.mark.anyio


async def _forget(world) -> None:
    """What a Redis restart without persistence (or a restart of the embedded store's process)
    does to the shared store: every key is gone."""
    store = world.store
    if isinstance(store, MemoryStore):
        store._data.clear()
    else:
        await forget_keys(world.client.app.state.settings.redis_url, store.prefix)


async def _rows_of_code(code_id: str) -> list[dict]:
    from backend.venues.tables import Verification

    return await Verification.select().where(Verification.code_id == code_id).order_by(Verification.at, Verification.id).run()


async def _verification_exists(verification_id: str) -> bool:
    from backend.venues.tables import Verification

    return await Verification.exists().where(Verification.id == uuid.UUID(verification_id)).run()


def _code_id(world, code: str) -> str:
    if fmt.kind_of(code) == "online":
        return fmt.verify_online(code, masters=world.keyring.online, now=now()).code_id
    return fmt.verify_offline(code, trust={k.kid: k.public for k in world.keyring.published(now())}, now=now()).code_id


async def test_online_code_is_replayed_after_the_store_forgets_it(world):
    venue = await world.venue("hotel", ["hotel_checkin"])
    desk_a, desk_b = await world.scanner(venue), await world.scanner(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    first = (await world.verify(desk_a, code, "hotel_checkin")).json()
    assert first["result"] == "valid"
    await _forget(world)
    other = (await world.verify(desk_b, code, "hotel_checkin")).json()
    assert other["result"] == "replayed" and other["attributes"] == {}
    # The same scanner asking again still gets its first answer, not a second acceptance.
    again = (await world.verify(desk_a, code, "hotel_checkin")).json()
    assert again == {**first, "repeat": True}
    # Once the database has answered, the store knows again: a third desk is refused at once.
    assert (await world.verify(await world.scanner(venue), code, "hotel_checkin")).json()["result"] == "replayed"
    record = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    valid = [i for i in record if i["result"] == "valid" and not i["retry"]]
    assert len(valid) == 1 and valid[0]["id"] == first["verification_id"]
    # The attempt after the store lost its memory is a double use on the holder's record.
    assert valid[0]["double_use"] is True
    # The same scanner's repeat is no visit of its own (issue 15): the accepted use counts it.
    assert valid[0]["repeats"] == 1
    assert sorted(i["result"] for i in record) == ["replayed", "replayed", "valid"]
    # The venue that was refused saw nothing: only the accepted scan and the retry disclosed data.
    entries = (await world.client.get("/api/v1/me/access-records", headers=holder.headers)).json()["items"]
    assert sorted(e["action"] for e in entries if e["action"].startswith("verification")) == [
        "verification",
        "verification.retry",
    ]


async def test_offline_code_is_replayed_after_the_store_forgets_it(world):
    counter_a = await world.scanner_for("service_counter", ["counter_service"])
    counter_b = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder()
    device = await world.device(holder)
    code = world.offline_code(device)
    assert (await world.verify(counter_a, code, "counter_service")).json()["result"] == "valid"
    await _forget(world)
    assert (await world.verify(counter_b, code, "counter_service")).json()["result"] == "replayed"
    rows = await world.call(_rows_of_code, _code_id(world, code))
    assert [(r["result"], r["double_use"]) for r in rows] == [("valid", True), ("replayed", False)]


async def test_uploaded_offline_use_is_durable_too(world):
    """A code accepted at an offline gate and uploaded: an online scan after the store lost
    its claim is still refused, and both are on the record."""
    gate = await world.scanner_for("metro", ["transit_ride"])
    counter = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder(transport=True)
    device = await world.device(holder)
    code = world.offline_code(device)
    code_id = _code_id(world, code)
    upload = {
        "results": [
            {
                "code_id": code_id,
                "code_kind": "offline",
                "card_ref": holder.card_ref,
                "scenario": "transit_ride",
                "result": "valid",
                "verified_at": _iso(now()),
            }
        ]
    }
    assert (await world.client.post("/api/v1/verify/offline-results", json=upload, headers=gate)).json()["accepted"] == 1
    await _forget(world)
    assert (await world.verify(counter, code, "counter_service")).json()["result"] == "replayed"


def _iso(ts: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


async def test_a_claim_whose_worker_died_is_never_reported_as_a_result(world):
    """A worker claimed the code in the store and died before its commit. The same scanner's
    retry must get a verification that exists; it becomes the first use."""
    venue = await world.venue("library", ["library_entry"])
    principal = await world.scanner_principal(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    code_id = _code_id(world, code)
    lost_id = uuid.uuid4()
    # Exactly what verify() leaves in the store after its claim, before the record commits.
    value = presented.claim_value(principal.scanner_id, str(lost_id), now(), "library_entry")
    await world.call(world.store.claim, f"code:{code_id}", value, 90)

    keyring = world.keyring
    state = world.client.app.state

    async def scan(p):
        return await verification.verify(
            p, code=code, scenario_name="library_entry", keyring=keyring, store=state.store, settings=state.settings, now=now()
        )

    outcome = await world.call(scan, principal)
    assert outcome.result == fmt.Result.VALID
    assert await world.call(_verification_exists, str(outcome.verification_id))
    again = await world.call(scan, principal)
    assert again.result == fmt.Result.VALID and again.verification_id == outcome.verification_id
    # Another scanner is refused: the code has one use, now on the record.
    other = await world.scanner_principal(venue)
    assert (await world.call(scan, other)).result == fmt.Result.REPLAYED
    rows = await world.call(_rows_of_code, code_id)
    assert sorted((r["result"], r["retry"]) for r in rows) == [("replayed", False), ("valid", False), ("valid", True)]


async def test_a_lost_claim_cannot_be_accepted_by_another_scanner(world):
    """The same crash seen from another scanner: fail closed (replayed), never a second valid."""
    venue = await world.venue("library", ["library_entry"])
    principal = await world.scanner_principal(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    value = presented.claim_value(principal.scanner_id, str(uuid.uuid4()), now(), "library_entry")
    await world.call(world.store.claim, f"code:{_code_id(world, code)}", value, 90)
    scanner = await world.scanner(venue)
    assert (await world.verify(scanner, code, "library_entry")).json()["result"] == "replayed"


async def test_racing_scans_after_the_store_forgot_accept_once(world):
    """Scans of one already-used code racing each other right after the store lost its data:
    every one is refused, and the database holds one accepted use."""
    venue = await world.venue("library", ["library_entry"])
    scanners = [await world.scanner_principal(venue) for _ in range(6)]
    holder = await world.holder()
    code = world.online_code(holder)
    state = world.client.app.state

    async def scan_all(ps):
        keyring = state.keystore.load()
        return await asyncio.gather(
            *(
                verification.verify(
                    p,
                    code=code,
                    scenario_name="library_entry",
                    keyring=keyring,
                    store=state.store,
                    settings=state.settings,
                    now=now(),
                )
                for p in ps
            )
        )

    first = await world.call(scan_all, scanners[:1])
    assert first[0].result == fmt.Result.VALID
    await _forget(world)
    outcomes = await world.call(scan_all, scanners[1:])
    assert [o.result for o in outcomes] == [fmt.Result.REPLAYED] * 5
    rows = await world.call(_rows_of_code, _code_id(world, code))
    assert sum(1 for r in rows if r["result"] == "valid") == 1


# --- the embedded default, restarted for real ---------------------------------------------


async def test_embedded_store_restarted_between_two_scans(tmp_path):
    """SQLite with the embedded store: the process is killed and started again between two
    scans of one code; the second is refused."""
    from backend.keys.keyring import DEV_PASSPHRASE, KeyStore
    from backend.lib.settings import load_settings
    from tests.venues.helpers import seed_operator_and_holder

    keys, data = tmp_path / "keys", tmp_path / "data"
    keystore = KeyStore(keys, DEV_PASSPHRASE)
    keystore.init()
    keyring = keystore.load()
    settings = load_settings(environ={}, dotenv=None, env="test", data_dir=str(data), key_dir=str(keys), log_level="WARNING")
    from backend.lib import db

    async with db.lifespan(settings):
        await db.migrate(quiet=True)
    username, card_ref = await seed_operator_and_holder(settings, keyring)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(YIKATONG_KEY_DIR=str(keys), YIKATONG_DATA_DIR=str(data), YIKATONG_ENV="test", YIKATONG_LOG_LEVEL="WARNING")
    env["YIKATONG_STAFF_SECOND_FACTOR"] = "optional"  # the operator signs in by password: this test is about scans
    port, log = free_port(), tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    code = fmt.mint_online(
        bytes.fromhex(card_ref), kid=keyring.online_kid, master=keyring.online[keyring.online_kid], now=int(time.time())
    )
    from tests.venues.helpers import PASSWORD

    proc = serve(env, port, log)
    try:
        await asyncio.to_thread(wait_until_up, base, proc, log, path="/ready")
        async with httpx.AsyncClient(timeout=20) as http:
            login = await http.post(f"{base}/api/v1/auth/staff/login", json={"username": username, "password": PASSWORD})
            op = {"Authorization": f"Bearer {login.json()['token']}"}
            body = {"name": "Restart hotel", "venue_type": "hotel", "city_code": "440100", "scenarios": ["hotel_checkin"]}
            venue = (await http.post(f"{base}/api/v1/venues", json=body, headers=op)).json()["id"]
            desks = []
            for _ in range(2):
                response = await http.post(f"{base}/api/v1/venues/{venue}/scanners", json={"name": "desk"}, headers=op)
                desks.append({"Authorization": f"Bearer {response.json()['token']}"})
            scan = {"code": code, "scenario": "hotel_checkin"}
            assert (await http.post(f"{base}/api/v1/verify", json=scan, headers=desks[0])).json()["result"] == "valid"
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: the embedded store dies with it
        proc.wait(timeout=10)
        proc = serve(env, port, log)
        await asyncio.to_thread(wait_until_up, base, proc, log, path="/ready")
        async with httpx.AsyncClient(timeout=20) as http:
            answer = (await http.post(f"{base}/api/v1/verify", json=scan, headers=desks[1])).json()
            assert answer["result"] == "replayed", answer
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _write_batch(rows: list):
    from backend.venues import records

    return await records._write_scans([(row, None) for row in rows])


async def test_a_retry_in_the_same_batch_as_its_first_attempt(world):
    """A scanner's retry can join the same group commit as its first attempt, claiming the code
    with the same id: the first is the use, the retry is written as a retry, both answer it."""
    import datetime as dt

    from backend.venues import records

    venue = await world.venue("library", ["library_entry"])
    principal = await world.scanner_principal(venue)
    code_id, first_id = uuid.uuid4().hex, records.new_id()
    row = records.VerificationRow(
        id=first_id,
        venue=venue,
        scanner_id=uuid.UUID(principal.scanner_id),
        scenario="library_entry",
        result="valid",
        code_kind="online",
        code_id=code_id,
        card_id=None,
        card_ref=None,
        device_key_id=None,
        person=None,
        disclosed=[],
        at=dt.datetime.now(dt.UTC),
        use_key=code_id,
    )
    uses = await world.call(_write_batch, [row, msgspec.structs.replace(row)])
    assert [u.kind for u in uses] == ["first", "again"] and uses[1].first.verification_id == first_id
    rows = await world.call(_rows_of_code, code_id)
    assert sorted((r["id"] == first_id, r["retry"], r["use_key"]) for r in rows) == [(False, True, None), (True, False, code_id)]
