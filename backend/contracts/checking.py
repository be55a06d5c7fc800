"""Checking a stored contract against what was signed, and the evidence bundle anyone can check offline."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.cards import services as cards
from backend.contracts import records, texts
from backend.contracts import schemas as s
from backend.contracts import vocab as v
from backend.employers import services as employers

EVIDENCE_FORMAT = "yikatong/labour-contract-evidence/v1"


async def _employer_key_matches(employer_id: uuid.UUID, key_id: str, public_key: bytes) -> bool:
    """The key a signature names is the one registered to this employer (retired keys still count)."""
    key = await employers.signing_key(key_id)
    return key is not None and key.employer_id == employer_id and key.public_key == public_key


async def _device_key_matches(person_id: uuid.UUID, key_id: str, public_key: bytes) -> bool:
    """The key is one of the person's phones' (bound then, whether or not it is bound now)."""
    device = await cards.device_by_key(person_id, key_id)
    return device is not None and device.public_key == public_key


async def _party_check(
    row: dict[str, Any], party: v.Party, purpose: str, digest: str, key_id: str, public_key: Any, signature: Any
) -> v.SignatureCheck:
    if not signature:
        return "missing"
    public = bytes(public_key or b"")
    if texts.key_id(public) != key_id:
        return "invalid"
    if party == "employer":
        known = await _employer_key_matches(row["employer"], key_id, public)
    else:
        known = await _device_key_matches(row["person"], key_id, public)
    return "valid" if known and texts.signature_valid(public, purpose, digest, bytes(signature)) else "invalid"


async def verify(row: dict[str, Any], now: dt.datetime | None = None) -> s.VerificationOut:
    """Recompute the hash of the stored document and check every signature over it (docs/contracts.md)."""
    now = now or dt.datetime.now(dt.UTC)
    problems: list[str] = []
    digest = texts.doc_hash(row["document"])  # signatures are checked over what is stored now
    matches = digest == row["doc_hash"]
    if not matches:
        problems.append("the document does not hash to doc_hash")
    doc = texts.parsed(row["document"]) or {}
    employer = await employers.employer_by_id(row["employer"])
    if (
        doc.get("type") != "labour_contract"
        or doc.get("id") != str(row["id"])
        or (doc.get("employee") or {}).get("person") != str(row["person"])
        or employer is None
        or (doc.get("employer") or {}).get("uscc") != employer.uscc
    ):
        problems.append("the document names another contract, employer or employee")
    employer_check = await _party_check(
        row, "employer", "contract", digest, row["employer_key_id"], row["employer_public_key"], row["employer_signature"]
    )
    employee_check = await _party_check(
        row, "employee", "contract", digest, row["device_key_id"], row["employee_public_key"], row["employee_signature"]
    )
    for party, check, needed in (
        ("employer", employer_check, v.SIGNED_BY_EMPLOYER),
        ("employee", employee_check, v.SIGNED_BY_EMPLOYEE),
    ):
        if check == "invalid":
            problems.append(f"the {party}'s signature does not verify")
        elif check == "missing" and row["status"] in needed:
            problems.append(f"the {party}'s signature is missing")
    events: list[s.EventCheck] = []
    for event in await records.events(row["id"]):
        if not event["signature"]:
            continue  # declining and withdrawing are recorded, not signed
        event_digest = texts.doc_hash(event["document"])
        named = texts.parsed(event["document"]) or {}
        check = await _party_check(
            row, event["by"], "termination", event_digest, event["key_id"], event["public_key"], event["signature"]
        )
        ok = (
            check == "valid"
            and event_digest == event["doc_hash"]
            and named.get("contract_id") == str(row["id"])
            and named.get("contract_doc_hash") == row["doc_hash"]
        )
        if not ok:
            problems.append(f"the {event['kind']} event signed by the {event['by']} does not verify")
        events.append(s.EventCheck(id=event["id"], kind=event["kind"], by=event["by"], valid=ok))
    if row["status"] == "terminated" and not any(e.kind == "terminated" and e.valid for e in events):
        problems.append("the contract is terminated without a valid signed termination")
    return s.VerificationOut(
        valid=not problems,
        doc_hash_matches=matches,
        employer_signature=employer_check,
        employee_signature=employee_check,
        events=events,
        problems=problems,
        checked_at=now,
    )


def _evidence_signature(key_id: str, public_key: Any, signature: Any, at: Any, purpose: str, digest: str) -> s.EvidenceSignature:
    return s.EvidenceSignature(
        key_id=key_id,
        public_key=texts.b64url(bytes(public_key or b"")),
        signature=texts.b64url(bytes(signature)),
        signed_at=at,
        signing_input=texts.signing_input(purpose, digest),
    )


async def evidence(row: dict[str, Any], now: dt.datetime | None = None) -> s.Evidence:
    """The document, its hash, each signature with the public key it verifies under and its time, and the
    events: what a party keeps to prove later what was signed and when."""
    signatures: dict[str, s.EvidenceSignature] = {}
    if row["employer_signature"]:
        signatures["employer"] = _evidence_signature(
            row["employer_key_id"],
            row["employer_public_key"],
            row["employer_signature"],
            row["employer_signed_at"],
            "contract",
            row["doc_hash"],
        )
    if row["employee_signature"]:
        signatures["employee"] = _evidence_signature(
            row["device_key_id"],
            row["employee_public_key"],
            row["employee_signature"],
            row["employee_signed_at"],
            "contract",
            row["doc_hash"],
        )
    events = [
        s.EvidenceEvent(
            kind=e["kind"],
            by=e["by"],
            document=e["document"],
            doc_hash=e["doc_hash"],
            at=e["at"],
            signature=_evidence_signature(e["key_id"], e["public_key"], e["signature"], e["at"], "termination", e["doc_hash"])
            if e["signature"]
            else None,
        )
        for e in await records.events(row["id"])
    ]
    return s.Evidence(
        format=EVIDENCE_FORMAT,
        contract_id=row["id"],
        status=row["status"],
        document=row["document"],
        doc_hash=row["doc_hash"],
        signatures=signatures,
        events=events,
        exported_at=now or dt.datetime.now(dt.UTC),
    )
