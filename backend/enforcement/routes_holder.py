"""The holder's side of a case about their card: list, read, respond, appeal (wallet)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.enforcement import holder
from backend.enforcement.schemas import HolderAppeal, HolderCase, HolderCaseList, HolderResponse
from backend.lib.auth import Principal, proven_citizen, require_step_up
from backend.lib.errors import ApiError
from backend.lib.openapi import error

TAGS = ["Enforcement"]
Limit = Annotated[int, Parameter(ge=1, le=100)]
Offset = Annotated[int, Parameter(ge=0, le=100_000)]
NOT_FOUND = {404: error("`case.not_found`: no such case, or not about your card.")}


def _person(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal: Principal = request.user
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(principal.person_id)


def _moment(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


@get(
    "/api/v1/me/cases",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Cases about my card",
    description="Every enforcement case about the signed-in holder's cards (misuse of a card, Art. 19), newest "
    "first: number, kind, state, decision, appeal. Needs an account proven to be its person.",
)
async def my_cases(request: Request[Any, Any, Any], limit: Limit = 50, offset: Offset = 0) -> HolderCaseList:
    return await holder.list_cases(_person(request), limit=limit, offset=offset)


@get(
    "/api/v1/me/cases/{case_id:uuid}",
    guards=[proven_citizen],
    tags=TAGS,
    responses=NOT_FOUND,
    summary="A case about my card",
    description="The case as its holder sees it: the decision (and fine, correction deadline, reasons), the "
    "evidence about this card (uses with time, venue, city, scenario and result; distances), the history with "
    "staff named only by office and city, whether a response or an appeal can be made and until when. 404 "
    "`case.not_found` for a case that is not about the holder's card.",
)
async def my_case(request: Request[Any, Any, Any], case_id: uuid.UUID, now: int) -> HolderCase:
    return await holder.view(case_id, _person(request), now=_moment(now))


@post(
    "/api/v1/me/cases/{case_id:uuid}/responses",
    status_code=201,
    guards=[proven_citizen],
    tags=TAGS,
    responses={
        **NOT_FOUND,
        409: error(
            "`case.closed` (a closed case takes no response), `case.too_many_responses` or `case.busy` (changed "
            "by others meanwhile; try again)."
        ),
        422: error("`case.blank_text`: the text is only spaces."),
    },
    summary="Respond to a case about my card",
    description="The holder's statement to the staff handling the case (1-2000 characters), in any state but "
    "closed. It is a step of the case's history (`respond`); the state does not change. Answers the case.",
)
async def respond(request: Request[Any, Any, Any], case_id: uuid.UUID, data: HolderResponse, now: int) -> HolderCase:
    return await holder.respond(case_id, _person(request), data.text, now=_moment(now))


@post(
    "/api/v1/me/cases/{case_id:uuid}/appeal",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses={
        **NOT_FOUND,
        403: error("`auth.step_up_required`: confirm it is you (a fresh factor) first; `details.step_up` names the route."),
        409: error(
            "`case.appeal_closed` (`details.reason`: no_decision, not_appealable, already_lodged, already_decided "
            "or deadline_passed; `details.appeal_until`), or `case.busy`."
        ),
        422: error("`case.blank_text`: the grounds are too short once spaces are left out."),
    },
    summary="Appeal the decision in a case about my card",
    description="Lodges the holder's appeal (grounds, 10-2000 characters) against a warning, a correction order "
    "or a fine, within 60 days of the decision; the case goes to `appealed` and staff of the case's city decide "
    "it (uphold or overturn). One appeal per decision. An appeal is a formal act: it needs a fresh factor "
    "(403 `auth.step_up_required`).",
)
async def appeal(request: Request[Any, Any, Any], case_id: uuid.UUID, data: HolderAppeal, now: int) -> HolderCase:
    require_step_up(request.user, now)
    return await holder.appeal(case_id, _person(request), data.grounds, now=_moment(now))


ROUTES: list[Any] = [my_cases, my_case, respond, appeal]
