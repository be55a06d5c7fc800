"""Who acts on a card (the Actor recorded in events) and the permission check behind it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend.lib.auth import Principal
from backend.lib.errors import ApiError

CITIZEN_CHANNELS = ("web", "mobile")
STAFF_CHANNELS = ("counter", "self_service_terminal")


@dataclass(frozen=True)
class Actor:
    """Who did it, through which channel and at which office (Art. 5: every operation records them)."""

    kind: str  # citizen | staff | system
    id: str
    channel: str  # web | mobile | counter | self_service_terminal | system
    office_id: uuid.UUID | None = None
    principal: Principal | None = None  # None: an internal caller, no permission check

    def as_system(self) -> Actor:
        """The system finishing what this actor started (e.g. issuing the replacement card)."""
        return Actor(kind="system", id="system", channel=self.channel, office_id=self.office_id)


SYSTEM = Actor(kind="system", id="system", channel="system")


def actor_for(principal: Principal, channel: str) -> Actor:
    """The Actor for a signed-in caller; staff act at their own office."""
    if principal.kind == "citizen":
        if channel not in CITIZEN_CHANNELS:
            raise ApiError(422, "request.bad_channel", "Citizens act through the web or mobile channel.")
        return Actor(kind="citizen", id=principal.id, channel=channel, principal=principal)
    if principal.kind == "staff":
        if channel not in STAFF_CHANNELS:
            raise ApiError(422, "request.bad_channel", "Staff act through the counter or a self-service terminal.")
        office = uuid.UUID(principal.office_id) if principal.office_id else None
        return Actor(kind="staff", id=principal.id, channel=channel, office_id=office, principal=principal)
    raise ApiError(403, "auth.wrong_role", "Machine clients cannot act on cards.")


async def ensure(actor: Actor, action: str, *, card_city: str | None = None) -> None:
    """Ask the accounts feature whether this staff member may do `action` (403 if not).

    Citizens act only on their own card, which the services find by the caller's person, so
    ownership is their permission; internal callers (no principal) are trusted.
    """
    if actor.principal is None or actor.kind != "staff":
        return
    from backend.accounts.permissions import ensure as accounts_ensure

    accounts_ensure(actor.principal, action, card_city=card_city)
