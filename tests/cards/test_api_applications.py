"""Applications over HTTP: online and at any office, review by the issuing city, one at a time."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.identity.documents import make_resident_id
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
GZ = "440100"


async def test_citizen_applies_online_and_supervisor_approves(client):
    await h.in_app(client, h.city, GZ)
    bank = await h.in_app(client, h.bank)
    holder = await h.citizen(client, name="王小明")
    supervisor = await h.staff(client, "supervisor", city_code=GZ)
    response = await client.post(
        "/api/v1/me/card/applications", headers=holder["headers"], json={"channel": "web", "bank_code": bank}
    )
    assert response.status_code == 201, response.text
    application = response.json()
    assert application["status"] == "pending" and application["channel"] == "web"
    assert application["region"]["code"] == GZ  # the person's registered region 440106 lies in Guangzhou
    assert application["applicant"]["id_number"] != holder["id_number"] and "*" in application["applicant"]["id_number"]
    assert holder["id_number"] not in response.text

    again = await client.post("/api/v1/me/card/applications", headers=holder["headers"], json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "card.already_active"
    assert again.json()["error"]["details"]["reason"] == "application"
    assert (await client.get("/api/v1/me/card", headers=holder["headers"])).json()["error"]["code"] == "card.not_found"

    listed = await client.get("/api/v1/staff/applications?status=pending", headers=supervisor["headers"])
    assert listed.status_code == 200 and application["id"] in [a["id"] for a in listed.json()]
    assert holder["id_number"] not in listed.text

    approved = await client.post(f"/api/v1/staff/applications/{application['id']}/approve", headers=supervisor["headers"])
    assert approved.status_code == 200, approved.text
    card = approved.json()
    assert card["state"] == "active" and card["bank"]["code"] == bank and card["ecard"]["level"] == 0
    twice = await client.post(f"/api/v1/staff/applications/{application['id']}/approve", headers=supervisor["headers"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "application.not_pending"

    mine = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert mine["id"] == card["id"] and mine["holder_name"] == "王小明" and mine["region"]["code"] == GZ
    assert len(mine["number"]) == 9 and "*" in mine["number"]
    # No account number is made up: the card's account is empty until the bank opens one.
    assert mine["account"] == "" and mine["account_status"] == "pending" and mine["bank_change"] is None
    revealed = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    assert revealed["card_number"][0] == mine["number"][0] and revealed["card_number"][-3:] == mine["number"][-3:]
    assert revealed["account"] == ""
    opened = await h.in_app(client, h.open_account, mine["id"])
    mine = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert mine["account"] == "**** " + opened[-4:] and mine["account_status"] == "open"
    revealed = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    assert revealed["account"] == opened
    history = (await client.get("/api/v1/me/card/applications", headers=holder["headers"])).json()
    assert [a["status"] for a in history] == ["approved"] and history[0]["card_id"] == card["id"]
    blocked = await client.post("/api/v1/me/card/applications", headers=holder["headers"], json={})
    assert blocked.status_code == 409 and blocked.json()["error"]["details"]["reason"] == "card"


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        ("hmt_residence_permit", lambda: make_resident_id("810000", dt.date(1990, 5, 6), h.secrets.randbelow(1000))),
        ("hmt_residence_permit", lambda: make_resident_id("830000", dt.date(1985, 1, 2), h.secrets.randbelow(1000))),
        ("hk_mo_travel_permit", h.new_hk_permit),
        ("tw_travel_permit", lambda: f"{h.secrets.randbelow(10**8):08d}"),
        ("foreign_permanent_residence", lambda: make_resident_id("933000", dt.date(1979, 7, 8), h.secrets.randbelow(1000))),
    ],
)
async def test_counter_applies_cross_city_for_any_document(client, doc_type, number):
    # Approval without a chosen bank takes the first active one: make sure one exists, whatever
    # earlier tests on this worker's database did to theirs (suspended, ended).
    await h.in_app(client, h.bank)
    home = await h.in_app(client, h.city)
    issuing = await h.in_app(client, h.city)
    counter = await h.staff(client, "counter_operator", city_code=home)
    id_number = number()
    body = {"doc_type": doc_type, "id_number": id_number, "name": "Chan Tai Man", "region": issuing}
    if doc_type == "hmt_residence_permit":  # it comes with the travel permit it prints (docs/persons.md)
        travel = h.new_hk_permit() if id_number.startswith("81") else f"{h.secrets.randbelow(10**8):08d}"
        kind = "hk_mo_travel_permit" if id_number.startswith("81") else "tw_travel_permit"
        body["linked_document"] = {"doc_type": kind, "id_number": travel}
    response = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert response.status_code == 201, response.text
    application = response.json()
    assert application["region"]["code"] == issuing and application["office"]["id"] == counter["office_id"]
    assert application["channel"] == "counter" and application["applicant"]["doc_type"] == doc_type
    assert id_number not in response.text
    # Review belongs to the issuing city's supervisor, not the office's.
    home_supervisor = await h.staff(client, "supervisor", city_code=home)
    refused = await client.post(f"/api/v1/staff/applications/{application['id']}/approve", headers=home_supervisor["headers"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.not_permitted"
    supervisor = await h.staff(client, "supervisor", city_code=issuing)
    approved = await client.post(f"/api/v1/staff/applications/{application['id']}/approve", headers=supervisor["headers"])
    assert approved.status_code == 200, approved.text
    found = await client.post(
        "/api/v1/staff/cards/lookup", headers=counter["headers"], json={"doc_type": doc_type, "id_number": id_number}
    )
    assert found.status_code == 200 and found.json()["cards"][0]["id"] == approved.json()["id"]
    assert found.json()["applicant"]["name"] == "Chan Tai Man" and id_number not in found.text


async def test_counter_application_defaults_to_the_office_city(client):
    counter = await h.staff(client, "counter_operator")
    body = {"doc_type": "resident_id", "id_number": h.new_id_number(), "name": "李四", "channel": "self_service_terminal"}
    response = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert response.status_code == 201 and response.json()["region"]["code"] == counter["city"]
    assert response.json()["channel"] == "self_service_terminal"
    again = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "card.already_active"
    other_name = await client.post("/api/v1/staff/applications", headers=counter["headers"], json={**body, "name": "王五"})
    assert other_name.status_code == 409 and other_name.json()["error"]["code"] == "person.name_mismatch"


async def test_reject_needs_a_reason_and_the_applicant_sees_it(client):
    await h.in_app(client, h.city, GZ)
    holder = await h.citizen(client)
    supervisor = await h.staff(client, "supervisor", city_code=GZ)
    application = (await client.post("/api/v1/me/card/applications", headers=holder["headers"], json={"region": GZ})).json()
    url = f"/api/v1/staff/applications/{application['id']}/reject"
    for body in [{}, {"reason": ""}, {"reason": "x"}, {"reason": "ok", "extra": 1}]:
        bad = await client.post(url, headers=supervisor["headers"], json=body)
        assert bad.status_code == 400 and bad.json()["error"]["code"].startswith("request."), bad.text
    rejected = await client.post(url, headers=supervisor["headers"], json={"reason": "Photo does not match the person"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    mine = (await client.get("/api/v1/me/card/applications", headers=holder["headers"])).json()
    assert mine[0]["reason"] == "Photo does not match the person"
    # A rejected application is closed: the person may apply again.
    again = await client.post("/api/v1/me/card/applications", headers=holder["headers"], json={"region": GZ})
    assert again.status_code == 201


async def test_approval_needs_an_active_bank(client):
    code = await h.in_app(client, h.city)
    suspended = await h.in_app(client, h.bank)
    good = await h.in_app(client, h.bank)
    counter = await h.staff(client, "counter_operator", city_code=code)
    supervisor = await h.staff(client, "supervisor", city_code=code)
    operator = await h.staff(client, "provincial_operator")
    body = {"doc_type": "resident_id", "id_number": h.new_id_number(), "name": "赵六", "bank_code": suspended}
    application = (await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)).json()
    changed = await client.post(f"/api/v1/banks/{suspended}/status", headers=operator["headers"], json={"status": "suspended"})
    assert changed.status_code == 200
    url = f"/api/v1/staff/applications/{application['id']}/approve"
    refused = await client.post(url, headers=supervisor["headers"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bank.not_active"
    approved = await client.post(url, headers=supervisor["headers"], json={"bank_code": good})
    assert approved.status_code == 200 and approved.json()["bank"]["code"] == good
    # A suspended bank cannot be chosen for new applications either.
    body = {"doc_type": "resident_id", "id_number": h.new_id_number(), "name": "钱七", "bank_code": suspended}
    late = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert late.status_code == 409 and late.json()["error"]["code"] == "bank.not_active"


async def test_who_may_review(client):
    code = await h.in_app(client, h.city)
    counter = await h.staff(client, "counter_operator", city_code=code)
    holder = await h.citizen(client)
    for headers in (counter["headers"], holder["headers"]):
        response = await client.get("/api/v1/staff/applications", headers=headers)
        assert response.status_code == 403
    assert (await client.get("/api/v1/staff/applications")).status_code == 401
    operator = await h.staff(client, "provincial_operator")
    assert (await client.get(f"/api/v1/staff/applications?region={code}", headers=operator["headers"])).status_code == 200
    other = await h.staff(client, "supervisor")
    foreign = await client.get(f"/api/v1/staff/applications?region={code}", headers=other["headers"])
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "auth.not_permitted"
