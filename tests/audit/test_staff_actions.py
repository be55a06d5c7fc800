"""Art. 21: every staff action on a card or a person is on the holder's access record (not only
look-ups), searchable by staff member and office, and each entry can be proved in the anchored chain."""

import datetime as dt
import secrets

import pytest

from backend.audit import anchors
from tests.audit.helpers import search, staff_member

pytestmark = pytest.mark.anyio


async def _act(world, headers, card_id, action: str, reason: str = "") -> None:
    response = await world.client.post(
        f"/api/v1/staff/cards/{card_id}/actions/{action}", json={"reason": reason} if reason else {}, headers=headers
    )
    assert response.status_code == 200, response.text


async def test_a_clerks_card_actions_are_on_the_record_and_proved(world):
    holder = await world.holder()
    clerk_id, clerk = await staff_member(world, "counter_operator", "Clerk Actions")
    supervisor_id, supervisor = await staff_member(world, "supervisor", "Supervisor Actions")
    await _act(world, clerk, holder.card_id, "report-loss", "Holder reported the card lost at the counter")
    await _act(world, clerk, holder.card_id, "lift-loss", "Card found again")
    await _act(world, supervisor, holder.card_id, "lock", "Card held for an enforcement check")
    # The holder's own act is not "by anyone but the holder": no entry for it.
    other = await world.holder()
    await world.card_action(other, "report-temp-loss")

    operator = await world.operator()
    mine = await search(world, operator, actor_id=clerk_id)
    assert [e["action"] for e in mine] == ["card.lift_loss", "card.report_loss"]
    entry = mine[1]
    assert entry["person"] == str(holder.person_id) and entry["actor_kind"] == "staff"
    assert entry["actor_name"] == "Clerk Actions" and entry["actor_org"] == str(await world.office())
    assert entry["basis_kind"] == "official_duty" and entry["purpose"] == "Holder reported the card lost at the counter"
    assert len(entry["hash"]) == 64 and entry["seq"] >= 1
    by_office = await search(world, operator, actor_org=str(await world.office()), action="card.lock")
    assert any(e["actor_id"] == supervisor_id for e in by_office)
    # The holder sees both on their own record.
    seen = {r["action"] for r in await world.records(holder)}
    assert {"card.report_loss", "card.lock"} <= seen
    own = await world.client.get("/api/v1/audit/access-records", params={"person_id": str(other.person_id)}, headers=operator)
    assert not [e for e in own.json()["items"] if e["action"].startswith("card.")]

    # A supervisor of the city searches for their clerk; not across the province.
    assert [e["id"] for e in await search(world, supervisor, actor_id=clerk_id)] == [e["id"] for e in mine]
    refused = await world.client.post("/api/v1/audit/access-records/search", json={"action": "card.lock"}, headers=supervisor)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "audit.not_your_city"
    clerk_refused = await world.client.post("/api/v1/audit/access-records/search", json={"actor_id": clerk_id}, headers=clerk)
    assert clerk_refused.status_code == 403

    # The proof: not anchored yet, then verified up to the anchor that holds it.
    proof = (await world.client.get(f"/api/v1/audit/entries/{entry['id']}/proof", headers=supervisor)).json()
    if proof["anchor"] is None:
        assert not proof["verified"] and proof["reason"] == "not_anchored_yet" and proof["hash_ok"]
    made = await world.call(anchors.anchor_now, world.keyring, now=dt.datetime.now(dt.UTC), region="440000")
    proof = (await world.client.get(f"/api/v1/audit/entries/{entry['id']}/proof", headers=supervisor)).json()
    assert proof["verified"] and proof["hash_ok"] and proof["reason"] == "", proof
    assert proof["anchor"]["seq"] >= entry["seq"] and proof["links"] == proof["anchor"]["seq"] - entry["seq"]
    assert made is None or proof["anchor"]["number"] <= made.number
    assert proof["entry"]["id"] == entry["id"] and "verified in the chain up to anchor" in proof["message"].lower()
    missing = await world.client.get(f"/api/v1/audit/entries/{holder.person_id}/proof", headers=operator)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "audit.entry_not_found"
    assert (await world.client.get(f"/api/v1/audit/entries/{entry['id']}/proof", headers=clerk)).status_code == 403


