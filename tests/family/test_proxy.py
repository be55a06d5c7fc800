"""What an active relation lets the proxy do, and how it shows on the relative's record."""

from __future__ import annotations

import pytest

from tests.family.helpers import ELDER, active, add, member, records_of

pytestmark = pytest.mark.anyio


async def test_a_code_shown_by_the_proxy_is_on_the_relatives_record_as_presented_by_them(world):
    holder = await member(world, name="王建国")
    relative = await member(world, birth=ELDER, name="李秀英")
    relation_id = await active(world, holder, relative, "elder")
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["relative_name"] == "李**" and shown["code"].startswith("YKO1:")
    assert response.headers["cache-control"] == "no-store"
    scanner = await world.scanner_for("library", ["library_entry"])
    scan = await world.verify(scanner, shown["code"], "library_entry")
    assert scan.status_code == 200 and scan.json()["result"] == "valid", scan.text
    # The relative's own code, shown by themselves, says nothing of a proxy.
    own = await world.client.post("/api/v1/me/codes/online", headers=relative.headers)
    assert (await world.verify(scanner, own.json()["code"], "library_entry")).json()["result"] == "valid"
    response = await world.client.get("/api/v1/me/verifications", headers=relative.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 2
    by_proxy = [i for i in items if i["presented_by"] is not None]
    assert len(by_proxy) == 1
    assert by_proxy[0]["presented_by"] == {"name": "王**", "relationship": "elder", "kind": "family"}
    # The holder's own verifications are untouched: the scan was of the relative's card.
    mine = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert mine == []
    # The code shown and the verification are both on the relative's access record.
    actions = [e["action"] for e in await records_of(world, relative)]
    assert "family.code_shown" in actions and "verification" in actions
    shown_entry = next(e for e in await records_of(world, relative) if e["action"] == "family.code_shown")
    assert shown_entry["actor_kind"] == "family" and shown_entry["actor_name"] == "王**"
    assert shown_entry["basis_kind"] == "consent"


async def test_the_code_needs_a_usable_card_and_the_proxy_activates_a_missing_e_card(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER, ecard_level=0, account=False)
    clerk = await world.staff("counter_operator")
    response = await add(world, holder, relative, "elder")
    relation_id = response.json()["id"]
    found = await world.client.post(
        "/api/v1/staff/family/requests/search", json={"doc_type": "resident_id", "id_number": relative.id_number}, headers=clerk
    )
    response = await world.client.post(
        f"/api/v1/staff/family/relations/{found.json()['items'][0]['id']}/consent",
        json={"basis": "in_person", "evidence": "identity_document"},
        headers=clerk,
    )
    assert response.status_code == 200, response.text
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "family.relative_card_not_usable"
    assert response.json()["error"]["details"]["ecard_level"] == 0
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/ecard", headers=holder.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"relation_id": relation_id, "ecard_level": 1, "assurance": 1}
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/ecard", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.ecard_already_issued"
    # Now the code works, where a family-level proof is enough; a hotel asks more.
    shown = (await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)).json()
    library = await world.scanner_for("library", ["library_entry"])
    assert (await world.verify(library, shown["code"], "library_entry")).json()["result"] == "valid"
    shown = (await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)).json()
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    assert (await world.verify(hotel, shown["code"], "hotel_checkin")).json()["result"] == "assurance_too_low"
    from backend.cards import services as cards

    subject = await world.call(cards.card_for_person, relative.person_id)
    assert (subject.ecard_level, subject.assurance) == (1, 1)


async def test_a_relative_with_a_suspended_card_or_none_gives_no_code(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    relation_id = await active(world, holder, relative)
    await world.card_action(relative, "report-temp-loss")
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["details"]["state"] != "active"
    cardless = await member(world, birth=ELDER, card=False)
    relation_id = await active(world, holder, cardless, "other")
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "family.relative_no_card"


async def test_every_proxy_action_is_on_the_relatives_record(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    relation_id = await active(world, holder, relative)
    await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    await world.client.delete(f"/api/v1/me/family/{relation_id}", headers=holder.headers)
    entries = [e for e in await records_of(world, relative) if e["action"].startswith("family.")]
    assert [e["action"] for e in entries] == ["family.proxy_ended", "family.code_shown", "family.proxy_added", "family.requested"]
    assert {e["actor_kind"] for e in entries} == {"family"}
    # Nothing of it is on the holder's record: they acted, nobody read their data.
    assert not [e for e in await records_of(world, holder) if e["action"].startswith("family.")]
