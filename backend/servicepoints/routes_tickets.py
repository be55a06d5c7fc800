"""HTTP routes of tickets (consultations and complaints): submit and follow up (anyone, holders), answer (staff)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter

from backend.lib.auth import Principal, proven_citizen, staff_only
from backend.lib.errors import ApiError
from backend.lib.openapi import OPTIONAL_AUTH, error
from backend.lib.store import Store
from backend.servicepoints import deadlines, tickets
from backend.servicepoints.schemas import (
    AssigneeList,
    Assignment,
    FollowUp,
    Lookup,
    MessageOut,
    PublicFollowUp,
    StaffMessageOut,
    StaffReply,
    StaffTicketCreate,
    StaffTicketList,
    StaffTicketOut,
    StatusChange,
    TicketCreate,
    TicketCreated,
    TicketList,
    TicketOut,
)

Limit = Annotated[int, Parameter(ge=1, le=100)]
Offset = Annotated[int, Parameter(ge=0, le=100_000)]
ERRORS = {
    404: error("No such ticket (or not yours)."),
    409: error("Closed, or changed meanwhile."),
    422: error("Blank text, unknown city or service point."),
    429: error("Too many submissions."),
}
TAGS = ["consultation and complaints"]
NO_STORE = {"Cache-Control": "no-store"}


def ticket_out(row: dict[str, Any]) -> TicketOut:
    return TicketOut(
        id=row["id"],
        reference=row["reference"],
        kind=row["kind"],
        subject=row["subject"],
        channel=row["channel"],
        city_code=row["city"],
        service_point_id=row["service_point"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        messages=[MessageOut(author=m["author"], body=m["body"], at=m["created_at"]) for m in row["messages"]],
    )


async def staff_out(row: dict[str, Any]) -> StaffTicketOut:
    assignee = row["assigned_to"]
    names = await tickets.staff_names({assignee}) if assignee else {}
    return StaffTicketOut(
        id=row["id"],
        reference=row["reference"],
        kind=row["kind"],
        subject=row["subject"],
        channel=row["channel"],
        city_code=row["city"],
        service_point_id=row["service_point"],
        status=row["status"],
        version=row["version"],
        contact=row["contact"],
        from_holder=row["account"] is not None,
        recorded_by=row["recorded_by"],
        assigned_to=uuid.UUID(assignee) if assignee else None,
        assignee_name=names.get(assignee) if assignee else None,
        assigned_at=row["assigned_at"],
        due_at=row["due_at"],
        overdue=deadlines.is_overdue(row["status"], row["due_at"], dt.datetime.now(dt.UTC)),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        answered_at=row["answered_at"],
        closed_at=row["closed_at"],
        messages=[
            StaffMessageOut(author=m["author"], body=m["body"], at=m["created_at"], staff_id=m["staff_id"])
            for m in row["messages"]
        ],
    )


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@post(
    "/api/v1/tickets",
    summary="Submit a consultation or complaint",
    description=(
        "Anyone may ask or complain (Art. 11). Signed in as a holder, the ticket is yours and listed "
        "under /api/v1/me/tickets. Without signing in, the answer holds an `access_key`, shown only "
        "once: with the `reference` it lets you read and follow up. Staff record phone calls through "
        "/api/v1/staff/tickets. At most 10 anonymous submissions per hour from one address."
    ),
    tags=TAGS,
    security=OPTIONAL_AUTH,
    responses={**ERRORS, 403: error("Staff and machine credentials cannot submit here.")},
)
async def submit_ticket(request: Request[Principal | None, Any, Any], data: TicketCreate, store: Store) -> TicketCreated:
    user = request.user
    if user is not None and user.kind != "citizen":
        raise ApiError(403, "ticket.citizens_only", "Staff record tickets through /api/v1/staff/tickets.")
    if user is None:
        await tickets.throttle(store, "ip", _client_ip(request))
    else:
        await tickets.throttle(store, "account", user.id)
    ticket_id, key = await tickets.submit(data, channel="online", account=user.id if user else None, recorded_by=None)
    return TicketCreated(ticket=ticket_out(await tickets.get_ticket(ticket_id)), access_key=key)


@post(
    "/api/v1/tickets/lookup",
    summary="Read a ticket with its follow-up key",
    description="The ticket and its answers for a `reference` and the `access_key` given at submission. Wrong pairs get 404.",
    tags=TAGS,
    status_code=200,
    responses=ERRORS,
)
async def lookup_ticket(request: Request[Any, Any, Any], data: Lookup, store: Store) -> TicketOut:
    await tickets.throttle(store, "lookup", _client_ip(request))
    return ticket_out(await tickets.by_key(data.reference, data.access_key))


@post(
    "/api/v1/tickets/follow-up",
    summary="Follow up on a ticket with its key",
    description="Write again (an answered ticket reopens) or close it (`close`: true), with the reference and key.",
    tags=TAGS,
    status_code=200,
    responses=ERRORS,
)
async def follow_up_by_key(request: Request[Any, Any, Any], data: PublicFollowUp, store: Store) -> TicketOut:
    await tickets.throttle(store, "lookup", _client_ip(request))
    ticket = await tickets.by_key(data.reference, data.access_key)
    return ticket_out(await tickets.submitter_writes(ticket, data.body, data.close))


@get(
    "/api/v1/me/tickets",
    summary="My consultations and complaints",
    description="The tickets you submitted while signed in, newest first.",
    tags=[*TAGS, "me"],
    guards=[proven_citizen],
)
async def my_tickets(request: Request[Principal, Any, Any], limit: Limit = 20, offset: Offset = 0) -> TicketList:
    summaries, next_offset = await tickets.of_account(request.user.id, limit=limit, offset=offset)
    return TicketList(items=summaries, next_offset=next_offset)


@get(
    "/api/v1/me/tickets/{ticket_id:uuid}",
    summary="One of my tickets",
    description="The ticket with the whole conversation. Other people's tickets are 404.",
    tags=[*TAGS, "me"],
    guards=[proven_citizen],
    responses=ERRORS,
)
async def my_ticket(request: Request[Principal, Any, Any], ticket_id: uuid.UUID) -> TicketOut:
    return ticket_out(await tickets.of_holder(request.user, ticket_id))


@post(
    "/api/v1/me/tickets/{ticket_id:uuid}/messages",
    summary="Follow up on my ticket",
    description="Write again (an answered ticket reopens) or close it (`close`: true).",
    tags=[*TAGS, "me"],
    guards=[proven_citizen],
    status_code=200,
    responses=ERRORS,
)
async def my_follow_up(request: Request[Principal, Any, Any], ticket_id: uuid.UUID, data: FollowUp) -> TicketOut:
    ticket = await tickets.of_holder(request.user, ticket_id)
    return ticket_out(await tickets.submitter_writes(ticket, data.body, data.close))


@post(
    "/api/v1/staff/tickets",
    summary="Record a phone or counter request",
    description="Staff record a consultation or complaint taken by phone, at a counter or a terminal; the caller gets the reference and key.",
    tags=TAGS,
    guards=[staff_only],
    responses=ERRORS,
)
async def record_ticket(request: Request[Principal, Any, Any], data: StaffTicketCreate) -> TicketCreated:
    ticket_id, key = await tickets.submit(data, channel=data.channel, account=None, recorded_by=request.user.id)
    return TicketCreated(ticket=ticket_out(await tickets.get_ticket(ticket_id)), access_key=key)


@get(
    "/api/v1/staff/tickets",
    summary="Tickets to answer",
    description=(
        "The inbox. Provincial operators see every city's tickets; other staff their own city's. "
        "`assignee`: `me`, `none` (unassigned) or a staff id; `overdue`: only those still waiting "
        "for an answer past `due_at` (docs/tickets.md: consultations 5 working days, complaints 15 days); "
        "`sort`: `created` (oldest first, a queue) or `due` (soonest due first)."
    ),
    tags=TAGS,
    guards=[staff_only],
    responses={403: error("Another city's tickets.")},
)
async def staff_tickets(
    request: Request[Principal, Any, Any],
    status: Literal["open", "in_progress", "answered", "closed"] | None = None,
    kind: Literal["consultation", "complaint"] | None = None,
    city_code: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    assignee: Annotated[
        str | None,
        Parameter(
            pattern=r"^(?:me|none|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
            description="`me`, `none` or a staff id.",
        ),
    ] = None,
    overdue: bool = False,
    sort: Literal["created", "due"] = "created",
    limit: Limit = 50,
    offset: Offset = 0,
) -> StaffTicketList:
    summaries, next_offset = await tickets.staff_list(
        request.user,
        status=status,
        kind=kind,
        city=city_code,
        assignee=assignee,
        overdue=overdue,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return StaffTicketList(items=summaries, next_offset=next_offset)


@get(
    "/api/v1/staff/tickets/{ticket_id:uuid}",
    summary="A ticket, for staff",
    description="The whole ticket with the submitter's contact and who answered.",
    tags=TAGS,
    guards=[staff_only],
    responses=ERRORS,
)
async def staff_ticket(request: Request[Principal, Any, Any], ticket_id: uuid.UUID) -> StaffTicketOut:
    return await staff_out(await tickets.for_staff(request.user, ticket_id))


@post(
    "/api/v1/staff/tickets/{ticket_id:uuid}/reply",
    summary="Answer a ticket",
    description="Adds the answer and marks the ticket answered (or closed with `close`: true).",
    tags=TAGS,
    guards=[staff_only],
    status_code=200,
    responses=ERRORS,
)
async def staff_reply(request: Request[Principal, Any, Any], ticket_id: uuid.UUID, data: StaffReply) -> StaffTicketOut:
    ticket = await tickets.for_staff(request.user, ticket_id)
    return await staff_out(await tickets.staff_replies(request.user, ticket, data.body, data.close, data.version))


@post(
    "/api/v1/staff/tickets/{ticket_id:uuid}/status",
    summary="Take up or close a ticket",
    description=(
        "`in_progress` (from open) tells the submitter someone is on it; `closed` ends it. With `version` "
        "(the one you read) a ticket changed meanwhile gives 409 `ticket.conflict`."
    ),
    tags=TAGS,
    guards=[staff_only],
    status_code=200,
    responses=ERRORS,
)
async def staff_status(request: Request[Principal, Any, Any], ticket_id: uuid.UUID, data: StatusChange) -> StaffTicketOut:
    ticket = await tickets.for_staff(request.user, ticket_id)
    event = "start" if data.status == "in_progress" else "close"
    return await staff_out(await tickets.act(ticket, event, author="staff", staff_id=request.user.id, version=data.version))


@post(
    "/api/v1/staff/tickets/{ticket_id:uuid}/assignment",
    summary="Assign a ticket",
    description=(
        "Give the ticket to yourself, to an active colleague of its city or to a provincial operator "
        "(`staff_id`), or back to the unassigned queue (`staff_id`: null). `version` is the one you read: "
        "a ticket changed meanwhile gives 409 `ticket.conflict`; a closed one 409 `ticket.closed`. "
        "Someone who may not answer it gives 422 `ticket.assignee_not_permitted`."
    ),
    tags=TAGS,
    guards=[staff_only],
    status_code=200,
    responses={
        **ERRORS,
        422: error("`ticket.unknown_staff` or `ticket.assignee_not_permitted`."),
    },
)
async def staff_assign(request: Request[Principal, Any, Any], ticket_id: uuid.UUID, data: Assignment) -> StaffTicketOut:
    ticket = await tickets.for_staff(request.user, ticket_id)
    return await staff_out(await tickets.assign(request.user, ticket, data.staff_id, data.version))


@get(
    "/api/v1/staff/tickets/{ticket_id:uuid}/assignees",
    summary="Who may answer a ticket",
    description="The active staff of the ticket's city and the provincial operators, by user name: the choices for an assignment.",
    tags=TAGS,
    guards=[staff_only],
    responses={404: error("No such ticket.")},
)
async def staff_assignees(request: Request[Principal, Any, Any], ticket_id: uuid.UUID) -> AssigneeList:
    ticket = await tickets.for_staff(request.user, ticket_id, record=False)
    return AssigneeList(items=await tickets.assignees(ticket))


TICKET_ROUTES = [
    submit_ticket,
    lookup_ticket,
    follow_up_by_key,
    my_tickets,
    my_ticket,
    my_follow_up,
    record_ticket,
    staff_tickets,
    staff_ticket,
    staff_reply,
    staff_status,
    staff_assign,
    staff_assignees,
]
