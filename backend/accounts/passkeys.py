"""Passkeys (WebAuthn): single-use challenges kept in the database, registration, the assertion
check shared by sign-in, the second factor and step-up, and the holder's list of passkeys."""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import COSEAlgorithmIdentifier

from backend.accounts import factors
from backend.accounts.schemas import (
    AuthenticationCredential,
    AuthenticatorSelection,
    CreationOptions,
    CredentialDescriptor,
    KeyParam,
    PasskeyAdded,
    PasskeyRegistration,
    PasskeyUser,
    PasskeyView,
    RelyingParty,
    RequestOptions,
)
from backend.accounts.sessions import utc
from backend.accounts.tables import Account, Passkey, PasskeyChallenge, RecoveryCode
from backend.inbox import services as inbox
from backend.lib.db import is_unique_violation, transaction
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.accounts")

CHALLENGE_SECONDS = 300  # a ceremony must be answered within five minutes
TIMEOUT_MS = 120_000  # what the browser is told to wait for the holder
MAX_PASSKEYS = 10
# ES256 (every platform authenticator), EdDSA, RS256 (Windows Hello): best first.
ALGORITHMS = (
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
)

REGISTER = "register"
SIGNIN = "signin"
SECOND_FACTOR = "second_factor"
STEP_UP = "step_up"

# What a refusal of a malformed answer can look like: the library's own errors, and what CBOR,
# base64 and the key loaders raise on bytes a browser (or anyone) made up.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, OverflowError)


class Refused(Exception):
    """A WebAuthn answer that does not hold; the caller picks the status (401 at sign-in, 422 elsewhere)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_error(self, status: int) -> ApiError:
        return ApiError(status, self.code, self.message)


@dataclass(frozen=True)
class Used:
    """A passkey whose assertion was just accepted."""

    id: uuid.UUID
    account_id: uuid.UUID
    user_verified: bool


def b64(data: bytes) -> str:
    return bytes_to_base64url(data)


def user_handle(account_id: uuid.UUID | str) -> str:
    """The WebAuthn user handle: the account's random id (nothing personal, RFC 4122 bytes)."""
    return b64(uuid.UUID(str(account_id)).bytes)


def origin_allowed(origin: str, settings: Settings) -> bool:
    """Is `origin` one of settings.webauthn_origins (an entry ending in ":*" admits any port, outside prod)?"""
    for entry in (e.strip() for e in settings.webauthn_origins.split(",")):
        if not entry:
            continue
        if entry == origin:
            return True
        if entry.endswith(":*") and settings.env not in ("prod", "production"):
            base = entry[:-2]
            if origin == base or (origin.startswith(base + ":") and origin[len(base) + 1 :].isdigit()):
                return True
    return False


# --- Challenges -----------------------------------------------------------------------------


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


async def issue(purpose: str, now: int, *, account_id: uuid.UUID | str | None = None, session_id: str | None = None) -> bytes:
    """A fresh 32-byte challenge, kept (as its hash) until answered or expired."""
    challenge = secrets.token_bytes(32)
    await PasskeyChallenge.delete().where(PasskeyChallenge.expires_at < utc(now)).run()  # the expired ones
    await (
        PasskeyChallenge(
            challenge_hash=_digest(challenge),
            purpose=purpose,
            account_id=account_id,
            session_id=session_id,
            expires_at=utc(now + CHALLENGE_SECONDS),
        )
        .save()
        .run()
    )
    return challenge


async def _consume(challenge: bytes, purpose: str, now: int) -> dict[str, Any] | None:
    """Take the challenge out of the database: of two answers to one challenge only one finds it
    (the DELETE is atomic on both databases), so a challenge is never good twice."""
    rows: list[dict[str, Any]] = await (
        PasskeyChallenge.delete()
        .where((PasskeyChallenge.challenge_hash == _digest(challenge)) & (PasskeyChallenge.purpose == purpose))
        .returning(PasskeyChallenge.account_id, PasskeyChallenge.session_id, PasskeyChallenge.expires_at)
        .run()
    )
    if not rows or rows[0]["expires_at"] <= utc(now):
        return None
    return rows[0]


