"""HTTP routes: the type registry (operators), issuing (agencies), the holder's view, signature checks."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.certificates import registry, services
from backend.certificates import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import AGENCY, CITIZEN, PROVINCIAL, Principal, proven_citizen, requires
from backend.lib.errors import ApiError
from backend.lib.openapi import errors

TYPE_TAGS = ["certificate types"]
AGENCY_TAGS = ["certificates (agencies)"]
ME_TAGS = ["certificates", "me"]
NO_STORE = CacheControlHeader(no_store=True)
Code = Annotated[str, Parameter(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="Certificate type code, e.g. driving_licence")]


# --- the registry ------------------------------------------------------------------------------


@get(
    "/api/v1/certificate-types",
    summary="List certificate types",
    tags=TYPE_TAGS,
    description="The registry of electronic certificate types linked to the card: issuer, attribute schema, "
    "concessions per scenario, what each scenario may see, and which agency kinds may read which fields on a "
    "statutory basis. Public. `include_inactive` also lists types closed to new certificates.",
)
async def list_types(include_inactive: bool = False) -> list[s.TypeOut]:
    return await registry.list_types(include_inactive=include_inactive)


@get(
    "/api/v1/certificate-types/{code:str}",
    summary="Get a certificate type",
    tags=TYPE_TAGS,
    description="One type by code. 404 `certificate_type.not_found`.",
    responses=errors(e404="certificate_type.not_found"),
)
async def get_type(code: Code) -> s.TypeOut:
    return await registry.get(code)


@post(
    "/api/v1/certificate-types",
    status_code=201,
    guards=[requires(PROVINCIAL)],
    tags=TYPE_TAGS,
    summary="Register a certificate type",
    description="Provincial operators add a type without code changes: issuing agency, attribute schema (field -> "
    "type string/integer/boolean/date, required, enum, min/max, max_length), concessions (code + scenarios that "
    "show concessions), disclosure (scenario that shows certificates -> fields) and statutory access (agency kind "
    "-> fields). 409 `certificate_type.exists`; 422 `certificate_type.unknown_issuer`, `.bad_schema`, "
    "`.unknown_field`, `.unknown_scenario`, `.scenario_without_concessions`, `.scenario_without_certificate`.",
    responses=errors(e403="auth.wrong_role", e409="certificate_type.exists", e422="Bad issuer, schema, field or scenario."),
)
async def create_type(request: Request[Principal, Any, Any], data: s.TypeCreate) -> s.TypeOut:
    return await registry.create(data, created_by=request.user.id)


@patch(
    "/api/v1/certificate-types/{code:str}",
    guards=[requires(PROVINCIAL)],
    tags=TYPE_TAGS,
    summary="Change a certificate type",
    description="Provincial operators change the name, concessions, disclosure, statutory access or `active`. The "
    "attribute schema is fixed once certificates were signed against it: define a new type instead. Changes apply "
    "to the next verification or query at once.",
    responses=errors(e403="auth.wrong_role", e404="certificate_type.not_found", e422="Bad field or scenario."),
)
async def update_type(code: Code, data: s.TypeUpdate) -> s.TypeOut:
    return await registry.update(code, data)


# --- issuing agencies ---------------------------------------------------------------------------

agency_only = requires(AGENCY)
ISSUE_ERRORS = errors(
    e403="auth.wrong_role, or certificate.not_issuer: your agency does not issue this type",
    e404="certificate.holder_unknown (nobody with this document) or certificate_type.not_found",
    e409="certificate.exists (a live one of this type) or certificate_type.inactive",
    e422="certificate.unknown_attribute, .missing_attribute, .bad_attribute, .bad_validity, or a bad identity document",
    e503="keys.no_signing_key",
)


@post(
    "/api/v1/agency/certificates",
    status_code=201,
    guards=[agency_only],
    tags=AGENCY_TAGS,
    responses=ISSUE_ERRORS,
    summary="Issue a certificate linked to a person",
    description="The issuing agency links a certificate to the person with this identity document (matched by "
    "document, never by name). Attributes are checked against the type's schema; the record is signed with the "
    "issuer key and the issuance goes on the holder's access record.",
)
async def issue(request: Request[Principal, Any, Any], data: s.CertificateIssue, keyring: Keyring, now: int) -> s.CertificateOut:
    return await services.issue(request.user, keyring, data, now)


@patch(
    "/api/v1/agency/certificates/{certificate_id:uuid}",
    guards=[agency_only],
    tags=AGENCY_TAGS,
    summary="Update a certificate",
    description="Change attributes (e.g. a driving licence's points) or `valid_until`; a new signed version. "
    "`expected_version` refuses the change with 409 `certificate.version_mismatch` when someone changed it since. "
    "404 `certificate.not_found` for certificates your agency did not issue; 409 `certificate.revoked`.",
    responses=errors(
        e404="certificate.not_found",
        e409="certificate.version_mismatch, certificate.revoked or certificate.busy",
        e422="Attribute or validity errors",
        e503="keys.no_signing_key",
    ),
)
async def update(
    request: Request[Principal, Any, Any], certificate_id: uuid.UUID, data: s.CertificateUpdate, keyring: Keyring, now: int
) -> s.CertificateOut:
    return await services.update(request.user, keyring, certificate_id, data, now)


@post(
    "/api/v1/agency/certificates/{certificate_id:uuid}/actions/{action:str}",
    status_code=200,
    guards=[agency_only],
    tags=AGENCY_TAGS,
    summary="Suspend, reinstate or revoke a certificate",
    description="`action` is `suspend` (active -> suspended), `reinstate` (suspended -> active) or `revoke` "
    "(for good; a new certificate of the type may then be issued). Takes effect for the next verification or query. "
    "409 `certificate.illegal_transition` with `details.current_status`.",
    responses=errors(e404="certificate.not_found or certificate.unknown_action", e409="certificate.illegal_transition"),
)
async def act(
    request: Request[Principal, Any, Any],
    certificate_id: uuid.UUID,
    action: Annotated[str, Parameter(schema_extra={"enum": sorted(services.ACTIONS)})],  # others: 404, as before
    data: s.CertificateAction,
    keyring: Keyring,
    now: int,
) -> s.CertificateOut:
    return await services.act(request.user, keyring, certificate_id, action, data.reason, now)


@get(
    "/api/v1/certificates/{certificate_id:uuid}/signature",
    guards=[requires(CITIZEN, AGENCY, PROVINCIAL)],
    tags=["certificates"],
    summary="Check a certificate's signature",
    description="Verifies the stored Ed25519 signature against the record as it is now, under the issuer key it "
    "names (`result`: valid, bad_signature or unknown_key). For the holder, the issuing agency and provincial "
    "operators; anyone else gets 404.",
    responses=errors(e404="certificate.not_found"),
)
async def check_signature(request: Request[Principal, Any, Any], certificate_id: uuid.UUID, keyring: Keyring) -> s.IntegrityOut:
    return await services.integrity(request.user, keyring, certificate_id)


# --- holders ---------------------------------------------------------------------------------------


def _person(request: Request[Principal, Any, Any]) -> str:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return request.user.person_id


@get(
    "/api/v1/me/certificates",
    guards=[proven_citizen],
    tags=ME_TAGS,
    summary="My linked certificates",
    description="Every certificate agencies linked to you (driving licence, elderly, disability, veteran...), with "
    "status (active, suspended, revoked, expired, not_yet_valid), attributes and the issuer's signature.",
)
async def my_certificates(request: Request[Principal, Any, Any]) -> list[s.CertificateOut]:
    return await services.for_holder(_person(request))


@get(
    "/api/v1/me/certificates/{certificate_id:uuid}",
    guards=[proven_citizen],
    tags=ME_TAGS,
    summary="One of my certificates",
    description="404 `certificate.not_found` unless it is yours.",
    responses=errors(e404="certificate.not_found"),
)
async def my_certificate(request: Request[Principal, Any, Any], certificate_id: uuid.UUID) -> s.CertificateOut:
    return await services.holder_certificate(_person(request), certificate_id)


ROUTES = [
    list_types,
    get_type,
    create_type,
    update_type,
    issue,
    update,
    act,
    check_signature,
    my_certificates,
    my_certificate,
]
