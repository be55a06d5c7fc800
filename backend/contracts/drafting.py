"""The employer's side of a contract: draft it for a person named by document, sign it with a registered
key, withdraw it before the employee signs."""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata
import uuid

import msgspec

from backend.audit import services as audit
from backend.contracts import records, texts, views
from backend.contracts import schemas as s
from backend.contracts import vocab as v
from backend.contracts.tables import Contract
from backend.employers import services as employers
from backend.employers.schemas import EmployerRef
from backend.identity import services as identity
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.canonical import iso_seconds
from backend.lib.errors import ApiError


def _normal(name: str) -> str:
    # As identity compares names (docs/persons.md, "Names"): NFKC, case folded, spaces collapsed.
    return " ".join(unicodedata.normalize("NFKC", name).casefold().replace(",", " ").split())


def _months_later(day: dt.date, months: int) -> dt.date | None:
    """`months` after `day`; None past the calendar's end (a start in 9999), which is later than any end."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > dt.MAXYEAR:
        return None
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _ends_within(terms: s.Terms, months: int) -> bool:
    """A fixed term that ends before `months` have passed since its start."""
    if terms.end_on is None:
        return False
    later = _months_later(terms.start_on, months)
    return later is None or terms.end_on < later


def _bad_terms(message: str, field: str) -> ApiError:
    return ApiError(422, "contract.bad_terms", message, field=field)


def check_terms(terms: s.Terms) -> None:
    """422 `contract.bad_terms` for terms the law does not allow: a fixed term needs an end after its start,
    an open-ended one has no end, and the probation may not exceed Art. 19 of the Labour Contract Law."""
    if terms.term_kind == "fixed" and terms.end_on is None:
        raise _bad_terms("A fixed-term contract needs end_on.", "end_on")
    if terms.term_kind == "open_ended" and terms.end_on is not None:
        raise _bad_terms("An open-ended contract has no end_on.", "end_on")
    if terms.end_on is not None and terms.end_on <= terms.start_on:
        raise _bad_terms("end_on must be after start_on.", "end_on")
    if terms.term_kind == "task" or _ends_within(terms, 3):
        most = v.PROBATION_SHORT
    elif _ends_within(terms, 12):
        most = v.PROBATION_UNDER_YEAR
    elif _ends_within(terms, 36):
        most = v.PROBATION_UNDER_THREE_YEARS
    else:
        most = v.PROBATION_LONG
    if terms.probation_months > most:
        raise _bad_terms(f"For this term the probation is at most {most} month(s) (《劳动合同法》第十九条).", "probation_months")


def document(
    contract_id: uuid.UUID, employer: EmployerRef, person_id: uuid.UUID, name: str, terms: s.Terms, now: dt.datetime
) -> dict:
    """The contract as both parties sign it (docs/contracts.md): no identity number, the person's id instead."""
    return {
        "type": "labour_contract",
        "version": 1,
        "id": str(contract_id),
        "employer": {"uscc": employer.uscc, "name": employer.name},
        "employee": {"person": str(person_id), "name": name},
        "terms": msgspec.to_builtins(terms),
        "drafted_at": iso_seconds(now),
    }


def _person_not_found() -> ApiError:
    # One answer for "nobody has this document" and "the name does not match": a caller cannot tell
    # which, so it cannot learn whether someone holds a document by trying names.
    return ApiError(404, "contract.person_not_found", "No person with this identity document and name is registered.")


async def _person(keyring: Keyring, employee: s.Employee) -> tuple[uuid.UUID, str]:
    person_id = await identity.find_person_id(keyring, employee.doc_type, employee.id_number)  # 422 document.* when malformed
    if person_id is None:
        raise _person_not_found()
    wanted = _normal(employee.name)
    if not any(_normal(known) == wanted for known in await identity.known_names(person_id)):
        raise _person_not_found()
    return person_id, (await identity.get_person(person_id))["name"]


def _same_draft(row: dict, person_id: uuid.UUID, terms: s.Terms) -> bool:
    doc = texts.parsed(row["document"]) or {}
    return doc.get("employee", {}).get("person") == str(person_id) and doc.get("terms") == msgspec.to_builtins(terms)


