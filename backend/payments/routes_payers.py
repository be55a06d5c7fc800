"""Paying agencies' routes: submit orders and batches, follow them, retry or cancel held ones, read their events."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter
from litestar.types import ControllerRouterHandler

from backend.keys.keyring import Keyring
from backend.lib.auth import PAYER, Principal, requires
from backend.lib.openapi import errors
from backend.payments import access, orders, submission, views
from backend.payments import schemas as s
from backend.payments.vocab import OrderStatus

# A hand-written example: one generated from the schema draws up to 50,000 lines (seconds at every
# start of the API document, and an unreadable example).
BATCH_EXAMPLE = Example(
    summary="A pension run of one line",
    value={"idempotency_key": "2026-12-pension-run", "name": "2026年12月养老金发放", "lines": s.LINE_EXAMPLES},
)

TAGS = ["payments"]
payer_only = requires(PAYER)
# A run of 50,000 lines is some 20 MB of JSON; the app's usual limit is for forms, not runs.
BATCH_BODY_BYTES = 48 * 1024 * 1024

E_CONFLICT = "`payment.idempotency_conflict`: this key was used before by your agency with other content."
E_NOT_FOUND_ORDER = "`payment.order_not_found`: no order of your agency with this id."


@post(
    "/api/v1/payments/orders",
    status_code=201,
    guards=[payer_only],
    tags=TAGS,
    summary="Submit a payment order",
    description="One payment to one person, named by identity document and name (both must agree with the person "
    "of record). The money is committed at once (ledger: agency -> orders:pending); the order is routed to the "
    "account of the person's live card when it is executed, moments later. The same `idempotency_key` with the same "
    "content answers the first order again (200, `replayed: true`); with other content 409.",
    responses={
        200: ResponseSpec(
            s.OrderOut, description="The key was used before with the same content: the first order, `replayed: true`."
        ),
        **errors(
            e403="`payment.type_not_allowed`: an agency of your kind may not pay this payment type.",
            e404="`payment.unknown_person`: nobody with this identity document is registered.",
            e409=E_CONFLICT,
            e422="`payment.name_mismatch` (the name is not one on record for the document) or `document.*` (a malformed "
            "identity number, e.g. `document.bad_checksum`).",
            e503="`payment.busy`: a submission with this key is being written at this moment; send it again.",
        ),
    },
)
async def submit_order(request: Request[Principal, Any, Any], data: s.PaymentLine, keyring: Keyring) -> Response[s.OrderOut]:
    out = await submission.submit_order(keyring, request.user, data)
    return Response(out, status_code=200 if out.replayed else 201)


@post(
    "/api/v1/payments/batches",
    status_code=201,
    guards=[payer_only],
    tags=TAGS,
    request_max_body_size=BATCH_BODY_BYTES,
    summary="Submit a payment run",
    description="Up to 50,000 lines in one transaction. Each line is accepted (a new order), replayed (its key was "
    "used before, in a batch or alone, with the same content: `order_id` is that order) or rejected with an "
    "`error_code`: `payment.unknown_person`, `payment.name_mismatch`, `payment.type_not_allowed`, "
    "`payment.idempotency_conflict`, `payment.duplicate_key` (a key twice in this batch: the second line) or "
    "`document.*`. The batch's own key with the same content answers the first result again (200, `replayed: true`, "
    "progress as of now); with other content 409.",
    responses={
        200: ResponseSpec(s.BatchOut, description="The batch key was used before with the same content: the first result."),
        **errors(e409=E_CONFLICT, e503="`payment.busy`: this batch is being written at this moment; send it again."),
    },
)
async def submit_batch(
    request: Request[Principal, Any, Any], data: Annotated[s.BatchSubmit, Body(examples=[BATCH_EXAMPLE])], keyring: Keyring
) -> Response[s.BatchOut]:
    out = await submission.submit_batch(keyring, request.user, data)
    return Response(out, status_code=200 if out.replayed else 201)


@get(
    "/api/v1/payments/batches",
    guards=[payer_only],
    tags=TAGS,
    summary="Your agency's payment runs",
    description="Newest first, with each run's progress (orders by status, fen credited). Pass `next_before` as "
    "`before` for older ones.",
    responses=errors(e422="`payment.bad_cursor`: `before` names no batch of yours (start again without it)."),
)
async def list_batches(
    request: Request[Principal, Any, Any],
    before: uuid.UUID | None = None,
    limit: int = Parameter(default=50, ge=1, le=1000),
) -> s.BatchPage:
    payer = await access.payer_of(request.user)
    return await views.batches_page(limit=limit, before=before, agency_id=payer.agency_id)


@get(
    "/api/v1/payments/batches/{batch_id:uuid}",
    guards=[payer_only],
    tags=TAGS,
    summary="One payment run",
    description="Its counts and progress: orders by status and fen credited so far.",
    responses=errors(e404="`payment.batch_not_found`: no batch of your agency with this id."),
)
async def get_batch(request: Request[Principal, Any, Any], batch_id: uuid.UUID) -> s.BatchOut:
    payer = await access.payer_of(request.user)
    return await views.batch(batch_id, payer.agency_id)


@get(
    "/api/v1/payments/orders",
    guards=[payer_only],
    tags=TAGS,
    summary="Your agency's payment orders",
    description="Oldest first, optionally of one status or one batch; the payee masked. Pass `next_after` as "
    "`after` for the next page.",
    responses=errors(e422="`payment.bad_cursor`: `after` names no order of yours (start again without it)."),
)
async def list_orders(
    request: Request[Principal, Any, Any],
    keyring: Keyring,
    status: OrderStatus | None = None,
    batch_id: uuid.UUID | None = None,
    after: uuid.UUID | None = None,
    limit: int = Parameter(default=100, ge=1, le=1000),
) -> s.OrderPage:
    payer = await access.payer_of(request.user)
    page, _ = await views.orders_page(
        keyring, limit=limit, after=after, agency_id=payer.agency_id, status=status, batch_id=batch_id
    )
    return page


@get(
    "/api/v1/payments/orders/{order_id:uuid}",
    guards=[payer_only],
    tags=TAGS,
    summary="One payment order",
    description="Its status, why it is held, where it was paid (bank, masked account) and whether it was re-routed.",
    responses=errors(e404=E_NOT_FOUND_ORDER),
)
async def get_order(request: Request[Principal, Any, Any], order_id: uuid.UUID, keyring: Keyring) -> s.OrderOut:
    payer = await access.payer_of(request.user)
    return await views.order(keyring, order_id, payer.agency_id)


@post(
    "/api/v1/payments/orders/{order_id:uuid}/retry",
    status_code=200,
    guards=[payer_only],
    tags=TAGS,
    summary="Try a held order again",
    description="A held order goes back to accepted and is executed anew (routed to the person's live card as it is "
    "now). Orders held for a reason that goes away by itself are retried automatically when the account opens.",
    responses=errors(
        e404=E_NOT_FOUND_ORDER,
        e409="`payment.not_held`: only a held order can be retried; `payment.busy`: it is changing, try again.",
    ),
)
async def retry_order(request: Request[Principal, Any, Any], order_id: uuid.UUID, keyring: Keyring) -> s.OrderOut:
    payer = await access.payer_of(request.user)
    return await orders.retry(keyring, order_id, agency_id=payer.agency_id)


@post(
    "/api/v1/payments/orders/{order_id:uuid}/cancel",
    status_code=200,
    guards=[payer_only],
    tags=TAGS,
    summary="Cancel an order",
    description="An accepted or held order is cancelled and its money goes back to the agency's ledger account; "
    "the event feed gets `order.cancelled`. Once instructed to a bank it can no longer be cancelled.",
    responses=errors(
        e404=E_NOT_FOUND_ORDER,
        e409="`payment.not_cancellable`: instructed, credited or already cancelled; `payment.busy`: try again.",
    ),
)
async def cancel_order(
    request: Request[Principal, Any, Any], order_id: uuid.UUID, data: s.CancelRequest, keyring: Keyring
) -> s.OrderOut:
    payer = await access.payer_of(request.user)
    return await orders.cancel(keyring, order_id, payer.agency_id, data.reason.strip(), client_id=payer.client_id)


@get(
    "/api/v1/payments/events",
    guards=[payer_only],
    tags=TAGS,
    summary="Your agency's unread events",
    description="What happened to your orders (held, returned, credited, re-routed, cancelled) and banks that ended "
    "cooperation, oldest first, until you acknowledge them.",
)
async def list_events(
    request: Request[Principal, Any, Any],
    limit: int = Parameter(default=100, ge=1, le=1000, examples=[Example(summary="A page of a hundred", value=100)]),
) -> s.AgencyEventPage:
    payer = await access.payer_of(request.user)
    return await views.events(payer.agency_id, limit)


@post(
    "/api/v1/payments/events/ack",
    status_code=200,
    guards=[payer_only],
    tags=TAGS,
    summary="Acknowledge events",
    description="These events leave the feed. Ids of other agencies' events, unknown ids and events already "
    "acknowledged count for nothing (`acknowledged` says how many were marked).",
)
async def ack_events(request: Request[Principal, Any, Any], data: s.EventAck) -> s.AckOut:
    payer = await access.payer_of(request.user)
    return await orders.ack(payer.agency_id, data.ids)


ROUTES: list[ControllerRouterHandler] = [
    submit_order,
    submit_batch,
    list_batches,
    get_batch,
    list_orders,
    get_order,
    retry_order,
    cancel_order,
    list_events,
    ack_events,
]
