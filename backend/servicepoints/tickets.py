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
from backend.servicepoints import deadlines
from backend.servicepoints.schemas import Assignee, StaffTicketSummary, TicketCreate, TicketSummary
from backend.servicepoints.tables import ServicePoint, Ticket, TicketMessage
from backend.servicepoints.vocab import ANSWERED, CLOSED, OPEN, TRANSITIONS, WAITING

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
    data: TicketCreate, *, channel: str, account: str | None, recorded_by: str | None, now: dt.datetime | None = None
) -> tuple[uuid.UUID, str | None]:
    """A new ticket, due by the rule of its kind (deadlines.py); the follow-up key (returned once)
    when nobody signed in owns it. `now` places it in time (the clock is a parameter)."""
    subject, body = data.subject.strip(), data.body.strip()
    if not subject or not body:
        raise ApiError(422, "ticket.empty", "Subject and message must not be blank.")
    key = None if account else secrets.token_urlsafe(16)
    now = now or _now()
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
            due_at=deadlines.due(data.kind, now),
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


async def for_staff(principal: Principal, ticket_id: uuid.UUID, *, record: bool = True) -> dict[str, Any]:
    """The ticket for a staff member who may handle it; a holder's ticket read by staff goes on
    the holder's access record (it carries their contact and words). `record=False` for a caller
    that shows none of it (the list of possible assignees)."""
    row = await get_ticket(ticket_id)
    if not may_handle(principal, row):
        raise ApiError(403, "ticket.not_permitted", "This ticket belongs to another city's staff.", city=row["city"])
    if record and row["account"] is not None:
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


def _check_version(ticket: dict[str, Any], version: int | None) -> None:
    if version is not None and version != ticket["version"]:
        raise ApiError(409, "ticket.conflict", "The ticket changed meanwhile; read it again.", version=ticket["version"])


