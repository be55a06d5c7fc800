"""Tickets (consultations and complaints): anyone submits, staff answer, the status is tracked, holders see their own."""

import asyncio

import pytest

from tests.servicepoints.helpers import point

pytestmark = pytest.mark.anyio


def _ticket(**overrides) -> dict:
    return {"kind": "complaint", "subject": "补卡太慢", "body": "上周申请补卡，至今未收到通知。", **overrides}


async def test_the_public_submits_and_follows_up_with_a_key(world):
    client = world.client
    created = await client.post("/api/v1/tickets", json=_ticket(city_code="440100", contact="138 0000 0000"))
    assert created.status_code == 201, created.text
    body = created.json()
    ref, key = body["ticket"]["reference"], body["access_key"]
    assert ref.startswith("C-") and body["ticket"]["status"] == "open" and body["ticket"]["channel"] == "online"
    assert "138 0000 0000" not in created.text  # contact details are for staff only

    lookup = lambda k=key, r=ref: client.post("/api/v1/tickets/lookup", json={"reference": r, "access_key": k})  # noqa: E731
    assert (await lookup()).json()["messages"][0]["author"] == "submitter"
    assert (await lookup(k="x" * 22)).status_code == 404
    assert (await lookup(r=ref[:-1] + ("A" if ref[-1] != "A" else "B"))).status_code == 404

    # Staff of the city answer; the submitter sees the answer but not who wrote it.
    staff = await world.staff("counter_operator")
    queue = (await client.get("/api/v1/staff/tickets", params={"status": "open", "limit": 100}, headers=staff)).json()["items"]
    ticket_id = next(t["id"] for t in queue if t["reference"] == ref)
    full = (await client.get(f"/api/v1/staff/tickets/{ticket_id}", headers=staff)).json()
    assert full["contact"] == "138 0000 0000" and full["from_holder"] is False
    assert (await client.post(f"/api/v1/staff/tickets/{ticket_id}/status", json={"status": "in_progress"}, headers=staff)).json()[
        "status"
    ] == "in_progress"
    answered = await client.post(
        f"/api/v1/staff/tickets/{ticket_id}/reply", json={"body": "已加急，三日内可领取。"}, headers=staff
    )
    assert answered.json()["status"] == "answered" and answered.json()["messages"][-1]["staff_id"]
    seen = (await lookup()).json()
    assert seen["status"] == "answered" and seen["messages"][-1] == {**seen["messages"][-1], "author": "staff"}
    assert "staff_id" not in seen["messages"][-1]

    # Writing again reopens it; closing ends it; a closed ticket takes no more messages.
    follow = lambda **extra: client.post("/api/v1/tickets/follow-up", json={"reference": ref, "access_key": key, **extra})  # noqa: E731
    assert (await follow(body="仍未收到短信。")).json()["status"] == "open"
    assert (await follow(close=True)).json()["status"] == "closed"
    again = await follow(body="还有一个问题")
    assert again.status_code == 409 and again.json()["error"]["code"] == "ticket.illegal_transition"
    assert (await follow()).json()["error"]["code"] == "ticket.empty"


