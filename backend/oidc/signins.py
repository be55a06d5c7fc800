"""The holder's sign-ins per relying party (grants): recorded at each approval, listed and revoked by the holder."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.audit import services as audit
from backend.inbox import services as inbox
from backend.lib import db
from backend.lib.errors import ApiError
from backend.oidc.relying_parties import Rp
from backend.oidc.schemas import GrantOut
from backend.oidc.tables import AccessToken, AuthRequest, Grant

FIRST_SIGNIN = "oidc.first_signin"  # the inbox event of a first sign-in to a site


def _pair(person_id: uuid.UUID | str, client_id: str) -> str:
    return f"{uuid.UUID(str(person_id))}:{client_id}"


async def lock(person_id: uuid.UUID | str, client_id: str) -> None:
    """Serialise what changes or relies on one holder's grant to one site (sign-in, revocation,
    handing out tokens) until the transaction ends. Call inside a transaction."""
    await db.advisory_lock(f"oidc-grant:{_pair(person_id, client_id)}")


def actor(rp: Rp) -> audit.Actor:
    return audit.Actor("relying_party", rp.client_id, rp.client_id, rp.name)


async def record_login(person_id: uuid.UUID | str, rp: Rp, scopes: list[str], fields: list[str], now: int) -> bool:
    """The holder approved a sign-in: the grant counts it, the access record says what was shared,
    and the first sign-in to this party tells the inbox. Call inside the approval's transaction.
    Returns True for a first sign-in."""
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    pair = _pair(person_id, rp.client_id)
    # Two first sign-ins to one site at once would both read "none" and both insert: one at a time.
    await lock(person_id, rp.client_id)
    row = await Grant.select(Grant.id, Grant.scopes, Grant.logins).where(Grant.pair == pair).first().run()
    if row is None:
        await Grant.insert(
            Grant(
                id=uuid.uuid4(),
                person=uuid.UUID(str(person_id)),
                client=rp.id,
                pair=pair,
                scopes=sorted(set(scopes)),
                first_at=at,
                last_at=at,
                logins=1,
                revoked_at=None,
            )
        ).run()
    else:
        known = set(db.json_column(row["scopes"]) or [])
        await (
            Grant.update(
                {
                    Grant.scopes: sorted(known | set(scopes)),
                    Grant.last_at: at,
                    Grant.logins: row["logins"] + 1,
                    Grant.revoked_at: None,
                }
            )
            .where(Grant.id == row["id"])
            .run()
        )
    await audit.record(
        actor(rp),
        person_id=person_id,
        action="oidc.login",
        fields=["sub", *fields],
        purpose=f"Sign-in to {rp.name}",
        basis_kind="consent",
        basis_ref=rp.legal_basis if "identity" in scopes else "",
    )
    if row is None:
        await inbox.tell(person_id, FIRST_SIGNIN, {"client": rp.name, "client_en": rp.name_en}, now=now)
    return row is None


def _out(row: dict[str, Any]) -> GrantOut:
    return GrantOut(
        client_id=row["client_id"],
        name=row["name"],
        name_en=row["name_en"],
        scopes=list(db.json_column(row["scopes"]) or []),
        first_at=db.time_column(row["first_at"]),
        last_at=db.time_column(row["last_at"]),
        count=row["logins"],
        active=row["revoked_at"] is None,
    )


async def list_mine(person_id: uuid.UUID | str) -> list[GrantOut]:
    rows = await (
        Grant.select(
            Grant.client.client_id.as_alias("client_id"),
            Grant.client.name.as_alias("name"),
            Grant.client.name_en.as_alias("name_en"),
            Grant.scopes,
            Grant.first_at,
            Grant.last_at,
            Grant.logins,
            Grant.revoked_at,
        )
        .where(Grant.person == uuid.UUID(str(person_id)))
        .order_by(Grant.last_at, ascending=False)
        .limit(500)
        .run()
    )
    return [_out(r) for r in rows]


async def revoke(person_id: uuid.UUID | str, client_id: str, now: int) -> GrantOut:
    """Ends the grant and every live access token the party holds for this holder, at once."""
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    pair = _pair(person_id, client_id)
    async with db.transaction():
        await lock(person_id, client_id)
        row = await Grant.select(Grant.id, Grant.client).where(Grant.pair == pair).first().run()
        if row is None:
            raise ApiError(404, "oidc.grant_not_found", "You have not signed in to this relying party.")
        await Grant.update({Grant.revoked_at: at}).where((Grant.id == row["id"]) & Grant.revoked_at.is_null()).run()
        # Approved but not yet exchanged (a code in the site's hands, a scan the terminal has not
        # polled for): withdrawn too, so nothing handed out before the revocation still works.
        await (
            AuthRequest.update({AuthRequest.status: "denied"})
            .where(
                (AuthRequest.person == uuid.UUID(str(person_id)))
                & (AuthRequest.client == row["client"])
                & (AuthRequest.status == "approved")
            )
            .run()
        )
        await (
            AccessToken.update({AccessToken.revoked_at: at})
            .where(
                (AccessToken.person == uuid.UUID(str(person_id)))
                & (AccessToken.client == row["client"])
                & AccessToken.revoked_at.is_null()
            )
            .run()
        )
    mine = [g for g in await list_mine(person_id) if g.client_id == client_id]
    return mine[0]


async def still_granted(person_id: uuid.UUID | str, client_id: str) -> bool:
    """Before tokens are handed out: is the holder's grant to this site still active? Takes the
    grant's lock, so a revocation cannot slip in between this check and the new token. Call
    inside the transaction that hands the tokens out."""
    await lock(person_id, client_id)
    return await active(person_id, client_id)


async def active(person_id: uuid.UUID | str, client_id: str) -> bool:
    row = await Grant.select(Grant.revoked_at).where(Grant.pair == _pair(person_id, client_id)).first().run()
    return row is not None and row["revoked_at"] is None
