"""POST /api/v1/me/credentials/batch: offline credentials of format 2, one per profile and slot (issue 18)."""

from __future__ import annotations

import datetime as dt
import time

import msgspec
import nacl.signing
import pytest

from backend.codes import format_v2 as v2
from backend.codes.batches import BATCHES_PER_MINUTE
from backend.lib import ed25519, sm2
from tests.codes.helpers import card_action, in_app, make_citizen
from tests.codes.helpers_v2 import BATCH_URL, SCENARIO_OF, b64u, batch, bind_phone, trust_v2, unb64u, unbind_phone

pytestmark = pytest.mark.anyio
R = v2.Result


async def test_a_batch_covers_every_profile_and_slot_and_every_credential_verifies(client):
    citizen = await make_citizen(client, transport=True, birth=dt.date(1950, 5, 1))  # elderly, transport on
    phone = await bind_phone(client, citizen)
    keys = phone.new_keys(15)
    before = int(time.time())
    response = await client.post(BATCH_URL, json=phone.body(keys), headers=citizen.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    settings = client.app.state.settings
    slot = settings.credential_slot_hours * 3600
    assert body["suite"] == "ed25519" and body["slot_seconds"] == slot
    # Slots from the current one through now + credential_hours, three profiles each.
    slots = len(range(before - before % slot, before + settings.credential_hours * 3600, slot))
    assert body["needed"] == 3 * slots == len(body["credentials"]) == 15
    issued = body["credentials"]
    assert [c["key_index"] for c in issued] == list(range(15))
    # Slot-major: the current slot's three profiles first.
    assert [c["profile"] for c in issued[:3]] == ["validity", "concession", "transit"]
    assert issued[0]["nbf"] == before - before % slot
    assert len({c["cred_ref"] for c in issued}) == 15  # a fresh reference per credential

    key = client.app.state.keystore.load().active_signing()
    trust = await trust_v2(client)
    province, city = int(citizen.card["region"][:2] + "0000"), int(citizen.card["region"])
    expected_attrs = {"validity": 0x00, "concession": 0x01, "transit": 0x01 | 0x08}
    for c in issued:
        raw = unb64u(c["credential"])
        cred = v2.parse_credential_v2(raw)
        assert len(raw) == 123 and cred.suite is v2.Suite.ED25519
        assert cred.kid == c["kid"] == key.kid
        assert cred.cred_ref.hex() == c["cred_ref"] and cred.profile.label == c["profile"]
        assert (cred.nbf, cred.exp) == (c["nbf"], c["exp"]) and c["nbf"] % slot == 0 and c["exp"] == c["nbf"] + slot
        assert cred.region == (city if c["profile"] == "transit" else province)
        assert cred.attrs == expected_attrs[c["profile"]]
        assert cred.device_pub == bytes(phone.one_time[c["key_index"]].verify_key)
        assert citizen.card_ref not in raw  # the card's lifetime reference never leaves the server
        # The phone makes a code inside the slot; a gate with only the JWK Set accepts it.
        at = max(c["nbf"] + 10, before)
        scenario = SCENARIO_OF[c["profile"]]
        check = v2.verify_offline_v2(phone.code(c, scenario, at), trust=trust, scenario=scenario, now=at + 5)
        assert check.result is R.VALID, (c["profile"], check)
        assert check.cred_ref == cred.cred_ref
    # Recorded, one row each, under the card and the phone.
    rows = await in_app(client, _recorded, citizen.card["card_id"])
    assert {r["ref"] for r in rows} == {c["cred_ref"] for c in issued}
    assert {str(r["device"]) for r in rows} == {phone.device_id}


async def _recorded(card_id):
    from backend.cards.tables import OfflineCredential

    return (
        await OfflineCredential.select(OfflineCredential.ref, OfflineCredential.device)
        .where(OfflineCredential.card == card_id)
        .run()
    )


async def test_two_credentials_share_no_identifying_bytes(client):
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    first, second = (await batch(client, citizen, phone, 3))["credentials"][:2]
    a, b = v2.parse_credential_v2(unb64u(first["credential"])), v2.parse_credential_v2(unb64u(second["credential"]))
    assert a.cred_ref != b.cred_ref and a.device_pub != b.device_pub
    # A validity credential names the province only; nothing in it ties it to the card or the other.
    assert a.region % 10000 == 0 and a.attrs == 0


async def test_a_short_key_list_covers_now_first(client):
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    body = await batch(client, citizen, phone, 4)
    issued = body["credentials"]
    assert body["needed"] == 15 and len(issued) == 4
    assert [c["profile"] for c in issued] == ["validity", "concession", "transit", "validity"]
    assert issued[0]["nbf"] == issued[2]["nbf"] < issued[3]["nbf"] == issued[0]["exp"]


async def test_the_request_must_be_signed_by_the_bound_key_and_fresh(client):
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    keys = phone.new_keys(3)

    body = phone.body(keys)
    body["keys"] = phone.new_keys(3)  # keys swapped after signing
    response = await client.post(BATCH_URL, json=body, headers=citizen.headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "credential.bad_device_signature"

    other = nacl.signing.SigningKey.generate()
    body = phone.body(keys)
    text = "\n".join(["yikatong/credential-batch/v2", phone.device_id, str(body["t"]), "ed25519", *keys])
    body["signature"] = b64u(other.sign(text.encode()).signature)  # right message, another key
    response = await client.post(BATCH_URL, json=body, headers=citizen.headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "credential.bad_device_signature"

    stale = phone.body(keys, t=int(time.time()) - 120)
    response = await client.post(BATCH_URL, json=stale, headers=citizen.headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "credential.stale_request"
    ahead = phone.body(keys, t=int(time.time()) + 120)
    assert (await client.post(BATCH_URL, json=ahead, headers=citizen.headers)).status_code == 400


async def test_wrong_suite_and_bad_keys(client):
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    sm2_keys = [b64u(sm2.generate()[1]) for _ in range(3)]
    response = await client.post(BATCH_URL, json=phone.body(sm2_keys, suite="sm2"), headers=citizen.headers)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "credential.suite_changed" and error["details"]["suite"] == "ed25519"

    keys = phone.new_keys(3)
    small_order = b64u(bytes(32))  # y = 0: a point of order 4, anyone could sign for it
    response = await client.post(BATCH_URL, json=phone.body([keys[0], small_order, keys[2]]), headers=citizen.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "credential.bad_public_key" and response.json()["error"]["details"]["index"] == 1

    response = await client.post(BATCH_URL, json=phone.body([keys[0], keys[1], keys[0]]), headers=citizen.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "credential.duplicate_key" and response.json()["error"]["details"]["index"] == 2

    for bad in ([], [keys[0]] * 33, ["x" * 43], [keys[0] + "A"]):
        response = await client.post(BATCH_URL, json=phone.body(bad), headers=citizen.headers)
        assert response.status_code == 400, bad
    # Nothing was recorded by any refused request.
    assert await in_app(client, _recorded, citizen.card["card_id"]) == []


async def test_device_and_card_must_be_usable(client):
    citizen = await make_citizen(client)
    stranger = await make_citizen(client)
    theirs = await bind_phone(client, stranger)
    response = await client.post(BATCH_URL, json=theirs.body(theirs.new_keys(1)), headers=citizen.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "device.not_found"

    phone = await bind_phone(client, citizen)
    await unbind_phone(client, citizen, phone)
    response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(1)), headers=citizen.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "device.unbound"

    other = await make_citizen(client)
    phone = await bind_phone(client, other)
    await card_action(client, other, "report_temp_loss")
    response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(1)), headers=other.headers)
    assert response.status_code == 409 and response.json()["error"]["details"]["result"] == "card_suspended"


async def test_batches_are_rate_limited(client):
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    for _ in range(BATCHES_PER_MINUTE):
        await batch(client, citizen, phone, 1)
    response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(1)), headers=citizen.headers)
    assert response.status_code == 429 and response.json()["error"]["code"] == "codes.rate_limited"


async def _own_app(settings, tmp_path, prepare, **changes):
    from backend.app import create_app, keystore_for

    own = msgspec.structs.replace(settings, key_dir=str(tmp_path / "keys"), **changes)
    prepare(keystore_for(own))
    return create_app(own)


async def test_format_1_credentials_are_retired_after_the_date(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    now = int(time.time())
    app = await _own_app(settings, tmp_path, lambda ks: ks.init(now=now), offline_v1_retire_at=now - 1)
    async with AsyncTestClient(app=app) as client:
        citizen = await make_citizen(client)
        phone = await bind_phone(client, citizen)
        response = await client.post("/api/v1/me/credentials", json={"device_id": phone.device_id}, headers=citizen.headers)
        assert response.status_code == 410 and response.json()["error"]["code"] == "credential.format_retired"
        await batch(client, citizen, phone, 3)  # format 2 goes on


async def test_no_credential_outlives_its_key_in_the_trust_list(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    from backend.keys.keyring import SIGNING_DAYS

    now = int(time.time())
    init_at = now - SIGNING_DAYS * 86400 + 3600  # signs for another hour, listed 60 s after
    app = await _own_app(settings, tmp_path, lambda ks: ks.init(now=init_at, max_credential_seconds=60))
    async with AsyncTestClient(app=app) as client:
        citizen = await make_citizen(client)
        phone = await bind_phone(client, citizen)
        body = await batch(client, citizen, phone, 15)
        key = client.app.state.keystore.load().active_signing()
        cap = key.publish_until - client.app.state.settings.clock_skew_seconds
        assert body["credentials"] and all(c["exp"] <= cap for c in body["credentials"])
        assert body["needed"] == len(body["credentials"]) < 15  # no slot past the key's listing
        assert ed25519.is_valid_public(bytes(phone.one_time[0].verify_key))


async def test_the_sm2_suite_issues_sm2_credentials(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    now = int(time.time())
    app = await _own_app(settings, tmp_path, lambda ks: ks.init(now=now, suite="sm2"))
    async with AsyncTestClient(app=app) as client:
        citizen = await make_citizen(client)
        phone = await bind_phone(client, citizen)
        response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(3)), headers=citizen.headers)
        assert response.status_code == 409 and response.json()["error"]["details"]["suite"] == "sm2"
        pairs = [sm2.generate() for _ in range(3)]
        body = phone.body([b64u(public) for _, public in pairs], suite="sm2")
        response = await client.post(BATCH_URL, json=body, headers=citizen.headers)
        assert response.status_code == 200, response.text
        assert response.json()["suite"] == "sm2"
        trust = await trust_v2(client)
        key = client.app.state.keystore.load().issuing_key()
        assert key.alg == "SM2SM3" and trust[key.kid].alg == "SM2SM3"
        for c in response.json()["credentials"]:
            raw = unb64u(c["credential"])
            assert len(raw) == 124 and v2.parse_credential_v2(raw).suite is v2.Suite.SM2 and c["kid"] == key.kid
            private = pairs[c["key_index"]][0]
            at = int(time.time())
            scenario = SCENARIO_OF[c["profile"]]
            code = v2.make_offline_code_v2(raw, private, scenario, at)
            assert v2.verify_offline_v2(code, trust=trust, scenario=scenario, now=at + 1).result is R.VALID


async def test_a_phone_holds_at_most_four_plans_of_unexpired_credentials(client):
    """Each outstanding credential is a feed entry when the card's status changes: one account
    must not be able to swell every scanner's list (the wallet's refills and a lost answer fit)."""
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    for _ in range(4):
        assert len((await batch(client, citizen, phone, 15))["credentials"]) == 15
    response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(1)), headers=citizen.headers)
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "credential.too_many_outstanding"
    assert error["details"]["outstanding"] == 60 and error["details"]["limit"] == 60
    assert response.headers["retry-after"] == "3600"
    # Another phone of the same holder has its own allowance.
    other = await bind_phone(client, citizen)
    assert len((await batch(client, citizen, other, 3))["credentials"]) == 3


async def test_a_one_time_key_is_never_bound_twice(client):
    """A key reused by a buggy wallet would link the two credentials it signs for: refused."""
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    keys = phone.new_keys(3)
    assert (await client.post(BATCH_URL, json=phone.body(keys), headers=citizen.headers)).status_code == 200
    fresh = phone.new_keys(2)
    response = await client.post(BATCH_URL, json=phone.body([fresh[0], keys[1], fresh[1]]), headers=citizen.headers)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "credential.key_reused"
    assert response.json()["error"]["details"]["key_id"] == v2.device_key_id_v2(unb64u(keys[1]))