async def draft(keyring: Keyring, principal: Principal, data: s.NewContract, now: dt.datetime | None = None) -> s.ContractOut:
    """A new contract in `drafted` (201), or, for an `external_ref` used before with the same employee and
    terms, that contract again (`replayed`); with other content 409 `contract.external_ref_conflict`.
    The look-up of the employee goes on their access record."""
    now = now or dt.datetime.now(dt.UTC)
    employer = await employers.active_employer_of(principal)
    check_terms(data.terms)
    person_id, name = await _person(keyring, data.employee)
    actor = await audit.actor_of(principal)
    contract_id = uuid.uuid4()
    async with db.transaction():
        earlier = None
        if data.external_ref is not None:
            await db.advisory_lock(f"contracts:{employer.id}:{data.external_ref}")
            earlier = await (
                Contract.select()
                .where((Contract.employer == employer.id) & (Contract.external_ref == data.external_ref))
                .first()
                .run()
            )
            if earlier is not None and not _same_draft(earlier, person_id, data.terms):
                raise ApiError(
                    409,
                    "contract.external_ref_conflict",
                    "You drafted another contract under this external_ref; use a new reference.",
                    external_ref=data.external_ref,
                )
        if earlier is None:
            text = texts.document_text(document(contract_id, employer, person_id, name, data.terms, now))
            await Contract.insert(
                Contract(
                    id=contract_id,
                    employer=employer.id,
                    person=person_id,
                    status="drafted",
                    document=text,
                    doc_hash=texts.doc_hash(text),
                    client_id=principal.id,
                    external_ref=data.external_ref,
                    created_at=now,
                    updated_at=now,
                )
            ).run()
            await audit.record(
                actor,
                person_id=person_id,
                action="contract.draft",
                fields=["name", "identity_document"],
                purpose="起草劳动合同",
                basis_kind="statute",
                basis_ref=v.BASIS_DRAFT,
            )
    if earlier is not None:
        return await views.contract_out(earlier, replayed=True)
    return await views.contract_out(await records.of_employer(employer.id, contract_id))


def signature_bytes(text: str) -> bytes:
    raw = texts.from_b64url(text)
    if raw is None or len(raw) != 64:
        raise ApiError(422, "contract.bad_signature", "The signature must be 64 bytes of Ed25519 in base64url.")
    return raw


async def employer_key(employer: EmployerRef, key_id: str) -> bytes:
    """The raw public key of one of the employer's active keys; 422 `contract.unknown_key` otherwise."""
    key = await employers.signing_key(key_id)
    if key is None or key.employer_id != employer.id:
        raise ApiError(422, "contract.unknown_key", "Your employer has no registered key with this id.", key_id=key_id)
    if key.status != "active":
        raise ApiError(
            422, "contract.unknown_key", "This key is retired: sign with an active key.", key_id=key_id, key_status=key.status
        )
    return key.public_key


def check_signature(public_key: bytes, purpose: str, digest: str, signature: bytes) -> None:
    if not texts.signature_valid(public_key, purpose, digest, signature):
        raise ApiError(
            422,
            "contract.bad_signature",
            "The signature does not verify over this contract's signing_input with the key named.",
            signing_input=texts.signing_input(purpose, digest),
        )


async def sign(
    principal: Principal, contract_id: uuid.UUID, data: s.EmployerSignature, now: dt.datetime | None = None
) -> s.ContractOut:
    """The employer's signature: drafted -> awaiting_employee, and the employee is told."""
    now = now or dt.datetime.now(dt.UTC)
    employer = await employers.active_employer_of(principal)
    row = await records.of_employer(employer.id, contract_id)
    if row["status"] != "drafted":
        raise records.bad_state(row["status"], "drafted")
    public_key = await employer_key(employer, data.key_id)
    signature = signature_bytes(data.signature)
    check_signature(public_key, "contract", row["doc_hash"], signature)
    terms = views.document_of(row).terms
    async with db.transaction():
        await records.move(
            row,
            "awaiting_employee",
            {
                Contract.employer_key_id: data.key_id,
                Contract.employer_public_key: public_key,
                Contract.employer_signature: signature,
                Contract.employer_signed_at: now,
            },
            now,
        )
        params = {"contract_id": str(row["id"]), "employer": employer.name, "position": terms.position}
        await inbox.tell(row["person"], "contract.to_sign", params, now=now)
    return await views.contract_out(await records.of_employer(employer.id, contract_id))


async def withdraw(principal: Principal, contract_id: uuid.UUID, now: dt.datetime | None = None) -> s.ContractOut:
    """Withdraw a contract the employee has not signed: drafted or awaiting_employee -> withdrawn. A holder
    who was asked to sign is told."""
    now = now or dt.datetime.now(dt.UTC)
    employer = await employers.active_employer_of(principal)
    row = await records.of_employer(employer.id, contract_id)
    if row["status"] not in ("drafted", "awaiting_employee"):
        raise records.bad_state(row["status"], "drafted or awaiting the employee")
    text = texts.document_text(
        {
            "type": "labour_contract_withdrawn",
            "contract_id": str(row["id"]),
            "contract_doc_hash": row["doc_hash"],
            "at": iso_seconds(now),
        }
    )
    async with db.transaction():
        await records.move(row, "withdrawn", {}, now)
        await records.append_event(
            row["id"], kind="withdrawn", by="employer", document=text, digest=texts.doc_hash(text), now=now
        )
        if row["status"] == "awaiting_employee":
            await inbox.tell(
                row["person"], "contract.withdrawn", {"contract_id": str(row["id"]), "employer": employer.name}, now=now
            )
    return await views.contract_out(await records.of_employer(employer.id, contract_id))
