"""Sessions of citizens and staff: opaque `yks_` tokens stored as SHA-256, idle and absolute expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from piccolo.columns import ForeignKey
from piccolo.columns.combination import Where

from backend.accounts.schemas import SessionView
from backend.accounts.tables import Account, Session
from backend.inbox import services as inbox
from backend.lib.auth import CITIZEN, Principal
from backend.lib.errors import ApiError

TOKEN_PREFIX = "yks_"
IDLE_SECONDS = 12 * 3600
ABSOLUTE_SECONDS = 30 * 86400
TOUCH_SECONDS = 60  # last_seen is written at most once a minute per session
PURGE_AFTER_SECONDS = 30 * 86400  # ended sessions stay listed for the record this long
_TOKEN = re.compile(r"yks_[A-Za-z0-9_-]{43}", re.ASCII)


def utc(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, tz=dt.UTC)


def token_hash(token: str) -> str:
    # 256 random bits: a plain SHA-256 is enough, and it lets the lookup be an index hit.
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_column(kind: str) -> ForeignKey[Any]:
    return Session.account if kind == CITIZEN else Session.staff


def idle_deadline(row: Mapping[str, Any]) -> dt.datetime:
    deadline: dt.datetime = min(row["expires_at"], row["last_seen"] + dt.timedelta(seconds=IDLE_SECONDS))
    return deadline


async def create(*, kind: str, owner_id: uuid.UUID, now: int, user_agent: str, client_label: str) -> tuple[str, dict[str, Any]]:
    """Open a session; returns (token, row). The token is shown once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = utc(now)
    owner = _owner_column(kind)
    await Session.delete().where((owner == owner_id) & (Session.expires_at < utc(now - PURGE_AFTER_SECONDS))).run()
    row = Session(
        token_hash=token_hash(token),
        kind=kind,
        account=owner_id if owner is Session.account else None,
        staff=owner_id if owner is Session.staff else None,
        created_at=moment,
        last_seen=moment,
        expires_at=utc(now + ABSOLUTE_SECONDS),
        user_agent=user_agent[:256],
        client_label=client_label[:64],
        stepped_up_at=moment,  # signing in took every factor the account has: a fresh one, for step-up
    )
    await row.save().run()
    if kind == CITIZEN:  # the holder hears of every new sign-in (backend/inbox); staff sessions are no holder's
        account = await Account.select(Account.person).where(Account.id == owner_id).first().run()
        if account is not None:
            await inbox.tell(account["person"], "account.session_created", {"device": client_label[:64]}, now=now)
    return token, row.to_dict()


async def resolve(token: str, now: int, *, staff_second_factor: bool = False) -> Principal | None:
    """The principal behind a session token, or None when unknown, revoked, expired or idle.

    With `staff_second_factor`, a staff member without TOTP gets an `enrolment_only` principal."""
    if not _TOKEN.fullmatch(token):
        return None
    row = await (
        Session.select(
            Session.id,
            Session.kind,
            Session.account,
            Session.account.person.as_alias("person_id"),
            Session.account.assurance.as_alias("assurance"),
            Session.stepped_up_at,
            Session.staff,
            Session.staff.role.as_alias("role"),
            Session.staff.active.as_alias("active"),
            Session.staff.totp_enabled.as_alias("staff_totp"),
            Session.staff.office.as_alias("office_id"),
            Session.staff.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
            Session.last_seen,
            Session.expires_at,
            Session.revoked_at,
        )
        .where(Session.token_hash == token_hash(token))
        .first()
        .run()
    )
    moment = utc(now)
    if row is None or row["revoked_at"] is not None or idle_deadline(row) <= moment:
        return None
    if row["kind"] == "citizen":
        if row["account"] is None:
            return None
        principal = Principal(
            kind="citizen",
            id=str(row["account"]),
            role=CITIZEN,
            person_id=str(row["person_id"]),
            session_id=str(row["id"]),
            assurance=row["assurance"] or 0,
            stepped_up_at=_epoch(row["stepped_up_at"]),
        )
    else:
        if row["staff"] is None or not row["active"]:
            return None
        principal = Principal(
            kind="staff",
            id=str(row["staff"]),
            role=row["role"],
            session_id=str(row["id"]),
            city=row["city"],
            office_id=str(row["office_id"]),
            stepped_up_at=_epoch(row["stepped_up_at"]),
            enrolment_only=staff_second_factor and not row["staff_totp"],
        )
    if (moment - row["last_seen"]).total_seconds() >= TOUCH_SECONDS:
        # Conditional, so many parallel requests make one write between them, not one each.
        cutoff = utc(now - TOUCH_SECONDS)
        await Session.update({Session.last_seen: moment}).where((Session.id == row["id"]) & (Session.last_seen <= cutoff)).run()
    return principal


def _epoch(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _owner(principal: Principal) -> Where:
    if principal.kind not in ("citizen", "staff") or principal.session_id is None:
        raise ApiError(403, "auth.session_required", "Only signed-in people have sessions.")
    return _owner_column(principal.kind) == principal.id


async def list_active(principal: Principal, now: int) -> list[SessionView]:
    moment = utc(now)
    rows: list[dict[str, Any]] = await (
        Session.select()
        .where(_owner(principal) & Session.revoked_at.is_null() & (Session.expires_at > moment))
        .where(Session.last_seen > utc(now - IDLE_SECONDS))
        .order_by(Session.last_seen, ascending=False)
        .run()
    )
    return [
        SessionView(
            id=row["id"],
            kind=row["kind"],
            created_at=row["created_at"],
            last_seen=row["last_seen"],
            expires_at=row["expires_at"],
            user_agent=row["user_agent"],
            client_label=row["client_label"],
            current=str(row["id"]) == principal.session_id,
        )
        for row in rows
    ]


async def revoke(principal: Principal, session_id: uuid.UUID, now: int) -> None:
    """Revoke one of the caller's sessions; effective at once (every request re-reads it)."""
    owner = _owner(principal)
    exists = await Session.exists().where(owner & (Session.id == session_id)).run()
    if not exists:
        raise ApiError(404, "session.not_found", "You have no session with this id.")
    await (
        Session.update({Session.revoked_at: utc(now)})
        .where(owner & (Session.id == session_id) & Session.revoked_at.is_null())
        .run()
    )


async def revoke_all(kind: str, owner_id: uuid.UUID | str, now: int, *, keep: str | None = None) -> int:
    """Revoke every live session of an owner except `keep`; returns how many were revoked."""
    query = Session.update({Session.revoked_at: utc(now)}).where(
        (_owner_column(kind) == owner_id) & Session.revoked_at.is_null() & (Session.expires_at > utc(now))
    )
    if keep is not None:
        query = query.where(Session.id != keep)
    return len(await query.returning(Session.id).run())
