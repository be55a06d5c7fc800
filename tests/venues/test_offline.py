"""Offline scanners: revocation list sync (full and delta), result uploads and double-use flags."""

import datetime as dt
import secrets

import pytest

from backend.codes import format as fmt
from tests.venues.helpers import now

pytestmark = pytest.mark.anyio


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def _result(code_id, card_ref, at, result="valid", scenario="transit_ride", **extra):
    return {
        "code_id": code_id,
        "code_kind": "offline",
        "card_ref": card_ref,
        "scenario": scenario,
        "result": result,
        "verified_at": _iso(at),
        **extra,
    }


async def test_revocation_list_full_and_delta(world):
    client = world.client
    gate = await world.scanner_for("metro", ["transit_ride"])
    full = (await client.get("/api/v1/revocations", headers=gate)).json()
    assert full["full"] is True and full["jwks_url"] == "/.well-known/jwks.json"
    version, _cards, _devices = fmt.revocation_from_json(full)  # what an offline gate parses
    holder = await world.holder()
    device = await world.device(holder)
    await world.card_action(holder, "report-temp-loss")
    await world.unbind(holder, device)
    delta = (await client.get(f"/api/v1/revocations?since={version}", headers=gate)).json()
    assert delta["full"] is False and delta["since"] == version and delta["version"] > version
    changes = {(c["kind"], c["ref"]): c["status"] for c in delta["changes"]}
    assert changes[("card", holder.card_ref)] == "suspended"
    key_id = fmt.device_key_id(fmt.parse_credential(device.credential).device_pub)
    assert changes[("device", key_id)] == "revoked"
    full = (await client.get("/api/v1/revocations", headers=gate)).json()
    assert full["cards"][holder.card_ref] == "suspended" and key_id in full["devices"]
    await world.card_action(holder, "lift-loss")
    later = (await client.get(f"/api/v1/revocations?since={delta['version']}", headers=gate)).json()
    assert {(c["ref"], c["status"]) for c in later["changes"]} >= {(holder.card_ref, "active")}
    assert holder.card_ref not in (await client.get("/api/v1/revocations", headers=gate)).json()["cards"]
    # Nothing new: an empty delta at the same version.
    same = (await client.get(f"/api/v1/revocations?since={later['version']}", headers=gate)).json()
    assert same["full"] is False and same["changes"] == [] and same["version"] == later["version"]


async def test_revocation_list_bad_since_gives_the_full_list(world):
    gate = await world.scanner_for("ferry", ["transit_ride"])
    for since in ["abc", "-1", "99999999999999", "2147483648", "1.5", "", "٣", "9" * 40]:
        response = await world.client.get("/api/v1/revocations", params={"since": since}, headers=gate)
        assert response.status_code == 200 and response.json()["full"] is True, since


async def test_revocation_list_needs_a_scanner(world):
    holder = await world.holder()
    assert (await world.client.get("/api/v1/revocations")).status_code == 401
    assert (await world.client.get("/api/v1/revocations", headers=holder.headers)).status_code == 403


