"""Submitting payment orders, one or a batch of up to 50,000, with idempotency keys (docs/payments.md).

A submission is one transaction: the orders, their ledger `accept` journals and the execute jobs
(the transactional outbox) commit together or not at all. The unique indexes on (agency,
idempotency_key) of orders and batches decide races: the loser of a clash runs again, finds the
winner's row and answers its replay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from backend.cards import services as cards
from backend.identity import services as identity
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.canonical import canonical_json
from backend.lib.errors import ApiError
from backend.payments import access, ledger, views
from backend.payments import schemas as s
from backend.payments.access import Payer
from backend.payments.tables import Batch, Order
from backend.payments.vocab import ACCEPTED

T = TypeVar("T")

EXECUTE = "payments.execute"
JOB_ORDERS = 200  # order ids per execute job: a worker's one transaction stays short
ATTEMPTS = 5


def content_hash(value: msgspec.Struct) -> str:
    """sha256 of the request's canonical JSON: what 'the same content' means for an idempotency key."""
    return hashlib.sha256(canonical_json(msgspec.to_builtins(value))).hexdigest()


def _normal(name: str) -> str:
    # As identity compares names (docs/persons.md, "Names"): NFKC, case folded, spaces collapsed.
    return " ".join(unicodedata.normalize("NFKC", name).casefold().replace(",", " ").split())


def name_agrees(known: Iterable[str], given: str) -> bool:
    wanted = _normal(given)
    return any(_normal(name) == wanted for name in known)


def _conflict(key: str) -> ApiError:
    return ApiError(
        409,
        "payment.idempotency_conflict",
        "This idempotency key was already used by your agency with other content; use a new key for a new payment.",
        idempotency_key=key,
    )


def _busy() -> ApiError:
    return ApiError(503, "payment.busy", "Payments with these keys are being written at this moment; send it again.")


