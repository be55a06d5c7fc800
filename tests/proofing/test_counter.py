"""Proofing at a counter: the wallet's code typed by the clerk, the clerk's code typed in the
wallet, and their refusals, each recorded and told."""

from __future__ import annotations

import pytest

from tests.proofing.helpers import World, new_id_number

pytestmark = pytest.mark.anyio


async def test_unproven_account_cannot_see_its_card_until_the_clerk_binds_it(client):
    world = World(client)
    holder = await world.person()
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).json()["error"]["code"] == "identity.not_proven"
    status = (await client.get("/api/v1/me/proofing", headers=holder.headers)).json()
    assert status["assurance"] == 0 and status["routes"] == {"counter": True, "bank": True, "provider": False}

    response = await client.post(
        "/api/v1/me/proofing/counter/code", json={"device_label": "王小明的手机"}, headers=holder.headers
    )
    assert response.status_code == 201, response.text
    code = response.json()
    assert len(code["code"]) == 9 and code["qr_text"] == "YKBIND:" + code["code"].replace("-", "")
    assert holder.id_number not in str(code)

    clerk = await world.staff()
    typed = code["code"].lower().replace("-", " ")  # typed carelessly: case and separators do not matter
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": typed, **holder.document}, headers=clerk)
    assert response.status_code == 200, response.text
    bound = response.json()
    assert bound["purpose"] == "bind" and bound["device_label"] == "王小明的手机"
    assert bound["attempt"]["outcome"] == "proven" and bound["attempt"]["level"] == 3
    assert bound["attempt"]["ecard_activated"] is True
    assert holder.id_number not in response.text

    assert await world.assurance(holder.person_id) == 3
    card = await world.card(holder.person_id)
    assert (card["assurance"], card["proofing"]) == (3, "counter")
    assert (await client.get("/api/v1/me/card", headers=holder.headers)).status_code == 200

    rows = await world.attempts(holder.person_id)
    assert rows[0]["method"] == "counter" and rows[0]["outcome"] == "proven"
    assert rows[0]["staff"] is not None and rows[0]["office"] is not None and rows[0]["device_label"] == "王小明的手机"
    record = await world.record(holder.person_id)
    assert {"action": "proofing.counter", "result": "ok", "result_code": "", "actor_kind": "staff"} in record

    # used up: the same code again is unknown
    response = await client.post(
        "/api/v1/staff/proofing/counter/bind", json={"code": code["code"], **holder.document}, headers=clerk
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "proofing.code_unknown"


async def test_a_code_for_another_persons_document_is_refused_and_recorded_on_both(client):
    world = World(client)
    holder = await world.person()
    other = await world.person(name="赵六")
    code = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    clerk = await world.staff()
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": code, **other.document}, headers=clerk)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.person_mismatch"
    assert await world.assurance(holder.person_id) == 0 and await world.assurance(other.person_id) == 0
    refused = {
        "action": "proofing.counter",
        "result": "refused",
        "result_code": "proofing.person_mismatch",
        "actor_kind": "staff",
    }
    for who in (holder, other):
        assert refused in await world.record(who.person_id)
    rows = await world.attempts(other.person_id)
    assert rows[0]["outcome"] == "refused" and rows[0]["reason"] == "proofing.person_mismatch"


async def test_one_open_code_per_account_and_unknown_documents(client):
    world = World(client)
    holder = await world.person(card=False)
    first = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    second = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    clerk = await world.staff()
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": first, **holder.document}, headers=clerk)
    assert response.json()["error"]["code"] == "proofing.code_unknown"  # replaced by the second
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": second, **holder.document}, headers=clerk)
    assert response.status_code == 200, response.text
    assert response.json()["attempt"]["ecard_activated"] is False  # no card: the account is proven all the same
    assert await world.assurance(holder.person_id) == 3


async def test_the_clerk_makes_the_code_and_the_wallet_types_it(client):
    world = World(client)
    holder = await world.person()
    stranger = await world.person(name="钱七")
    clerk = await world.staff()
    response = await client.post("/api/v1/staff/proofing/counter/codes", json=holder.document, headers=clerk)
    assert response.status_code == 201, response.text
    code = response.json()["code"]

    # another account typing it (the wrong person's wallet) is refused, and the code stays open
    response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": code}, headers=stranger.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.person_mismatch"

    response = await client.post(
        "/api/v1/me/proofing/counter/claim", json={"code": code, "device_label": "平板"}, headers=holder.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "proven" and response.json()["level"] == 3
    rows = await world.attempts(holder.person_id)
    assert rows[0]["staff"] is not None and rows[0]["device_label"] == "平板"


async def test_counter_needs_counter_staff_and_a_registered_person(client):
    world = World(client)
    holder = await world.person(card=False)
    code = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    body = {"code": code, **holder.document}
    assert (await client.post("/api/v1/staff/proofing/counter/bind", json=body, headers=holder.headers)).status_code == 403
    clerk = await world.staff()
    response = await client.post(
        "/api/v1/staff/proofing/counter/bind", json={**body, "id_number": new_id_number()}, headers=clerk
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "proofing.no_person"
    response = await client.post(
        "/api/v1/staff/proofing/counter/codes", json={"doc_type": "resident_id", "id_number": new_id_number()}, headers=clerk
    )
    assert response.status_code == 404
