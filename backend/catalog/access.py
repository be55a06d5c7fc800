"""Who may change which catalog: provincial operators any, a city's supervisors only their city's."""

from __future__ import annotations

from backend.catalog.vocab import PROVINCE
from backend.lib.auth import PROVINCIAL, SUPERVISOR, Principal
from backend.lib.errors import ApiError


def may_manage(principal: Principal | None, scope: str) -> bool:
    if principal is None or principal.kind != "staff":
        return False
    if principal.role == PROVINCIAL:
        return True
    # A city extends the provincial catalog; it never edits the province's own items.
    return principal.role == SUPERVISOR and scope != PROVINCE and principal.city == scope


def ensure_manage(principal: Principal | None, scope: str) -> None:
    if principal is None:
        raise ApiError(401, "auth.required", "Sign in or present valid credentials.")
    if not may_manage(principal, scope):
        raise ApiError(403, "catalog.not_permitted", f"You may not change the catalog of {scope}.", scope=scope)


def report_scope(principal: Principal, city_code: str | None) -> str | None:
    """The city a usage report may cover: any for provincial operators, only their own for
    supervisors (who get it even when they ask for none)."""
    if principal.kind == "staff" and principal.role == PROVINCIAL:
        return city_code
    if principal.kind == "staff" and principal.role == SUPERVISOR and principal.city:
        if city_code not in (None, principal.city):
            raise ApiError(403, "catalog.not_permitted", "Supervisors see their own city's reports only.", scope=city_code)
        return principal.city
    raise ApiError(403, "auth.wrong_role", "Reports are for provincial operators and city supervisors.")
