"""Who sees and acts on a case: staff of its city and provincial operators; another city's staff do not
learn it exists (404 on read and on a step, not in their list); holders and machine clients are refused."""

from __future__ import annotations

import pytest

from tests.enforcement.cases_helpers import BASE, Cases

pytestmark = pytest.mark.anyio


async def test_other_cities_neither_see_nor_act(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    outsider = await world.member("supervisor", city="445200")
    provincial = await world.member("provincial_operator", city="440000")
    case = await world.open(operator, holder)

    read = await world.read(outsider, case)
    assert read.status_code == 404 and read.json()["error"]["code"] == "case.not_found"
    step = await world.step(outsider, case, "investigate")
    assert step.status_code == 404 and step.json()["error"]["code"] == "case.not_found"
    listed = await client.get(f"{BASE}?limit=200", headers=outsider["headers"])
    assert case["id"] not in [c["id"] for c in listed.json()["items"]]
    asked = await client.get(f"{BASE}?city=440100", headers=outsider["headers"])
    assert asked.json()["items"] == []
    number = await world.card_number(holder)
    opened = await client.post(
        BASE, json={"kind": "selling", "summary": "from afar", "card_number": number}, headers=outsider["headers"]
    )
    assert opened.status_code == 403 and opened.json()["error"]["code"] == "case.other_city"

    assert (await world.read(provincial, case)).status_code == 200
    in_city = await client.get(f"{BASE}?city=440100&limit=200", headers=provincial["headers"])
    assert case["id"] in [c["id"] for c in in_city.json()["items"]]
    moved = await world.ok(provincial, case, "investigate")
    assert moved["state"] == "investigating" and moved["assigned_to"] == provincial["id"]

    # Nothing the outsider did is on the holder's record; the provincial operator's read is.
    records = (await client.get("/api/v1/me/access-records?limit=100", headers=holder.headers)).json()["items"]
    actors = {(e["action"], e["actor_kind"]) for e in records if e["basis_ref"] == case["number"]}
    assert ("enforcement.case_read", "staff") in actors
    assert all(e["actor_name"] != "" for e in records if e["basis_ref"] == case["number"])


async def test_only_staff_reach_cases(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    case = await world.open(operator, holder)
    platform = await world.platform()
    for headers in (holder.headers, platform):
        assert (await client.get(f"{BASE}/{case['id']}", headers=headers)).status_code == 403
        assert (await client.get(BASE, headers=headers)).status_code == 403
        step = await client.post(f"{BASE}/{case['id']}/investigate", json={"expected_version": 1}, headers=headers)
        assert step.status_code == 403
    assert (await client.get(BASE)).status_code == 401
    missing = await client.get(f"{BASE}/7b0e5f8e-6a70-4d3c-9b1e-2f1d3c4b5a69", headers=operator["headers"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "case.not_found"
