"""The card state machine: the one place that says which action moves a card from which state."""

from __future__ import annotations

import datetime as dt

ACTIVE = "active"
TEMP_LOST = "temp_lost"  # temporary loss report (临时挂失): lapses by itself
LOST = "lost"  # formal loss report (正式挂失)
LOCKED = "locked"  # locked by staff
REPLACING = "replacing"  # replacement requested; lifting the loss report is no longer possible
REPLACED = "replaced"
CANCELLED = "cancelled"

STATES = (ACTIVE, TEMP_LOST, LOST, LOCKED, REPLACING, REPLACED, CANCELLED)
TERMINAL = frozenset({REPLACED, CANCELLED})
LIVE = frozenset(STATES) - TERMINAL

ISSUE = "issue"  # the pseudo-transition that creates a card (no state -> active)
REPORT_TEMP_LOSS = "report_temp_loss"
REPORT_LOSS = "report_loss"
LIFT_LOSS = "lift_loss"
LOCK = "lock"
UNLOCK = "unlock"
REQUEST_REPLACEMENT = "request_replacement"
COMPLETE_REPLACEMENT = "complete_replacement"  # system: the new card is issued
CANCEL = "cancel"
LAPSE = "lapse"  # system: the temporary loss report ran out

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    REPORT_TEMP_LOSS: (frozenset({ACTIVE}), TEMP_LOST),
    REPORT_LOSS: (frozenset({ACTIVE, TEMP_LOST}), LOST),
    # Not from REPLACING: once a replacement is requested the old card never comes back.
    LIFT_LOSS: (frozenset({TEMP_LOST, LOST}), ACTIVE),
    LOCK: (frozenset({ACTIVE}), LOCKED),
    UNLOCK: (frozenset({LOCKED}), ACTIVE),
    REQUEST_REPLACEMENT: (frozenset({ACTIVE, TEMP_LOST, LOST}), REPLACING),
    COMPLETE_REPLACEMENT: (frozenset({REPLACING}), REPLACED),
    CANCEL: (LIVE, CANCELLED),
    LAPSE: (frozenset({TEMP_LOST}), ACTIVE),
}
ACTIONS = tuple(TRANSITIONS)

_HOLDER = (REPORT_TEMP_LOSS, REPORT_LOSS, LIFT_LOSS, REQUEST_REPLACEMENT, CANCEL)
BY_ACTOR: dict[str, tuple[str, ...]] = {
    "citizen": _HOLDER,
    "staff": (*_HOLDER, LOCK, UNLOCK),
    "system": (LAPSE, COMPLETE_REPLACEMENT),
}

# The permission (backend.accounts.permissions) each action needs.
PERMISSION = {
    REPORT_TEMP_LOSS: "card.report_loss",
    REPORT_LOSS: "card.report_loss",
    LIFT_LOSS: "card.lift_loss",
    REQUEST_REPLACEMENT: "card.replace",
    CANCEL: "card.cancel",
    LOCK: "card.lock",
    UNLOCK: "card.unlock",
}


class IllegalTransition(Exception):
    """`action` cannot be taken from `state`; `allowed` lists what can."""

    def __init__(self, state: str, action: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"{action} is not possible from {state}")
        self.state = state
        self.action = action
        self.allowed = allowed


def allowed_actions(state: str, actor_kind: str | None = None) -> tuple[str, ...]:
    """The actions possible from `state`, limited to what `actor_kind` may ask for."""
    actions = BY_ACTOR[actor_kind] if actor_kind else ACTIONS
    return tuple(a for a in actions if state in TRANSITIONS[a][0])


def next_state(state: str, action: str, actor_kind: str | None = None) -> str:
    """The state `action` leads to from `state`, or IllegalTransition."""
    if action not in TRANSITIONS or (actor_kind and action not in BY_ACTOR[actor_kind]):
        raise IllegalTransition(state, action, allowed_actions(state, actor_kind))
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise IllegalTransition(state, action, allowed_actions(state, actor_kind))
    return target


def lapse_due(state: str, lapse_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A temporary loss report has run out and the card is active again."""
    return state == TEMP_LOST and lapse_at is not None and lapse_at <= now


def effective_state(state: str, lapse_at: dt.datetime | None, now: dt.datetime) -> str:
    return ACTIVE if lapse_due(state, lapse_at, now) else state


def revocation_status(state: str) -> str:
    """What verifiers must know: active, suspended (may come back) or cancelled (never)."""
    if state == ACTIVE:
        return "active"
    return "cancelled" if state in TERMINAL else "suspended"


def usable(state: str, ecard_level: int) -> bool:
    """The e-card works only while the physical card is active (Art. 2)."""
    return state == ACTIVE and ecard_level > 0


def unusable_result(state: str) -> str | None:
    """The verification result for a card in `state`: None when active."""
    status = revocation_status(state)
    return None if status == "active" else f"card_{status}"
