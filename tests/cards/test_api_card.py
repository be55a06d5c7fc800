"""The card over HTTP: holder and staff actions with their 409 bodies, the e-card, devices, history."""

from __future__ import annotations

import base64

import pytest

from backend.cards import services
from backend.lib import ed25519
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio


async def _holder_with_card(client, *, ecard_level: int = 0, keeps: bool = True) -> dict:
    holder = await h.citizen(client)
    office_id, code = await h.in_app(client, h.office)
    bank = await h.in_app(client, h.bank, keeps=keeps)
    issued = await h.in_app(
        client,
        services.issue_card_directly,
        h.app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=bank,
        ecard_level=ecard_level,
    )
    return {**holder, "card_id": str(issued["card_id"]), "city": code, "bank": bank, "issued": issued}


async def _act(client, who: dict, action: str, url: str | None = None, **body):
    url = url or f"/api/v1/me/card/actions/{action}"
    return await client.post(url, headers=who["headers"], json=body or None)


async def test_holder_lifecycle_with_409_bodies(client):
    holder = await _holder_with_card(client)
    lifted = await _act(client, holder, "lift-loss")
    assert lifted.status_code == 409
    error = lifted.json()["error"]
    assert error["code"] == "card.illegal_transition" and error["message"]
    assert error["details"] == {
        "state": "active",
        "action": "lift_loss",
        "allowed_actions": ["report_temp_loss", "report_loss", "request_replacement", "cancel"],
    }
    assert lifted.json()["request_id"]

    temp = await _act(client, holder, "report-temp-loss", reason="maybe at home", channel="web")
    assert temp.status_code == 200 and temp.json()["card"]["state"] == "temp_lost"
    assert temp.json()["card"]["ecard"]["usable"] is False
    formal = await _act(client, holder, "report-loss")
    assert formal.json()["card"]["state"] == "lost"
    again = await _act(client, holder, "report-temp-loss")
    assert again.status_code == 409 and again.json()["error"]["details"]["state"] == "lost"
    assert again.json()["error"]["details"]["allowed_actions"] == ["lift_loss", "request_replacement", "cancel"]
    found = await _act(client, holder, "lift-loss", reason="found it")
    assert found.json()["card"]["state"] == "active"

    events = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()
    assert [e["action"] for e in events] == ["lift_loss", "report_loss", "report_temp_loss", "issue"]
    newest = events[0]
    assert (newest["from_state"], newest["to_state"], newest["reason"]) == ("lost", "active", "found it")
    assert newest["actor"]["kind"] == "citizen" and newest["channel"] == "mobile" and newest["office"] is None
    assert events[2]["channel"] == "web" and events[2]["reason"] == "maybe at home"
    assert events[-1]["office"]["id"] and events[-1]["kind"] == "transition"


async def test_replacement_over_http_then_old_card_gone(client):
    holder = await _holder_with_card(client, ecard_level=1, keeps=False)
    await h.in_app(client, h.open_account, holder["card_id"])
    before = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    response = await _act(client, holder, "request-replacement", reason="worn out")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["card"]["state"] == "replaced" and body["new_card"]["state"] == "active"
    assert body["card"]["replaced_by"] == body["new_card"]["id"] and body["new_card"]["ecard"]["level"] == 1
    after = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    # This bank does not keep the account on replacement: the new card waits for a new one from the bank.
    assert after["card_number"] != before["card_number"] and before["account"] and after["account"] == ""
    mine = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert mine["id"] == body["new_card"]["id"]
    events = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()
    assert [e["action"] for e in events][:3] == ["issue", "complete_replacement", "request_replacement"]
    assert "new account" in events[0]["note"]
    # The old card is out of reach: staff acting on it get the terminal-state 409.
    counter = await h.staff(client, "counter_operator")
    stale = await _act(client, counter, "lift-loss", url=f"/api/v1/staff/cards/{holder['card_id']}/actions/lift-loss")
    assert stale.status_code == 409 and stale.json()["error"]["details"] == {
        "state": "replaced",
        "action": "lift_loss",
        "allowed_actions": [],
    }


