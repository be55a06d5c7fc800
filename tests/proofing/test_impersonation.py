"""Must show (issue 14): the impersonation that was tried fails at every step.

What was tried: knowing only a person's name and identity number, register an account in their
name, activate their e-card and pass a hotel check-in as them. Here the person is real: a card
with an account at a cooperating bank and an e-card proven at a counter, but no account of their
own yet. The impostor registers (that succeeds: an account is not an identity), and then every
step fails, each refusal on the real person's record. Finally the real person takes the account
back through a password reset proven at a counter, and the impostor's sessions end.
"""

from __future__ import annotations

import secrets

import pytest

from backend.codes import format as fmt
from tests.proofing.helpers import PASSWORD, World, b64, bearer, hotel_scanner, now, reset_headers

pytestmark = pytest.mark.anyio


async def test_knowing_a_name_and_number_gets_an_impostor_nothing(client):
    world = World(client)
    bank = await world.bank()
    victim = await world.person(name="陈美玲", account=False)  # real card, bank account, proven e-card; no account
    card_before = await world.card(victim.person_id)
    assert card_before["ecard_level"] == 1 and card_before["assurance"] == 3
    await world.photo(victim, b"victim's photo of record")
    impostor_self = await world.person(name="黄大仙", card=False)  # the impostor's own identity and account
    hotel = await hotel_scanner(world)

    # 1. Register in the victim's name with the victim's number: it succeeds (no account yet).
    response = await client.post("/api/v1/accounts", json={**victim.document, "name": victim.name, "password": "impostor pass 1"})
    assert response.status_code == 201, response.text
    response = await client.post("/api/v1/auth/login", json={**victim.document, "password": "impostor pass 1"})
    assert response.status_code == 200
    impostor = bearer(response.json()["token"])

    # 2. Reading, revealing or activating the card, and minting a code, are refused.
    for method, path in (
        ("GET", "/api/v1/me/card"),
        ("POST", "/api/v1/me/card/reveal"),
        ("POST", "/api/v1/me/card/ecard"),
        ("POST", "/api/v1/me/codes/online"),
    ):
        response = await client.request(method, path, headers=impostor, **({"json": {}} if path.endswith("ecard") else {}))
        assert (response.status_code, response.json()["error"]["code"]) == (403, "identity.not_proven"), (path, response.text)

    # 3a. The counter, wallet's code: the clerk checks the document of the person in front of
    # them. The impostor has no victim's document to show, so the clerk never submits the
    # victim's; with the impostor's own document, the pairing is refused.
    clerk = await world.staff()
    code = (await client.post("/api/v1/me/proofing/counter/code", headers=impostor)).json()["code"]
    response = await client.post(
        "/api/v1/staff/proofing/counter/bind", json={"code": code, **impostor_self.document}, headers=clerk
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proofing.person_mismatch")

    # 3b. The counter, clerk's code: made for the impostor's own document, typed in the hijacked account.
    response = await client.post("/api/v1/staff/proofing/counter/codes", json=impostor_self.document, headers=clerk)
    assert response.status_code == 201
    response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": response.json()["code"]}, headers=impostor)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proofing.person_mismatch")

    # 4. The bank: the challenge goes to the real holder's bank app. They never approve...
    challenge = (await client.post("/api/v1/me/proofing/bank/challenges", headers=impostor)).json()
    poll = f"/api/v1/me/proofing/bank/challenges/{challenge['challenge_id']}"
    assert (await client.get(poll, headers=impostor)).json()["status"] == "pending"
    # ... an answer signed with any key but the bank's is refused, even from the bank's client ...
    forged = bank.sign(
        challenge["challenge_id"], victim.card_number, key=__import__("nacl.signing").signing.SigningKey.generate()
    )
    response = await client.post("/api/v1/bank/proofing/answers", json=forged, headers=bank.headers)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "proofing.bad_signature")
    # ... the impostor cannot answer for the bank ...
    genuine_looking = bank.sign(challenge["challenge_id"], victim.card_number)
    assert (await client.post("/api/v1/bank/proofing/answers", json=genuine_looking, headers=impostor)).status_code == 403
    # ... and when the real holder sees it in their bank app, they refuse.
    refused = bank.sign(challenge["challenge_id"], victim.card_number, "refused")
    response = await client.post("/api/v1/bank/proofing/answers", json=refused, headers=bank.headers)
    assert response.json()["status"] == "refused"
    assert (await client.get(poll, headers=impostor)).json()["status"] == "refused"
    # the bank's signed approval, replayed afterwards, does not revive it
    response = await client.post("/api/v1/bank/proofing/answers", json=genuine_looking, headers=bank.headers)
    assert response.json()["error"]["code"] == "proofing.challenge_used"

    # 5. The provider: the impostor's face is not the photo of record.
    session = (await client.post("/api/v1/me/proofing/provider/sessions", headers=impostor)).json()
    response = await client.post(
        f"/api/v1/me/proofing/provider/sessions/{session['session_id']}/evidence",
        json={"evidence": b64(b"the impostor's face")},
        headers=impostor,
    )
    assert (response.json()["outcome"], response.json()["reason"]) == ("refused", "proofing.face_mismatch")

    # 6. Brute force of binding codes is throttled (the account has refusals already, so it
    # locks within a few guesses), and every guess is recorded.
    statuses = []
    for _ in range(6):
        guess = "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(8))
        response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": guess}, headers=impostor)
        statuses.append(response.status_code)
    assert statuses[-1] == 429 and set(statuses) <= {404, 429}
    assert int(response.headers["retry-after"]) > 0
    # locked now, even for a code the counter really made (for the impostor's own document)
    made = (await client.post("/api/v1/staff/proofing/counter/codes", json=impostor_self.document, headers=clerk)).json()["code"]
    assert (await client.post("/api/v1/me/proofing/counter/claim", json={"code": made}, headers=impostor)).status_code == 429

    # 7. Hotel check-in: the impostor has no code to show; made-up and forged ones fail.
    assert (await client.post("/api/v1/me/codes/online", headers=impostor)).status_code == 403
    forged_code = fmt.mint_online(bytes.fromhex(card_before["ref"]), kid=1, master=secrets.token_bytes(32), now=now())
    for shown in ("YKO1:" + "A" * 40, forged_code):
        response = await client.post("/api/v1/verify", json={"code": shown, "scenario": "hotel_checkin"}, headers=hotel)
        assert response.json().get("result") != "ok", response.text

    # Nothing changed: the account is unproven, the card as it was.
    assert await world.assurance(victim.person_id) == 0
    card_after = await world.card(victim.person_id)
    assert (card_after["ecard_level"], card_after["assurance"], card_after["proofing"]) == (1, 3, "counter")
    # Every attempt is on the real person's record.
    attempts = ("proofing.counter", "proofing.bank", "proofing.provider")
    refusals = [r for r in await world.record(victim.person_id) if r["action"] in attempts]
    codes = {r["result_code"] for r in refusals}
    assert {
        "proofing.person_mismatch",
        "proofing.bad_signature",
        "proofing.bank_refused",
        "proofing.face_mismatch",
        "proofing.code_unknown",
        "proofing.throttled",
    } <= codes
    assert all(r["result"] == "refused" for r in refusals)

    # 8. The real person takes the account back: a reset, proven at a counter with their document.
    response = await client.post("/api/v1/recovery/resets", json=victim.document)
    assert response.status_code == 202, response.text
    started = response.json()
    response = await client.post(
        "/api/v1/staff/proofing/counter/bind",
        json={"code": started["counter_code"]["code"], **victim.document},
        headers=await world.staff(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["purpose"] == "reset"
    reset = f"/api/v1/recovery/resets/{started['reset_id']}"
    assert (await client.get(reset, headers=reset_headers(started))).json()["status"] == "proven"
    response = await client.post(f"{reset}/password", json={"new_password": PASSWORD}, headers=reset_headers(started))
    assert response.status_code == 200, response.text
    assert response.json()["revoked_sessions"] >= 1

    assert (await client.get("/api/v1/me", headers=impostor)).status_code == 401  # the impostor is out
    response = await client.post("/api/v1/auth/login", json={**victim.document, "password": "impostor pass 1"})
    assert response.status_code == 401
    owner = await world.login(victim)
    assert await world.assurance(victim.person_id) == 3
    assert (await client.get("/api/v1/me/card", headers=owner)).status_code == 200
    assert (await client.post("/api/v1/me/codes/online", headers=owner)).status_code == 200


# The /me routes an account not yet proven may use: its own account, sign-in and security, and
# the ways in (proofing, applying for a card). Every other /me route is the person's.
UNPROVEN_MAY = (
    "/api/v1/me/sessions",
    "/api/v1/me/password",
    "/api/v1/me/totp",
    "/api/v1/me/passkeys",
    "/api/v1/me/step-up",
    "/api/v1/me/recovery-codes",
    "/api/v1/me/proofing",
    "/api/v1/me/card/applications",
)


def _allowed(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in UNPROVEN_MAY)


async def test_every_route_of_the_persons_data_refuses_an_unproven_account(client):
    """Not only the routes the impostor tried: each /me route in the OpenAPI document that is not
    the account's own is refused with identity.not_proven (or for family, a proof it needs)."""
    import uuid

    world = World(client)
    victim = await world.person(name="周芷若", account=False)
    response = await client.post("/api/v1/accounts", json={**victim.document, "name": victim.name, "password": "impostor pass 1"})
    assert response.status_code == 201, response.text
    login = await client.post("/api/v1/auth/login", json={**victim.document, "password": "impostor pass 1"})
    impostor = bearer(login.json()["token"])
    document = (await client.get("/schema/openapi.json")).json()
    checked = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/me/") or _allowed(path):
            continue
        concrete = path
        for name in ("id", "device_id", "consent_id", "certificate_id", "notice_id", "ticket_id", "relation_id", "action"):
            concrete = concrete.replace("{" + name + "}", "report-loss" if name == "action" else str(uuid.uuid4()))
        concrete = __import__("re").sub(r"\{[a-z_]+\}", str(uuid.uuid4()), concrete)
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            answer = await client.request(
                method.upper(), concrete, headers=impostor, json={} if method != "get" and method != "delete" else None
            )
            checked.append(path)
            assert answer.status_code == 403, (method, path, answer.status_code, answer.text)
            assert answer.json()["error"]["code"] in ("identity.not_proven", "family.not_proven"), (method, path, answer.text)
    assert len(set(checked)) >= 20  # the card, codes, records, certificates, consents, inbox, family...
