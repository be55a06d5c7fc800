"""Minting online codes and issuing offline credentials for a citizen's usable card."""

from __future__ import annotations

import base64
import functools
import logging
import uuid
from collections.abc import Set as AbstractSet

import qrcode
import qrcode.util

from backend.cards import services as cards
from backend.cards.services import CodeSubject
from backend.certificates import linked
from backend.codes import format as fmt
from backend.codes.schemas import OfflineCredential, OnlineCode
from backend.keys.keyring import Keyring, KeyStoreError
from backend.lib import ed25519
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.codes")

RATE_WINDOW = 60
# A wallet refreshes its code about once a minute; 30 a minute leaves room for retries and
# several open tabs while stopping a script from minting codes in bulk.
MINT_PER_MINUTE = 30
# Credentials live for hours; a handful a minute covers reinstalling or re-registering a key.
CREDENTIALS_PER_MINUTE = 10
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M

# Concession certificates integrated into the card (Art. 7) -> credential flag bits.
CONCESSION_FLAGS: dict[str, fmt.Flags] = {
    "elderly": fmt.Flags.ELDERLY,
    "disability": fmt.Flags.DISABILITY,
    "veteran": fmt.Flags.VETERAN,
}


# --- helpers ---------------------------------------------------------------------------


def qr_data(text: str) -> qrcode.util.QRData:
    """The code text as one alphanumeric-mode segment (every code character is in that set)."""
    return qrcode.util.QRData(text.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM)


@functools.lru_cache(maxsize=64)
def _version_for_length(length: int) -> int:
    # In one alphanumeric segment the version depends only on the length, so cache by it.
    qr = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION)
    qr.add_data(qrcode.util.QRData(b"A" * length, mode=qrcode.util.MODE_ALPHA_NUM))
    version: int = qr.best_fit()  # sizes the bit stream only; no need to build the symbol
    return version


def qr_version(text: str) -> int:
    """Smallest QR version holding `text` at error correction M."""
    return _version_for_length(len(text))


async def rate_limit(store: Store, bucket: str, account_id: str, limit: int, window: int = RATE_WINDOW) -> None:
    """429 `codes.rate_limited` once `account_id` exceeds `limit` calls of `bucket` in the window."""
    key = f"codes:rate:{bucket}:{account_id}"
    count = await store.incr(key, window)
    if count > limit:
        left = await store.ttl(key)
        retry_after = left if left > 0 else window
        raise ApiError(
            429,
            "codes.rate_limited",
            f"Too many requests: at most {limit} per {window} seconds. Try again in {retry_after} s.",
            retry_after=retry_after,
            limit=limit,
            window_seconds=window,
        )


async def usable_subject(person_id: str | None) -> CodeSubject:
    """The CodeSubject of the person's current card; 404 without one, 409 when it cannot be used."""
    subject = await cards.card_for_person(person_id) if person_id else None
    if subject is None:
        raise ApiError(404, "card.not_found", "You have no electronic social security card yet.")
    if not subject.usable:
        if subject.unusable_result is None:
            # The card is active but no e-card was issued for it yet (level 0).
            message = "Your card is active but its electronic card has not been issued yet."
        else:
            message = f"Your card cannot be used now: it is {subject.state.replace('_', ' ')}."
        raise ApiError(
            409,
            "card.not_usable",
            message,
            state=subject.state,
            result=subject.unusable_result,
            ecard_level=subject.ecard_level,
        )
    return subject


def concession_flags(subject: CodeSubject, certified: AbstractSet[str] = frozenset()) -> int:
    """Credential flag bits from the card's integrated concessions (age), the holder's linked
    certificates (`certified` concession codes) and the card's transport function."""
    flags = fmt.Flags(0)
    for name in (*subject.concessions, *certified):
        flags |= CONCESSION_FLAGS.get(name, fmt.Flags(0))
    if subject.transport_enabled:
        flags |= fmt.Flags.TRANSPORT
    return int(flags)


# --- online codes ------------------------------------------------------------------------


def mint(card_ref_hex: str, keyring: Keyring, now: int) -> OnlineCode:
    """A fresh online code for this card under the newest online secret. Nothing is stored:
    the code authenticates itself (HMAC) and the venue's server claims its id once."""
    kid = keyring.online_kid
    code = fmt.mint_online(
        bytes.fromhex(card_ref_hex), kid=kid, master=keyring.online[kid], now=now, suite=keyring.online_suite(kid)
    )
    return OnlineCode(
        code=code,
        code_id=fmt.code_id_of(code) or "",
        kind="online",
        issued_at=now,
        expires_at=now + fmt.CODE_LIFETIME,
        qr_version=qr_version(code),
    )


