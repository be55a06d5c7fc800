"""Request and response Structs of payments: orders and batches, instructions and answers, the ledger, reports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import INT32_MAX, VISIBLE_LINE
from backend.payments.vocab import (
    AgencyEventKind,
    BankOutcome,
    HoldReason,
    InstructionStatus,
    OrderStatus,
    PaymentType,
    ReturnReason,
)

# One payment is at most 10 million yuan (10^9 fen): far above any benefit, far below BIGINT.
AMOUNT_MAX_FEN = 1_000_000_000
BATCH_MAX_LINES = 50_000

AmountFen = Annotated[int, Meta(ge=1, le=AMOUNT_MAX_FEN, examples=[328_050], description="Amount in fen (0.01 yuan)")]
IdempotencyKey = Annotated[
    str,
    Meta(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        examples=["2026-12-pension-000123"],
        description="Chosen by the agency, unique per agency: the same key with the same content returns the first "
        "answer; with other content it is refused (payment.idempotency_conflict)",
    ),
]
LegalBasis = Annotated[
    str,
    Meta(min_length=4, max_length=200, pattern=VISIBLE_LINE, examples=["《社会保险法》第十五条 基本养老金按月发放"]),
]
Purpose = Annotated[str, Meta(max_length=200, pattern=VISIBLE_LINE, examples=["2026年12月基本养老金"])]
Reference = Annotated[str, Meta(max_length=64, pattern=r"^[A-Za-z0-9._:/-]*$", examples=["PEN-202612-000123"])]
DocType = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
IdNumber = Annotated[str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"])]
PayeeName = Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["王小明"])]
BankCode = Annotated[str, Meta(min_length=2, max_length=16, pattern=r"^[A-Z0-9]+$", examples=["ICBC"])]
BankReference = Annotated[str, Meta(max_length=64, pattern=r"^[A-Za-z0-9._:/-]*$", examples=["ICBC-20261201-88812"])]
Count = Annotated[int, Meta(ge=0, le=INT32_MAX)]
Fen = Annotated[int, Meta(ge=0, le=2**53 - 1)]  # a day's total, exact in JSON


# --- paying agencies: orders and batches -----------------------------------------------------


class PaymentLine(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One payment to one person. The person is named by identity document and name; both must agree
    with the person of record (a name that does not match is refused: payment.name_mismatch)."""

    idempotency_key: IdempotencyKey
    doc_type: DocType
    id_number: IdNumber
    name: PayeeName
    payment_type: PaymentType
    amount_fen: AmountFen
    legal_basis: LegalBasis
    purpose: Purpose = ""
    reference: Reference = ""


# Hand-written on purpose: an example generated from the schema draws up to BATCH_MAX_LINES lines.
LINE_EXAMPLES = [
    {
        "idempotency_key": "2026-12-pension-000123",
        "doc_type": "resident_id",
        "id_number": "44010619900307001X",
        "name": "王小明",
        "payment_type": "pension",
        "amount_fen": 328_050,
        "legal_basis": "《社会保险法》第十五条 基本养老金按月发放",
        "purpose": "2026年12月基本养老金",
        "reference": "PEN-202612-000123",
    }
]


