"""Review B6: a consent revoked after its events were fanned out stops them: queued pushes are marked
`withdrawn` and never sent, and the feed no longer serves them (not even from after=0)."""

from __future__ import annotations

import pytest

from tests.subscriptions.helpers import Receiver, Subs

pytestmark = pytest.mark.anyio

CARD = ["card.status_changed"]


async def _revoke(world: Subs, holder, consent: dict) -> None:
    response = await world.client.post(f"/api/v1/me/consents/{consent['id']}/revoke", headers=holder.headers)
    assert response.status_code == 200, response.text


async def test_queued_pushes_are_withdrawn_when_the_consent_is_revoked(patient_client) -> None:
    world = Subs(patient_client)
    agency_id, agency = await world.new_agency("hrss")
    holder, other = await world.holder(), await world.holder()
    consent = await world.consent(holder, agency_id)
    await world.consent(other, agency_id)
    receiver = Receiver()  # down: the port is closed
    sub_id, receiver.secret = await world.subscribe(agency, receiver.url, CARD)
    await world.card_action(holder, "report-temp-loss")
    await world.card_action(other, "report-temp-loss")
    await world.run_jobs()  # fanned out; the first attempt failed
    assert [d["state"] for d in await world.deliveries(agency, sub_id)] == ["pending", "pending"]
    await _revoke(world, holder, consent)
    receiver.start()

    async def settled() -> bool:
        return all(d["state"] in ("delivered", "withdrawn") for d in await world.deliveries(agency, sub_id))

    await world.settle(settled)
    receiver.stop()
    deliveries = await world.deliveries(agency, sub_id)
    assert [d["state"] for d in deliveries] == ["withdrawn", "delivered"]
    assert receiver.ids() == [deliveries[1]["id"]]
    assert not [r for r in await world.records(holder) if r["action"] == "agency.webhook"]


async def test_the_feed_stops_serving_a_revoked_consents_events(client) -> None:
    world = Subs(client)
    agency_id, agency = await world.new_agency("hrss")
    holder = await world.holder()
    consent = await world.consent(holder, agency_id)
    sub_id, _ = await world.subscribe(agency, None, CARD)
    await world.card_action(holder, "report-temp-loss")
    await world.run_jobs()
    url = f"/api/v1/agency/events?subscription={sub_id}&after=0&limit=10"
    first = (await client.get(url, headers=agency)).json()
    assert len(first["items"]) == 1 and first["next_after"] == 1
    await _revoke(world, holder, consent)
    again = await client.get(url, headers=agency)
    assert again.status_code == 200 and again.json() == {"items": [], "next_after": 1}
    assert [d["state"] for d in await world.deliveries(agency, sub_id)] == ["withdrawn"]
    pulled = [r for r in await world.records(holder) if r["action"] == "agency.feed"]
    assert len(pulled) == 1  # the one pull before the revocation
