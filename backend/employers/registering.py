"""The employer registry kept by provincial operators: employers by USCC, their signing keys, suspension."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from backend.employers import schemas as s
from backend.employers.uscc import checked
from backend.lib import db, ed25519
from backend.lib.errors import ApiError
from backend.org.tables import Employer, EmployerKey


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


key_id = ed25519.key_id  # the id a signature names its key by


def parse_public_key(text: str) -> bytes:
    """A base64url Ed25519 public key, checked to be a usable curve point (422 `employer.bad_public_key`)."""
    raw = ed25519.public_from_b64url(text)
    if raw is None:
        raise ApiError(422, "employer.bad_public_key", "The public key must be a 32-byte Ed25519 key in base64url.")
    return raw


def _not_found() -> ApiError:
    return ApiError(404, "employer.not_found", "No employer with this id is registered.")


def _key_out(row: dict[str, Any]) -> s.KeyOut:
    return s.KeyOut(
        key_id=row["key_id"],
        public_key=b64url(bytes(row["public_key"])),
        status=row["status"],
        registered_at=row["registered_at"],
        retired_at=row["retired_at"],
    )


async def _keys(employer_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[s.KeyOut]]:
    out: dict[uuid.UUID, list[s.KeyOut]] = {i: [] for i in employer_ids}
    if not employer_ids:
        return out
    rows = await EmployerKey.select().where(EmployerKey.employer.is_in(employer_ids)).order_by(EmployerKey.registered_at).run()
    for row in sorted(rows, key=lambda r: r["status"] != "active"):  # active first; stable by registration
        out[row["employer"]].append(_key_out(row))
    return out


def _out(row: dict[str, Any], keys: list[s.KeyOut]) -> s.EmployerOut:
    return s.EmployerOut(
        id=row["id"],
        uscc=row["uscc"],
        name=row["name"],
        city=row["city"],
        status=row["status"],
        created_at=row["created_at"],
        keys=keys,
    )


async def get(employer_id: uuid.UUID | str) -> s.EmployerOut:
    """One employer with its keys; 404 `employer.not_found`."""
    row = await Employer.select().where(Employer.id == employer_id).first().run()
    if row is None:
        raise _not_found()
    return _out(row, (await _keys([row["id"]]))[row["id"]])


async def search(q: str | None, *, limit: int, offset: int) -> s.EmployerPage:
    """Employers whose name or USCC contains `q` (all without it), by name."""
    where = None
    if q:
        # LIKE's own wildcards are dropped: a search matches the text typed, not a pattern.
        text = "".join(c for c in q.strip() if c not in "%_\\")
        where = Employer.name.like(f"%{text}%") | Employer.uscc.like(f"%{text.upper()}%")
    query = Employer.select()
    count = Employer.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query.order_by(Employer.name).order_by(Employer.id).limit(limit).offset(offset).run()
    keys = await _keys([r["id"] for r in rows])
    return s.EmployerPage(items=[_out(r, keys[r["id"]]) for r in rows], total=await count.run())


async def create(data: s.NewEmployer, now: dt.datetime | None = None) -> s.EmployerOut:
    """Register an employer: 422 `employer.bad_uscc`, 409 `employer.exists` (its USCC is registered)."""
    uscc = checked(data.uscc)
    now = now or dt.datetime.now(dt.UTC)
    employer_id = uuid.uuid4()
    try:
        async with db.transaction():
            if await Employer.exists().where(Employer.uscc == uscc).run():
                raise _exists(uscc)
            row = Employer(
                id=employer_id, uscc=uscc, name=" ".join(data.name.split()), city=data.city, status="active", created_at=now
            )
            await Employer.insert(row).run()
    except Exception as exc:
        if db.is_unique_violation(exc):  # two registrations of one code at once: the loser hears why
            raise _exists(uscc) from exc
        raise
    return await get(employer_id)


def _exists(uscc: str) -> ApiError:
    return ApiError(409, "employer.exists", "An employer with this unified social credit code is registered.", uscc=uscc)


async def add_key(employer_id: uuid.UUID, public_key: str, now: dt.datetime | None = None) -> s.KeyOut:
    """Register a signing key: 404 `employer.not_found`, 422 `employer.bad_public_key`, 409
    `employer.key_exists` (this key is registered already, to this employer or another)."""
    raw = parse_public_key(public_key)
    kid = key_id(raw)
    now = now or dt.datetime.now(dt.UTC)
    try:
        async with db.transaction():
            if not await Employer.exists().where(Employer.id == employer_id).run():
                raise _not_found()
            if await EmployerKey.exists().where(EmployerKey.key_id == kid).run():
                raise _key_exists(kid)
            await EmployerKey.insert(
                EmployerKey(id=uuid.uuid4(), employer=employer_id, key_id=kid, public_key=raw, status="active", registered_at=now)
            ).run()
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise _key_exists(kid) from exc
        raise
    row = await EmployerKey.select().where(EmployerKey.key_id == kid).first().run()
    assert row is not None  # just written; keys are never deleted
    return _key_out(row)


def _key_exists(kid: str) -> ApiError:
    return ApiError(409, "employer.key_exists", "This public key is registered already.", key_id=kid)


async def retire_key(employer_id: uuid.UUID, kid: str, now: dt.datetime | None = None) -> s.KeyOut:
    """Retire a key: it signs nothing from now on, and what it signed before still verifies.
    404 `employer.key_not_found`, 409 `employer.key_retired`."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.transaction():
        row = await EmployerKey.select().where((EmployerKey.employer == employer_id) & (EmployerKey.key_id == kid)).first().run()
        if row is None:
            raise ApiError(404, "employer.key_not_found", "This employer has no key with this id.", key_id=kid)
        # Compare-and-set on the status: of two retirements at once, one wins and the other is told (409).
        changed = (
            []
            if row["status"] == "retired"
            else await EmployerKey.update({EmployerKey.status: "retired", EmployerKey.retired_at: now})
            .where((EmployerKey.id == row["id"]) & (EmployerKey.status == "active"))
            .returning(EmployerKey.id)
            .run()
        )
        if not changed:
            raise ApiError(409, "employer.key_retired", "This key is retired already.", key_id=kid)
        out = _key_out({**row, "status": "retired", "retired_at": now})
    return out


async def set_status(employer_id: uuid.UUID, status: s.EmployerStatus) -> s.EmployerOut:
    """Suspend (its credentials and keys act no more: 403 `employer.suspended`) or reinstate.
    409 `employer.bad_status` when it is in that status already."""
    async with db.transaction():
        row = await Employer.select(Employer.status).where(Employer.id == employer_id).first().run()
        if row is None:
            raise _not_found()
        if row["status"] == status:
            raise ApiError(409, "employer.bad_status", f"The employer is {status} already.", employer_status=status)
        await Employer.update({Employer.status: status}).where(Employer.id == employer_id).run()
    return await get(employer_id)
