"""A temporary loss report lapses by itself after the configured days: lazily, and on the record."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.cards import records, services, transitions, views
from backend.cards import states as lc
from backend.cards.tables import CardEvent, RevocationEntry
from backend.lib.errors import ApiError
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)


async def _report(keyring, days: int = 7) -> dict:
    issued = await h.issued(keyring)
    await transitions.perform(lc.REPORT_TEMP_LOSS, h.CITIZEN, person_id=issued["person_id"], now=T0, temp_loss_days=days)
    return issued


async def _actions(card_id) -> list[str]:
    rows = await CardEvent.select(CardEvent.action).where(CardEvent.card == card_id).order_by(CardEvent.seq).run()
    return [r["action"] for r in rows]


@pytest.mark.parametrize("days", [1, 7, 30])
async def test_lapse_after_the_configured_days(database, keyring, days):
    issued = await _report(keyring, days)
    card = await records.load(issued["card_id"])
    assert card.lapse_at == T0 + days * DAY
    # Verification reads apply the lapse in memory only.
    before = await services.card_for_code(issued["card_ref"], now=T0 + days * DAY - SECOND)
    after = await services.card_for_code(issued["card_ref"], now=T0 + days * DAY)
    assert (before.state, before.usable, before.unusable_result) == ("temp_lost", False, "card_suspended")
    assert (after.state, after.usable, after.unusable_result) == ("active", True, None)
    assert (await records.load(issued["card_id"])).state == lc.TEMP_LOST  # nothing written
    # Settling before the deadline does nothing; after it, one system event dated at the deadline.
    assert await transitions.settle(issued["card_id"], T0 + days * DAY - SECOND) is False
    assert await transitions.settle(issued["card_id"], T0 + days * DAY + DAY) is True
    assert await transitions.settle(issued["card_id"], T0 + days * DAY + DAY) is False
    lapse = (await CardEvent.select().where(CardEvent.card == issued["card_id"]).order_by(CardEvent.seq).run())[-1]
    assert (lapse["action"], lapse["actor_kind"], lapse["from_state"], lapse["to_state"]) == (
        "lapse",
        "system",
        "temp_lost",
        "active",
    )
    assert lapse["at"] == T0 + days * DAY
    card = await records.load(issued["card_id"])
    assert card.state == lc.ACTIVE and card.lapse_at is None


async def test_a_transition_after_the_deadline_lapses_first(database, keyring):
    issued = await _report(keyring)
    later = T0 + 8 * DAY
    # lift_loss is no longer possible: the report already lapsed, the card is active.
    with pytest.raises(ApiError) as caught:
        await transitions.perform(lc.LIFT_LOSS, h.CITIZEN, person_id=issued["person_id"], now=later)
    assert caught.value.code == "card.illegal_transition" and caught.value.details["state"] == "active"
    await transitions.perform(lc.REPORT_LOSS, h.CITIZEN, person_id=issued["person_id"], now=later)
    assert await _actions(issued["card_id"]) == ["issue", "ecard_issue", "report_temp_loss", "lapse", "report_loss"]


async def test_formal_loss_report_never_lapses(database, keyring):
    issued = await _report(keyring)
    await transitions.perform(lc.REPORT_LOSS, h.CITIZEN, person_id=issued["person_id"], now=T0 + DAY)
    subject = await services.card_for_code(issued["card_ref"], now=T0 + 400 * DAY)
    assert subject.state == lc.LOST and not subject.usable
    assert await transitions.settle(issued["card_id"], T0 + 400 * DAY) is False


async def test_the_feed_shows_lapsed_cards_active_again(database, keyring):
    issued = await _report(keyring)
    _, cards, _ = await services.revocation_snapshot(now=T0 + DAY)
    assert cards[issued["card_ref"]] == "suspended"
    _, cards, _ = await services.revocation_snapshot(now=T0 + 7 * DAY)
    assert issued["card_ref"] not in cards
    rows = await RevocationEntry.select().where(RevocationEntry.ref == issued["card_ref"]).order_by(RevocationEntry.version).run()
    assert [r["status"] for r in rows] == ["suspended", "active"]


async def test_reading_the_card_applies_a_due_lapse(database, keyring):
    issued = await h.issued(keyring)
    # Reported 8 days ago, seen now: the card view is active and the history has the lapse.
    await transitions.perform(lc.REPORT_TEMP_LOSS, h.CITIZEN, person_id=issued["person_id"], now=T0 - 8 * DAY)
    view = await views.card(issued["card_id"])
    assert view.state == "active" and view.ecard.usable
    assert (await _actions(issued["card_id"]))[-1] == "lapse"


async def test_api_card_view_lapses_with_the_settings_days(client):
    holder = await h.citizen(client)
    await _api_card(client, holder)
    response = await client.post(
        "/api/v1/me/card/actions/report-temp-loss", headers=holder["headers"], json={"reason": "left it somewhere"}
    )
    assert response.status_code == 200, response.text
    body = response.json()["card"]
    assert body["state"] == "temp_lost" and body["allowed_actions"] == [
        "report_loss",
        "lift_loss",
        "request_replacement",
        "cancel",
    ]
    lapse_at = dt.datetime.fromisoformat(body["lapse_at"])
    expected = dt.datetime.now(dt.UTC) + client.app.state.settings.temp_loss_days * DAY
    assert abs((lapse_at - expected).total_seconds()) < 60
    # Move the deadline into the past, as if the days had gone by.
    await h.in_app(client, _backdate, body["id"])
    response = await client.get("/api/v1/me/card", headers=holder["headers"])
    assert response.json()["state"] == "active" and response.json()["lapse_at"] is None
    events = (await client.get("/api/v1/me/card/events", headers=holder["headers"])).json()
    assert (events[0]["action"], events[0]["actor"]["kind"], events[0]["to_state"]) == ("lapse", "system", "active")


async def _backdate(card_id) -> None:
    from backend.cards.tables import Card

    await Card.update({Card.lapse_at: dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)}).where(Card.id == card_id).run()


async def _api_card(client, holder) -> None:
    """Give the holder an issued card with an e-card, the seeder's way."""
    office_id, code = await h.in_app(client, h.office)
    bank = await h.in_app(client, h.bank)
    await h.in_app(
        client,
        services.issue_card_directly,
        h.app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=bank,
    )


async def test_a_lapse_cannot_be_forced_early(database, keyring):
    from backend.cards.access import SYSTEM

    issued = await _report(keyring)
    with pytest.raises(ApiError) as caught:
        await transitions.perform(lc.LAPSE, SYSTEM, card_id=issued["card_id"], now=T0 + DAY)
    assert caught.value.code == "card.illegal_transition"
    with pytest.raises(ApiError):
        await transitions.perform(lc.LAPSE, h.CITIZEN, card_id=issued["card_id"], now=T0 + 8 * DAY)  # not a holder's action
    done = await transitions.perform(lc.LAPSE, SYSTEM, card_id=issued["card_id"], now=T0 + 8 * DAY)
    assert done.card.state == lc.ACTIVE and (await _actions(issued["card_id"]))[-1] == "lapse"