async def test_staff_actions_and_who_may_lock(client):
    holder = await _holder_with_card(client)
    url = f"/api/v1/staff/cards/{holder['card_id']}/actions"
    counter = await h.staff(client, "counter_operator")  # another city: cross-city handling is fine
    other_supervisor = await h.staff(client, "supervisor")
    supervisor = await h.staff(client, "supervisor", city_code=holder["city"])
    response = await _act(client, counter, "", url=f"{url}/report-temp-loss", channel="self_service_terminal")
    assert response.status_code == 200 and response.json()["card"]["state"] == "temp_lost"
    assert response.json()["card"]["allowed_actions"] == ["report_loss", "lift_loss", "request_replacement", "cancel"]
    await _act(client, counter, "", url=f"{url}/lift-loss")
    denied = await _act(client, counter, "", url=f"{url}/lock")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "auth.not_permitted"
    denied = await _act(client, other_supervisor, "", url=f"{url}/lock")
    assert denied.status_code == 403
    locked = await _act(client, supervisor, "", url=f"{url}/lock", reason="suspected misuse")
    assert locked.status_code == 200 and locked.json()["card"]["state"] == "locked"
    mine = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert mine["state"] == "locked" and mine["allowed_actions"] == ["cancel"] and not mine["ecard"]["usable"]
    cant = await _act(client, holder, "report-loss")
    assert cant.status_code == 409 and cant.json()["error"]["details"]["allowed_actions"] == ["cancel"]
    assert (await _act(client, supervisor, "", url=f"{url}/unlock")).json()["card"]["state"] == "active"
    events = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()
    lock = next(e for e in events if e["action"] == "lock")
    assert (
        lock["actor"]["kind"] == "staff"
        and lock["office"]["id"] == supervisor["office_id"]
        and lock["reason"] == "suspected misuse"
    )
    assert events[-2]["channel"] == "self_service_terminal"
    # Holders cannot lock; unknown actions are 404 with the list.
    assert (await _act(client, holder, "lock")).status_code == 404
    unknown = await _act(client, counter, "", url=f"{url}/explode")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "card.unknown_action"
    missing = await _act(client, counter, "", url="/api/v1/staff/cards/00000000-0000-4000-8000-000000000000/actions/cancel")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "card.not_found"
    # Citizens cannot use staff routes.
    assert (await _act(client, holder, "", url=f"{url}/cancel")).status_code == 403


async def test_ecard_and_devices(client):
    holder = await _holder_with_card(client)
    pub = ed25519.generate()[1]
    key = base64.urlsafe_b64encode(pub).rstrip(b"=").decode()
    early = await client.post("/api/v1/me/devices", headers=holder["headers"], json={"label": "phone", "public_key": key})
    assert early.status_code == 409 and early.json()["error"]["code"] == "ecard.not_issued"
    card = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={"transport": True})
    assert card.status_code == 200 and card.json()["ecard"] == {
        **card.json()["ecard"],
        "level": 1,
        "transport_enabled": True,
        "usable": True,
    }
    subject = await h.in_app(client, services.card_for_person, holder["person_id"])
    assert subject.usable and subject.transport_enabled and subject.ecard_level == 1
    paid = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={"payment": True})
    assert paid.json()["ecard"]["level"] == 2
    bound = await client.post("/api/v1/me/devices", headers=holder["headers"], json={"label": "phone", "public_key": key})
    assert bound.status_code == 201, bound.text
    device = bound.json()
    assert device["public_key"] == key and device["status"] == "bound" and len(device["key_id"]) == 16
    listed = (await client.get("/api/v1/me/devices", headers=holder["headers"])).json()
    assert [d["id"] for d in listed] == [device["id"]]
    gone = await client.delete(f"/api/v1/me/devices/{device['id']}", headers=holder["headers"])
    assert gone.status_code == 200 and gone.json()["status"] == "unbound"
    assert (await client.get("/api/v1/me/devices", headers=holder["headers"])).json() == []
    assert len((await client.get("/api/v1/me/devices?all=true", headers=holder["headers"])).json()) == 1
    twice = await client.delete(f"/api/v1/me/devices/{device['id']}", headers=holder["headers"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "device.not_bound"
    stranger = await h.citizen(client)
    theirs = await client.delete(f"/api/v1/me/devices/{device['id']}", headers=stranger["headers"])
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "device.not_found"
    _, _, revoked = await h.in_app(client, services.revocation_snapshot)
    assert device["key_id"] in revoked
    notes = [e["action"] for e in (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()]
    assert notes[:4] == ["device_unbind", "device_bind", "ecard_change", "ecard_issue"]
    # A lost card's e-card stops working and cannot be changed.
    await _act(client, holder, "report-loss")
    stopped = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={})
    assert stopped.status_code == 409 and stopped.json()["error"]["code"] == "card.not_active"
    assert not (await h.in_app(client, services.card_for_person, holder["person_id"])).usable


async def test_no_card_answers_404(client):
    holder = await h.citizen(client)
    for method, url in [
        ("GET", "/api/v1/me/card"),
        ("POST", "/api/v1/me/card/reveal"),
        ("POST", "/api/v1/me/card/actions/cancel"),
        ("POST", "/api/v1/me/card/ecard"),
        ("POST", "/api/v1/me/devices"),
    ]:
        body = {"label": "x"} if url.endswith("devices") else None
        response = await client.request(method, url, headers=holder["headers"], json=body)
        assert response.status_code == 404 and response.json()["error"]["code"] == "card.not_found", (url, response.text)
    assert (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json() == []