def _client_data(encoded: str) -> tuple[bytes, str]:
    """(challenge, origin) named in clientDataJSON; the library checks the rest."""
    try:
        data = json.loads(base64url_to_bytes(encoded))
        challenge = base64url_to_bytes(data["challenge"])
        origin = data["origin"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise Refused("passkey.bad_response", "The passkey answer is malformed.") from None
    if not isinstance(origin, str) or not challenge:
        raise Refused("passkey.bad_response", "The passkey answer is malformed.")
    return challenge, origin


async def _take(
    client_data_json: str, purpose: str, settings: Settings, now: int, *, account_id: str | None, session_id: str | None
) -> tuple[bytes, str]:
    challenge, origin = _client_data(client_data_json)
    ticket = await _consume(challenge, purpose, now)  # first: an answer that fails still uses it up
    if (
        ticket is None
        or (account_id is not None and str(ticket["account_id"]) != account_id)
        or (session_id is not None and str(ticket["session_id"]) != session_id)
    ):
        raise Refused("passkey.bad_challenge", "This passkey request expired or was already answered; start again.")
    if not origin_allowed(origin, settings):
        log.warning("passkey answer from a foreign origin", extra={"purpose": purpose})
        raise Refused("passkey.wrong_origin", "This passkey answer was made for another web site.")
    return challenge, origin


# --- Options --------------------------------------------------------------------------------


async def _descriptors(account_id: uuid.UUID | str) -> list[CredentialDescriptor]:
    rows = await Passkey.select(Passkey.credential_id, Passkey.transports).where(Passkey.account == account_id).run()
    return [
        CredentialDescriptor(id=r["credential_id"], type="public-key", transports=_transports(r["transports"]) or None)
        for r in rows
    ]


def _transports(text: str) -> list[str]:
    return [t for t in text.split(",") if t]


async def registration_options(
    account_id: str, *, user_name: str, display_name: str, settings: Settings, now: int
) -> CreationOptions:
    """Options for navigator.credentials.create(): a discoverable credential with user verification."""
    existing = await _descriptors(account_id)
    if len(existing) >= MAX_PASSKEYS:
        raise ApiError(409, "passkey.limit_reached", f"An account holds at most {MAX_PASSKEYS} passkeys; remove one first.")
    challenge = await issue(REGISTER, now, account_id=account_id)
    return CreationOptions(
        rp=RelyingParty(id=settings.webauthn_rp_id, name=settings.webauthn_rp_name),
        user=PasskeyUser(id=user_handle(account_id), name=user_name, display_name=display_name),
        challenge=b64(challenge),
        pub_key_cred_params=[KeyParam(type="public-key", alg=int(alg)) for alg in ALGORITHMS],
        timeout=TIMEOUT_MS,
        exclude_credentials=existing,
        authenticator_selection=AuthenticatorSelection(
            resident_key="required", require_resident_key=True, user_verification="required"
        ),
        attestation="none",
    )


async def assertion_options(
    purpose: str, settings: Settings, now: int, *, account_id: str | None = None, session_id: str | None = None
) -> RequestOptions:
    """Options for navigator.credentials.get(): username-less (no allow list) for sign-in, the
    account's own passkeys for the second factor and step-up."""
    allow = await _descriptors(account_id) if account_id is not None else []
    if account_id is not None and not allow:
        raise ApiError(409, "passkey.none", "This account has no passkey.")
    challenge = await issue(purpose, now, account_id=account_id, session_id=session_id)
    return RequestOptions(
        challenge=b64(challenge),
        timeout=TIMEOUT_MS,
        rp_id=settings.webauthn_rp_id,
        allow_credentials=allow,
        user_verification="preferred" if purpose == SECOND_FACTOR else "required",
    )


# --- Registration ---------------------------------------------------------------------------


async def register(
    account_id: str, person_id: str | None, data: PasskeyRegistration, settings: Settings, now: int
) -> PasskeyAdded:
    """Check the authenticator's answer and keep its public key. The account's first second factor
    also brings a fresh set of recovery codes (shown this once)."""
    credential = data.credential
    challenge, origin = await _take(
        credential.response.client_data_json, REGISTER, settings, now, account_id=account_id, session_id=None
    )
    try:
        verified = verify_registration_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=origin,
            require_user_verification=True,
            supported_pub_key_algs=list(ALGORITHMS),
        )
    except _MALFORMED as exc:
        log.info("passkey registration refused", extra={"reason": str(exc)[:200]})
        raise Refused("passkey.invalid", f"The passkey could not be checked: {str(exc)[:200]}") from None
    moment = utc(now)
    transports = ",".join(sorted(set(credential.response.transports or [])))[:128]
    label = (data.label or "").strip() or "Passkey"
    row = Passkey(
        account=account_id,
        credential_id=b64(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        label=label,
        backed_up=verified.credential_backed_up,
        created_at=moment,
    )
    codes: list[str] | None = None
    try:
        async with transaction():
            totp_on, count = await second_factors(account_id)
            if count >= MAX_PASSKEYS:
                raise ApiError(409, "passkey.limit_reached", f"An account holds at most {MAX_PASSKEYS} passkeys.")
            await row.save().run()
            if not totp_on and count == 0:
                codes = await factors.replace_recovery_codes(account_id, now)
            if person_id:
                await inbox.tell(person_id, "account.signin_method_added", {"method": "passkey", "label": label}, now=now)
    except ApiError:
        raise
    except Exception as exc:
        if is_unique_violation(exc):
            raise ApiError(409, "passkey.exists", "This passkey is already registered.") from None
        raise
    log.info("passkey added", extra={"owner_id": account_id})
    return PasskeyAdded(passkey=_view(row.to_dict()), recovery_codes=codes)


# --- Assertions -----------------------------------------------------------------------------


async def verify_assertion(
    credential: AuthenticationCredential,
    purpose: str,
    settings: Settings,
    now: int,
    *,
    account_id: str | None = None,
    session_id: str | None = None,
    require_uv: bool = True,
) -> Used:
    """Check an answer to a challenge of `purpose` (for `account_id`'s own passkeys when given),
    then move the passkey's counter on. Raises Refused."""
    challenge, origin = await _take(
        credential.response.client_data_json, purpose, settings, now, account_id=account_id, session_id=session_id
    )
    row = await (
        Passkey.select(Passkey.id, Passkey.account, Passkey.public_key, Passkey.sign_count)
        .where(Passkey.credential_id == credential.id)
        .first()
        .run()
    )
    if row is None or (account_id is not None and str(row["account"]) != account_id):
        raise Refused("passkey.unknown_credential", "This passkey is not registered with any account here.")
    handle = credential.response.user_handle
    if handle and handle != user_handle(row["account"]):
        raise Refused("passkey.unknown_credential", "This passkey is not registered with any account here.")
    try:
        verified = verify_authentication_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=origin,
            credential_public_key=bytes(row["public_key"]),
            credential_current_sign_count=0,  # compared below, after the signature holds
            require_user_verification=require_uv,
        )
    except _MALFORMED as exc:
        log.info("passkey assertion refused", extra={"purpose": purpose, "reason": str(exc)[:200]})
        raise Refused("passkey.invalid", f"The passkey answer does not hold: {str(exc)[:200]}") from None
    new, old = verified.new_sign_count, int(row["sign_count"])
    if (new or old) and new <= old:
        # A counter going back means two authenticators share one key: a clone.
        log.warning("passkey counter went back", extra={"owner_id": str(row["account"]), "purpose": purpose})
        raise Refused("passkey.counter_regressed", "This passkey's counter went back: it may have been copied.")
    moved = await (
        Passkey.update({Passkey.sign_count: new, Passkey.last_used_at: utc(now)})
        .where((Passkey.id == row["id"]) & (Passkey.sign_count == old))
        .returning(Passkey.id)
        .run()
    )
    if not moved:  # another answer moved the counter meanwhile
        raise Refused("passkey.counter_regressed", "This passkey's counter went back: it may have been copied.")
    return Used(id=row["id"], account_id=row["account"], user_verified=verified.user_verified)


