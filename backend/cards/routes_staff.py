"""Staff routes: counter applications, reviews, card lookup by document, card actions at an office."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter

from backend.cards import applications, states, transitions, views
from backend.cards import lookup as card_lookup
from backend.cards import schemas as s
from backend.cards.access import Actor, actor_for, ensure
from backend.cards.outputs import ERRORS, action_out
from backend.keys.keyring import Keyring
from backend.lib.auth import staff_only
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

TAGS = ["staff: cards"]
STAFF_ACTIONS = {a.replace("_", "-"): a for a in states.BY_ACTOR["staff"]}


def _staff(request: Request[Any, Any, Any], channel: str = "counter") -> Actor:
    return actor_for(request.user, channel)


@post(
    "/api/v1/staff/applications",
    status_code=201,
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Apply for a card at an office",
    description="A counter operator (or a self-service terminal) applies for the person holding this identity "
    "document: resident ID card, Hong Kong/Macao/Taiwan residence permit, travel permits or foreign permanent "
    "residence card, or a foreign passport with its work permit number (`work_permit`). A residence permit comes "
    "with the travel permit it prints (`linked_document`); both are the same person's documents. The person is "
    "registered if new, and found by any of their documents. Any office of the province may take the application; "
    "the issuing city defaults to the office's city. 422 `document.*` (`document.linked_required`, "
    "`document.work_permit_required`, ...); 409 `person.name_mismatch`, `person.documents_of_two_persons`, "
    "`card.already_active` (the person has a live card, whichever document it was applied with, or an open application).",
)
async def apply_at_office(request: Request[Any, Any, Any], data: s.StaffApplication, keyring: Keyring) -> s.ApplicationOut:
    document = (keyring, data.doc_type, data.id_number, data.name.strip())
    linked = (data.linked_document.doc_type, data.linked_document.id_number) if data.linked_document else None
    row = await applications.apply(
        _staff(request, data.channel),
        document=document,
        linked=linked,
        work_permit=data.work_permit,
        region=data.region,
        bank_code=data.bank_code,
    )
    return await views.application(keyring, row)


@get(
    "/api/v1/staff/applications",
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Applications to review",
    description="Applications, oldest first. Supervisors see their city's; provincial operators any city's "
    "(filter with `region`). 403 `auth.not_permitted` for counter operators.",
)
async def list_applications(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    status: Literal["pending", "approved", "rejected"] | None = None,
    region: str | None = Parameter(default=None, pattern=r"^[0-9]{6}$"),
    limit: int = Parameter(default=50, ge=1, le=200),
    offset: int = Parameter(default=0, ge=0, le=1_000_000),
) -> list[s.ApplicationOut]:
    rows = await applications.list_for_review(_staff(request), status=status, city_code=region, limit=limit, offset=offset)
    await card_lookup.record_queue_read(request.user, rows)
    return await views.applications(keyring, rows)


@post(
    "/api/v1/staff/applications/{application_id:uuid}/approve",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Approve an application",
    description="Issues the card: a new card number and reference, an account at the chosen (or first active) bank. "
    "Supervisors approve their city's applications. 409 `application.not_pending`, `bank.not_active`, "
    "`card.already_active`.",
)
async def approve(request: Request[Any, Any, Any], application_id: uuid.UUID, data: s.Approval | None = None) -> s.CardOut:
    data = data or s.Approval()
    card = await applications.approve(application_id, _staff(request), bank_code=data.bank_code)
    return await views.card(card.id, "staff", settle=False)


@post(
    "/api/v1/staff/applications/{application_id:uuid}/reject",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Reject an application",
    description="Rejects with a reason the applicant will see (required). 409 `application.not_pending`.",
)
async def reject(
    request: Request[Any, Any, Any], application_id: uuid.UUID, data: s.Rejection, keyring: Keyring
) -> s.ApplicationOut:
    row = await applications.reject(application_id, _staff(request), reason=data.reason)
    return await views.application(keyring, row)


@post(
    "/api/v1/staff/cards/lookup",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Find a person's cards by identity document",
    description="The document goes in the body, never in the URL. Answers the person (masked document number), "
    "all their cards newest first and any open application. 404 `person.not_found`. Every look-up, found or "
    "not, is written to the access record, which the holder can read.",
)
async def lookup(request: Request[Any, Any, Any], data: s.Lookup, keyring: Keyring) -> s.LookupOut:
    actor = _staff(request)
    await ensure(actor, "card.lookup")
    return await card_lookup.by_document(keyring, request.user, data.doc_type, data.id_number)


@get(
    "/api/v1/staff/cards/{card_id:uuid}/events",
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="A card's history, at the counter",
    description="Every event of every card of this card's holder, newest first (as the holder sees it at "
    "GET /api/v1/me/card/events): transitions and notices, with who acted, channel, office, reason and time. "
    "Written to the holder's access record. 404 `card.not_found`.",
)
async def card_events(
    request: Request[Any, Any, Any],
    card_id: uuid.UUID,
    limit: int = Parameter(default=100, ge=1, le=500),
    offset: int = Parameter(default=0, ge=0, le=1_000_000),
) -> list[s.EventOut]:
    await ensure(_staff(request), "card.lookup")
    await transitions.settle(card_id)  # a lapse that ran out shows in the history
    return await card_lookup.history(request.user, card_id, limit=limit, offset=offset)


@post(
    "/api/v1/staff/cards/{card_id:uuid}/actions/{action:str}",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Act on a card at an office",
    description="`action`: report-temp-loss, report-loss, lift-loss, request-replacement, cancel (counter "
    "operators, any city's card), lock, unlock (supervisors of the issuing city). The staff member's office is "
    "recorded. 409 `card.illegal_transition` with `state` and `allowed_actions`; 404 `card.unknown_action`.",
)
async def act_on_card(
    request: Request[Any, Any, Any],
    card_id: uuid.UUID,
    action: Annotated[str, Parameter(schema_extra={"enum": sorted(STAFF_ACTIONS)})],
    settings: Settings,
    data: s.StaffAction | None = None,
) -> s.ActionOut:
    name = STAFF_ACTIONS.get(action)
    if name is None:
        raise ApiError(404, "card.unknown_action", "No such card action.", allowed=sorted(STAFF_ACTIONS))
    data = data or s.StaffAction()
    outcome = await transitions.perform(
        name, _staff(request, data.channel), card_id=card_id, reason=data.reason, temp_loss_days=settings.temp_loss_days
    )
    return await action_out(outcome, "staff")


ROUTES = [apply_at_office, list_applications, approve, reject, lookup, card_events, act_on_card]
