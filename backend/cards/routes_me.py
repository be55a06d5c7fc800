"""Citizen routes: apply, see and manage my card, my e-card, my devices, my bank."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.params import Parameter

from backend.accounts import services as accounts
from backend.cards import applications, banks, devices, records, states, transitions, views
from backend.cards import schemas as s
from backend.cards.access import Actor
from backend.cards.outputs import ERRORS, action_out, device_out
from backend.keys.keyring import Keyring
from backend.lib import assurance
from backend.lib.auth import Principal, citizen_only, proven_citizen, require_step_up
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

TAGS = ["my card"]
CITIZEN_ACTIONS = {a.replace("_", "-"): a for a in states.BY_ACTOR["citizen"]}


def _person(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal: Principal = request.user
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(principal.person_id)


def _actor(request: Request[Any, Any, Any], channel: str) -> Actor:
    return Actor(kind="citizen", id=request.user.id, channel=channel, principal=request.user)


@post(
    "/api/v1/me/card/applications",
    status_code=201,
    guards=[citizen_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Apply for my card",
    description="Applies online (web or mobile) for the signed-in person. The issuing city defaults to the city "
    "of the person's registered region, else the province. 409 `card.already_active` when the person has a live "
    "card or an open application; 422 `region.unknown`; 404 `bank.not_found`; 409 `bank.not_active`.",
)
async def apply_for_me(request: Request[Any, Any, Any], data: s.CitizenApplication, keyring: Keyring) -> s.ApplicationOut:
    row = await applications.apply(
        _actor(request, data.channel), person_id=_person(request), region=data.region, bank_code=data.bank_code
    )
    return await views.application(keyring, row)


@get(
    "/api/v1/me/card/applications",
    guards=[citizen_only],
    tags=TAGS,
    summary="My applications",
    description="Every application of the signed-in person, newest first, with the rejection reason if any. "
    "An account whose person is not proven yet sees only the applications it made itself.",
)
async def my_applications(request: Request[Any, Any, Any], keyring: Keyring) -> list[s.ApplicationOut]:
    principal: Principal = request.user
    own = None if principal.assurance >= assurance.FAMILY else principal.id
    rows = await applications.list_for_person(_person(request), applied_by=own)
    return await views.applications(keyring, rows)


@get(
    "/api/v1/me/card",
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="My card",
    description="The current card (not replaced or cancelled): issuing region, state, e-card level, bank, masked "
    "card and account numbers, and the actions the holder may take. A temporary loss report that ran out is lapsed "
    "first (recorded as a system event). 404 `card.not_found` without one.",
)
async def my_card(request: Request[Any, Any, Any]) -> s.CardOut:
    card = await records.current_or_404(_person(request))
    return await views.card(card.id)


@post(
    "/api/v1/me/card/reveal",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Show my full card and account numbers",
    description="Answers the unmasked card number and bank account number of the current card in the body, so they "
    "never appear in a URL or an access log. Needs step-up (403 `auth.step_up_required`).",
)
async def reveal(request: Request[Any, Any, Any], now: int) -> s.Reveal:
    require_step_up(request.user, now)  # a fresh factor first (docs/signing-in.md)
    card = await records.current_or_404(_person(request))
    return s.Reveal(card_number=card.number, account=card.account)


@get(
    "/api/v1/me/card/events",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My card's history",
    description="Every event of every card of the holder, newest first: transitions and notices (bank changes, "
    "e-card, devices), with who acted (actor kind and id), channel, office, reason and time.",
)
async def my_events(
    request: Request[Any, Any, Any],
    limit: int = Parameter(default=100, ge=1, le=500),
    offset: int = Parameter(default=0, ge=0, le=1_000_000),
) -> list[s.EventOut]:
    person = _person(request)
    current = await records.load_current(person)
    if current is not None:
        await transitions.settle(current.id)  # a lapse that ran out shows in the history
    return await views.events_of(person, limit=limit, offset=offset)


@post(
    "/api/v1/me/card/actions/{action:str}",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Act on my card",
    description="`action`: report-temp-loss (lapses by itself after the configured days), report-loss, lift-loss "
    "(only before a replacement was requested), request-replacement (the new card, with a new number, is issued at "
    "once) or cancel; lift-loss needs step-up (403 `auth.step_up_required`). 409 `card.illegal_transition` with `state` and `allowed_actions`; 404 `card.unknown_action`.",
)
async def act_on_my_card(
    request: Request[Any, Any, Any],
    action: Annotated[str, Parameter(schema_extra={"enum": sorted(CITIZEN_ACTIONS)})],
    settings: Settings,
    now: int,
    data: s.CitizenAction | None = None,
) -> s.ActionOut:
    name = CITIZEN_ACTIONS.get(action)
    if name is None:
        raise ApiError(404, "card.unknown_action", "No such action on your card.", allowed=sorted(CITIZEN_ACTIONS))
    if name == "lift_loss":
        require_step_up(request.user, now)  # a thief with an unlocked phone must not undo a loss report
    data = data or s.CitizenAction()
    outcome = await transitions.perform(
        name,
        _actor(request, data.channel),
        person_id=_person(request),
        reason=data.reason,
        temp_loss_days=settings.temp_loss_days,
    )
    return await action_out(outcome, "citizen")


@post(
    "/api/v1/me/card/ecard",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Issue or change my e-card",
    description="Issues the e-card bound to the active card: level 1 (identity and queries) or, with `payment`, "
    "level 2 (payments through the bank account). `transport` switches public transport on. Asking again changes "
    "the level. The e-card records how the account's person was proven (assurance, proofing). 409 "
    "`card.not_active` when the card is not active; 403 `identity.not_proven` before any proofing.",
)
async def issue_ecard(request: Request[Any, Any, Any], data: s.EcardRequest | None = None) -> s.CardOut:
    data = data or s.EcardRequest()
    proof = await accounts.proof_of(request.user.id)
    card = await devices.issue_ecard(
        _person(request),
        _actor(request, data.channel),
        payment=data.payment,
        transport=data.transport,
        proof=devices.Proof(level=proof.level, method=proof.method),
        announce=True,
    )
    return await views.card(card.id, settle=False)


@post(
    "/api/v1/me/card/ecard/deactivate",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Switch my e-card off",
    description="Switches the e-card off: no codes are minted, every bound phone is unbound and its key goes on "
    "the revocation feed. The physical card is untouched. It is on the card's history and in the holder's inbox. "
    "POST /api/v1/me/card/ecard switches it on again with the account's proof. 409 `ecard.not_issued` when "
    "there is no e-card.",
)
async def deactivate_ecard(request: Request[Any, Any, Any], data: s.EcardOff | None = None) -> s.CardOut:
    data = data or s.EcardOff()
    card = await devices.deactivate_ecard(_person(request), _actor(request, data.channel))
    return await views.card(card.id, settle=False)


@post(
    "/api/v1/me/card/bank",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Change my bank",
    description="Asks another active cooperating bank to open the card's account. The card stays at its bank, "
    "paying into its account, until the new bank opens one (`bank_change` in the answer shows the change waiting); "
    "then it moves, the holder is told and the change is in the card's history. Asking again for another bank "
    "replaces the waiting change. 409 `bank.not_active`, 409 `bank.same`, 404 `bank.not_found`. Needs step-up "
    "(403 `auth.step_up_required`).",
)
async def change_my_bank(request: Request[Any, Any, Any], data: s.BankChoice, now: int) -> s.CardOut:
    require_step_up(request.user, now)
    card = await banks.change_for_holder(_person(request), _actor(request, data.channel), data.bank_code)
    return await views.card(card.id, settle=False)


@get(
    "/api/v1/me/devices",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My devices",
    description="Devices bound to my e-card; with `all=true` also the unbound ones.",
)
async def my_devices(request: Request[Any, Any, Any], all: bool = False) -> list[s.DeviceOut]:
    return [device_out(d) for d in await devices.list_for(_person(request), include_unbound=all)]


@post(
    "/api/v1/me/devices",
    status_code=201,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Bind a device",
    description="Binds a phone to the e-card, optionally with its Ed25519 public key (for offline codes; its key id "
    "is sha256(key)[:8] in hex). Needs an active card with an e-card (409 `card.not_active`, `ecard.not_issued`); "
    f"at most {devices.MAX_DEVICES} devices (409 `device.limit_reached`); 422 `device.bad_public_key`; "
    "409 `device.key_in_use`. Needs step-up (403 `auth.step_up_required`).",
)
async def bind_device(request: Request[Any, Any, Any], data: s.DeviceRequest, now: int) -> s.DeviceOut:
    require_step_up(request.user, now)
    public = devices.parse_public_key(data.public_key) if data.public_key else None
    device = await devices.bind(_person(request), _actor(request, "mobile"), label=data.label.strip(), public_key=public)
    return device_out(device)


@delete(
    "/api/v1/me/devices/{device_id:uuid}",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=ERRORS,
    summary="Unbind a device",
    description="Unbinds the device; its key goes on the revocation list at once (same transaction). "
    "404 `device.not_found`, 409 `device.not_bound`.",
)
async def unbind_device(request: Request[Any, Any, Any], device_id: uuid.UUID) -> s.DeviceOut:
    return device_out(await devices.unbind(_person(request), device_id, _actor(request, "mobile")))


ROUTES = [
    apply_for_me,
    my_applications,
    my_card,
    reveal,
    my_events,
    act_on_my_card,
    issue_ecard,
    deactivate_ecard,
    change_my_bank,
    my_devices,
    bind_device,
    unbind_device,
]
