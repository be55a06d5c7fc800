"""Review B8: two agencies hear of one holder under two different pseudonyms, neither the service's person id."""

from __future__ import annotations

import pytest

from tests.subscriptions.helpers import Subs

pytestmark = pytest.mark.anyio


async def test_each_agency_gets_its_own_pseudonym(client) -> None:
    world = Subs(client)
    holder = await world.holder()
    seen = {}
    subs = []
    for kind in ("hrss", "civil_affairs"):
        agency_id, agency = await world.new_agency(kind)
        await world.consent(holder, agency_id)
        sub_id, _ = await world.subscribe(agency, None, ["card.status_changed"])
        subs.append((agency_id, agency, sub_id))
    await world.card_action(holder, "report-temp-loss")
    await world.card_action(holder, "report-loss")
    await world.run_jobs()
    for agency_id, agency, sub_id in subs:
        page = (await client.get(f"/api/v1/agency/events?subscription={sub_id}", headers=agency)).json()
        assert len(page["items"]) == 2
        names = {item["data"]["subject"] for item in page["items"]}
        assert names == {world.subject(agency_id, holder.person_id)}  # stable within one agency
        assert all(str(holder.person_id) not in str(item) for item in page["items"])
        assert all("person_id" not in item["data"] for item in page["items"])
        assert {d["subject"] for d in await world.deliveries(agency, sub_id)} == names
        seen[agency_id] = names.pop()
    assert len(set(seen.values())) == 2  # and different across agencies
