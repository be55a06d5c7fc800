"""What agencies and province staff see of payment orders and batches: names and numbers masked, pages by cursor."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import And, Or, Where, WhereRaw
from piccolo.querystring import Selectable

from backend.cards import services as cards
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.payments import schemas as s
from backend.payments.tables import AgencyEvent, Batch, Instruction, LedgerEntry, Order
from backend.payments.vocab import CREDITED

Condition = Where | WhereRaw | And | Or


def order_not_found() -> ApiError:
    # The same answer for an order of another agency: ids of others' orders do not leak.
    return ApiError(404, "payment.order_not_found", "No payment order with this id that you may see.")


def batch_not_found() -> ApiError:
    return ApiError(404, "payment.batch_not_found", "No payment batch with this id that you may see.")


def _order_columns() -> list[Selectable]:
    return [
        *Order.all_columns(),
        Order.agency.code.as_alias("agency_code"),
        Order.bank.code.as_alias("bank_code"),
        Order.person.name.as_alias("person_name"),
        Order.person.doc_type.as_alias("person_doc_type"),
        Order.person.id_cipher.as_alias("person_id_cipher"),
    ]


def order_out(keyring: Keyring, row: dict[str, Any], *, replayed: bool = False) -> s.OrderOut:
    person = {"doc_type": row["person_doc_type"], "id_cipher": row["person_id_cipher"]}
    account = row["account"] or ""
    submitted = row["submitted_account"] or ""
    return s.OrderOut(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        batch_id=row["batch"],
        line_no=row["line_no"],
        agency_code=row["agency_code"],
        payment_type=row["payment_type"],
        amount_fen=row["amount_fen"],
        legal_basis=row["legal_basis"],
        purpose=row["purpose"],
        reference=row["reference"],
        payee=identity.masked_name(row["person_name"] or ""),
        id_number=identity.masked_number(keyring, person),
        status=row["status"],
        hold_reason=row["hold_reason"] or None,
        hold_detail=row["hold_detail"],
        bank_code=row["bank_code"],
        account=cards.mask_account(account) if account else None,
        rerouted=bool(submitted and account and submitted != account),
        instructions=row["instructions"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        credited_at=row["credited_at"],
        replayed=replayed,
    )


async def order_row(order_id: uuid.UUID, agency_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The order with what its view needs; 404 when absent or (with agency_id) another agency's."""
    query = Order.select(*_order_columns()).where(Order.id == order_id)
    if agency_id is not None:
        query = query.where(Order.agency == agency_id)
    row: dict[str, Any] | None = await query.first().run()
    if row is None:
        raise order_not_found()
    return row


async def order(
    keyring: Keyring, order_id: uuid.UUID, agency_id: uuid.UUID | None = None, *, replayed: bool = False
) -> s.OrderOut:
    return order_out(keyring, await order_row(order_id, agency_id), replayed=replayed)


async def _after(order_id: uuid.UUID, agency_id: uuid.UUID | None) -> Condition:
    """Orders after this one in (created_at, id) order: the cursor of a page."""
    query = Order.select(Order.created_at).where(Order.id == order_id)
    if agency_id is not None:
        query = query.where(Order.agency == agency_id)
    row = await query.first().run()
    if row is None:
        raise ApiError(422, "payment.bad_cursor", "`after` names no order of this list; start again without it.")
    at = row["created_at"]
    return (Order.created_at > at) | ((Order.created_at == at) & (Order.id > order_id))


