"""Fixed words of the catalog: the province's region code, domains, version states, time zone."""

from __future__ import annotations

import datetime as dt

PROVINCE = "440000"  # the provincial catalog's scope; every other scope is a city's region code
# Art. 6, 7, 13: the domains a catalog item belongs to.
DOMAINS: tuple[str, ...] = (
    "social_insurance",
    "hr",
    "medical",
    "transport",
    "culture_tourism_sports",
    "finance",
    "identity",
    "campus_enterprise_community",
)
# draft -> review -> published (effective date) -> withdrawn (end date); review may go back to draft.
DRAFT, REVIEW, PUBLISHED, WITHDRAWN = "draft", "review", "published", "withdrawn"
OPEN_STATES = (DRAFT, REVIEW)
PUBLIC_STATES = (PUBLISHED, WITHDRAWN)
# Guangdong keeps China Standard Time all year; reports count days as residents see them.
CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
# The regulation came into force on this day; the initial catalog is in effect from then.
IN_FORCE = dt.datetime(2024, 11, 1, tzinfo=CST)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
