"""Turning service results into response Structs, and the error answers routes document."""

from __future__ import annotations

import base64

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from backend.cards import schemas as s
from backend.cards import views
from backend.lib.errors import ErrorResponse

ERRORS = {
    403: ResponseSpec(ErrorResponse, description="auth.not_permitted (role or city does not allow it)"),
    404: ResponseSpec(ErrorResponse, description="card.not_found, bank.not_found, device.not_found, application.not_found"),
    409: ResponseSpec(
        ErrorResponse,
        description="card.illegal_transition (details: state, allowed_actions), card.already_active, bank.not_active, ...",
    ),
    422: ResponseSpec(ErrorResponse, description="document.*, region.unknown, device.bad_public_key, ..."),
}


def card_out(view: dict | None) -> s.CardOut:
    return msgspec.convert(view, s.CardOut)


async def action_out(result: dict, actor_kind: str) -> s.ActionOut:
    card = await views.card(result["card"]["id"], actor_kind, settle=False)
    new = await views.card(result["new_card"]["id"], actor_kind, settle=False) if result.get("new_card") else None
    return s.ActionOut(card=card_out(card), new_card=card_out(new) if new else None)


def device_out(device: dict) -> s.DeviceOut:
    public = device["public_key"]
    text = base64.urlsafe_b64encode(public).rstrip(b"=").decode() if public else None
    return msgspec.convert({**device, "public_key": text}, s.DeviceOut)
