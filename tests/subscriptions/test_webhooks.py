"""Must show (issue 19, part 3): signed webhooks checked by the Standard Webhooks reference library at a
real receiver; a receiver that is down gets every event after it comes back, in order, once; dead letters
and replay keep order and once; no consent, no delivery; concurrent fan-out creates each delivery once."""

from __future__ import annotations

import asyncio

import pytest

from tests.subscriptions.helpers import Receiver, Subs

pytestmark = pytest.mark.anyio

CARD = ["card.status_changed"]


async def _agency_with_holders(world: Subs, n: int):
    agency_id, agency = await world.new_agency("hrss")
    holders = [await world.holder() for _ in range(n)]
    for holder in holders:
        await world.consent(holder, agency_id)
    return agency_id, agency, holders


async def test_down_receiver_gets_every_event_after_it_comes_back_in_order_once(patient_client) -> None:
    world = Subs(patient_client)
    agency_id, agency, holders = await _agency_with_holders(world, 3)
    outsider = await world.holder()  # consented to card status? no: certificates only, to another agency
    other_id, _ = await world.new_agency("civil_affairs")
    await world.consent(outsider, other_id)
    receiver = Receiver()  # not started: the port is closed
    sub_id, secret = await world.subscribe(agency, receiver.url, CARD)
    receiver.secret = secret

    for holder in holders:
        await world.card_action(holder, "report-temp-loss")
    await world.card_action(outsider, "report-temp-loss")
    await world.run_jobs()  # fan-out, and a first attempt against a closed port
    first = await world.deliveries(agency, sub_id)
    assert len(first) == 3 and first[0]["attempts"] >= 1 and first[0]["state"] == "pending"
    assert first[0]["last_status"] == 0 and first[0]["last_error"]

    receiver.mode = "503"
    receiver.start()  # up, but answering 503
    for holder in holders:
        await world.card_action(holder, "report-loss")
    await world.run_jobs()
    assert receiver.accepted == []

    receiver.mode = "up"
    for holder in holders[:2]:
        await world.card_action(holder, "request-replacement")  # the old card: replacing; the new card: issued

    async def all_delivered() -> bool:
        return all(d["state"] == "delivered" for d in await world.deliveries(agency, sub_id))

    await world.settle(all_delivered)
    receiver.stop()
    deliveries = await world.deliveries(agency, sub_id)
    # 3 temp losses + 3 losses + 2 x (old card replacing, then replaced; the new card issued); none for the outsider.
    assert len(deliveries) == 3 + 3 + 2 * 3
    assert [d["seq"] for d in deliveries] == list(range(1, len(deliveries) + 1))
    assert receiver.ids() == [d["id"] for d in deliveries]  # every one, in seq order, each once
    assert len(set(receiver.ids())) == len(receiver.ids())
    assert receiver.bad_signatures == 0 and receiver.refused >= 1
    people = {world.subject(agency_id, h.person_id) for h in holders}
    assert {r.body["data"]["subject"] for r in receiver.accepted} == people
    assert all(str(h.person_id) not in str(r.body) for r in receiver.accepted for h in holders)
    assert all(r.body["data"]["basis"]["kind"] == "consent" for r in receiver.accepted)
    statuses = [
        r.body["data"]["status"]
        for r in receiver.accepted
        if r.body["data"]["subject"] == world.subject(agency_id, holders[2].person_id)
    ]
    assert statuses == ["temp_lost", "lost"]
    replaced = [
        r.body["data"]["status"]
        for r in receiver.accepted
        if r.body["data"]["subject"] == world.subject(agency_id, holders[0].person_id)
    ]
    assert replaced == ["temp_lost", "lost", "replacing", "replaced", "active"]
    assert all(holder.id_number not in str(r.body) for r in receiver.accepted for holder in holders)

    # Each delivered event is on its holder's access record, under the consent.
    records = [r for r in await world.records(holders[2]) if r["action"] == "agency.webhook"]
    assert len(records) == 2 and all(r["basis_kind"] == "consent" for r in records)
    assert records[0]["fields"] == ["card.status"]  # a name the wallet words (docs/webhooks.md)
    assert not [r for r in await world.records(outsider) if r["action"] == "agency.webhook"]


