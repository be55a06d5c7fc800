"""HTTP routes of the accounts feature: registration, sign-in, own sessions and TOTP."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.datastructures import CacheControlHeader

from backend.accounts import citizens, enrolment, factors, me, sessions, staff, stepup, totp
from backend.accounts import schemas as s
from backend.accounts.routes_admin import ADMIN_ROUTES
from backend.accounts.routes_passkeys import PASSKEY_ROUTES
from backend.keys.keyring import Keyring
from backend.lib.auth import CITIZEN, STAFF_ROLES, Principal, citizen_only, current, require_step_up, requires
from backend.lib.openapi import error
from backend.lib.settings import Settings
from backend.lib.store import Store

TAGS = ["accounts"]
signed_in = requires(CITIZEN, *STAFF_ROLES)
NO_STORE = CacheControlHeader(no_store=True)
STEP_UP = error("`auth.step_up_required`: give a fresh factor at POST /api/v1/me/step-up first, then ask again.")
AUTH_ERRORS = {
    401: error(
        "auth.bad_credentials, auth.totp_required, auth.second_factor_required (with `methods` and `passkey_options`), "
        "auth.bad_totp, auth.bad_recovery_code or auth.bad_passkey"
    ),
    422: error("document.* (the identity number is malformed) or auth.two_second_factors"),
    429: error("auth.locked (with retry_after and Retry-After) or auth.busy"),
}


def _address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:256]


@post(
    "/api/v1/accounts",
    status_code=201,
    summary="Register a citizen account",
    description="Creates an account bound to the person holding this identity document (matched by blind index, "
    "never by name). Passwords: at least 10 characters, not containing the identity number. "
    "409 `account.exists` if the person already has one (found by any of their documents); 409 "
    "`person.name_mismatch` if the document is known under another name. A residence permit needs "
    "`linked_document`, the travel permit it prints (422 `document.linked_required`, `document.linked_wrong_kind`); "
    "a foreign passport needs `work_permit` (422 `document.work_permit_required`, `document.bad_work_permit`).",
    tags=TAGS,
    responses={
        409: error("account.exists, person.name_mismatch, person.details_mismatch or person.documents_of_two_persons"),
        422: error("document.* or password.*"),
    },
)
async def register(data: s.RegisterRequest, keyring: Keyring, now: int) -> s.AccountView:
    linked = (data.linked_document.doc_type, data.linked_document.id_number) if data.linked_document else None
    return await citizens.register(
        keyring,
        doc_type=data.doc_type,
        id_number=data.id_number,
        name=data.name,
        password=data.password,
        now=now,
        linked_document=linked,
        work_permit=data.work_permit,
    )


@post(
    "/api/v1/auth/login",
    status_code=200,
    summary="Citizen sign-in",
    description="Signs in with identity document and password; with TOTP on, also `totp` or `recovery_code` "
    "(without either: 401 `auth.totp_required`). With a passkey, also `passkey` (or `totp`, `recovery_code`): "
    "without one, 401 `auth.second_factor_required` whose `passkey_options` the passkey answers. Wrong password and unknown person get the same 401 "
    "`auth.bad_credentials`. Repeated failures per account and per address lock sign-in (429 `auth.locked`, "
    "doubling backoff up to 15 minutes). Returns a session token shown only once.",
    tags=TAGS,
    cache_control=NO_STORE,
    responses=AUTH_ERRORS,
)
async def login(
    data: s.LoginRequest, request: Request[Any, Any, Any], keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.LoginResponse:
    return await citizens.login(
        keyring,
        store,
        settings,
        doc_type=data.doc_type,
        id_number=data.id_number,
        password=data.password,
        totp_code=data.totp,
        recovery_code=data.recovery_code,
        client_label=data.client_label,
        user_agent=_agent(request),
        address=_address(request),
        now=now,
        passkey=data.passkey,
    )


@post(
    "/api/v1/auth/staff/login",
    status_code=200,
    summary="Staff sign-in",
    description="Signs in an HR & social security staff member by username and password plus TOTP (or a recovery "
    "code): without one, 401 `auth.totp_required`. Same lockout and answers as citizen sign-in; deactivated staff "
    "cannot sign in. Staff sign in with a second factor (settings.staff_second_factor, required by default): a staff "
    "member who has none yet gets `second_factor_enrolment_required: true` and a session that may only enrol TOTP "
    "(POST /api/v1/me/totp, /api/v1/me/totp/confirm, with step-up by password after the first minutes) and sign out; "
    "any other route answers 403 `auth.second_factor_enrolment_required` until enrolment is confirmed.",
    tags=TAGS,
    cache_control=NO_STORE,
    responses=AUTH_ERRORS,
)
async def staff_login(
    data: s.StaffLoginRequest, request: Request[Any, Any, Any], keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.StaffLoginResponse:
    return await staff.login(
        keyring,
        store,
        settings,
        username=data.username,
        password=data.password,
        totp_code=data.totp,
        recovery_code=data.recovery_code,
        client_label=data.client_label,
        user_agent=_agent(request),
        address=_address(request),
        now=now,
    )


@post(
    "/api/v1/auth/logout",
    status_code=204,
    summary="Sign out",
    description="Revokes the session behind the presented token at once.",
    tags=TAGS,
    guards=[signed_in],
)
async def logout(request: Request[Principal, Any, Any], now: int) -> None:
    await me.logout(current(request), now)


@get(
    "/api/v1/me",
    summary="My account",
    description="The signed-in citizen's account: name, masked identity number, whether TOTP is on.",
    tags=TAGS,
    guards=[citizen_only],
)
async def my_account(request: Request[Principal, Any, Any], keyring: Keyring) -> s.AccountView:
    return await citizens.account_view(keyring, current(request).id)


@get(
    "/api/v1/me/sessions",
    summary="My sessions",
    description="Live sessions of the caller (citizen or staff), newest activity first; `current` marks this one.",
    tags=TAGS,
    guards=[signed_in],
)
async def my_sessions(request: Request[Principal, Any, Any], now: int) -> list[s.SessionView]:
    return await sessions.list_active(current(request), now)


@delete(
    "/api/v1/me/sessions/{session_id:uuid}",
    status_code=204,
    summary="Revoke a session",
    description=(
        "Ends one of the caller's sessions; its token is refused from the next request on. 404 "
        "`session.not_found` for someone else's."
    ),
    tags=TAGS,
    guards=[signed_in],
)
async def revoke_session(session_id: uuid.UUID, request: Request[Principal, Any, Any], now: int) -> None:
    await sessions.revoke(current(request), session_id, now)


@post(
    "/api/v1/me/password",
    status_code=200,
    summary="Change my password",
    description=(
        "Needs the current password (403 `password.wrong_current`, counted towards the lockout) and, when the account "
        "has a second factor, step-up. Revokes every other session."
    ),
    tags=TAGS,
    guards=[signed_in],
    responses={403: error("`password.wrong_current` or `auth.step_up_required`.")},
)
async def change_password(
    data: s.PasswordChange, request: Request[Principal, Any, Any], keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.PasswordChanged:
    principal = current(request)
    if await stepup.has_second_factor(principal):  # else the current password is the fresh factor
        require_step_up(principal, now)
    revoked = await me.change_password(
        current(request), keyring, store, settings, current=data.current_password, new=data.new_password, now=now
    )
    return s.PasswordChanged(revoked_sessions=revoked)


@post(
    "/api/v1/me/totp",
    status_code=201,
    summary="Start TOTP enrolment",
    description=(
        "Creates a new pending TOTP secret (stored encrypted) and returns it with its otpauth:// provisioning"
        " URI and an SVG QR code. Confirm with a code to switch it on. Needs step-up. 409 `totp.already_enabled`."
    ),
    tags=TAGS,
    guards=[signed_in],
    cache_control=NO_STORE,
    responses={403: STEP_UP},
)
async def totp_start(request: Request[Principal, Any, Any], keyring: Keyring, now: int) -> s.TotpEnrolment:
    principal = current(request)
    require_step_up(principal, now)
    label = await me.totp_label(principal, keyring)
    return await factors.start(principal.kind, principal.id, keyring, label)


@get(
    "/api/v1/me/totp/qr.png",
    summary="QR code of the pending TOTP secret",
    description="PNG of the provisioning URI of the enrolment in progress. 404 `totp.not_started` when there is none.",
    tags=TAGS,
    guards=[signed_in],
    media_type="image/png",
    cache_control=NO_STORE,
)
async def totp_qr(request: Request[Principal, Any, Any], keyring: Keyring) -> Response[bytes]:
    principal = current(request)
    uri = await factors.pending_uri(principal.kind, principal.id, keyring, await me.totp_label(principal, keyring))
    return Response(totp.qr_png(uri), media_type="image/png")


@post(
    "/api/v1/me/totp/confirm",
    status_code=200,
    summary="Confirm TOTP enrolment",
    description=(
        "Switches TOTP on after a correct code and returns 10 single-use recovery codes, shown only now (the old ones "
        "stop working). Needs step-up. 422 `totp.bad_code`."
    ),
    tags=TAGS,
    guards=[signed_in],
    cache_control=NO_STORE,
    responses={
        403: STEP_UP,
        404: error("`totp.not_started`: start enrolment first."),
        409: error("`totp.already_enabled`, `totp.not_started` or `totp.conflict` (another enrolment meanwhile)."),
        422: error("`totp.bad_code`."),
    },
)
async def totp_confirm(data: s.TotpConfirm, request: Request[Principal, Any, Any], keyring: Keyring, now: int) -> s.RecoveryCodes:
    principal = current(request)
    require_step_up(principal, now)
    return s.RecoveryCodes(recovery_codes=await factors.confirm(principal.kind, principal.id, keyring, data.code, now))


@post(
    "/api/v1/me/totp/disable",
    status_code=204,
    summary="Switch TOTP off",
    description=(
        "Needs a current code or an unused recovery code (422 `totp.bad_code`; repeated failures lock it, "
        "429): that code is the fresh factor, so no separate step-up. Deletes the secret, and the recovery codes "
        "unless a passkey remains."
    ),
    tags=TAGS,
    guards=[signed_in],
    responses={
        409: error("`totp.not_enabled`, or `totp.required_for_staff` (staff must keep a second factor)."),
        422: error("`totp.bad_code`."),
        429: error("`auth.locked`: too many failed codes."),
    },
)
async def totp_disable(
    data: s.TotpDisable, request: Request[Principal, Any, Any], keyring: Keyring, store: Store, settings: Settings, now: int
) -> None:
    principal = current(request)
    enrolment.ensure_may_disable(settings, principal.kind)
    await factors.disable(principal.kind, principal.id, keyring, data.code, now, store, settings.login_max_failures)


ROUTES = [
    register,
    login,
    staff_login,
    logout,
    my_account,
    my_sessions,
    revoke_session,
    change_password,
    totp_start,
    totp_qr,
    totp_confirm,
    totp_disable,
    *PASSKEY_ROUTES,
    *ADMIN_ROUTES,
]
