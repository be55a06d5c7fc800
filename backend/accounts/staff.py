"""Staff of HR & social security offices: creation, listing by city, sign-in, deactivation."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from piccolo.columns import Column

from backend.accounts import enrolment, passwords, sessions, signin, throttle, totp
from backend.accounts.common import device_label
from backend.accounts.schemas import StaffLoginResponse, StaffView
from backend.accounts.sessions import utc
from backend.accounts.tables import StaffMember
from backend.keys.keyring import Keyring
from backend.lib.auth import PROVINCIAL, STAFF_ROLES, SUPERVISOR, Principal
from backend.lib.db import is_unique_violation, transaction
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.org.tables import Office

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}", re.ASCII)
_EXISTS = ("staff.exists", "This username is taken.")


def _columns() -> list[Column]:
    return [
        StaffMember.id,
        StaffMember.username,
        StaffMember.name,
        StaffMember.role,
        StaffMember.office,
        StaffMember.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        StaffMember.office.name.as_alias("office_name"),
        StaffMember.office.city.name.as_alias("city_name"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        StaffMember.active,
        StaffMember.totp_enabled,
        StaffMember.created_at,
    ]


def _view(row: dict[str, Any]) -> StaffView:
    return StaffView(
        id=row["id"],
        username=row["username"],
        name=row["name"],
        role=row["role"],
        office_id=row["office"],
        city=row["city"],
        active=row["active"],
        totp_enabled=row["totp_enabled"],
        created_at=row["created_at"],
        office_name=row.get("office_name") or "",
        city_name=row.get("city_name") or "",
    )


async def staff_view(staff_id: uuid.UUID | str) -> StaffView:
    row = await StaffMember.select(*_columns()).where(StaffMember.id == staff_id).first().run()
    if row is None:
        raise ApiError(404, "staff.not_found", "No such staff member.")
    return _view(row)


async def create_staff(
    *, username: str, name: str, role: str, office_id: uuid.UUID | str, password: str, now: int | None = None
) -> StaffView:
    """Create a staff member; the office decides the city they act for."""
    now = int(time.time()) if now is None else now
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise ApiError(422, "staff.bad_username", "Usernames are 3-32 of a-z, 0-9, '.', '_' or '-'.")
    if role not in STAFF_ROLES:
        raise ApiError(422, "staff.bad_role", f"Role must be one of: {', '.join(STAFF_ROLES)}.")
    name = " ".join(name.split())
    if not name:
        raise ApiError(422, "staff.bad_name", "Enter the staff member's name.")
    passwords.check_policy(password)
    if not await Office.exists().where(Office.id == office_id).run():
        raise ApiError(422, "staff.unknown_office", "No office has this id.")
    if await StaffMember.exists().where(StaffMember.username == username).run():
        raise ApiError(409, *_EXISTS)
    hashed = await passwords.hash_password(password)
    moment = utc(now)
    member = StaffMember(
        username=username,
        name=name,
        role=role,
        office=office_id,
        password_hash=hashed,
        created_at=moment,
        password_changed_at=moment,
    )
    try:
        await member.save().run()
    except Exception as exc:
        if is_unique_violation(exc):
            raise ApiError(409, *_EXISTS) from None
        raise
    return await staff_view(member.id)


async def set_totp(keyring: Keyring, username: str, secret: str) -> None:
    """For seeders and tests: switch a staff member's TOTP on with a known secret, as a confirmed
    enrolment would (never a route: the demo and the browser tests' staff sign in with it)."""
    if not totp.is_valid_secret(secret):
        raise ApiError(422, "totp.bad_secret", "The TOTP secret must be base32 with at least 80 bits.")
    row = await StaffMember.select(StaffMember.id).where(StaffMember.username == username.strip().lower()).first().run()
    if row is None:
        raise ApiError(404, "staff.not_found", "No such staff member.")
    sealed = totp.seal(secret.upper(), keyring.pii, purpose=totp.ACTIVE, owner_id=str(row["id"]))
    await (
        StaffMember.update({StaffMember.totp_cipher: sealed, StaffMember.totp_enabled: True})
        .where(StaffMember.id == row["id"])
        .run()
    )


async def list_staff(principal: Principal, *, limit: int, offset: int) -> list[StaffView]:
    """Provincial operators see everyone; supervisors see the staff of their own city."""
    query = StaffMember.select(*_columns()).order_by(StaffMember.username).limit(limit).offset(offset)
    if principal.role == SUPERVISOR:
        query = query.where(StaffMember.office.city.code == principal.city)  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
    elif principal.role != PROVINCIAL:
        raise ApiError(403, "auth.not_permitted", "Listing staff needs a supervisor or provincial operator.")
    return [_view(row) for row in await query.run()]


async def deactivate(staff_id: uuid.UUID, now: int) -> StaffView:
    """Switch a staff member off; their sessions end at once."""
    async with transaction():
        updated = (
            await StaffMember.update({StaffMember.active: False})
            .where(StaffMember.id == staff_id)
            .returning(StaffMember.id)
            .run()
        )
        if not updated:
            raise ApiError(404, "staff.not_found", "No such staff member.")
        await sessions.revoke_all("staff", staff_id, now)
    return await staff_view(staff_id)


async def _load(username: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await StaffMember.select(*StaffMember.all_columns(), StaffMember.office.city.code.as_alias("city"))  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        .where(StaffMember.username == username)
        .first()
        .run()
    )
    return row


async def load_for_password(staff_id: str) -> tuple[dict[str, Any], str]:
    row: dict[str, Any] | None = await StaffMember.select().where(StaffMember.id == staff_id).first().run()
    if row is None:
        raise ApiError(404, "staff.not_found", "No such staff member.")
    return row, throttle.account_key("staff", row["username"])


async def login(
    keyring: Keyring,
    store: Store,
    settings: Settings,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    recovery_code: str | None,
    client_label: str | None,
    user_agent: str,
    address: str | None,
    now: int,
) -> StaffLoginResponse:
    username = username.strip().lower()

    async def load() -> dict[str, Any] | None:
        return await _load(username)

    row = await signin.sign_in(
        "staff",
        throttle.account_key("staff", username),
        load,
        password=password,
        totp_code=totp_code,
        recovery_code=recovery_code,
        keyring=keyring,
        store=store,
        settings=settings,
        address=address,
        now=now,
        bad_message="The username or password is wrong.",
    )
    token, session = await sessions.create(
        kind="staff",
        owner_id=row["id"],
        now=now,
        user_agent=user_agent,
        client_label=device_label(user_agent, client_label),
    )
    return StaffLoginResponse(
        token=token,
        session_id=session["id"],
        expires_at=session["expires_at"],
        idle_timeout_seconds=sessions.IDLE_SECONDS,
        staff=await staff_view(row["id"]),
        second_factor_enrolment_required=enrolment.required(settings, totp_enabled=bool(row["totp_enabled"])),
    )
