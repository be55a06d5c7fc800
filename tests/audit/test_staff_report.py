"""The report of unusual staff behaviour (Art. 21) with planted behaviour: a clerk looking up many
unrelated people on a Saturday night, another looking up people with another city's cards without a
case, and quiet colleagues who are not flagged."""

import datetime as dt
import uuid

import pytest

from backend.audit import services
from tests.audit.helpers import chain_clock, person_with_card, staff_member

pytestmark = pytest.mark.anyio
CST = dt.timezone(dt.timedelta(hours=8))
SATURDAY_NIGHT = dt.datetime(2025, 3, 8, 23, 0, tzinfo=CST)
MONDAY_MORNING = dt.datetime(2025, 3, 10, 10, 0, tzinfo=CST)
PERIOD = {"since": "2025-03-08T00:00:00+08:00", "until": "2025-03-11T00:00:00+08:00"}


async def _lookups(actor: services.Actor, people: list[uuid.UUID], at: dt.datetime, basis_ref: str = "") -> list[str]:
    ids = []
    with chain_clock(at.astimezone(dt.UTC)):
        for person in people:
            entry = await services.record(
                actor,
                person_id=person,
                action="person.lookup",
                fields=["person.name"],
                purpose="Counter enquiry",
                basis_kind="official_duty",
                basis_ref=basis_ref,
            )
            ids.append(str(entry.id))
    return ids


async def test_planted_behaviour_is_flagged_and_ordinary_staff_are_not(world):
    office = str(await world.office())
    nosy_id, _ = await staff_member(world, "counter_operator", "Nosy Clerk")
    roamer_id, _ = await staff_member(world, "counter_operator", "Roaming Clerk")
    quiet = [await staff_member(world, "counter_operator", f"Quiet Clerk {i}") for i in range(2)]
    supervisor_id, supervisor = await staff_member(world, "supervisor", "Report Supervisor")

    def actor(staff_id: str, name: str) -> services.Actor:
        return services.Actor("staff", staff_id, office, name)

    # 55 unrelated people on one Saturday night.
    nosy = await world.call(_lookups, actor(nosy_id, "Nosy Clerk"), [uuid.uuid4() for _ in range(55)], SATURDAY_NIGHT)
    # Shenzhen cardholders looked up from Guangzhou: two without a case, one for an enforcement case.
    shenzhen = [await world.call(person_with_card, world, "440300") for _ in range(3)]
    at_home = await world.holder()
    roaming = await world.call(_lookups, actor(roamer_id, "Roaming Clerk"), [*shenzhen[:2], at_home.person_id], MONDAY_MORNING)
    await world.call(_lookups, actor(roamer_id, "Roaming Clerk"), shenzhen[2:], MONDAY_MORNING, "Case YKC-20250310-0001")
    for i, (quiet_id, _) in enumerate(quiet):
        await world.call(_lookups, actor(quiet_id, f"Quiet Clerk {i}"), [uuid.uuid4() for _ in range(2)], MONDAY_MORNING)

    response = await world.client.get("/api/v1/audit/staff-report", params=PERIOD, headers=supervisor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["city"] == "440100" and report["people_per_day"] == 50
    rows = {r["staff_id"]: r for r in report["staff"]}
    flags = {sid: {f["kind"]: f for f in rows[sid]["flags"]} for sid in (nosy_id, roamer_id)}

    assert set(flags[nosy_id]) == {"many_people", "above_office_median", "outside_hours"}
    assert flags[nosy_id]["many_people"]["count"] == 55 and "2025-03-08" in flags[nosy_id]["many_people"]["detail"]
    assert flags[nosy_id]["outside_hours"]["count"] == 55
    assert set(flags[nosy_id]["many_people"]["examples"]) <= set(nosy) and len(flags[nosy_id]["many_people"]["examples"]) == 5
    assert rows[nosy_id]["entries"] == 55 and rows[nosy_id]["people"] == 55

    assert set(flags[roamer_id]) == {"outside_city_without_case"}
    assert flags[roamer_id]["outside_city_without_case"]["count"] == 2  # the one with a case is not counted
    assert set(flags[roamer_id]["outside_city_without_case"]["examples"]) == set(roaming[:2])
    for quiet_id, _ in quiet:
        assert rows[quiet_id]["flags"] == [] and rows[quiet_id]["people"] == 2
    flagged_first = [r["staff_id"] for r in report["staff"]]
    assert flagged_first.index(nosy_id) < flagged_first.index(quiet[0][0])
    assert supervisor_id not in rows  # no entries of their own in the period

    # Supervisors see their own city only; counter operators not at all; provincial operators any.
    other = await world.client.get("/api/v1/audit/staff-report", params={**PERIOD, "city": "440300"}, headers=supervisor)
    assert other.status_code == 403 and other.json()["error"]["code"] == "audit.not_your_city"
    clerk = await world.client.get("/api/v1/audit/staff-report", params=PERIOD, headers=quiet[0][1])
    assert clerk.status_code == 403
    everywhere = (await world.client.get("/api/v1/audit/staff-report", params=PERIOD, headers=await world.operator())).json()
    assert everywhere["city"] is None and nosy_id in {r["staff_id"] for r in everywhere["staff"]}
    backwards = await world.client.get(
        "/api/v1/audit/staff-report", params={"since": PERIOD["until"], "until": PERIOD["since"]}, headers=supervisor
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["code"] == "audit.bad_period"
    too_long = await world.client.get(
        "/api/v1/audit/staff-report", params={"since": "2024-11-01T00:00:00+08:00", "until": PERIOD["until"]}, headers=supervisor
    )
    assert too_long.status_code == 422

    # Planting with another clock leaves the chain whole.
    chain = (await world.client.get("/api/v1/audit/chain", headers=await world.operator())).json()
    assert chain["ok"], chain
