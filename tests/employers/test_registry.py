"""The employer registry: USCC check characters (GB 32100-2015), duplicates, signing keys and their
retirement, suspension, who may do what, and an employer client's view of itself."""

from __future__ import annotations

import pytest

from backend.employers.uscc import problem
from tests.employers.helpers import Employers, b64url, new_uscc

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "914403001922038216", "91440300708461136T"],
)
def test_well_formed_codes_check(code):
    assert problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91440300708461136U", "check character"),  # last character changed
        ("91440300708461163T", "check character"),  # two characters swapped
        ("9144030070846113", "characters, not 18"),
        ("9144030070846113OT", "not one of the code's characters"),  # the letter O is not used
        ("91A40300708461136T", "region code"),
    ],
)
def test_bad_codes_say_why(code, why):
    reason = problem(code)
    assert reason is not None and why in reason


async def test_register_read_search_and_refuse_a_duplicate(client):
    world = Employers(client)
    uscc = new_uscc()
    made = await world.register(uscc=uscc.lower(), name="广州市 示例  餐饮有限公司")
    assert made["uscc"] == uscc and made["status"] == "active" and made["keys"] == []
    assert made["name"] == "广州市 示例 餐饮有限公司"
    again = await client.post("/api/v1/employers", json={"uscc": uscc, "name": "别的名字"}, headers=await world.operator())
    assert again.status_code == 409 and again.json()["error"]["code"] == "employer.exists"
    one = await client.get(f"/api/v1/employers/{made['id']}", headers=await world.operator())
    assert one.status_code == 200 and one.json() == made
    found = await client.get("/api/v1/employers", params={"q": uscc[-8:]}, headers=await world.operator())
    assert [e["id"] for e in found.json()["items"]] == [made["id"]] and found.json()["total"] == 1


async def test_a_bad_code_is_refused_with_its_reason(client):
    world = Employers(client)
    good = new_uscc()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = await client.post("/api/v1/employers", json={"uscc": bad, "name": "坏码公司"}, headers=await world.operator())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "employer.bad_uscc"
    assert "check character" in response.json()["error"]["details"]["reason"]


async def test_only_provincial_operators_register(client):
    world = Employers(client)
    counter = await world.staff("counter_operator")
    response = await client.post("/api/v1/employers", json={"uscc": new_uscc(), "name": "某公司"}, headers=counter)
    assert response.status_code == 403
    holder = await world.holder()
    response = await client.get("/api/v1/employers", headers=holder.headers)
    assert response.status_code == 403


async def test_keys_register_once_and_retire(client):
    world = Employers(client)
    employer = await world.register()
    key = await world.add_key(employer["id"])
    operator = await world.operator()
    again = await client.post(f"/api/v1/employers/{employer['id']}/keys", json={"public_key": key.public}, headers=operator)
    assert again.status_code == 409 and again.json()["error"]["code"] == "employer.key_exists"
    other = await world.register()
    elsewhere = await client.post(f"/api/v1/employers/{other['id']}/keys", json={"public_key": key.public}, headers=operator)
    assert elsewhere.status_code == 409
    junk = await client.post(f"/api/v1/employers/{employer['id']}/keys", json={"public_key": b64url(bytes(32))}, headers=operator)
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "employer.bad_public_key"
    retired = await client.post(f"/api/v1/employers/{employer['id']}/keys/{key.key_id}/retire", headers=operator)
    assert retired.status_code == 200 and retired.json()["status"] == "retired" and retired.json()["retired_at"]
    twice = await client.post(f"/api/v1/employers/{employer['id']}/keys/{key.key_id}/retire", headers=operator)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "employer.key_retired"
    wrong = await client.post(f"/api/v1/employers/{other['id']}/keys/{key.key_id}/retire", headers=operator)
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "employer.key_not_found"
    newer = await world.add_key(employer["id"])
    shown = (await client.get(f"/api/v1/employers/{employer['id']}", headers=operator)).json()["keys"]
    assert [(k["key_id"], k["status"]) for k in shown] == [(newer.key_id, "active"), (key.key_id, "retired")]


async def test_suspend_and_reinstate(client):
    world = Employers(client)
    employer = await world.register()
    operator = await world.operator()
    suspended = await client.post(f"/api/v1/employers/{employer['id']}/suspend", headers=operator)
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    again = await client.post(f"/api/v1/employers/{employer['id']}/suspend", headers=operator)
    assert again.status_code == 409 and again.json()["error"]["code"] == "employer.bad_status"
    back = await client.post(f"/api/v1/employers/{employer['id']}/reinstate", headers=operator)
    assert back.status_code == 200 and back.json()["status"] == "active"


async def test_an_employer_client_sees_itself(client):
    world = Employers(client)
    firm = await world.firm()
    me = await client.get("/api/v1/employer/me", headers=firm.headers)
    assert me.status_code == 200, me.text
    assert me.json()["uscc"] == firm.uscc and [k["key_id"] for k in me.json()["keys"]] == [firm.key.key_id]
    holder = await world.holder()
    assert (await client.get("/api/v1/employer/me", headers=holder.headers)).status_code == 403
