"""Review B7: a consent whose start lies before its grant (allowed by a few minutes) does not cover
events of that window: an event before the holder said yes never reaches the agency."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.subscriptions.helpers import Subs

pytestmark = pytest.mark.anyio


async def test_an_event_before_the_grant_is_not_fanned_out(client) -> None:
    world = Subs(client)
    agency_id, agency = await world.new_agency("hrss")
    holder = await world.holder()
    sub_id, _ = await world.subscribe(agency, None, ["card.status_changed"])
    await world.card_action(holder, "report-temp-loss")  # before any consent
    await asyncio.sleep(1.1)  # consents are stored to the second: the grant falls in a later one
    body = {
        "agency_id": str(agency_id),
        "purpose": "Pension eligibility follow-up",
        "card_status": True,
        "valid_from": (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=120)).isoformat(),
        "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
    }
    response = await client.post("/api/v1/me/consents", json=body, headers=holder.headers)
    assert response.status_code == 201, response.text
    await world.run_jobs()
    assert await world.deliveries(agency, sub_id) == []
    await world.card_action(holder, "report-loss")  # after the grant: covered
    await world.run_jobs()
    assert [d["basis_kind"] for d in await world.deliveries(agency, sub_id)] == ["consent"]
