"""Tickets, the one name for a consultation or a complaint (咨询投诉, Art. 11): submit, answer, follow up, close."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any

from piccolo.columns import Column
from piccolo.query import Select

from backend.lib import db
from backend.lib.auth import PROVINCIAL, Principal
from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.org.tables import City
from backend.servicepoints.schemas import TicketCreate, TicketSummary
from backend.servicepoints.tables import ServicePoint, Ticket, TicketMessage
from backend.servicepoints.vocab import ANSWERED, CLOSED, OPEN, TRANSITIONS

PROVINCE = "440000"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread on the phone
# Anonymous submissions per address and hour, a holder's per day: enough for people, not for scripts.
LIMITS = {"ip": (10, 3600), "account": (20, 86400), "lookup": (60, 60)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _reference(kind: str, now: dt.datetime) -> str:
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{'C' if kind == 'complaint' else 'Q'}-{now:%y%m%d}-{tail}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def throttle(store: Store, kind: str, who: str) -> None:
    limit, window = LIMITS[kind]
    if await store.incr(f"tickets:{kind}:{who}", window) > limit:
        raise ApiError(
            429,
            "rate.limited",
            "Too many requests; try again later.",
            retry_after=max(1, await store.ttl(f"tickets:{kind}:{who}")),
        )


async def _check_refs(data: TicketCreate) -> str:
    city = data.city_code or PROVINCE
    if city != PROVINCE and not await City.exists().where(City.code == city).run():
        raise ApiError(422, "ticket.unknown_city", "No city has this region code.", city=city)
    if data.service_point_id is not None:
        point = await ServicePoint.select(ServicePoint.city).where(ServicePoint.id == data.service_point_id).first().run()
        if point is None:
            raise ApiError(422, "ticket.unknown_service_point", "No such service point.")
        if data.city_code is None:
            city = point["city"]  # a ticket about a service point goes to its city's staff
    return city


async def submit(
    data: TicketCreate, *, channel: str, account: str | None, recorded_by: str | None
) -> tuple[uuid.UUID, str | None]:
    """A new ticket; the follow-up key (returned once) when nobody signed in owns it."""
    subject, body = data.subject.strip(), data.body.strip()
    if not subject or not body:
        raise ApiError(422, "ticket.empty", "Subject and message must not be blank.")
    key = None if account else secrets.token_urlsafe(16)
    now = _now()
    async with db.transaction():
        city = await _check_refs(data)
        ticket = Ticket(
            reference=_reference(data.kind, now),
            kind=data.kind,
            subject=subject,
            channel=channel,
            city=city,
            service_point=data.service_point_id,
            account=account,
            access_hash=_hash(key) if key else None,
            contact=data.contact.strip(),
            status=OPEN,
            recorded_by=recorded_by,
            created_at=now,
            updated_at=now,
        )
        await ticket.save().run()
        await TicketMessage(ticket=ticket.id, author="submitter", body=body, created_at=now).save().run()
    return ticket.id, key


async def get_ticket(ticket_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = await Ticket.select().where(Ticket.id == ticket_id).first().run()
    if row is None:
        raise ApiError(404, "ticket.not_found", "No such ticket.")
    row["messages"] = (
        await TicketMessage.select(TicketMessage.author, TicketMessage.staff_id, TicketMessage.body, TicketMessage.created_at)
        .where(TicketMessage.ticket == ticket_id)
        .order_by(TicketMessage.created_at)
        .order_by(TicketMessage.id)
        .run()
    )
    return row


async def by_key(reference: str, access_key: str) -> dict[str, Any]:
    """The ticket for a reference and its follow-up key; the same 404 for a wrong key or reference."""
    row = await Ticket.select(Ticket.id, Ticket.access_hash).where(Ticket.reference == reference).first().run()
    if row is None or not row["access_hash"] or not hmac.compare_digest(row["access_hash"], _hash(access_key)):
        raise ApiError(404, "ticket.not_found", "No ticket has this reference and key.")
    return await get_ticket(row["id"])


async def of_holder(principal: Principal, ticket_id: uuid.UUID) -> dict[str, Any]:
    row = await get_ticket(ticket_id)
    if row["account"] != principal.id:
        raise ApiError(404, "ticket.not_found", "No such ticket.")  # someone else's: as if absent
    return row


def may_handle(principal: Principal, ticket: dict[str, Any]) -> bool:
    """Provincial operators handle every ticket, other staff those of their own city."""
    return principal.kind == "staff" and (principal.role == PROVINCIAL or principal.city == ticket["city"])


async def for_staff(principal: Principal, ticket_id: uuid.UUID) -> dict[str, Any]:
    """The ticket for a staff member who may handle it; a holder's ticket read by staff goes on
    the holder's access record (it carries their contact and words)."""
    row = await get_ticket(ticket_id)
    if not may_handle(principal, row):
        raise ApiError(403, "ticket.not_permitted", "This ticket belongs to another city's staff.", city=row["city"])
    if row["account"] is not None:
        from backend.accounts.tables import Account
        from backend.audit import services as audit

        owner = await Account.select(Account.person).where(Account.id == row["account"]).first().run()
        if owner is not None:
            await audit.record(
                await audit.actor_of(principal),
                person_id=owner["person"],
                action="ticket.read",
                fields=["contact", "messages"],
                purpose="Answering a consultation or complaint",
                basis_kind="official_duty",
                basis_ref="Regulation Art. 11: consultation and complaints",
            )
    return row


