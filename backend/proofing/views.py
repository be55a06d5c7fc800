"""The read side of proofing: how surely the holder is proven, which routes are open to them."""

from __future__ import annotations

import uuid

from backend.accounts import services as accounts
from backend.keys.keyring import Keyring
from backend.lib import assurance
from backend.lib.settings import Settings
from backend.proofing import banking, remote
from backend.proofing.schemas import CardBrief, Routes, StatusOut


async def status(settings: Settings, keyring: Keyring, account: uuid.UUID, person: uuid.UUID | None) -> StatusOut:
    proof = await accounts.proof_of(account)
    card = await banking.active_card(person)
    has_photo = person is not None and await remote.reference(person) is not None
    return StatusOut(
        assurance=proof.level,
        level=assurance.NAMES.get(proof.level, "none"),  # type: ignore[arg-type]  # NAMES spells every level
        method=proof.method,
        proven_at=proof.proven_at,
        routes=Routes(counter=True, bank=card is not None, provider=has_photo and remote.provider(settings, keyring) is not None),
        card=CardBrief(active=True, bank_name=card.bank_name, card_number_masked=banking.mask_card_number(card.number))
        if card
        else None,
    )
