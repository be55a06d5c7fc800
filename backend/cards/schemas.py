"""Request and response bodies of the cards API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.identity.schemas import DOC_TYPES, LinkedDocument, WorkPermit
from backend.lib.bounds import VISIBLE_LINE

Region = Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["440100"], description="Issuing city's region code")]
BankCode = Annotated[str, Meta(pattern=r"^[A-Z0-9]{2,16}$", examples=["ICBC"], description="Cooperating bank code")]
DocType = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["hmt_residence_permit"],
        description=DOC_TYPES,
    ),
]
IdNumber = Annotated[
    str, Meta(min_length=1, max_length=32, examples=["810000199211300453"], description="Never echoed back unmasked")
]
# No control characters: names end up on printed cards and in logs.
Name = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["陈大文"])]
Reason = Annotated[str, Meta(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$", examples=["Lost on the metro"])]
RequiredReason = Annotated[
    str, Meta(min_length=2, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$", examples=["Photo does not match"])
]
Label = Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["My phone"])]
PublicKey = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_-]{43}$",
        examples=["11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"],
        description="Ed25519 public key, 32 bytes as unpadded base64url",
    ),
]
CitizenChannel = Literal["web", "mobile"]
StaffChannel = Literal["counter", "self_service_terminal"]
ApplicationStatus = Literal["pending", "approved", "rejected"]
DeviceStatus = Literal["bound", "unbound"]
BankStatus = Literal["active", "suspended", "ended"]


class CitizenApplication(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    channel: CitizenChannel = "mobile"
    region: Region | None = None  # default: the city of the person's registered region, else the province
    bank_code: BankCode | None = None  # default: chosen at approval


class StaffApplication(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber
    name: Name
    channel: StaffChannel = "counter"
    region: Region | None = None  # default: the office's city
    bank_code: BankCode | None = None
    linked_document: LinkedDocument | None = None  # required with a residence permit: the travel permit it prints
    work_permit: WorkPermit | None = None  # required with a foreign passport


class Approval(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    bank_code: BankCode | None = None  # overrides the applicant's choice (e.g. that bank was suspended)


class Rejection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: RequiredReason


class CitizenAction(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    channel: CitizenChannel = "mobile"
    reason: Reason = ""


class StaffAction(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    channel: StaffChannel = "counter"
    reason: Reason = ""


class Lookup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber


class EcardRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    payment: bool = False  # level 2: payments through the card's bank account
    transport: bool = False  # public transport (Art. 7)
    channel: CitizenChannel = "mobile"


class EcardOff(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    channel: CitizenChannel = "mobile"


class BankChoice(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    bank_code: BankCode
    channel: CitizenChannel = "mobile"


class DeviceRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    label: Label
    public_key: PublicKey | None = None


class NewBank(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: BankCode
    name: Name
    keeps_account_on_replacement: bool = True


class BankStatusChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    status: Literal["active", "suspended", "ended"]
    successor_bank_code: BankCode | None = None  # required when ending: it takes over the holders


# --- responses ---------------------------------------------------------------------------


class RegionOut(msgspec.Struct):
    code: str
    name: str


class BankRef(msgspec.Struct):
    code: str
    name: str


class EcardOut(msgspec.Struct, kw_only=True):
    level: Annotated[int, Meta(description="0 none, 1 identity and queries, 2 with payment")]
    issued_at: dt.datetime | None
    transport_enabled: bool
    usable: bool
    assurance: Annotated[
        int,
        Meta(
            description="How surely the holder was proven: 0 not, 1 by family or before proofing, 2 bank or provider, 3 at a counter"
        ),
    ] = 0
    proofing: Annotated[str, Meta(examples=["counter"], description="counter | bank | provider | family | legacy")] = ""


class CardOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: Annotated[str, Meta(examples=["B*****113"], description="Masked; POST /api/v1/me/card/reveal shows it")]
    region: RegionOut
    holder_name: str
    state: Annotated[str, Meta(examples=["active"])]
    allowed_actions: list[str]
    lapse_at: dt.datetime | None  # when a temporary loss report lapses by itself
    ecard: EcardOut
    bank: BankRef
    account: Annotated[str, Meta(examples=["**** 9348"], description="Masked; empty until the bank opens the account")]
    issued_at: dt.datetime
    replaces: uuid.UUID | None
    replaced_by: uuid.UUID | None
    version: int
    account_status: Annotated[
        Literal["open", "pending"], Meta(description="pending: the bank has not opened the card's account yet")
    ] = "open"
    bank_change: BankChange | None = None  # a change of bank waiting for the new bank to open the account


class ActionOut(msgspec.Struct, kw_only=True):
    card: CardOut
    new_card: CardOut | None = None  # the replacement card, after request_replacement


class Reveal(msgspec.Struct, kw_only=True):
    card_number: str
    account: str


class ActorOut(msgspec.Struct):
    kind: str
    id: str


class OfficeOut(msgspec.Struct):
    id: uuid.UUID
    name: str | None


class EventOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    card_id: uuid.UUID
    card_number: str
    seq: int
    kind: Annotated[str, Meta(description="transition (the state changed) or notice")]
    action: str
    from_state: str | None
    to_state: str
    actor: ActorOut
    channel: str
    office: OfficeOut | None
    reason: str
    note: str
    at: dt.datetime


class Applicant(msgspec.Struct, kw_only=True):
    name: str
    doc_type: str
    id_number: Annotated[str, Meta(examples=["81**************53"], description="Masked")]


class ApplicationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: ApplicationStatus
    channel: str
    region: RegionOut
    office: OfficeOut | None
    bank_code: str | None
    applicant: Applicant
    reason: str
    card_id: uuid.UUID | None
    created_at: dt.datetime
    reviewed_at: dt.datetime | None


class LookupOut(msgspec.Struct, kw_only=True):
    applicant: Applicant
    cards: list[CardOut]  # newest first, replaced and cancelled included
    open_application: ApplicationOut | None


class DeviceOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    card_id: uuid.UUID
    label: str
    public_key: str | None  # base64url
    key_id: str | None
    status: DeviceStatus
    bound_at: dt.datetime
    unbound_at: dt.datetime | None


class BankOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID  # what a bank's client credential names as its organisation (POST /api/v1/clients)
    code: str
    name: str
    status: BankStatus
    keeps_account_on_replacement: bool


class BankStatusOut(msgspec.Struct, kw_only=True):
    bank: BankOut
    moved: Annotated[int, Meta(description="Cards moved to the successor bank by this call")]


# --- bank accounts: requests to the bank, its answers, the migration report -----------------

AccountPurpose = Literal["new_card", "change", "migration"]
AccountRequestStatus = Literal["pending", "opened", "refused", "superseded"]
# Why a bank refuses to open an account (the same words as payments/vocab.RefuseReason).
RefuseReason = Literal["identity_mismatch", "kyc_failed", "duplicate_account", "other"]
AccountNumber = Annotated[
    str, Meta(min_length=8, max_length=32, pattern=r"^[0-9]+$", examples=["6222020200112345678"], description="8-32 digits")
]


class BankChange(msgspec.Struct, kw_only=True):
    """A change of bank the holder asked for, waiting for the new bank to open the account."""

    bank_code: str
    bank_name: str
    requested_at: dt.datetime


class AccountRequestOut(msgspec.Struct, kw_only=True):
    """A request to the bank to open the card's account. The bank needs the holder's name and document to
    open it (know your customer): each item a bank is shown is on the holder's access record."""

    id: uuid.UUID
    bank_code: str
    purpose: AccountPurpose
    status: AccountRequestStatus
    card_number: str  # in full: the bank links the account to this card
    holder_name: str
    doc_type: str
    id_number: str  # in full, in the body only
    previous_account: str | None  # masked: the account the card pays into until this one opens
    how: Annotated[str, Meta(examples=["default"], description="migration only: choice (the holder's) or default")]
    requested_at: dt.datetime
    answered_at: dt.datetime | None
    account: str | None  # the number the bank opened, once opened
    refuse_reason: str | None


