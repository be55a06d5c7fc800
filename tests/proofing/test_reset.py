"""Password reset only through proofing: the same answer with or without an account, the reset's
token, the bank route, and throttled guessing that a store losing its data does not undo."""

from __future__ import annotations

import pytest

from tests.proofing.helpers import PASSWORD, World, new_id_number, reset_headers

pytestmark = pytest.mark.anyio


async def test_the_start_answers_alike_with_or_without_an_account(client):
    world = World(client)
    holder = await world.person(card=False)
    known = await client.post("/api/v1/recovery/resets", json=holder.document)
    unknown = await client.post("/api/v1/recovery/resets", json={"doc_type": "resident_id", "id_number": new_id_number()})
    assert known.status_code == unknown.status_code == 202
    assert set(known.json()) == set(unknown.json()) and set(known.json()["counter_code"]) == set(unknown.json()["counter_code"])
    assert holder.id_number not in known.text
    # whether a provider can be used is a setting (this client enables the test provider), the same for both
    assert known.json()["provider"] is unknown.json()["provider"] is True
    # the one without an account can never be proven, and says nothing more than "not proven"
    started = unknown.json()
    url = f"/api/v1/recovery/resets/{started['reset_id']}"
    response = await client.post(f"{url}/password", json={"new_password": PASSWORD}, headers=reset_headers(started))
    assert response.json()["error"]["code"] == "reset.not_proven"
    # the token is the reset's own
    assert (await client.get(url, headers={"X-Reset-Token": "ykr_wrong"})).status_code == 401
    assert (await client.get(url)).status_code == 401


async def test_a_reset_proven_through_the_bank(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person()
    other_session = holder.headers
    started = (await client.post("/api/v1/recovery/resets", json=holder.document)).json()
    url = f"/api/v1/recovery/resets/{started['reset_id']}"
    response = await client.post(f"{url}/password", json={"new_password": "a new password 2"}, headers=reset_headers(started))
    assert response.status_code == 409 and response.json()["error"]["code"] == "reset.not_proven"

    response = await client.post(f"{url}/bank-challenge", headers=reset_headers(started))
    assert response.status_code == 201, response.text
    challenge = response.json()
    response = await client.post(
        "/api/v1/bank/proofing/answers", json=bank.sign(challenge["challenge_id"], holder.card_number), headers=bank.headers
    )
    assert response.json()["status"] == "proven"
    polled = await client.get(f"{url}/bank-challenge/{challenge['challenge_id']}", headers=reset_headers(started))
    assert polled.json()["status"] == "proven"

    response = await client.post(f"{url}/password", json={"new_password": "short"}, headers=reset_headers(started))
    assert response.status_code == 400 or response.json()["error"]["code"].startswith("password.")
    response = await client.post(
        f"{url}/password", json={"new_password": f"pw{holder.id_number}"}, headers=reset_headers(started)
    )
    assert response.json()["error"]["code"] == "password.contains_id_number"
    response = await client.post(f"{url}/password", json={"new_password": "a new password 2"}, headers=reset_headers(started))
    assert response.status_code == 200, response.text
    assert response.json()["revoked_sessions"] >= 1
    assert (await client.get("/api/v1/me", headers=other_session)).status_code == 401
    assert (await client.post("/api/v1/auth/login", json={**holder.document, "password": PASSWORD})).status_code == 401
    await world.login(holder, "a new password 2")
    assert await world.assurance(holder.person_id) == 2
    response = await client.post(f"{url}/password", json={"new_password": "a newer password 3"}, headers=reset_headers(started))
    assert response.json()["error"]["code"] == "reset.done"
    rows = await world.attempts(holder.person_id)
    assert rows[0]["purpose"] == "reset" and rows[0]["method"] == "bank" and rows[0]["outcome"] == "proven"


async def test_guessing_locks_even_when_the_store_forgets(client):
    world = World(client)
    holder = await world.person(card=False)
    for _ in range(5):
        response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": "2222-2222"}, headers=holder.headers)
        assert response.json()["error"]["code"] == "proofing.code_unknown"
    response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": "2222-2222"}, headers=holder.headers)
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0

    # Redis restarts empty (or evicts the counters): the attempt rows still hold the lock.
    import uuid

    store = client.app.state.store
    account = (await client.get("/api/v1/me", headers=holder.headers)).json()["id"]
    for scope, owner in (("account", account), ("person", holder.person_id)):
        await world.call(store.delete, f"proofing:fail:{scope}:{uuid.UUID(owner).hex}")
        assert await world.call(store.get, f"proofing:fail:{scope}:{uuid.UUID(owner).hex}") is None
    response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": "3333-3333"}, headers=holder.headers)
    assert response.status_code == 429 and response.json()["error"]["details"]["scope"] == "account"
    reasons = [r["reason"] for r in await world.attempts(holder.person_id)]
    assert reasons.count("proofing.code_unknown") == 5 and reasons.count("proofing.throttled") == 2
