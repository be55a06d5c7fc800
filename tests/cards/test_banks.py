"""Cooperating banks (Art. 12): registry, a holder's change of bank, ending cooperation without loss."""

from __future__ import annotations

import pytest

from backend.cards import banks, records, services, transitions
from backend.cards import states as lc
from backend.cards.tables import BankAccount, Card, CardEvent
from backend.lib.errors import ApiError
from backend.org.tables import Bank
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
OPERATOR = h.Actor(kind="staff", id="prov-1", channel="counter")


async def _cards_at(bank_code: str) -> list[dict]:
    bank = await banks.find(bank_code)
    return await Card.select().where(Card.bank == bank.id).run()


async def test_ending_cooperation_moves_every_holder(database, keyring):
    old, successor = await h.bank(keeps=True), await h.bank()
    cards = [await h.issued(keyring, bank_code=old) for _ in range(7)]
    for card in cards:
        card["account"] = await h.open_account(card["card_id"])
    # Holders in every live state, plus finished cards that must stay where they were.
    await transitions.perform(lc.REPORT_TEMP_LOSS, OPERATOR, card_id=cards[0]["card_id"])
    await transitions.perform(lc.REPORT_LOSS, OPERATOR, card_id=cards[1]["card_id"])
    await transitions.perform(lc.LOCK, OPERATOR, card_id=cards[2]["card_id"])
    await transitions.perform(lc.CANCEL, OPERATOR, card_id=cards[3]["card_id"])
    replaced = await transitions.perform(lc.REQUEST_REPLACEMENT, OPERATOR, card_id=cards[4]["card_id"])
    total_before = await Card.count().run()
    at_old = await _cards_at(old)
    live = [c for c in at_old if c["state"] not in lc.TERMINAL]
    assert len(live) == 6 and replaced.new_card.id in {c["id"] for c in live}
    events_before = await CardEvent.count().run()

    await banks.set_status(OPERATOR, old, "suspended")
    result = await banks.set_status(OPERATOR, old, "ended", successor)
    assert result.moved == 6 and result.bank.status == "ended"

    assert await Card.count().run() == total_before  # nothing created, nothing lost
    assert await CardEvent.count().run() == events_before + 6
    moved = {c["id"]: c for c in await _cards_at(successor)}
    assert set(moved) == {c["id"] for c in live}
    for card in live:
        after = moved[card["id"]]
        assert after["state"] == card["state"] and after["ref"] == card["ref"] and after["number"] == card["number"]
        # An account number never moves between banks, and none is made up: the successor opens one.
        assert card["account"] and after["account"] == "" and after["version"] == card["version"] + 1
        asked = await BankAccount.select().where(BankAccount.pending_card == card["id"]).first().run()
        assert asked["bank"] == after["bank"] and (asked["purpose"], asked["how"]) == ("migration", "default")
        event = (
            await CardEvent.select().where(CardEvent.card == card["id"]).order_by(CardEvent.seq, ascending=False).first().run()
        )
        assert event["action"] == "bank_change" and event["kind"] == "notice"
        assert f"Bank {successor}" in event["note"] and "opening your account" in event["note"]
    # Every holder's live card is at an active bank.
    people = [c["person_id"] for c in cards]
    rows = (
        await Card.select(Card.bank.status.as_alias("bank_status"))
        .where(Card.person.is_in(people) & Card.state.not_in(list(lc.TERMINAL)))
        .run()
    )
    assert len(rows) == 6 and {r["bank_status"] for r in rows} == {"active"}
    # The ended bank keeps only finished cards; it can never come back.
    assert all(c["state"] in lc.TERMINAL for c in await _cards_at(old))
    with pytest.raises(ApiError) as caught:
        await banks.set_status(OPERATOR, old, "active")
    assert caught.value.code == "bank.illegal_status"


async def test_moving_in_small_batches_loses_nothing(database, keyring):
    old, successor = await h.bank(), await h.bank()
    cards = [await h.issued(keyring, bank_code=old) for _ in range(5)]
    await Bank.update({Bank.status: "ended"}).where(Bank.code == old).run()
    moved = await banks.move_holders(await banks.find(old), await banks.find(successor), OPERATOR, records.utc(), batch=2)
    assert moved == 5 and {c["id"] for c in await _cards_at(successor)} == {c["card_id"] for c in cards}
    # Resuming an interrupted move finds nothing left to do.
    assert (await banks.set_status(OPERATOR, old, "ended", successor)).moved == 0


