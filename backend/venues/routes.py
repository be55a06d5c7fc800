"""HTTP routes: venues and scanners (operators), verification (scanners), the holder's record."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from backend.accounts.permissions import ensure
from backend.catalog import services as catalog
from backend.codes import format_v2
from backend.codes.format import Result
from backend.lib.auth import PROVINCIAL, SCANNER, Principal, only, proven_citizen, requires, scanner_only
from backend.lib.errors import ErrorBody
from backend.lib.openapi import error
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.venues import offline, records, services, verification
from backend.venues.routes_catalog import CATALOG_ROUTES
from backend.venues.routes_codes import ROUTES as CODE_USE_ROUTES  # issue 15: the wallet learns a code was used
from backend.venues.routes_federation import ROUTES as FEDERATION_ROUTES  # issue 19: other regions verify our codes
from backend.venues.schemas import (
    FlagList,
    MalformedResponse,
    MyVerifications,
    OfflineUpload,
    OfflineUploadResult,
    RevocationList,
    ScannerContext,
    ScannerCreate,
    ScannerCreated,
    ScannerList,
    ScenarioOut,
    VenueCoordinates,
    VenueCreate,
    VenueList,
    VenueOut,
    VerifyRequest,
    VerifyResponse,
)

Limit = Annotated[int, Parameter(ge=1, le=100, description="Page size.")]
Before = Annotated[uuid.UUID | None, Parameter(description="Id of the last item of the previous page (`next_before`).")]
ERRORS = {403: error("Wrong role or not allowed.")}
operator = [requires(PROVINCIAL)]
UPLOAD_MAX_BYTES = 256 * 1024


def _manage(request: Request[Principal, Any, Any]) -> None:
    ensure(request.user, "venue.manage")


# --- venues and scanners (provincial operators) --------------------------------------


@post(
    "/api/v1/venues",
    summary="Register a venue",
    description=(
        "Provincial operators register a venue and the verification scenarios it serves. Each "
        "scenario must fit the venue type (422 `venue.scenario_not_for_type`), the city must be an "
        "issuing city (422 `venue.unknown_city`). `latitude` and `longitude` (WGS-84 degrees) place it, both or "
        "neither (422 `venue.bad_coordinates`): the misuse signals measure distances with them (docs/misuse.md)."
    ),
    tags=["venues"],
    guards=operator,
    responses={**ERRORS, 422: error("Unknown type, city or scenario; coordinates not both given.")},
)
async def create_venue(request: Request[Principal, Any, Any], data: VenueCreate) -> VenueOut:
    _manage(request)
    return await services.create_venue(
        name=data.name,
        venue_type=data.venue_type,
        city_code=data.city_code,
        scenario_names=data.scenarios,
        created_by=request.user.id,
        latitude=data.latitude,
        longitude=data.longitude,
    )


@put(
    "/api/v1/venues/{venue_id:uuid}/coordinates",
    summary="Place a venue",
    description=(
        "Sets where the venue is (WGS-84 degrees), or forgets it with both null; one without the other is 422 "
        "`venue.bad_coordinates`. Venues without coordinates are left out of the distance signals (docs/misuse.md)."
    ),
    tags=["venues"],
    guards=operator,
    responses={**ERRORS, 404: error("No such venue."), 422: error("`venue.bad_coordinates`: one coordinate without the other.")},
)
async def set_coordinates(request: Request[Principal, Any, Any], venue_id: uuid.UUID, data: VenueCoordinates) -> VenueOut:
    _manage(request)
    return await services.set_coordinates(venue_id, latitude=data.latitude, longitude=data.longitude)


@get(
    "/api/v1/venues",
    summary="List venues",
    description="Venues in registration order, optionally of one city or type; page with `offset`.",
    tags=["venues"],
    guards=operator,
    responses=ERRORS,
)
async def list_venues(
    request: Request[Principal, Any, Any],
    city_code: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    venue_type: Annotated[str | None, Parameter(max_length=32, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    limit: Limit = 50,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> VenueList:
    _manage(request)
    venues, next_offset = await services.list_venues(city_code=city_code, venue_type=venue_type, limit=limit, offset=offset)
    return VenueList(items=venues, next_offset=next_offset)


@post(
    "/api/v1/venues/{venue_id:uuid}/scanners",
    summary="Add a scanner to a venue",
    description=(
        "Creates a scanner credential (a machine client) for the venue. The token (`ykc_...`) is "
        "in this answer only; keep it in the scanner. Lost tokens are replaced, never shown again."
    ),
    tags=["venues"],
    guards=operator,
    responses={**ERRORS, 404: error("No such venue.")},
)
async def add_scanner(request: Request[Principal, Any, Any], venue_id: uuid.UUID, data: ScannerCreate) -> ScannerCreated:
    _manage(request)
    return await services.add_scanner(venue_id, name=data.name, created_by=request.user.id)


@get(
    "/api/v1/venues/{venue_id:uuid}/scanners",
    summary="List a venue's scanners",
    description="The venue's scanner credentials with their status; tokens are never listed.",
    tags=["venues"],
    guards=operator,
    responses={**ERRORS, 404: error("No such venue.")},
)
async def list_scanners(request: Request[Principal, Any, Any], venue_id: uuid.UUID) -> ScannerList:
    _manage(request)
    return ScannerList(items=await services.list_scanners(venue_id))


# --- scanners ------------------------------------------------------------------------------


@get(
    "/api/v1/verify/context",
    summary="What this scanner may verify",
    description=(
        "The scanner's venue and the scenarios it serves, with the attributes each discloses online and offline, "
        "and for offline codes of format 2 (YKD2) the credential profile each takes (`offline_profile`: validity, "
        "concession, transit, or null when it is never verified offline) and the `scenario_tag` a code made for "
        "it carries (8 hex digits)."
    ),
    tags=["verification"],
    guards=[scanner_only],
    responses=ERRORS,
)
async def scanner_context(request: Request[Principal, Any, Any]) -> ScannerContext:
    venue = await services.venue_of_scanner(request.user)
    items = await catalog.scenarios_for_venue(venue)  # only those in effect for it now
    return ScannerContext(
        venue_id=venue.id,
        venue_name=venue.name,
        venue_type=venue.venue_type,
        scanner_id=uuid.UUID(request.user.scanner_id or request.user.id),
        scenarios=[
            ScenarioOut(
                name=s.name,
                title=s.title,
                attributes=list(s.attributes),
                offline_attributes=list(s.offline_attributes),
                min_assurance=s.min_assurance,
                offline=s.offline,
                offline_profile=s.offline_profile,
                scenario_tag=format_v2.scenario_tag(s.name).hex(),
            )
            for s in items
            if s is not None
        ],
    )


@post(
    "/api/v1/verify",
    summary="Verify a scanned code",
    description=(
        "Checks an online (YKO1) or offline (YKD1, YKD2) code for one of the venue's scenarios and uses it "
        "up: a code is valid once. Every well-formed code gets 200 with a `result` (valid, expired, "
        "not_yet_valid, replayed, bad_signature, unknown_key, card_suspended, card_cancelled, "
        "device_revoked, scenario_not_allowed, assurance_too_low: the e-card's holder was proven less "
        "surely than the scenario's `min_assurance`; wrong_scenario: a YKD2 code made for another scenario, "
        "or whose credential's profile is not the one this scenario takes; format_retired: a code of a "
        "retired format); only a valid answer carries `attributes`, and only "
        "those the scenario allows. The same scanner asking again for the same code and scenario gets "
        "the first answer back (same `verification_id` and `checked_at`) with `repeat: true`: it is no "
        "new visit on the holder's record. Text that is not a code at all gets 422 with result `malformed`. "
        "Every call is recorded for the holder's access record."
    ),
    tags=["verification"],
    opt=only(SCANNER),  # not a guard: see auth.only
    status_code=200,
    responses={
        **ERRORS,
        422: ResponseSpec(MalformedResponse, description="The text is not a Yikatong code (result `malformed`)."),
    },
)
async def verify(request: Request[Principal, Any, Any], data: VerifyRequest) -> Response[VerifyResponse]:
    # The app's state is read here rather than injected: Litestar resolves two or more
    # dependencies in a task group, a cost every scan would pay (docs/verification.md).
    state = request.app.state
    outcome = await verification.verify(
        request.user,
        code=data.code,
        scenario_name=data.scenario,
        keyring=state.keystore.load(),
        store=state.store,
        settings=state.settings,
        now=int(time.time()),
    )
    if outcome.result == Result.MALFORMED:
        body = MalformedResponse(
            result=outcome.result.value,
            scenario=outcome.scenario,
            error=ErrorBody("code.malformed", "This is not a Yikatong code."),
            verification_id=outcome.verification_id,
            checked_at=outcome.checked_at,
            code_kind=outcome.code_kind,
            request_id=request.scope.get("state", {}).get("request_id"),
        )
        # The return type documents the 200 answer; this one is the 422 declared in `responses`.
        malformed: Response[Any] = Response(body, status_code=422)
        return malformed
    return Response(
        VerifyResponse(
            result=outcome.result.value,
            scenario=outcome.scenario,
            attributes=outcome.attributes,
            concessions=outcome.concessions,
            verification_id=outcome.verification_id,
            checked_at=outcome.checked_at,
            code_kind=outcome.code_kind,
            repeat=outcome.repeat,
            region=outcome.region,
        ),
        # The answer may hold an identity number: never cache it anywhere.
        headers={"Cache-Control": "no-store"},
    )


@get(
    "/api/v1/revocations",
    summary="Revocation list for offline scanners",
    description=(
        "Without `since`: the full list (`full`: true) of suspended or cancelled cards (by card ref), "
        "revoked device keys, and `credentials`: each outstanding offline credential of format 2 (by its "
        "`cred_ref`, until its `exp` plus clock skew) whose card or phone cannot be used, with its status "
        "(suspended, cancelled or revoked). With `since=V`: only the changes after version V (`full`: false), "
        "of kind `card`, `device` or `credential` (a credential's status may also be `active` again: drop it). "
        "Revoking a card or phone lists every outstanding credential of it, one change each. "
        "A `since` that is not a version this server gave out gets the full list. Scanner "
        "credentials only. Issuer keys are at `jwks_url`. Every answer also says how old the scanner's "
        "offline lists may get, counted from `generated_at` (and the trust list's `Date`): past "
        "`warn_age_seconds` an offline verdict warns, past `max_age_seconds` the scanner verifies "
        "nothing offline until it syncs."
    ),
    tags=["verification"],
    guards=[scanner_only],
    responses=ERRORS,
)
async def revocations(
    now: int, settings: Settings, since: Annotated[str | None, Parameter(max_length=64)] = None
) -> RevocationList:
    return await offline.revocation_list(since, now, settings)


@post(
    "/api/v1/verify/offline-results",
    summary="Upload offline verification results",
    description=(
        "An offline scanner uploads what it checked (at most 500 per call). A result for a code of "
        "format 2 (YKD2) gives the credential's `cred_ref` (the server maps it to the card) instead of "
        "`card_ref`. Each result is stored "
        "once per (scanner, code id, verified_at), so uploads may be repeated. A code accepted more "
        "than once (at two scanners, two times, or also online) is flagged as a double use. A result for "
        "a scenario the scanner's venue did not serve at that time is refused as online (`refused` lists "
        "its index): it is kept as `scenario_not_allowed`, tied to no holder, and uses no code."
    ),
    tags=["verification"],
    guards=[scanner_only],
    status_code=200,
    # 500 results of about 250 bytes each do not fit the app-wide 64 KiB limit.
    request_max_body_size=UPLOAD_MAX_BYTES,
    responses={**ERRORS, 422: error("A result dated in the future.")},
)
async def upload_offline(
    request: Request[Principal, Any, Any], data: OfflineUpload, store: Store, settings: Settings, now: int
) -> OfflineUploadResult:
    accepted, duplicates, flagged, refused = await offline.upload_results(
        request.user, data.results, store=store, settings=settings, now=now
    )
    return OfflineUploadResult(accepted=accepted, duplicates=duplicates, flagged=flagged, refused=refused)


@get(
    "/api/v1/verify/flags",
    summary="Codes used more than once",
    description="Provincial operators review accepted uses of codes that were used twice (Art. 18 misuse), newest first.",
    tags=["verification"],
    guards=operator,
    responses=ERRORS,
)
async def list_flags(request: Request[Principal, Any, Any], limit: Limit = 50, before: Before = None) -> FlagList:
    ensure(request.user, "audit.read")
    flags, next_before = await records.flagged(limit=limit, before=before)
    return FlagList(items=flags, next_before=next_before)


# --- the holder ------------------------------------------------------------------------------


@get(
    "/api/v1/me/verifications",
    summary="Who verified my card",
    description=(
        "Every verification of your codes, newest first: venue, scenario, result, time, whether it "
        "was offline, and which of your attributes the venue saw. The same scanner asking again for a "
        "code it had accepted is no visit of its own: the accepted use says so in `repeats`."
    ),
    tags=["verification", "me"],
    guards=[proven_citizen],
    responses=ERRORS,
)
async def my_verifications(request: Request[Principal, Any, Any], limit: Limit = 20, before: Before = None) -> MyVerifications:
    if not request.user.person_id:
        return MyVerifications(items=[])
    mine, next_before = await records.for_person(request.user.person_id, limit=limit, before=before)
    return MyVerifications(items=mine, next_before=next_before)


ROUTES = [
    create_venue,
    set_coordinates,
    list_venues,
    add_scanner,
    list_scanners,
    scanner_context,
    verify,
    revocations,
    upload_offline,
    list_flags,
    my_verifications,
    *CATALOG_ROUTES,
    *CODE_USE_ROUTES,
    *FEDERATION_ROUTES,
]
