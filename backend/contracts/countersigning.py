"""The employee's side of a contract, in the wallet: sign it with the key of a phone bound to their live
card (the HR file's `labour_contract` record is written in the same transaction), or decline it."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.cards import services as cards
from backend.contracts import drafting, records, texts, views
from backend.contracts import schemas as s
from backend.contracts import vocab as v
from backend.contracts.tables import Contract
from backend.employers import services as employers
from backend.hrfile import services as hrfile
from backend.inbox import services as inbox
from backend.lib import db
from backend.lib.canonical import iso_seconds
from backend.lib.errors import ApiError


async def device_key(person_id: uuid.UUID, key_id: str) -> bytes:
    """The raw public key of a phone bound to the holder's live card with its e-card on; 422
    `contract.unknown_key` for an unbound phone, another person's, or a card not in use."""
    device = await cards.device_by_key(person_id, key_id)
    subject = await cards.card_for_person(person_id) if device is not None else None
    if device is None or device.public_key is None or subject is None:
        raise ApiError(422, "contract.unknown_key", "No phone of yours is bound with this key.", key_id=key_id)
    if device.status != "bound" or device.card_id != subject.card_id or not subject.usable:
        raise ApiError(
            422,
            "contract.unknown_key",
            "This phone is not bound to your card in use: sign on a phone bound to your active e-card.",
            key_id=key_id,
            device_status=device.status,
        )
    return device.public_key


async def sign(
    person_id: uuid.UUID, contract_id: uuid.UUID, data: s.EmployeeSignature, now: dt.datetime | None = None
) -> s.ContractOut:
    """awaiting_employee -> signed; the `labour_contract` record goes in the HR file (source: the employer)
    and the holder is told, in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    row = await records.of_holder(person_id, contract_id)
    if row["status"] != "awaiting_employee":
        raise records.bad_state(row["status"], "awaiting your signature")
    public_key = await device_key(person_id, data.device_key_id)
    signature = drafting.signature_bytes(data.signature)
    drafting.check_signature(public_key, "contract", row["doc_hash"], signature)
    doc = views.document_of(row)
    employer = await employers.employer_by_id(row["employer"])
    assert employer is not None  # a contract's employer is never deleted (ON DELETE RESTRICT)
    async with db.transaction():
        await records.move(
            row,
            "signed",
            {
                Contract.device_key_id: data.device_key_id,
                Contract.employee_public_key: public_key,
                Contract.employee_signature: signature,
                Contract.employee_signed_at: now,
            },
            now,
        )
        record = await hrfile.append(
            person_id=person_id,
            kind="labour_contract",
            data={
                "contract_id": str(row["id"]),
                "employer_uscc": doc.employer.uscc,
                "employer_name": doc.employer.name,
                "position": doc.terms.position,
                "start_on": doc.terms.start_on.isoformat(),
                "end_on": doc.terms.end_on.isoformat() if doc.terms.end_on else None,
                "term_kind": doc.terms.term_kind,
                "doc_hash": row["doc_hash"],
            },
            effective_on=doc.terms.start_on,
            source_kind="employer",
            source_id=str(employer.id),
            source_name=employer.name,
            client_id=row["client_id"],
            legal_basis=v.BASIS_CONTRACT,
            external_ref=f"contract:{row['id']}",
        )
        await Contract.update({Contract.record: record}).where(Contract.id == row["id"]).run()
        await inbox.tell(person_id, "contract.signed", {"contract_id": str(row["id"]), "employer": employer.name}, now=now)
    return await views.contract_out(await records.of_holder(person_id, contract_id))


async def decline(person_id: uuid.UUID, contract_id: uuid.UUID, reason: str, now: dt.datetime | None = None) -> s.ContractOut:
    """awaiting_employee -> declined, with the holder's reason (recorded, unsigned)."""
    now = now or dt.datetime.now(dt.UTC)
    row = await records.of_holder(person_id, contract_id)
    if row["status"] != "awaiting_employee":
        raise records.bad_state(row["status"], "awaiting your signature")
    text = texts.document_text(
        {
            "type": "labour_contract_declined",
            "contract_id": str(row["id"]),
            "contract_doc_hash": row["doc_hash"],
            "reason": reason,
            "at": iso_seconds(now),
        }
    )
    async with db.transaction():
        await records.move(row, "declined", {}, now)
        await records.append_event(row["id"], kind="declined", by="employee", document=text, digest=texts.doc_hash(text), now=now)
    return await views.contract_out(await records.of_holder(person_id, contract_id))
