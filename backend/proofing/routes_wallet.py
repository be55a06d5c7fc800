"""The wallet's proofing routes: status, counter codes, bank challenges, provider sessions.

Citizens whose account is not proven yet may use them all: they are how an account gets proven."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, citizen_only
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.proofing import banking, binding, records, remote, views
from backend.proofing import schemas as s

TAGS = ["proofing"]
THROTTLED = "`proofing.throttled`: too many refused attempts (Retry-After)."


def _account(request: Request[Principal, Any, Any]) -> uuid.UUID:
    return uuid.UUID(request.user.id)


def _person(request: Request[Principal, Any, Any]) -> uuid.UUID | None:
    return records.as_uuid(request.user.person_id)


@get(
    "/api/v1/me/proofing",
    guards=[citizen_only],
    tags=TAGS,
    summary="How surely I am proven",
    description="The account's assurance level (0 none, 1 family, 2 remote: bank or provider, 3 in person), how and "
    "when it was proven, and which proofing routes are open: the counter always, the bank with an active card, a "
    "provider when one is enabled and a photo of record exists.",
)
async def my_status(request: Request[Principal, Any, Any], settings: Settings, keyring: Keyring) -> s.StatusOut:
    return await views.status(settings, keyring, _account(request), _person(request))


@get(
    "/api/v1/me/proofing/attempts",
    guards=[citizen_only],
    tags=TAGS,
    summary="Proofing attempts on me",
    description="Every proofing attempt for my person, proven or refused, newest first.",
)
async def my_attempts(
    request: Request[Principal, Any, Any], limit: Annotated[int, Parameter(ge=1, le=100)] = 20
) -> list[s.AttemptOut]:
    person = _person(request)
    return await records.for_person(person, limit) if person else []


@post(
    "/api/v1/me/proofing/counter/code",
    status_code=201,
    guards=[citizen_only],
    tags=TAGS,
    summary="A binding code for the counter",
    description="A one-time code (8 characters, 10 minutes) to show at a counter, as text or as the QR code of "
    "`qr_text`. The clerk checks your document and types or scans it: that binds this account on this phone to you. "
    "Asking again replaces the previous code.",
)
async def my_counter_code(
    request: Request[Principal, Any, Any], keyring: Keyring, now: int, data: s.WalletCodeRequest | None = None
) -> s.CodeOut:
    label = data.device_label if data else None
    return await binding.wallet_code(keyring, request.user, label, now)


@post(
    "/api/v1/me/proofing/counter/claim",
    status_code=200,
    guards=[citizen_only],
    tags=TAGS,
    summary="Enter the code the counter shows",
    description="The clerk checked your document and made a code for it; typing or scanning it here proves this "
    "account in person.",
    responses=errors(
        e404="`proofing.code_unknown`: no open code matches.",
        e409="`proofing.person_mismatch`: the code was made for another person's document.",
        e429=THROTTLED,
    ),
)
async def claim_counter_code(
    request: Request[Principal, Any, Any], data: s.ClaimRequest, keyring: Keyring, store: Store, now: int
) -> s.AttemptOut:
    return await binding.claim(keyring, store, request.user, code=data.code, device_label=data.device_label, now=now)


@post(
    "/api/v1/me/proofing/bank/challenges",
    status_code=201,
    guards=[citizen_only],
    tags=TAGS,
    summary="Prove myself through my card's bank",
    description="A challenge number to approve in the bank's app (5 minutes). The bank confirms with a signed "
    "answer; poll the challenge for the outcome.",
    responses=errors(e409="`proofing.no_card` (no active card) or `proofing.bank_unavailable`."),
)
async def start_bank_challenge(request: Request[Principal, Any, Any], now: int) -> s.ChallengeOut:
    account = _account(request)
    return await banking.start(
        owner=account, account=account, person=_person(request), session=records.as_uuid(request.user.session_id), now=now
    )


@get(
    "/api/v1/me/proofing/bank/challenges/{challenge_id:uuid}",
    guards=[citizen_only],
    tags=TAGS,
    summary="My bank challenge",
    description="pending, proven, refused or expired, with the refusal's code.",
    responses=errors(e404="`proofing.challenge_unknown`."),
)
async def my_bank_challenge(request: Request[Principal, Any, Any], challenge_id: uuid.UUID, now: int) -> s.ChallengeOut:
    return await banking.status(challenge_id, account=_account(request), now=now)


@post(
    "/api/v1/me/proofing/provider/sessions",
    status_code=201,
    guards=[citizen_only],
    tags=TAGS,
    summary="Prove myself with the verification provider",
    description="Opens a session at the enabled identity-verification provider (a face match against the photo of "
    "record). None is enabled by default.",
    responses=errors(e409="`proofing.provider_disabled` or `proofing.no_photo_of_record`."),
)
async def start_provider_session(
    request: Request[Principal, Any, Any], settings: Settings, keyring: Keyring, now: int
) -> s.ProviderSessionOut:
    return await remote.start(
        settings,
        keyring,
        account=_account(request),
        person=_person(request),
        session=records.as_uuid(request.user.session_id),
        now=now,
    )


@post(
    "/api/v1/me/proofing/provider/sessions/{session_id:uuid}/evidence",
    status_code=200,
    request_max_body_size=s.IMAGE_BODY_BYTES,
    guards=[citizen_only],
    tags=TAGS,
    summary="Send the provider's capture",
    description="The provider decides: `outcome` proven, or refused with `proofing.face_mismatch`.",
    responses=errors(
        e404="`proofing.session_unknown`.",
        e409="`proofing.session_used`, `proofing.session_expired` or `proofing.provider_disabled`.",
        e422="`proofing.bad_image`.",
        e429=THROTTLED,
    ),
)
async def provider_evidence(
    request: Request[Principal, Any, Any],
    session_id: uuid.UUID,
    data: s.Evidence,
    settings: Settings,
    keyring: Keyring,
    store: Store,
    now: int,
) -> s.AttemptOut:
    return await remote.finish(settings, keyring, store, session_id, data.evidence, account=_account(request), now=now)


ROUTES = [
    my_status,
    my_attempts,
    my_counter_code,
    claim_counter_code,
    start_bank_challenge,
    my_bank_challenge,
    start_provider_session,
    provider_evidence,
]
