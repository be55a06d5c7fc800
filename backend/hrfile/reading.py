"""Reads of someone's HR file by others: an agency on a statute or a consent, an employer on a consent, staff at a
counter; each on the holder's access record in the transaction of the answer, the holder told in the inbox."""

from __future__ import annotations

import uuid

from backend.audit import services as audit
from backend.consent import services as consents
from backend.employers import services as employers
from backend.hrfile import views, vocab
from backend.hrfile.schemas import HrQuery, QueryOut, RecordPage
from backend.hrfile.writing import resolve_person
from backend.identity.services import get_person, person_ids
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import AGENCY, EMPLOYER, Principal
from backend.lib.errors import ApiError
from backend.org.tables import Agency

ACTION = "hrfile.query"
STAFF_ACTION = "hrfile.staff_read"


def fields_of(kinds: list[str]) -> list[str]:
    """The access record's names for the kinds read (`hrfile.<kind>`)."""
    return [f"hrfile.{kind}" for kind in sorted(set(kinds))]


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, basis_kind: str, basis_ref: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.basis_kind, self.basis_ref = basis_kind, basis_ref


async def _reader(principal: Principal) -> tuple[audit.Actor, str]:
    """(actor on the access record, agency kind or "employer") of an agency or employer client."""
    if principal.role == AGENCY and principal.org_id:
        row = await Agency.select(Agency.name, Agency.kind).where(Agency.id == principal.org_id).first().run()
        if row is None:
            raise ApiError(403, "agency.unknown", "This credential's agency is not registered.")
        return audit.Actor("agency", principal.id, principal.org_id, row["name"]), row["kind"]
    if principal.role == EMPLOYER:
        employer = await employers.active_employer_of(principal)
        return audit.Actor("employer", principal.id, str(employer.id), employer.name), "employer"
    raise ApiError(403, "hrfile.reader_not_allowed", "Only agency and employer systems query HR files.")


async def _basis(actor: audit.Actor, reader_kind: str, query: HrQuery, person_id: uuid.UUID, now: int) -> tuple[str, str]:
    """(basis kind, basis ref) that lets this reader read these kinds of this person; a _Refusal otherwise."""
    kinds = sorted(set(query.kinds))
    if query.legal_basis is not None:
        if reader_kind == EMPLOYER:
            raise _Refusal(
                403, "hrfile.no_basis", "An employer reads an HR file with the holder's consent only.", "none", query.legal_basis
            )
        allowed = vocab.STATUTORY_READERS.get(reader_kind, frozenset())
        beyond = [k for k in kinds if k not in allowed]
        if beyond:
            raise _Refusal(
                403,
                "hrfile.out_of_scope",
                f"Not within your statutory scope: {', '.join(beyond)}.",
                "statute",
                query.legal_basis,
                kinds=beyond,
            )
        return "statute", query.legal_basis
    if query.consent_id is None:
        raise _Refusal(
            403, "hrfile.no_basis", "A query needs a legal basis (statute and article) or the holder's consent.", "none", ""
        )
    ref = str(query.consent_id)
    consent = await consents.find(query.consent_id)
    grantee = consent.employer if consent is not None and reader_kind == EMPLOYER else (consent.agency if consent else None)
    if consent is None or str(grantee) != actor.org or consent.person not in await person_ids(person_id):
        raise _Refusal(403, "hrfile.consent_invalid", "No consent with this id was given to you by this holder.", "consent", ref)
    status = consents.status_at(consent, now)
    if status != "active":
        raise _Refusal(403, "hrfile.consent_inactive", f"The consent is {status}.", "consent", ref, consent_status=status)
    beyond = [k for k in kinds if k not in consent.scope.hr_records]
    if beyond:
        raise _Refusal(
            403, "hrfile.out_of_scope", f"Not within the consent's scope: {', '.join(beyond)}.", "consent", ref, kinds=beyond
        )
    return "consent", ref


async def query(principal: Principal, body: HrQuery, keyring: Keyring, now: int) -> QueryOut:
    """Answer an agency's or employer's query, or refuse it; either way it goes on the holder's access record."""
    actor, reader_kind = await _reader(principal)
    if body.legal_basis is not None and body.consent_id is not None:
        raise ApiError(422, "hrfile.ambiguous_basis", "Give a legal basis or a consent, not both.")
    purpose = " ".join(body.purpose.split())
    fields = fields_of(list(body.kinds))

    async def put(person_id: uuid.UUID | None, result: str, basis_kind: str, basis_ref: str, code: str = "") -> uuid.UUID:
        entry = await audit.record(
            actor,
            person_id=person_id,
            action=ACTION,
            fields=fields,
            purpose=purpose,
            basis_kind=basis_kind,
            basis_ref=basis_ref,
            result=result,
            result_code=code,
        )
        return entry.id

    try:
        person_id = await resolve_person(keyring, body.person)
    except ApiError as exc:
        if exc.code == "hrfile.person_not_found":
            await put(None, "not_found", "none", "", exc.code)  # an attempt all the same
        raise
    try:
        basis_kind, basis_ref = await _basis(actor, reader_kind, body, person_id, now)
    except _Refusal as refusal:
        await put(person_id, "refused", refusal.basis_kind, refusal.basis_ref, refusal.code)
        raise ApiError(refusal.status, refusal.code, refusal.message, **refusal.details) from None
    async with db.transaction():  # the answer's access record and the holder's notice stand or fall together
        records = await views.records_of(person_id, list(body.kinds))
        query_id = await put(person_id, "ok", basis_kind, basis_ref)
        params: dict[str, str | int | None] = {"agency": actor.name, "purpose": purpose, "basis": basis_kind, "what": "hrfile"}
        if basis_kind == "consent":
            params["consent"] = basis_ref
        await inbox.tell(person_id, "consent.used" if basis_kind == "consent" else "data.agency_query", params, now=now)
    return QueryOut(query_id=query_id, basis="consent" if basis_kind == "consent" else "statute", records=records)


async def for_staff(principal: Principal, person_id: uuid.UUID, kind: str | None) -> RecordPage:
    """A person's records as a counter sees them; on the holder's access record (basis: staff service)."""
    try:
        person = await get_person(person_id)
    except ApiError:
        raise ApiError(404, "hrfile.person_not_found", "No person with this id.") from None
    holder = uuid.UUID(str(person["merged_into"] or person["id"]))
    actor = await audit.actor_of(principal)
    async with db.transaction():
        records = await views.records_of(holder, [kind] if kind else None)
        await audit.record(
            actor,
            person_id=holder,
            action=STAFF_ACTION,
            fields=fields_of([r.kind for r in records] or ([kind] if kind else list(vocab.KINDS))),
            purpose="人社档案查询（窗口服务）",
            basis_kind="official_duty",
            basis_ref="staff service",
        )
    return RecordPage(items=records)
