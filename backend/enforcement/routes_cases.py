"""Staff's enforcement cases: open, list, read (evidence, history), and each step of the workflow."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.enforcement import cases, views
from backend.enforcement import schemas as s
from backend.enforcement.vocab import CaseKind, CaseState
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, staff_only
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import errors
from backend.lib.settings import Settings

TAGS = ["Enforcement"]
BASE = "/api/v1/enforcement/cases"
ONE = BASE + "/{case_id:uuid}"
GUARD = [staff_only]
WHO = (
    " Staff of the case's city (counter operators, supervisors) or any provincial operator; a case of another "
    "city is 404 `case.not_found`, as when reading it. Send the `version` you read as `expected_version`: a stale one is 409 "
    "`case.version_conflict`; a step the case's state does not allow is 409 `case.illegal_transition`."
)
STEP_ERRORS = dict(
    e403="case.not_permitted, case.four_eyes",
    e404="case.not_found",
    e409="case.version_conflict, case.illegal_transition, case.busy",
)


def _me(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


@post(
    BASE,
    status_code=201,
    guards=GUARD,
    tags=TAGS,
    summary="Open a case",
    description="A case about a card (its printed `card_number`) or a venue (`venue_id`), one of them; the case goes "
    "to the staff of the card's or venue's city, and a card's holder is told. 422 `case.bad_subject`, "
    "`case.unknown_card`, `case.unknown_venue`; 403 `case.other_city`; 409 `case.already_open` (one open case "
    "per kind and subject).",
    responses=errors(
        e403="case.other_city",
        e409="case.already_open, case.busy",
        e422="case.bad_subject, case.unknown_card, case.unknown_venue",
    ),
)
async def open_case(request: Request[Principal, Any, Any], data: s.CaseOpen, now: int) -> s.CaseOut:
    return await cases.open_case(_me(request), data, now)


@get(
    BASE,
    guards=GUARD,
    tags=TAGS,
    summary="Cases",
    description="Cases the caller may see, newest first: city staff their city's, provincial operators every city's "
    "(or `city`'s). Filters: `state`, `kind`, `assigned_to`, `mine` (assigned to me). No personal data: read a case "
    "for that. Page on with `next_offset`.",
)
async def list_cases(
    request: Request[Principal, Any, Any],
    case_state: Annotated[CaseState | None, Parameter(query="state")] = None,
    kind: CaseKind | None = None,
    city: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    assigned_to: uuid.UUID | None = None,
    mine: bool = False,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> s.CasePage:
    return await views.list_cases(
        _me(request),
        state=case_state,
        kind=kind,
        city=city,
        assigned_to=str(assigned_to) if assigned_to else None,
        mine=mine,
        limit=limit,
        offset=offset,
    )


@get(
    ONE,
    guards=GUARD,
    tags=TAGS,
    summary="A case",
    description="The case with its signals' evidence (venues, times, distances), its history, the card (masked but "
    "the last four digits) and the holder's masked name, its credit records, and the steps the caller may take "
    "now (`allowed_actions`; `four_eyes` says `proposer` when the caller proposed or took the decision under review, "
    "`approver` when they approved the fine an appeal is against). "
    "Reading a case about a person is on their access record. A case of another city is 404 `case.not_found`.",
    responses=errors(e404="case.not_found"),
)
async def read_case(request: Request[Principal, Any, Any], case_id: uuid.UUID, now: int) -> s.CaseDetail:
    return await views.detail(_me(request), case_id, dt.datetime.fromtimestamp(now, dt.UTC))


@post(
    ONE + "/investigate",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Start investigating",
    description="open -> investigating; whoever starts takes the case unless it is assigned." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def investigate(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseStepIn, now: int) -> s.CaseOut:
    return await cases.investigate(_me(request), case_id, data, now)


@post(
    ONE + "/assign",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Assign a case",
    description="To a member of staff of the case's city or a provincial operator (`staff_id`; leave out to take it "
    "yourself). 422 `case.bad_assignee`." + WHO,
    responses=errors(**STEP_ERRORS, e422="case.bad_assignee"),
)
async def assign(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseAssignIn, now: int) -> s.CaseOut:
    return await cases.assign(_me(request), case_id, data, now)


@post(
    ONE + "/notes",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Add a note",
    description="A note in the case's history (a call made, a document seen); the state stays." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def add_note(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseNoteIn, now: int) -> s.CaseOut:
    return await cases.note(_me(request), case_id, data, now)


@post(
    ONE + "/decide",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Decide: no action, warning or correction order",
    description="One member of staff decides; the holder is told. A correction order needs a `deadline` a day to a "
    "year ahead (422 `case.deadline_required`, `case.bad_deadline`; `case.deadline_not_expected` for the others); "
    "for a case about a venue it issues the correction order (Art. 18). A fine is proposed instead." + WHO,
    responses=errors(**STEP_ERRORS, e422="case.deadline_required, case.bad_deadline, case.deadline_not_expected"),
)
async def decide(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseDecideIn, now: int) -> s.CaseOut:
    return await cases.decide(_me(request), case_id, data, now)


@post(
    ONE + "/propose-fine",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Propose a fine",
    description="1,000 to 10,000 yuan (Art. 19; else 422 `case.bad_fine`): the case waits as `proposed` until "
    "another supervisor or provincial operator approves or rejects it. A case under Art. 18 (`outside_catalog`) "
    "takes a correction order, not a fine: 409 `case.fine_not_allowed`." + WHO,
    responses=errors(
        e403=STEP_ERRORS["e403"],
        e404="case.not_found",
        e409=STEP_ERRORS["e409"] + ", case.fine_not_allowed",
        e422="case.bad_fine",
    ),
)
async def propose_fine(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseFineIn, now: int) -> s.CaseOut:
    return await cases.propose_fine(_me(request), case_id, data, now)


@post(
    ONE + "/approve-fine",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Approve the proposed fine (four eyes)",
    description="A supervisor or provincial operator who did not propose it (403 `case.four_eyes`, "
    "`case.not_permitted`): the case is decided, the signed penalty record for the public credit platform is "
    "written (docs/credit.md) and the holder told." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def approve_fine(
    request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseStepIn, keyring: Keyring, settings: Settings, now: int
) -> s.CaseOut:
    return await cases.approve_fine(_me(request), case_id, data, keyring, settings.region_code, now)


@post(
    ONE + "/reject-fine",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Send the proposed fine back (four eyes)",
    description="A supervisor or provincial operator who did not propose it, with the reason: the case goes back "
    "to investigating." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def reject_fine(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseReasonIn, now: int) -> s.CaseOut:
    return await cases.reject_fine(_me(request), case_id, data, now)


@post(
    ONE + "/appeal",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Record an appeal",
    description="An appeal received on paper against a warning, a correction order or a fine (409 "
    "`case.nothing_to_appeal` for no action), under the holder's rules: one appeal, within 60 days of the decision "
    "(else 409 `case.appeal_closed` with `details.reason` already_lodged, already_decided or deadline_passed, and "
    "`details.appeal_until`). Holders lodge theirs in the wallet." + WHO,
    responses=errors(
        e403=STEP_ERRORS["e403"],
        e404="case.not_found",
        e409=STEP_ERRORS["e409"] + ", case.nothing_to_appeal, case.appeal_closed",
    ),
)
async def appeal(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseReasonIn, now: int) -> s.CaseOut:
    return await cases.appeal(_me(request), case_id, data, now)


@post(
    ONE + "/uphold",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Uphold the decision under appeal",
    description="A supervisor or provincial operator who did not propose the decision: it stands; the holder is told." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def uphold(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseReasonIn, now: int) -> s.CaseOut:
    return await cases.uphold(_me(request), case_id, data, now)


@post(
    ONE + "/overturn",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Overturn the decision under appeal",
    description="A supervisor or provincial operator who did not propose the decision: the case closes; a fine's "
    "credit record is withdrawn (a signed withdrawal with the penalty's `record_id`); the holder is told." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def overturn(
    request: Request[Principal, Any, Any],
    case_id: uuid.UUID,
    data: s.CaseReasonIn,
    keyring: Keyring,
    settings: Settings,
    now: int,
) -> s.CaseOut:
    return await cases.overturn(_me(request), case_id, data, keyring, settings.region_code, now)


@post(
    ONE + "/close",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Close a decided case",
    description="decided -> closed; the holder is told. Only once the decision can no longer be appealed (no "
    "action, the appeal decided, or the 60 days passed): before that 409 `case.appeal_open` with "
    "`details.appeal_until`." + WHO,
    responses=errors(e403=STEP_ERRORS["e403"], e404="case.not_found", e409=STEP_ERRORS["e409"] + ", case.appeal_open"),
)
async def close(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseStepIn, now: int) -> s.CaseOut:
    return await cases.close(_me(request), case_id, data, now)


@post(
    ONE + "/dismiss",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Dismiss a case",
    description="Nothing in it: open or investigating -> closed, with the reason; a holder told of it is told it closed." + WHO,
    responses=errors(**STEP_ERRORS),
)
async def dismiss(request: Request[Principal, Any, Any], case_id: uuid.UUID, data: s.CaseReasonIn, now: int) -> s.CaseOut:
    return await cases.dismiss(_me(request), case_id, data, now)


ROUTES = [
    open_case,
    list_cases,
    read_case,
    investigate,
    assign,
    add_note,
    decide,
    propose_fine,
    approve_fine,
    reject_fine,
    appeal,
    uphold,
    overturn,
    close,
    dismiss,
]
