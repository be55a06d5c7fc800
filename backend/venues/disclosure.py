"""What a valid verification shows the venue: exactly the attributes its scenario allows."""

from __future__ import annotations

import datetime as dt

from backend.cards.services import CodeSubject
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


async def attributes_for(scenario: Scenario, subject: CodeSubject, keyring: Keyring, valid_until: int | None) -> Attributes:
    """Build only the allowed attributes; the identity number is decrypted only when the
    scenario discloses it (or its masked form), never for the others."""
    wanted = set(scenario.attributes)
    person = await get_person(subject.person_id) if wanted & _NEEDS_PERSON else None
    name = subject.holder_name or (person["name"] if person else "")
    # An attribute left None is absent from the answer (Attributes omits defaults). The person
    # is read exactly when one of _NEEDS_PERSON is wanted.
    return Attributes(
        name=name if "name" in wanted else None,
        masked_name=masked_name(name) if "masked_name" in wanted else None,
        doc_type=person["doc_type"] if person is not None and "doc_type" in wanted else None,
        identity_number=reveal_number(keyring, person) if person is not None and "identity_number" in wanted else None,
        masked_identity_number=(
            masked_number(keyring, person) if person is not None and "masked_identity_number" in wanted else None
        ),
        card_valid=True if "card_valid" in wanted else None,  # only valid answers carry attributes
        valid_until=(
            dt.datetime.fromtimestamp(valid_until, dt.UTC) if "valid_until" in wanted and valid_until is not None else None
        ),
        concession=fare_concession(tuple(subject.concessions)) if "concession" in wanted else None,
        concessions=list(subject.concessions) if "concessions" in wanted else None,
    )


def disclosed_names(attributes: Attributes) -> list[str]:
    """The attribute names present, for the holder's access record."""
    return [name for name in Attributes.__struct_fields__ if getattr(attributes, name) is not None]
