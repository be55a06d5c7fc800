"""The type registry, and an agency issuing, updating, suspending and revoking signed certificates."""

import secrets

import anyio
import pytest

from tests.certificates.helpers import DISABLED, LICENCE, TRAFFIC

pytestmark = pytest.mark.anyio


async def test_registry_has_the_initial_types_and_operators_add_more(world):
    listed = (await world.client.get("/api/v1/certificate-types")).json()
    assert {"driving_licence", "elderly_preferential", "disability_certificate", "veteran_preferential"} <= {
        t["code"] for t in listed
    }
    op = await world.operator()
    agency = {"code": f"GZ-EDU-{secrets.token_hex(3).upper()}", "name": "广州市教育局 Education Bureau", "kind": "education"}
    response = await world.client.post("/api/v1/agencies", json=agency, headers=op)
    assert response.status_code == 201, response.text
    agency_id = response.json()["id"]
    assert (await world.client.post("/api/v1/agencies", json=agency, headers=op)).json()["error"]["code"] == "agency.exists"
    code = f"student_{secrets.token_hex(3)}"
    spec = {
        "code": code,
        "name": "学生证 Student card",
        "issuer_agency_id": str(agency_id),
        "attribute_schema": {"school": {"type": "string", "required": True}, "year": {"type": "integer", "min": 1, "max": 8}},
        "concessions": [{"code": "student_discount", "scenarios": ["scenic_entry"]}],
        "disclosure": {"certificate_check": ["school"]},
        "statutory_access": {"education": ["school", "year"]},
    }
    response = await world.client.post("/api/v1/certificate-types", json=spec, headers=op)
    assert response.status_code == 201, response.text
    assert response.json()["issuer"]["kind"] == "education"
    assert (await world.client.get(f"/api/v1/certificate-types/{code}")).json()["concessions"] == spec["concessions"]
    assert (await world.client.post("/api/v1/certificate-types", json=spec, headers=op)).json()["error"][
        "code"
    ] == "certificate_type.exists"

    def variant(**change):
        return {**spec, "code": f"x_{secrets.token_hex(3)}", **change}

    bad = [
        (
            variant(concessions=[{"code": "free_room", "scenarios": ["hotel_checkin"]}]),
            422,
            "certificate_type.scenario_without_concessions",
        ),
        (variant(disclosure={"library_entry": ["school"]}), 422, "certificate_type.scenario_without_certificate"),
        (variant(disclosure={"certificate_check": ["grade"]}), 422, "certificate_type.unknown_field"),
        (variant(attribute_schema={"year": {"type": "boolean", "min": 1}}), 422, "certificate_type.bad_schema"),
        (variant(issuer_agency_id="00000000-0000-4000-8000-000000000000"), 422, "certificate_type.unknown_issuer"),
        (variant(colour="blue"), 400, "request.unknown_field"),
    ]
    for body, status, error in bad:
        response = await world.client.post("/api/v1/certificate-types", json=body, headers=op)
        assert (response.status_code, response.json()["error"]["code"]) == (status, error), body
    holder = await world.holder()
    assert (await world.client.post("/api/v1/certificate-types", json=variant(), headers=holder.headers)).status_code == 403
    response = await world.client.patch(f"/api/v1/certificate-types/{code}", json={"active": False}, headers=op)
    assert response.status_code == 200 and response.json()["active"] is False


async def test_issue_update_suspend_revoke_and_signatures(world):
    police = await world.seeded(TRAFFIC)
    holder = await world.holder()
    issued = await world.issue(police, holder, "driving_licence", LICENCE)
    assert issued["status"] == "active" and issued["version"] == 1 and issued["signature"]["alg"] == "EdDSA"
    cid = issued["id"]
    mine = (await world.client.get("/api/v1/me/certificates", headers=holder.headers)).json()
    assert [c["id"] for c in mine] == [cid] and mine[0]["attributes"] == LICENCE

    async def signature(headers):
        return (await world.client.get(f"/api/v1/certificates/{cid}/signature", headers=headers)).json()

    assert (await signature(holder.headers))["result"] == "valid"
    response = await world.client.patch(
        f"/api/v1/agency/certificates/{cid}", json={"attributes": {"points": 6}, "expected_version": 1}, headers=police
    )
    assert response.status_code == 200 and response.json()["version"] == 2 and response.json()["attributes"]["points"] == 6
    stale = await world.client.patch(
        f"/api/v1/agency/certificates/{cid}", json={"attributes": {"points": 7}, "expected_version": 1}, headers=police
    )
    assert stale.json()["error"]["code"] == "certificate.version_mismatch"
    check = await signature(police)
    assert check["valid"] and check["version"] == 2

    # Someone edits the stored record behind the API: the signature no longer matches.
    from backend.certificates.tables import Certificate

    await world.call(Certificate.update({Certificate.attributes: {**LICENCE, "points": 0}}).where(Certificate.id == cid).run)
    assert (await signature(holder.headers))["result"] == "bad_signature"

    async def act(action, expect=200):
        response = await world.client.post(
            f"/api/v1/agency/certificates/{cid}/actions/{action}", json={"reason": "Court order 2026-17"}, headers=police
        )
        assert response.status_code == expect, response.text
        return response.json()

    assert (await act("suspend"))["status"] == "suspended"
    assert (await act("suspend", 409))["error"]["code"] == "certificate.illegal_transition"
    assert (await act("reinstate"))["status"] == "active"
    assert (await act("revoke"))["status"] == "revoked"
    assert (await signature(holder.headers))["result"] == "valid"  # every change is signed anew
    again = await world.issue(police, holder, "driving_licence", LICENCE)  # revoking freed the slot
    assert again["id"] != cid
    actions = [r["action"] for r in await world.records(holder)]
    assert {"certificate.issue", "certificate.update", "certificate.suspend", "certificate.revoke"} <= set(actions)


