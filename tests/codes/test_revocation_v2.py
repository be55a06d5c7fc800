"""Revoking a card or a phone revokes every outstanding credential of format 2, offline (issue 18)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid

import pytest

from backend.codes import format_v2 as v2
from tests.codes.helpers import card_action, in_app, make_citizen
from tests.codes.helpers_v2 import SCENARIO_OF, Phone, batch, bind_phone, trust_v2, unbind_phone
from tests.venues.helpers import World

pytestmark = pytest.mark.anyio
R = v2.Result
LIST = "/api/v1/revocations"


class Gate:
    """An offline gate: the trust list and the revocation list it syncs (full, then deltas)."""

    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.held: v2.RevocationsV2 | None = None
        self.trust: dict[str, v2.TrustedKey] = {}
        self.last: dict = {}

    async def sync(self, *, full: bool = False) -> dict:
        since = "" if full or self.held is None else f"?since={self.held[0]}"
        response = await self.client.get(LIST + since, headers=self.headers)
        assert response.status_code == 200, response.text
        self.last = response.json()
        self.held = v2.apply_revocation_update_v2(self.held, self.last)
        self.trust = await trust_v2(self.client)
        return self.last

    def check(self, phone: Phone, issued: dict) -> v2.Result:
        """What the gate says of a code of this credential, made inside its slot."""
        assert self.held is not None
        at = max(issued["nbf"] + 10, int(time.time()))
        scenario = SCENARIO_OF[issued["profile"]]
        code = phone.code(issued, scenario, at)
        return v2.verify_offline_v2(
            code, trust=self.trust, scenario=scenario, now=at + 5, revoked_credentials=self.held[3]
        ).result

    def results(self, phone: Phone, issued: list[dict]) -> set[v2.Result]:
        return {self.check(phone, c) for c in issued}


def credential_changes(delta: dict) -> dict[str, str]:
    assert delta["full"] is False
    return {c["ref"]: c["status"] for c in delta["changes"] if c["kind"] == "credential"}


async def _gate(client) -> Gate:
    gate = Gate(client, await World(client).scanner_for("metro", ["transit_ride"]))
    await gate.sync(full=True)
    return gate


async def test_suspend_lift_and_cancel_reach_every_credential_of_the_batch(client):
    gate = await _gate(client)
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    issued = (await batch(client, citizen, phone, 15))["credentials"]
    refs = {c["cred_ref"] for c in issued}
    assert len(refs) == 15
    assert gate.results(phone, issued) == {R.VALID}

    await card_action(client, citizen, "report_temp_loss")
    delta = await gate.sync()
    # One entry per outstanding credential, and the card's own, in the same delta.
    assert credential_changes(delta) == dict.fromkeys(refs, "suspended")
    assert any(c["kind"] == "card" and c["ref"] == citizen.card["card_ref"] for c in delta["changes"])
    assert gate.results(phone, issued) == {R.CARD_SUSPENDED}  # every credential, refused offline
    full = await gate.sync(full=True)
    assert {ref: full["credentials"][ref] for ref in refs} == dict.fromkeys(refs, "suspended")
    assert gate.results(phone, issued) == {R.CARD_SUSPENDED}

    await card_action(client, citizen, "lift_loss")
    delta = await gate.sync()
    assert credential_changes(delta) == dict.fromkeys(refs, "active")
    assert gate.results(phone, issued) == {R.VALID}  # valid again through the delta
    assert not refs & set((await client.get(LIST, headers=gate.headers)).json()["credentials"])

    await card_action(client, citizen, "cancel")
    delta = await gate.sync()
    assert credential_changes(delta) == dict.fromkeys(refs, "cancelled")
    assert gate.results(phone, issued) == {R.CARD_CANCELLED}
    await gate.sync(full=True)
    assert gate.results(phone, issued) == {R.CARD_CANCELLED}


async def test_unbinding_the_phone_revokes_its_credentials_for_good(client):
    gate = await _gate(client)
    citizen = await make_citizen(client)
    phone, other = await bind_phone(client, citizen), await bind_phone(client, citizen)
    issued = (await batch(client, citizen, phone, 15))["credentials"]
    kept = (await batch(client, citizen, other, 3))["credentials"]
    refs = {c["cred_ref"] for c in issued}

    await unbind_phone(client, citizen, phone)
    delta = await gate.sync()
    assert credential_changes(delta) == dict.fromkeys(refs, "revoked")  # the other phone's are untouched
    assert gate.results(phone, issued) == {R.DEVICE_REVOKED}
    assert gate.results(other, kept) == {R.VALID}

    # The card suspended and back again: the unbound phone's credentials stay revoked.
    await card_action(client, citizen, "report_temp_loss")
    await card_action(client, citizen, "lift_loss")
    delta = await gate.sync()
    assert not refs & set(credential_changes(delta))
    assert gate.results(phone, issued) == {R.DEVICE_REVOKED}
    assert gate.results(other, kept) == {R.VALID}
    full = await gate.sync(full=True)
    assert {full["credentials"][ref] for ref in refs} == {"revoked"}


async def test_a_replaced_card_cancels_the_old_cards_credentials(client):
    gate = await _gate(client)
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    issued = (await batch(client, citizen, phone, 6))["credentials"]
    await card_action(client, citizen, "request_replacement")
    await gate.sync()
    assert gate.results(phone, issued) == {R.CARD_CANCELLED}
    # The phone follows the holder to the new card and gets credentials for it.
    renewed = (await batch(client, citizen, phone, 3))["credentials"]
    assert gate.results(phone, renewed) == {R.VALID}


async def test_expired_credentials_are_left_out(client):
    gate = await _gate(client)
    citizen = await make_citizen(client)
    phone = await bind_phone(client, citizen)
    issued = (await batch(client, citizen, phone, 3))["credentials"]
    old = secrets.token_hex(8)
    await in_app(client, _expired_credential, citizen.card["card_id"], phone.device_id, old)
    await card_action(client, citizen, "report_temp_loss")
    delta = await gate.sync()
    changes = credential_changes(delta)
    assert set(changes) == {c["cred_ref"] for c in issued} and old not in changes
    assert old not in (await gate.sync(full=True))["credentials"]


async def _expired_credential(card_id, device_id, ref):
    from backend.cards.tables import OfflineCredential

    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    await OfflineCredential.insert(
        OfflineCredential(
            id=uuid.uuid4(),
            ref=ref,
            card=card_id,
            device=uuid.UUID(device_id),
            suite="ed25519",
            profile="validity",
            kid="00000000",
            key_id="00" * 8,
            nbf=at - dt.timedelta(hours=3),
            exp=at,
            issued_at=at - dt.timedelta(hours=3),
        )
    ).run()


async def test_a_delta_with_many_entries_per_card_stays_complete(client):
    """The delta limit counts entries: many credentials per card never make a delta partial."""
    from backend.venues import offline

    gate = await _gate(client)
    citizens = [await make_citizen(client) for _ in range(2)]
    refs: set[str] = set()
    for citizen in citizens:
        phone = await bind_phone(client, citizen)
        refs |= {c["cred_ref"] for c in (await batch(client, citizen, phone, 15))["credentials"]}
    start = gate.held[0]
    for citizen in citizens:
        await card_action(client, citizen, "report_temp_loss")
    settings = client.app.state.settings
    original = offline.DELTA_LIMIT
    try:
        offline.DELTA_LIMIT = 31  # 2 cards x (1 + 15) entries = 32: more than a delta may hold
        answer = await in_app(client, offline.revocation_list, str(start), int(time.time()), settings)
        assert answer.full is True and refs <= set(answer.credentials or {})
        offline.DELTA_LIMIT = 33
        answer = await in_app(client, offline.revocation_list, str(start), int(time.time()), settings)
        assert answer.full is False and refs <= {c.ref for c in answer.changes or [] if c.kind == "credential"}
    finally:
        offline.DELTA_LIMIT = original
