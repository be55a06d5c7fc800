"""Correction orders (Art. 18): staff issue and follow them up; the ordered organisation's own system reads and reports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.enforcement import correcting
from backend.enforcement import schemas as s
from backend.enforcement.vocab import OrderGround, OrderState, OrderTarget
from backend.lib.auth import AGENCY, EMPLOYER, Principal, requires, staff_only
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import errors

TAGS = ["Enforcement"]
BASE = "/api/v1/enforcement/orders"
ORG_BASE = "/api/v1/org/correction-orders"
org_only = requires(AGENCY, EMPLOYER)

ACT_ERRORS = errors(
    e403="`order.not_permitted`: your role cannot take this step (counter operators issue and record reports; "
    "supervisors and provincial operators check, escalate and withdraw).",
    e404="`order.not_found`: no such order in your city.",
    e409="`order.illegal_transition` (not from the order's state) or `order.version_conflict` (`version` is stale: read again).",
    e422="`order.note_required`: say why (withdrawing, or sending a report back as not done).",
)


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


@post(
    BASE,
    status_code=201,
    guards=[staff_only],
    tags=TAGS,
    summary="Issue a correction order",
    description="Staff order a venue, agency, employer or service point of their city (provincial operators: any) to "
    "correct its conduct by a deadline (the last day, Asia/Shanghai; from tomorrow to a year ahead). Grounds (Art. 18): "
    "`outside_catalog`, `duplicate_card`, `not_connected`, `no_holder_queries`, `other`. "
    "422 `order.unknown_target`, `order.bad_deadline`, `order.unknown_case`.",
    responses=errors(e422="`order.unknown_target`, `order.bad_deadline` or `order.unknown_case`."),
)
async def issue(request: Request[Principal, Any, Any], data: s.OrderIssue, now: int) -> s.OrderDetail:
    return await correcting.issue_by_staff(request.user, data, _at(now))


@get(
    BASE,
    guards=[staff_only],
    tags=TAGS,
    summary="Correction orders",
    description="Staff: their city's orders (provincial operators: every city's, or `city`), newest first. "
    "`overdue=true`: overdue or escalated, or still open past the deadline.",
)
async def list_orders(
    request: Request[Principal, Any, Any],
    now: int,
    order_state: Annotated[OrderState | None, Parameter(query="state")] = None,
    ground: OrderGround | None = None,
    target_kind: OrderTarget | None = None,
    city: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> s.OrderPage:
    return await correcting.list_orders(
        request.user,
        now=_at(now),
        state=order_state,
        ground=ground,
        target_kind=target_kind,
        city=city,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )


@get(
    BASE + "/targets",
    guards=[staff_only],
    tags=TAGS,
    summary="Whom an order may be addressed to",
    description="Staff: the venues, employers and service points of their city (provincial operators: every city's) "
    "and every agency, by name, for the issue form.",
)
async def list_targets(
    request: Request[Principal, Any, Any],
    kind: OrderTarget,
    q: Annotated[str, Parameter(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    limit: Annotated[int, Parameter(ge=1, le=500)] = 200,
) -> list[s.OrderTargetOut]:
    return await correcting.targets(request.user, kind, q, limit)


@get(
    BASE + "/{order_id:uuid}",
    guards=[staff_only],
    tags=TAGS,
    summary="One correction order",
    description="With its history, the actions the caller may take now and, for a venue, its verifications refused as "
    "`scenario_not_allowed` in the last 30 days. 404 `order.not_found` (also for another city's order).",
    responses=errors(e404="`order.not_found`: no such order in your city."),
)
async def get_order(request: Request[Principal, Any, Any], order_id: uuid.UUID, now: int) -> s.OrderDetail:
    return await correcting.detail(request.user, order_id, _at(now))


@post(
    BASE + "/{order_id:uuid}/report",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    summary="Record the target's report",
    description="Staff record that the target says it has corrected its conduct (from its letter): issued -> reported.",
    responses=ACT_ERRORS,
)
async def report(request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.OrderReport, now: int) -> s.OrderDetail:
    return await correcting.act(request.user, order_id, "report", version=data.version, note=data.note, now=_at(now))


@post(
    BASE + "/{order_id:uuid}/check",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    summary="Check a reported correction",
    description="Supervisors and provincial operators: `complied` closes the order (from reported, overdue or "
    "escalated); `not_done` sends a reported order back to issued, with what is missing.",
    responses=ACT_ERRORS,
)
async def check(request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.OrderCheck, now: int) -> s.OrderDetail:
    return await correcting.act(
        request.user, order_id, "check", version=data.version, note=data.note, outcome=data.outcome, now=_at(now)
    )


@post(
    BASE + "/{order_id:uuid}/escalate",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    summary="Escalate an overdue order",
    description="Supervisors and provincial operators: overdue -> escalated (to the supervising authority).",
    responses=ACT_ERRORS,
)
async def escalate(request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.OrderChange, now: int) -> s.OrderDetail:
    return await correcting.act(request.user, order_id, "escalate", version=data.version, note=data.note, now=_at(now))


@post(
    BASE + "/{order_id:uuid}/withdraw",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    summary="Withdraw an order",
    description="Supervisors and provincial operators withdraw an open order, saying why.",
    responses=ACT_ERRORS,
)
async def withdraw(request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.OrderChange, now: int) -> s.OrderDetail:
    return await correcting.act(request.user, order_id, "withdraw", version=data.version, note=data.note, now=_at(now))


@get(
    ORG_BASE,
    guards=[org_only],
    tags=TAGS,
    summary="Correction orders to my organisation",
    description="An agency's or employer's own system (its client credential): the orders addressed to it, newest first.",
)
async def org_orders(
    request: Request[Principal, Any, Any],
    now: int,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> list[s.OrderOut]:
    return await correcting.for_organisation(request.user, _at(now), limit=limit, offset=offset)


@post(
    ORG_BASE + "/{order_id:uuid}/report",
    status_code=200,
    guards=[org_only],
    tags=TAGS,
    summary="Report a correction done",
    description="The ordered agency's or employer's own system says it has corrected its conduct, with a note: "
    "issued -> reported; staff then check it. 404 `order.not_found` (not an order to this organisation).",
    responses=errors(
        e404="`order.not_found`: no such order to your organisation.",
        e409="`order.illegal_transition` or `order.version_conflict`.",
    ),
)
async def org_report(request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.OrderReport, now: int) -> s.OrderDetail:
    return await correcting.act(request.user, order_id, "report", version=data.version, note=data.note, now=_at(now))


ROUTES: list[Any] = [issue, list_orders, list_targets, get_order, report, check, escalate, withdraw, org_orders, org_report]
