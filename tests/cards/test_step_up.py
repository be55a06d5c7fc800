"""The card actions a thief with an unlocked phone must not take need a fresh factor (step-up):
lifting a loss report, revealing the full numbers, changing bank and binding a device. A session
without one is refused with 403 `auth.step_up_required`; after POST /api/v1/me/step-up they go through."""

from __future__ import annotations

import base64

import pytest

from backend.lib import ed25519
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio


def _refused(response) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == "auth.step_up_required"


async def test_lifting_a_loss_report_needs_a_fresh_factor(client):
    holder = await h.holder_with_card(client)
    reported = await client.post("/api/v1/me/card/actions/report-loss", headers=holder["headers"])
    assert reported.status_code == 200, reported.text  # reporting a loss never needs one
    await h.forget_step_up(client, holder)
    lift = "/api/v1/me/card/actions/lift-loss"
    assert _refused(await client.post(lift, headers=holder["headers"]))
    card = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert card["state"] == "lost"  # still reported
    await h.step_up(client, holder)
    lifted = await client.post(lift, headers=holder["headers"])
    assert lifted.status_code == 200 and lifted.json()["card"]["state"] == "active"


async def test_reveal_bank_and_device_need_a_fresh_factor(client):
    holder = await h.holder_with_card(client)
    second = await h.in_app(client, h.bank)
    key = base64.urlsafe_b64encode(ed25519.generate()[1]).rstrip(b"=").decode()
    await h.forget_step_up(client, holder)
    assert _refused(await client.post("/api/v1/me/card/reveal", headers=holder["headers"]))
    assert _refused(await client.post("/api/v1/me/card/bank", headers=holder["headers"], json={"bank_code": second}))
    device = {"label": "phone", "public_key": key}
    assert _refused(await client.post("/api/v1/me/devices", headers=holder["headers"], json=device))
    assert (await client.get("/api/v1/me/devices", headers=holder["headers"])).json() == []

    await h.step_up(client, holder)
    assert (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).status_code == 200
    assert (await client.post("/api/v1/me/card/bank", headers=holder["headers"], json={"bank_code": second})).status_code == 200
    assert (await client.post("/api/v1/me/devices", headers=holder["headers"], json=device)).status_code == 201
