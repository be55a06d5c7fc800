"""HTTP routes: the holder's access record, operators' audit across holders, and the chain check."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter

from backend.accounts.permissions import ensure
from backend.audit import chain, services
from backend.audit.schemas import AccessRecordPage, ActorKind, AuditPage, AuditSearch, ChainBreak, ChainReport
from backend.identity.services import find_person_id
from backend.keys.keyring import Keyring
from backend.lib.auth import PROVINCIAL, Principal, proven_citizen, requires
from backend.lib.bounds import SAFE_INT_MAX
from backend.lib.errors import ApiError
from backend.lib.openapi import error

TAGS = ["access record"]
Limit = Annotated[int, Parameter(ge=1, le=200, description="Page size.")]
Before = Annotated[int | None, Parameter(ge=1, le=SAFE_INT_MAX, description="`next_before` of the previous page.")]
ERRORS = {403: error("auth.wrong_role or auth.not_permitted (needs `audit.read`).")}
HEX64 = r"^[0-9a-f]{64}$"


async def _operator_read(request: Request[Principal, Any, Any], person_id: uuid.UUID | None) -> None:
    """Operators reading across holders is itself an access, so it goes on the record too."""
    ensure(request.user, "audit.read")
    actor = await services.actor_of(request.user)
    await services.record(
        actor,
        person_id=person_id,
        action="audit.read",
        fields=["access_record"],
        purpose="Audit of access to personal data",
        basis_kind="official_duty",
        basis_ref="Regulation Art. 17; PIPL Art. 54 compliance audit",
    )


@get(
    "/api/v1/me/access-records",
    summary="Who accessed my data",
    description=(
        "Every query, verification, certificate change and audit read of your data by someone else (agency, "
        "venue or staff), newest first: who, which fields (names only), the purpose or legal basis, when and "
        "the result, refusals included. Page with `before` = `next_before`."
    ),
    tags=[*TAGS, "me"],
    guards=[proven_citizen],
    responses=ERRORS,
)
async def my_access_records(request: Request[Principal, Any, Any], limit: Limit = 20, before: Before = None) -> AccessRecordPage:
    if not request.user.person_id:
        return AccessRecordPage(items=[])
    records, next_before = await services.for_person(request.user.person_id, limit=limit, before=before)
    return AccessRecordPage(items=records, next_before=next_before)


@get(
    "/api/v1/audit/access-records",
    summary="Audit access records across holders",
    description=(
        "Provincial operators (`audit.read`) list access records, newest first, filtered by holder (person id), "
        "actor kind, actor (`actor_id`: what one staff member or system did), actor organisation (agency or "
        "venue id), action, result or period (`since` <= at < `until`). Each read is itself recorded. "
        "To find a holder by identity document use `POST /api/v1/audit/access-records/search`."
    ),
    tags=TAGS,
    guards=[requires(PROVINCIAL)],
    responses=ERRORS,
)
async def audit_records(
    request: Request[Principal, Any, Any],
    person_id: uuid.UUID | None = None,
    actor_kind: ActorKind | None = None,
    actor_org: Annotated[str | None, Parameter(max_length=64)] = None,
    action: Annotated[str | None, Parameter(max_length=48, pattern=r"^[a-z_.]+$")] = None,
    result: Literal["ok", "refused", "not_found"] | None = None,
    actor_id: Annotated[str | None, Parameter(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Limit = 50,
    before: Before = None,
) -> AuditPage:
    since, until = _period(since, until)
    await _operator_read(request, person_id)
    records, next_before = await services.search(
        person_id=person_id,
        actor_kind=actor_kind,
        actor_org=actor_org,
        action=action,
        result=result,
        actor_id=actor_id,
        since=since,
        until=until,
        limit=limit,
        before=before,
    )
    return AuditPage(items=records, next_before=next_before)


def _period(since: dt.datetime | None, until: dt.datetime | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A period of the record; a moment without a zone is read as China Standard Time."""
    cst = dt.timezone(dt.timedelta(hours=8))
    since, until = (m.replace(tzinfo=cst) if m is not None and m.tzinfo is None else m for m in (since, until))
    if since is not None and until is not None and since >= until:
        raise ApiError(422, "audit.bad_period", "The period must end after it starts.")
    return since, until


@post(
    "/api/v1/audit/access-records/search",
    status_code=200,
    summary="Search the access record",
    description=(
        "Provincial operators search the access record, newest first: one holder's by identity document "
        "(in the body, never the URL), what one staff member or system did (`actor_id`), by actor kind or "
        "organisation, action, result and period (`since` <= at < `until`); every filter optional, all of "
        "them together. Each search is itself recorded. 404 `person.not_found` for an unknown document; "
        "422 for an invalid document, a document type without a number (`audit.bad_document`) or a period "
        "that ends before it starts (`audit.bad_period`)."
    ),
    tags=TAGS,
    guards=[requires(PROVINCIAL)],
    responses={
        **ERRORS,
        404: error("person.not_found"),
        422: error("`document.unknown_type`, an invalid identity number, `audit.bad_document` or `audit.bad_period`."),
    },
)
async def audit_search(request: Request[Principal, Any, Any], data: AuditSearch, keyring: Keyring) -> AuditPage:
    ensure(request.user, "audit.read")
    since, until = _period(data.since, data.until)
    if (data.doc_type is None) != (data.id_number is None):
        raise ApiError(422, "audit.bad_document", "Give both the document type and its number, or neither.")
    person_id = None
    if data.doc_type is not None and data.id_number is not None:
        person_id = await find_person_id(keyring, data.doc_type, data.id_number)
        if person_id is None:
            raise ApiError(404, "person.not_found", "Nobody is registered with this identity document.")
    await _operator_read(request, person_id)
    records, next_before = await services.search(
        person_id=person_id,
        actor_kind=data.actor_kind,
        actor_id=data.actor_id,
        actor_org=data.actor_org,
        action=data.action,
        result=data.result,
        since=since,
        until=until,
        limit=data.limit,
        before=data.before,
    )
    return AuditPage(items=records, next_before=next_before)


@get(
    "/api/v1/audit/chain",
    summary="Check the access record's hash chain",
    description=(
        "Provincial operators walk the whole chain and get the first broken link: an `edited` entry (content "
        "no longer matches its hash), a `deleted` one (gap in positions), a `reordered` one (it follows another "
        "entry than the one before it) or a `broken_link`. Give a previously noted head as `anchor_seq` and "
        "`anchor_hash` to also catch a rewritten or cut-off tail. Same check as `yikatong audit verify`."
    ),
    tags=TAGS,
    guards=[requires(PROVINCIAL)],
    responses={**ERRORS, 422: error("audit.bad_anchor: give both anchor values")},
)
async def check_chain(
    request: Request[Principal, Any, Any],
    anchor_seq: Annotated[int | None, Parameter(ge=1, le=SAFE_INT_MAX)] = None,
    anchor_hash: Annotated[str | None, Parameter(pattern=HEX64)] = None,
) -> ChainReport:
    ensure(request.user, "audit.read")
    if (anchor_seq is None) != (anchor_hash is None):
        raise ApiError(422, "audit.bad_anchor", "Give both anchor_seq and anchor_hash, or neither.")
    report = await chain.verify(anchor=(anchor_seq, anchor_hash) if anchor_seq is not None and anchor_hash is not None else None)
    brk = report.first_break
    return ChainReport(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_break=ChainBreak(seq=brk.seq, entry_id=brk.entry_id, kind=brk.kind, message=brk.message) if brk else None,
    )


ROUTES = [my_access_records, audit_records, audit_search, check_chain]
