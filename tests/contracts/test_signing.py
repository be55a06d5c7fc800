"""A labour contract drafted and signed by the employer's registered key and the employee's bound phone,
verified; the HR file's record written with it; tampering, wrong keys and wrong moments refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid

import pytest
from nacl.signing import SigningKey, VerifyKey

from tests.contracts.helpers import Contracts, terms
from tests.venues.helpers import Device

pytestmark = pytest.mark.anyio


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def notices(world: Contracts, holder, event: str) -> list[dict]:
    response = await world.client.get("/api/v1/me/inbox", headers=holder.headers, params={"limit": 100})
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["event"] == event]


async def test_a_contract_signed_by_both_verifies_and_goes_in_the_hr_file(world: Contracts):
    firm = await world.firm()
    holder = await world.holder(name="王小明")
    phone = await world.phone(holder)
    contract = await world.draft(firm, holder)
    assert contract["status"] == "drafted"
    document = json.loads(contract["document"])
    assert document["employee"] == {"person": str(holder.person_id), "name": "王小明"}
    assert document["employer"] == {"uscc": firm.uscc, "name": firm.name}
    assert holder.id_number not in contract["document"]
    assert contract["doc_hash"] == hashlib.sha256(contract["document"].encode()).hexdigest()
    assert contract["signing_input"] == "yikatong/labour-contract/v1\ncontract\n" + contract["doc_hash"]
    # The holder does not see a draft the employer has not signed.
    hidden = await world.client.get(f"/api/v1/me/contracts/{contract['id']}", headers=holder.headers)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "contract.not_found"

    response = await world.employer_sign(firm, contract)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "awaiting_employee"
    assert response.json()["signatures"]["employer"]["key_id"] == firm.key.key_id
    told = await notices(world, holder, "contract.to_sign")
    assert [n["params"]["contract_id"] for n in told] == [contract["id"]]
    mine = (await world.client.get("/api/v1/me/contracts", headers=holder.headers)).json()
    assert [(c["id"], c["status"], c["employee_name"]) for c in mine] == [(contract["id"], "awaiting_employee", "王小明")]

    response = await world.employee_sign(holder, phone, contract)
    assert response.status_code == 200, response.text
    signed = response.json()
    assert signed["status"] == "signed" and signed["hr_record"]
    assert signed["signatures"]["employee"]["key_id"] == phone.key_id
    assert [n["params"]["contract_id"] for n in await notices(world, holder, "contract.signed")] == [contract["id"]]

    for path, headers in (
        (f"/api/v1/me/contracts/{contract['id']}/verification", holder.headers),
        (f"/api/v1/employer/contracts/{contract['id']}/verification", firm.headers),
    ):
        check = (await world.client.get(path, headers=headers)).json()
        assert check["valid"] is True, check
        assert (check["doc_hash_matches"], check["employer_signature"], check["employee_signature"]) == (True, "valid", "valid")

    records = await world.hr_records(holder)
    assert [(r.kind, r.id) for r in records] == [("labour_contract", uuid.UUID(signed["hr_record"]))]
    record = records[0]
    assert record.data["contract_id"] == contract["id"] and record.data["doc_hash"] == contract["doc_hash"]
    assert record.source.kind == "employer" and record.source.name == firm.name

    # The employer's look-up and reads are on the holder's access record.
    trail = (await world.client.get("/api/v1/me/access-records", headers=holder.headers, params={"limit": 50})).json()
    actions = [e["action"] for e in trail["items"] if e["actor_name"] == firm.name]
    assert "contract.draft" in actions and "contract.verification" in actions


async def test_the_evidence_bundle_verifies_offline_with_any_ed25519_library(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    contract = await world.signed(firm, holder, await world.phone(holder))
    bundle = (await world.client.get(f"/api/v1/me/contracts/{contract['id']}/evidence", headers=holder.headers)).json()
    assert bundle == (
        await world.client.get(f"/api/v1/employer/contracts/{contract['id']}/evidence", headers=firm.headers)
    ).json() | {"exported_at": bundle["exported_at"]}
    assert hashlib.sha256(bundle["document"].encode()).hexdigest() == bundle["doc_hash"]
    for party in ("employer", "employee"):
        sig = bundle["signatures"][party]
        assert sig["signing_input"] == f"yikatong/labour-contract/v1\ncontract\n{bundle['doc_hash']}"
        public = unb64(sig["public_key"])
        assert hashlib.sha256(public).digest()[:8].hex() == sig["key_id"]
        VerifyKey(public).verify(sig["signing_input"].encode(), unb64(sig["signature"]))  # raises if bad


async def test_a_tampered_contract_fails_verification(world: Contracts):
    from backend.contracts.tables import Contract

    firm = await world.firm()
    holder = await world.holder()
    contract = await world.signed(firm, holder, await world.phone(holder))
    raised = contract["document"].replace('"wage_fen_per_month":1500000', '"wage_fen_per_month":900000')
    assert raised != contract["document"]
    await world.call(Contract.update({Contract.document: raised}).where(Contract.id == contract["id"]).run)
    check = (await world.client.get(f"/api/v1/me/contracts/{contract['id']}/verification", headers=holder.headers)).json()
    assert check["valid"] is False and check["doc_hash_matches"] is False
    assert (check["employer_signature"], check["employee_signature"]) == ("invalid", "invalid")
    # The hash changed along with it: the hash matches, the signatures still do not.
    rehashed = hashlib.sha256(raised.encode()).hexdigest()
    await world.call(Contract.update({Contract.doc_hash: rehashed}).where(Contract.id == contract["id"]).run)
    check = (await world.client.get(f"/api/v1/employer/contracts/{contract['id']}/verification", headers=firm.headers)).json()
    assert check["valid"] is False and check["doc_hash_matches"] is True
    assert (check["employer_signature"], check["employee_signature"]) == ("invalid", "invalid")


async def test_a_swapped_public_key_fails_verification(world: Contracts):
    """Someone who rewrites the document and re-signs it with a key of their own, stored in the row, is
    caught: the key is not the one registered to the employer."""
    from backend.contracts.tables import Contract
    from backend.lib import ed25519

    firm = await world.firm()
    holder = await world.holder()
    contract = await world.awaiting(firm, holder)
    forger = SigningKey.generate()
    signature = forger.sign(contract["signing_input"].encode()).signature
    changes = {
        Contract.employer_key_id: hashlib.sha256(bytes(forger.verify_key)).digest()[:8].hex(),
        Contract.employer_public_key: bytes(forger.verify_key),
        Contract.employer_signature: signature,
    }
    await world.call(Contract.update(changes).where(Contract.id == contract["id"]).run)
    assert ed25519.verify(bytes(forger.verify_key), contract["signing_input"].encode(), signature)
    check = (await world.client.get(f"/api/v1/me/contracts/{contract['id']}/verification", headers=holder.headers)).json()
    assert check["valid"] is False and check["employer_signature"] == "invalid"


async def test_the_employer_signs_only_with_its_own_active_key_and_a_good_signature(world: Contracts):
    firm = await world.firm()
    other = await world.firm()
    holder = await world.holder()
    contract = await world.draft(firm, holder)
    foreign = await world.employer_sign(firm, contract, key=other.key.signing, key_id=other.key.key_id)
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "contract.unknown_key"
    wrong = await world.employer_sign(firm, contract, key=SigningKey.generate())
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "contract.bad_signature"
    retired = await world.client.post(
        f"/api/v1/employers/{firm.id}/keys/{firm.key.key_id}/retire", headers=await world.operator()
    )
    assert retired.status_code == 200
    old = await world.employer_sign(firm, contract)
    assert old.status_code == 422 and old.json()["error"]["code"] == "contract.unknown_key"
    assert old.json()["error"]["details"]["key_status"] == "retired"
    shown = (await world.client.get(f"/api/v1/employer/contracts/{contract['id']}", headers=firm.headers)).json()
    assert shown["status"] == "drafted" and shown["signatures"]["employer"] is None


async def test_a_retired_key_still_verifies_what_it_signed(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    contract = await world.signed(firm, holder, await world.phone(holder))
    await world.client.post(f"/api/v1/employers/{firm.id}/keys/{firm.key.key_id}/retire", headers=await world.operator())
    check = (await world.client.get(f"/api/v1/me/contracts/{contract['id']}/verification", headers=holder.headers)).json()
    assert check["valid"] is True


async def test_the_employee_signs_only_with_a_phone_bound_to_their_own_card(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    stranger = await world.holder(name="李四")
    theirs = await world.phone(stranger)
    contract = await world.awaiting(firm, holder)
    # Another person's phone, even with a signature its key made.
    response = await world.employee_sign(holder, theirs, contract)
    assert response.status_code == 422 and response.json()["error"]["code"] == "contract.unknown_key"
    mine = await world.phone(holder)
    # The holder's key id, a signature by another key.
    response = await world.employee_sign(holder, theirs, contract, key_id=mine.key_id)
    assert response.status_code == 422 and response.json()["error"]["code"] == "contract.bad_signature"
    await world.unbind(holder, Device(mine.id, mine.seed, b""))
    response = await world.employee_sign(holder, mine, contract)
    assert response.status_code == 422 and response.json()["error"]["code"] == "contract.unknown_key"
    # Someone else cannot see, sign or decline it at all.
    response = await world.employee_sign(stranger, theirs, contract)
    assert response.status_code == 404 and response.json()["error"]["code"] == "contract.not_found"
    again = await world.phone(holder)
    response = await world.employee_sign(holder, again, contract)
    assert response.status_code == 200, response.text


async def test_wrong_moments_are_refused(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    phone = await world.phone(holder)
    contract = await world.awaiting(firm, holder)
    twice = await world.employer_sign(firm, contract)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "contract.bad_state"
    assert twice.json()["error"]["details"]["contract_status"] == "awaiting_employee"
    early = await world.client.post(
        f"/api/v1/me/contracts/{contract['id']}/termination/preview",
        json={"terminated_on": "2030-01-01", "reason": "提前解除"},
        headers=holder.headers,
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "contract.bad_state"
    assert (await world.employee_sign(holder, phone, contract)).status_code == 200
    late = await world.client.post(f"/api/v1/employer/contracts/{contract['id']}/withdraw", headers=firm.headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "contract.bad_state"
    declined = await world.client.post(
        f"/api/v1/me/contracts/{contract['id']}/decline", json={"reason": "不同意"}, headers=holder.headers
    )
    assert declined.status_code == 409 and declined.json()["error"]["code"] == "contract.bad_state"
    again = await world.employee_sign(holder, phone, contract)
    assert again.status_code == 409 and again.json()["error"]["code"] == "contract.bad_state"


async def test_decline_and_withdraw(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    phone = await world.phone(holder)
    offered = await world.awaiting(firm, holder)
    response = await world.client.post(
        f"/api/v1/me/contracts/{offered['id']}/decline", json={"reason": "薪资不符"}, headers=holder.headers
    )
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert [(e["kind"], e["by"], e["signature"]) for e in response.json()["events"]] == [("declined", "employee", None)]
    assert (await world.employee_sign(holder, phone, offered)).status_code == 409

    pulled = await world.awaiting(firm, holder)
    response = await world.client.post(f"/api/v1/employer/contracts/{pulled['id']}/withdraw", headers=firm.headers)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert [n["params"]["contract_id"] for n in await notices(world, holder, "contract.withdrawn")] == [pulled["id"]]
    assert (await world.client.get(f"/api/v1/me/contracts/{pulled['id']}", headers=holder.headers)).status_code == 404
    assert (await world.employer_sign(firm, pulled)).status_code == 409
    assert await world.hr_records(holder) == []


@pytest.mark.parametrize("by", ["employer", "employee"])
async def test_a_signed_termination_by_either_party_goes_in_the_hr_file(world: Contracts, by):
    firm = await world.firm()
    holder = await world.holder()
    phone = await world.phone(holder)
    contract = await world.signed(firm, holder, phone)
    base, headers = (
        (f"/api/v1/employer/contracts/{contract['id']}", firm.headers)
        if by == "employer"
        else (f"/api/v1/me/contracts/{contract['id']}", holder.headers)
    )
    ending = {"terminated_on": "2031-06-30", "reason": "双方协商一致解除劳动合同"}
    preview = await world.client.post(f"{base}/termination/preview", json=ending, headers=headers)
    assert preview.status_code == 200, preview.text
    preview = preview.json()
    stated = json.loads(preview["document"])
    assert stated["contract_doc_hash"] == contract["doc_hash"] and stated["by"] == by
    assert preview["signing_input"] == f"yikatong/labour-contract/v1\ntermination\n{preview['doc_hash']}"
    # A contract signature does not pass for a termination's.
    if by == "employer":
        wrong = {"key_id": firm.key.key_id, "signature": firm.key.sign(contract["signing_input"])}
        right = {"key_id": firm.key.key_id, "signature": firm.key.sign(preview["signing_input"])}
    else:
        wrong = {"device_key_id": phone.key_id, "signature": phone.sign(contract["signing_input"])}
        right = {"device_key_id": phone.key_id, "signature": phone.sign(preview["signing_input"])}
    response = await world.client.post(f"{base}/termination", json=ending | wrong, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "contract.bad_signature"
    response = await world.client.post(f"{base}/termination", json=ending | right, headers=headers)
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended["status"] == "terminated"
    [event] = ended["events"]
    assert (event["kind"], event["by"], event["doc_hash"]) == ("terminated", by, preview["doc_hash"]) and event["hr_record"]
    response = await world.client.post(f"{base}/termination", json=ending | right, headers=headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "contract.bad_state"
    kinds = {r.kind: r for r in await world.hr_records(holder)}
    assert set(kinds) == {"labour_contract", "contract_termination"}
    assert (
        kinds["contract_termination"].data["by"] == by and kinds["contract_termination"].effective_on.isoformat() == "2031-06-30"
    )
    check = (await world.client.get(f"/api/v1/me/contracts/{contract['id']}/verification", headers=holder.headers)).json()
    assert check["valid"] is True and [(e["kind"], e["valid"]) for e in check["events"]] == [("terminated", True)]
    assert [n["params"]["by"] for n in await notices(world, holder, "contract.terminated")] == [by]


async def test_an_employer_sees_only_its_own_contracts(world: Contracts):
    firm = await world.firm()
    other = await world.firm()
    holder = await world.holder(name="张三丰")
    contract = await world.draft(firm, holder)
    for method, path in (
        ("get", f"/api/v1/employer/contracts/{contract['id']}"),
        ("get", f"/api/v1/employer/contracts/{contract['id']}/verification"),
        ("get", f"/api/v1/employer/contracts/{contract['id']}/evidence"),
        ("post", f"/api/v1/employer/contracts/{contract['id']}/withdraw"),
    ):
        response = await getattr(world.client, method)(path, headers=other.headers)
        assert response.status_code == 404 and response.json()["error"]["code"] == "contract.not_found", path
    assert (await world.employer_sign(other, contract)).status_code == 404
    listed = (await world.client.get("/api/v1/employer/contracts", headers=firm.headers)).json()
    assert [(c["id"], c["employee_name"]) for c in listed["items"]] == [(contract["id"], "张**")] and listed["total"] == 1
    assert (await world.client.get("/api/v1/employer/contracts", headers=other.headers)).json() == {"items": [], "total": 0}
    filtered = await world.client.get("/api/v1/employer/contracts", params={"status": "signed"}, headers=firm.headers)
    assert filtered.json()["items"] == []
    assert (await world.client.get("/api/v1/employer/contracts", headers=holder.headers)).status_code == 403


async def test_a_suspended_employer_reads_but_does_not_act(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    contract = await world.draft(firm, holder)
    operator = await world.operator()
    assert (await world.client.post(f"/api/v1/employers/{firm.id}/suspend", headers=operator)).status_code == 200
    response = await world.employer_sign(firm, contract)
    assert response.status_code == 403 and response.json()["error"]["code"] == "employer.suspended"
    body = {
        "employee": {"doc_type": holder.doc_type, "id_number": holder.id_number, "name": holder.name},
        "terms": contract["terms"],
    }
    response = await world.client.post("/api/v1/employer/contracts", json=body, headers=firm.headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "employer.suspended"
    assert (await world.client.get(f"/api/v1/employer/contracts/{contract['id']}", headers=firm.headers)).status_code == 200
    assert (await world.client.post(f"/api/v1/employers/{firm.id}/reinstate", headers=operator)).status_code == 200
    assert (await world.employer_sign(firm, contract)).status_code == 200


async def test_drafts_name_a_real_person_on_lawful_terms_once_per_reference(world: Contracts):
    firm = await world.firm()
    holder = await world.holder(name="赵六")
    person = {"doc_type": holder.doc_type, "id_number": holder.id_number, "name": "钱七"}
    response = await world.client.post(
        "/api/v1/employer/contracts", json={"employee": person, "terms": terms()}, headers=firm.headers
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "contract.person_not_found"
    person["name"] = holder.name
    start = dt.date.fromisoformat(terms()["start_on"])
    for bad, field in (
        (terms(end_on=None), "end_on"),  # a fixed term without its end
        (terms(term_kind="open_ended"), "end_on"),  # an open-ended one with one
        (terms(end_on=start.isoformat()), "end_on"),
        (terms(end_on=(start + dt.timedelta(days=200)).isoformat()), "probation_months"),  # under a year: one month at most
        (terms(term_kind="task", end_on=None, probation_months=1), "probation_months"),  # a task: none
        # At the calendar's end (the probation rule counts months past year 9999): refused, never a 500.
        (terms(start_on="9999-11-01", end_on="9999-12-31", probation_months=6), "probation_months"),
    ):
        response = await world.client.post(
            "/api/v1/employer/contracts", json={"employee": person, "terms": bad}, headers=firm.headers
        )
        assert response.status_code == 422, response.text
        assert (response.json()["error"]["code"], response.json()["error"]["details"]) == ("contract.bad_terms", {"field": field})
    # Three years or more, or open-ended: up to six months.
    for fine in (terms(probation_months=6), terms(term_kind="open_ended", end_on=None, probation_months=6)):
        response = await world.client.post(
            "/api/v1/employer/contracts", json={"employee": person, "terms": fine}, headers=firm.headers
        )
        assert response.status_code == 201, response.text

    body = {"employee": person, "terms": terms(), "external_ref": "HR-2026-0042"}
    first = await world.client.post("/api/v1/employer/contracts", json=body, headers=firm.headers)
    assert first.status_code == 201
    replay = await world.client.post("/api/v1/employer/contracts", json=body, headers=firm.headers)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"] and replay.json()["replayed"] is True
    body["terms"] = terms(position="产品经理")
    clash = await world.client.post("/api/v1/employer/contracts", json=body, headers=firm.headers)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "contract.external_ref_conflict"


async def test_the_contract_records_show_in_the_holders_hr_file(world: Contracts):
    firm = await world.firm()
    holder = await world.holder()
    phone = await world.phone(holder)
    contract = await world.signed(firm, holder, phone)
    ending = {"terminated_on": "2030-09-30", "reason": "劳动合同期满前协商一致解除"}
    base = f"/api/v1/employer/contracts/{contract['id']}"
    preview = (await world.client.post(f"{base}/termination/preview", json=ending, headers=firm.headers)).json()
    body = ending | {"key_id": firm.key.key_id, "signature": firm.key.sign(preview["signing_input"])}
    assert (await world.client.post(f"{base}/termination", json=body, headers=firm.headers)).status_code == 200
    page = await world.client.get("/api/v1/me/hrfile", headers=holder.headers)
    assert page.status_code == 200, page.text
    shown = {r["kind"]: r for r in page.json()["items"]}
    assert set(shown) == {"labour_contract", "contract_termination"}
    signed = shown["labour_contract"]
    assert signed["data"]["contract_id"] == contract["id"] and signed["data"]["doc_hash"] == contract["doc_hash"]
    assert signed["source"]["kind"] == "employer" and signed["source"]["name"] == firm.name and signed["legal_basis"]
    ended = shown["contract_termination"]
    assert (ended["data"]["by"], ended["effective_on"], ended["source"]["name"]) == ("employer", "2030-09-30", firm.name)