# --- The holder's passkeys ------------------------------------------------------------------


async def count(account_id: uuid.UUID | str) -> int:
    n: int = await Passkey.count().where(Passkey.account == account_id).run()
    return n


async def second_factors(account_id: uuid.UUID | str) -> tuple[bool, int]:
    """(TOTP on, number of passkeys) of a citizen account."""
    row = await Account.select(Account.totp_enabled).where(Account.id == account_id).first().run()
    return bool(row and row["totp_enabled"]), await count(account_id)


def _view(row: dict[str, Any]) -> PasskeyView:
    return PasskeyView(
        id=row["id"],
        label=row["label"],
        transports=_transports(row["transports"]),
        backed_up=row["backed_up"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )


async def list_for(account_id: str) -> list[PasskeyView]:
    rows = await (
        Passkey.select(Passkey.id, Passkey.label, Passkey.transports, Passkey.backed_up, Passkey.created_at, Passkey.last_used_at)
        .where(Passkey.account == account_id)
        .order_by(Passkey.created_at)
        .run()
    )
    return [_view(r) for r in rows]


async def rename(account_id: str, passkey_id: uuid.UUID, label: str) -> PasskeyView:
    done: list[dict[str, Any]] = await (
        Passkey.update({Passkey.label: label.strip()})
        .where((Passkey.id == passkey_id) & (Passkey.account == account_id))
        .returning(Passkey.id, Passkey.label, Passkey.transports, Passkey.backed_up, Passkey.created_at, Passkey.last_used_at)
        .run()
    )
    if not done:
        raise ApiError(404, "passkey.not_found", "You have no passkey with this id.")
    return _view(done[0])


async def remove(account_id: str, person_id: str | None, passkey_id: uuid.UUID, now: int) -> None:
    """Delete one of the holder's passkeys; with the last second factor gone, so are the recovery codes."""
    async with transaction():
        gone = await (
            Passkey.delete().where((Passkey.id == passkey_id) & (Passkey.account == account_id)).returning(Passkey.label).run()
        )
        if not gone:
            raise ApiError(404, "passkey.not_found", "You have no passkey with this id.")
        totp_on, left = await second_factors(account_id)
        if not totp_on and left == 0:
            await RecoveryCode.delete().where(RecoveryCode.owner_id == account_id).run()
        if person_id:
            await inbox.tell(
                person_id, "account.signin_method_removed", {"method": "passkey", "label": gone[0]["label"]}, now=now
            )
    log.info("passkey removed", extra={"owner_id": account_id})
