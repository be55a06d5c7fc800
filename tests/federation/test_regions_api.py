"""The operators' region API on SQLite and PostgreSQL: GET /api/v1/federation/self, and PATCH .../regions/{code}
refusing what it must (unknown scenario, unknown disclosure field, bad status, unknown region) and changing nothing then."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.federation import trust_list
from tests.accounts.helpers import bearer, in_app, staff

CODE = "830000"  # a region code no other test imports


async def _imported(code: str) -> None:
    """A region as an import leaves it (its list not verified yet: never used, but patchable)."""
    from backend.federation.tables import Region, Revocations, TrustList

    now = dt.datetime.now(dt.UTC)
    for table in (Region, TrustList, Revocations):
        column = table.code if table is Region else table.region  # type: ignore[attr-defined]
        await table.delete().where(column == code).run()
    await Region.insert(
        Region(
            code=code,
            name="测试区",
            name_en="Test region",
            root_fingerprint="A" * 43,
            trust_list_url="https://test.example/.well-known/yikatong-trust-list",
            scenarios=["library_entry"],
            disclose=["valid_until"],
            status="active",
            created_at=now,
            updated_at=now,
        )
    ).run()
    await TrustList.insert(TrustList(region=code)).run()
    await Revocations.insert(Revocations(region=code)).run()


@pytest.mark.anyio
async def test_self_tells_what_others_import_us_by(client):
    keyring = client.app.state.keystore.load()
    answer = await client.get("/api/v1/federation/self")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == {
        "code": "440000",
        "name": "广东省",
        "name_en": "Guangdong",
        "fingerprint": trust_list.root_fingerprint(keyring),
        "trust_list_url": body["trust_list_url"],
    }
    assert body["trust_list_url"].endswith(trust_list.PATH)
    # The URL names the list whose root key has that fingerprint.
    listed = await client.get(trust_list.PATH)
    verified = trust_list.verify(listed.text, fingerprint=body["fingerprint"], region="440000", last_seq=None, now=0, grace=0)
    assert verified.endpoint("trust_list") == body["trust_list_url"]


@pytest.mark.anyio
async def test_patch_refuses_what_it_cannot_take_and_changes_nothing(client):
    operator = await staff(client, "provincial_operator")
    headers = bearer(operator["token"])
    await in_app(client, _imported, CODE)
    url = f"/api/v1/federation/regions/{CODE}"

    async def patch(body: dict, path: str = url) -> tuple[int, dict]:
        answer = await client.patch(path, json=body, headers=headers)
        return answer.status_code, answer.json()

    status, body = await patch({"scenarios": ["library_entry", "no_such_scenario"]})
    assert (status, body["error"]["code"]) == (422, "federation.unknown_scenario"), body
    assert body["error"]["details"]["scenarios"] == ["no_such_scenario"]
    for bad in (
        {"disclose": ["valid_until", "identity_number"]},  # not a field another region's codes may show
        {"status": "revoked"},
        {"status": "ACTIVE"},
        {"scenarios": ["Library Entry"]},
        {"trust_list_url": "ftp://test.example/list"},
        {"colour": "red"},
    ):
        status, body = await patch(bad)
        assert status == 400 and body["error"]["code"].startswith("request."), (bad, status, body)
    status, body = await patch({"trust_list_url": "http://test.example/.well-known/yikatong-trust-list"})
    assert (status, body["error"]["code"]) == (422, "federation.insecure_url"), body
    status, body = await patch({"status": "suspended"}, "/api/v1/federation/regions/840000")
    assert (status, body["error"]["code"]) == (404, "federation.unknown_region"), body
    status, body = await patch({"status": "suspended"}, "/api/v1/federation/regions/810001")  # a city, not a region
    assert status == 400, body

    # Nothing of the refused changes stuck; a good one does.
    status, region = await patch({})
    assert status == 200 and region["scenarios"] == ["library_entry"] and region["disclose"] == ["valid_until"], region
    assert region["status"] == "active" and region["trust_list_url"].startswith("https://"), region
    status, region = await patch({"status": "suspended", "disclose": ["valid_until", "masked_name"]})
    assert status == 200 and region["status"] == "suspended" and region["disclose"] == ["valid_until", "masked_name"], region
    # Provincial operators only: no token, 401; a counter operator, 403.
    answer = await client.patch(url, json={"status": "active"})
    assert answer.status_code == 401
    counter = await staff(client, "counter_operator")
    answer = await client.patch(url, json={"status": "active"}, headers=bearer(counter["token"]))
    assert answer.status_code == 403, answer.text
