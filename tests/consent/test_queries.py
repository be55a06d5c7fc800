"""Agency queries: refused without a basis (and recorded), limited to scope, consent changes at once, presented codes."""

import base64
import datetime as dt

import pytest

from backend.lib import ed25519
from backend.lib.canonical import canonical_json
from tests.certificates.helpers import LICENCE, TRAFFIC

pytestmark = pytest.mark.anyio
STATUTE = "《中华人民共和国道路交通安全法》第十九条"


def subject(holder) -> dict:
    return {"doc_type": holder.doc_type, "id_number": holder.id_number}


def licence(*fields) -> list[dict]:
    return [{"type": "driving_licence", "fields": list(fields)}]


async def test_query_without_a_basis_is_refused_and_still_recorded(world):
    _, hrss = await world.new_agency("hrss")
    holder = await world.holder()
    response = await world.query(hrss, subject=subject(holder), card_status=True)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "query.no_basis"
    record = (await world.records(holder))[0]
    assert record["action"] == "agency.query" and record["actor_kind"] == "agency"
    assert (record["result"], record["result_code"], record["basis_kind"]) == ("refused", "query.no_basis", "none")
    assert record["fields"] == ["card.status"] and record["actor_name"] == "Test hrss agency"


async def test_statutory_scope(world):
    police = await world.seeded(TRAFFIC)
    _, hrss = await world.new_agency("hrss")
    holder = await world.holder()
    await world.issue(police, holder, "driving_licence", LICENCE)

    response = await world.query(
        police, subject=subject(holder), legal_basis=STATUTE, card_status=True, certificates=licence("points", "licence_class")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["basis"] == "statute" and body["card"]["state"] == "active" and body["card"]["usable"] is True
    assert body["certificates"][0]["fields"] == {"licence_class": "C1", "points": 0}
    assert body["certificates"][0]["status"] == "active"

    # HR & social security has no statutory reach into driving licences.
    response = await world.query(hrss, subject=subject(holder), legal_basis=STATUTE, certificates=licence("points"))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "query.out_of_scope"
    assert set(error["details"]["fields"]) == {"certificate.driving_licence.status", "certificate.driving_licence.points"}
    response = await world.query(
        hrss,
        subject=subject(holder),
        legal_basis=STATUTE,
        card_status=True,
        certificates=[{"type": "elderly_preferential", "fields": ["age_band"]}],
    )
    assert response.status_code == 200 and response.json()["not_held"] == ["elderly_preferential"]
    results = [(r["result"], r["result_code"]) for r in (await world.records(holder))[:3]]
    assert results == [("ok", ""), ("refused", "query.out_of_scope"), ("ok", "")]


async def test_consent_scope_expiry_and_revocation_take_effect_at_once(world):
    police = await world.seeded(TRAFFIC)
    hrss_id, hrss = await world.new_agency("hrss")
    holder = await world.holder()
    await world.issue(police, holder, "driving_licence", LICENCE)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    grant = {
        "agency_id": str(hrss_id),
        "purpose": "Employment subsidy: confirm a driving licence",
        "card_status": True,
        "certificates": licence("licence_class"),
        "valid_until": until,
    }
    response = await world.client.post("/api/v1/me/consents", json=grant, headers=holder.headers)
    assert response.status_code == 201, response.text
    consent = response.json()
    assert consent["status"] == "active" and consent["scope"] == {
        "card_status": True,
        "certificates": {"driving_licence": ["licence_class"]},
    }

    def ask(*fields, consent_id=consent["id"]):
        return world.query(hrss, subject=subject(holder), consent_id=consent_id, card_status=True, certificates=licence(*fields))

    response = await ask("licence_class")
    assert response.status_code == 200, response.text
    assert response.json()["certificates"][0]["fields"] == {"licence_class": "C1"}
    response = await ask("licence_class", "points")
    assert response.status_code == 403 and response.json()["error"]["details"]["fields"] == ["certificate.driving_licence.points"]
    # The consent is for hrss and this holder only.
    other = await world.holder()
    response = await world.query(hrss, subject=subject(other), consent_id=consent["id"], card_status=True)
    assert response.json()["error"]["code"] == "query.consent_invalid"
    response = await world.query(police, subject=subject(holder), consent_id=consent["id"], card_status=True)
    assert response.json()["error"]["code"] == "query.consent_invalid"

    # The receipt is a signed JSON file.
    response = await world.client.get(f"/api/v1/me/consents/{consent['id']}/receipt", headers=holder.headers)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    receipt = response.json()
    signature = receipt.pop("signature")
    jwks = {k["kid"]: k for k in (await world.client.get("/.well-known/jwks.json")).json()["keys"]}
    public = base64.urlsafe_b64decode(jwks[signature["key_id"]]["x"] + "==")
    value = base64.urlsafe_b64decode(signature["value"] + "==")
    assert ed25519.verify(public, b"yikatong-consent-receipt-v1\n" + canonical_json(receipt), value)
    assert receipt["purpose"] == grant["purpose"] and receipt["agency"]["id"] == str(hrss_id) and receipt["revoked_at"] is None

    response = await world.client.post(f"/api/v1/me/consents/{consent['id']}/revoke", headers=holder.headers)
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    response = await ask("licence_class")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "query.consent_inactive"
    assert response.json()["error"]["details"]["consent_status"] == "revoked"

    # Expiry: a second consent whose end has just passed is refused on the next query.
    response = await world.client.post("/api/v1/me/consents", json=grant, headers=holder.headers)
    second = response.json()["id"]
    assert (await ask("licence_class", consent_id=second)).status_code == 200
    from backend.consent.tables import Consent

    passed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await world.call(Consent.update({Consent.valid_until: passed}).where(Consent.id == second).run)
    response = await ask("licence_class", consent_id=second)
    assert response.status_code == 403 and response.json()["error"]["details"]["consent_status"] == "expired"
    listed = {c["id"]: c["status"] for c in (await world.client.get("/api/v1/me/consents", headers=holder.headers)).json()}
    assert listed == {consent["id"]: "revoked", second: "expired"}
    results = [r["result_code"] for r in (await world.records(holder)) if r["action"] == "agency.query"]
    assert results.count("query.consent_inactive") == 2


async def test_presented_code_lets_an_agency_check_the_shown_certificate_once(world):
    police = await world.seeded(TRAFFIC)
    _, hrss = await world.new_agency("hrss")
    holder = await world.holder()
    cert = await world.issue(police, holder, "driving_licence", LICENCE)
    code = (await world.client.post(f"/api/v1/me/certificates/{cert['id']}/code", headers=holder.headers)).json()["code"]

    response = await world.query(hrss, code=code, card_status=True, certificates=licence("points"))
    assert response.json()["error"]["code"] == "query.out_of_scope"  # refused, and the code is not used up
    response = await world.query(hrss, code=code, card_status=True, certificates=licence("licence_class"))
    assert response.status_code == 200, response.text
    assert response.json()["basis"] == "presented_code"
    assert response.json()["certificates"][0]["fields"] == {"licence_class": "C1"}
    response = await world.query(hrss, code=code, card_status=True)
    assert response.json()["error"]["code"] == "query.code_used"
    # A plain code shows the card's status only.
    response = await world.query(hrss, code=world.online_code(holder), certificates=licence("licence_class"))
    assert response.json()["error"]["code"] == "query.out_of_scope"
    kinds = {r["basis_kind"] for r in await world.records(holder) if r["action"] == "agency.query"}
    assert kinds == {"presented_code"}


async def test_malformed_queries_and_consents(world):
    hrss_id, hrss = await world.new_agency("hrss")
    holder = await world.holder()
    cases = [
        ({"card_status": True}, 422, "query.subject_required"),
        ({"subject": subject(holder), "code": "YKO1:AAAA", "card_status": True}, 422, "query.subject_required"),
        (
            {
                "subject": subject(holder),
                "legal_basis": STATUTE,
                "consent_id": "00000000-0000-4000-8000-000000000000",
                "card_status": True,
            },
            422,
            "query.ambiguous_basis",
        ),
        ({"subject": subject(holder), "legal_basis": STATUTE}, 422, "query.empty"),
        (
            {"subject": subject(holder), "legal_basis": STATUTE, "certificates": [{"type": "passport"}]},
            422,
            "certificate.unknown_type",
        ),
        ({"subject": subject(holder), "legal_basis": STATUTE, "certificates": licence("colour")}, 422, "query.unknown_field"),
        ({"subject": subject(holder), "legal_basis": STATUTE, "card_status": True, "name": "张三"}, 400, "request.unknown_field"),
        ({"code": "not a code", "card_status": True}, 422, "query.bad_code"),
    ]
    for body, status, code in cases:
        response = await world.query(hrss, **body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    from tests.accounts.helpers import new_id_number

    response = await world.query(
        hrss, subject={"doc_type": "resident_id", "id_number": new_id_number()}, legal_basis=STATUTE, card_status=True
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "query.subject_unknown"
    assert (await world.query(holder.headers, subject=subject(holder), legal_basis=STATUTE, card_status=True)).status_code == 403

    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    good = {"agency_id": str(hrss_id), "purpose": "Subsidy check", "card_status": True, "valid_until": until}
    bad = [
        ({**good, "card_status": False}, 422, "consent.empty_scope"),
        ({**good, "valid_until": "2001-01-01T00:00:00Z"}, 422, "consent.bad_validity"),
        ({**good, "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).isoformat()}, 422, "consent.too_long"),
        ({**good, "agency_id": "00000000-0000-4000-8000-000000000000"}, 422, "consent.unknown_agency"),
        ({**good, "certificates": licence("colour")}, 422, "consent.unknown_field"),
        ({**good, "valid_until": "2030-01-01T00:00:00"}, 400, "request.invalid"),  # no time zone
    ]
    for body, status, code in bad:
        response = await world.client.post("/api/v1/me/consents", json=body, headers=holder.headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    other = await world.holder()
    consent = (await world.client.post("/api/v1/me/consents", json=good, headers=holder.headers)).json()
    assert (await world.client.get(f"/api/v1/me/consents/{consent['id']}/receipt", headers=other.headers)).status_code == 404
    assert (await world.client.post(f"/api/v1/me/consents/{consent['id']}/revoke", headers=other.headers)).status_code == 404
    listed = (await world.client.get("/api/v1/agency/consents", headers=hrss)).json()
    assert [c["id"] for c in listed] == [consent["id"]]
    agencies = (await world.client.get("/api/v1/agencies")).json()
    assert str(hrss_id) in {a["id"] for a in agencies}
