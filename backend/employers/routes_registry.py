"""The employer registry's routes for provincial operators (staff read it): employers, signing keys, suspension."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get, post
from litestar.params import Parameter

from backend.employers import registering
from backend.employers import schemas as s
from backend.lib.auth import provincial_only, staff_only
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import errors

TAGS = ["employers"]
E404 = "`employer.not_found`: no employer with this id."
KeyIdPath = Annotated[str, Parameter(pattern=r"^[0-9a-f]{16}$", min_length=16, max_length=16)]


@post(
    "/api/v1/employers",
    status_code=201,
    guards=[provincial_only],
    tags=TAGS,
    summary="Register an employer",
    description="Provincial operators only. An employing unit (用人单位) by its unified social credit code (GB 32100-2015: "
    "18 characters of digits and capitals without I, O, S, V, Z; characters 3 to 8 the region code; the 18th the "
    "check character, verified). Its HR system then gets a client credential (`POST /api/v1/clients`, kind "
    "`employer`, org_id = this id) and signs labour contracts with a key registered here (docs/employers.md).",
    responses=errors(
        e409="`employer.exists`: this code is registered already.",
        e422="`employer.bad_uscc`: not a valid unified social credit code (`details.reason` says why).",
    ),
)
async def create_employer(data: s.NewEmployer) -> s.EmployerOut:
    return await registering.create(data)


@get(
    "/api/v1/employers",
    guards=[staff_only],
    tags=TAGS,
    summary="Search the employer registry",
    description="Staff. Employers whose name or unified social credit code contains `q` (every employer without it), "
    "by name, with their signing keys and the total that matched.",
)
async def list_employers(
    q: Annotated[str | None, Parameter(max_length=64, description="Part of the name or the code")] = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> s.EmployerPage:
    return await registering.search(q, limit=limit, offset=offset)


@get(
    "/api/v1/employers/{employer_id:uuid}",
    guards=[staff_only],
    tags=TAGS,
    summary="One employer",
    description="Staff. The employer with its status and its signing keys (active first; retired keys stay listed: "
    "contracts they signed must still verify).",
    responses=errors(e404=E404),
)
async def get_employer(employer_id: uuid.UUID) -> s.EmployerOut:
    return await registering.get(employer_id)


@post(
    "/api/v1/employers/{employer_id:uuid}/keys",
    status_code=201,
    guards=[provincial_only],
    tags=TAGS,
    summary="Register an employer's signing key",
    description="Provincial operators only. An Ed25519 public key (32 bytes, base64url) the employer signs labour "
    "contracts with; its id is the first 8 bytes of its SHA-256, in hex. The private key stays with the employer. "
    "An employer may have several active keys (for a rollover).",
    responses=errors(
        e404=E404,
        e409="`employer.key_exists`: this public key is registered already.",
        e422="`employer.bad_public_key`: not a usable 32-byte Ed25519 public key.",
    ),
)
async def add_key(employer_id: uuid.UUID, data: s.NewKey) -> s.KeyOut:
    return await registering.add_key(employer_id, data.public_key)


@post(
    "/api/v1/employers/{employer_id:uuid}/keys/{key_id:str}/retire",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Retire an employer's signing key",
    description="Provincial operators only. The key signs nothing from now on (`contract.unknown_key`); what it "
    "signed before still verifies.",
    responses=errors(
        e404="`employer.key_not_found`: this employer has no key with this id.",
        e409="`employer.key_retired`: retired already.",
    ),
)
async def retire_key(employer_id: uuid.UUID, key_id: KeyIdPath) -> s.KeyOut:
    return await registering.retire_key(employer_id, key_id)


@post(
    "/api/v1/employers/{employer_id:uuid}/suspend",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Suspend an employer",
    description="Provincial operators only. While suspended its client credentials may read but not act: drafting, "
    "signing, withdrawing and terminating contracts and writing records answer 403 `employer.suspended`. Contracts "
    "it signed stay valid, and its employees may still sign, decline or terminate theirs.",
    responses=errors(e404=E404, e409="`employer.bad_status`: suspended already."),
)
async def suspend(employer_id: uuid.UUID) -> s.EmployerOut:
    return await registering.set_status(employer_id, "suspended")


@post(
    "/api/v1/employers/{employer_id:uuid}/reinstate",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Reinstate a suspended employer",
    description="Provincial operators only. Its credentials and keys act again.",
    responses=errors(e404=E404, e409="`employer.bad_status`: active already."),
)
async def reinstate(employer_id: uuid.UUID) -> s.EmployerOut:
    return await registering.set_status(employer_id, "active")


ROUTES = [create_employer, list_employers, get_employer, add_key, retire_key, suspend, reinstate]
