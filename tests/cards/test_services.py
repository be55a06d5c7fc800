"""Service level: transitions on stored cards, replacement, devices, the code subject and the feed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import msgspec
import pytest

from backend.cards import devices, numbers, records, services, transitions
from backend.cards import states as lc
from backend.cards.tables import Card, CardEvent, Device, RevocationEntry
from backend.lib import ed25519
from backend.lib.errors import ApiError
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
STAFF = h.Actor(kind="staff", id="s-1", channel="counter")


async def _events(card_id) -> list[dict]:
    return await CardEvent.select().where(CardEvent.card == card_id).order_by(CardEvent.seq).run()


async def _feed(ref: str) -> list[str]:
    rows = await RevocationEntry.select().where(RevocationEntry.ref == ref).order_by(RevocationEntry.version).run()
    return [r["status"] for r in rows]


async def test_issue_directly_gives_a_usable_subject(database, keyring):
    issued = await h.issued(keyring, ecard_level=2)
    assert numbers.CARD_NUMBER.fullmatch(issued["card_number"]) and numbers.is_card_ref(issued["card_ref"])
    subject = await services.card_for_code(issued["card_ref"])
    assert subject == await services.card_for_person(issued["person_id"])
    assert subject.usable and subject.unusable_result is None and subject.ecard_level == 2
    assert subject.region == issued["region"] and subject.state == "active" and subject.holder_name == "张三"
    assert [e["action"] for e in await _events(issued["card_id"])] == ["issue", "ecard_issue"]


async def test_card_for_code_rejects_malformed_refs(database):
    for ref in ["", "zz" * 8, "ABCDEF0123456789", "0" * 15, "0" * 17, None, 12]:
        assert await services.card_for_code(ref) is None  # type: ignore[arg-type]
    assert await services.card_for_code("0123456789abcdef") is None
    assert await services.card_for_person("not-a-uuid") is None


async def test_elderly_concession_turns_on_at_65(database, keyring):
    today = dt.datetime.now(services.CHINA).date()
    old = await h.issued(keyring, birth=today.replace(year=today.year - 65))
    young = await h.issued(keyring, birth=today.replace(year=today.year - 65) + dt.timedelta(days=1))
    assert (await services.card_for_code(old["card_ref"])).concessions == ("elderly",)
    assert (await services.card_for_code(young["card_ref"])).concessions == ()


async def test_without_ecard_the_card_is_not_usable(database, keyring):
    issued = await h.issued(keyring, ecard_level=0)
    subject = await services.card_for_code(issued["card_ref"])
    assert subject.state == "active" and not subject.usable and subject.ecard_level == 0


@pytest.mark.parametrize(
    ("path", "state", "result"),
    [
        ([lc.REPORT_TEMP_LOSS], lc.TEMP_LOST, "card_suspended"),
        ([lc.REPORT_LOSS], lc.LOST, "card_suspended"),
        ([lc.REPORT_TEMP_LOSS, lc.REPORT_LOSS], lc.LOST, "card_suspended"),
        ([lc.LOCK], lc.LOCKED, "card_suspended"),
        ([lc.REPORT_LOSS, lc.LIFT_LOSS], lc.ACTIVE, None),
        ([lc.LOCK, lc.UNLOCK], lc.ACTIVE, None),
        ([lc.CANCEL], lc.CANCELLED, "card_cancelled"),
        ([lc.LOCK, lc.CANCEL], lc.CANCELLED, "card_cancelled"),
    ],
)
async def test_transitions_are_stored_with_events_and_feed(database, keyring, path, state, result):
    issued = await h.issued(keyring)
    for action in path:
        await transitions.perform(action, STAFF, card_id=issued["card_id"], reason=f"test {action}")
    subject = await services.card_for_code(issued["card_ref"])
    assert subject.state == state and subject.unusable_result == result and subject.usable is (result is None)
    events = await _events(issued["card_id"])
    assert [e["action"] for e in events] == ["issue", "ecard_issue", *path]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["actor_kind"] == "staff" and e["channel"] == "counter" for e in events[2:])
    feed = await _feed(issued["card_ref"])
    assert (feed[-1] if feed else "active") == lc.revocation_status(state)


async def test_replacement_issues_a_new_card_and_retires_the_old(database, keyring):
    issued = await h.issued(keyring, bank_code=await h.bank(keeps=True))
    account = await h.open_account(issued["card_id"])
    pub = ed25519.generate()[1]
    device = await devices.bind(issued["person_id"], h.CITIZEN, label="phone", public_key=pub)
    await transitions.perform(lc.REPORT_LOSS, h.CITIZEN, person_id=issued["person_id"])
    result = await transitions.perform(lc.REQUEST_REPLACEMENT, h.CITIZEN, person_id=issued["person_id"], reason="lost it")
    old, new = result.card, result.new_card
    assert old.state == lc.REPLACED and old.replaced_by == new.id and old.active_person is None
    assert new.state == lc.ACTIVE and new.replaces == old.id
    assert new.number != old.number and new.ref != old.ref and new.region == old.region
    assert new.account == old.account == account  # the bank keeps accounts on replacement
    assert new.ecard_level == old.ecard_level
    assert [e["action"] for e in await _events(old.id)][-3:] == ["report_loss", "request_replacement", "complete_replacement"]
    assert [e["action"] for e in await _events(new.id)] == ["issue"]
    assert (await services.card_for_person(issued["person_id"])).card_id == new.id
    assert (await services.card_for_code(old.ref)).unusable_result == "card_cancelled"
    assert await _feed(old.ref) == ["suspended", "cancelled"]
    # The phone follows the e-card to the new card.
    assert (await services.get_device(issued["person_id"], device.id)).card_id == new.id
    with pytest.raises(ApiError) as caught:
        await transitions.perform(lc.LIFT_LOSS, STAFF, card_id=old.id)
    assert caught.value.code == "card.illegal_transition" and caught.value.details["allowed_actions"] == []


async def test_replacement_at_a_bank_that_does_not_keep_accounts(database, keyring):
    issued = await h.issued(keyring, bank_code=await h.bank(keeps=False))
    account = await h.open_account(issued["card_id"])
    result = await transitions.perform(lc.REQUEST_REPLACEMENT, STAFF, card_id=issued["card_id"])
    assert result.new_card.account == "" and result.new_card.bank == result.card.bank
    issue = (await _events(result.new_card.id))[0]
    assert "new account" in issue["note"] and account not in issue["note"]
    # The bank is asked for the new card's account, and opens one with another number.
    assert await h.open_account(result.new_card.id) != account


async def test_cancel_unbinds_devices_and_revokes_their_keys(database, keyring):
    issued = await h.issued(keyring)
    keys = [ed25519.generate()[1] for _ in range(2)]
    for i, key in enumerate(keys):
        await devices.bind(issued["person_id"], h.CITIZEN, label=f"phone {i}", public_key=key)
    await devices.bind(issued["person_id"], h.CITIZEN, label="no key")
    await transitions.perform(lc.CANCEL, h.CITIZEN, person_id=issued["person_id"], reason="leaving")
    assert await Device.count().where((Device.person == issued["person_id"]) & (Device.status == "bound")).run() == 0
    _version, cards, revoked = await services.revocation_snapshot()
    assert cards[issued["card_ref"]] == "cancelled"
    assert {hashlib.sha256(k).digest()[:8].hex() for k in keys} <= set(revoked)
    # Cancelled is still "the person's card" for codes, but never usable.
    subject = await services.card_for_person(issued["person_id"])
    assert subject.state == "cancelled" and subject.unusable_result == "card_cancelled"


async def test_device_binding_rules(database, keyring):
    issued = await h.issued(keyring)
    pid = issued["person_id"]
    pub = ed25519.generate()[1]
    device = await devices.bind(pid, h.CITIZEN, label="phone", public_key=pub)
    assert device.key_id == hashlib.sha256(pub).digest()[:8].hex() and device.status == "bound"
    got = await services.get_device(pid, device.id)
    assert got.public_key == pub and set(msgspec.structs.asdict(got)) >= {
        "id",
        "card_id",
        "label",
        "public_key",
        "key_id",
        "status",
    }
    assert await services.get_device(await h.person(keyring), device.id) is None  # someone else's
    with pytest.raises(ApiError) as caught:
        await devices.bind(pid, h.CITIZEN, label="copy", public_key=pub)
    assert caught.value.code == "device.key_in_use"
    for i in range(devices.MAX_DEVICES - 1):
        await devices.bind(pid, h.CITIZEN, label=f"extra {i}")
    with pytest.raises(ApiError) as caught:
        await devices.bind(pid, h.CITIZEN, label="one too many")
    assert caught.value.code == "device.limit_reached"
    before = await records.load(issued["card_id"])
    unbound = await devices.unbind(pid, device.id, h.CITIZEN)
    assert unbound.status == "unbound"
    assert device.key_id in (await services.revocation_snapshot())[2]
    assert (await records.load(issued["card_id"])).version == before.version + 1
    with pytest.raises(ApiError) as caught:
        await devices.unbind(pid, device.id, h.CITIZEN)
    assert caught.value.code == "device.not_bound"
    # Unbound, the key may be bound again (a fresh binding, a fresh id).
    again = await devices.bind(pid, h.CITIZEN, label="back", public_key=pub)
    assert again.id != device.id


async def test_devices_need_an_active_card_with_an_ecard(database, keyring):
    no_ecard = await h.issued(keyring, ecard_level=0)
    with pytest.raises(ApiError) as caught:
        await devices.bind(no_ecard["person_id"], h.CITIZEN, label="phone")
    assert caught.value.code == "ecard.not_issued"
    lost = await h.issued(keyring)
    await transitions.perform(lc.REPORT_LOSS, h.CITIZEN, person_id=lost["person_id"])
    for call in (devices.bind(lost["person_id"], h.CITIZEN, label="phone"), devices.issue_ecard(lost["person_id"], h.CITIZEN)):
        with pytest.raises(ApiError) as caught:
            await call
        assert caught.value.code == "card.not_active" and caught.value.details["state"] == "lost"


def test_public_key_parsing():
    pub = ed25519.generate()[1]
    text = base64.urlsafe_b64encode(pub).rstrip(b"=").decode()
    assert devices.parse_public_key(text) == pub
    small_order = bytes(32)  # the identity point: anyone could forge its signatures
    for bad in ["", "abc", text[:-2], base64.urlsafe_b64encode(small_order).rstrip(b"=").decode()]:
        with pytest.raises(ApiError) as caught:
            devices.parse_public_key(bad)
        assert caught.value.code == "device.bad_public_key"


async def test_feed_deltas_and_snapshot_agree(database, keyring):
    start, _ = await services.revocations_since(0)
    a = await h.issued(keyring)
    b = await h.issued(keyring)
    await transitions.perform(lc.REPORT_TEMP_LOSS, STAFF, card_id=a["card_id"])
    await transitions.perform(lc.CANCEL, STAFF, card_id=b["card_id"])
    await transitions.perform(lc.LIFT_LOSS, STAFF, card_id=a["card_id"])
    version, entries = await services.revocations_since(start)
    ours = [(e.ref, e.status) for e in entries if e.ref in (a["card_ref"], b["card_ref"])]
    assert ours == [(a["card_ref"], "suspended"), (b["card_ref"], "cancelled"), (a["card_ref"], "active")]
    assert [e.version for e in entries] == sorted(e.version for e in entries)
    assert version == entries[-1].version
    assert (await services.revocations_since(version))[1] == []
    snap_version, cards, _ = await services.revocation_snapshot()
    assert snap_version >= version and cards.get(b["card_ref"]) == "cancelled" and a["card_ref"] not in cards
    # Paging: one at a time walks the same entries.
    walked, cursor = [], start
    while True:
        cursor, page = await services.revocations_since(cursor, limit=1)
        if not page:
            break
        walked += page
    assert [e.version for e in walked][: len(entries)] == [e.version for e in entries]


async def test_issue_directly_refuses_a_second_live_card(database, keyring):
    issued = await h.issued(keyring)
    office_id, code = await h.office()
    with pytest.raises(ApiError) as caught:
        await services.issue_card_directly(
            keyring, person_id=issued["person_id"], city_code=code, office_id=office_id, bank_code=await h.bank()
        )
    assert caught.value.status == 409 and caught.value.code == "card.already_active"
    assert await Card.count().where(Card.person == issued["person_id"]).run() == 1


@pytest.mark.parametrize("action", [lc.CANCEL, lc.REQUEST_REPLACEMENT, lc.REPORT_LOSS])
async def test_a_failure_late_in_the_transaction_leaves_nothing(database, keyring, monkeypatch, action):
    from backend.cards.revocations import Pending

    issued = await h.issued(keyring)
    device = await devices.bind(issued["person_id"], h.CITIZEN, label="phone", public_key=ed25519.generate()[1])
    before = await records.load(issued["card_id"])
    events = len(await _events(issued["card_id"]))

    async def broken(self, at):
        raise RuntimeError("the disk filled up just before commit")

    monkeypatch.setattr(Pending, "write", broken)
    with pytest.raises(RuntimeError):
        await transitions.perform(action, STAFF, card_id=issued["card_id"])
    assert await records.load(issued["card_id"]) == before
    assert len(await _events(issued["card_id"])) == events
    assert await Card.count().where(Card.person == issued["person_id"]).run() == 1
    assert await _feed(issued["card_ref"]) == []
    assert (await services.get_device(issued["person_id"], device.id)).status == "bound"
