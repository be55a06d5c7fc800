"""The holder's side of a case: told, sees only their own cases (with the evidence about their card and
no staff names), responds, appeals within the deadline and only against a measure; both databases."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.lib import auth
from tests.enforcement.holder_helpers import decide, open_case, staff_member, staff_step
from tests.venues.helpers import World

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(client) -> World:
    return World(client)


async def _used_card_case(world: World, holder) -> tuple[uuid.UUID, str]:
    """The holder's card verified at two venues, and a case about it with that evidence."""
    for venue_type, scenario in (("library", "library_entry"), ("museum", "scenic_entry")):
        scanner = await world.scanner_for(venue_type, [scenario])
        answer = await world.verify(scanner, await world.minted_code(holder), scenario)
        assert answer.status_code == 200 and answer.json()["result"] == "valid", answer.text
    return await world.call(open_case, person=holder.person_id, card_id=holder.card_id)


async def test_a_holder_is_told_and_sees_only_their_own_cases(world):
    holder, other = await world.holder(name="李明"), await world.holder(name="王芳")
    case_id, number = await _used_card_case(world, holder)
    client = world.client

    inbox = (await client.get("/api/v1/me/inbox?limit=20&offset=0", headers=holder.headers)).json()
    told = [n for n in inbox["items"] if n["event"] == "enforcement.case_opened"]
    assert told and told[0]["params"] == {"case": number}

    mine = (await client.get("/api/v1/me/cases", headers=holder.headers)).json()
    assert [(c["id"], c["number"], c["state"], c["kind"]) for c in mine["items"]] == [
        (str(case_id), number, "open", "impossible_travel")
    ]
    assert mine["next_offset"] is None
    assert (await client.get("/api/v1/me/cases", headers=other.headers)).json()["items"] == []

    response = await client.get(f"/api/v1/me/cases/{case_id}", headers=holder.headers)
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["city"]["code"] == "440100" and case["can_respond"] and not case["can_appeal"]
    assert case["appeal_until"] is None and case["decision"] == "" and case["fine_yuan"] is None
    [evidence] = case["evidence"]
    assert evidence["kind"] == "impossible_travel" and evidence["distance_km"] == 1890.4
    assert [u["scenario"] for u in evidence["uses"]] == ["library_entry", "scenic_entry"]
    assert all(u["result"] == "valid" and u["venue"].startswith("Venue ") for u in evidence["uses"])
    assert len(evidence["venues"]) == 2
    assert [(s["action"], s["by"], s["note"]) for s in case["steps"]] == [("open", "system", "")]
    assert holder.id_number not in response.text and holder.name not in response.text

    # Another holder, a case id that does not exist, a staff member: no case for them.
    for headers in (other.headers,):
        assert (await client.get(f"/api/v1/me/cases/{case_id}", headers=headers)).status_code == 404
    missing = await client.get(f"/api/v1/me/cases/{uuid.uuid4()}", headers=holder.headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "case.not_found"
    assert (await client.get("/api/v1/me/cases", headers=await world.operator())).status_code == 403
    assert (await client.get("/api/v1/me/cases")).status_code == 401
    assert (await client.get("/api/v1/me/cases?limit=0", headers=holder.headers)).status_code == 400


async def test_a_holder_responds_and_staff_are_named_by_office_only(world):
    holder, other = await world.holder(), await world.holder()
    case_id, _ = await _used_card_case(world, holder)
    officer = await world.call(staff_member, await world.office())
    client = world.client
    await world.call(staff_step, case_id, "investigate", officer)
    await world.call(staff_step, case_id, "note", officer, note="Internal: call the library.")

    path = f"/api/v1/me/cases/{case_id}/responses"
    text = "我整周都在广州，卡从未离身。"
    response = await client.post(path, json={"text": text}, headers=holder.headers)
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["state"] == "investigating"
    steps = [(s["action"], s["by"], s["note"]) for s in case["steps"]]
    assert steps == [("open", "system", ""), ("investigate", "staff", ""), ("respond", "you", text)]  # the note is staff's own
    investigate = case["steps"][1]
    assert investigate["office"].startswith("test office") and investigate["city"]["code"] == "440100"
    assert "Case Officer" not in response.text and "Test Officer" not in response.text and "Internal" not in response.text

    assert (await client.post(path, json={"text": "   "}, headers=holder.headers)).json()["error"]["code"] == "case.blank_text"
    assert (await client.post(path, json={"text": ""}, headers=holder.headers)).status_code == 400
    assert (await client.post(path, json={"text": "x" * 2001}, headers=holder.headers)).status_code == 400
    assert (await client.post(path, json={"text": "hi", "extra": 1}, headers=holder.headers)).status_code == 400
    assert (await client.post(path, json={"text": "not mine"}, headers=other.headers)).status_code == 404

    # Decided and closed: no more responses.
    await world.call(decide, case_id, officer, "no_action", reason="The second scan was a scanner's clock error.")
    await world.call(staff_step, case_id, "close", officer, note="Closed.")
    closed = await client.post(path, json={"text": "One more thing"}, headers=holder.headers)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "case.closed"
    case = (await client.get(f"/api/v1/me/cases/{case_id}", headers=holder.headers)).json()
    assert case["state"] == "closed" and not case["can_respond"] and not case["can_appeal"]
    assert case["decision"] == "no_action" and case["decision_reason"] == "The second scan was a scanner's clock error."


async def test_appeal_only_against_a_measure_within_sixty_days(world, monkeypatch):
    holder, other = await world.holder(), await world.holder()
    officer = await world.call(staff_member, await world.office())
    client = world.client
    case_id, _ = await _used_card_case(world, holder)
    path = f"/api/v1/me/cases/{case_id}/appeal"
    grounds = {"grounds": "I never lent my card; the venue scanned an old screenshot."}

    early = await client.post(path, json=grounds, headers=holder.headers)
    assert early.status_code == 409 and early.json()["error"]["details"]["reason"] == "no_decision"

    await world.call(decide, case_id, officer, "warning")
    case = (await client.get(f"/api/v1/me/cases/{case_id}", headers=holder.headers)).json()
    assert case["can_appeal"] and case["decision"] == "warning"
    until = dt.datetime.fromisoformat(case["appeal_until"])
    decided = dt.datetime.fromisoformat(case["decided_at"])
    assert until - decided == dt.timedelta(days=60)

    assert (await client.post(path, json={"grounds": "too short"}, headers=holder.headers)).status_code == 400
    assert (await client.post(path, json=grounds, headers=other.headers)).status_code == 404
    # An appeal is a formal act: a session without a fresh factor is asked for one.
    monkeypatch.setitem(auth._step_up_window, "seconds", -1)
    stale = await client.post(path, json=grounds, headers=holder.headers)
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "auth.step_up_required"
    monkeypatch.undo()

    response = await client.post(path, json=grounds, headers=holder.headers)
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["state"] == "appealed" and case["appeal"] == "lodged" and not case["can_appeal"]
    assert case["steps"][-1]["action"] == "appeal" and case["steps"][-1]["note"] == grounds["grounds"]
    again = await client.post(path, json=grounds, headers=holder.headers)
    assert again.status_code == 409 and again.json()["error"]["details"]["reason"] == "already_lodged"

    # Upheld: the appeal was decided; no second one.
    await world.call(staff_step, case_id, "uphold", officer, values={"appeal": "upheld"}, note="The scans are genuine.")
    upheld = await client.post(path, json=grounds, headers=holder.headers)
    assert upheld.status_code == 409 and upheld.json()["error"]["details"]["reason"] == "already_decided"


async def test_no_appeal_after_sixty_days_or_against_no_action(world):
    holder = await world.holder()
    officer = await world.call(staff_member, await world.office())
    client = world.client
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=61)
    late_case, _ = await world.call(open_case, person=holder.person_id, card_id=holder.card_id, at=long_ago, evidence={})
    await world.call(decide, late_case, officer, "correction_order", at=long_ago)
    case = (await client.get(f"/api/v1/me/cases/{late_case}", headers=holder.headers)).json()
    assert not case["can_appeal"] and case["correction_deadline"] and case["evidence"][0]["uses"] == []
    late = await client.post(f"/api/v1/me/cases/{late_case}/appeal", json={"grounds": "x" * 20}, headers=holder.headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "case.appeal_closed"
    assert late.json()["error"]["details"]["reason"] == "deadline_passed"
    await world.call(staff_step, late_case, "close", officer)

    fresh, _ = await world.call(open_case, person=holder.person_id, card_id=holder.card_id, kind="lending", evidence={})
    await world.call(decide, fresh, officer, "no_action")
    nothing = await client.post(f"/api/v1/me/cases/{fresh}/appeal", json={"grounds": "x" * 20}, headers=holder.headers)
    assert nothing.status_code == 409 and nothing.json()["error"]["details"]["reason"] == "not_appealable"
    listed = (await client.get("/api/v1/me/cases?limit=1", headers=holder.headers)).json()
    assert [c["id"] for c in listed["items"]] == [str(fresh)] and listed["next_offset"] == 1


async def test_the_routes_are_documented(client):
    spec = (await client.get("/schema/openapi.json")).json()
    for path, method in (
        ("/api/v1/me/cases", "get"),
        ("/api/v1/me/cases/{case_id}", "get"),
        ("/api/v1/me/cases/{case_id}/responses", "post"),
        ("/api/v1/me/cases/{case_id}/appeal", "post"),
    ):
        op = spec["paths"][path][method]
        assert op["summary"] and op["description"] and op["tags"] == ["Enforcement"], path
    appeal = spec["paths"]["/api/v1/me/cases/{case_id}/appeal"]["post"]["responses"]
    assert {"403", "404", "409", "422"} <= set(appeal)
