"""Scopes to claims, the holder's values of them, and pairwise subject identifiers (OIDC Core 8.1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from backend.cards import services as cards
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.oidc.schemas import ClaimView

# scope -> the claims it releases, in the order the consent screen lists them. `openid` gives the
# pairwise `sub` alone: no attribute leaves without a scope that names it.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": (),
    "card": ("yk_card_valid", "yk_card_valid_until"),
    "masked_name": ("yk_masked_name",),
    "identity": ("name", "yk_document_type", "yk_document_number"),
}
SCOPES = tuple(SCOPE_CLAIMS)
# Scopes whose claims are given only by userinfo (a back-channel call with the access token), never
# in the ID token, which passes through the browser and is often logged or kept by the site's front end.
USERINFO_ONLY = ("identity",)
LABELS = {
    "yk_card_valid": "Card valid",
    "yk_card_valid_until": "Validity statement good until",
    "yk_masked_name": "Masked name",
    "name": "Full name",
    "yk_document_type": "Identity document type",
    "yk_document_number": "Identity document number",
}
_PAIRWISE_INFO = b"oidc pairwise"


def claim_names(scopes: list[str]) -> list[str]:
    return [claim for scope in SCOPES if scope in scopes for claim in SCOPE_CLAIMS[scope]]


def subject(keyring: Keyring, sector: str, person_id: uuid.UUID | str) -> str:
    """base64url(HMAC-SHA256(k, sector || person id)): the same for one sector, unlinkable across sectors.
    The person id is the canonical 36-character UUID text, so the concatenation is unambiguous."""
    message = sector.encode() + str(uuid.UUID(str(person_id))).encode()
    return keyring.pseudonym(_PAIRWISE_INFO, message)


@dataclass(frozen=True)
class Values:
    """The holder's values of the claims `scopes` release (identity ones read only when asked for)."""

    claims: dict[str, Any]
    masked_number: str = ""


async def values(keyring: Keyring, person_id: uuid.UUID | str, scopes: list[str], *, valid_until: int) -> Values:
    """The claims for these scopes now. `valid_until`: until when a `yk_card_valid` statement is
    given (the token's expiry: the card's state is live and may change afterwards)."""
    out: dict[str, Any] = {}
    masked = ""
    if "card" in scopes:
        card = await cards.card_for_person(person_id)
        valid = bool(card and card.usable)
        out["yk_card_valid"] = valid
        out["yk_card_valid_until"] = valid_until if valid else None
    if "masked_name" in scopes or "identity" in scopes:
        person = await identity.get_person(person_id)
        if "masked_name" in scopes:
            out["yk_masked_name"] = identity.masked_name(person["name"])
        if "identity" in scopes:
            out["name"] = person["name"]
            out["yk_document_type"] = person["doc_type"]
            out["yk_document_number"] = identity.reveal_number(keyring, person)
            masked = identity.masked_number(keyring, person)
    return Values(out, masked)


def views(found: Values, scopes: list[str]) -> list[ClaimView]:
    """The consent screen's lines. The document number shows masked on the phone (the holder knows
    it; a shoulder need not); the relying party gets it whole."""
    lines = []
    for name in claim_names(scopes):
        value = found.claims.get(name)
        if name == "yk_document_number":
            value = found.masked_number
        lines.append(ClaimView(name=name, label=LABELS[name], value=value))
    return lines
