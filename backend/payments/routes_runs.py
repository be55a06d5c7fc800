"""Province staff's payment routes: runs, holds, returns, order detail with its ledger."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, provincial_only
from backend.lib.openapi import errors
from backend.payments import orders, review, views
from backend.payments import schemas as s
from backend.payments.vocab import HoldReason, OrderStatus

TAGS = ["payments"]
AGENCY_CODE = r"^[A-Za-z0-9_-]+$"
BANK_CODE = r"^[A-Z0-9]+$"


@get(
    "/api/v1/staff/payments/batches",
    guards=[provincial_only],
    tags=TAGS,
    summary="Payment runs of every agency",
    description="Provincial operators. Newest first, optionally of one agency (its code), with each run's progress. "
    "Pass `next_before` as `before` for older ones.",
    responses=errors(e422="`payment.bad_cursor`: `before` names no batch (start again without it)."),
)
async def list_batches(
    agency: str | None = Parameter(default=None, min_length=1, max_length=32, pattern=AGENCY_CODE),
    before: uuid.UUID | None = None,
    limit: int = Parameter(default=50, ge=1, le=1000),
) -> s.BatchPage:
    return await views.batches_page(limit=limit, before=before, agency_code=agency)


@get(
    "/api/v1/staff/payments/batches/{batch_id:uuid}",
    guards=[provincial_only],
    tags=TAGS,
    summary="One payment run",
    description="Provincial operators. Its counts and progress: orders by status and fen credited so far.",
    responses=errors(e404="`payment.batch_not_found`."),
)
async def get_batch(batch_id: uuid.UUID) -> s.BatchOut:
    return await views.batch(batch_id)


@get(
    "/api/v1/staff/payments/orders",
    guards=[provincial_only],
    tags=TAGS,
    summary="Payment orders: holds, returns, runs",
    description="Provincial operators. Oldest first, filtered by status, hold reason (`returned` for the bank's "
    "returns), paying agency, bank or batch; payees masked. Each payee on the page goes on their access record. "
    "Pass `next_after` as `after` for the next page.",
    responses=errors(e422="`payment.bad_cursor`: `after` names no order (start again without it)."),
)
async def list_orders(
    request: Request[Principal, Any, Any],
    keyring: Keyring,
    status: OrderStatus | None = None,
    hold_reason: HoldReason | None = None,
    agency: str | None = Parameter(default=None, min_length=1, max_length=32, pattern=AGENCY_CODE),
    bank: str | None = Parameter(default=None, min_length=2, max_length=16, pattern=BANK_CODE),
    batch_id: uuid.UUID | None = None,
    after: uuid.UUID | None = None,
    limit: int = Parameter(default=100, ge=1, le=1000),
) -> s.OrderPage:
    page, people = await views.orders_page(
        keyring,
        limit=limit,
        after=after,
        status=status,
        hold_reason=hold_reason,
        agency_code=agency,
        bank_code=bank,
        batch_id=batch_id,
    )
    await review.record_list_read(request.user, people)
    return page


@get(
    "/api/v1/staff/payments/orders/{order_id:uuid}",
    guards=[provincial_only],
    tags=TAGS,
    summary="One payment order in full",
    description="Provincial operators. The order with every instruction sent to a bank (accounts masked) and its "
    "ledger lines. The read goes on the holder's access record.",
    responses=errors(e404="`payment.order_not_found`."),
)
async def get_order(request: Request[Principal, Any, Any], order_id: uuid.UUID, keyring: Keyring) -> s.OrderDetail:
    return await review.order_detail(keyring, request.user, order_id)


@post(
    "/api/v1/staff/payments/orders/{order_id:uuid}/retry",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Try a held order again",
    description="Provincial operators, as the paying agency may: a held order goes back to accepted and is executed anew.",
    responses=errors(
        e404="`payment.order_not_found`.",
        e409="`payment.not_held`: only a held order can be retried; `payment.busy`: it is changing, try again.",
    ),
)
async def retry_order(order_id: uuid.UUID, keyring: Keyring) -> s.OrderOut:
    return await orders.retry(keyring, order_id)


ROUTES: list[ControllerRouterHandler] = [list_batches, get_batch, list_orders, get_order, retry_order]
