"""Adding relatives within the limits, consent (from the relative's account or at a counter), ending."""

from __future__ import annotations

import pytest

from tests.family.helpers import ELDER, active, add, agree_at_counter, child_birth, counter_clerk, member, records_of, stale

pytestmark = pytest.mark.anyio


async def test_limits_by_kind_and_in_all(world):
    holder = await member(world)
    # Each kind up to its limit; one more of that kind is refused with its own code.
    for kind, limit in (("elder", 4), ("spouse", 1), ("other", 2)):
        for _ in range(limit):
            relative = await member(world, birth=ELDER, account=False, card=False)
            response = await add(world, holder, relative, kind)
            assert response.status_code == 201, response.text
            assert response.json()["status"] == "pending"
        response = await add(world, holder, await member(world, account=False, card=False), kind)
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "family.limit_reached"
        assert error["details"] == {"relationship": kind, "limit": limit}
    for _ in range(3):
        response = await add(world, holder, await member(world, account=False, card=False), "child")
        assert response.status_code == 201, response.text
    response = await add(world, holder, await member(world, account=False, card=False), "child")
    # 4 + 1 + 2 + 3 = 10: the total is reached as the last kind fills.
    assert response.json()["error"]["code"] == "family.total_limit_reached"
    listing = (await world.client.get("/api/v1/me/family", headers=holder.headers)).json()
    assert {item["relationship"]: (item["used"], item["max"]) for item in listing["limits"]} == {
        "elder": (4, 4),
        "child": (3, 3),
        "spouse": (1, 1),
        "other": (2, 2),
        "total": (10, 10),
    }
    assert len(listing["items"]) == 10
    # Identity numbers never come back, only masked.
    assert all("*" in item["document"] for item in listing["items"])


async def test_the_total_counts_every_kind(world):
    """Ended relations free their place; at 10 in all, nothing more of any kind."""
    holder = await member(world)
    ids = []
    for kind in ["elder"] * 3 + ["child"] * 2 + ["other"] * 2 + ["spouse"]:
        response = await add(world, holder, await member(world, account=False, card=False), kind)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    # 8 live. End one: a place comes back.
    response = await world.client.delete(f"/api/v1/me/family/{ids[0]}", headers=holder.headers)
    assert response.status_code == 200 and response.json()["status"] == "ended"
    for kind in ("elder", "elder", "child"):
        response = await add(world, holder, await member(world, account=False, card=False), kind)
        assert response.status_code == 201, response.text
    for kind in ("elder", "child", "spouse", "other"):
        response = await add(world, holder, await member(world, account=False, card=False), kind)
        assert response.status_code == 409 and response.json()["error"]["code"] == "family.total_limit_reached"