async def test_dead_letter_then_replay_keeps_order_and_once(client) -> None:
    world = Subs(client)
    _, agency, holders = await _agency_with_holders(world, 2)
    receiver = Receiver(mode="503").start()
    sub_id, receiver.secret = await world.subscribe(agency, receiver.url, CARD)
    for holder in holders:
        await world.card_action(holder, "report-temp-loss")

    async def failing() -> bool:
        return (await world.subscription(agency, sub_id))["state"] == "failing"

    await world.settle(failing)  # 4 attempts (the test app's webhook_max_attempts), then dead
    dead = await world.deliveries(agency, sub_id, "dead")
    assert [d["seq"] for d in dead] == [1] and dead[0]["attempts"] == 4 and dead[0]["last_status"] == 503
    assert dead[0]["last_error"] == "HTTP 503"
    for holder in holders:  # while failing, later events wait behind the dead letter
        await world.card_action(holder, "report-loss")
    await world.run_jobs()
    assert [d["state"] for d in await world.deliveries(agency, sub_id)] == ["dead", "pending", "pending", "pending"]
    assert receiver.refused == 4  # nothing sent after the dead letter

    receiver.mode = "up"
    response = await client.post(f"/api/v1/agency/subscriptions/{sub_id}/replay", json={}, headers=agency)
    assert response.status_code == 200, response.text
    assert response.json()["from_seq"] == 1 and response.json()["state"] == "active"

    async def all_delivered() -> bool:
        return all(d["state"] == "delivered" for d in await world.deliveries(agency, sub_id))

    await world.settle(all_delivered)
    deliveries = await world.deliveries(agency, sub_id)
    assert receiver.ids() == [d["id"] for d in deliveries] and len(deliveries) == 4
    again = await client.post(f"/api/v1/agency/subscriptions/{sub_id}/replay", json={}, headers=agency)
    assert again.status_code == 409 and again.json()["error"]["code"] == "subscription.nothing_to_replay"
    receiver.stop()


async def test_no_basis_no_delivery(client) -> None:
    world = Subs(client)
    agency_id, agency = await world.new_agency("hrss")
    covered, uncovered, revoked = await world.holder(), await world.holder(), await world.holder()
    await world.consent(covered, agency_id)
    await world.consent(uncovered, agency_id, card_status=False, accounts=True)  # account changes only
    consent = await world.consent(revoked, agency_id)
    response = await client.post(f"/api/v1/me/consents/{consent['id']}/revoke", headers=revoked.headers)
    assert response.status_code == 200, response.text
    sub_id, _ = await world.subscribe(agency, None, CARD)
    for holder in (covered, uncovered, revoked):
        await world.card_action(holder, "report-temp-loss")
    await world.run_jobs()
    deliveries = await world.deliveries(agency, sub_id)
    assert [d["subject"] for d in deliveries] == [world.subject(agency_id, covered.person_id)]
    assert deliveries[0]["state"] == "feed" and deliveries[0]["basis_kind"] == "consent"
    assert deliveries[0]["basis_ref"] == next(
        c["id"] for c in (await client.get("/api/v1/me/consents", headers=covered.headers)).json()
    )


async def test_feed_pages_with_after_and_never_skips(client) -> None:
    world = Subs(client)
    _, agency, holders = await _agency_with_holders(world, 3)
    sub_id, _ = await world.subscribe(agency, None, CARD)
    seen: list[dict] = []
    after = 0

    async def pull() -> None:
        nonlocal after
        while True:
            response = await client.get(f"/api/v1/agency/events?subscription={sub_id}&after={after}&limit=2", headers=agency)
            assert response.status_code == 200, response.text
            page = response.json()
            seen.extend(page["items"])
            if not page["items"]:
                assert page["next_after"] == after
                return
            after = page["next_after"]

    for holder in holders:
        await world.card_action(holder, "report-temp-loss")
    await world.run_jobs()
    await pull()
    for holder in holders:
        await world.card_action(holder, "report-loss")
    await world.run_jobs()
    await pull()
    assert [e["seq"] for e in seen] == list(range(1, 7))
    assert [e["data"]["status"] for e in seen] == ["temp_lost"] * 3 + ["lost"] * 3
    assert {e["id"] for e in seen} == {d["id"] for d in await world.deliveries(agency, sub_id)}
    pulled = [r for r in await world.records(holders[0]) if r["action"] == "agency.feed"]
    assert len(pulled) == 2 and {r["basis_kind"] for r in pulled} == {"consent"}
    _, other = await world.new_agency("hrss")
    response = await client.get(f"/api/v1/agency/events?subscription={sub_id}", headers=other)
    assert response.status_code == 404 and response.json()["error"]["code"] == "subscription.not_found"


async def test_concurrent_fan_out_creates_each_delivery_once(client) -> None:
    from backend.events import services as events
    from backend.lib import db
    from backend.subscriptions import fanout

    world = Subs(client)
    _, agency, holders = await _agency_with_holders(world, 4)
    sub_id, _ = await world.subscribe(agency, None, CARD)
    n = 0

    async def write_events() -> None:
        nonlocal n
        for round_ in range(5):
            for holder in holders:
                async with db.transaction():
                    await events.record(
                        "card.status_changed", holder.person_id, {"card_id": str(holder.card_id), "status": f"s{round_}"}
                    )
                n += 1

    await world.call(write_events)

    async def race() -> list[int]:
        return await asyncio.gather(*(fanout.fan_out(client.app.state.keystore.load()) for _ in range(6)))

    counts = await world.call(race)
    assert sum(counts) >= n
    await world.run_jobs()
    deliveries = await world.deliveries(agency, sub_id)
    assert [d["seq"] for d in deliveries] == list(range(1, n + 1))
    assert len({d["event_id"] for d in deliveries}) == n