async def online_code(*, account_id: str, person_id: str | None, keyring: Keyring, store: Store, now: int) -> OnlineCode:
    """Rate-limit the account, check its card is usable and mint a code for it."""
    await rate_limit(store, "mint", account_id, MINT_PER_MINUTE)
    subject = await usable_subject(person_id)
    return mint(subject.card_ref, keyring, now)


# --- offline credentials -----------------------------------------------------------------


async def bound_device(person_id: str | None, device_id: uuid.UUID | str) -> tuple[CodeSubject, bytes]:
    """The usable card and the registered Ed25519 key of a device bound to it, for either credential
    route: 404 device.not_found, 409 card.*, 409 device.unbound / no_public_key / bad_public_key."""
    device = await cards.get_device(person_id, device_id) if person_id else None
    if device is None:
        raise ApiError(404, "device.not_found", "You have no device with this id.")
    subject = await usable_subject(person_id)
    # Bound, and to the current card: a replacement moves bound phones to the new card, so a
    # device still pointing elsewhere belongs to a card that no longer works.
    if device.status != "bound" or device.card_id != subject.card_id:
        raise ApiError(
            409,
            "device.unbound",
            "This device is not bound to your card; bind it again before asking for credentials.",
            device_status=device.status,
        )
    if not device.public_key:
        raise ApiError(409, "device.no_public_key", "Register the device's Ed25519 public key first.")
    public = bytes(device.public_key)
    if not ed25519.is_valid_public(public):
        # A small-order key would let anyone forge this device's signatures.
        raise ApiError(409, "device.bad_public_key", "The device's registered public key is not a usable Ed25519 key.")
    return subject, public


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def issue_credential(
    *,
    account_id: str,
    person_id: str | None,
    device_id: uuid.UUID | str,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
) -> OfflineCredential:
    """Sign a credential binding the device's public key to the holder's usable card.

    Checks, in order: format 1 is not retired (410), the device exists (404), the card is usable
    (409 card.*), the device is bound to it (409 device.unbound) and has a valid registered key
    (409 device.*).
    """
    if now >= settings.offline_v1_retire_at:
        # Verifiers refuse YKD1 codes from this moment (`format_retired`): a credential for them helps no one.
        raise ApiError(
            410,
            "credential.format_retired",
            "Offline codes of format 1 are retired; ask for credentials of format 2 (POST /api/v1/me/credentials/batch).",
            retired_at=settings.offline_v1_retire_at,
        )
    await rate_limit(store, "credential", account_id, CREDENTIALS_PER_MINUTE)
    subject, public = await bound_device(person_id, device_id)

    try:
        key = keyring.active_signing(now)
    except KeyStoreError as exc:
        log.error("no issuer signing key", extra={"reason": str(exc)})
        raise ApiError(503, "keys.no_signing_key", "Offline credentials cannot be issued right now; try again later.") from exc

    skew = settings.clock_skew_seconds
    nbf = max(0, now - skew)  # a phone whose clock runs a little behind can use it at once
    # Never outlive the issuer key's place in the trust list: verifiers drop the key then.
    # Never past the day format 1 retires: verifiers refuse its codes from then on.
    exp = min(now + settings.credential_hours * 3600, key.publish_until - skew, settings.offline_v1_retire_at)
    if exp <= nbf:
        raise ApiError(503, "keys.no_signing_key", "The issuer key is about to retire; try again after the key rotation.")
    credential = fmt.make_credential(
        issuer_kid=bytes.fromhex(key.kid),
        issuer_seed=key.seed,
        card_ref=bytes.fromhex(subject.card_ref),
        region=int(subject.region),
        nbf=nbf,
        exp=exp,
        flags=concession_flags(subject, await linked.concessions_for(subject.person_id, None)),
        device_pub=public,
    )
    device_key_id = fmt.device_key_id(public)
    log.info("offline credential issued", extra={"kid": key.kid, "device_key_id": device_key_id, "exp": exp})
    return OfflineCredential(
        credential=_b64url(credential),
        kid=key.kid,
        nbf=nbf,
        exp=exp,
        device_key_id=device_key_id,
        format="YKC1",
    )
