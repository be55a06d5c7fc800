"""HTTP routes: holders' consents and receipts, the agency directory, and agency queries."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.consent import agencies, grants, queries
from backend.consent import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import AGENCY, EMPLOYER, PROVINCIAL, Principal, proven_citizen, requires
from backend.lib.bounds import OFFSET_MAX
from backend.lib.errors import ApiError
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.lib.store import Store

ME_TAGS = ["consents", "me"]
AGENCY_TAGS = ["agency queries"]
NO_STORE = CacheControlHeader(no_store=True)


def _person(request: Request[Principal, Any, Any]) -> str:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return request.user.person_id


@get(
    "/api/v1/agencies",
    tags=["agency queries", "consents"],
    summary="List agencies",
    description="The government agencies connected to the platform (issuers of certificates, agencies that query "
    "cards), so holders can choose whom to give a consent. Public.",
)
async def list_agencies() -> list[s.AgencyOut]:
    return await agencies.list_all()


@post(
    "/api/v1/agencies",
    status_code=201,
    guards=[requires(PROVINCIAL)],
    tags=["agency queries"],
    summary="Register an agency",
    description="Provincial operators register a government agency; it can then issue certificate types named after it "
    "and query through `agency` machine clients (`POST /api/v1/clients`). 409 `agency.exists`.",
    responses=errors(e403="auth.wrong_role", e409="agency.exists"),
)
async def create_agency(data: s.AgencyCreate) -> s.AgencyOut:
    return await agencies.create(code=data.code, name=data.name, kind=data.kind)


@post(
    "/api/v1/me/consents",
    status_code=201,
    guards=[proven_citizen],
    tags=ME_TAGS,
    summary="Give an agency or an employer my consent",
    description="Lets one agency (`agency_id`) read a scope (card status, certificate types with named fields, "
    "HR file record kinds in `hr_records`) for a purpose, or one employer (`employer_uscc`) read named HR file record "
    "kinds (`hr_records` only), from `valid_from` (default now) until `valid_until` (at most 366 days). 422 "
    "`consent.grantee_required`, `consent.unknown_agency`, `consent.unknown_employer`, `consent.employer_suspended`, "
    "`consent.employer_scope`, `consent.empty_scope`, `consent.unknown_field`, `certificate.unknown_type`, "
    "`consent.bad_validity`, `consent.too_long`.",
    responses=errors(e422="Unknown agency, employer, type or field; empty scope; bad validity"),
)
async def grant(request: Request[Principal, Any, Any], data: s.ConsentGrant, now: int) -> s.ConsentOut:
    return await grants.grant(account_id=request.user.id, person_id=_person(request), spec=data, now=now)


@get(
    "/api/v1/me/consents",
    guards=[proven_citizen],
    tags=ME_TAGS,
    summary="My consents",
    description="Every consent you gave, newest first, with its status now: active, pending, expired or revoked.",
)
async def my_consents(request: Request[Principal, Any, Any], now: int) -> list[s.ConsentOut]:
    return await grants.list_mine(_person(request), now)


@post(
    "/api/v1/me/consents/{consent_id:uuid}/revoke",
    status_code=200,
    guards=[proven_citizen],
    tags=ME_TAGS,
    summary="Revoke a consent",
    description="Takes effect at once: the next query under it is refused with 403 "
    "`query.consent_inactive`. Revoking again changes nothing. 404 `consent.not_found`.",
    responses=errors(e404="consent.not_found"),
)
async def revoke(request: Request[Principal, Any, Any], consent_id: uuid.UUID, now: int) -> s.ConsentOut:
    return await grants.revoke(_person(request), consent_id, now)


@get(
    "/api/v1/me/consents/{consent_id:uuid}/receipt",
    guards=[proven_citizen],
    tags=ME_TAGS,
    cache_control=NO_STORE,
    summary="Download a consent receipt",
    description="The consent as a JSON file (format `yikatong-consent-receipt/1`): holder, agency, purpose, scope, "
    "from when, until when, revocation and status, signed with the issuer key (`signature.key_id` is in "
    "/.well-known/jwks.json; the signature covers the canonical JSON of every other member).",
    responses=errors(e404="consent.not_found"),
)
async def download_receipt(
    request: Request[Principal, Any, Any], consent_id: uuid.UUID, keyring: Keyring, now: int
) -> Response[bytes]:
    body = await grants.receipt(_person(request), consent_id, keyring, now)
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="consent-{consent_id}.json"'},
    )


@get(
    "/api/v1/agency/consents",
    guards=[requires(AGENCY)],
    tags=AGENCY_TAGS,
    summary="Consents given to my agency",
    description="Consents holders gave your agency, newest first, with their status now; use an `id` as `consent_id` "
    "in a query. Holders are not named here: a query still needs the holder's identity document.",
)
async def agency_consents(
    request: Request[Principal, Any, Any],
    now: int,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> list[s.ConsentOut]:
    agency_id = request.user.org_id
    if agency_id is None:  # an agency client always names its agency: none is given consents
        return []
    return await grants.for_agency(agency_id, now, limit=limit, offset=offset)


@get(
    "/api/v1/employer/consents",
    guards=[requires(EMPLOYER)],
    tags=["employers", "consents"],
    summary="Consents given to my employer",
    description="Consents holders gave your unit to read named kinds of their HR file (`scope.hr_records`), newest "
    "first, with their status now; use an `id` as `consent_id` in `POST /api/v1/hrfile/query`. Holders are not named "
    "here: a query still needs the holder's identity document and name.",
)
async def employer_consents(
    request: Request[Principal, Any, Any],
    now: int,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> list[s.ConsentOut]:
    employer_id = request.user.org_id
    if employer_id is None:  # an employer client always names its employer
        return []
    return await grants.for_employer(employer_id, now, limit=limit, offset=offset)


@post(
    "/api/v1/agency/queries",
    status_code=200,
    guards=[requires(AGENCY)],
    tags=AGENCY_TAGS,
    cache_control=NO_STORE,
    summary="Query a holder's card status and linked certificates",
    description="Art. 9: check a certificate through the card instead of asking for a paper copy. Name the holder by "
    "`subject` (identity document) with a `legal_basis` (statute and article; your statutory scope: your own types "
    "whole, others as the type grants your agency kind, card status always) or a `consent_id` (the holder's consent "
    "scope), or by a `code` the holder presented (card status and the certificate shown with it). Every query, "
    "answered or refused, goes on the holder's access record. 403 `query.no_basis`, `query.out_of_scope` (with "
    "`details.fields`), `query.consent_invalid`, `query.consent_inactive` (expired, revoked or pending), "
    "`query.code_invalid`, `query.code_used`; 404 `query.subject_unknown`; 422 `query.subject_required`, "
    "`query.ambiguous_basis`, `query.empty`, `query.unknown_field`, `query.bad_code`, `certificate.unknown_type`.",
    responses=errors(
        e403="Refused (and recorded): no basis, out of scope, consent not usable, code not valid",
        e404="query.subject_unknown",
        e422="Malformed query",
    ),
)
async def agency_query(
    request: Request[Principal, Any, Any], data: s.AgencyQuery, keyring: Keyring, store: Store, settings: Settings, now: int
) -> s.QueryResult:
    wanted: dict[str, set[str]] = {}
    for item in data.certificates:
        wanted.setdefault(item.type, set()).update(item.fields)
    query = queries.Query(
        purpose=" ".join(data.purpose.split()),
        certificates=wanted,
        card_status=data.card_status,
        doc=(data.subject.doc_type, data.subject.id_number) if data.subject else None,
        code=data.code,
        legal_basis=data.legal_basis,
        consent_id=data.consent_id,
    )
    return await queries.run(request.user, query, keyring=keyring, store=store, settings=settings, now=now)


ROUTES = [
    list_agencies,
    create_agency,
    grant,
    my_consents,
    revoke,
    download_receipt,
    agency_consents,
    employer_consents,
    agency_query,
]
