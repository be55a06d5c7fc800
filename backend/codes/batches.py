"""Offline credentials of format 2: a batch per request, one per profile and aligned slot (issue 18)."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import uuid
from dataclasses import dataclass

from backend.cards import services as cards
from backend.cards.services import CodeSubject, NewCredential
from backend.certificates import linked
from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.codes.minting import bound_device, concession_flags, rate_limit
from backend.codes.schemas import BATCH_CONTEXT, CredentialBatch, CredentialBatchRequest, IssuedCredentialV2, Profile, Suite
from backend.keys.keyring import Keyring, KeyStoreError, SigningKey
from backend.lib import ed25519, sm2
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.codes.batches")

# A phone asks once per a few hours, and again after a rejected key list; a handful a minute
# covers retries while stopping a script from minting references in bulk.
BATCHES_PER_MINUTE = 6
PROFILES: tuple[Profile, ...] = ("validity", "concession", "transit")
# The credential's profile number and which attribute bits it may carry (docs/qr-format.md).
PROFILE_NUMBER: dict[Profile, int] = {"validity": 1, "concession": 2, "transit": 3}
PROFILE_MASK: dict[Profile, int] = {"validity": 0x00, "concession": 0x07, "transit": 0x0F}
SUITE_OF_ALG: dict[str, Suite] = {"EdDSA": "ed25519", "SM2SM3": "sm2"}
SUITE_NUMBER: dict[Suite, int] = {"ed25519": 1, "sm2": 2}
PUBLIC_SIZE: dict[Suite, int] = {"ed25519": ed25519.PUBLIC_SIZE, "sm2": sm2.PUBLIC_SIZE}


@dataclass(frozen=True)
class Slot:
    nbf: int
    exp: int


# A phone may hold this many full plans of unexpired credentials (cards.services.record_credentials).
OUTSTANDING_PLANS = 4


def batch_message(device_id: uuid.UUID | str, t: int, suite: str, keys: list[str]) -> bytes:
    """What the phone's bound key signs: the context line, then the request's fields, one a line."""
    return "\n".join([BATCH_CONTEXT, str(device_id), str(t), suite, *keys]).encode()


def issuing_suite(key: SigningKey) -> Suite:
    """The suite of credentials this issuer key signs."""
    return SUITE_OF_ALG[key.alg]


def slots(now: int, settings: Settings, publish_until: int) -> list[Slot]:
    """The aligned slots from the current one through now + credential_hours, each ending at the
    slot's end but never after the issuer key leaves the trust list (less the skew): every
    holder's credential for a slot has the same nbf and exp. A slot the key cannot cover is left
    out, and every one after it (the phone asks again after the rotation)."""
    length = settings.credential_slot_hours * 3600
    cap = publish_until - settings.clock_skew_seconds
    out = []
    for nbf in range(now - now % length, now + settings.credential_hours * 3600, length):
        exp = min(nbf + length, cap)
        if exp <= max(nbf, now):
            break
        out.append(Slot(nbf, exp))
    return out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _one_time_keys(suite: Suite, keys: list[str]) -> list[bytes]:
    """The keys decoded and checked: each a usable public key of the suite, none twice."""
    valid = ed25519.is_valid_public if suite == "ed25519" else sm2.is_valid_public
    out: list[bytes] = []
    for index, text in enumerate(keys):
        raw = _unb64url(text)
        # One spelling per key: the canonical unpadded base64url of exactly the suite's length.
        if raw is None or len(raw) != PUBLIC_SIZE[suite] or _b64url(raw) != text or not valid(raw):
            raise ApiError(400, "credential.bad_public_key", f"Key {index} is not a usable {suite} public key.", index=index)
        if raw in out:
            raise ApiError(400, "credential.duplicate_key", f"Key {index} was sent twice; every key is used once.", index=index)
        out.append(raw)
    return out


def region_of(subject: CodeSubject, profile: Profile) -> int:
    """The region a credential names: the card's province (validity, concession) or its city (transit)."""
    return int(subject.region) if profile == "transit" else int(subject.region[:2] + "0000")


