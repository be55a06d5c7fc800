"""The payment order state machine, pure: which move takes an order from which status, and its ledger posting."""

from __future__ import annotations

from backend.payments.vocab import ACCEPTED, CANCELLED, CREDITED, HELD, INSTRUCTED

# move -> (statuses it may start from, status it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "instruct": (frozenset({ACCEPTED}), INSTRUCTED),  # routed to the live card's account at execution time
    "hold": (frozenset({ACCEPTED}), HELD),  # no payable account at execution time
    "credit": (frozenset({INSTRUCTED}), CREDITED),  # the bank credited the account
    "return": (frozenset({INSTRUCTED}), HELD),  # the bank returned it (held, reason "returned")
    "withdraw": (frozenset({INSTRUCTED}), ACCEPTED),  # instruction taken back before the bank accepted it; re-routed
    "retry": (frozenset({HELD}), ACCEPTED),  # the agency (or an opened account) asks to try again
    "cancel": (frozenset({HELD, ACCEPTED}), CANCELLED),  # the agency gives up; the money goes back to it
}

# Ledger accounts a move takes the order's amount from and to (payments/ledger.py fills in codes).
POSTINGS: dict[str, tuple[str, str]] = {
    "accept": ("agency:{agency}", "orders:pending"),
    "instruct": ("orders:pending", "bank:{bank}:in_transit"),
    "hold": ("orders:pending", "orders:held"),
    "credit": ("bank:{bank}:in_transit", "bank:{bank}:paid"),
    "return": ("bank:{bank}:in_transit", "orders:held"),
    "withdraw": ("bank:{bank}:in_transit", "orders:pending"),
    "retry": ("orders:held", "orders:pending"),
    "cancel_held": ("orders:held", "agency:{agency}"),
    "cancel_pending": ("orders:pending", "agency:{agency}"),
}

# Where an order's money sits in each status: after any sequence of moves, the order's own
# ledger lines net to +amount on exactly this account and to zero on every other but the
# agency's (which nets to -amount, or zero once cancelled).
HOME: dict[str, str] = {
    ACCEPTED: "orders:pending",
    INSTRUCTED: "bank:{bank}:in_transit",
    CREDITED: "bank:{bank}:paid",
    HELD: "orders:held",
    CANCELLED: "",
}


def allowed(move: str, status: str) -> bool:
    return status in MOVES[move][0]


def target(move: str) -> str:
    return MOVES[move][1]
