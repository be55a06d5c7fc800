"""The staff inbox of tickets: assignment (to oneself, a colleague of the city, back to nobody), deadlines
by kind (docs/tickets.md), the overdue filter and the sort by due date; every change a compare-and-set."""

import datetime as dt
import uuid

import pytest

from backend.servicepoints import deadlines
from backend.servicepoints.vocab import CST
from tests.catalog.helpers import _office_in, uid
from tests.venues.helpers import PASSWORD

pytestmark = pytest.mark.anyio


def _ticket(**overrides) -> dict:
    return {
        "kind": "complaint",
        "subject": "窗口排队太久",
        "body": "今天在服务网点排队两个小时。",
        "channel": "phone",
        **overrides,
    }


class Staff:
    def __init__(self, view, headers: dict[str, str]) -> None:
        self.id = str(view.id)
        self.headers = headers


async def _staff(world, city: str, role: str) -> Staff:
    from backend.accounts.services import create_staff

    office = await world.call(_office_in, city)
    username = f"tk-{uid()}"
    view = await world.call(
        create_staff, username=username, name=f"坐席{username}", role=role, office_id=office, password=PASSWORD
    )
    return Staff(view, await world._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD}))


async def _inbox(client, who: Staff, **params) -> list[dict]:
    response = await client.get("/api/v1/staff/tickets", params={"limit": 100, **params}, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_deadlines_by_kind_in_china_standard_time():
    # Friday 2026-03-06 10:00 CST: five working days are Mon 9 .. Fri 13; due at the end of Friday 13.
    friday = dt.datetime(2026, 3, 6, 10, 0, tzinfo=CST)
    assert deadlines.due("consultation", friday) == dt.datetime(2026, 3, 14, tzinfo=CST)
    # Late Sunday evening UTC is already Monday in China: Tue..Mon, due at the end of Monday 16.
    monday_cst = dt.datetime(2026, 3, 8, 17, 30, tzinfo=dt.UTC)
    assert deadlines.due("consultation", monday_cst) == dt.datetime(2026, 3, 17, tzinfo=CST)
    # Complaints: 15 calendar days, weekends included.
    assert deadlines.due("complaint", friday) == dt.datetime(2026, 3, 22, tzinfo=CST)
    now = dt.datetime(2026, 3, 30, tzinfo=CST)
    past = deadlines.due("complaint", friday)
    assert deadlines.is_overdue("open", past, now) and deadlines.is_overdue("in_progress", past, now)
    assert not deadlines.is_overdue("answered", past, now) and not deadlines.is_overdue("closed", past, now)
    assert not deadlines.is_overdue("open", None, now) and not deadlines.is_overdue("open", now + dt.timedelta(days=1), now)


async def test_assign_to_myself_a_colleague_and_back_to_nobody(world, staffing):
    client = world.client
    city, elsewhere = await staffing.city(), await staffing.city()
    clerk, colleague = await _staff(world, city, "counter_operator"), await _staff(world, city, "supervisor")
    stranger = await _staff(world, elsewhere, "counter_operator")
    created = await client.post("/api/v1/staff/tickets", json=_ticket(city_code=city), headers=clerk.headers)
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket"]["id"]

    full = (await client.get(f"/api/v1/staff/tickets/{ticket_id}", headers=clerk.headers)).json()
    assert full["assigned_to"] is None and full["due_at"] and full["overdue"] is False
    assert [t["id"] for t in await _inbox(client, clerk, assignee="none")] == [ticket_id]
    assert await _inbox(client, clerk, assignee="me") == []

    # Who may answer it: the city's staff (and provincial operators), never another city's.
    choices = (await client.get(f"/api/v1/staff/tickets/{ticket_id}/assignees", headers=clerk.headers)).json()["items"]
    ids = {c["id"] for c in choices}
    assert {clerk.id, colleague.id} <= ids and stranger.id not in ids
    assert all(c["role"] == "provincial_operator" for c in choices if c["id"] not in (clerk.id, colleague.id))

    assign = lambda who, body: client.post(f"/api/v1/staff/tickets/{ticket_id}/assignment", json=body, headers=who.headers)  # noqa: E731
    mine = await assign(clerk, {"staff_id": clerk.id, "version": full["version"]})
    assert mine.status_code == 200, mine.text
    assert mine.json()["assigned_to"] == clerk.id and mine.json()["assignee_name"].startswith("坐席")
    assert mine.json()["version"] == full["version"] + 1
    listed = await _inbox(client, clerk, assignee="me")
    assert [t["id"] for t in listed] == [ticket_id] and listed[0]["assigned_to"] == clerk.id and listed[0]["assignee_name"]
    assert await _inbox(client, clerk, assignee="none") == []

    # The version read before is stale now: the change is refused, nothing moves.
    stale = await assign(colleague, {"staff_id": colleague.id, "version": full["version"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "ticket.conflict"
    # Another city's clerk cannot take it, nor can it be given to them.
    foreign = await assign(stranger, {"staff_id": stranger.id, "version": mine.json()["version"]})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "ticket.not_permitted"
    refused = await assign(clerk, {"staff_id": stranger.id, "version": mine.json()["version"]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "ticket.assignee_not_permitted"
    unknown = await assign(clerk, {"staff_id": str(uuid.uuid4()), "version": mine.json()["version"]})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "ticket.unknown_staff"

    # Reassigned to a colleague: it leaves my list and enters theirs; then back to nobody.
    moved = await assign(clerk, {"staff_id": colleague.id, "version": mine.json()["version"]})
    assert moved.json()["assigned_to"] == colleague.id
    assert await _inbox(client, clerk, assignee="me") == []
    assert [t["id"] for t in await _inbox(client, colleague, assignee="me")] == [ticket_id]
    assert [t["id"] for t in await _inbox(client, clerk, assignee=colleague.id)] == [ticket_id]
    back = await assign(colleague, {"staff_id": None, "version": moved.json()["version"]})
    assert back.json()["assigned_to"] is None and back.json()["assigned_at"] is None
    assert [t["id"] for t in await _inbox(client, clerk, assignee="none")] == [ticket_id]

    # A status change with a stale version is refused; with the current one it applies.
    stale_status = await client.post(
        f"/api/v1/staff/tickets/{ticket_id}/status", json={"status": "in_progress", "version": 1}, headers=clerk.headers
    )
    assert stale_status.status_code == 409 and stale_status.json()["error"]["code"] == "ticket.conflict"
    started = await client.post(
        f"/api/v1/staff/tickets/{ticket_id}/status",
        json={"status": "in_progress", "version": back.json()["version"]},
        headers=clerk.headers,
    )
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    stale_reply = await client.post(
        f"/api/v1/staff/tickets/{ticket_id}/reply", json={"body": "已处理。", "version": 1}, headers=clerk.headers
    )
    assert stale_reply.status_code == 409 and stale_reply.json()["error"]["code"] == "ticket.conflict"
    closed = await client.post(
        f"/api/v1/staff/tickets/{ticket_id}/reply",
        json={"body": "已安排加开窗口。", "close": True, "version": started.json()["version"]},
        headers=clerk.headers,
    )
    assert closed.json()["status"] == "closed"
    late = await assign(clerk, {"staff_id": clerk.id, "version": closed.json()["version"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "ticket.closed"


async def test_bad_assignment_input_is_400(world, staffing):
    client = world.client
    city = await staffing.city()
    clerk = await _staff(world, city, "counter_operator")
    ticket_id = (await client.post("/api/v1/staff/tickets", json=_ticket(city_code=city), headers=clerk.headers)).json()[
        "ticket"
    ]["id"]
    url = f"/api/v1/staff/tickets/{ticket_id}/assignment"
    for body in (
        {"staff_id": clerk.id},  # no version
        {"staff_id": clerk.id, "version": 0},
        {"staff_id": "someone", "version": 1},
        {"staff_id": clerk.id, "version": 1, "note": "x"},
    ):
        response = await client.post(url, json=body, headers=clerk.headers)
        assert response.status_code == 400 and response.json()["error"]["code"], body
    for params in ({"assignee": "everyone"}, {"sort": "oldest"}, {"overdue": "perhaps"}):
        response = await client.get("/api/v1/staff/tickets", params=params, headers=clerk.headers)
        assert response.status_code == 400, params
    holder = await world.holder(name="钱多")
    assert (await client.post(url, json={"staff_id": None, "version": 1}, headers=holder.headers)).status_code == 403


async def test_overdue_tickets_are_flagged_filtered_and_sorted_by_due_date(world, staffing):
    from backend.servicepoints import tickets
    from backend.servicepoints.schemas import StaffTicketCreate

    client = world.client
    city = await staffing.city()
    clerk = await _staff(world, city, "counter_operator")
    now = dt.datetime.now(dt.UTC)

    async def submit(kind: str, days_ago: int) -> str:
        data = StaffTicketCreate(kind=kind, subject=f"{kind} {days_ago}", body="请回电。", city_code=city, channel="phone")
        ticket_id, _ = await world.call(
            tickets.submit, data, channel="phone", account=None, recorded_by=None, now=now - dt.timedelta(days=days_ago)
        )
        return str(ticket_id)

    old_complaint = await submit("complaint", 20)  # 15 days passed
    old_question = await submit("consultation", 9)  # 5 working days passed (9 days hold at least 5)
    fresh_complaint = await submit("complaint", 2)
    fresh_question = await submit("consultation", 0)

    overdue = await _inbox(client, clerk, overdue="true")
    assert {t["id"] for t in overdue} == {old_complaint, old_question} and all(t["overdue"] for t in overdue)
    everything = {t["id"]: t for t in await _inbox(client, clerk)}
    assert not everything[fresh_complaint]["overdue"] and not everything[fresh_question]["overdue"]
    # Soonest due first: the complaint due 5 days ago before the question due about 2 days ago.
    by_due = [t["id"] for t in await _inbox(client, clerk, sort="due")]
    assert by_due.index(old_complaint) < by_due.index(old_question) < by_due.index(fresh_question)
    due = {i: dt.datetime.fromisoformat(everything[i]["due_at"]) for i in everything}
    assert due[old_complaint] < due[old_question] < now < due[fresh_question] < due[fresh_complaint]

    # Answered, it is no longer overdue; the submitter writing again starts a new clock.
    version = (await client.get(f"/api/v1/staff/tickets/{old_complaint}", headers=clerk.headers)).json()["version"]
    answered = await client.post(
        f"/api/v1/staff/tickets/{old_complaint}/reply", json={"body": "已回电说明。", "version": version}, headers=clerk.headers
    )
    assert answered.json()["status"] == "answered" and answered.json()["overdue"] is False
    assert {t["id"] for t in await _inbox(client, clerk, overdue="true")} == {old_question}
    row = await world.call(tickets.get_ticket, uuid.UUID(old_complaint))
    reopened = await world.call(tickets.submitter_writes, row, "还是没解决。", False)
    assert reopened["status"] == "open" and reopened["due_at"] > now
    assert {t["id"] for t in await _inbox(client, clerk, overdue="true")} == {old_question}
