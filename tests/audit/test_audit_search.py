"""The console's audit search: what one staff member did, one holder's record by document, by action,
result and period; every filter optional; bad filters get 4xx."""

import datetime as dt
import secrets

import pytest

from tests.venues.helpers import PASSWORD

pytestmark = pytest.mark.anyio
SEARCH = "/api/v1/audit/access-records/search"


async def _clerk(world) -> tuple[str, dict[str, str]]:
    from backend.accounts.services import create_staff

    username = f"au-{secrets.token_hex(4)}"
    view = await world.call(
        create_staff,
        username=username,
        name="审计对象柜员",
        role="counter_operator",
        office_id=await world.office(),
        password=PASSWORD,
    )
    return str(view.id), await world._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})


async def test_what_one_staff_member_did(world):
    client = world.client
    op = await world.operator()
    clerk_id, clerk = await _clerk(world)
    other_id, other = await _clerk(world)
    alice, bob = await world.holder(name="审计甲"), await world.holder(name="审计乙")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    for holder in (alice, bob):
        found = await client.post(
            "/api/v1/staff/persons/lookup", json={"doc_type": "resident_id", "id_number": holder.id_number}, headers=clerk
        )
        assert found.status_code == 200, found.text
    await client.post(
        "/api/v1/staff/persons/lookup", json={"doc_type": "resident_id", "id_number": alice.id_number}, headers=other
    )

    mine = (await client.post(SEARCH, json={"actor_id": clerk_id}, headers=op)).json()["items"]
    assert [r["action"] for r in mine] == ["person.lookup", "person.lookup"]
    assert {r["person"] for r in mine} == {str(alice.person_id), str(bob.person_id)}
    assert all(r["actor_id"] == clerk_id and r["actor_kind"] == "staff" and r["actor_name"] == "审计对象柜员" for r in mine)
    # The same through the GET listing, and combined with a holder's document.
    listed = (await client.get("/api/v1/audit/access-records", params={"actor_id": other_id}, headers=op)).json()["items"]
    assert [(r["action"], r["person"]) for r in listed] == [("person.lookup", str(alice.person_id))]
    both = (
        await client.post(SEARCH, json={"actor_id": clerk_id, "doc_type": "resident_id", "id_number": bob.id_number}, headers=op)
    ).json()["items"]
    assert [r["person"] for r in both] == [str(bob.person_id)]

    # By action and period: the look-ups since the test began; none in a period that ended before it.
    since = before.isoformat()
    recent = (await client.post(SEARCH, json={"action": "person.lookup", "since": since, "limit": 200}, headers=op)).json()[
        "items"
    ]
    assert {clerk_id, other_id} <= {r["actor_id"] for r in recent} and all(r["action"] == "person.lookup" for r in recent)
    old = (
        await client.post(
            SEARCH,
            json={"actor_id": clerk_id, "since": "2020-01-01T00:00:00+08:00", "until": since},
            headers=op,
        )
    ).json()["items"]
    assert old == []
    # Paging: one at a time, the second page holds the older look-up.
    first = (await client.post(SEARCH, json={"actor_id": clerk_id, "limit": 1}, headers=op)).json()
    second = (
        await client.post(SEARCH, json={"actor_id": clerk_id, "limit": 1, "before": first["next_before"]}, headers=op)
    ).json()
    assert first["items"][0]["person"] == str(bob.person_id) and second["items"][0]["person"] == str(alice.person_id)
    assert second["next_before"] is None


async def test_bad_audit_searches_are_refused(world):
    client = world.client
    op = await world.operator()
    _, clerk = await _clerk(world)
    for body, status, code in (
        ({"doc_type": "resident_id"}, 422, "audit.bad_document"),
        ({"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-01T00:00:00+08:00"}, 422, "audit.bad_period"),
        ({"since": "2026-03-01T00:00:00"}, 400, None),  # a moment without its zone
        ({"actor_id": "a b"}, 400, None),
        ({"action": "Person.Lookup"}, 400, None),
        ({"result": "maybe"}, 400, None),
        ({"who": "x"}, 400, None),
    ):
        response = await client.post(SEARCH, json=body, headers=op)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code if code else response.json()["error"]["code"]
    assert (await client.post(SEARCH, json={}, headers=clerk)).status_code == 403
    bad = await client.get(
        "/api/v1/audit/access-records", params={"since": "2026-03-02T00:00:00", "until": "2026-03-01T00:00:00"}, headers=op
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "audit.bad_period"
