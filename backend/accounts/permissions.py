"""Who may do what: a table of staff actions and the rule each follows.

Counter operators handle card business for any card of the province at their own office
(cross-city handling, Art. 5); supervisors also review applications and lock cards, but only
cards their city issued; provincial operators may do everything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.lib.auth import COUNTER, PROVINCIAL, SUPERVISOR, Principal, current
from backend.lib.errors import ApiError

CARD_BUSINESS = ("card.apply", "card.report_loss", "card.lift_loss", "card.replace", "card.cancel", "card.lookup")
CITY_SCOPED = ("application.review", "card.lock", "card.unlock")
PROVINCIAL_ONLY = ("bank.manage", "client.manage", "staff.manage", "venue.manage", "audit.read")


@dataclass(frozen=True)
class Rule:
    anywhere: frozenset[str]  # roles allowed whatever city issued the card
    own_city: frozenset[str] = field(default_factory=frozenset)  # roles allowed for their city's cards only


RULES: dict[str, Rule] = {
    **{action: Rule(anywhere=frozenset({COUNTER, SUPERVISOR, PROVINCIAL})) for action in CARD_BUSINESS},
    **{action: Rule(anywhere=frozenset({PROVINCIAL}), own_city=frozenset({SUPERVISOR})) for action in CITY_SCOPED},
    **{action: Rule(anywhere=frozenset({PROVINCIAL})) for action in PROVINCIAL_ONLY},
    # Supervisors see their own city's staff (the listing filters by city).
    "staff.read": Rule(anywhere=frozenset({SUPERVISOR, PROVINCIAL})),
}
ACTIONS = tuple(RULES)


def can(principal: Principal | None, action: str, *, card_city: str | None = None) -> bool:
    """True when this staff principal may do `action` (on a card issued by `card_city`).

    Citizens and machine clients never pass: their rights are checked by ownership elsewhere.
    A city-scoped action without a known card city is refused (fail closed). An action not in
    the table is a programming error and raises ValueError rather than silently denying.
    """
    rule = RULES.get(action)
    if rule is None:
        raise ValueError(f"unknown action {action!r}: add it to backend.accounts.permissions.RULES")
    if principal is None or principal.kind != "staff":
        return False
    if principal.role in rule.anywhere:
        return True
    if principal.role in rule.own_city:
        return card_city is not None and principal.city is not None and card_city == principal.city
    return False


def ensure(principal: Principal | None, action: str, *, card_city: str | None = None) -> None:
    """Raise 401 without a principal, 403 `auth.not_permitted` (naming the action) when not allowed."""
    if principal is None:
        raise ApiError(401, "auth.required", "Sign in or present valid credentials.")
    if not can(principal, action, card_city=card_city):
        scope = " for cards issued by another city" if action in CITY_SCOPED and principal.role == SUPERVISOR else ""
        raise ApiError(403, "auth.not_permitted", f"You may not do {action}{scope}.", action=action)


def permits(action: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """Route guard for actions that do not depend on a card's city (async: see lib.auth.requires)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        ensure(current(connection), action)

    return guard
