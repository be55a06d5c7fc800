"""Staff sign in with a second factor (settings.staff_second_factor, docs/console.md).

A staff member without TOTP still signs in with the password, but the session is limited: it may
enrol TOTP (with the step-up its routes ask for, given by the password while there is no second
factor) and sign out. Every other request with its token answers 403
`auth.second_factor_enrolment_required` until the enrolment is confirmed; from then on the same
session is a full one (every request re-reads the staff member's TOTP state).
"""

from __future__ import annotations

from backend.lib.errors import ApiError
from backend.lib.settings import Settings

CODE = "auth.second_factor_enrolment_required"
# (method, path) a session limited to enrolment may call.
ALLOWED = frozenset(
    {
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/me/totp"),
        ("GET", "/api/v1/me/totp/qr.png"),
        ("POST", "/api/v1/me/totp/confirm"),
        ("GET", "/api/v1/me/step-up"),
        ("POST", "/api/v1/me/step-up"),
    }
)


def required(settings: Settings, *, totp_enabled: bool) -> bool:
    """True when a staff member with this TOTP state must enrol before doing anything else."""
    return settings.staff_second_factor == "required" and not totp_enabled


def ensure_allowed(method: str, path: str) -> None:
    """403 unless (method, path) is part of enrolling or signing out."""
    if (method.upper(), path.rstrip("/") or "/") not in ALLOWED:
        raise ApiError(
            403,
            CODE,
            "Staff sign in with a second factor: set up TOTP first (POST /api/v1/me/totp, then "
            "/api/v1/me/totp/confirm), or sign out.",
            enrol=["/api/v1/me/totp", "/api/v1/me/totp/confirm"],
        )


def ensure_may_disable(settings: Settings, kind: str) -> None:
    """Staff cannot switch their only second factor off while it is required."""
    if kind == "staff" and settings.staff_second_factor == "required":
        raise ApiError(
            409,
            "totp.required_for_staff",
            "Staff must sign in with a second factor: TOTP cannot be switched off (ask an administrator to reset it).",
        )