def _again(exc: Exception) -> bool:
    # A clash on an idempotency key: run again, find the winner and answer its replay. A deadlock
    # between two batches sharing keys (PostgreSQL picks a victim) is run again the same way.
    return db.is_unique_violation(exc) or getattr(exc, "sqlstate", None) == "40P01"


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows_per_statement(columns: int) -> int:
    # SQLite takes at most 32766 arguments per statement; PostgreSQL's unnest takes arrays of any length.
    return max(1, 30_000 // columns) if db.is_sqlite() else 10_000


async def _insert(table: type[Order] | type[Batch], rows: list[dict[str, Any]]) -> None:
    if rows:
        for chunk in _chunks(rows, _rows_per_statement(len(rows[0]))):
            await db.insert_rows(table, chunk)


@dataclass(frozen=True, slots=True)
class _Ready:
    """A line that passed every check: who it pays, and the content hash its key is kept with."""

    line_no: int
    line: s.PaymentLine
    person_id: uuid.UUID
    digest: str


def _order_row(
    payer: Payer, ready: _Ready, *, batch_id: uuid.UUID | None, live: tuple[uuid.UUID, str] | None, now: dt.datetime
) -> dict[str, Any]:
    line = ready.line
    return {
        "id": uuid.uuid4(),
        "agency": payer.agency_id,
        "client_id": payer.client_id,
        "batch": batch_id,
        "line_no": ready.line_no,
        "idempotency_key": line.idempotency_key,
        "content_hash": ready.digest,
        "person": ready.person_id,
        "payment_type": line.payment_type,
        "amount_fen": line.amount_fen,
        "legal_basis": line.legal_basis,
        "purpose": line.purpose,
        "reference": line.reference,
        "status": ACCEPTED,
        "hold_reason": "",
        "hold_detail": "",
        # The live card now: execution compares it with the card then, and tells a re-routing.
        "submitted_card": live[0] if live else None,
        "submitted_account": live[1] if live else "",
        "card": None,
        "bank": None,
        "account": "",
        "instructions": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "credited_at": None,
    }


async def _write_orders(payer: Payer, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """The orders, their accept journals and their execute jobs. Call inside the submission's transaction."""
    rows = sorted(rows, key=lambda r: r["idempotency_key"])  # one lock order for all writers: no deadlocks
    await _insert(Order, rows)
    journals = [line for r in rows for line in ledger.journal_rows(r["id"], "accept", r["amount_fen"], agency=payer.code, at=now)]
    for chunk in _chunks(journals, _rows_per_statement(10)):
        await ledger.post_many(chunk)
    ids = [str(r["id"]) for r in rows]
    payloads: list[jobs.Payload] = [{"order_ids": chunk} for chunk in _chunks(ids, JOB_ORDERS)]
    if payloads:
        await jobs.enqueue_many(EXECUTE, payloads, now=now)


async def _orders_by_key(agency_id: uuid.UUID, keys: list[str]) -> dict[str, tuple[uuid.UUID, str]]:
    """This agency's orders with these idempotency keys: key -> (order id, content hash)."""
    if not keys:
        return {}
    rows = await db.fetch(
        "SELECT id, idempotency_key, content_hash FROM payments_order WHERE agency = {} AND " + db.any_of("idempotency_key"),
        agency_id,
        db.list_arg(keys),
    )
    return {r["idempotency_key"]: (uuid.UUID(str(r["id"])), r["content_hash"]) for r in rows}


# --- one order ----------------------------------------------------------------------------------


async def submit_order(keyring: Keyring, principal: Principal, line: s.PaymentLine, now: dt.datetime | None = None) -> s.OrderOut:
    """Accept one payment order (201), or answer the first order again for a repeated key (replayed=true)."""
    now = now or dt.datetime.now(dt.UTC)
    payer = await access.payer_of(principal)
    digest = content_hash(line)
    key = line.idempotency_key
    earlier = (await _orders_by_key(payer.agency_id, [key])).get(key)
    if earlier is not None:
        return await _replay(keyring, payer, key, earlier, digest)
    access.check_type(payer, line.payment_type)
    person_id = await identity.find_person_id(keyring, line.doc_type, line.id_number)  # 422 document.* on a bad number
    if person_id is None:
        raise ApiError(404, "payment.unknown_person", "Nobody with this identity document is registered.")
    if not name_agrees(await identity.known_names(person_id), line.name):
        raise ApiError(422, "payment.name_mismatch", "The name does not match the name of record for this identity document.")
    live = (await cards.live_accounts([person_id])).get(person_id)
    ready = _Ready(0, line, person_id, digest)

    async def attempt() -> tuple[uuid.UUID, str, bool]:
        found = (await _orders_by_key(payer.agency_id, [key])).get(key)
        if found is not None:
            return (*found, False)
        row = _order_row(payer, ready, batch_id=None, live=live, now=now)
        await _write_orders(payer, [row], now)
        return row["id"], digest, True

    order_id, earlier_digest, created = await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=_again)
    if not created:  # a concurrent submission with the same key won the race
        return await _replay(keyring, payer, key, (order_id, earlier_digest), digest)
    return await views.order(keyring, order_id, payer.agency_id)


async def _replay(keyring: Keyring, payer: Payer, key: str, earlier: tuple[uuid.UUID, str], digest: str) -> s.OrderOut:
    order_id, earlier_digest = earlier
    if earlier_digest != digest:
        raise _conflict(key)
    return await views.order(keyring, order_id, payer.agency_id, replayed=True)


# --- a batch ------------------------------------------------------------------------------------


def _rejected(line_no: int, key: str, code: str, message: str) -> s.LineResult:
    return s.LineResult(line_no=line_no, idempotency_key=key, status="rejected", order_id=None, error_code=code, message=message)


async def _resolve(keyring: Keyring, payer: Payer, lines: list[s.PaymentLine]) -> dict[int, _Ready | s.LineResult]:
    """Check every line (type, document, person, name) with a few queries for the whole batch: the
    documents' blind indexes in one IN query, then the names of the people found in two more."""
    outcome: dict[int, _Ready | s.LineResult] = {}
    blinds: dict[int, str] = {}
    for no, line in enumerate(lines, start=1):
        if not payer.may_pay(line.payment_type):
            err = access.type_not_allowed(payer, line.payment_type)
            outcome[no] = _rejected(no, line.idempotency_key, err.code, err.message)
            continue
        try:
            blinds[no] = identity.blind(keyring, identity.check_document(line.doc_type, line.id_number))
        except ApiError as exc:
            outcome[no] = _rejected(no, line.idempotency_key, exc.code, exc.message)
    people = await _people_by_blind(list(set(blinds.values())))
    names = await _names_of(list({p for p in people.values()}))
    for no, index in blinds.items():
        line = lines[no - 1]
        person_id = people.get(index)
        if person_id is None:
            outcome[no] = _rejected(
                no, line.idempotency_key, "payment.unknown_person", "Nobody with this identity document is registered."
            )
        elif not name_agrees(names.get(person_id, []), line.name):
            outcome[no] = _rejected(
                no,
                line.idempotency_key,
                "payment.name_mismatch",
                "The name does not match the name of record for this identity document.",
            )
        else:
            outcome[no] = _Ready(no, line, person_id, content_hash(line))
    return outcome


async def _people_by_blind(indexes: list[str]) -> dict[str, uuid.UUID]:
    """Blind index -> the person holding that document (a merged record's survivor), in one query."""
    if not indexes:
        return {}
    rows = await db.fetch(
        "SELECT d.id_blind, d.person, p.merged_into FROM identity_person_document d "
        "JOIN identity_person p ON p.id = d.person WHERE " + db.any_of("d.id_blind"),
        db.list_arg(indexes),
    )
    return {r["id_blind"]: uuid.UUID(str(r["merged_into"] or r["person"])) for r in rows}


async def _names_of(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each person's names of record (as identity.services.known_names), for many people at once."""
    out: dict[uuid.UUID, list[str]] = {p: [] for p in person_ids}
    if not person_ids:
        return out
    arg = db.list_arg(person_ids)
    for sql in (
        "SELECT id AS person, name FROM identity_person WHERE " + db.any_of("id"),
        "SELECT person, name FROM identity_person_document WHERE " + db.any_of("person"),
    ):
        for r in await db.fetch(sql, arg):
            out.setdefault(uuid.UUID(str(r["person"])), []).append(r["name"])
    return out


async def submit_batch(keyring: Keyring, principal: Principal, data: s.BatchSubmit, now: dt.datetime | None = None) -> s.BatchOut:
    """Accept a payment run: each line accepted, replayed (its key was used before with the same content)
    or rejected with a code. The same batch key with the same content answers the first result again."""
    now = now or dt.datetime.now(dt.UTC)
    payer = await access.payer_of(principal)
    digest = content_hash(data)
    earlier = await _batch_by_key(payer.agency_id, data.idempotency_key)
    if earlier is not None:
        return await _replay_batch(earlier, digest, data.idempotency_key)
    checked = await _resolve(keyring, payer, data.lines)
    people = list({r.person_id for r in checked.values() if isinstance(r, _Ready)})
    live = await cards.live_accounts(people)

    async def attempt() -> tuple[dict[str, Any], list[s.LineResult], bool]:
        found = await _batch_by_key(payer.agency_id, data.idempotency_key)
        if found is not None:
            return found, [], False
        batch_id = uuid.uuid4()
        used = await _orders_by_key(payer.agency_id, list({line.idempotency_key for line in data.lines}))
        seen: set[str] = set()
        results: list[s.LineResult] = []
        rows: list[dict[str, Any]] = []
        for no, line in enumerate(data.lines, start=1):
            key = line.idempotency_key
            if key in seen:
                results.append(
                    _rejected(no, key, "payment.duplicate_key", "This idempotency key is on an earlier line of this batch.")
                )
                continue
            seen.add(key)
            if key in used:
                order_id, earlier_digest = used[key]
                if earlier_digest == content_hash(line):
                    results.append(
                        s.LineResult(
                            line_no=no, idempotency_key=key, status="replayed", order_id=order_id, error_code=None, message=None
                        )
                    )
                else:
                    err = _conflict(key)
                    results.append(_rejected(no, key, err.code, err.message))
                continue
            outcome = checked[no]
            if isinstance(outcome, s.LineResult):
                results.append(outcome)
                continue
            row = _order_row(payer, outcome, batch_id=batch_id, live=live.get(outcome.person_id), now=now)
            rows.append(row)
            results.append(
                s.LineResult(
                    line_no=no, idempotency_key=key, status="accepted", order_id=row["id"], error_code=None, message=None
                )
            )
        batch = {
            "id": batch_id,
            "agency": payer.agency_id,
            "client_id": payer.client_id,
            "idempotency_key": data.idempotency_key,
            "content_hash": digest,
            "name": data.name,
            "line_count": len(data.lines),
            "accepted_count": len(rows),
            "rejected_count": sum(1 for r in results if r.status == "rejected"),
            "total_fen": sum(r["amount_fen"] for r in rows),
            "result": msgspec.json.encode(results).decode(),
            "created_at": now,
        }
        # The batch row first: a second submission of the same batch waits on its key here, not
        # halfway through the orders.
        await db.insert_rows(Batch, [batch])
        await _write_orders(payer, rows, now)
        return {**batch, "agency_code": payer.code}, results, True

    row, results, created = await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=_again)
    if not created:  # the same batch key came in concurrently and won
        return await _replay_batch(row, digest, data.idempotency_key)
    counts = {ACCEPTED: row["accepted_count"]} if row["accepted_count"] else {}
    return views.batch_out(row, counts, 0, lines=results)


async def _batch_by_key(agency_id: uuid.UUID, key: str) -> dict[str, Any] | None:
    rows = await Batch.select(Batch.id).where((Batch.agency == agency_id) & (Batch.idempotency_key == key)).first().run()
    return None if rows is None else await views.batch_row(rows["id"])


async def _replay_batch(row: dict[str, Any], digest: str, key: str) -> s.BatchOut:
    if row["content_hash"] != digest:
        raise _conflict(key)
    return await views.replayed_batch(row)