async def test_holders_see_their_own_tickets_only(world):
    client = world.client
    alice, bob = await world.holder(name="王丽"), await world.holder(name="赵强")
    created = (
        await client.post("/api/v1/tickets", json=_ticket(kind="consultation", subject="如何开通交通功能"), headers=alice.headers)
    ).json()
    assert created["access_key"] is None and created["ticket"]["reference"].startswith("Q-")
    ticket_id = created["ticket"]["id"]
    mine = (await client.get("/api/v1/me/tickets", headers=alice.headers)).json()["items"]
    assert [t["id"] for t in mine] == [ticket_id] and mine[0]["city_code"] == "440000"
    assert (await client.get("/api/v1/me/tickets", headers=bob.headers)).json()["items"] == []
    assert (await client.get(f"/api/v1/me/tickets/{ticket_id}", headers=bob.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/me/tickets/{ticket_id}/messages", json={"body": "x"}, headers=bob.headers)
    ).status_code == 404
    response = await client.post(
        f"/api/v1/me/tickets/{ticket_id}/messages", json={"body": "补充：我是港澳居民。"}, headers=alice.headers
    )
    assert response.status_code == 200 and len(response.json()["messages"]) == 2
    # A provincial-level ticket is for provincial operators, not a city's counter staff.
    counter = await world.staff("counter_operator")
    assert (await client.get(f"/api/v1/staff/tickets/{ticket_id}", headers=counter)).status_code == 403
    operator = await world.operator()
    assert (await client.get(f"/api/v1/staff/tickets/{ticket_id}", headers=operator)).json()["from_holder"] is True
    # Staff reading a holder's ticket is on that holder's access record (and on nobody else's).
    reads = [
        r
        for r in (await client.get("/api/v1/me/access-records", headers=alice.headers)).json()["items"]
        if r["action"] == "ticket.read"
    ]
    assert len(reads) == 1 and reads[0]["actor_kind"] == "staff"
    assert not [
        r
        for r in (await client.get("/api/v1/me/access-records", headers=bob.headers)).json()["items"]
        if r["action"] == "ticket.read"
    ]


async def test_staff_record_phone_calls_and_tickets_reach_the_service_points_city(world, staffing):
    client = world.client
    city = await staffing.city()
    supervisor = await staffing.supervisor(city)
    spot = (await client.post("/api/v1/service-points", json=point(city), headers=supervisor)).json()
    created = await client.post(
        "/api/v1/staff/tickets", json=_ticket(channel="phone", service_point_id=spot["id"]), headers=supervisor
    )
    assert created.status_code == 201, created.text
    ticket = created.json()["ticket"]
    assert ticket["channel"] == "phone" and ticket["city_code"] == city and created.json()["access_key"]
    listed = (await client.get("/api/v1/staff/tickets", headers=supervisor)).json()["items"]
    assert [t["id"] for t in listed] == [ticket["id"]]
    assert (await client.get("/api/v1/staff/tickets", params={"city_code": "440100"}, headers=supervisor)).status_code == 403
    assert (await client.post("/api/v1/tickets", json=_ticket(), headers=supervisor)).json()["error"][
        "code"
    ] == "ticket.citizens_only"


async def test_two_staff_answering_at_once_do_not_lose_a_change(world):
    from backend.lib.auth import Principal
    from backend.servicepoints import tickets

    created = (await world.client.post("/api/v1/tickets", json=_ticket())).json()["ticket"]
    staff = [Principal(kind="staff", id=f"s{i}", role="provincial_operator", city="440000") for i in range(3)]

    async def race():
        ticket = await tickets.get_ticket(created["id"])
        return await asyncio.gather(
            *[tickets.staff_replies(s, ticket, f"answer {s.id}", False) for s in staff], return_exceptions=True
        )

    results = await world.call(race)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(r.code == "ticket.conflict" for r in results if not isinstance(r, dict))
    final = await world.call(tickets.get_ticket, created["id"])
    assert final["version"] == 2 and [m["author"] for m in final["messages"]] == ["submitter", "staff"]


async def test_bad_input_and_rate_limit(world):
    client = world.client
    cases = [
        (_ticket(kind="praise"), 400),
        (_ticket(subject=""), 400),
        (_ticket(body="x" * 4001), 400),
        (_ticket(extra=1), 400),
        (_ticket(city_code="899999"), 422),
        (_ticket(service_point_id="00000000-0000-0000-0000-000000000000"), 422),
        (_ticket(subject="   "), 422),
    ]
    for body, status in cases:
        response = await client.post("/api/v1/tickets", json=body)
        assert response.status_code == status and response.json()["error"]["code"], body
    assert (await client.post("/api/v1/tickets/lookup", json={"reference": "nope", "access_key": "x" * 20})).status_code == 400
    # Anonymous submissions from one address are limited (the 422s above counted too).
    statuses = [(await client.post("/api/v1/tickets", json=_ticket())).status_code for _ in range(10)]
    assert statuses[-1] == 429 and 201 in statuses
    limited = await client.post("/api/v1/tickets", json=_ticket())
    assert limited.json()["error"]["code"] == "rate.limited" and int(limited.headers["retry-after"]) > 0