async def test_status_rules(database):
    code, other = await h.bank(), await h.bank()
    cases = [
        (dict(status="ended"), 422, "bank.successor_required"),
        (dict(status="ended", successor_code=code), 422, "bank.successor_is_same"),
        (dict(status="suspended", successor_code=other), 422, "bank.successor_unexpected"),
        (dict(status="active"), 409, "bank.illegal_status"),
        (dict(status="ended", successor_code="NOPE"), 404, "bank.not_found"),
    ]
    for kwargs, status, error in cases:
        with pytest.raises(ApiError) as caught:
            await banks.set_status(OPERATOR, code, kwargs.pop("status"), **kwargs)
        assert (caught.value.status, caught.value.code) == (status, error)
    await banks.set_status(OPERATOR, other, "suspended")
    with pytest.raises(ApiError) as caught:
        await banks.set_status(OPERATOR, code, "ended", other)  # a suspended bank takes no new holders
    assert caught.value.code == "bank.not_active"
    assert (await banks.set_status(OPERATOR, other, "active")).bank.status == "active"


async def test_holder_changes_bank_over_http(client):
    holder = await h.citizen(client)
    office_id, code = await h.in_app(client, h.office)
    first, second, suspended = [await h.in_app(client, h.bank) for _ in range(3)]

    issued = await h.in_app(
        client,
        services.issue_card_directly,
        h.app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=first,
    )
    await h.in_app(client, h.open_account, issued["card_id"])
    operator = await h.staff(client, "provincial_operator")
    await client.post(f"/api/v1/banks/{suspended}/status", headers=operator["headers"], json={"status": "suspended"})
    before = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    for bank_code, status, error in [
        (first, 409, "bank.same"),
        (suspended, 409, "bank.not_active"),
        ("NOSUCH", 404, "bank.not_found"),
    ]:
        response = await client.post("/api/v1/me/card/bank", headers=holder["headers"], json={"bank_code": bank_code})
        assert (response.status_code, response.json()["error"]["code"]) == (status, error)
    response = await client.post("/api/v1/me/card/bank", headers=holder["headers"], json={"bank_code": second, "channel": "web"})
    # The card stays at its bank, paying into its account, until the new bank opens one.
    assert response.status_code == 200 and response.json()["bank"]["code"] == first
    assert response.json()["bank_change"]["bank_code"] == second
    assert (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json() == before
    number = await h.in_app(client, h.open_account, response.json()["id"])  # the new bank opens it
    mine = (await client.get("/api/v1/me/card", headers=holder["headers"])).json()
    assert mine["bank"]["code"] == second and mine["bank_change"] is None and mine["account_status"] == "open"
    after = (await client.post("/api/v1/me/card/reveal", headers=holder["headers"])).json()
    assert after == {"card_number": before["card_number"], "account": number}
    event = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()[0]
    assert event["action"] == "bank_change" and number[-4:] in event["note"]
    assert number not in event["note"]  # masked in the history too


async def test_registry_over_http(client):
    operator = await h.staff(client, "provincial_operator")
    supervisor = await h.staff(client, "supervisor")
    code, successor = h.new_code("R"), await h.in_app(client, h.bank)
    body = {"code": code, "name": "测试银行", "keeps_account_on_replacement": False}
    assert (await client.post("/api/v1/banks", json=body)).status_code == 401
    assert (await client.post("/api/v1/banks", headers=supervisor["headers"], json=body)).status_code == 403
    created = await client.post("/api/v1/banks", headers=operator["headers"], json=body)
    assert created.status_code == 201 and created.json() == {**body, "status": "active", "id": created.json()["id"]}
    bank_id = created.json()["id"]  # what the bank's client credential will name as its organisation
    dup = await client.post("/api/v1/banks", headers=operator["headers"], json=body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "bank.exists"
    listed = (await client.get("/api/v1/banks?status=active")).json()  # public
    assert code in [b["code"] for b in listed] and all(b["status"] == "active" for b in listed)
    assert {"code": code, "id": bank_id} == {
        k: v for b in listed if b["code"] == code for k, v in b.items() if k in ("code", "id")
    }
    ended = await client.post(
        f"/api/v1/banks/{code}/status", headers=operator["headers"], json={"status": "ended", "successor_bank_code": successor}
    )
    assert ended.status_code == 200 and ended.json() == {"bank": {**body, "status": "ended", "id": bank_id}, "moved": 0}
    missing = await client.post("/api/v1/banks/NOSUCH/status", headers=operator["headers"], json={"status": "suspended"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "bank.not_found"
    for bad in [{"code": "lower", "name": "x"}, {"code": "OK1", "name": ""}, {"code": "OK2", "name": "x", "extra": 1}]:
        response = await client.post("/api/v1/banks", headers=operator["headers"], json=bad)
        assert response.status_code == 400, response.text
    bad_status = await client.post(f"/api/v1/banks/{code}/status", headers=operator["headers"], json={"status": "paused"})
    assert bad_status.status_code == 400
