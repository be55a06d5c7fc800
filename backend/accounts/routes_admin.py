"""HTTP routes for provincial and city administration: staff members and machine clients."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.accounts import clients, staff
from backend.accounts import schemas as s
from backend.accounts.permissions import permits
from backend.lib.auth import Principal, current
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import error
from backend.lib.store import Store

STAFF_TAGS = ["staff"]
CLIENT_TAGS = ["clients"]
Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Parameter(ge=0, le=OFFSET_MAX, description="Rows to skip")]
NO_STORE = CacheControlHeader(no_store=True)


@post(
    "/api/v1/staff",
    status_code=201,
    summary="Create a staff member",
    description=(
        "Provincial operators only (`staff.manage`). The office decides the city the staff member acts for. "
        "409 `staff.exists`, 422 `staff.unknown_office`."
    ),
    tags=STAFF_TAGS,
    guards=[permits("staff.manage")],
    responses={
        409: error("`staff.exists`: the username is taken."),
        422: error("`staff.unknown_office`, `staff.bad_username`, `staff.bad_role` or `staff.bad_name`."),
    },
)
async def create_staff(data: s.StaffCreate, now: int) -> s.StaffView:
    return await staff.create_staff(
        username=data.username,
        name=data.name,
        role=data.role,
        office_id=data.office_id,
        password=data.password,
        now=now,
    )


@get(
    "/api/v1/staff",
    summary="List staff",
    description="Provincial operators see all staff; supervisors see their own city's.",
    tags=STAFF_TAGS,
    guards=[permits("staff.read")],
)
async def list_staff(request: Request[Principal, Any, Any], limit: Limit = 100, offset: Offset = 0) -> list[s.StaffView]:
    return await staff.list_staff(current(request), limit=limit, offset=offset)


@post(
    "/api/v1/staff/{staff_id:uuid}/deactivate",
    status_code=200,
    summary="Deactivate a staff member",
    description=("Provincial operators only. The staff member can no longer sign in and every session of theirs ends at once."),
    tags=STAFF_TAGS,
    guards=[permits("staff.manage")],
)
async def deactivate_staff(staff_id: uuid.UUID, now: int) -> s.StaffView:
    return await staff.deactivate(staff_id, now)


@post(
    "/api/v1/clients",
    status_code=201,
    summary="Create a machine client",
    description=(
        "Provincial operators only (`client.manage`). Issues a credential `ykc_<id>_<secret>` for a venue "
        "scanner, agency or bank; the token is shown only in this answer and stored hashed."
    ),
    tags=CLIENT_TAGS,
    guards=[permits("client.manage")],
    cache_control=NO_STORE,
    responses={422: error("`client.unknown_org`, `client.bad_kind`, `client.bad_rate` or `client.bad_name`.")},
)
async def create_client(data: s.ClientCreate, request: Request[Principal, Any, Any], now: int) -> s.ClientCreated:
    await clients.check_org(data.kind, data.org_id)
    client, token = await clients.create_client(
        kind=data.kind,
        org_id=data.org_id,
        name=data.name,
        created_by=current(request).id,
        rate_per_minute=data.rate_per_minute,
        now=now,
    )
    return s.ClientCreated(client=client, token=token)


@get(
    "/api/v1/clients",
    summary="List machine clients",
    description="Provincial operators only. Newest first; never shows secrets.",
    tags=CLIENT_TAGS,
    guards=[permits("client.manage")],
)
async def list_clients(
    kind: Annotated[s.ClientKind | None, Parameter(description="Only this kind")] = None,
    org_id: Annotated[uuid.UUID | None, Parameter(description="Only the clients of this venue, agency, bank or employer")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[s.ClientView]:
    return await clients.list_clients(kind=kind, org_id=org_id, limit=limit, offset=offset)


@post(
    "/api/v1/clients/{client_id:uuid}/rotate",
    status_code=200,
    summary="Rotate a client's secret",
    description="Issues a new token; the old one is refused from now on, on every worker. 409 `client.revoked`.",
    tags=CLIENT_TAGS,
    guards=[permits("client.manage")],
    cache_control=NO_STORE,
)
async def rotate_client(client_id: uuid.UUID, store: Store, now: int) -> s.ClientToken:
    return s.ClientToken(token=await clients.rotate_client_secret(client_id, store=store, now=now))


@post(
    "/api/v1/clients/{client_id:uuid}/revoke",
    status_code=200,
    summary="Revoke a client",
    description="The client's token is refused from now on, on every worker. Revoking twice is harmless.",
    tags=CLIENT_TAGS,
    guards=[permits("client.manage")],
)
async def revoke_client(client_id: uuid.UUID, store: Store, now: int) -> s.ClientView:
    await clients.revoke_client(client_id, store=store, now=now)
    return await clients.get_client(client_id)


ADMIN_ROUTES = [create_staff, list_staff, deactivate_staff, create_client, list_clients, rotate_client, revoke_client]
