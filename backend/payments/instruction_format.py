"""The signed payment instruction format (docs/payments.md, "Instructions"): the exact bytes, signing, checking. No I/O."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from backend.lib import ed25519
from backend.lib.canonical import canonical_json, iso_seconds

# Domain separation: these bytes can never be mistaken for another signed object of the province.
PREFIX = b"yikatong-payment-instruction-v1\n"
CURRENCY = "CNY"
# The members of `signed_fields`, in the order the documentation lists them (the bytes sort them).
FIELDS = (
    "id",
    "bank_code",
    "account",
    "payee_name",
    "amount_fen",
    "currency",
    "payment_type",
    "payer_agency",
    "purpose",
    "created_at",
)


def signed_fields(
    *,
    id: uuid.UUID | str,
    bank_code: str,
    account: str,
    payee_name: str,
    amount_fen: int,
    payment_type: str,
    payer_agency: str,
    purpose: str,
    created_at: dt.datetime | str,
) -> dict[str, Any]:
    """What the signature covers: every member a bank acts on. `created_at` is UTC to the second
    (`2026-12-01T08:00:00Z`); a datetime is spelled so, a string is taken as it is."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise TypeError("amount_fen is an integer number of fen")
    moment = iso_seconds(created_at) if isinstance(created_at, dt.datetime) else created_at
    return {
        "id": str(id),
        "bank_code": bank_code,
        "account": account,
        "payee_name": payee_name,
        "amount_fen": amount_fen,
        "currency": CURRENCY,
        "payment_type": payment_type,
        "payer_agency": payer_agency,
        "purpose": purpose,
        "created_at": moment,
    }


def message(fields: dict[str, Any]) -> bytes:
    """The signed bytes: PREFIX then the canonical JSON of the fields (keys sorted, no spaces, UTF-8)."""
    return PREFIX + canonical_json({name: fields[name] for name in FIELDS})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes | None:
    """base64url without padding back to bytes; None for anything that is not."""
    if not isinstance(text, str) or len(text) % 4 == 1 or "=" in text:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def sign(seed: bytes, fields: dict[str, Any]) -> str:
    """The Ed25519 signature of the instruction by the key with this seed, base64url without padding."""
    return b64url(ed25519.sign(seed, message(fields)))


def verify(public: bytes, fields: dict[str, Any], signature: str) -> bool:
    """True when `signature` (base64url) is the key's signature over these fields; False for anything else."""
    raw = unb64url(signature)
    if raw is None:
        return False
    try:
        data = message(fields)
    except (KeyError, TypeError, ValueError):
        return False
    return ed25519.verify(public, data, raw)


def verify_with_jwks(jwks: dict[str, Any], kid: str, fields: dict[str, Any], signature: str) -> bool:
    """Check against the province's published JWK Set (GET /.well-known/jwks.json): the key named `kid`."""
    for key in jwks.get("keys", []):
        if key.get("kid") == kid and key.get("kty") == "OKP" and key.get("crv") == "Ed25519":
            public = unb64url(key.get("x", ""))
            return public is not None and verify(public, fields, signature)
    return False
