"""Turning service results into response Structs, and the error answers routes document."""

from __future__ import annotations

import base64

from backend.cards import schemas as s
from backend.cards import views
from backend.cards.devices import DeviceRow
from backend.cards.transitions import Outcome
from backend.lib.openapi import error

ERRORS = {
    403: error("auth.not_permitted (role or city does not allow it)"),
    404: error("card.not_found, bank.not_found, device.not_found, application.not_found"),
    409: error("card.illegal_transition (details: state, allowed_actions), card.already_active, bank.not_active, ..."),
    422: error("document.*, region.unknown, device.bad_public_key, ..."),
}


async def action_out(outcome: Outcome, actor_kind: str) -> s.ActionOut:
    card = await views.card(outcome.card.id, actor_kind, settle=False)
    new = await views.card(outcome.new_card.id, actor_kind, settle=False) if outcome.new_card else None
    return s.ActionOut(card=card, new_card=new)


def device_out(device: DeviceRow) -> s.DeviceOut:
    public = device.public_key
    return s.DeviceOut(
        id=device.id,
        card_id=device.card_id,
        label=device.label,
        public_key=base64.urlsafe_b64encode(public).rstrip(b"=").decode() if public else None,
        key_id=device.key_id,
        status=device.status,
        bound_at=device.bound_at,
        unbound_at=device.unbound_at,
    )
