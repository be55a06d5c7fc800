"""The accounts feature's public services: token resolution and account/staff/client creation."""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection

from backend.accounts import clients, enrolment, sessions
from backend.accounts.citizens import create_citizen_account
from backend.accounts.clients import create_client, revoke_client, rotate_client_secret
from backend.accounts.proofs import AccountProof, proof_of, record_proof
from backend.accounts.recovery import account_of_person, new_password_hash, session_label, take_back
from backend.accounts.staff import create_staff
from backend.accounts.staff import set_totp as set_staff_totp
from backend.lib.auth import Principal

__all__ = [
    "AccountProof",
    "account_of_person",
    "create_citizen_account",
    "create_client",
    "create_staff",
    "new_password_hash",
    "proof_of",
    "record_proof",
    "resolve_principal",
    "revoke_client",
    "rotate_client_secret",
    "session_label",
    "set_staff_totp",
    "take_back",
]


async def resolve_principal(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> Principal | None:
    """Who presents this bearer token: a session (`yks_`) or a machine client (`ykc_`).

    None means "not valid" (the middleware answers 401); an over-limit client gets 429 raised
    from here, which the app's exception handlers answer.
    """
    now = int(time.time())
    if token.startswith(sessions.TOKEN_PREFIX):
        settings = connection.app.state.settings
        principal = await sessions.resolve(token, now, staff_second_factor=settings.staff_second_factor == "required")
        if principal is not None and principal.enrolment_only:
            enrolment.ensure_allowed(str(connection.scope.get("method", "")), connection.scope["path"])
        return principal
    if token.startswith(clients.TOKEN_PREFIX):
        state = connection.app.state
        return await clients.resolve(state.store, state.settings, token, now)
    return None
