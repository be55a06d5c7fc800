"""Executing orders: routing each to the bank account of the person's live card when it runs (Art. 8).

One transaction per chunk of orders: the orders still `accepted` are locked and read, their people's live
cards read in one query, and each order is instructed (a signed instruction to the card's bank, with the
account the bank opened) or held with the reason, by compare-and-set on its version, with its ledger
journal, its agency events, the holder's notices and the disclosure on the holder's access record. A
second run finds nothing still `accepted` and does nothing: the job may run twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import Any

from backend.audit import chain
from backend.audit import services as audit
from backend.cards import services as cards
from backend.identity.tables import Person
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.lib.faults import crash_point
from backend.payments import effects, instructions, ledger
from backend.payments.tables import Instruction
from backend.payments.vocab import ACCEPTED, HELD, INSTRUCTED

CHUNK = 200  # orders per transaction (a job carries at most this many)
ATTEMPTS = 5
SYSTEM = audit.Actor("system", "payments", "", "Province payment system")
# The card states a payment may be instructed in; any other live state holds it (card_suspended).
PAYABLE_STATE = "active"
# What the holder is told by execution (Art. 8: a payment re-routed to the new account; a hold they can lift).
NOTICES = {"rerouted": "payment.rerouted", "held": "payment.held"}


@dataclass(frozen=True)
class _Order:
    id: uuid.UUID
    version: int
    person: uuid.UUID
    agency: uuid.UUID
    agency_code: str
    agency_name: str
    amount_fen: int
    payment_type: str
    purpose: str
    legal_basis: str
    submitted_account: str
    instructions: int


def hold_reason(card: Any) -> str | None:
    """Why an order cannot be instructed to this live card now (None: it can). `card` is a cards Payable or None."""
    if card is None:
        return "no_live_card"
    if card.state != PAYABLE_STATE:
        return "card_suspended"
    if card.bank_status == "ended":
        return "bank_not_active"
    if not card.account:
        return "account_pending"
    return None


def _uuids(order_ids: list[str]) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for value in order_ids:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # not an order id: nothing to execute
    return list(dict.fromkeys(out))


def _busy() -> ApiError:
    return ApiError(503, "service.unavailable", "Payment orders were changed meanwhile; the job runs again.")


async def execute_orders(order_ids: list[str], keyring: Keyring) -> int:
    """Execute these orders (those still `accepted`), one transaction per chunk; returns how many moved."""
    ids = _uuids(order_ids)
    moved = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        moved += await db.retrying(functools.partial(_execute_chunk, chunk, keyring), attempts=ATTEMPTS, busy=_busy)
        crash_point("payments.execute.after_commit")  # the crash-injection tests' hook
    return moved


_ORDERS_SQL = (
    "SELECT o.id, o.version, o.person, o.agency, o.amount_fen, o.payment_type, o.purpose, o.legal_basis,"
    " o.submitted_account, o.instructions, a.code AS agency_code, a.name AS agency_name"
    " FROM payments_order o JOIN org_agency a ON a.id = o.agency WHERE o.status = {} AND "
)


async def _accepted(ids: list[uuid.UUID]) -> list[_Order]:
    """The orders among `ids` still accepted, locked until the transaction ends (PostgreSQL; SQLite's
    IMMEDIATE transaction already holds the one write lock). In id order, so two runs lock alike."""
    lock = "" if db.is_sqlite() else " FOR UPDATE OF o"
    rows = await db.fetch(_ORDERS_SQL + db.any_of("o.id") + " ORDER BY o.id" + lock, ACCEPTED, db.list_arg(ids))
    return [
        _Order(
            id=uuid.UUID(str(r["id"])),
            version=r["version"],
            person=uuid.UUID(str(r["person"])),
            agency=uuid.UUID(str(r["agency"])),
            agency_code=r["agency_code"],
            agency_name=r["agency_name"],
            amount_fen=int(r["amount_fen"]),
            payment_type=r["payment_type"],
            purpose=r["purpose"] or "",
            legal_basis=r["legal_basis"],
            submitted_account=r["submitted_account"] or "",
            instructions=r["instructions"] or 0,
        )
        for r in rows
    ]


async def _live_cards(people: list[uuid.UUID], now: dt.datetime) -> dict[uuid.UUID, Any]:
    """Each person's live card; a person merged into another is paid to the survivor's card."""
    found = await cards.payable_cards(people, now)
    missing = [p for p in people if p not in found]
    if missing:
        merged = await Person.select(Person.id, Person.merged_into).where(Person.id.is_in(missing)).run()
        into = {row["id"]: row["merged_into"] for row in merged if row["merged_into"]}
        survivors = await cards.payable_cards(list(set(into.values())), now) if into else {}
        found.update({person: survivors[target] for person, target in into.items() if target in survivors})
    return found


class _Writes:
    """Everything one chunk writes besides the orders, gathered so each table gets one statement."""

    def __init__(self) -> None:
        self.instructed: list[tuple[_Order, Any, dict[str, Any]]] = []
        self.held: list[tuple[_Order, str]] = []
        self.instructions: list[dict[str, Any]] = []
        self.ledger: list[dict[str, object]] = []
        self.events: list[dict[str, object]] = []
        self.notices: list[tuple[uuid.UUID, str, dict[str, str | int | None]]] = []
        self.access: list[chain.Row] = []


async def _execute_chunk(ids: list[uuid.UUID], keyring: Keyring) -> int:
    now = dt.datetime.now(dt.UTC)
    orders = await _accepted(ids)
    if not orders:
        return 0
    live = await _live_cards(list(dict.fromkeys(o.person for o in orders)), now)
    # Instructions carry whole seconds: the signed created_at is the value a bank pulls, byte for byte.
    created = now.replace(microsecond=0)
    writes = _Writes()
    for order in orders:
        card = live.get(order.person)
        reason = hold_reason(card)
        if reason is None:
            _instruct(order, card, keyring, created, now, writes)
        else:
            _hold(order, reason, card, now, writes)
    await _cas(writes, now)
    await db.insert_rows(Instruction, writes.instructions)
    await ledger.post_many(writes.ledger)
    await effects.add_events(writes.events)
    for person, notice, params in writes.notices:
        await effects.tell(person, NOTICES[notice], params, now)
    if writes.access:
        # Last: the access record's chain lock is held from here to the commit.
        await chain.append_many(writes.access)
    return len(orders)


def _instruct(order: _Order, card: Any, keyring: Keyring, created: dt.datetime, now: dt.datetime, writes: _Writes) -> None:
    instruction_id = uuid.uuid4()
    fields = instructions.signed_fields(
        id=instruction_id,
        bank_code=card.bank_code,
        account=card.account,
        payee_name=card.holder_name,
        amount_fen=order.amount_fen,
        payment_type=order.payment_type,
        payer_agency=order.agency_code,
        purpose=order.purpose,
        created_at=created,
    )
    kid, signature = instructions.sign_with(keyring, fields)
    writes.instructed.append((order, card, fields))
    writes.instructions.append(
        {
            "id": instruction_id,
            "order": order.id,
            "seq": order.instructions + 1,
            "bank": card.bank_id,
            "account": card.account,
            "amount_fen": order.amount_fen,
            "payee_name": card.holder_name,
            "status": "pending",
            "return_reason": "",
            "bank_reference": "",
            "kid": kid,
            "signature": signature,
            "created_at": created,
            "answered_at": None,
        }
    )
    writes.ledger += ledger.journal_rows(
        order.id, "instruct", order.amount_fen, agency=order.agency_code, bank=card.bank_code, at=now
    )
    if order.submitted_account and order.submitted_account != card.account:
        masked = effects.mask(card.account)
        writes.events.append(
            effects.event_row(order.agency, order.id, "order.rerouted", {"bank_code": card.bank_code, "account": masked}, now)
        )
        params: dict[str, str | int | None] = {
            "payer": order.agency_name,
            "amount_fen": order.amount_fen,
            "bank": card.bank_name,
            "account": masked,
            "order_id": str(order.id),  # the wallet's notice opens this payment
        }
        writes.notices.append((order.person, "rerouted", params))
    writes.access.append(
        audit.entry(
            SYSTEM,
            person_id=order.person,
            action="payment.instruction",
            fields=["name", "bank_account"],
            purpose=f"Payment instruction to {card.bank_name} for {order.agency_name}",
            basis_kind="statute",
            basis_ref=order.legal_basis,
        )
    )


def _hold(order: _Order, reason: str, card: Any, now: dt.datetime, writes: _Writes) -> None:
    writes.held.append((order, reason))
    writes.ledger += ledger.journal_rows(order.id, "hold", order.amount_fen, agency=order.agency_code, at=now)
    writes.events.append(effects.event_row(order.agency, order.id, "order.held", {"hold_reason": reason}, now))
    if reason == "card_suspended":
        # The holder can act on this one (lift the loss report, finish the replacement): tell them.
        params: dict[str, str | int | None] = {"payer": order.agency_name, "amount_fen": order.amount_fen, "reason": reason}
        params["order_id"] = str(order.id)  # the wallet's notice opens this payment
        writes.notices.append((order.person, "held", params))


_INSTRUCT_ONE = (
    "UPDATE payments_order SET status = {}, hold_reason = '', hold_detail = '', card = {}, bank = {}, account = {},"
    " instructions = {}, version = {}, updated_at = {} WHERE id = {} AND version = {} AND status = {} RETURNING id"
)
_HOLD_ONE = (
    "UPDATE payments_order SET status = {}, hold_reason = {}, hold_detail = '', version = {}, updated_at = {}"
    " WHERE id = {} AND version = {} AND status = {} RETURNING id"
)
_INSTRUCT_MANY = (
    "UPDATE payments_order AS o SET status = {}, hold_reason = '', hold_detail = '', card = v.card, bank = v.bank,"
    " account = v.account, instructions = v.seq, version = o.version + 1, updated_at = {}"
    " FROM unnest({}::uuid[], {}::integer[], {}::uuid[], {}::uuid[], {}::varchar[], {}::integer[])"
    " AS v(id, version, card, bank, account, seq)"
    " WHERE o.id = v.id AND o.version = v.version AND o.status = {} RETURNING o.id"
)
_HOLD_MANY = (
    "UPDATE payments_order AS o SET status = {}, hold_reason = v.reason, hold_detail = '', version = o.version + 1,"
    " updated_at = {} FROM unnest({}::uuid[], {}::integer[], {}::varchar[]) AS v(id, version, reason)"
    " WHERE o.id = v.id AND o.version = v.version AND o.status = {} RETURNING o.id"
)


async def _cas(writes: _Writes, now: dt.datetime) -> None:
    """Move every order of the chunk by compare-and-set on its version; any lost one re-runs the chunk."""
    instructed, held = writes.instructed, writes.held
    if db.is_sqlite():
        count = 0
        for order, card, _ in instructed:
            count += len(
                await db.fetch(
                    _INSTRUCT_ONE,
                    INSTRUCTED,
                    card.card_id,
                    card.bank_id,
                    card.account,
                    order.instructions + 1,
                    order.version + 1,
                    now,
                    order.id,
                    order.version,
                    ACCEPTED,
                )
            )
        for order, reason in held:
            count += len(await db.fetch(_HOLD_ONE, HELD, reason, order.version + 1, now, order.id, order.version, ACCEPTED))
    else:
        count = 0
        if instructed:
            columns = (
                [o.id for o, _, _ in instructed],
                [o.version for o, _, _ in instructed],
                [c.card_id for _, c, _ in instructed],
                [c.bank_id for _, c, _ in instructed],
                [c.account for _, c, _ in instructed],
                [o.instructions + 1 for o, _, _ in instructed],
            )
            count += len(await db.fetch(_INSTRUCT_MANY, INSTRUCTED, now, *columns, ACCEPTED))
        if held:
            kept = ([o.id for o, _ in held], [o.version for o, _ in held], [r for _, r in held])
            count += len(await db.fetch(_HOLD_MANY, HELD, now, *kept, ACCEPTED))
    if count != len(instructed) + len(held):
        raise db.Conflict()
