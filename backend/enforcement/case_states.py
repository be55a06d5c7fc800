"""The case state machine: the one place that says which action moves a case from which state, and who may take it."""

from __future__ import annotations

from backend.lib.errors import ApiError

OPEN, INVESTIGATING, PROPOSED, DECIDED, APPEALED, CLOSED = "open", "investigating", "proposed", "decided", "appealed", "closed"
NOT_CLOSED = frozenset({OPEN, INVESTIGATING, PROPOSED, DECIDED, APPEALED})

# action -> (states it may start from, state it leads to (None: stays), who may take it)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, frozenset[str]]] = {
    "open": (frozenset(), OPEN, frozenset({"system", "staff"})),  # creates the case
    "signal": (NOT_CLOSED, None, frozenset({"system"})),  # another signal joined the open case
    "investigate": (frozenset({OPEN}), INVESTIGATING, frozenset({"staff"})),
    "assign": (NOT_CLOSED, None, frozenset({"staff"})),
    "note": (NOT_CLOSED, None, frozenset({"staff"})),
    "respond": (NOT_CLOSED, None, frozenset({"holder"})),  # the holder's side of it
    # no action, a warning or a correction order: one member of staff decides
    "decide": (frozenset({OPEN, INVESTIGATING}), DECIDED, frozenset({"staff"})),
    # a fine: one proposes, another approves or sends it back (four eyes)
    "propose_fine": (frozenset({OPEN, INVESTIGATING}), PROPOSED, frozenset({"staff"})),
    "approve_fine": (frozenset({PROPOSED}), DECIDED, frozenset({"staff"})),
    "reject_fine": (frozenset({PROPOSED}), INVESTIGATING, frozenset({"staff"})),
    # an appeal against a warning, an order or a fine, lodged by the holder or recorded by staff
    "appeal": (frozenset({DECIDED}), APPEALED, frozenset({"holder", "staff"})),
    "uphold": (frozenset({APPEALED}), DECIDED, frozenset({"staff"})),
    "overturn": (frozenset({APPEALED}), CLOSED, frozenset({"staff"})),
    "close": (frozenset({DECIDED}), CLOSED, frozenset({"staff"})),
    "dismiss": (frozenset({OPEN, INVESTIGATING}), CLOSED, frozenset({"staff"})),  # nothing in it
}
ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)


def next_state(state: str, action: str, actor_kind: str) -> str:
    """The state `action` leads to from `state`; 409 `case.illegal_transition` (or 403) when it may not be taken."""
    if action not in TRANSITIONS or action == "open":
        raise ValueError(f"not a case action: {action!r}")
    sources, target, who = TRANSITIONS[action]
    if actor_kind not in who:
        raise ApiError(403, "case.not_permitted", f"A {actor_kind} cannot {action.replace('_', ' ')} a case.")
    if state not in sources:
        raise ApiError(
            409,
            "case.illegal_transition",
            f"A case that is {state} cannot be taken to '{action.replace('_', ' ')}'.",
            state=state,
            action=action,
        )
    return target or state
