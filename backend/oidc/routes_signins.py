"""The wallet's side of signing in elsewhere: the consent screen, approving or denying, and the holder's grants."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.oidc import authorize, device, protocol, signins
from backend.oidc.schemas import ClientId, Decision, GrantOut, Handle, RequestView, UserCode

TAGS = ["openid connect", "me"]
HandleParam = Annotated[str, Parameter(pattern=Handle.__metadata__[0].pattern, max_length=22, description="The request id")]
ClientParam = Annotated[str, Parameter(pattern=ClientId.__metadata__[0].pattern, max_length=19, description="The client_id")]
UserCodeParam = Annotated[str, Parameter(pattern=UserCode.__metadata__[0].pattern, max_length=9, description="The user code")]


def _person(request: Request[Principal, Any, Any]) -> str:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return request.user.person_id


@get(
    "/api/v1/me/oidc/requests/{request_id:str}",
    guards=[proven_citizen],
    tags=TAGS,
    summary="A sign-in request, as the consent screen shows it",
    description="Which relying party asks (with its legal basis when it asks for `identity`), the scopes, and each "
    "claim with your value (a document number masked). `status` says whether it still waits. 404 `oidc.request_not_found`.",
    responses=errors(e404="oidc.request_not_found"),
)
async def show_request(
    request: Request[Principal, Any, Any], request_id: HandleParam, keyring: Keyring, settings: Settings, now: int
) -> RequestView:
    return await authorize.view(request_id, _person(request), keyring, settings, now)


@post(
    "/api/v1/me/oidc/requests/{request_id:str}/approve",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Approve a sign-in",
    description="Shares the listed claims with the relying party: code flow → `redirect_to` (the client's redirect URI "
    "with `code`, `state`, `iss`); device flow → `redirect_to: null` (the terminal's next poll gets the tokens). "
    "On your access record; the first sign-in to a site is also in your inbox. 403 `auth.step_up_required` when "
    "the site asked for a recent sign-in (max_age) or a new one (prompt=login) and this session's last factor is "
    "older: step up (/api/v1/me/step-up) and approve again. 409 `oidc.request_closed` (already decided or expired), "
    "`oidc.client_inactive`.",
    responses=errors(
        e403="auth.step_up_required",
        e404="oidc.request_not_found",
        e409="oidc.request_closed, oidc.client_inactive",
    ),
)
async def approve(request: Request[Principal, Any, Any], request_id: HandleParam, settings: Settings, now: int) -> Decision:
    issuer = protocol.issuer(settings, protocol.origin_of(request.scope))
    _person(request)
    return await authorize.decide(request_id, request.user, True, issuer, settings, now)


@post(
    "/api/v1/me/oidc/requests/{request_id:str}/deny",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Decline a sign-in",
    description="Nothing is shared. Code flow: `redirect_to` carries `error=access_denied`; device flow: null (the "
    "terminal's poll gets `access_denied`). 409 `oidc.request_closed`.",
    responses=errors(e404="oidc.request_not_found", e409="oidc.request_closed"),
)
async def deny(request: Request[Principal, Any, Any], request_id: HandleParam, settings: Settings, now: int) -> Decision:
    issuer = protocol.issuer(settings, protocol.origin_of(request.scope))
    _person(request)
    return await authorize.decide(request_id, request.user, False, issuer, settings, now)


@get(
    "/api/v1/me/oidc/device/{user_code:str}",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Find a scan-to-sign-in request by its user code",
    description="The code a terminal shows (ABCD-EFGH, also in its QR code's URL). Answers the request as the consent "
    "screen shows it; approve or deny it by its `id`. 404 `oidc.unknown_user_code`; 429 `oidc.too_many_lookups` "
    "after 10 lookups a minute.",
    responses=errors(e404="oidc.unknown_user_code"),
)
async def find_device_request(
    request: Request[Principal, Any, Any],
    user_code: UserCodeParam,
    store: Store,
    keyring: Keyring,
    settings: Settings,
    now: int,
) -> RequestView:
    return await device.lookup(user_code, _person(request), store, keyring, settings, now)


@get(
    "/api/v1/me/oidc/grants",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Sites I signed in to",
    description="Each relying party you signed in to with the e-card: what it was given, first and last sign-in, how often, "
    "and whether the grant is still active.",
)
async def my_grants(request: Request[Principal, Any, Any]) -> list[GrantOut]:
    return await signins.list_mine(_person(request))


@post(
    "/api/v1/me/oidc/grants/{client_id:str}/revoke",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Revoke a site's sign-in",
    description="Its access tokens stop working at once (userinfo answers 401 invalid_token); signing in again asks you "
    "again. 404 `oidc.grant_not_found`.",
    responses=errors(e404="oidc.grant_not_found"),
)
async def revoke_grant(request: Request[Principal, Any, Any], client_id: ClientParam, now: int) -> GrantOut:
    return await signins.revoke(_person(request), client_id, now)


ROUTES = [show_request, approve, deny, find_device_request, my_grants, revoke_grant]