async def test_issuing_errors(world):
    police = await world.seeded(TRAFFIC)
    federation = await world.seeded(DISABLED)
    holder = await world.holder()
    body = {"type": "driving_licence", "doc_type": "resident_id", "id_number": holder.id_number, "attributes": LICENCE}

    async def issue(headers, **change):
        return await world.client.post("/api/v1/agency/certificates", json={**body, **change}, headers=headers)

    cases = [
        (federation, {}, 403, "certificate.not_issuer"),
        (police, {"attributes": {**LICENCE, "points": 13}}, 422, "certificate.bad_attribute"),
        (police, {"attributes": {"licence_class": "C1", "points": 0}}, 422, "certificate.missing_attribute"),
        (police, {"attributes": {**LICENCE, "colour": "red"}}, 422, "certificate.unknown_attribute"),
        (police, {"attributes": {**LICENCE, "first_issued": "2015-02-30"}}, 422, "certificate.bad_attribute"),
        (police, {"id_number": "440106199001010000"}, 422, None),  # wrong check digit
        (police, {"type": "no_such_type"}, 404, "certificate_type.not_found"),
        (police, {"valid_until": "2001-01-01T00:00:00Z"}, 422, "certificate.bad_validity"),
        (police, {"attributes": {**LICENCE, "points": 1.5}}, 400, "request.invalid"),
        (holder.headers, {}, 403, "auth.wrong_role"),
    ]
    for headers, change, status, code in cases:
        response = await issue(headers, **change)
        assert response.status_code == status, (change, response.text)
        if code:
            assert response.json()["error"]["code"] == code
    from tests.accounts.helpers import new_id_number

    response = await issue(police, id_number=new_id_number())  # nobody registered with it
    assert response.status_code == 404 and response.json()["error"]["code"] == "certificate.holder_unknown"
    cid = (await issue(police)).json()["id"]
    assert (await issue(police)).json()["error"]["code"] == "certificate.exists"
    # Another agency cannot touch it, nor learn that it exists.
    response = await world.client.patch(
        f"/api/v1/agency/certificates/{cid}", json={"attributes": {"points": 1}}, headers=federation
    )
    assert response.status_code == 404


async def test_concurrent_updates_lose_nothing(world):
    police = await world.seeded(TRAFFIC)
    holder = await world.holder()
    cid = (await world.issue(police, holder, "driving_licence", LICENCE))["id"]
    statuses = []

    async def bump(points):
        response = await world.client.patch(
            f"/api/v1/agency/certificates/{cid}", json={"attributes": {"points": points}}, headers=police
        )
        statuses.append(response.status_code)

    async with anyio.create_task_group() as tg:
        for points in range(1, 7):
            tg.start_soon(bump, points)
    final = (await world.client.get(f"/api/v1/me/certificates/{cid}", headers=holder.headers)).json()
    assert final["version"] == 1 + statuses.count(200) and statuses.count(200) >= 1
    assert set(statuses) <= {200, 409}
    assert (await world.client.get(f"/api/v1/certificates/{cid}/signature", headers=holder.headers)).json()["valid"]


async def test_registering_the_same_agency_or_type_at_once_is_one_201_and_409s(world):
    """Check-then-insert: parallel registrations all pass the check; the unique index refuses all
    but one, which must be the documented 409, not a 500."""
    from tests.cards.helpers import concurrently

    op = await world.operator()
    agency = {"code": f"GZ-RACE-{secrets.token_hex(3).upper()}", "name": "Race agency", "kind": "education"}
    answers = await concurrently(world.client, *[("POST", "/api/v1/agencies", {"json": agency, "headers": op})] * 6)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5, [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"agency.exists"}
    agency_id = next(a.json()["id"] for a in answers if a.status_code == 201)
    spec = {
        "code": f"race_{secrets.token_hex(3)}",
        "name": "Race type",
        "issuer_agency_id": agency_id,
        "attribute_schema": {"school": {"type": "string"}},
    }
    answers = await concurrently(world.client, *[("POST", "/api/v1/certificate-types", {"json": spec, "headers": op})] * 6)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5, [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"certificate_type.exists"}