class AccountRequestPage(msgspec.Struct, kw_only=True):
    items: list[AccountRequestOut]
    next_after: uuid.UUID | None = None  # pass as ?after= for the next page (None: this was the last)


class AccountAnswer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bank's answer: opened (with the number it opened) or refused (with a reason code)."""

    outcome: Literal["opened", "refused"]
    account: AccountNumber | None = None  # required when opened
    reason_code: RefuseReason | None = None  # required when refused


class AccountAnswerOut(msgspec.Struct, kw_only=True):
    request_id: uuid.UUID
    status: AccountRequestStatus
    duplicate: bool  # this answer had already been received; nothing changed


class MigrationTarget(msgspec.Struct, kw_only=True):
    bank_code: str
    bank_name: str
    holders: int


class MigrationReport(msgspec.Struct, kw_only=True):
    """Where every holder of an ended bank went, and whether their new account is open."""

    bank_code: str
    bank_name: str
    status: BankStatus
    holders: Annotated[int, Meta(description="Holders whose live card was at the bank when it ended (moved by migration)")]
    by_choice: Annotated[int, Meta(description="Moved to the bank of the change they had asked for")]
    by_default: Annotated[int, Meta(description="Moved to the successor bank")]
    accounts_opened: int
    accounts_pending: int
    accounts_refused: int
    accounts_superseded: Annotated[
        int,
        Meta(
            description="The migration's request was replaced later: the holder chose yet another bank, or the card was cancelled"
        ),
    ]
    targets: list[MigrationTarget]
    live_cards_at_bank: Annotated[int, Meta(description="Live cards still at the ended bank: 0 once every holder moved")]
    all_accounted: bool