async def test_upload_is_idempotent_and_flags_double_use(world):
    client = world.client
    venue = await world.venue("metro", ["transit_ride"])
    gate_a, gate_b = await world.scanner(venue), await world.scanner(venue)
    holder = await world.holder()
    code_id, other_id = secrets.token_hex(16), secrets.token_hex(16)
    t = now() - 120
    batch = {"results": [_result(code_id, holder.card_ref, t), _result(other_id, holder.card_ref, t + 5, result="expired")]}
    first = (await client.post("/api/v1/verify/offline-results", json=batch, headers=gate_a)).json()
    assert first == {"accepted": 2, "duplicates": 0, "flagged": [], "refused": []}
    again = (await client.post("/api/v1/verify/offline-results", json=batch, headers=gate_a)).json()
    assert again == {"accepted": 0, "duplicates": 2, "flagged": [], "refused": []}
    # The same code accepted at a second gate: both uses are flagged.
    second = {"results": [_result(code_id, holder.card_ref, t + 30)]}
    flagged = (await client.post("/api/v1/verify/offline-results", json=second, headers=gate_b)).json()
    assert flagged == {"accepted": 1, "duplicates": 0, "flagged": [code_id], "refused": []}
    record = (await client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    valid = [i for i in record if i["result"] == "valid"]
    assert len(valid) == 2 and all(i["offline"] and i["double_use"] for i in valid)
    assert valid[0]["disclosed"] == ["valid_until", "concession"]
    assert [i["double_use"] for i in record if i["result"] == "expired"] == [False]
    flags = (await client.get("/api/v1/verify/flags?limit=100", headers=await world.operator())).json()["items"]
    assert {f["code_id"] for f in flags if f["code_id"] == code_id} == {code_id}
    assert len([f for f in flags if f["code_id"] == code_id]) == 2


async def test_code_used_offline_and_online_is_flagged_and_later_online_scan_replayed(world):
    client = world.client
    gate = await world.scanner_for("metro", ["transit_ride"])
    counter = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder(transport=True)
    device = await world.device(holder)
    code = world.offline_code(device)
    check = fmt.verify_offline(code, trust={k.kid: k.public for k in world.keyring.published(now())}, now=now())
    assert check.result == fmt.Result.VALID
    # Used at an offline gate and uploaded right away: the online counter then refuses it.
    upload = {"results": [_result(check.code_id, holder.card_ref, now(), device_key_id=check.device_key_id)]}
    assert (await client.post("/api/v1/verify/offline-results", json=upload, headers=gate)).json()["accepted"] == 1
    assert (await world.verify(counter, code, "counter_service")).json()["result"] == "replayed"
    # Used online first, then an offline gate reports it: both rows are flagged.
    code2 = world.offline_code(device, now() + 1)
    check2 = fmt.verify_offline(code2, trust={k.kid: k.public for k in world.keyring.published(now())}, now=now())
    assert (await world.verify(counter, code2, "counter_service")).json()["result"] == "valid"
    late = {"results": [_result(check2.code_id, holder.card_ref, now())]}
    assert (await client.post("/api/v1/verify/offline-results", json=late, headers=gate)).json()["flagged"] == [check2.code_id]
    online_row = [
        i
        for i in (await client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
        if not i["offline"] and i["result"] == "valid"
    ]
    assert online_row and online_row[0]["double_use"] is True


async def test_upload_rejects_bad_batches(world):
    client = world.client
    gate = await world.scanner_for("bus", ["transit_ride"])
    ok = _result(secrets.token_hex(16), "00" * 8, now())
    cases = [
        {"results": []},
        {"results": [ok] * 501},
        {"results": [{**ok, "code_id": "XYZ"}]},
        {"results": [{**ok, "result": "great"}]},
        {"results": [{**ok, "verified_at": "2026-01-01T00:00:00"}]},  # no time zone
        {"results": [{**ok, "extra": 1}]},
        {"result": [ok]},
    ]
    for body in cases:
        response = await client.post("/api/v1/verify/offline-results", json=body, headers=gate)
        assert response.status_code == 400, (body, response.text)
    future = {"results": [_result(secrets.token_hex(16), None, now() + 3600)]}
    response = await client.post("/api/v1/verify/offline-results", json=future, headers=gate)
    assert response.status_code == 422 and response.json()["error"]["code"] == "verify.result_in_future"
    full = {"results": [_result(secrets.token_hex(16), "00" * 8, now() - i, result="expired") for i in range(500)]}
    assert (await client.post("/api/v1/verify/offline-results", json=full, headers=gate)).json()["accepted"] == 500
    malformed = {"results": [{"scenario": "transit_ride", "result": "malformed", "verified_at": _iso(now())}]}
    assert (await client.post("/api/v1/verify/offline-results", json=malformed, headers=gate)).json()["accepted"] == 1


async def test_flags_are_for_provincial_operators(world):
    gate = await world.scanner_for("bus", ["transit_ride"])
    counter = await world.staff("counter_operator")
    assert (await world.client.get("/api/v1/verify/flags", headers=gate)).status_code == 403
    assert (await world.client.get("/api/v1/verify/flags", headers=counter)).status_code == 403
    assert (await world.client.get("/api/v1/verify/flags", headers=await world.operator())).status_code == 200


async def test_upload_racing_an_online_scan_still_flags(world):
    """An online scan has claimed the code but its row is not written yet when the offline
    gate's upload arrives: the upload finds the claim and flags the code."""
    client = world.client
    gate = await world.scanner_for("metro", ["transit_ride"])
    holder = await world.holder()
    code_id = secrets.token_hex(16)
    # What verification.py's claim leaves in the store for an online scanner at another venue.
    await world.call(world.store.claim, f"code:{code_id}", f"{secrets.token_hex(8)}|id|{now()}|counter_service", 90)
    upload = {"results": [_result(code_id, holder.card_ref, now())]}
    answer = (await client.post("/api/v1/verify/offline-results", json=upload, headers=gate)).json()
    assert answer["flagged"] == [code_id]
    record = (await client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert [i["double_use"] for i in record if i["offline"] and i["result"] == "valid"] == [True]


async def test_uploaded_offline_scans_reach_the_access_record_once(world):
    client = world.client
    gate = await world.scanner_for("metro", ["transit_ride"])
    holder = await world.holder()
    code_id = secrets.token_hex(16)
    batch = {
        "results": [
            _result(code_id, holder.card_ref, now() - 30),
            _result(secrets.token_hex(16), holder.card_ref, now() - 20, result="expired"),
        ]
    }
    assert (await client.post("/api/v1/verify/offline-results", json=batch, headers=gate)).json()["accepted"] == 2
    assert (await client.post("/api/v1/verify/offline-results", json=batch, headers=gate)).json()["duplicates"] == 2
    records = (await client.get("/api/v1/me/access-records", headers=holder.headers)).json()["items"]
    scans = [r for r in records if r["action"] == "verification"]
    # One entry: the accepted scan disclosed data; the refused one disclosed nothing; the re-upload added nothing.
    assert len(scans) == 1 and scans[0]["actor_kind"] == "venue"
    assert sorted(scans[0]["fields"]) == ["concession", "valid_until"]


async def test_upload_refuses_a_scenario_the_venue_does_not_serve(world):
    """A library scanner uploads a `valid` hotel check-in: refused as online, tied to nobody,
    and the code stays unused."""
    client = world.client
    library = await world.scanner_for("library", ["library_entry"])
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    device = await world.device(holder)
    code = world.offline_code(device)
    check = fmt.verify_offline(code, trust={k.kid: k.public for k in world.keyring.published(now())}, now=now())
    ok = _result(check.code_id, holder.card_ref, now() - 5, scenario="library_entry", device_key_id=check.device_key_id)
    forged = _result(check.code_id, holder.card_ref, now(), scenario="hotel_checkin", device_key_id=check.device_key_id)
    answer = (await client.post("/api/v1/verify/offline-results", json={"results": [forged]}, headers=library)).json()
    assert answer == {"accepted": 0, "duplicates": 0, "flagged": [], "refused": [0]}
    # Nothing reached the holder's record or access record, and the code still verifies.
    assert (await client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"] == []
    entries = (await client.get("/api/v1/me/access-records", headers=holder.headers)).json()["items"]
    assert [e for e in entries if e["action"].startswith("verification")] == []
    assert (await world.verify(hotel, code, "hotel_checkin")).json()["result"] == "valid"
    # A mixed batch: the served scenario is kept, the other refused by its index.
    mixed = {"results": [{**ok, "code_id": secrets.token_hex(16)}, forged]}
    answer = (await client.post("/api/v1/verify/offline-results", json=mixed, headers=library)).json()
    assert answer["accepted"] == 1 and answer["refused"] == [1]