async def act(ticket: dict[str, Any], event: str, *, body: str = "", author: str, staff_id: str | None = None) -> dict[str, Any]:
    """Apply one event (and its message) as a compare-and-set on the ticket's version."""
    body = body.strip()
    target = TRANSITIONS.get((ticket["status"], event))
    if target is None:
        raise ApiError(
            409,
            "ticket.illegal_transition",
            f"A {ticket['status']} ticket cannot {event.replace('_', ' ')}.",
            state=ticket["status"],
        )
    now = _now()
    values: dict[Column | str, Any] = {Ticket.status: target, Ticket.version: ticket["version"] + 1, Ticket.updated_at: now}
    if target == ANSWERED:
        values[Ticket.answered_at] = now
    if target == CLOSED:
        values[Ticket.closed_at] = now
    async with db.transaction():
        done = (
            await Ticket.update(values)
            .where((Ticket.id == ticket["id"]) & (Ticket.version == ticket["version"]))
            .returning(Ticket.id)
            .run()
        )
        if not done:
            raise ApiError(409, "ticket.conflict", "The ticket changed meanwhile; read it again.")
        if body:
            await TicketMessage(ticket=ticket["id"], author=author, staff_id=staff_id, body=body, created_at=now).save().run()
    return await get_ticket(ticket["id"])


async def submitter_writes(ticket: dict[str, Any], body: str, close: bool) -> dict[str, Any]:
    if not body.strip() and not close:
        raise ApiError(422, "ticket.empty", "Write a message, or close the ticket.")
    if body.strip():
        ticket = await act(ticket, "follow_up", body=body, author="submitter")
    if close:
        ticket = await act(ticket, "close", author="submitter")
    return ticket


async def staff_replies(principal: Principal, ticket: dict[str, Any], body: str, close: bool) -> dict[str, Any]:
    if not body.strip():
        raise ApiError(422, "ticket.empty", "The answer must not be blank.")
    ticket = await act(ticket, "reply", body=body, author="staff", staff_id=principal.id)
    if close:
        ticket = await act(ticket, "close", author="staff", staff_id=principal.id)
    return ticket


async def of_account(account: str, *, limit: int, offset: int) -> tuple[list[TicketSummary], int | None]:
    rows = (
        await _summaries()
        .where(Ticket.account == account)
        .order_by(Ticket.created_at, ascending=False)
        .limit(limit + 1)
        .offset(offset)
        .run()
    )
    return _summary_page(rows, limit, offset)


async def staff_list(
    principal: Principal, *, status: str | None, kind: str | None, city: str | None, limit: int, offset: int
) -> tuple[list[TicketSummary], int | None]:
    query = _summaries()
    if principal.role != PROVINCIAL:
        if city not in (None, principal.city):
            raise ApiError(403, "ticket.not_permitted", "You see your own city's tickets only.")
        city = principal.city or "-"
    if city:
        query = query.where(Ticket.city == city)
    if status:
        query = query.where(Ticket.status == status)
    if kind:
        query = query.where(Ticket.kind == kind)
    rows = await query.order_by(Ticket.created_at).limit(limit + 1).offset(offset).run()  # oldest first: a queue
    return _summary_page(rows, limit, offset)


def _summary_page(rows: list[dict[str, Any]], limit: int, offset: int) -> tuple[list[TicketSummary], int | None]:
    """One page of summaries from `limit + 1` rows read, and the next offset if there are more."""
    page = [
        TicketSummary(
            id=r["id"],
            reference=r["reference"],
            kind=r["kind"],
            subject=r["subject"],
            city_code=r["city_code"],
            status=r["status"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows[:limit]
    ]
    return page, (offset + limit if len(rows) > limit else None)


def _summaries() -> Select[Ticket]:
    return Ticket.select(
        Ticket.id,
        Ticket.reference,
        Ticket.kind,
        Ticket.subject,
        Ticket.city.as_alias("city_code"),
        Ticket.status,
        Ticket.created_at,
        Ticket.updated_at,
    )
