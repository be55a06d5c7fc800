"""Review B4: a replay that starts after a dead letter is refused, and the sender never passes a dead one."""

from __future__ import annotations

import pytest

from tests.subscriptions.helpers import Receiver, Subs

pytestmark = pytest.mark.anyio


async def test_replay_from_after_a_dead_letter_is_refused(client) -> None:
    world = Subs(client)
    agency_id, agency = await world.new_agency("hrss")
    holders = [await world.holder() for _ in range(2)]
    for holder in holders:
        await world.consent(holder, agency_id)
    receiver = Receiver(mode="503").start()
    sub_id, receiver.secret = await world.subscribe(agency, receiver.url, ["card.status_changed"])
    await world.card_action(holders[0], "report-temp-loss")

    async def failing() -> bool:
        return (await world.subscription(agency, sub_id))["state"] == "failing"

    await world.settle(failing)
    await world.card_action(holders[1], "report-temp-loss")
    await world.run_jobs()
    receiver.mode = "up"
    url = f"/api/v1/agency/subscriptions/{sub_id}/replay"
    response = await client.post(url, json={"from_seq": 2}, headers=agency)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "subscription.dead_letter_first"
    assert response.json()["error"]["details"]["first_dead_seq"] == 1
    await world.run_jobs()
    assert receiver.accepted == []
    assert [d["state"] for d in await world.deliveries(agency, sub_id)] == ["dead", "pending"]

    # from_seq at the dead one is fine: both go, in order.
    response = await client.post(url, json={"from_seq": 1}, headers=agency)
    assert response.status_code == 200, response.text

    async def delivered() -> bool:
        return len(receiver.accepted) == 2

    await world.settle(delivered)
    receiver.stop()
    assert [r.seq for r in receiver.accepted] == [1, 2]
