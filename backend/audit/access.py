"""Who may read the access record across holders: provincial operators everything (`audit.read`),
supervisors what the staff of their own city did (Art. 21: they answer for their offices)."""

from __future__ import annotations

import uuid

from backend.accounts.permissions import ensure
from backend.accounts.tables import StaffMember
from backend.lib.auth import PROVINCIAL, SUPERVISOR, Principal
from backend.lib.errors import ApiError
from backend.org.tables import Office

NOT_YOUR_CITY = "audit.not_your_city"


async def staff_city(staff_id: str) -> str | None:
    try:
        key = uuid.UUID(staff_id)
    except ValueError:
        return None
    city = StaffMember.office.city.code.as_alias("city")  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
    row = await StaffMember.select(city).where(StaffMember.id == key).first().run()
    return row["city"] if row else None


async def office_city(office_id: str) -> str | None:
    try:
        key = uuid.UUID(office_id)
    except ValueError:
        return None
    city = Office.city.code.as_alias("city")
    row = await Office.select(city).where(Office.id == key).first().run()
    return row["city"] if row else None


async def ensure_auditor(principal: Principal, *, actor_id: str | None = None, actor_org: str | None = None) -> None:
    """Provincial operators pass; a supervisor passes only for one staff member (`actor_id`) or
    office (`actor_org`) of their own city; anyone else gets 403."""
    if principal.role == PROVINCIAL:
        ensure(principal, "audit.read")
        return
    if principal.role == SUPERVISOR and principal.city:
        for value, city_of in ((actor_id, staff_city), (actor_org, office_city)):
            if value and await city_of(value) == principal.city:
                return
        raise ApiError(
            403,
            NOT_YOUR_CITY,
            "Supervisors audit what the staff of their own city did: choose one of them or one of its offices.",
        )
    ensure(principal, "audit.read")  # 403 auth.not_permitted


async def ensure_entry_reader(principal: Principal, *, actor_kind: str, actor_id: str, actor_org: str) -> None:
    """One entry's proof: provincial operators any; supervisors entries by their city's staff."""
    if principal.role == SUPERVISOR and actor_kind != "staff":
        raise ApiError(403, NOT_YOUR_CITY, "Supervisors open the entries of their own city's staff only.")
    await ensure_auditor(principal, actor_id=actor_id, actor_org=actor_org)


def report_city(principal: Principal, city: str | None) -> str | None:
    """The city a staff report covers: a supervisor's own (asking for another is 403), any for provincial operators."""
    if principal.role == PROVINCIAL:
        ensure(principal, "audit.read")
        return city
    if principal.role == SUPERVISOR and principal.city:
        if city is not None and city != principal.city:
            raise ApiError(403, NOT_YOUR_CITY, "Supervisors see the report for their own city only.")
        return principal.city
    ensure(principal, "audit.read")
    return city
