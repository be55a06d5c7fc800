"""Holders list their own access records; operators audit across holders (and are recorded doing so); API docs."""

import pytest

from tests.certificates.helpers import LICENCE, TRAFFIC

pytestmark = pytest.mark.anyio
PATHS = {
    ("/api/v1/me/access-records", "get"),
    ("/api/v1/audit/access-records", "get"),
    ("/api/v1/audit/access-records/search", "post"),
    ("/api/v1/audit/chain", "get"),
    ("/api/v1/certificate-types", "get"),
    ("/api/v1/certificate-types", "post"),
    ("/api/v1/certificate-types/{code}", "patch"),
    ("/api/v1/agency/certificates", "post"),
    ("/api/v1/agency/certificates/{certificate_id}", "patch"),
    ("/api/v1/agency/certificates/{certificate_id}/actions/{action}", "post"),
    ("/api/v1/certificates/{certificate_id}/signature", "get"),
    ("/api/v1/me/certificates", "get"),
    ("/api/v1/me/certificates/{certificate_id}/code", "post"),
    ("/api/v1/me/consents", "post"),
    ("/api/v1/me/consents/{consent_id}/revoke", "post"),
    ("/api/v1/me/consents/{consent_id}/receipt", "get"),
    ("/api/v1/agency/consents", "get"),
    ("/api/v1/agency/queries", "post"),
    ("/api/v1/agencies", "get"),
    ("/api/v1/agencies", "post"),
}


async def test_holders_see_their_own_record_and_operators_audit_everyone(world):
    police = await world.seeded(TRAFFIC)
    holder, other = await world.holder(), await world.holder()
    await world.issue(police, holder, "driving_licence", LICENCE)
    await world.issue(police, other, "driving_licence", LICENCE)
    for _ in range(2):
        response = await world.query(
            police,
            subject={"doc_type": "resident_id", "id_number": holder.id_number},
            legal_basis="《道路交通安全法》第十九条",
            card_status=True,
        )
        assert response.status_code == 200, response.text

    page = (await world.client.get("/api/v1/me/access-records?limit=2", headers=holder.headers)).json()
    assert [r["action"] for r in page["items"]] == ["agency.query", "agency.query"] and page["next_before"]
    rest = (await world.client.get(f"/api/v1/me/access-records?before={page['next_before']}", headers=holder.headers)).json()
    assert [r["action"] for r in rest["items"]] == ["certificate.issue"] and rest["next_before"] is None
    assert all(r["actor_name"].startswith("广东省公安厅") for r in page["items"] + rest["items"])

    op = await world.operator()
    response = await world.client.get(
        f"/api/v1/audit/access-records?person_id={holder.person_id}&action=agency.query", headers=op
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 2 and {i["person"] for i in items} == {str(holder.person_id)} and len(items[0]["hash"]) == 64
    response = await world.client.post(
        "/api/v1/audit/access-records/search", json={"doc_type": "resident_id", "id_number": other.id_number}, headers=op
    )
    assert [i["action"] for i in response.json()["items"]] == ["audit.read", "certificate.issue"]  # the search itself first
    audit_reads = [r for r in await world.records(holder) if r["action"] == "audit.read"]
    assert audit_reads and audit_reads[0]["actor_kind"] == "staff" and audit_reads[0]["basis_kind"] == "official_duty"

    for path in ("/api/v1/audit/access-records", "/api/v1/audit/chain"):
        assert (await world.client.get(path, headers=holder.headers)).status_code == 403
        assert (await world.client.get(path, headers=police)).status_code == 403
    assert (await world.client.get("/api/v1/audit/access-records?result=maybe", headers=op)).status_code == 400
    assert (await world.client.get("/api/v1/me/access-records", headers=police)).status_code == 403


async def test_openapi_documents_the_endpoints_with_examples(client):
    spec = (await client.get("/schema/openapi.json")).json()
    for path, method in PATHS:
        op = spec["paths"][path][method]
        assert op.get("summary") and op.get("description") and op.get("tags"), (method, path)
    schemas = spec["components"]["schemas"]
    hand_written = {
        ("AgencyQuery", "legal_basis"): "《中华人民共和国道路交通安全法》第十九条",
        ("CertificateIssue", "type"): "driving_licence",
        ("ConsentGrant", "valid_until"): "2026-12-23T09:00:00Z",
        ("AccessRecord", "result_code"): "query.no_basis",
    }
    for (schema, field), example in hand_written.items():
        assert example in str(schemas[schema]["properties"][field]), (schema, field)
    assert "query.no_basis" in spec["paths"]["/api/v1/agency/queries"]["post"]["description"]
    assert "403" in spec["paths"]["/api/v1/agency/queries"]["post"]["responses"]
