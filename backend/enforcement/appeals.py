"""The appeal rules, one place for the holder's wallet and staff's paper appeals: what can be appealed, until when."""

from __future__ import annotations

import datetime as dt

from backend.enforcement import case_states as states
from backend.enforcement.records import CaseRow

# Art. 19's decisions a holder may appeal against, and for how long after the decision (行政复议: 60 days).
APPEALABLE = frozenset({"warning", "correction_order", "fine"})
APPEAL_DAYS = 60


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive UTC datetimes back: make them aware so they compare with now."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def appeal_until(case: CaseRow) -> dt.datetime | None:
    """The last moment to appeal the case's decision, or None when it has none that can be appealed."""
    if case.decision not in APPEALABLE or case.decided_at is None:
        return None
    decided = aware(case.decided_at)
    assert decided is not None
    return decided + dt.timedelta(days=APPEAL_DAYS)


def appeal_refusal(case: CaseRow, now: dt.datetime) -> tuple[str, str] | None:
    """Why an appeal cannot be lodged now (reason, message), or None when it can."""
    if case.appeal == "lodged" or case.state == states.APPEALED:
        return "already_lodged", "An appeal against this decision is already lodged."
    if case.appeal:
        return "already_decided", "The appeal against this decision has been decided."
    if case.state != states.DECIDED:
        return "no_decision", "There is no decision in this case to appeal against."
    until = appeal_until(case)
    if until is None:
        return "not_appealable", "This decision takes no measure against the holder, so there is nothing to appeal."
    if now > until:
        return "deadline_passed", f"The {APPEAL_DAYS} days to appeal ended on {until.date().isoformat()}."
    return None


def appeal_open(case: CaseRow, now: dt.datetime) -> bool:
    """A decided case that can still be appealed: it may not be closed yet (closing would cut the appeal off)."""
    return case.state == states.DECIDED and appeal_refusal(case, now) is None
