"""Who is calling: the Principal, the bearer-token middleware and role guards.

The accounts feature resolves tokens (app.state.resolve_principal); every other feature only
reads `request.user` through the guards here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.lib.errors import ApiError

Kind = Literal["citizen", "staff", "client"]

# Roles. Staff: counter operators act at their office, supervisors review in their city,
# provincial operators run registries province-wide. Clients: machine credentials.
CITIZEN = "citizen"
COUNTER = "counter_operator"
SUPERVISOR = "supervisor"
PROVINCIAL = "provincial_operator"
SCANNER = "scanner"
AGENCY = "agency"
BANK = "bank"
PAYER = "payer"  # a paying agency's payment system (org_id: the agency)
EMPLOYER = "employer"  # an employing unit's HR system (org_id: the employer, backend/employers)
STAFF_ROLES = (COUNTER, SUPERVISOR, PROVINCIAL)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated caller."""

    kind: Kind
    id: str  # citizen account id, staff id or client id
    role: str
    person_id: str | None = None  # citizens: the person the account is bound to
    session_id: str | None = None  # citizens and staff: the session behind the token
    city: str | None = None  # staff: their city's region code (6 digits)
    office_id: str | None = None  # staff
    org_id: str | None = None  # clients: venue, agency or bank id
    scanner_id: str | None = None  # scanner clients
    # Citizens: how surely the account's person was proven (backend/lib/assurance.py); 0 = not at all.
    assurance: int = 0
    # Citizens and staff: when the session last gave a fresh factor (epoch seconds), for step-up.
    stepped_up_at: int | None = None
    # Staff without a second factor while settings.staff_second_factor is "required": the session
    # may only enrol TOTP and sign out (backend/accounts/services.resolve_principal).
    enrolment_only: bool = False

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


Resolver = Callable[[ASGIConnection[Any, Any, Any, Any], str], Awaitable[Principal | None]]


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return ""
    return None


def auth_middleware(app: ASGIApp) -> ASGIApp:
    """Set scope["user"] to the Principal for a valid bearer token, None without one.

    A token that is present but wrong is refused here with 401, so a typo never silently
    downgrades a caller to anonymous. Routes marked with `only(...)` refuse other callers here.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # servers send a plain str; ScopeType.HTTP costs an Enum lookup per request
            await app(scope, receive, send)
            return
        token = _bearer(scope)
        scope["user"] = None
        handler = scope.get("route_handler")
        opt = handler.opt if handler is not None else {}
        if token is not None and not opt.get(OWN_AUTH_OPT):
            resolver: Resolver | None = getattr(scope["app"].state, "resolve_principal", None)
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            principal = await resolver(connection, token) if (resolver and token) else None
            if principal is None:
                # Answered by errors.middleware_errors, listed before this middleware.
                raise ApiError(401, "auth.invalid_token", "The bearer token is not valid.")
            scope["user"] = principal
        roles = opt.get(ROLES_OPT)
        if roles:
            _check_role(scope["user"], roles)
        await app(scope, receive, send)

    return middleware


def current(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user: Principal | None = connection.scope.get("user")
    if user is None:
        raise ApiError(401, "auth.required", "Sign in or present valid credentials.")
    return user


def requires(*roles: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """Guard: the caller must be signed in with one of these roles. Async although it never
    waits: Litestar runs a plain function guard in a worker thread, a hand-off per request."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        _check_role(connection.scope.get("user"), roles)

    return guard


def only(*roles: str) -> dict[str, Any]:
    """Route `opt` with the same check as `requires`, made by the auth middleware instead of a
    guard. For the hottest route: Litestar copies the route handler for every guard call, a few
    percent of a scan's CPU."""
    return {ROLES_OPT: roles}


ROLES_OPT = "yk_roles"
# Routes whose bearer token is not an account's (GET /metrics checks its own): not resolved here.
OWN_AUTH_OPT = "yk_own_auth"


def _check_role(principal: Principal | None, roles: tuple[str, ...]) -> None:
    if principal is None:
        raise ApiError(401, "auth.required", "Sign in or present valid credentials.")
    if principal.role not in roles:
        raise ApiError(403, "auth.wrong_role", f"This needs one of the roles: {', '.join(roles)}.")


def _check_proven(principal: Principal | None) -> None:
    _check_role(principal, (CITIZEN,))
    assert principal is not None
    if principal.assurance < 1:
        raise ApiError(
            403,
            "identity.not_proven",
            "Prove who you are first (at a counter, through your bank or a verification provider): "
            "until then this account cannot see or use the card.",
        )


async def _proven_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _check_proven(connection.scope.get("user"))


citizen_only = requires(CITIZEN)
# A citizen whose account was proven to be its person: what reads or changes the card needs this.
proven_citizen = _proven_guard
staff_only = requires(*STAFF_ROLES)
provincial_only = requires(PROVINCIAL)
scanner_only = requires(SCANNER)


# Step-up (docs/signing-in.md): the actions a thief with an unlocked phone must not take on a
# long-lived session need a fresh factor, given at POST /api/v1/me/step-up (or by signing in).
STEP_UP_METHODS = ("passkey", "totp", "recovery_code", "password")
STEP_UP_PATH = "/api/v1/me/step-up"
_step_up_window = {"seconds": 300}


def install_step_up_window(seconds: int) -> None:
    """Set how long a fresh factor counts (settings.step_up_seconds); create_app calls it."""
    _step_up_window["seconds"] = seconds


def step_up_window() -> int:
    return _step_up_window["seconds"]


def require_step_up(principal: Principal, now: int, *, within: int | None = None) -> None:
    """403 `auth.step_up_required` unless the session gave a fresh factor in the last `within`
    seconds (default: the installed settings.step_up_seconds). The details name the kinds of
    factor and where to give one; GET /api/v1/me/step-up says which this account has."""
    window = step_up_window() if within is None else within
    at = principal.stepped_up_at
    if at is not None and 0 <= now - at <= window:
        return
    raise ApiError(
        403,
        "auth.step_up_required",
        "Confirm it is you with a passkey, an authenticator code or a recovery code first.",
        methods=list(STEP_UP_METHODS),
        step_up=STEP_UP_PATH,
        window_seconds=window,
    )
