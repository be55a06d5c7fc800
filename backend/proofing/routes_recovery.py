"""Password reset, only through a proofing route (public: the caller cannot sign in)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.keys.keyring import Keyring
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.proofing import banking, remote, resets
from backend.proofing import schemas as s

TAGS = ["password reset"]
Token = Annotated[str | None, Parameter(header="X-Reset-Token", max_length=64, description="The reset's token")]
RESET_ERRORS = {
    401: "`reset.bad_token`: send this reset's token in X-Reset-Token.",
    404: "`reset.not_found`.",
    409: "`reset.expired`.",
}


def _errors(**more: str) -> dict[int, Any]:
    texts = {f"e{status}": text for status, text in RESET_ERRORS.items()}
    for key, text in more.items():
        texts[key] = f"{texts[key]} Or {text}" if key in texts else text
    return errors(**texts)


@post(
    "/api/v1/recovery/resets",
    status_code=202,
    tags=TAGS,
    summary="Start a password reset",
    description="For the account of this document. The answer is the same whether or not an account exists; the "
    "reset is proven only by a proofing route (a counter with `counter_code`, the bank, a provider), within 30 "
    "minutes. Throttled per address and per document.",
    responses=errors(e422="`document.*`: the number is malformed.", e429="`proofing.throttled` (Retry-After)."),
)
async def start_reset(
    request: Request[Any, Any, Any], data: s.ResetStart, keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.ResetStarted:
    address = request.client.host if request.client else None
    enabled = remote.provider(settings, keyring) is not None
    return await resets.start(
        keyring, store, doc_type=data.doc_type, id_number=data.id_number, address=address, now=now, provider=enabled
    )


@get(
    "/api/v1/recovery/resets/{reset_id:uuid}",
    tags=TAGS,
    summary="My password reset",
    description="open, proven (set the new password now), done or expired.",
    responses=_errors(),
)
async def reset_status(reset_id: uuid.UUID, now: int, reset_token: Token = None) -> s.ResetOut:
    return resets.view(await resets.load(reset_id, reset_token, now, open_only=False), now)


@post(
    "/api/v1/recovery/resets/{reset_id:uuid}/bank-challenge",
    status_code=201,
    tags=TAGS,
    summary="Prove the reset through the card's bank",
    description="As the wallet's bank challenge: approve the number in the bank's app.",
    responses=_errors(e409="`proofing.no_card` or `proofing.bank_unavailable`."),
)
async def reset_bank_challenge(reset_id: uuid.UUID, now: int, reset_token: Token = None) -> s.ChallengeOut:
    row = await resets.load(reset_id, reset_token, now)
    return await banking.start(owner=row["id"], account=row["account"], person=row["person"], reset=row["id"], now=now)


@get(
    "/api/v1/recovery/resets/{reset_id:uuid}/bank-challenge/{challenge_id:uuid}",
    tags=TAGS,
    summary="The reset's bank challenge",
    description="pending, proven, refused or expired.",
    responses=_errors(e404="`proofing.challenge_unknown`."),
)
async def reset_bank_status(reset_id: uuid.UUID, challenge_id: uuid.UUID, now: int, reset_token: Token = None) -> s.ChallengeOut:
    row = await resets.load(reset_id, reset_token, now, open_only=False)
    return await banking.status(challenge_id, reset=row["id"], now=now)


@post(
    "/api/v1/recovery/resets/{reset_id:uuid}/provider-session",
    status_code=201,
    tags=TAGS,
    summary="Prove the reset with the verification provider",
    description="As the wallet's provider session.",
    responses=_errors(e409="`proofing.provider_disabled` or `proofing.no_photo_of_record`."),
)
async def reset_provider_session(
    reset_id: uuid.UUID, settings: Settings, keyring: Keyring, now: int, reset_token: Token = None
) -> s.ProviderSessionOut:
    row = await resets.load(reset_id, reset_token, now)
    return await remote.start(settings, keyring, account=row["account"], person=row["person"], reset=row["id"], now=now)


@post(
    "/api/v1/recovery/resets/{reset_id:uuid}/provider-session/{session_id:uuid}/evidence",
    status_code=200,
    request_max_body_size=s.IMAGE_BODY_BYTES,
    tags=TAGS,
    summary="Send the provider's capture for the reset",
    description="`outcome` proven, or refused with `proofing.face_mismatch`.",
    responses=_errors(
        e404="`proofing.session_unknown`.",
        e409="`proofing.session_used`, `proofing.session_expired` or `proofing.provider_disabled`.",
        e422="`proofing.bad_image`.",
        e429="`proofing.throttled` (Retry-After).",
    ),
)
async def reset_provider_evidence(
    reset_id: uuid.UUID,
    session_id: uuid.UUID,
    data: s.Evidence,
    settings: Settings,
    keyring: Keyring,
    store: Store,
    now: int,
    reset_token: Token = None,
) -> s.AttemptOut:
    row = await resets.load(reset_id, reset_token, now)
    return await remote.finish(settings, keyring, store, session_id, data.evidence, reset=row["id"], now=now)


@post(
    "/api/v1/recovery/resets/{reset_id:uuid}/password",
    status_code=200,
    tags=TAGS,
    summary="Set the new password",
    description="Once the reset is proven: sets the password, ends every session of the account and removes its "
    "TOTP, recovery codes and passkeys (whoever held it is out), records the proof, tells the holder.",
    responses=_errors(e409="`reset.not_proven` or `reset.done`.", e422="`password.*`: the password policy."),
)
async def reset_password(
    reset_id: uuid.UUID, data: s.NewPassword, keyring: Keyring, store: Store, now: int, reset_token: Token = None
) -> s.ResetDone:
    return await resets.set_password(keyring, store, reset_id, reset_token, data.new_password, now)


ROUTES = [
    start_reset,
    reset_status,
    reset_bank_challenge,
    reset_bank_status,
    reset_provider_session,
    reset_provider_evidence,
    reset_password,
]
