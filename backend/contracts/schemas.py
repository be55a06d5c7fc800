"""Request and response Structs of labour contracts: drafting, signatures, termination, verification, evidence."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.contracts.vocab import EventKind, Party, SignatureCheck, Status, TermKind, WorkingHours
from backend.lib.bounds import INT32_MAX, OFFSET_MAX, VISIBLE_LINE

Text = Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE)]
Signature = Annotated[
    str,
    Meta(
        min_length=86,
        max_length=88,
        pattern=r"^[A-Za-z0-9_-]{86}(==)?$",
        examples=["x" * 86],
        description="A 64-byte Ed25519 signature over `signing_input` (UTF-8), base64url",
    ),
]
KeyId = Annotated[str, Meta(min_length=16, max_length=16, pattern=r"^[0-9a-f]{16}$", examples=["3f1c9a2b7d004e61"])]
Reason = Annotated[str, Meta(min_length=2, max_length=128, pattern=VISIBLE_LINE, examples=["双方协商一致解除劳动合同"])]
Digest = Annotated[str, Meta(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$", description="sha256, hex")]
ExternalRef = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        examples=["HR-2026-0042"],
        description="The employer's own reference: a retry with the same reference and content returns the first draft",
    ),
]


class Terms(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The contract's terms (《劳动合同法》第十七条). A fixed term needs `end_on`, an open-ended one has none;
    the probation may not exceed what Art. 19 allows for the term."""

    position: Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["软件工程师"])]
    workplace: Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["广东省深圳市南山区科技园"])]
    start_on: dt.date
    term_kind: TermKind
    wage_fen_per_month: Annotated[int, Meta(ge=1, le=INT32_MAX, examples=[1_200_000], description="Monthly wage in fen")]
    working_hours: WorkingHours = "standard"
    probation_months: Annotated[int, Meta(ge=0, le=6)] = 0
    end_on: dt.date | None = None
    other: Annotated[str, Meta(max_length=2000, examples=["社会保险按国家和广东省规定缴纳。"])] = ""


class Employee(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The employee, named by identity document and name (both must agree with the person of record)."""

    doc_type: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
    id_number: Annotated[str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"], description="Never echoed back")]
    name: Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["王小明"])]


class NewContract(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A draft: who, on what terms. The answer carries the document and what to sign."""

    employee: Employee
    terms: Terms
    external_ref: ExternalRef | None = None


class EmployerSignature(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The employer's signature over the contract's `signing_input`, by one of its active registered keys."""

    key_id: KeyId
    signature: Signature


class EmployeeSignature(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The employee's signature over `signing_input`, by the key of a phone bound to their live card."""

    device_key_id: KeyId
    signature: Signature


class Decline(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason


class TerminationTerms(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a termination states: the day the contract ends and why."""

    terminated_on: dt.date
    reason: Reason


class EmployerTermination(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    terminated_on: dt.date
    reason: Reason
    key_id: KeyId
    signature: Signature


class EmployeeTermination(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    terminated_on: dt.date
    reason: Reason
    device_key_id: KeyId
    signature: Signature


class ToSign(msgspec.Struct, kw_only=True):
    """A document, its hash and the exact text to sign (UTF-8) over it."""

    document: str
    doc_hash: Digest
    signing_input: str


class EmployerParty(msgspec.Struct, kw_only=True):
    uscc: str
    name: str


class EmployeeParty(msgspec.Struct, kw_only=True):
    person: uuid.UUID
    name: str


class SignatureOut(msgspec.Struct, kw_only=True):
    """A party's signature and the public key it verifies under (base64url), with its time."""

    key_id: str
    public_key: str
    signature: str
    signed_at: dt.datetime


class Signatures(msgspec.Struct, kw_only=True):
    employer: SignatureOut | None = None
    employee: SignatureOut | None = None


class EventOut(msgspec.Struct, kw_only=True):
    """Something that happened to the contract after it was drafted. A termination is signed by the party
    that made it (`signature`); declining and withdrawing are recorded unsigned (`signature` null)."""

    id: uuid.UUID
    kind: EventKind
    by: Party
    document: str
    doc_hash: Digest
    signing_input: str | None = None
    signature: SignatureOut | None = None
    at: dt.datetime
    hr_record: uuid.UUID | None = None


class ContractOut(msgspec.Struct, kw_only=True):
    """A labour contract: its canonical `document`, `doc_hash`, the `signing_input` both parties sign, its
    status, signatures and events, and the HR file record written when both had signed."""

    id: uuid.UUID
    status: Status
    employer: EmployerParty
    employee: EmployeeParty
    terms: Terms
    document: str
    doc_hash: Digest
    signing_input: str
    signatures: Signatures
    events: list[EventOut]
    external_ref: str | None = None
    hr_record: uuid.UUID | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    replayed: bool = False


class ContractSummary(msgspec.Struct, kw_only=True):
    """A line of a contract list (an employer sees the employee's name masked; open one for all of it)."""

    id: uuid.UUID
    status: Status
    employer: EmployerParty
    employee_name: str
    position: str
    start_on: dt.date
    end_on: dt.date | None
    term_kind: TermKind
    updated_at: dt.datetime
    external_ref: str | None = None


class ContractPage(msgspec.Struct, kw_only=True):
    items: list[ContractSummary]
    total: Annotated[int, Meta(ge=0, le=OFFSET_MAX * 100)]


class EventCheck(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: EventKind
    by: Party
    valid: bool


class VerificationOut(msgspec.Struct, kw_only=True):
    """Whether the stored contract is what was signed: the document still hashes to `doc_hash`, each present
    signature verifies under the key registered to its party, each signature its status needs is there,
    and every signed event verifies. `valid` is all of these."""

    valid: bool
    doc_hash_matches: bool
    employer_signature: SignatureCheck
    employee_signature: SignatureCheck
    events: list[EventCheck]
    problems: list[str]
    checked_at: dt.datetime


class EvidenceSignature(msgspec.Struct, kw_only=True):
    key_id: str
    public_key: str
    signature: str
    signed_at: dt.datetime
    signing_input: str


class EvidenceEvent(msgspec.Struct, kw_only=True):
    kind: EventKind
    by: Party
    document: str
    doc_hash: str
    at: dt.datetime
    signature: EvidenceSignature | None = None


class Evidence(msgspec.Struct, kw_only=True):
    """Everything needed to check a contract offline with any Ed25519 library (docs/contracts.md):
    sha256(document) == doc_hash, and each signature over its `signing_input` under its `public_key`."""

    format: str
    contract_id: uuid.UUID
    status: Status
    document: str
    doc_hash: str
    signatures: dict[str, EvidenceSignature]
    events: list[EvidenceEvent]
    exported_at: dt.datetime
