"""What a valid verification shows the venue: exactly the attributes its scenario allows."""

from __future__ import annotations

import datetime as dt

from backend.catalog.scenarios import Scenario
from backend.identity.services import get_person, masked_name, masked_number, reveal_number
from backend.keys.keyring import Keyring
from backend.venues.schemas import Attributes

# The one concession a fare system applies when a holder has several (most generous first).
_FARE_ORDER = ("disability", "veteran", "elderly")
_NEEDS_PERSON = frozenset({"doc_type", "identity_number", "masked_identity_number"})


def fare_concession(concessions: tuple[str, ...] | list[str]) -> str:
    for kind in _FARE_ORDER:
        if kind in concessions:
            return kind
    return "none"


async def attributes_for(scenario: Scenario, subject, keyring: Keyring, valid_until: int | None) -> Attributes:
    """Build only the allowed attributes; the identity number is decrypted only when the
    scenario discloses it (or its masked form), never for the others."""
    wanted = set(scenario.attributes)
    person = await get_person(subject.person_id) if wanted & _NEEDS_PERSON else None
    name = subject.holder_name or (person["name"] if person else "")
    values: dict[str, object] = {}
    if "name" in wanted:
        values["name"] = name
    if "masked_name" in wanted:
        values["masked_name"] = masked_name(name)
    if "doc_type" in wanted:
        values["doc_type"] = person["doc_type"]
    if "identity_number" in wanted:
        values["identity_number"] = reveal_number(keyring, person)
    if "masked_identity_number" in wanted:
        values["masked_identity_number"] = masked_number(keyring, person)
    if "card_valid" in wanted:
        values["card_valid"] = True  # only valid answers carry attributes
    if "valid_until" in wanted and valid_until is not None:
        values["valid_until"] = dt.datetime.fromtimestamp(valid_until, dt.UTC)
    if "concession" in wanted:
        values["concession"] = fare_concession(tuple(subject.concessions))
    if "concessions" in wanted:
        values["concessions"] = list(subject.concessions)
    return Attributes(**values)


def disclosed_names(attributes: Attributes) -> list[str]:
    """The attribute names present, for the holder's access record."""
    return [name for name in Attributes.__struct_fields__ if getattr(attributes, name) is not None]