async def test_refusals_self_duplicate_unknown_and_name_mismatch(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    response = await add(world, holder, holder, "spouse")
    assert response.status_code == 422 and response.json()["error"]["code"] == "family.self"
    assert (await add(world, holder, relative, "elder")).status_code == 201
    response = await add(world, holder, relative, "other")
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.duplicate"
    wrong_name = {**relative.body("elder"), "name": "王五"}
    response = await world.client.post("/api/v1/me/family", json=wrong_name, headers=holder.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "family.relative_not_found"
    unknown = await member(world, account=False, card=False)
    body = {
        **unknown.body("elder"),
        "id_number": unknown.id_number[:-4] + ("0000" if unknown.id_number[-4:] != "0000" else "1111"),
    }
    response = await world.client.post("/api/v1/me/family", json=body, headers=holder.headers)
    assert response.status_code in (404, 422)  # an unknown number, or one whose check digit fails


async def test_adding_needs_a_proven_account_and_a_fresh_factor(world):
    relative = await member(world, birth=ELDER)
    unproven = await member(world, proven=None)
    response = await add(world, unproven, relative, "elder")
    assert response.status_code == 403 and response.json()["error"]["code"] == "identity.not_proven"
    vouched = await member(world, proven="family")  # proven only by a family member: cannot pass it on
    response = await add(world, vouched, relative, "elder")
    assert response.status_code == 403 and response.json()["error"]["code"] == "family.not_proven"
    tired = await member(world)
    await stale(world, tired)
    response = await add(world, tired, relative, "elder")
    assert response.status_code == 403 and response.json()["error"]["code"] == "auth.step_up_required"


async def test_pending_gives_nothing_then_the_relative_accepts(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    response = await add(world, holder, relative, "elder")
    relation_id = response.json()["id"]
    # Pending: no code, no e-card.
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.not_active"
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/ecard", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.not_active"
    # The relative sees the request, may accept it from their proven account.
    mine = (await world.client.get("/api/v1/me/proxies", headers=relative.headers)).json()["items"]
    assert [(p["id"], p["status"], p["can_accept"], p["relationship"]) for p in mine] == [(relation_id, "pending", True, "elder")]
    assert "*" in mine[0]["name"] and holder.name not in mine[0]["name"]
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=relative.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active" and response.json()["consent"] == "relative"
    page = (await world.client.get("/api/v1/me/proxies", headers=relative.headers)).json()
    assert (page["active"], page["pending"]) == (1, 0)
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=relative.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.not_pending"
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 200, response.text
    actions = [r["action"] for r in await records_of(world, relative)]
    assert {"family.requested", "family.proxy_added", "family.code_shown"} <= set(actions)


async def test_the_relative_refuses(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    relation_id = (await add(world, holder, relative, "elder")).json()["id"]
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/refuse", headers=relative.headers)
    assert response.status_code == 200 and response.json()["status"] == "refused"
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.not_active"
    listing = (await world.client.get("/api/v1/me/family", headers=holder.headers)).json()
    assert listing["items"][0]["status"] == "refused" and listing["items"][0]["ended_by"] == "relative"
    # A refused request frees its place: the holder may ask again.
    assert (await add(world, holder, relative, "elder")).status_code == 201


async def test_an_unproven_relative_account_cannot_accept_but_a_counter_can(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER, proven="family")  # an account someone else vouched for
    relation_id = (await add(world, holder, relative, "elder")).json()["id"]
    mine = (await world.client.get("/api/v1/me/proxies", headers=relative.headers)).json()["items"]
    assert mine[0]["can_accept"] is False
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=relative.headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "family.not_proven"
    clerk = await counter_clerk(world)
    agreed = await agree_at_counter(world, clerk, relative, "in_person", "identity_document")
    assert agreed["status"] == "active" and agreed["consent"] == "counter"
    entries = await records_of(world, relative)
    counter = [e for e in entries if e["action"] == "family.counter_consent"]
    assert counter and counter[0]["actor_kind"] == "staff"
    assert any(e["action"] == "family.counter_lookup" for e in entries)


async def test_a_child_under_16_only_through_guardianship_at_a_counter(world):
    holder = await member(world)
    child = await member(world, birth=child_birth(), account=False)
    response = await add(world, holder, child, "spouse")
    assert response.status_code == 422 and response.json()["error"]["code"] == "family.bad_relationship"
    response = await add(world, holder, child, "child")
    assert response.status_code == 201 and response.json()["minor"] is True
    relation_id = response.json()["id"]
    clerk = await counter_clerk(world)
    found = await world.client.post(
        "/api/v1/staff/family/requests/search", json={"doc_type": "resident_id", "id_number": child.id_number}, headers=clerk
    )
    assert [i["id"] for i in found.json()["items"]] == [relation_id]
    assert found.json()["items"][0]["minor"] is True
    # The child's own "agreement" at the counter is not enough.
    url = f"/api/v1/staff/family/relations/{relation_id}/consent"
    response = await world.client.post(url, json={"basis": "in_person", "evidence": "identity_document"}, headers=clerk)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.guardianship_required"
    response = await world.client.post(url, json={"basis": "guardianship", "evidence": "identity_document"}, headers=clerk)
    assert response.status_code == 422 and response.json()["error"]["code"] == "family.bad_evidence"
    response = await world.client.post(url, json={"basis": "guardianship", "evidence": "household_register"}, headers=clerk)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active" and response.json()["consent"] == "guardianship"
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 200, response.text


async def test_a_minor_cannot_accept_from_an_account(world):
    holder = await member(world)
    teen = await member(world, birth=child_birth())
    relation_id = (await add(world, holder, teen, "child")).json()["id"]
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=teen.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.guardianship_at_counter"


async def test_either_side_ends_it_and_the_proxy_can_do_nothing_after(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    relation_id = await active(world, holder, relative)
    response = await world.client.delete(f"/api/v1/me/proxies/{relation_id}", headers=relative.headers)
    assert response.status_code == 200 and response.json()["status"] == "ended"
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "family.not_active"
    response = await world.client.delete(f"/api/v1/me/family/{relation_id}", headers=holder.headers)
    assert response.status_code == 409
    entries = [e for e in await records_of(world, relative) if e["action"] == "family.proxy_ended"]
    assert entries and entries[0]["actor_kind"] == "family"
    # The holder ends another.
    relation_id = await active(world, holder, relative)
    response = await world.client.delete(f"/api/v1/me/family/{relation_id}", headers=holder.headers)
    assert response.status_code == 200 and response.json()["ended_by"] == "holder"
    mine = (await world.client.get("/api/v1/me/proxies", headers=relative.headers)).json()["items"]
    assert [p["status"] for p in mine] == ["ended", "ended"]


async def test_strangers_cannot_see_show_accept_or_end(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER)
    stranger = await member(world)
    relation_id = await active(world, holder, relative)
    for method, url in (
        ("POST", f"/api/v1/me/family/{relation_id}/code"),
        ("POST", f"/api/v1/me/family/{relation_id}/ecard"),
        ("DELETE", f"/api/v1/me/family/{relation_id}"),
        ("POST", f"/api/v1/me/proxies/{relation_id}/accept"),
        ("POST", f"/api/v1/me/proxies/{relation_id}/refuse"),
        ("DELETE", f"/api/v1/me/proxies/{relation_id}"),
    ):
        response = await world.client.request(method, url, headers=stranger.headers)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "family.not_found"
    # The holder cannot act as the relative, nor the relative as the holder.
    response = await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=relative.headers)
    assert response.status_code == 404
    response = await world.client.delete(f"/api/v1/me/proxies/{relation_id}", headers=holder.headers)
    assert response.status_code == 404
    assert (await world.client.get("/api/v1/me/family", headers=stranger.headers)).json()["items"] == []
    # Staff and scanners have no citizen routes; citizens no counter routes.
    clerk = await counter_clerk(world)
    assert (await world.client.post(f"/api/v1/me/family/{relation_id}/code", headers=clerk)).status_code == 403
    response = await world.client.post(
        "/api/v1/staff/family/requests/search",
        json={"doc_type": "resident_id", "id_number": relative.id_number},
        headers=holder.headers,
    )
    assert response.status_code == 403
    response = await world.client.post(
        f"/api/v1/staff/family/relations/{relation_id}/consent",
        json={"basis": "in_person", "evidence": "identity_document"},
        headers=holder.headers,
    )
    assert response.status_code == 403