def _sign(
    key: SigningKey, suite: Suite, *, ref: bytes, profile: Profile, region: int, slot: Slot, attrs: int, pub: bytes
) -> bytes:
    return v2.make_credential_v2(
        suite=SUITE_NUMBER[suite],
        issuer_kid=bytes.fromhex(key.kid),
        issuer_private=key.seed,
        cred_ref=ref,
        profile=PROFILE_NUMBER[profile],
        region=region,
        nbf=slot.nbf,
        exp=slot.exp,
        attrs=attrs,
        device_pub=pub,
    )


async def issue_batch(
    *,
    account_id: str,
    person_id: str | None,
    request: CredentialBatchRequest,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
) -> CredentialBatch:
    """Check the request (device, card, time, the phone's signature, suite, keys), sign one
    credential per (slot, profile) for as many keys as were sent, record them, answer them."""
    await rate_limit(store, "credential-batch", account_id, BATCHES_PER_MINUTE)
    subject, device_key = await bound_device(person_id, request.device_id)
    if abs(now - request.t) > fmt.CODE_LIFETIME + settings.clock_skew_seconds:
        raise ApiError(
            400, "credential.stale_request", "The request's time is too far from ours; check the phone's clock.", now=now
        )
    signature = _unb64url(request.signature)
    message = batch_message(request.device_id, request.t, request.suite, request.keys)
    if signature is None or len(signature) != ed25519.SIGNATURE_SIZE or not ed25519.verify(device_key, message, signature):
        raise ApiError(403, "credential.bad_device_signature", "The request is not signed by this device's registered key.")
    try:
        key = keyring.issuing_key(now)  # of the keyring's suite (`yikatong keys rotate --suite`)
    except KeyStoreError as exc:
        log.error("no issuer signing key", extra={"reason": str(exc)})
        raise ApiError(503, "keys.no_signing_key", "Offline credentials cannot be issued right now; try again later.") from exc
    suite = issuing_suite(key)
    if request.suite != suite:
        raise ApiError(
            409, "credential.suite_changed", f"Credentials are issued in the {suite} suite now; make keys of it.", suite=suite
        )
    publics = _one_time_keys(suite, request.keys)
    plan = slots(now, settings, key.publish_until)
    if not plan:
        raise ApiError(503, "keys.no_signing_key", "The issuer key is about to retire; try again after the key rotation.")
    flags = concession_flags(subject, await linked.concessions_for(subject.person_id, None))
    issued: list[IssuedCredentialV2] = []
    records: list[NewCredential] = []
    pairs = [(slot, profile) for slot in plan for profile in PROFILES]  # slot-major: now is covered first
    for index, ((slot, profile), public) in enumerate(zip(pairs, publics, strict=False)):
        ref = secrets.token_bytes(8)  # fresh per credential: two codes share no identifying bytes
        credential = _sign(
            key,
            suite,
            ref=ref,
            profile=profile,
            region=region_of(subject, profile),
            slot=slot,
            attrs=flags & PROFILE_MASK[profile],
            pub=public,
        )
        issued.append(
            IssuedCredentialV2(
                credential=_b64url(credential),
                cred_ref=ref.hex(),
                profile=profile,
                nbf=slot.nbf,
                exp=slot.exp,
                kid=key.kid,
                key_index=index,
            )
        )
        records.append(
            NewCredential(
                ref=ref.hex(),
                suite=suite,
                profile=profile,
                kid=key.kid,
                key_id=v2.device_key_id_v2(public),
                nbf=slot.nbf,
                exp=slot.exp,
            )
        )
    # Room for the wallet's refills and a lost answer or two; a status change lists them all.
    await cards.record_credentials(
        subject.card_id, request.device_id, records, now, max_outstanding=OUTSTANDING_PLANS * len(pairs)
    )
    needed = len(pairs)
    log.info("offline credentials issued", extra={"kid": key.kid, "suite": suite, "count": len(issued), "needed": needed})
    return CredentialBatch(suite=suite, slot_seconds=settings.credential_slot_hours * 3600, credentials=issued, needed=needed)
