"""The public credit platform's feed of penalty records and their withdrawals (docs/credit.md), and the keys that sign them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter

from backend.enforcement import credit
from backend.enforcement import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import AGENCY, Principal, requires
from backend.lib.bounds import SAFE_INT_MAX
from backend.lib.openapi import errors

TAGS = ["Enforcement", "credit platform"]


@get(
    "/api/v1/credit/records",
    guards=[requires(AGENCY)],
    tags=TAGS,
    summary="Credit records (the public credit platform)",
    description="Penalties decided under Art. 19 and their withdrawals, each a compact JWS signed with the `credit` key "
    "(verify with GET /api/v1/credit/keys), with seq > `after`, oldest first. Pass `next_after` back as `after`; an "
    "empty page means nothing new yet. Only for the credit platform's agency (kind `credit`): else 403 "
    "`credit.not_the_platform`. Every record served is on its holder's access record (basis: Art. 19). The record's "
    "fields are in docs/credit.md.",
    responses=errors(e403="credit.not_the_platform, auth.wrong_role"),
)
async def records(
    request: Request[Principal, Any, Any],
    keyring: Keyring,
    after: Annotated[int, Parameter(ge=0, le=SAFE_INT_MAX)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> s.CreditPage:
    return await credit.page(request.user, keyring, after=after, limit=limit)


@get(
    "/api/v1/credit/keys",
    tags=TAGS,
    summary="Keys that sign credit records",
    description="The JWK Set (Ed25519, `alg` EdDSA) of the key that signs credit records; a record's header `kid` names "
    "its key. Public.",
)
async def keys(keyring: Keyring) -> s.CreditKeys:
    return credit.keys(keyring)


ROUTES = [records, keys]
