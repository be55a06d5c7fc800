"""Reads by others: on a statute or a consent (agency and employer), refused without one; each on the holder's access
record with the kinds read, the holder told in the inbox; staff reads on the record too."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.consent.schemas import HrRecordKind
from backend.hrfile import vocab
from backend.hrfile.schemas import HrKind
from tests.hrfile.helpers import BASIS, SAMPLES, contribution

pytestmark = pytest.mark.anyio


def test_the_kinds_are_one_vocabulary():
    from typing import get_args

    assert get_args(HrKind) == vocab.KINDS == get_args(HrRecordKind)


async def _file(world, holder) -> dict[str, str]:
    """A holder with contributions, a training and an employment start; the hrss agency that wrote them."""
    _, hrss = await world.new_agency("hrss")
    for kind, data in (("contribution", contribution()), ("training", SAMPLES["training"]), ("employment_start", None)):
        assert (await world.write(hrss, holder, kind, data)).status_code == 201
    return hrss


async def test_an_agency_reads_on_a_statute_within_its_scope(world):
    holder = await world.holder()
    hrss = await _file(world, holder)
    _, medical = await world.new_agency("medical_insurance")

    response = await world.hr_query(hrss, holder, ["contribution", "training"], legal_basis=BASIS)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["basis"] == "statute" and sorted(r["kind"] for r in body["records"]) == ["contribution", "training"]

    response = await world.hr_query(medical, holder, ["contribution", "training"], legal_basis=BASIS)
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.out_of_scope"
    assert response.json()["error"]["details"]["kinds"] == ["training"]
    response = await world.hr_query(medical, holder, ["contribution"], legal_basis=BASIS)
    assert response.status_code == 200 and [r["kind"] for r in response.json()["records"]] == ["contribution"]

    records = [r for r in await world.access_records(holder) if r["action"] == "hrfile.query"]
    assert [(r["result"], r["result_code"], r["basis_kind"], r["fields"]) for r in records] == [
        ("ok", "", "statute", ["hrfile.contribution"]),
        ("refused", "hrfile.out_of_scope", "statute", ["hrfile.contribution", "hrfile.training"]),
        ("ok", "", "statute", ["hrfile.contribution", "hrfile.training"]),
    ]
    assert {r["actor_kind"] for r in records} == {"agency"} and records[0]["basis_ref"] == BASIS
    assert records[0]["purpose"] == "入职背景核实"
    told = [n for n in await world.inbox(holder) if n["event"] == "data.agency_query"]
    assert len(told) == 2 and told[0]["params"]["agency"] == "Test medical_insurance agency"


async def test_no_basis_is_refused_and_recorded(world):
    holder = await world.holder()
    hrss = await _file(world, holder)
    _, police = await world.new_agency("public_security")
    _, employer_headers = await world.employer()
    for headers, code in ((hrss, "hrfile.no_basis"), (police, "hrfile.no_basis"), (employer_headers, "hrfile.no_basis")):
        response = await world.hr_query(headers, holder, ["contribution"])
        assert response.status_code == 403 and response.json()["error"]["code"] == code
    # An agency of another kind has no statutory reach; an employer never reads on a statute.
    response = await world.hr_query(police, holder, ["contribution"], legal_basis=BASIS)
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.out_of_scope"
    response = await world.hr_query(employer_headers, holder, ["employment_start"], legal_basis=BASIS)
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.no_basis"
    # Neither a holder nor a scanner queries.
    response = await world.hr_query(holder.headers, holder, ["contribution"], legal_basis=BASIS)
    assert response.status_code == 403 and response.json()["error"]["code"] == "auth.wrong_role"
    response = await world.hr_query(hrss, holder, ["contribution"], legal_basis=BASIS, consent_id=str(holder.person_id))
    assert response.status_code == 422 and response.json()["error"]["code"] == "hrfile.ambiguous_basis"

    records = [r for r in await world.access_records(holder) if r["action"] == "hrfile.query"]
    assert len(records) == 5 and {r["result"] for r in records} == {"refused"}
    assert {r["actor_kind"] for r in records} == {"agency", "employer"}
    assert not [n for n in await world.inbox(holder) if n["event"] in ("data.agency_query", "consent.used")]
    # An unknown person is an attempt too, on nobody's record; the same answer as a wrong name.
    stranger = {**world.person(holder), "name": "李四"}
    response = await world.client.post(
        "/api/v1/hrfile/query",
        json={"person": stranger, "kinds": ["contribution"], "purpose": "核实", "legal_basis": BASIS},
        headers=hrss,
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "hrfile.person_not_found"


async def test_an_agency_reads_on_the_holders_consent(world):
    holder = await world.holder()
    await _file(world, holder)
    police_id, police = await world.new_agency("public_security")
    consent = await world.grant(holder, ["training"], agency_id=str(police_id))
    assert consent["scope"]["hr_records"] == ["training"] and consent["grantee_kind"] == "agency"

    response = await world.hr_query(police, holder, ["training"], consent_id=consent["id"])
    assert response.status_code == 200, response.text
    assert response.json()["basis"] == "consent" and [r["kind"] for r in response.json()["records"]] == ["training"]
    response = await world.hr_query(police, holder, ["training", "contribution"], consent_id=consent["id"])
    assert response.status_code == 403 and response.json()["error"]["details"]["kinds"] == ["contribution"]
    revoked = await world.client.post(f"/api/v1/me/consents/{consent['id']}/revoke", headers=holder.headers)
    assert revoked.status_code == 200
    response = await world.hr_query(police, holder, ["training"], consent_id=consent["id"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.consent_inactive"

    records = [r for r in await world.access_records(holder) if r["action"] == "hrfile.query"]
    assert [(r["result"], r["basis_kind"], r["basis_ref"]) for r in records] == [
        ("refused", "consent", consent["id"]),
        ("refused", "consent", consent["id"]),
        ("ok", "consent", consent["id"]),
    ]
    used = [n for n in await world.inbox(holder) if n["event"] == "consent.used"]
    assert len(used) == 1 and used[0]["params"]["consent"] == consent["id"]


async def test_an_employer_reads_only_on_a_consent_given_to_it(world):
    holder = await world.holder()
    hrss = await _file(world, holder)
    employer, headers = await world.employer()
    _, rival = await world.employer()

    # An employer is given HR records only, and must exist.
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    for extra, code in (
        ({"employer_uscc": employer["uscc"], "card_status": True, "hr_records": ["training"]}, "consent.employer_scope"),
        ({"employer_uscc": employer["uscc"]}, "consent.empty_scope"),
        ({"employer_uscc": "91440101MA59XKT3Y0", "hr_records": ["training"]}, "consent.unknown_employer"),
        ({"hr_records": ["training"]}, "consent.grantee_required"),
    ):
        body = {"purpose": "入职背景核实", "valid_until": until, **extra}
        response = await world.client.post("/api/v1/me/consents", json=body, headers=holder.headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code, response.text

    consent = await world.grant(holder, ["employment_start", "training"], employer_uscc=employer["uscc"])
    assert consent["grantee_kind"] == "employer" and consent["agency_id"] is None
    assert consent["employer_id"] == employer["id"] and consent["agency_name"] == employer["name"]
    listed = await world.client.get("/api/v1/employer/consents", headers=headers)
    assert [c["id"] for c in listed.json()] == [consent["id"]]
    receipt = await world.client.get(f"/api/v1/me/consents/{consent['id']}/receipt", headers=holder.headers)
    assert receipt.json()["employer"]["uscc"] == employer["uscc"] and "agency" not in receipt.json()

    response = await world.hr_query(headers, holder, ["employment_start", "training"], consent_id=consent["id"])
    assert response.status_code == 200, response.text
    assert sorted(r["kind"] for r in response.json()["records"]) == ["employment_start", "training"]
    response = await world.hr_query(rival, holder, ["training"], consent_id=consent["id"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.consent_invalid"
    response = await world.hr_query(headers, holder, ["contribution"], consent_id=consent["id"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.out_of_scope"
    # The consent is to the employer, not to agencies: an agency cannot use its id.
    response = await world.hr_query(hrss, holder, ["training"], consent_id=consent["id"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.consent_invalid"

    records = [r for r in await world.access_records(holder) if r["action"] == "hrfile.query"]
    ok = [r for r in records if r["result"] == "ok"]
    assert len(records) == 4 and len(ok) == 1
    assert ok[0]["actor_kind"] == "employer" and ok[0]["actor_name"] == employer["name"]
    assert ok[0]["fields"] == ["hrfile.employment_start", "hrfile.training"]
    used = [n for n in await world.inbox(holder) if n["event"] == "consent.used"]
    assert len(used) == 1 and used[0]["params"]["agency"] == employer["name"]
    # The holder's consents list both kinds of grantee.
    mine = await world.client.get("/api/v1/me/consents", headers=holder.headers)
    assert [c["grantee_kind"] for c in mine.json()] == ["employer"]


async def test_staff_reads_go_on_the_holders_record(world):
    holder = await world.holder()
    await _file(world, holder)
    counter = await world.staff("counter_operator")
    response = await world.client.get(
        f"/api/v1/staff/hrfile/persons/{holder.person_id}/records", params={"kind": "training"}, headers=counter
    )
    assert response.status_code == 200, response.text
    assert [r["kind"] for r in response.json()["items"]] == ["training"]
    response = await world.client.get(f"/api/v1/staff/hrfile/persons/{holder.person_id}/records", headers=counter)
    assert sorted(r["kind"] for r in response.json()["items"]) == ["contribution", "employment_start", "training"]
    records = [r for r in await world.access_records(holder) if r["action"] == "hrfile.staff_read"]
    assert [(r["actor_kind"], r["basis_kind"], r["fields"]) for r in records] == [
        ("staff", "official_duty", ["hrfile.contribution", "hrfile.employment_start", "hrfile.training"]),
        ("staff", "official_duty", ["hrfile.training"]),
    ]
    response = await world.client.get(f"/api/v1/staff/hrfile/persons/{holder.card_id}/records", headers=counter)
    assert response.status_code == 404 and response.json()["error"]["code"] == "hrfile.person_not_found"
    # The holder reading their own file leaves no access record.
    before = len(await world.access_records(holder))
    await world.mine(holder)
    assert len(await world.access_records(holder)) == before
