"""Integers too large for the database are refused with 400, never carried to SQL (they were a 500 on
PostgreSQL). tests/test_openapi.py checks that every integer the API takes is bounded; this checks the
ones that once failed, on both databases."""

import pytest

from tests.certificates.helpers import Agencies

pytestmark = pytest.mark.anyio
HUGE = str(2**63)  # one past PostgreSQL's BIGINT


async def test_huge_integers_are_refused_not_sent_to_sql(client):
    world = Agencies(client)
    holder = await world.holder()
    operator = await world.operator()
    agency = await world.seeded("GD-DPF")
    requests = [
        ("GET", f"/api/v1/me/access-records?before={HUGE}", holder.headers, None),
        ("GET", f"/api/v1/audit/access-records?before={HUGE}", operator, None),
        ("GET", f"/api/v1/audit/chain?anchor_seq={HUGE}&anchor_hash={'0' * 64}", operator, None),
        ("GET", f"/api/v1/agency/consents?offset={HUGE}", agency, None),
        ("GET", f"/api/v1/staff?offset={HUGE}", operator, None),
        ("GET", f"/api/v1/clients?offset={HUGE}", operator, None),
        (
            "POST",
            "/api/v1/audit/access-records/search",
            operator,
            {"doc_type": "resident_id", "id_number": holder.id_number, "before": 2**63},
        ),
    ]
    answers = []
    for method, url, headers, body in requests:
        response = await client.request(method, url, headers=headers, json=body)
        answers.append((url, response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None))
    assert all(status == 400 for _, status, _ in answers), answers
    assert {code for _, _, code in answers} == {"request.invalid"}, answers
