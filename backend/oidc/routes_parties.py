"""Relying parties for provincial operators: register, list, change, rotate a secret."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, patch, post
from litestar.params import Parameter

from backend.lib.auth import Principal, provincial_only
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.oidc import relying_parties
from backend.oidc.schemas import ClientCreate, ClientCreated, ClientId, ClientOut, ClientPatch, ClientSecret

TAGS = ["openid connect"]
ClientParam = Annotated[str, Parameter(pattern=ClientId.__metadata__[0].pattern, max_length=19, description="The client_id")]


@get(
    "/api/v1/oidc/clients",
    guards=[provincial_only],
    tags=TAGS,
    summary="Relying parties",
    description="Every registered OpenID Connect relying party, newest first (secrets are never shown again).",
)
async def list_clients() -> list[ClientOut]:
    return await relying_parties.list_all()


@post(
    "/api/v1/oidc/clients",
    status_code=201,
    guards=[provincial_only],
    tags=TAGS,
    summary="Register a relying party",
    description="Name, redirect URIs (exact match; https, or http to a loopback host or outside production; one host "
    "unless `sector_identifier`), the scopes it may ask for, and its token endpoint auth method. `client_secret` is in "
    "this answer only (null for `none`). 422 `oidc.legal_basis_required` (`identity` without a legal basis), "
    "`oidc.openid_required`, `oidc.bad_redirect_uri`, `oidc.mixed_hosts`.",
    responses=errors(e422="oidc.legal_basis_required, oidc.openid_required, oidc.bad_redirect_uri, oidc.mixed_hosts"),
)
async def create_client(request: Request[Principal, Any, Any], data: ClientCreate, settings: Settings, now: int) -> ClientCreated:
    return await relying_parties.create(data, settings, request.user.id, now)


@get(
    "/api/v1/oidc/clients/{client_id:str}",
    guards=[provincial_only],
    tags=TAGS,
    summary="A relying party",
    description="One relying party. 404 `oidc.client_not_found`.",
    responses=errors(e404="oidc.client_not_found"),
)
async def get_client(client_id: ClientParam) -> ClientOut:
    return await relying_parties.get(client_id)


@patch(
    "/api/v1/oidc/clients/{client_id:str}",
    guards=[provincial_only],
    tags=TAGS,
    summary="Change a relying party",
    description="Name, redirect URIs (on the same hosts: the subjects depend on them), scopes, legal basis, active. "
    "An inactive party cannot start sign-ins or use its tokens. 422 as for registering, and `oidc.sector_change`.",
    responses=errors(e404="oidc.client_not_found", e422="oidc.legal_basis_required, oidc.sector_change, oidc.bad_redirect_uri"),
)
async def change_client(client_id: ClientParam, data: ClientPatch, settings: Settings, now: int) -> ClientOut:
    return await relying_parties.patch(client_id, data, settings, now)


@post(
    "/api/v1/oidc/clients/{client_id:str}/secret",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Rotate a relying party's secret",
    description="A new secret, shown once; the old one stops working at once. 409 `oidc.public_client` for a `none` client.",
    responses=errors(e404="oidc.client_not_found", e409="oidc.public_client"),
)
async def rotate_secret(client_id: ClientParam, now: int) -> ClientSecret:
    return await relying_parties.rotate_secret(client_id, now)


ROUTES = [list_clients, create_client, get_client, change_client, rotate_secret]