class BatchSubmit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A payment run. Each line keeps its own idempotency key too, so a line already paid in an earlier
    batch is recognised (its line result says so) and never paid twice."""

    idempotency_key: IdempotencyKey
    name: Annotated[str, Meta(max_length=128, pattern=VISIBLE_LINE, examples=["2026年12月养老金发放"])] = ""
    lines: Annotated[list[PaymentLine], Meta(min_length=1, max_length=BATCH_MAX_LINES, examples=[LINE_EXAMPLES])]


class OrderOut(msgspec.Struct, kw_only=True):
    """A payment order as its agency (or province staff) sees it: the person only masked."""

    id: uuid.UUID
    idempotency_key: str
    batch_id: uuid.UUID | None
    line_no: int
    agency_code: str
    payment_type: PaymentType
    amount_fen: int
    legal_basis: str
    purpose: str
    reference: str
    payee: Annotated[str, Meta(examples=["王*明"])]  # masked name
    id_number: Annotated[str, Meta(examples=["4401**********001X"])]  # masked
    status: OrderStatus
    hold_reason: HoldReason | None
    hold_detail: str
    bank_code: str | None  # where the current or last instruction went
    account: str | None  # masked, e.g. "**** 5678"
    rerouted: bool  # paid to another account than the card had at submission (the holder was told)
    instructions: int
    created_at: dt.datetime
    updated_at: dt.datetime
    credited_at: dt.datetime | None
    replayed: bool = False  # this answer repeats the first one for the same idempotency key


LineStatus = Literal["accepted", "replayed", "rejected"]


class LineResult(msgspec.Struct, kw_only=True):
    line_no: int
    idempotency_key: str
    status: LineStatus  # replayed: the key was already used with the same content; no new order
    order_id: uuid.UUID | None
    error_code: str | None  # rejected lines: payment.unknown_person, payment.name_mismatch, ...
    message: str | None


class BatchOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    idempotency_key: str
    name: str
    agency_code: str
    line_count: int
    accepted_count: int
    rejected_count: int
    total_fen: int
    created_at: dt.datetime
    # Progress of the accepted orders by status (filled on reads; the submission answer has them too).
    by_status: dict[str, int]
    settled_fen: int  # credited so far
    lines: list[LineResult] | None = None  # in the submission answer (and its replay); None on reads
    replayed: bool = False


class BatchPage(msgspec.Struct, kw_only=True):
    items: list[BatchOut]
    next_before: str | None  # pass as ?before= for the next (older) page


class OrderPage(msgspec.Struct, kw_only=True):
    items: list[OrderOut]
    next_after: str | None  # pass as ?after= for the next page


class CancelRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(min_length=2, max_length=200, pattern=VISIBLE_LINE, examples=["Beneficiary deceased"])]


class AgencyEventOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: AgencyEventKind
    order_id: uuid.UUID | None
    detail: dict[str, str | int | None]
    at: dt.datetime


class AgencyEventPage(msgspec.Struct, kw_only=True):
    items: list[AgencyEventOut]


class EventAck(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=1000)]


class AckOut(msgspec.Struct, kw_only=True):
    acknowledged: int


# --- staff: order detail with its instructions and ledger ------------------------------------


class InstructionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    seq: int
    bank_code: str
    account: str  # masked for staff
    amount_fen: int
    status: InstructionStatus
    return_reason: str
    bank_reference: str
    created_at: dt.datetime
    answered_at: dt.datetime | None


class LedgerLineOut(msgspec.Struct, kw_only=True):
    journal: uuid.UUID
    kind: str
    account: str
    amount_fen: int  # debit positive, credit negative
    day: dt.date
    at: dt.datetime


class OrderDetail(msgspec.Struct, kw_only=True):
    order: OrderOut
    instructions: list[InstructionOut]
    ledger: list[LedgerLineOut]


# --- banks: instructions, answers, account openings, daily reports ---------------------------


class BankInstruction(msgspec.Struct, kw_only=True):
    """A signed payment instruction, as a bank pulls it. `signature` is Ed25519 (base64url, no padding)
    by the province's issuer key `kid` (published at /.well-known/jwks.json) over the canonical bytes of
    `signed` (docs/payments.md, "Instructions")."""

    id: uuid.UUID  # stable: the same instruction keeps its id however often it is pulled
    bank_code: str
    account: str  # in full: the bank credits it
    payee_name: str
    amount_fen: int
    currency: Literal["CNY"]
    payment_type: PaymentType
    payer_agency: str  # the paying agency's code
    purpose: str
    created_at: dt.datetime
    status: InstructionStatus
    kid: str
    signature: str


class BankInstructionPage(msgspec.Struct, kw_only=True):
    items: list[BankInstruction]


class BankAnswer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bank's answer to one instruction: accepted (will credit), credited (done) or returned (with a reason).
    Sending the same answer again is harmless; an answer that contradicts an earlier one is refused."""

    outcome: BankOutcome
    reason_code: ReturnReason | None = None  # required when returned
    bank_reference: BankReference = ""


class BankAnswerOut(msgspec.Struct, kw_only=True):
    instruction_id: uuid.UUID
    status: InstructionStatus
    duplicate: bool  # this answer had already been received; nothing changed


