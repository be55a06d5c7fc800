"""HTTP routes of passkeys (sign-in, the holder's list), step-up and recovery codes."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, get, patch, post
from litestar.datastructures import CacheControlHeader

from backend.accounts import citizens, passkeys, passwordless, stepup
from backend.accounts import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import CITIZEN, STAFF_ROLES, Principal, citizen_only, current, require_step_up, requires
from backend.lib.openapi import error, errors
from backend.lib.settings import Settings
from backend.lib.store import Store

TAGS = ["passkeys and step-up"]
signed_in = requires(CITIZEN, *STAFF_ROLES)
NO_STORE = CacheControlHeader(no_store=True)
STEP_UP = error(
    "`auth.step_up_required`: give a fresh factor at POST /api/v1/me/step-up first (`details.methods`), then ask again."
)
PASSKEY_REFUSED = (
    "`passkey.bad_challenge` (expired, already answered or not this account's), `passkey.wrong_origin`, "
    "`passkey.unknown_credential`, `passkey.invalid` (signature, relying party id, user verification ...), "
    "`passkey.counter_regressed` (a copied authenticator) or `passkey.bad_response` (malformed)"
)


def _address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:256]


# --- Sign-in with a passkey -----------------------------------------------------------------


@post(
    "/api/v1/auth/login/passkey/options",
    status_code=200,
    summary="Start a passkey sign-in",
    description="A single-use challenge (5 minutes) for navigator.credentials.get() without a user name: the "
    "browser offers the holder's passkeys for this site. At most 30 a minute per address (429 `auth.busy`).",
    tags=TAGS,
    cache_control=NO_STORE,
)
async def passkey_login_options(request: Request[Any, Any, Any], store: Store, settings: Settings, now: int) -> s.RequestOptions:
    return await passwordless.options(store, settings, _address(request), now)


@post(
    "/api/v1/auth/login/passkey",
    status_code=200,
    summary="Sign in with a passkey",
    description="Checks the authenticator's answer (with user verification: the passkey is both factors) and "
    "opens a session, as a password sign-in does. Refusals are 401 and count towards the address's lockout.",
    tags=TAGS,
    cache_control=NO_STORE,
    responses={
        401: error(PASSKEY_REFUSED),
        429: error("auth.locked (with retry_after and Retry-After)"),
    },
)
async def passkey_login(
    data: s.PasskeyLogin, request: Request[Any, Any, Any], keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.LoginResponse:
    return await passwordless.login(
        data, keyring, store, settings, user_agent=_agent(request), address=_address(request), now=now
    )


# --- The holder's passkeys ------------------------------------------------------------------


@get(
    "/api/v1/me/passkeys",
    summary="My passkeys",
    description="The signed-in citizen's passkeys, oldest first (labels, transports, last use; never a key).",
    tags=TAGS,
    guards=[citizen_only],
)
async def my_passkeys(request: Request[Principal, Any, Any]) -> list[s.PasskeyView]:
    return await passkeys.list_for(current(request).id)


@post(
    "/api/v1/me/passkeys/options",
    status_code=200,
    summary="Start adding a passkey",
    description="Options for navigator.credentials.create() (a discoverable credential with user verification; "
    "attestation none). Needs step-up. 409 `passkey.limit_reached` at 10.",
    tags=TAGS,
    guards=[citizen_only],
    cache_control=NO_STORE,
    responses={403: STEP_UP, 409: error("`passkey.limit_reached`.")},
)
async def passkey_options(
    request: Request[Principal, Any, Any], keyring: Keyring, settings: Settings, now: int
) -> s.CreationOptions:
    principal = current(request)
    require_step_up(principal, now)
    me = await citizens.account_view(keyring, principal.id)
    return await passkeys.registration_options(
        principal.id, user_name=me.id_number_masked, display_name=me.name, settings=settings, now=now
    )


@post(
    "/api/v1/me/passkeys",
    status_code=201,
    summary="Add a passkey",
    description="Checks the authenticator's answer to the options and keeps its public key. The account's first "
    "second factor also brings 10 recovery codes, shown only now. Needs step-up. The holder is told.",
    tags=TAGS,
    guards=[citizen_only],
    cache_control=NO_STORE,
    responses=errors(
        e403="`auth.step_up_required`: give a fresh factor at POST /api/v1/me/step-up first.",
        e409="`passkey.exists` or `passkey.limit_reached`.",
        e422=PASSKEY_REFUSED,
    ),
)
async def add_passkey(
    data: s.PasskeyRegistration, request: Request[Principal, Any, Any], settings: Settings, now: int
) -> s.PasskeyAdded:
    principal = current(request)
    require_step_up(principal, now)
    try:
        return await passkeys.register(principal.id, principal.person_id, data, settings, now)
    except passkeys.Refused as refused:
        raise refused.as_error(422) from None


@patch(
    "/api/v1/me/passkeys/{passkey_id:uuid}",
    summary="Rename a passkey",
    description="Changes the label the holder knows a passkey by. 404 `passkey.not_found`.",
    tags=TAGS,
    guards=[citizen_only],
)
async def rename_passkey(passkey_id: uuid.UUID, data: s.PasskeyRename, request: Request[Principal, Any, Any]) -> s.PasskeyView:
    return await passkeys.rename(current(request).id, passkey_id, data.label)


@delete(
    "/api/v1/me/passkeys/{passkey_id:uuid}",
    status_code=204,
    summary="Remove a passkey",
    description="Deletes the passkey at once; with the account's last second factor gone, the recovery codes go "
    "too. Needs step-up. The holder is told. 404 `passkey.not_found`.",
    tags=TAGS,
    guards=[citizen_only],
    responses={403: STEP_UP},
)
async def remove_passkey(passkey_id: uuid.UUID, request: Request[Principal, Any, Any], now: int) -> None:
    principal = current(request)
    require_step_up(principal, now)
    await passkeys.remove(principal.id, principal.person_id, passkey_id, now)


# --- Step-up --------------------------------------------------------------------------------


@get(
    "/api/v1/me/step-up",
    summary="My step-up state",
    description="The factors this account can step up with, and until when this session's last one counts.",
    tags=TAGS,
    guards=[signed_in],
)
async def step_up_state(request: Request[Principal, Any, Any], now: int) -> s.StepUpState:
    return await stepup.state(current(request), now)


@post(
    "/api/v1/me/step-up/options",
    status_code=200,
    summary="Start a passkey step-up",
    description="A single-use challenge for this session, answerable by the account's own passkeys. 409 `passkey.none`.",
    tags=TAGS,
    guards=[signed_in],
    cache_control=NO_STORE,
    responses={409: error("`passkey.none`: the account has no passkey.")},
)
async def step_up_options(request: Request[Principal, Any, Any], settings: Settings, now: int) -> s.RequestOptions:
    return await stepup.options(current(request), settings, now)


@post(
    "/api/v1/me/step-up",
    status_code=200,
    summary="Step up with a fresh factor",
    description="Exactly one of `passkey` (the answer to the step-up options), `totp`, `recovery_code` (used up) or "
    "`password` (only while the account has no second factor). For the next step_up_seconds (300 by default) this "
    "session may lift a loss report, add a device, reveal the card number, change bank, add a relative and change "
    "sign-in methods. Wrong factors count towards a lockout (429).",
    tags=TAGS,
    guards=[signed_in],
    responses=errors(
        e422="`stepup.one_factor`, `stepup.method_unavailable` (with `methods`) or `stepup.bad_factor` (with `reason`).",
        e429="`auth.locked` or `auth.busy`.",
    ),
)
async def step_up(
    data: s.StepUpRequest,
    request: Request[Principal, Any, Any],
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
) -> s.StepUpState:
    return await stepup.step_up(current(request), data, keyring, store, settings, now)


# --- Recovery codes -------------------------------------------------------------------------


@get(
    "/api/v1/me/recovery-codes",
    summary="My recovery codes",
    description="How many single-use recovery codes are left (never the codes: they are kept as hashes only).",
    tags=TAGS,
    guards=[signed_in],
)
async def recovery_codes(request: Request[Principal, Any, Any]) -> s.RecoveryState:
    return await stepup.recovery_state(current(request))


@post(
    "/api/v1/me/recovery-codes",
    status_code=201,
    summary="New recovery codes",
    description="10 new single-use recovery codes, shown only now; the old ones stop working. Needs step-up and a "
    "second factor (409 `recovery.no_second_factor`).",
    tags=TAGS,
    guards=[signed_in],
    cache_control=NO_STORE,
    responses={403: STEP_UP, 409: error("`recovery.no_second_factor`.")},
)
async def regenerate_recovery_codes(request: Request[Principal, Any, Any], now: int) -> s.RecoveryCodes:
    return await stepup.regenerate(current(request), now)


PASSKEY_ROUTES = [
    passkey_login_options,
    passkey_login,
    my_passkeys,
    passkey_options,
    add_passkey,
    rename_passkey,
    remove_passkey,
    step_up_state,
    step_up_options,
    step_up,
    recovery_codes,
    regenerate_recovery_codes,
]