async def act(
    ticket: dict[str, Any],
    event: str,
    *,
    body: str = "",
    author: str,
    staff_id: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """Apply one event (and its message) as a compare-and-set on the ticket's version (the one the
    caller read, when given, else the one just loaded)."""
    _check_version(ticket, version)
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
    if ticket["status"] == ANSWERED and target == OPEN:
        values[Ticket.due_at] = deadlines.due(ticket["kind"], now)  # a new question after an answer: a new clock
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


async def staff_replies(
    principal: Principal, ticket: dict[str, Any], body: str, close: bool, version: int | None = None
) -> dict[str, Any]:
    if not body.strip():
        raise ApiError(422, "ticket.empty", "The answer must not be blank.")
    ticket = await act(ticket, "reply", body=body, author="staff", staff_id=principal.id, version=version)
    if close:
        ticket = await act(ticket, "close", author="staff", staff_id=principal.id)
    return ticket


def _may_answer(staff: dict[str, Any], ticket: dict[str, Any]) -> bool:
    """A staff row (with its city) may answer a ticket: as may_handle() for a signed-in principal."""
    return bool(staff["active"]) and (staff["role"] == PROVINCIAL or staff["city"] == ticket["city"])


def _staff_rows() -> Select[Any]:
    from backend.accounts.tables import StaffMember

    return StaffMember.select(
        StaffMember.id,
        StaffMember.username,
        StaffMember.name,
        StaffMember.role,
        StaffMember.active,
        StaffMember.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
    )


async def assignees(ticket: dict[str, Any], *, limit: int = 200) -> list[Assignee]:
    """Who may answer this ticket: the active staff of its city and the provincial operators."""
    from backend.accounts.tables import StaffMember

    query = (
        _staff_rows()
        .where(StaffMember.active == True)  # noqa: E712 - a Piccolo expression, not a Python comparison
        .where((StaffMember.role == PROVINCIAL) | (StaffMember.office.city.code == ticket["city"]))  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        .order_by(StaffMember.username)
        .limit(limit)
    )
    return [Assignee(id=r["id"], username=r["username"], name=r["name"], role=r["role"]) for r in await query.run()]


async def assign(principal: Principal, ticket: dict[str, Any], staff_id: uuid.UUID | None, version: int) -> dict[str, Any]:
    """Give the ticket to someone who may answer it (or to nobody), as a compare-and-set on the
    version the caller read. A closed ticket keeps the assignee it had."""
    from backend.accounts.tables import StaffMember

    _check_version(ticket, version)
    if ticket["status"] == CLOSED:
        raise ApiError(409, "ticket.closed", "A closed ticket is not assigned any more.", state=CLOSED)
    if staff_id is not None:
        staff = await _staff_rows().where(StaffMember.id == staff_id).first().run()
        if staff is None:
            raise ApiError(422, "ticket.unknown_staff", "No staff member has this id.")
        if not _may_answer(staff, ticket):
            raise ApiError(
                422,
                "ticket.assignee_not_permitted",
                "Give the ticket to an active colleague of its city or a provincial operator.",
                city=ticket["city"],
            )
    now = _now()
    async with db.transaction():
        done = (
            await Ticket.update(
                {
                    Ticket.assigned_to: str(staff_id) if staff_id else None,
                    Ticket.assigned_at: now if staff_id else None,
                    Ticket.version: ticket["version"] + 1,
                    Ticket.updated_at: now,
                }
            )
            .where((Ticket.id == ticket["id"]) & (Ticket.version == ticket["version"]))
            .returning(Ticket.id)
            .run()
        )
        if not done:
            raise ApiError(409, "ticket.conflict", "The ticket changed meanwhile; read it again.")
    return await get_ticket(ticket["id"])


async def staff_names(ids: set[str]) -> dict[str, str]:
    """Staff names by id (as text), for the assignee column."""
    from backend.accounts.tables import StaffMember

    wanted = []
    for value in ids:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = await StaffMember.select(StaffMember.id, StaffMember.name).where(StaffMember.id.is_in(wanted)).run()
    return {str(r["id"]): r["name"] for r in rows}


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
    principal: Principal,
    *,
    status: str | None,
    kind: str | None,
    city: str | None,
    assignee: str | None = None,
    overdue: bool = False,
    sort: str = "created",
    limit: int,
    offset: int,
    now: dt.datetime | None = None,
) -> tuple[list[StaffTicketSummary], int | None]:
    """The inbox. `assignee`: "me", "none" (unassigned) or a staff id; `overdue`: still waiting past
    the due moment; `sort`: "created" (oldest first: a queue) or "due" (soonest due first)."""
    now = now or _now()
    query = _summaries().columns(Ticket.channel, Ticket.assigned_to, Ticket.due_at)
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
    if assignee == "me":
        query = query.where(Ticket.assigned_to == principal.id)
    elif assignee == "none":
        query = query.where(Ticket.assigned_to.is_null())
    elif assignee:
        query = query.where(Ticket.assigned_to == assignee)
    if overdue:
        query = query.where(Ticket.status.is_in(list(WAITING))).where(Ticket.due_at <= now)
    if sort == "due":
        query = query.order_by(Ticket.due_at).order_by(Ticket.created_at)
    else:
        query = query.order_by(Ticket.created_at)
    rows = await query.order_by(Ticket.id).limit(limit + 1).offset(offset).run()
    names = await staff_names({r["assigned_to"] for r in rows[:limit] if r["assigned_to"]})
    page = [
        StaffTicketSummary(
            id=r["id"],
            reference=r["reference"],
            kind=r["kind"],
            subject=r["subject"],
            city_code=r["city_code"],
            status=r["status"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            channel=r["channel"],
            assigned_to=uuid.UUID(r["assigned_to"]) if r["assigned_to"] else None,
            assignee_name=names.get(r["assigned_to"]) if r["assigned_to"] else None,
            due_at=r["due_at"],
            overdue=deadlines.is_overdue(r["status"], r["due_at"], now),
        )
        for r in rows[:limit]
    ]
    return page, (offset + limit if len(rows) > limit else None)


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