class BankDailyFigures(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A bank's daily report (docs/payments.md, "Bank daily report"): cards and accounts, payments, service."""

    day: Annotated[dt.date, Meta(examples=["2026-12-01"])]
    cards_opened: Count  # social security card accounts opened that day
    accounts_open: Count  # card accounts open at the end of the day
    accounts_closed: Count
    instructions_received: Count
    credited_count: Count
    credited_fen: Fen
    returned_count: Count
    returned_fen: Fen
    branches_serving: Count  # branches offering card services
    counter_transactions: Count  # card services done at the bank's counters
    complaints: Count


class BankReportOut(msgspec.Struct, kw_only=True):
    bank_code: str
    day: dt.date
    version: int
    figures: BankDailyFigures
    received_at: dt.datetime
    duplicate: bool = False


class BankReportPage(msgspec.Struct, kw_only=True):
    """Reports of one day: a bank's own versions (newest first), or staff's newest version per bank."""

    items: list[BankReportOut]


# --- reconciliation ----------------------------------------------------------------------------


class BankReconciliation(msgspec.Struct, kw_only=True):
    """One bank's day: what the ledger moved through the bank, what the bank reported, the difference."""

    bank_code: str
    opening_in_transit_fen: int
    instructed_fen: int
    credited_fen: int
    returned_fen: int
    withdrawn_fen: int
    closing_in_transit_fen: int  # opening + instructed - credited - returned - withdrawn, and the ledger's balance
    ledger_closing_in_transit_fen: int
    credited_count: int
    reported_credited_fen: int | None  # from the bank's daily report; None if none came
    reported_credited_count: int | None
    difference_fen: int | None  # reported - ledger credited; 0 when it agrees to the fen
    balanced: bool  # the ledger agrees with itself and (if reported) with the bank


class AgencyReconciliation(msgspec.Struct, kw_only=True):
    """One paying agency's day: what it committed and where the money went."""

    agency_code: str
    committed_fen: int  # orders accepted that day
    credited_fen: int
    cancelled_fen: int
    # End of day: money of this agency's orders still on the way, by where it sits.
    pending_fen: int
    held_fen: int
    in_transit_fen: int
    balance_fen: int  # the agency's ledger account: -(committed ever) + cancelled ever
    balanced: bool  # -balance == pending + held + in transit + paid (ever), to the fen


class Reconciliation(msgspec.Struct, kw_only=True):
    day: dt.date
    banks: list[BankReconciliation]
    agencies: list[AgencyReconciliation]
    journals_balanced: bool  # every journal's lines sum to zero
    balanced: bool


class LedgerCheck(msgspec.Struct, kw_only=True):
    """The whole ledger recomputed from its entries."""

    entries: int
    journals: int
    unbalanced_journals: int
    orders_checked: int
    orders_misplaced: int  # orders whose money is not where their status says
    balances: dict[str, int]  # every ledger account's balance
    ok: bool


# --- holders ----------------------------------------------------------------------------------


class MyPayment(msgspec.Struct, kw_only=True):
    """A payment to the holder: from whom, on what basis, to which account."""

    id: uuid.UUID
    payer: str  # the paying agency's name
    payment_type: PaymentType
    amount_fen: int
    legal_basis: str
    purpose: str
    status: OrderStatus
    hold_reason: HoldReason | None
    bank_name: str | None
    account: str | None  # masked
    rerouted: bool  # went to the card's new account (Art. 8)
    created_at: dt.datetime
    credited_at: dt.datetime | None


class MyPaymentPage(msgspec.Struct, kw_only=True):
    items: list[MyPayment]
    next_before: str | None


# --- a bank whose cooperation ended: its payments in flight (payments/rerouting.py) -------------


class BankInFlight(msgspec.Struct, kw_only=True):
    """What became of a bank's payments: its instructions by status, the orders taken back from it and
    routed anew, and what it still has to answer. For an ended bank, `all_settled_or_rerouted` says
    nothing is left with it and every order taken back has gone to another bank (or ended)."""

    bank_code: str
    bank_name: str
    bank_status: Literal["active", "suspended", "ended"]
    instructions: dict[str, int]  # instruction status -> how many (pending, accepted, credited, returned, withdrawn)
    orders_withdrawn: Annotated[int, Meta(description="Orders whose instruction to this bank was taken back unaccepted")]
    orders_rerouted: Annotated[int, Meta(description="Of those, orders since instructed to another bank (or credited there)")]
    orders_awaiting_route: Annotated[
        int, Meta(description="Of those, orders not routed yet: accepted, or held (e.g. until the new account opens)")
    ]
    orders_withdrawn_closed: Annotated[int, Meta(description="Of those, orders cancelled by their agency")]
    outstanding_with_bank: Annotated[
        int, Meta(description="Instructions the bank accepted and has not answered credited or returned")
    ]
    outstanding_fen: int
    all_settled_or_rerouted: bool
