"""A staff look-up of a person by document goes on the holder's access record, and so does a miss."""

import pytest

from backend.audit.tables import AccessEntry
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio


async def test_staff_lookup_is_on_the_holders_access_record(client):
    holder = await h.citizen(client, name="王芳")
    counter = await h.staff(client, "counter_operator")
    body = {"doc_type": "resident_id", "id_number": holder["id_number"]}
    found = await client.post("/api/v1/staff/cards/lookup", headers=counter["headers"], json=body)
    assert found.status_code == 200, found.text
    records = (await client.get("/api/v1/me/access-records", headers=holder["headers"])).json()["items"]
    lookups = [r for r in records if r["action"] == "card.lookup"]
    assert len(lookups) == 1
    assert lookups[0]["actor_kind"] == "staff" and lookups[0]["basis_kind"] == "official_duty"
    assert "masked_identity_number" in lookups[0]["fields"] and holder["id_number"] not in str(records)


async def test_a_missed_lookup_is_recorded_too(client):
    counter = await h.staff(client, "counter_operator")
    before = await h.in_app(client, AccessEntry.count().where(AccessEntry.result == "not_found").run)
    missing = await client.post(
        "/api/v1/staff/cards/lookup", headers=counter["headers"], json={"doc_type": "resident_id", "id_number": h.new_id_number()}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "person.not_found"
    after = await h.in_app(client, AccessEntry.count().where(AccessEntry.result == "not_found").run)
    assert after == before + 1


async def test_the_review_queue_is_on_each_applicants_access_record(client):
    holder = await h.citizen(client, name="刘洋")
    bank = await h.in_app(client, h.bank)
    region = await h.in_app(client, h.city)
    body = {"channel": "web", "bank_code": bank, "region": region}
    applied = await client.post("/api/v1/me/card/applications", headers=holder["headers"], json=body)
    assert applied.status_code == 201, applied.text
    supervisor = await h.staff(client, "supervisor", city_code=region)
    queue = await client.get(
        "/api/v1/staff/applications", params={"status": "pending", "region": region}, headers=supervisor["headers"]
    )
    assert queue.status_code == 200 and any(a["id"] == applied.json()["id"] for a in queue.json())
    records = (await client.get("/api/v1/me/access-records", headers=holder["headers"])).json()["items"]
    assert [r["actor_kind"] for r in records if r["action"] == "application.review_queue"] == ["staff"]