async def orders_page(
    keyring: Keyring,
    *,
    limit: int,
    after: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    status: str | None = None,
    hold_reason: str | None = None,
    agency_code: str | None = None,
    bank_code: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> tuple[s.OrderPage, list[uuid.UUID]]:
    """A page of orders, oldest first, and the people on it (for the access record of staff reads)."""
    query = Order.select(*_order_columns())
    filters: list[tuple[Column, Any]] = [
        (Order.agency, agency_id),
        (Order.status, status),
        (Order.hold_reason, hold_reason),
        (Order.agency.code, agency_code),
        (Order.bank.code, bank_code),
        (Order.batch, batch_id),
    ]
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(await _after(after, agency_id))
    rows = await query.order_by(Order.created_at, Order.id).limit(limit + 1).run()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [order_out(keyring, row) for row in rows]
    page = s.OrderPage(items=items, next_after=str(items[-1].id) if more and items else None)
    return page, list(dict.fromkeys(row["person"] for row in rows))


# --- batches ------------------------------------------------------------------------------------


async def progress(batch_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[dict[str, int], int]]:
    """Each batch's orders counted by status, and the fen credited so far: one grouped query."""
    out: dict[uuid.UUID, tuple[dict[str, int], int]] = {b: ({}, 0) for b in batch_ids}
    if not batch_ids:
        return out
    rows = await db.fetch(
        "SELECT batch, status, COUNT(*) AS n, SUM(amount_fen) AS fen FROM payments_order WHERE "
        + db.any_of("batch")
        + " GROUP BY batch, status",
        db.list_arg(batch_ids),
    )
    for row in rows:
        key = uuid.UUID(str(row["batch"]))
        counts, settled = out[key]
        counts[row["status"]] = int(row["n"])
        if row["status"] == CREDITED:
            settled += int(row["fen"] or 0)
        out[key] = (counts, settled)
    return out


def _batch_columns() -> list[Selectable]:
    return [*Batch.all_columns(), Batch.agency.code.as_alias("agency_code")]


def batch_out(
    row: dict[str, Any], counts: dict[str, int], settled: int, *, lines: list[s.LineResult] | None = None, replayed: bool = False
) -> s.BatchOut:
    return s.BatchOut(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        name=row["name"],
        agency_code=row["agency_code"],
        line_count=row["line_count"],
        accepted_count=row["accepted_count"],
        rejected_count=row["rejected_count"],
        total_fen=row["total_fen"],
        created_at=row["created_at"],
        by_status=counts,
        settled_fen=settled,
        lines=lines,
        replayed=replayed,
    )


async def batch_row(batch_id: uuid.UUID, agency_id: uuid.UUID | None = None) -> dict[str, Any]:
    query = Batch.select(*_batch_columns()).where(Batch.id == batch_id)
    if agency_id is not None:
        query = query.where(Batch.agency == agency_id)
    row: dict[str, Any] | None = await query.first().run()
    if row is None:
        raise batch_not_found()
    return row


async def batch(batch_id: uuid.UUID, agency_id: uuid.UUID | None = None) -> s.BatchOut:
    row = await batch_row(batch_id, agency_id)
    counts, settled = (await progress([row["id"]]))[row["id"]]
    return batch_out(row, counts, settled)


async def replayed_batch(row: dict[str, Any]) -> s.BatchOut:
    """The first answer to this batch again (its per-line results as kept), with today's progress."""
    lines = msgspec.json.decode(row["result"], type=list[s.LineResult]) if row["result"] not in ("", "{}") else []
    counts, settled = (await progress([row["id"]]))[row["id"]]
    return batch_out(row, counts, settled, lines=lines, replayed=True)


async def batches_page(
    *, limit: int, before: uuid.UUID | None = None, agency_id: uuid.UUID | None = None, agency_code: str | None = None
) -> s.BatchPage:
    """Batches, newest first; `before` is the last batch of the previous page."""
    query = Batch.select(*_batch_columns())
    if agency_id is not None:
        query = query.where(Batch.agency == agency_id)
    if agency_code is not None:
        query = query.where(Batch.agency.code == agency_code)
    if before is not None:
        cursor = Batch.select(Batch.created_at).where(Batch.id == before)
        if agency_id is not None:
            cursor = cursor.where(Batch.agency == agency_id)
        found = await cursor.first().run()
        if found is None:
            raise ApiError(422, "payment.bad_cursor", "`before` names no batch of this list; start again without it.")
        at = found["created_at"]
        query = query.where((Batch.created_at < at) | ((Batch.created_at == at) & (Batch.id < before)))
    rows = await query.order_by(Batch.created_at, Batch.id, ascending=False).limit(limit + 1).run()
    more = len(rows) > limit
    rows = rows[:limit]
    done = await progress([row["id"] for row in rows])
    items = [batch_out(row, *done[row["id"]]) for row in rows]
    return s.BatchPage(items=items, next_before=str(items[-1].id) if more and items else None)


# --- staff: the whole story of one order ------------------------------------------------------


async def order_detail(keyring: Keyring, order_id: uuid.UUID) -> tuple[s.OrderDetail, uuid.UUID]:
    """The order with its instructions and ledger lines, and whose order it is (for the access record)."""
    row = await order_row(order_id)
    instructions = (
        await Instruction.select(*Instruction.all_columns(), Instruction.bank.code.as_alias("bank_code"))
        .where(Instruction.order == order_id)
        .order_by(Instruction.seq)
        .run()
    )
    ledger = await LedgerEntry.select().where(LedgerEntry.order == order_id).order_by(LedgerEntry.at, LedgerEntry.id).run()
    detail = s.OrderDetail(
        order=order_out(keyring, row),
        instructions=[
            s.InstructionOut(
                id=i["id"],
                seq=i["seq"],
                bank_code=i["bank_code"],
                account=cards.mask_account(i["account"]),
                amount_fen=i["amount_fen"],
                status=i["status"],
                return_reason=i["return_reason"],
                bank_reference=i["bank_reference"],
                created_at=i["created_at"],
                answered_at=i["answered_at"],
            )
            for i in instructions
        ],
        ledger=[
            s.LedgerLineOut(
                journal=e["journal"], kind=e["kind"], account=e["account"], amount_fen=e["amount_fen"], day=e["day"], at=e["at"]
            )
            for e in ledger
        ],
    )
    return detail, row["person"]


# --- the agency's event feed ---------------------------------------------------------------


async def events(agency_id: uuid.UUID, limit: int) -> s.AgencyEventPage:
    """This agency's events not yet acknowledged, oldest first."""
    rows = (
        await AgencyEvent.select()
        .where((AgencyEvent.agency == agency_id) & AgencyEvent.acked_at.is_null())
        .order_by(AgencyEvent.at, AgencyEvent.id)
        .limit(limit)
        .run()
    )
    return s.AgencyEventPage(
        items=[
            s.AgencyEventOut(
                id=r["id"], kind=r["kind"], order_id=r["order"], detail=db.json_column(r["detail"]) or {}, at=r["at"]
            )
            for r in rows
        ]
    )
