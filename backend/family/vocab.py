"""Fixed words and numbers of the family service: relationships, states and the limits."""

from __future__ import annotations

ELDER, CHILD, SPOUSE, OTHER = "elder", "child", "spouse", "other"
RELATIONSHIPS = (ELDER, CHILD, SPOUSE, OTHER)
# As the national e-card's family service: at most 10 relatives, by kind at most these.
LIMITS = {ELDER: 4, CHILD: 3, SPOUSE: 1, OTHER: 2}
TOTAL = 10

PENDING, ACTIVE, REFUSED, ENDED = "pending", "active", "refused", "ended"
LIVE = (PENDING, ACTIVE)

# A child under 16 cannot agree: the guardianship is proven at a counter.
MINOR_AGE = 16
# What may be said of a child under 16: never the holder's elder or spouse.
MINOR_RELATIONSHIPS = (CHILD, OTHER)

# Consent: the relative agreed from their own account, in person at a counter, or the
# holder's guardianship was proven at a counter.
BY_RELATIVE, AT_COUNTER, GUARDIANSHIP = "relative", "counter", "guardianship"
GUARDIANSHIP_EVIDENCE = ("household_register", "birth_certificate", "guardianship_document")
IN_PERSON_EVIDENCE = ("identity_document",)

# Adds are lookups of a person by document: a proven holder gets a handful an hour.
ADDS_PER_HOUR = 20
# Codes shown for relatives: as many as a wallet would mint for its own card.
CODES_PER_MINUTE = 30
