"""Switching the e-card off: no codes, phones unbound and revoked, on the history and in the inbox."""

from __future__ import annotations

import base64

import pytest

from backend.cards import services
from backend.lib import ed25519
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio


async def test_switch_off_and_on_again(client):
    holder = await h.holder_with_card(client)
    key = base64.urlsafe_b64encode(ed25519.generate()[1]).rstrip(b"=").decode()
    bound = await client.post("/api/v1/me/devices", headers=holder["headers"], json={"label": "phone", "public_key": key})
    assert bound.status_code == 201, bound.text
    key_id = bound.json()["key_id"]
    assert (await client.post("/api/v1/me/codes/online", headers=holder["headers"])).status_code == 200

    off = await client.post("/api/v1/me/card/ecard/deactivate", headers=holder["headers"], json={"channel": "web"})
    assert off.status_code == 200, off.text
    assert off.json()["ecard"] | {"issued_at": None} == {
        "level": 0,
        "issued_at": None,
        "transport_enabled": False,
        "usable": False,
        "assurance": 0,
        "proofing": "",
    }
    assert off.json()["state"] == "active"  # the physical card is untouched
    refused = await client.post("/api/v1/me/codes/online", headers=holder["headers"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "card.not_usable"
    assert (await client.get("/api/v1/me/devices", headers=holder["headers"])).json() == []
    assert await h.in_app(client, services.device_revoked, key_id)  # offline scanners learn it too
    again = await client.post("/api/v1/me/card/ecard/deactivate", headers=holder["headers"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "ecard.not_issued"

    events = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()
    actions = [e["action"] for e in (events["items"] if isinstance(events, dict) else events)]
    assert actions[0] == "ecard_deactivate"
    inbox = (await client.get("/api/v1/me/inbox", headers=holder["headers"])).json()
    assert "ecard.deactivated" in [n["event"] for n in inbox["items"]]

    # On again with the account's own proof (a counter, from the test set-up): the level comes back.
    on = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={})
    assert on.status_code == 200, on.text
    assert on.json()["ecard"]["usable"] and on.json()["ecard"]["assurance"] == 3 and on.json()["ecard"]["proofing"] == "counter"
    inbox = (await client.get("/api/v1/me/inbox", headers=holder["headers"])).json()
    assert [n["event"] for n in inbox["items"]][:2] == ["ecard.activated", "ecard.deactivated"]


async def test_only_a_proven_holder_with_an_ecard(client):
    stranger = await client.post("/api/v1/me/card/ecard/deactivate")
    assert stranger.status_code == 401
    holder = await h.citizen(client)
    none = await client.post("/api/v1/me/card/ecard/deactivate", headers=holder["headers"])
    assert none.status_code == 404 and none.json()["error"]["code"] == "card.not_found"


async def test_a_weaker_account_proof_never_lowers_the_ecards(client):
    """The card was issued over a counter (level 3); the account was proven through the bank
    (level 2) later: changing the e-card's level keeps the counter's proof."""
    from tests.accounts.helpers import prove

    holder = await h.holder_with_card(client)
    me = (await client.get("/api/v1/me", headers=holder["headers"])).json()
    await prove(client, me["id"], "bank")
    paid = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={"payment": True})
    assert paid.status_code == 200, paid.text
    assert paid.json()["ecard"]["level"] == 2
    assert (paid.json()["ecard"]["assurance"], paid.json()["ecard"]["proofing"]) == (3, "counter")
