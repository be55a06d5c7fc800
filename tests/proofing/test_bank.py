"""Proofing through the cooperating bank: the wallet's challenge, the bank's lookup and signed
answer (the bank is an HTTP client with its own Ed25519 key), and every refusal."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from tests.proofing.helpers import World, b64, now

pytestmark = pytest.mark.anyio


async def _challenge(client, holder) -> dict:
    response = await client.post("/api/v1/me/proofing/bank/challenges", headers=holder.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_bank_confirms_the_holder_approved(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person()
    challenge = await _challenge(client, holder)
    assert challenge["status"] == "pending" and len(challenge["number"]) == 6
    assert challenge["bank_name"] == f"银行 {bank.code}" and holder.card_number not in str(challenge)

    # the customer types the number in the bank's app; the bank finds the challenge
    response = await client.post(
        "/api/v1/bank/proofing/lookup",
        json={"card_number": holder.card_number, "number": challenge["number"]},
        headers=bank.headers,
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["challenge_id"] == challenge["challenge_id"] and found["sign"]["purpose"] == "yikatong.proofing.bank-answer.v1"

    answer = bank.sign(challenge["challenge_id"], holder.card_number)
    response = await client.post("/api/v1/bank/proofing/answers", json=answer, headers=bank.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "proven"

    polled = await client.get(f"/api/v1/me/proofing/bank/challenges/{challenge['challenge_id']}", headers=holder.headers)
    assert polled.json()["status"] == "proven"
    assert await world.assurance(holder.person_id) == 2
    card = await world.card(holder.person_id)
    assert (card["assurance"], card["proofing"]) == (3, "counter")  # issued at the counter: the stronger proof stays
    rows = await world.attempts(holder.person_id)
    assert rows[0]["method"] == "bank" and rows[0]["outcome"] == "proven" and str(rows[0]["bank"]) == bank.id
    assert {"action": "proofing.bank", "result": "ok", "result_code": "", "actor_kind": "bank"} in await world.record(
        holder.person_id
    )
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).status_code == 200

    # the same signed answer again is a replay
    response = await client.post("/api/v1/bank/proofing/answers", json=answer, headers=bank.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.challenge_used"


async def test_an_ecard_is_issued_by_the_bank_route(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person(ecard=0)
    challenge = await _challenge(client, holder)
    response = await client.post(
        "/api/v1/bank/proofing/answers", json=bank.sign(challenge["challenge_id"], holder.card_number), headers=bank.headers
    )
    assert response.status_code == 200, response.text
    card = await world.card(holder.person_id)
    assert (card["ecard_level"], card["assurance"], card["proofing"]) == (1, 2, "bank")


async def test_the_holder_refuses(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person()
    challenge = await _challenge(client, holder)
    answer = bank.sign(challenge["challenge_id"], holder.card_number, "refused")
    response = await client.post("/api/v1/bank/proofing/answers", json=answer, headers=bank.headers)
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert response.json()["reason"] == "proofing.bank_refused"
    assert await world.assurance(holder.person_id) == 0
    assert (await world.attempts(holder.person_id))[0]["reason"] == "proofing.bank_refused"


async def test_refusals_of_the_bank_side(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person()
    challenge = await _challenge(client, holder)
    cid = challenge["challenge_id"]

    async def answer(body, headers=bank.headers):
        response = await client.post("/api/v1/bank/proofing/answers", json=body, headers=headers)
        return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else response.json()[
            "status"
        ]

    forged = SigningKey.generate()  # not the bank's registered key
    assert await answer(bank.sign(cid, holder.card_number, key=forged)) == (422, "proofing.bad_signature")
    tampered = bank.sign(cid, holder.card_number, "refused")
    tampered["decision"] = "approved"  # the signature covers the decision
    assert await answer(tampered) == (422, "proofing.bad_signature")
    other = await world.person(name="孙八")
    assert await answer(bank.sign(cid, other.card_number)) == (422, "proofing.card_mismatch")
    assert await answer(bank.sign(cid, holder.card_number, at=now() - 3600)) == (422, "proofing.stale_answer")

    # another bank's client, with a perfectly good key of its own, is the wrong bank
    rival = await World(client).bank()
    assert await answer(rival.sign(cid, holder.card_number), rival.headers) == (403, "proofing.wrong_bank")
    lookup = {"card_number": holder.card_number, "number": challenge["number"]}
    response = await client.post("/api/v1/bank/proofing/lookup", json=lookup, headers=rival.headers)
    assert response.json()["error"]["code"] == "proofing.wrong_bank"

    # only bank clients answer
    assert (
        await client.post("/api/v1/bank/proofing/answers", json=bank.sign(cid, holder.card_number), headers=holder.headers)
    ).status_code == 403

    reasons = [r["reason"] for r in await world.attempts(holder.person_id)]
    assert {"proofing.bad_signature", "proofing.card_mismatch", "proofing.stale_answer", "proofing.wrong_bank"} <= set(reasons)
    assert await world.assurance(holder.person_id) == 0
    # and still good for the real answer
    assert await answer(bank.sign(cid, holder.card_number)) == (200, "proven")


async def test_a_wrong_number_is_a_guess_and_guessing_is_throttled(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person()
    challenge = await _challenge(client, holder)
    wrong = f"{(int(challenge['number']) + 1) % 10**6:06d}"
    codes = []
    for _ in range(6):
        response = await client.post(
            "/api/v1/bank/proofing/lookup", json={"card_number": holder.card_number, "number": wrong}, headers=bank.headers
        )
        codes.append(response.json()["error"]["code"])
    assert codes[:5] == ["proofing.challenge_unknown"] * 5 and codes[5] == "proofing.throttled"
    assert int(response.headers["retry-after"]) > 0
    # the right number is now refused too, until the window passes
    response = await client.post(
        "/api/v1/bank/proofing/lookup",
        json={"card_number": holder.card_number, "number": challenge["number"]},
        headers=bank.headers,
    )
    assert response.status_code == 429


async def test_challenges_need_an_active_card_and_a_bank_key(client):
    world = World(client)
    cardless = await world.person(card=False)
    response = await client.post("/api/v1/me/proofing/bank/challenges", headers=cardless.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.no_card"
    bank = await world.bank()
    holder = await world.person()
    keys = await client.get(f"/api/v1/proofing/bank-keys?bank_code={bank.code}", headers=await world.operator())
    assert keys.status_code == 200 and len(keys.json()) == 1
    response = await client.post(f"/api/v1/proofing/bank-keys/{keys.json()[0]['id']}/revoke", headers=await world.operator())
    assert response.json()["status"] == "revoked"
    response = await client.post("/api/v1/me/proofing/bank/challenges", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.bank_unavailable"
    response = await client.post(
        "/api/v1/proofing/bank-keys",
        json={"bank_code": bank.code, "public_key": b64(bytes(bank.key.verify_key))},
        headers=await world.operator(),
    )
    assert response.status_code == 409  # the same key again
