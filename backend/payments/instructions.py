"""Signed bank instructions: signing them, the bank's pull, and the bank's answers with what each moves."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.payments import effects, ledger
from backend.payments.instruction_format import PREFIX as PREFIX
from backend.payments.instruction_format import sign as sign
from backend.payments.instruction_format import signed_fields as signed_fields
from backend.payments.instruction_format import verify as verify
from backend.payments.schemas import BankAnswer, BankAnswerOut, BankInstruction, BankInstructionPage
from backend.payments.tables import Answer
from backend.payments.vocab import CREDITED, HELD, INSTRUCTED

# outcome -> the instruction statuses it may follow (a repeat of the current one is a duplicate, not a move)
ANSWERS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"pending"}),
    "credited": frozenset({"pending", "accepted"}),
    "returned": frozenset({"pending", "accepted"}),
}
ATTEMPTS = 8


def sign_with(keyring: Keyring, fields: dict[str, Any]) -> tuple[str, str]:
    """(kid, signature) of the province's active issuer key over the instruction's fields."""
    key = keyring.active_signing()
    return key.kid, sign(key.seed, fields)


# --- the bank's pull ---------------------------------------------------------------------------

_PULL_SQL = (
    "SELECT i.id, i.account, i.payee_name, i.amount_fen, i.status, i.kid, i.signature, i.created_at,"
    " b.code AS bank_code, o.payment_type, o.purpose, a.code AS payer_agency"
    ' FROM payments_instruction i JOIN payments_order o ON o.id = i."order"'
    " JOIN org_agency a ON a.id = o.agency JOIN org_bank b ON b.id = i.bank"
    " WHERE i.bank = {} AND i.status = {} ORDER BY i.created_at, i.id LIMIT {}"
)


def _bank_instruction(row: dict[str, Any]) -> BankInstruction:
    return BankInstruction(
        id=uuid.UUID(str(row["id"])),
        bank_code=row["bank_code"],
        account=row["account"],
        payee_name=row["payee_name"],
        amount_fen=row["amount_fen"],
        currency="CNY",
        payment_type=row["payment_type"],
        payer_agency=row["payer_agency"],
        purpose=row["purpose"],
        created_at=db.time_column(row["created_at"]),
        status=row["status"],
        kid=row["kid"],
        signature=row["signature"],
    )


async def pull(bank_id: uuid.UUID | str, status: str, limit: int) -> BankInstructionPage:
    """The bank's own instructions in this status, oldest first, in full (the bank credits the account).
    Disclosing them to the bank was recorded on each holder's access record when they were made."""
    rows = await db.fetch(_PULL_SQL, uuid.UUID(str(bank_id)), status, limit)
    return BankInstructionPage(items=[_bank_instruction(row) for row in rows])


# --- the bank's answers ------------------------------------------------------------------------

_ANSWERED_SQL = (
    'SELECT i.id, i.status, i.bank, i.account, i.amount_fen, i.bank_reference, i."order" AS order_id,'
    " o.version, o.status AS order_status, o.person, o.agency, o.amount_fen AS order_amount,"
    " a.code AS agency_code, a.name AS agency_name, b.code AS bank_code, b.name AS bank_name"
    ' FROM payments_instruction i JOIN payments_order o ON o.id = i."order"'
    " JOIN org_agency a ON a.id = o.agency JOIN org_bank b ON b.id = i.bank WHERE i.id = {}"
)
_INSTRUCTION_CAS = (
    "UPDATE payments_instruction SET status = {}, return_reason = {}, bank_reference = {}, answered_at = {}"
    " WHERE id = {} AND status = {} RETURNING id"
)
_ORDER_CAS = (
    "UPDATE payments_order SET status = {}, hold_reason = {}, hold_detail = {}, credited_at = {}, version = {},"
    " updated_at = {} WHERE id = {} AND version = {} AND status = {} RETURNING id"
)


def _not_found() -> ApiError:
    return ApiError(404, "payment.instruction_not_found", "Your bank has no payment instruction with this id.")


def _busy() -> ApiError:
    return ApiError(503, "service.unavailable", "The instruction is being changed by another answer; send yours again.")


