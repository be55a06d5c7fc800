"""Correction orders (Art. 18): issue, report, check, overdue, escalate, withdraw; who may do what; the
ordered organisation's own system reporting; compare-and-set on the version; the periodic overdue pass."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.enforcement.orders_helpers import BASE, ORG, Orders, day

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(client) -> Orders:
    return Orders(client)


def code(response_json: dict) -> str:
    return response_json["error"]["code"]


async def test_lifecycle_counter_records_supervisor_checks(world):
    city = await world.city()
    counter = await world.city_staff(city, "counter_operator")
    supervisor = await world.city_staff(city, "supervisor")
    venue = await world.venue_in(city)

    issued = await world.issue(counter, "venue", venue)
    order = issued["order"]
    assert order["state"] == "issued" and order["city"] == city and order["number"].startswith("YKO-")
    assert order["target_name"].startswith("Venue ") and order["version"] == 1 and not order["overdue"]
    assert issued["actions"] == ["report"] and issued["outside_catalog_30d"] == 0
    assert [s["action"] for s in issued["steps"]] == ["issue"]

    reported = (await world.act(counter, order, "report", note="The venue wrote: scanner settings corrected."))["order"]
    assert reported["state"] == "reported" and reported["version"] == 2
    # Counter operators record; checking is a supervisor's.
    denied = await world.act(counter, reported, "check", outcome="complied", expect=403)
    assert code(denied) == "order.not_permitted"
    # Sending it back needs a reason.
    assert code(await world.act(supervisor, reported, "check", outcome="not_done", expect=422)) == "order.note_required"
    back = await world.act(supervisor, reported, "check", outcome="not_done", note="Gate 2 still offers hotel check-in.")
    assert back["order"]["state"] == "issued" and set(back["actions"]) == {"report", "withdraw"}
    again = (await world.act(counter, back["order"], "report", note="Gate 2 corrected too."))["order"]
    done = await world.act(supervisor, again, "check", outcome="complied")
    assert done["order"]["state"] == "complied" and done["actions"] == []
    steps = done["steps"]
    assert [(s["action"], s["from_state"], s["to_state"]) for s in steps] == [
        ("issue", "", "issued"),
        ("report", "issued", "reported"),
        ("check_not_done", "reported", "issued"),
        ("report", "issued", "reported"),
        ("check_complied", "reported", "complied"),
    ]
    assert [s["seq"] for s in steps] == [1, 2, 3, 4, 5] and all(s["actor_kind"] == "staff" for s in steps)
    # A closed order goes nowhere.
    assert (
        code(await world.act(supervisor, done["order"], "withdraw", note="No longer needed.", expect=409))
        == "order.illegal_transition"
    )

    listed = (await world.client.get(BASE, params={"state": "complied"}, headers=supervisor)).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]] and listed["total"] == 1


async def test_other_cities_see_nothing_provincial_operators_see_all(world):
    city, other = await world.city(), await world.city()
    counter = await world.city_staff(city, "counter_operator")
    stranger = await world.city_staff(other, "supervisor")
    venue = await world.venue_in(city)
    order = (await world.issue(counter, "venue", venue))["order"]

    assert code(await world.get(stranger, order["id"], expect=404)) == "order.not_found"
    assert code(await world.act(stranger, order, "withdraw", note="Not ours.", expect=404)) == "order.not_found"
    assert (await world.client.get(BASE, headers=stranger)).json()["items"] == []
    # Nor may they order another city's venue (it does not exist for them).
    assert code(await world.issue(stranger, "venue", venue, expect=422)) == "order.unknown_target"
    # The city filter does not open another city's list.
    assert (await world.client.get(BASE, params={"city": city}, headers=stranger)).json()["items"] == []

    operator = await world.operator()
    assert (await world.get(operator, order["id"]))["order"]["id"] == order["id"]
    mine = (await world.client.get(BASE, params={"city": city}, headers=operator)).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]]
    withdrawn = await world.act(operator, order, "withdraw", note="Issued to the wrong venue.")
    assert withdrawn["order"]["state"] == "withdrawn"
    # Citizens and scanners are not staff.
    assert (await world.client.get(BASE)).status_code == 401


async def test_the_organisations_own_system_reports(world):
    operator = await world.operator()
    agency, agency_system = await world.agency()
    _, other_system = await world.agency()
    order = (await world.issue(operator, "agency", agency, ground="not_connected", city="440100"))["order"]
    assert order["city"] == "440100" and order["target_kind"] == "agency"

    seen = (await world.client.get(ORG, headers=agency_system)).json()
    assert [o["id"] for o in seen] == [order["id"]] and seen[0]["issued_by"] == ""
    assert (await world.client.get(ORG, headers=other_system)).json() == []
    assert code(await world.act(other_system, order, "report", note="Not us.", base=ORG, expect=404)) == "order.not_found"
    # A stale version is refused, not merged.
    assert (
        code(await world.act(agency_system, order, "report", note="Done.", version=7, base=ORG, expect=409))
        == "order.version_conflict"
    )
    reported = await world.act(agency_system, order, "report", note="Connected on 12 May; interface test passed.", base=ORG)
    assert reported["order"]["state"] == "reported"
    last = reported["steps"][-1]
    assert last["actor_kind"] == "organisation" and last["note"].startswith("Connected")
    assert reported["steps"][0]["actor_id"] == ""  # staff ids stay inside
    # Reported once: a second report is an illegal move. Staff routes are not for the organisation.
    assert (
        code(await world.act(agency_system, reported["order"], "report", note="Again.", base=ORG, expect=409))
        == "order.illegal_transition"
    )
    assert (await world.client.get(f"{BASE}/{order['id']}", headers=agency_system)).status_code == 403

    # An employer's system likewise, for its own orders only.
    city = await world.city()
    employer, employer_system = await world.employer(city)
    supervisor = await world.city_staff(city, "supervisor")
    to_employer = (await world.issue(supervisor, "employer", employer, ground="no_holder_queries"))["order"]
    assert to_employer["city"] == city
    assert [o["id"] for o in (await world.client.get(ORG, headers=employer_system)).json()] == [to_employer["id"]]
    assert code(await world.act(employer_system, order, "report", note="x y", base=ORG, expect=404)) == "order.not_found"


async def test_the_deadline_passes_overdue_once_then_escalated(world):
    from backend.enforcement import correcting

    city = await world.city()
    counter = await world.city_staff(city, "counter_operator")
    supervisor = await world.city_staff(city, "supervisor")
    venue = await world.venue_in(city)
    late = (await world.issue(counter, "venue", venue, days=2))["order"]
    later = (await world.issue(counter, "venue", venue, days=30))["order"]
    reported = (await world.act(counter, late, "report", note="They say it is done."))["order"]

    after = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    assert await world.call(correcting.mark_overdue, after) >= 1
    assert await world.call(correcting.mark_overdue, after) == 0  # run twice: nothing more
    seen = await world.get(supervisor, late["id"])
    assert seen["order"]["state"] == "overdue" and seen["order"]["overdue"] and seen["order"]["version"] == 3
    assert [s["action"] for s in seen["steps"]] == ["issue", "report", "overdue"]
    assert seen["steps"][-1]["actor_kind"] == "system" and seen["steps"][-1]["from_state"] == "reported"
    assert (await world.get(supervisor, later["id"]))["order"]["state"] == "issued"

    overdue = (await world.client.get(BASE, params={"overdue": "true"}, headers=supervisor)).json()
    assert [o["id"] for o in overdue["items"]] == [late["id"]]
    assert code(await world.act(counter, seen["order"], "escalate", expect=403)) == "order.not_permitted"
    assert code(await world.act(supervisor, reported, "escalate", expect=409)) == "order.version_conflict"
    assert code(await world.act(supervisor, later, "escalate", expect=409)) == "order.illegal_transition"
    escalated = await world.act(supervisor, seen["order"], "escalate", note="Referred to the market regulator.")
    assert escalated["order"]["state"] == "escalated" and escalated["order"]["overdue"]
    assert await world.call(correcting.mark_overdue, after + dt.timedelta(days=1)) == 0


async def test_bad_deadline_unknown_target_and_bad_input(world):
    city = await world.city()
    counter = await world.city_staff(city, "counter_operator")
    venue = await world.venue_in(city)
    for days in (0, -3, 400):
        assert code(await world.issue(counter, "venue", venue, days=days, expect=422)) == "order.bad_deadline"
    assert code(await world.issue(counter, "venue", str(uuid.uuid4()), expect=422)) == "order.unknown_target"
    assert code(await world.issue(counter, "agency", venue, expect=422)) == "order.unknown_target"  # a venue is no agency
    assert code(await world.issue(counter, "venue", venue, case_id=str(uuid.uuid4()), expect=422)) == "order.unknown_case"
    await world.issue(counter, "venue", venue, ground="closing_down", expect=400)
    await world.issue(counter, "venue", venue, surprise=1, expect=400)
    response = await world.client.post(f"{BASE}/{uuid.uuid4()}/report", json={"version": 1, "note": "Done now."}, headers=counter)
    assert response.status_code == 404 and code(response.json()) == "order.not_found"
    assert (await world.client.get(BASE, params={"limit": 0}, headers=counter)).status_code == 400
    assert (await world.client.get(BASE, headers=counter)).json()["total"] == 0  # nothing half-written


async def test_issue_joins_the_callers_transaction_and_offers_targets(world):
    from backend.enforcement import correcting
    from backend.enforcement.records import StepActor
    from backend.enforcement.tables import CorrectionOrder
    from backend.lib import db

    city = await world.city()
    venue = await world.venue_in(city)
    now = dt.datetime.now(dt.UTC)

    async def issue_then_fail() -> None:
        async with db.transaction():
            await correcting.issue(
                target_kind="venue",
                target_id=venue,
                ground="outside_catalog",
                detail="From a case decision.",
                deadline=now + dt.timedelta(days=10),
                by=StepActor(kind="staff", id="someone"),
                city=city,
                now=now,
            )
            raise RuntimeError("the case's transaction fails after")

    with pytest.raises(RuntimeError):
        await world.call(issue_then_fail)

    async def count() -> int:
        return await CorrectionOrder.count().where(CorrectionOrder.target_id == venue).run()

    assert await world.call(count) == 0  # rolled back with the caller's transaction

    supervisor = await world.city_staff(city, "supervisor")
    offered = (await world.client.get(f"{BASE}/targets", params={"kind": "venue"}, headers=supervisor)).json()
    assert [t["id"] for t in offered] == [venue]
    assert day(1) < day(2)
