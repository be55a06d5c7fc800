"""Holders in agencies' events are per-agency pseudonyms: one agency's events link to each other, never across agencies."""

from __future__ import annotations

import uuid

from backend.keys.keyring import Keyring

_INFO = b"agency event subject"


def subject(keyring: Keyring, agency_id: uuid.UUID | str, person_id: uuid.UUID | str) -> str:
    """The keyring's pseudonym over agency id bytes || person id bytes: 43 characters."""
    message = uuid.UUID(str(agency_id)).bytes + uuid.UUID(str(person_id)).bytes
    return keyring.pseudonym(_INFO, message)
