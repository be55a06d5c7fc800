"""HTTP routes: the holder's access record, operators' audit across holders, and the chain check."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter

from backend.accounts.permissions import ensure
from backend.audit import access, anchors, services, staff_report
from backend.audit.schemas import (
    AccessRecordPage,
    ActorKind,
    AnchorKeys,
    AnchorPage,
    AuditPage,
    AuditSearch,
    ChainBreak,
    ChainReport,
    EntryProof,
    StaffReport,
)
from backend.identity.services import find_person_id
from backend.keys.keyring import Keyring
from backend.lib.auth import PROVINCIAL, SUPERVISOR, Principal, proven_citizen, requires
from backend.lib.bounds import SAFE_INT_MAX
from backend.lib.errors import ApiError
from backend.lib.openapi import error

TAGS = ["access record"]
Limit = Annotated[int, Parameter(ge=1, le=200, description="Page size.")]
Before = Annotated[int | None, Parameter(ge=1, le=SAFE_INT_MAX, description="`next_before` of the previous page.")]
ERRORS = {
    403: error(
        "auth.wrong_role, auth.not_permitted (needs `audit.read`), or `audit.not_your_city` (a supervisor must choose "
        "a staff member or office of their own city)."
    )
}
AUDITORS = requires(SUPERVISOR, PROVINCIAL)
HEX64 = r"^[0-9a-f]{64}$"


async def _operator_read(
    request: Request[Principal, Any, Any],
    person_id: uuid.UUID | None,
    *,
    actor_id: str | None = None,
    actor_org: str | None = None,
    checked: bool = False,
) -> None:
    """Operators reading across holders is itself an access, so it goes on the record too."""
    if not checked:
        await access.ensure_auditor(request.user, actor_id=actor_id, actor_org=actor_org)
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
        "Provincial operators (`audit.read`), and supervisors for one staff member or office of their own city, list access records, newest first, filtered by holder (person id), "
        "actor kind, actor (`actor_id`: what one staff member or system did), actor organisation (agency or "
        "venue id), action, result or period (`since` <= at < `until`). Each read is itself recorded. "
        "To find a holder by identity document use `POST /api/v1/audit/access-records/search`."
    ),
    tags=TAGS,
    guards=[AUDITORS],
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
    await _operator_read(request, person_id, actor_id=actor_id, actor_org=actor_org)
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
        "Provincial operators (and supervisors, for one staff member or office of their own city) search the access record, newest first: one holder's by identity document "
        "(in the body, never the URL), what one staff member or system did (`actor_id`), by actor kind or "
        "organisation, action, result and period (`since` <= at < `until`); every filter optional, all of "
        "them together. Each search is itself recorded. 404 `person.not_found` for an unknown document; "
        "422 for an invalid document, a document type without a number (`audit.bad_document`) or a period "
        "that ends before it starts (`audit.bad_period`)."
    ),
    tags=TAGS,
    guards=[AUDITORS],
    responses={
        **ERRORS,
        404: error("person.not_found"),
        422: error("`document.unknown_type`, an invalid identity number, `audit.bad_document` or `audit.bad_period`."),
    },
)
async def audit_search(request: Request[Principal, Any, Any], data: AuditSearch, keyring: Keyring) -> AuditPage:
    await access.ensure_auditor(request.user, actor_id=data.actor_id, actor_org=data.actor_org)
    since, until = _period(data.since, data.until)
    if (data.doc_type is None) != (data.id_number is None):
        raise ApiError(422, "audit.bad_document", "Give both the document type and its number, or neither.")
    person_id = None
    if data.doc_type is not None and data.id_number is not None:
        person_id = await find_person_id(keyring, data.doc_type, data.id_number)
        if person_id is None:
            raise ApiError(404, "person.not_found", "Nobody is registered with this identity document.")
    await _operator_read(request, person_id, checked=True)
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
        "entry than the one before it) or a `broken_link`; every signed anchor is checked too (its signature, the "
        "anchors' own chain, and that the chain still holds each anchored hash: `truncated` when entries were cut "
        "off the end, `anchors_deleted`, `bad_anchor`, `anchor_mismatch`). Give a previously noted head as `anchor_seq` and "
        "`anchor_hash` to also catch a rewritten or cut-off tail. Same check as `yikatong audit verify`."
    ),
    tags=TAGS,
    guards=[requires(PROVINCIAL)],
    responses={**ERRORS, 422: error("audit.bad_anchor: give both anchor values")},
)
async def check_chain(
    request: Request[Principal, Any, Any],
    keyring: Keyring,
    anchor_seq: Annotated[int | None, Parameter(ge=1, le=SAFE_INT_MAX)] = None,
    anchor_hash: Annotated[str | None, Parameter(pattern=HEX64)] = None,
) -> ChainReport:
    ensure(request.user, "audit.read")
    if (anchor_seq is None) != (anchor_hash is None):
        raise ApiError(422, "audit.bad_anchor", "Give both anchor_seq and anchor_hash, or neither.")
    noted = (anchor_seq, anchor_hash) if anchor_seq is not None and anchor_hash is not None else None
    report = await anchors.verify(anchors.public_keys(keyring), anchor=noted)
    brk = report.first_break
    return ChainReport(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_break=ChainBreak(seq=brk.seq, entry_id=brk.entry_id, kind=brk.kind, message=brk.message) if brk else None,
    )


@get(
    "/api/v1/audit/anchors",
    summary="The access record's published anchors",
    description=(
        "Public, for any witness: the chain's head signed at intervals (`audit_anchor_seconds`), oldest first, "
        "numbered without gaps; each `statement` is a compact JWS (EdDSA, typ `yikatong-anchor+jwt`) over "
        "{region, number, seq, hash, prev, at}, `prev` being the SHA-256 of the previous statement. Hashes and "
        "counts only, no personal data. Keep them: `yikatong audit verify --anchors FILE` checks the record against "
        "a kept copy. Page with `after` = `next_after`."
    ),
    tags=TAGS,
)
async def list_anchors(
    after: Annotated[int, Parameter(ge=0, le=SAFE_INT_MAX, description="The last anchor number already held.")] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000, description="Page size.")] = 100,
) -> AnchorPage:
    items, next_after = await anchors.page(after=after, limit=limit)
    return AnchorPage(items=items, next_after=next_after)


@get(
    "/api/v1/audit/anchors/keys",
    summary="The keys that sign the anchors",
    description="Public: the JWK Set (Ed25519, RFC 8037) of the `audit-anchor` key, by `kid`, to verify the anchors' statements.",
    tags=TAGS,
)
async def anchor_keys(keyring: Keyring) -> AnchorKeys:
    return anchors.jwks(keyring)


@get(
    "/api/v1/audit/entries/{entry_id:uuid}/proof",
    summary="Prove one entry in the chain",
    description=(
        "Provincial operators, and supervisors for entries by their own city's staff: the entry, whether its "
        "content still gives its hash, the links checked from it to the first anchor at or after it, and that "
        "anchor's signed statement. `verified` is true only when all of it holds; otherwise `reason` says why "
        "(`not_anchored_yet` until the next anchor is signed). Each proof read is itself recorded."
    ),
    tags=TAGS,
    guards=[AUDITORS],
    responses={**ERRORS, 404: error("audit.entry_not_found")},
)
async def entry_proof(request: Request[Principal, Any, Any], entry_id: uuid.UUID, keyring: Keyring) -> EntryProof:
    found = await anchors.proof(keyring, entry_id)
    if found is None:
        raise ApiError(404, "audit.entry_not_found", "No access record entry has this id.")
    row, answer = found
    await access.ensure_entry_reader(
        request.user, actor_kind=row["actor_kind"], actor_id=row["actor_id"], actor_org=row["actor_org"]
    )
    await _operator_read(request, row["person"], checked=True)
    return answer


@get(
    "/api/v1/audit/staff-report",
    summary="Unusual staff behaviour",
    description=(
        "Supervisors for their own city, provincial operators for any city or all (`city` left out): per staff "
        "member in the period (`since` <= at < `until`, at most 92 days; a moment without a zone is China Standard "
        "Time), their entries and distinct people, and flags: `many_people` (more than the threshold in one day), "
        "`above_office_median`, `outside_city_without_case` (look-ups of people whose card belongs to another "
        "city, without a case number `YKC-...` as the basis) and `outside_hours` (before 08:00, from 19:00 or at "
        "the weekend, Asia/Shanghai). Each flag has counts and example entry ids. Flagged staff come first."
    ),
    tags=TAGS,
    guards=[AUDITORS],
    responses={**ERRORS, 422: error("`audit.bad_period`: the period ends before it starts or is longer than 92 days.")},
)
async def staff_behaviour(
    request: Request[Principal, Any, Any],
    since: dt.datetime,
    until: dt.datetime,
    city: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$", description="A city's region code, e.g. 440100.")] = None,
) -> StaffReport:
    start, end = _period(since, until)
    assert start is not None and end is not None  # both given: the parameters are required
    if end - start > dt.timedelta(days=92):
        raise ApiError(422, "audit.bad_period", "A staff report covers at most 92 days.")
    scope = access.report_city(request.user, city)
    return await staff_report.report(since=start, until=end, city=scope)


ROUTES = [my_access_records, audit_records, audit_search, check_chain, list_anchors, anchor_keys, entry_proof, staff_behaviour]
