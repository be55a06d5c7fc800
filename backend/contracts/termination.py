"""Ending a signed contract: either party signs a termination (its own canonical document naming the
contract's hash); the HR file's `contract_termination` record is written in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.contracts import countersigning, drafting, records, texts, views
from backend.contracts import schemas as s
from backend.contracts import vocab as v
from backend.employers import services as employers
from backend.hrfile import services as hrfile
from backend.inbox import services as inbox
from backend.lib import db
from backend.lib.auth import Principal


def document(row: dict[str, Any], terminated_on: dt.date, reason: str, by: v.Party) -> str:
    """The termination both the preview and the signed event carry: the same inputs give the same text, so
    what a party previews is what it signs."""
    doc = views.document_of(row)
    return texts.document_text(
        {
            "type": "labour_contract_termination",
            "version": 1,
            "contract_id": str(row["id"]),
            "contract_doc_hash": row["doc_hash"],
            "employer": {"uscc": doc.employer.uscc, "name": doc.employer.name},
            "employee": {"person": str(doc.employee.person), "name": doc.employee.name},
            "terminated_on": terminated_on.isoformat(),
            "reason": reason,
            "by": by,
        }
    )


# An employee's termination is recorded with the service as its source: the employer did not write it.
_BY_EMPLOYEE = {"source_kind": "system", "source_id": "contracts", "source_name": "电子劳动合同（劳动者签署）", "client_id": ""}


def _by_employer(employer_id: uuid.UUID, name: str, client_id: str) -> dict[str, str]:
    return {"source_kind": "employer", "source_id": str(employer_id), "source_name": name, "client_id": client_id}


def _to_sign(text: str) -> s.ToSign:
    digest = texts.doc_hash(text)
    return s.ToSign(document=text, doc_hash=digest, signing_input=texts.signing_input("termination", digest))


def _require_signed(row: dict[str, Any]) -> None:
    if row["status"] != "signed":
        raise records.bad_state(row["status"], "signed by both parties")


async def preview_by_employer(principal: Principal, contract_id: uuid.UUID, data: s.TerminationTerms) -> s.ToSign:
    employer = await employers.active_employer_of(principal)
    row = await records.of_employer(employer.id, contract_id)
    _require_signed(row)
    return _to_sign(document(row, data.terminated_on, data.reason, "employer"))


async def preview_by_employee(person_id: uuid.UUID, contract_id: uuid.UUID, data: s.TerminationTerms) -> s.ToSign:
    row = await records.of_holder(person_id, contract_id)
    _require_signed(row)
    return _to_sign(document(row, data.terminated_on, data.reason, "employee"))


async def by_employer(
    principal: Principal, contract_id: uuid.UUID, data: s.EmployerTermination, now: dt.datetime | None = None
) -> s.ContractOut:
    employer = await employers.active_employer_of(principal)
    row = await records.of_employer(employer.id, contract_id)
    _require_signed(row)
    public_key = await drafting.employer_key(employer, data.key_id)
    await _terminate(row, "employer", data.terminated_on, data.reason, data.key_id, public_key, data.signature, now)
    return await views.contract_out(await records.of_employer(employer.id, contract_id))


async def by_employee(
    person_id: uuid.UUID, contract_id: uuid.UUID, data: s.EmployeeTermination, now: dt.datetime | None = None
) -> s.ContractOut:
    row = await records.of_holder(person_id, contract_id)
    _require_signed(row)
    public_key = await countersigning.device_key(person_id, data.device_key_id)
    await _terminate(row, "employee", data.terminated_on, data.reason, data.device_key_id, public_key, data.signature, now)
    return await views.contract_out(await records.of_holder(person_id, contract_id))


async def _terminate(
    row: dict[str, Any],
    by: v.Party,
    terminated_on: dt.date,
    reason: str,
    key_id: str,
    public_key: bytes,
    signature_text: str,
    now: dt.datetime | None,
) -> None:
    """signed -> terminated with the signed event, the HR record and the holder told, in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    text = document(row, terminated_on, reason, by)
    digest = texts.doc_hash(text)
    signature = drafting.signature_bytes(signature_text)
    drafting.check_signature(public_key, "termination", digest, signature)
    doc = views.document_of(row)
    employer = await employers.employer_by_id(row["employer"])
    assert employer is not None  # never deleted
    async with db.transaction():
        await records.move(row, "terminated", {}, now)
        record = await hrfile.append(
            person_id=row["person"],
            kind="contract_termination",
            data={
                "contract_id": str(row["id"]),
                "employer_uscc": doc.employer.uscc,
                "employer_name": doc.employer.name,
                "terminated_on": terminated_on.isoformat(),
                "reason": reason,
                "by": by,
            },
            effective_on=terminated_on,
            # The party that signed it vouches for it: the employer, or the employee through this service.
            **(_by_employer(employer.id, employer.name, row["client_id"]) if by == "employer" else _BY_EMPLOYEE),
            legal_basis=v.BASIS_TERMINATION,
            external_ref=f"contract:{row['id']}:termination",
        )
        await records.append_event(
            row["id"],
            kind="terminated",
            by=by,
            document=text,
            digest=digest,
            now=now,
            key_id=key_id,
            public_key=public_key,
            signature=signature,
            record=record,
        )
        params = {"contract_id": str(row["id"]), "employer": employer.name, "by": by, "terminated_on": terminated_on.isoformat()}
        await inbox.tell(row["person"], "contract.terminated", params, now=now)