async def answer(
    bank_id: uuid.UUID | str, client_id: str, instruction_id: uuid.UUID, body: BankAnswer, now: dt.datetime | None = None
) -> BankAnswerOut:
    """Record a bank's answer and make what it means happen, all in one transaction: accepted (the
    instruction only), credited (order credited, ledger, agency event, holder told), returned (order held
    with the bank's reason, ledger, agency event, holder told). A repeat is recognised and moves nothing."""
    if body.outcome == "returned" and not body.reason_code:
        raise ApiError(422, "payment.reason_required", "A returned payment needs the bank's reason_code.")
    at = now or dt.datetime.now(dt.UTC)
    bank = uuid.UUID(str(bank_id))

    async def attempt() -> BankAnswerOut:
        row = await db.fetch_one(_ANSWERED_SQL, instruction_id)
        if row is None or uuid.UUID(str(row["bank"])) != bank:
            raise _not_found()
        status = row["status"]
        seen = await db.fetch_one(
            "SELECT id FROM payments_answer WHERE instruction = {} AND outcome = {}", instruction_id, body.outcome
        )
        if seen is not None or status == body.outcome:
            return BankAnswerOut(instruction_id=instruction_id, status=status, duplicate=True)
        if status == "withdrawn":
            raise ApiError(
                409,
                "payment.instruction_withdrawn",
                "This instruction was withdrawn before your bank accepted it (the bank's cooperation ended); do not pay it.",
            )
        if status not in ANSWERS[body.outcome]:
            raise ApiError(
                409,
                "payment.answer_conflict",
                f"The instruction is already {status}; {body.outcome} contradicts an earlier answer.",
                current=status,
            )
        await _apply(row, body, client_id, at)
        return BankAnswerOut(instruction_id=instruction_id, status=body.outcome, duplicate=False)

    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=db.is_unique_violation)


async def _apply(row: dict[str, Any], body: BankAnswer, client_id: str, at: dt.datetime) -> None:
    """The moves of one new answer, inside its transaction; a lost compare-and-set raises db.Conflict."""
    instruction_id = uuid.UUID(str(row["id"]))
    reason = (body.reason_code or "") if body.outcome == "returned" else ""
    reference = body.bank_reference or row["bank_reference"] or ""
    moved = await db.fetch(_INSTRUCTION_CAS, body.outcome, reason, reference, at, instruction_id, row["status"])
    if not moved:
        raise db.Conflict()
    answer_row = {
        "id": uuid.uuid4(),
        "instruction": instruction_id,
        "outcome": body.outcome,
        "reason_code": reason,
        "bank_reference": body.bank_reference,
        "client_id": client_id[:64],
        "received_at": at,
    }
    await db.insert_rows(Answer, [answer_row])
    if body.outcome == "accepted":
        return
    if row["order_status"] != INSTRUCTED:
        # The invariant (one live instruction per order, and its order instructed) does not hold: refuse
        # rather than move money twice. The transaction rolls back, the answer is not kept.
        raise ApiError(409, "payment.answer_conflict", "The payment order of this instruction is no longer in transit.")
    order_id = uuid.UUID(str(row["order_id"]))
    person = uuid.UUID(str(row["person"]))
    agency = uuid.UUID(str(row["agency"]))
    amount = int(row["amount_fen"])
    credited = body.outcome == "credited"
    values = (CREDITED, "", "", at) if credited else (HELD, "returned", reason, None)
    cas = await db.fetch(_ORDER_CAS, *values, row["version"] + 1, at, order_id, row["version"], INSTRUCTED)
    if not cas:
        raise db.Conflict()
    await ledger.post(
        order_id, "credit" if credited else "return", amount, agency=row["agency_code"], bank=row["bank_code"], at=at
    )
    detail: dict[str, str | int | None] = {"instruction_id": str(instruction_id), "bank_code": row["bank_code"]}
    notice = {
        "payer": row["agency_name"],
        "amount_fen": amount,
        "bank": row["bank_name"],
        "account": effects.mask(row["account"]),
        "order_id": str(order_id),  # the wallet's notice opens this payment (#/payments?id=)
    }
    if credited:
        await effects.add_events([effects.event_row(agency, order_id, "order.credited", {**detail, "amount_fen": amount}, at)])
        await effects.tell(person, "payment.received", notice, at)
    else:
        await effects.add_events([effects.event_row(agency, order_id, "order.returned", {**detail, "reason_code": reason}, at)])
        await effects.tell(person, "payment.held", {**notice, "reason": "returned", "reason_code": reason}, at)