async def test_application_reviews_are_on_the_applicants_record(world):
    from backend.identity.documents import make_resident_id

    _, clerk = await staff_member(world, "counter_operator", "Clerk Applications")
    reviewer_id, reviewer = await staff_member(world, "supervisor", "Reviewer")
    await world.office()

    async def apply() -> dict:
        number = make_resident_id("440106", dt.date(1980 + secrets.randbelow(20), 3, 3), 1 + secrets.randbelow(998))
        body = {"doc_type": "resident_id", "id_number": number, "name": "李四", "bank_code": "ICBC"}
        response = await world.client.post("/api/v1/staff/applications", json=body, headers=clerk)
        assert response.status_code == 201, response.text
        return response.json()

    approved, rejected = await apply(), await apply()
    response = await world.client.post(f"/api/v1/staff/applications/{approved['id']}/approve", json={}, headers=reviewer)
    assert response.status_code == 200, response.text
    response = await world.client.post(
        f"/api/v1/staff/applications/{rejected['id']}/reject", json={"reason": "Photo does not match"}, headers=reviewer
    )
    assert response.status_code == 200, response.text

    entries = await search(world, await world.operator(), actor_id=reviewer_id)
    actions = sorted(e["action"] for e in entries)
    assert actions == ["application.approve", "application.reject", "card.issue"], actions
    reject = next(e for e in entries if e["action"] == "application.reject")
    assert reject["purpose"] == "Photo does not match" and reject["basis_ref"] == f"application {rejected['id']}"
    assert len({e["person"] for e in entries if e["action"] != "application.reject"}) == 1
    assert reject["person"] not in {e["person"] for e in entries if e is not reject}


async def test_staff_can_do_nothing_but_enrol_without_a_second_factor(world):
    """Mandatory second factor (Art. 21; backend/accounts/enrolment.py): a staff member signed in
    with the password alone may enrol TOTP or sign out, nothing else. Passkeys are for citizens only
    (their routes are citizen_only), so no staff member can hold a passkey instead of TOTP."""
    import secrets

    from backend.accounts.services import create_staff
    from tests.accounts.helpers import enrol_staff_totp
    from tests.venues.helpers import PASSWORD

    username = f"au-{secrets.token_hex(5)}"
    await world.call(
        create_staff,
        username=username,
        name="New Supervisor",
        role="supervisor",
        office_id=await world.office(),
        password=PASSWORD,
    )
    signed = await world.client.post("/api/v1/auth/staff/login", json={"username": username, "password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["second_factor_enrolment_required"] is True
    token = signed.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    holder = await world.holder()
    attempts = [
        ("POST", f"/api/v1/staff/cards/{holder.card_id}/actions/lock", {}),
        ("POST", "/api/v1/staff/cards/lookup", {"doc_type": holder.doc_type, "id_number": holder.id_number}),
        ("POST", "/api/v1/audit/access-records/search", {"limit": 1}),
        ("GET", "/api/v1/audit/staff-report?since=2025-03-08T00:00:00%2B08:00&until=2025-03-09T00:00:00%2B08:00", None),
        ("GET", "/api/v1/staff", None),
        ("POST", "/api/v1/me/passkeys/options", {}),
    ]
    for method, path, body in attempts:
        response = await world.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "auth.second_factor_enrolment_required", path
    await enrol_staff_totp(world.client, token)
    # The same session is a full one now; passkeys stay the citizens'.
    assert (await world.client.get("/api/v1/staff", headers=headers)).status_code == 200
    passkey = await world.client.post("/api/v1/me/passkeys/options", json={}, headers=headers)
    assert passkey.status_code == 403 and passkey.json()["error"]["code"] == "auth.wrong_role"
