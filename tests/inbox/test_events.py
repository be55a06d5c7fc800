"""A notice for each event wired so far, made through the real routes: the holder's own card
actions, a counter's, the system's lapse; a new device and sign-in; an agency's certificate and
query, on a statute or on the holder's consent."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest

from backend.cards import states, transitions
from backend.cards.access import Actor
from backend.lib import ed25519
from tests.certificates.helpers import LICENCE, TRAFFIC, Agencies
from tests.inbox import helpers as h
from tests.venues.helpers import Holder

pytestmark = pytest.mark.anyio
STATUTE = "《中华人民共和国道路交通安全法》第十九条"


def _newest(page: dict, event: str) -> dict:
    return next(n for n in page["items"] if n["event"] == event)


async def _act(client, who: dict, action: str):
    response = await client.post(f"/api/v1/me/card/actions/{action}", headers=who["headers"], json={})
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_holders_own_card_actions(client):
    holder = await h.holder_with_card(client)
    await _act(client, holder, "report-temp-loss")
    await _act(client, holder, "report-loss")
    await _act(client, holder, "lift-loss")
    await _act(client, holder, "request-replacement")
    page = await h.inbox(client, holder)
    card_notices = [(n["event"], n["params"]) for n in page["items"] if n["event"].startswith("card.")]
    assert card_notices == [
        ("card.replaced", {"by": "citizen"}),
        ("card.loss_lifted", {"kind": "lifted", "by": "citizen"}),
        ("card.loss_reported", {"kind": "formal", "by": "citizen"}),
        ("card.loss_reported", {"kind": "temporary", "by": "citizen"}),
    ]
    assert page["unread"] == page["total"]


async def test_a_counter_acting_on_the_card_tells_the_holder(client):
    from tests.accounts import helpers as accounts

    holder = await h.holder_with_card(client)
    clerk = await accounts.staff(client, "counter_operator")
    url = f"/api/v1/staff/cards/{holder['card_id']}/actions"
    for action in ("report-loss", "lift-loss", "cancel"):
        response = await client.post(f"{url}/{action}", headers=h.bearer(clerk["token"]), json={"reason": "at the counter"})
        assert response.status_code == 200, response.text
    page = await h.inbox(client, holder)
    assert [(n["event"], n["params"].get("by")) for n in page["items"] if n["event"].startswith("card.")] == [
        ("card.cancelled", "staff"),
        ("card.loss_lifted", "staff"),
        ("card.loss_reported", "staff"),
    ]
    # Staff sign in with no inbox: their session is no holder's news.
    assert all(n["event"] != "account.session_created" or n["params"]["device"] != "staff" for n in page["items"])


async def test_a_temporary_report_that_runs_out_tells_the_holder(client):
    holder = await h.holder_with_card(client)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    actor = Actor(kind="citizen", id=holder["account_id"], channel="mobile")
    await h.in_app(client, transitions.perform, states.REPORT_TEMP_LOSS, actor, card_id=holder["card_id"], now=long_ago)
    assert await h.in_app(client, transitions.settle, uuid.UUID(holder["card_id"])) is True
    lapsed = _newest(await h.inbox(client, holder), "card.loss_lifted")
    assert lapsed["params"] == {"kind": "lapsed", "by": "system"}


async def test_a_new_device_and_a_new_sign_in(client):
    holder = await h.holder_with_card(client)
    signed_in = _newest(await h.inbox(client, holder), "account.session_created")
    assert signed_in["params"]["device"]
    _, public = ed25519.generate()
    key = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    response = await client.post("/api/v1/me/devices", json={"label": "my phone", "public_key": key}, headers=holder["headers"])
    assert response.status_code == 201, response.text
    added = _newest(await h.inbox(client, holder), "account.device_added")
    assert added["params"] == {"label": "my phone", "by": "citizen"}

    again = await client.post(
        "/api/v1/auth/login", json={"doc_type": "resident_id", "id_number": holder["id_number"], "password": h.PASSWORD}
    )
    assert again.status_code == 200
    events = await h.events(client, holder)
    assert events.count("account.session_created") == 2


async def _world_holder(client) -> tuple[Agencies, Holder, dict]:
    world = Agencies(client)
    who = await h.holder_with_card(client)
    holder = Holder(
        uuid.UUID(who["person_id"]), uuid.UUID(who["card_id"]), "", "resident_id", who["id_number"], "张三", who["headers"]
    )
    return world, holder, who


async def test_a_certificate_issued_and_revoked(client):
    world, holder, who = await _world_holder(client)
    police = await world.seeded(TRAFFIC)
    certificate = await world.issue(police, holder, "driving_licence", LICENCE)
    issued = _newest(await h.inbox(client, who), "certificate.issued")
    assert issued["params"]["type"] == "driving_licence" and issued["params"]["name"]
    url = f"/api/v1/agency/certificates/{certificate['id']}/actions"
    assert (await client.post(f"{url}/suspend", json={"reason": "check"}, headers=police)).status_code == 200
    assert "certificate.revoked" not in await h.events(client, who)  # a suspension is not a revocation
    assert (await client.post(f"{url}/revoke", json={"reason": "withdrawn"}, headers=police)).status_code == 200
    revoked = _newest(await h.inbox(client, who), "certificate.revoked")
    assert revoked["params"]["type"] == "driving_licence"


async def test_an_agency_query_and_a_consent_used(client):
    world, holder, who = await _world_holder(client)
    police = await world.seeded(TRAFFIC)
    await world.issue(police, holder, "driving_licence", LICENCE)
    subject = {"doc_type": "resident_id", "id_number": who["id_number"]}
    response = await world.query(police, subject=subject, legal_basis=STATUTE, card_status=True)
    assert response.status_code == 200, response.text
    queried = _newest(await h.inbox(client, who), "data.agency_query")
    assert queried["params"]["basis"] == "statute" and queried["params"]["agency"]
    assert who["id_number"] not in str(queried["params"])

    hrss_id, hrss = await world.new_agency("hrss")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    grant = {"agency_id": str(hrss_id), "purpose": "Employment subsidy", "card_status": True, "valid_until": until}
    made = await client.post("/api/v1/me/consents", json=grant, headers=who["headers"])
    assert made.status_code == 201, made.text
    response = await world.query(hrss, subject=subject, consent_id=made.json()["id"], card_status=True)
    assert response.status_code == 200, response.text
    used = _newest(await h.inbox(client, who), "consent.used")
    assert used["params"]["consent"] == made.json()["id"] and used["params"]["agency"] == "Test hrss agency"
    # A refused query answers nothing, so it tells nothing (it is on the access record).
    refused = await world.query(hrss, subject=subject, card_status=True)
    assert refused.status_code == 403
    assert (await h.events(client, who)).count("data.agency_query") == 1
