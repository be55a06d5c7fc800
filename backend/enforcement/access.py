"""Who may see and act on a case: staff of the case's city or any provincial operator; four eyes on fines."""

from __future__ import annotations

import datetime as dt

from backend.enforcement import appeals
from backend.enforcement import case_states as states
from backend.enforcement.records import CaseRow
from backend.lib.auth import PROVINCIAL, STAFF_ROLES, SUPERVISOR, Principal
from backend.lib.errors import ApiError

# Actions on a decision someone else proposed or took: a second pair of eyes, senior staff only.
SECOND_EYES = frozenset({"approve_fine", "reject_fine", "uphold", "overturn"})
SENIOR = frozenset({SUPERVISOR, PROVINCIAL})


def may_see(principal: Principal, city: str) -> bool:
    """Staff of the city, or a provincial operator (the whole province)."""
    if principal.role not in STAFF_ROLES:
        return False
    return principal.role == PROVINCIAL or (principal.city is not None and principal.city == city)


def city_filter(principal: Principal) -> str | None:
    """The one city whose cases the caller may list; None: every city (provincial)."""
    return None if principal.role == PROVINCIAL else (principal.city or "-")


def ensure_read(principal: Principal, case: CaseRow) -> None:
    """A case of another city is simply not there (404: its existence is not revealed)."""
    if not may_see(principal, case.city):
        raise ApiError(404, "case.not_found", "No such case.")


def ensure_open(principal: Principal, city: str) -> None:
    if not may_see(principal, city):
        raise ApiError(403, "case.other_city", "Cases about this card or venue are handled by the staff of its city.")


def four_eyes_block(principal: Principal, case: CaseRow) -> str:
    """Why the caller may not be the second pair of eyes on this case's decision: "proposer" (they
    proposed or took it), "approver" (they approved the fine an appeal is against), or ""."""
    if case.proposed_by and case.proposed_by == principal.id:
        return "proposer"
    if case.state == states.APPEALED and case.approved_by and case.approved_by == principal.id:
        return "approver"
    return ""


def ensure_act(principal: Principal, case: CaseRow, action: str) -> None:
    """404 for a case of another city (as reading it), 403 unless the caller may take `action` on
    this case (the state is case_states' to check)."""
    ensure_read(principal, case)
    if action in SECOND_EYES:
        if principal.role not in SENIOR:
            raise ApiError(403, "case.not_permitted", "Only a supervisor or a provincial operator may do this.")
        if four_eyes_block(principal, case):
            raise ApiError(
                403,
                "case.four_eyes",
                "You proposed, took or approved this decision: another supervisor or provincial operator must review it.",
            )


def allowed_actions(principal: Principal, case: CaseRow, now: dt.datetime) -> list[str]:
    """The staff actions the caller may take on the case now, in the state machine's order."""
    if not may_see(principal, case.city):
        return []
    allowed = []
    for action, (sources, _, who) in states.TRANSITIONS.items():
        if action == "open" or "staff" not in who or case.state not in sources:
            continue
        if action in SECOND_EYES and (principal.role not in SENIOR or four_eyes_block(principal, case)):
            continue
        if action == "appeal" and appeals.appeal_refusal(case, now) is not None:
            continue
        if action == "close" and appeals.appeal_open(case, now):
            continue
        allowed.append(action)
    return allowed
