"""HTTP route for reading someone's HR file: agencies on a statute or a consent, employers on a consent."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import CacheControlHeader

from backend.hrfile import reading
from backend.hrfile import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import AGENCY, EMPLOYER, Principal, requires
from backend.lib.openapi import errors

NO_STORE = CacheControlHeader(no_store=True)


@post(
    "/api/v1/hrfile/query",
    status_code=200,
    guards=[requires(AGENCY, EMPLOYER)],
    tags=["hr file", "agency queries"],
    cache_control=NO_STORE,
    summary="Read named kinds of a person's HR file",
    description="An agency reads on a `legal_basis` (statute and article) within its statutory scope (hrss: every "
    "kind; medical_insurance: contributions and employment) or on the holder's `consent_id` (scope `hr_records`); an "
    "employer reads only on the holder's consent to it. The person is named by identity document and name. Every "
    "query, answered or refused, goes on the holder's access record (action `hrfile.query`, fields `hrfile.<kind>`), "
    "and an answered one is told to the holder in the inbox. Corrected records come with `status: corrected`.",
    responses=errors(
        e403="`hrfile.no_basis`, `hrfile.out_of_scope` (`details.kinds`), `hrfile.consent_invalid`, "
        "`hrfile.consent_inactive`, `employer.suspended` (all but the last recorded)",
        e404="`hrfile.person_not_found`",
        e422="`hrfile.ambiguous_basis`",
    ),
)
async def query(request: Request[Principal, Any, Any], data: s.HrQuery, keyring: Keyring, now: int) -> s.QueryOut:
    return await reading.query(request.user, data, keyring, now)


ROUTES = [query]
