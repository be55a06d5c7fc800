"""Racing transitions on one card serialise: exactly one wins, the rest get 409, the log stays whole."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from backend.cards import applications, devices, records, transitions
from backend.cards import states as lc
from backend.cards.tables import Application, Card, CardEvent, Device, RevocationEntry
from backend.lib.errors import ApiError
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
STAFF = h.Actor(kind="staff", id="s-race", channel="counter")


async def _race(*calls) -> tuple[list, list[ApiError]]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, ApiError)]
    assert not unexpected, unexpected
    return [r for r in results if not isinstance(r, BaseException)], [r for r in results if isinstance(r, ApiError)]


async def _transition_events(card_id) -> list[dict]:
    rows = await CardEvent.select().where(CardEvent.card == card_id).order_by(CardEvent.seq).run()
    return [r for r in rows if r["kind"] == "transition"]


async def test_twenty_temp_loss_reports_one_wins(database, keyring):
    issued = await h.issued(keyring)
    wins, losses = await _race(
        *(transitions.perform(lc.REPORT_TEMP_LOSS, h.CITIZEN, person_id=issued["person_id"]) for _ in range(20))
    )
    assert len(wins) == 1 and len(losses) == 19
    assert {(e.status, e.code) for e in losses} == {(409, "card.illegal_transition")}
    assert all(e.details["state"] == lc.TEMP_LOST for e in losses)
    card = await records.load(issued["card_id"])
    events = await CardEvent.select().where(CardEvent.card == issued["card_id"]).order_by(CardEvent.seq).run()
    assert card.state == lc.TEMP_LOST
    assert [e["action"] for e in events] == ["issue", "ecard_issue", "report_temp_loss"]
    assert card.version == len(events) == events[-1]["seq"]  # one version per event, none lost
    assert await RevocationEntry.count().where(RevocationEntry.ref == issued["card_ref"]).run() == 1


@pytest.mark.parametrize("start", [lc.TEMP_LOST, lc.LOST])
async def test_lift_loss_races_replacement(database, keyring, start):
    issued = await h.issued(keyring)
    first = lc.REPORT_TEMP_LOSS if start == lc.TEMP_LOST else lc.REPORT_LOSS
    await transitions.perform(first, h.CITIZEN, person_id=issued["person_id"])
    calls = []
    for _ in range(5):
        calls.append(transitions.perform(lc.LIFT_LOSS, STAFF, card_id=issued["card_id"]))
        calls.append(transitions.perform(lc.REQUEST_REPLACEMENT, STAFF, card_id=issued["card_id"]))
    wins, losses = await _race(*calls)
    assert len(wins) + len(losses) == 10 and all(e.status == 409 for e in losses)
    card = await records.load(issued["card_id"])
    cards = await Card.select().where(Card.person == issued["person_id"]).run()
    live = [c for c in cards if c["state"] not in lc.TERMINAL]
    assert len(live) == 1  # never two live cards, never none
    replaced = [c for c in cards if c["state"] == lc.REPLACED]
    assert len(replaced) <= 1 and len(cards) == 1 + len(replaced)
    if card.state == lc.REPLACED:
        # Replacement won; lift_loss may have won before it (then replacement ran from active).
        assert sum(1 for w in wins if w.new_card) == 1
    else:
        assert card.state == lc.ACTIVE and len(wins) == 1 and wins[0].new_card is None
    # The stored history replays through the state machine to the stored state.
    state = None
    for event in await _transition_events(issued["card_id"]):
        assert event["from_state"] == state
        state = event["to_state"] if state is None else lc.next_state(state, event["action"])
        assert state == event["to_state"]
    assert state == card.state


async def test_two_reviewers_approve_at_once(database, keyring):
    office_id, _ = await h.office()
    pid = await h.person(keyring)
    actor = h.staff_actor(office_id)
    application = await applications.apply(actor, person_id=pid, bank_code=await h.bank())
    wins, losses = await _race(*(applications.approve(application.id, actor) for _ in range(6)))
    assert len(wins) == 1 and {e.code for e in losses} == {"application.not_pending"}
    assert await Card.count().where(Card.person == pid).run() == 1
    row = await Application.select().where(Application.id == application.id).first().run()
    assert row["card_id"] == wins[0].id and row["open_person"] is None


async def test_one_open_application_under_a_burst(database, keyring):
    office_id, _ = await h.office()
    pid = await h.person(keyring)
    actor = h.staff_actor(office_id)
    wins, losses = await _race(*(applications.apply(actor, person_id=pid) for _ in range(8)))
    assert len(wins) == 1 and {(e.status, e.code) for e in losses} == {(409, "card.already_active")}
    assert await Application.count().where(Application.person == pid).run() == 1


async def test_parallel_binds_respect_the_device_limit(database, keyring):
    issued = await h.issued(keyring)
    wins, losses = await _race(
        *(devices.bind(issued["person_id"], h.CITIZEN, label=f"p{i}") for i in range(devices.MAX_DEVICES + 4))
    )
    assert len(wins) == devices.MAX_DEVICES and {e.code for e in losses} == {"device.limit_reached"}
    assert (
        await Device.count().where((Device.person == issued["person_id"]) & (Device.status == "bound")).run()
        == devices.MAX_DEVICES
    )


async def test_parallel_unbinds_write_one_revocation(database, keyring):
    from backend.lib import ed25519

    issued = await h.issued(keyring)
    device = await devices.bind(issued["person_id"], h.CITIZEN, label="phone", public_key=ed25519.generate()[1])
    wins, losses = await _race(*(devices.unbind(issued["person_id"], device.id, h.CITIZEN) for _ in range(6)))
    assert len(wins) == 1 and {e.code for e in losses} == {"device.not_bound"}
    assert await RevocationEntry.count().where(RevocationEntry.ref == device.key_id).run() == 1


async def test_parallel_http_requests_one_wins(client):
    from backend.cards import services

    holder = await h.citizen(client)
    office_id, code = await h.in_app(client, h.office)
    issued = await h.in_app(
        client,
        services.issue_card_directly,
        h.app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=await h.in_app(client, h.bank),
    )
    url = "/api/v1/me/card/actions/report-temp-loss"
    responses = await h.concurrently(client, *[("POST", url, {"headers": holder["headers"]})] * 12)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 11
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"card.illegal_transition"}
    # Now a lift racing a replacement: one outcome, consistent history.
    staff = await h.staff(client, "counter_operator")
    base = f"/api/v1/staff/cards/{issued['card_id']}/actions"
    responses = await h.concurrently(
        client,
        ("POST", url.replace("report-temp-loss", "lift-loss"), {"headers": holder["headers"]}),
        ("POST", f"{base}/request-replacement", {"headers": staff["headers"]}),
    )
    assert all(r.status_code in (200, 409) for r in responses) and any(r.status_code == 200 for r in responses)
    events = (await client.get("/api/v1/me/card/events?limit=500", headers=holder["headers"])).json()
    transitions_only = [e for e in events if e["kind"] == "transition"]
    states = [(e["from_state"], e["to_state"]) for e in reversed(transitions_only)]
    for (_, to), (frm, _) in itertools.pairwise(states):
        assert frm in (to, None)  # each card's history chains; a new card starts from nothing


async def test_parallel_counter_applications_for_a_new_person(database, keyring):
    from backend.identity.tables import Person

    office_id, _ = await h.office()
    actor = h.staff_actor(office_id)
    number = h.new_id_number()
    document = (keyring, "resident_id", number, "孙八")
    wins, losses = await _race(*(applications.apply(actor, document=document) for _ in range(6)))
    assert len(wins) == 1 and {e.code for e in losses} == {"card.already_active"}
    people = await Person.select(Person.id).where(Person.name == "孙八").run()
    assert wins[0].person in {p["id"] for p in people}
    assert await Application.count().where(Application.person == wins[0].person).run() == 1


async def test_a_refused_counter_application_registers_nobody(database, keyring):
    from backend.identity.services import find_person_id

    office_id, _ = await h.office()
    number = h.new_id_number()
    with pytest.raises(ApiError) as caught:
        await applications.apply(h.staff_actor(office_id), document=(keyring, "resident_id", number, "周九"), bank_code="NOSUCH")
    assert caught.value.code == "bank.not_found"
    assert await find_person_id(keyring, "resident_id", number) is None


async def test_cards_issued_while_the_bank_ends_are_moved_too(database, keyring, monkeypatch):
    from backend.cards import banks
    from backend.org.tables import Bank

    office_id, _ = await h.office()
    actor = h.staff_actor(office_id)
    ending, successor = await h.bank(), await h.bank()
    pending = [await applications.apply(actor, person_id=await h.person(keyring), bank_code=ending) for _ in range(4)]
    insert_card = records.insert_card

    async def slow_insert(**kwargs):
        card = await insert_card(**kwargs)
        await asyncio.sleep(0.2)  # hold the approval open while the bank is being ended
        return card

    monkeypatch.setattr(records, "insert_card", slow_insert)

    async def end_bank_meanwhile():
        await asyncio.sleep(0.05)
        return await banks.set_status(actor, ending, "ended", successor)

    results, refused = await _race(*(applications.approve(a.id, actor) for a in pending), end_bank_meanwhile())
    assert {e.code for e in refused} <= {"bank.not_active"}
    people = [a.person for a in pending]
    rows = await Card.select(Card.bank.status.as_alias("bank_status")).where(Card.person.is_in(people)).run()
    assert len(rows) == len(results) - 1  # every approval that went through made exactly one card
    assert {r["bank_status"] for r in rows} == {"active"}  # none left behind at the ended bank
    assert (await Bank.select(Bank.status).where(Bank.code == ending).first().run())["status"] == "ended"
