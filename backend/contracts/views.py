"""Contracts as their parties see them: the signed document with its terms, signatures and events."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from backend.contracts import records, texts
from backend.contracts import schemas as s
from backend.contracts.tables import Contract
from backend.contracts.vocab import SHOWN_TO_HOLDER
from backend.identity import services as identity
from backend.lib.errors import ApiError

Row = dict[str, Any]


class _Document(msgspec.Struct, kw_only=True):
    """The parts of a stored contract document a view shows (the document itself is shown whole)."""

    employer: s.EmployerParty
    employee: s.EmployeeParty
    terms: s.Terms


def document_of(row: Row) -> _Document:
    """The stored document's parties and terms; 409 `contract.damaged` when the stored text no longer reads."""
    try:
        return msgspec.json.decode(row["document"].encode(), type=_Document)
    except msgspec.DecodeError:
        raise ApiError(
            409, "contract.damaged", "The stored contract text cannot be read; its verification says what is wrong."
        ) from None


def _signature(key_id: str, public_key: Any, signature: Any, at: Any) -> s.SignatureOut | None:
    if not signature or at is None:
        return None
    return s.SignatureOut(
        key_id=key_id,
        public_key=texts.b64url(bytes(public_key or b"")),
        signature=texts.b64url(bytes(signature)),
        signed_at=at,
    )


def event_out(row: Row) -> s.EventOut:
    signed = bool(row["signature"])
    return s.EventOut(
        id=row["id"],
        kind=row["kind"],
        by=row["by"],
        document=row["document"],
        doc_hash=row["doc_hash"],
        signing_input=texts.signing_input("termination", row["doc_hash"]) if signed else None,
        signature=_signature(row["key_id"], row["public_key"], row["signature"], row["at"]) if signed else None,
        at=row["at"],
        hr_record=row["record"],
    )


async def contract_out(row: Row, *, replayed: bool = False) -> s.ContractOut:
    doc = document_of(row)
    return s.ContractOut(
        id=row["id"],
        status=row["status"],
        employer=doc.employer,
        employee=doc.employee,
        terms=doc.terms,
        document=row["document"],
        doc_hash=row["doc_hash"],
        signing_input=texts.signing_input("contract", row["doc_hash"]),
        signatures=s.Signatures(
            employer=_signature(
                row["employer_key_id"], row["employer_public_key"], row["employer_signature"], row["employer_signed_at"]
            ),
            employee=_signature(
                row["device_key_id"], row["employee_public_key"], row["employee_signature"], row["employee_signed_at"]
            ),
        ),
        events=[event_out(e) for e in await records.events(row["id"])],
        external_ref=row["external_ref"],
        hr_record=row["record"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        replayed=replayed,
    )


def _summary(row: Row, *, mask: bool) -> s.ContractSummary:
    doc = document_of(row)
    return s.ContractSummary(
        id=row["id"],
        status=row["status"],
        employer=doc.employer,
        employee_name=identity.masked_name(doc.employee.name) if mask else doc.employee.name,
        position=doc.terms.position,
        start_on=doc.terms.start_on,
        end_on=doc.terms.end_on,
        term_kind=doc.terms.term_kind,
        updated_at=row["updated_at"],
        external_ref=row["external_ref"],
    )


async def employer_page(employer_id: uuid.UUID, *, status: str | None, limit: int, offset: int) -> s.ContractPage:
    """The employer's contracts, newest change first; the employee's name masked."""
    where: Any = Contract.employer == employer_id
    if status is not None:
        where = where & (Contract.status == status)
    rows = await Contract.select().where(where).order_by(Contract.updated_at, ascending=False).limit(limit).offset(offset).run()
    total = await Contract.count().where(where).run()
    return s.ContractPage(items=[_summary(r, mask=True) for r in rows], total=total)


async def holder_list(person_id: uuid.UUID) -> list[s.ContractSummary]:
    """The holder's contracts once the employer has signed them, newest change first."""
    rows = (
        await Contract.select()
        .where((Contract.person == person_id) & Contract.status.is_in(sorted(SHOWN_TO_HOLDER)))
        .order_by(Contract.updated_at, ascending=False)
        .limit(500)
        .run()
    )
    return [_summary(r, mask=False) for r in rows]
