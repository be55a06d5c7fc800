"""The event outbox: an event commits with its change or not at all, and carries no identity number."""

from __future__ import annotations

import pytest

from tests.venues.helpers import World

pytestmark = pytest.mark.anyio


async def _events(world: World, person_id) -> list[dict]:
    from backend.events.tables import Event

    return await world.call(Event.select().where(Event.person == person_id).order_by(Event.seq).output(load_json=True).run)


async def test_a_card_change_writes_its_event_and_a_rolled_back_one_none(client) -> None:
    from backend.events import services as events
    from backend.lib import db

    world = World(client)
    holder = await world.holder()
    await world.card_action(holder, "report-temp-loss")
    found = await _events(world, holder.person_id)
    assert [(e["kind"], e["data"]["status"]) for e in found] == [
        ("card.status_changed", "active"),
        ("card.status_changed", "temp_lost"),
    ]
    assert all(holder.id_number not in str(e["data"]) for e in found)

    class Boom(Exception):
        pass

    async def rolled_back() -> None:
        async with db.transaction():
            await events.record("card.status_changed", holder.person_id, {"status": "never"})
            raise Boom

    with pytest.raises(Boom):
        await world.call(rolled_back)
    assert len(await _events(world, holder.person_id)) == 2
