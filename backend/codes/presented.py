"""A code presented to a verifier (a venue's scanner, an agency): checked, then used up once.

The one home of both halves, so every place a code is accepted agrees on what "valid" and
"already used" mean: venues' verification and consent's agency queries call these functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from backend.cards import services as cards
from backend.cards.services import CodeSubject
from backend.codes import format as fmt
from backend.keys.keyring import Keyring
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.codes.presented")
R = fmt.Result
CLAIM_MARGIN = 30  # seconds the one-time claim outlives the latest moment the code could pass


@dataclass
class Scan:
    """What checking a code found: its kind and result, and the card it names when it names one."""

    kind: str | None
    result: fmt.Result
    code_id: str | None = None
    card_ref: str | None = None
    device_key_id: str | None = None
    valid_until: int | None = None
    subject: CodeSubject | None = None


def claim_ttl(settings: Settings) -> int:
    """How long a use is remembered in the store: past the last moment the code could pass."""
    return fmt.CODE_LIFETIME + 2 * settings.clock_skew_seconds + CLAIM_MARGIN


def claim_value(user_id: str, use_id: str, at: int, purpose: str) -> str:
    """What a claim holds: ids only, never attributes (no personal data sits in the shared store)."""
    return f"{user_id}|{use_id}|{at}|{purpose}"


def claim_holder(held: str) -> tuple[str, str, int, str]:
    """(user id, use id, unix time, purpose) of a claim value written by claim_value. Other
    holders (an offline upload's "offline|<scanner>") give empty parts and time 0."""
    user_id, _, rest = held.partition("|")
    use_id, _, rest = rest.partition("|")
    at, _, purpose = rest.partition("|")
    return user_id, use_id, int(at) if at.isdigit() else 0, purpose


def _key(code_id: str) -> str:
    return f"code:{code_id}"


async def claim(store: Store, code_id: str, value: str, ttl: int) -> str | None:
    """Use the code up across all workers for `ttl` seconds (usually claim_ttl): None when this
    call won, else the holder's value. The store is the fast path; the database keeps the
    durable record (venues' use_key)."""
    return await store.claim(_key(code_id), value, ttl)


async def restore(store: Store, code_id: str, value: str, ttl: int) -> None:
    """Put back a claim the store had lost, so the next presentation is refused there."""
    await store.set(_key(code_id), value, ttl)


async def give_back(store: Store, code_id: str) -> None:
    """Release a claim whose use never happened (nothing was answered or written)."""
    await store.delete(_key(code_id))


async def check(code: str, keyring: Keyring, now: int, skew: int, *, retire_at: int | None = None) -> Scan:
    """Signature, time, card state and device state: everything except one-time use. A code of
    format 1 (YKD1) after `retire_at` is `format_retired` (docs/qr-format.md)."""
    kind = fmt.kind_of(code)
    if kind == "online":
        online = fmt.verify_online(code, masters=keyring.online_masters, now=now, skew=skew)
        valid_until = online.iat + fmt.CODE_LIFETIME if online.iat is not None else None
        scan = Scan(kind, online.result, online.code_id, valid_until=valid_until)
        card_ref = online.card_ref
    elif kind == "offline":
        # The server holds the live card and device state, checked below, so no lists here.
        # Format 1 is Ed25519 only: an SM2 key of the same kid space must never be tried as one.
        trust = {k.kid: k.public for k in keyring.published(now) if k.alg == "EdDSA"}
        offline = fmt.verify_offline(code, trust=trust, now=now, skew=skew, retire_at=retire_at)
        valid_until = offline.t + fmt.CODE_LIFETIME if offline.t is not None else None
        scan = Scan(kind, offline.result, offline.code_id, device_key_id=offline.device_key_id, valid_until=valid_until)
        card_ref = offline.card_ref
    else:
        return Scan(None, R.MALFORMED)
    if card_ref is None:
        return scan
    scan.card_ref = card_ref.hex()
    scan.subject = await cards.card_for_code(scan.card_ref)
    if scan.result != R.VALID:
        return scan
    if scan.subject is None:
        # A correctly signed code for a card we do not know means lost data: fail closed.
        log.warning("signed code for an unknown card", extra={"code_kind": kind, "code_id": scan.code_id})
    scan.result = card_result(scan.subject) or scan.result
    if scan.result == R.VALID and kind == "offline" and await cards.device_revoked(scan.device_key_id):
        scan.result = R.DEVICE_REVOKED
    return scan


def card_result(subject: CodeSubject | None) -> fmt.Result | None:
    """Why a correctly signed code of this card is refused, by the card's live state; None if usable.
    No card (lost data) fails closed as cancelled; anything but an explicit cancellation as suspended."""
    if subject is None:
        return R.CARD_CANCELLED
    if subject.usable:
        return None
    return R.CARD_CANCELLED if subject.unusable_result == R.CARD_CANCELLED.value else R.CARD_SUSPENDED
