"""Assurance levels: how surely the person behind an account or e-card was proven to be its holder."""

from __future__ import annotations

# Levels are ordered: a scenario's minimum admits its level and every higher one.
NONE = 0  # an account only: nobody checked who is behind it
FAMILY = 1  # a proven family member vouches (minors, elders); also e-cards from before proofing
REMOTE = 2  # the cooperating bank confirmed control of the card's account, or a face match
IN_PERSON = 3  # staff checked the document at a counter

LEVELS = (NONE, FAMILY, REMOTE, IN_PERSON)
NAMES = {NONE: "none", FAMILY: "family", REMOTE: "remote", IN_PERSON: "in_person"}

# How a holder was proven, and the level each route gives.
COUNTER = "counter"
BANK = "bank"
PROVIDER = "provider"
BY_FAMILY = "family"
LEGACY = "legacy"  # e-cards issued before proofing existed: they keep working where FAMILY is enough
METHOD_LEVEL = {COUNTER: IN_PERSON, BANK: REMOTE, PROVIDER: REMOTE, BY_FAMILY: FAMILY, LEGACY: FAMILY}
METHODS = tuple(METHOD_LEVEL)


def level_of(method: str) -> int:
    """The level a proofing method gives; unknown methods give none."""
    return METHOD_LEVEL.get(method, NONE)
