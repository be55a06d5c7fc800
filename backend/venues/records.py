"""Writing verification rows (one per scan event) and flagging codes used more than once."""

from __future__ import annotations

import secrets
import time
import uuid

from backend.audit import chain as access_chain  # audit feature
from backend.lib import db
from backend.lib.batching import group_commit
from backend.venues.tables import Verification


def new_id() -> uuid.UUID:
    """A version-7 UUID (millisecond time first): rows of the same second keep their order."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(secrets.token_bytes(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


async def lock_code(code_id: str) -> None:
    """Serialise writers of one code id until the transaction ends, so two uploads (or an
    upload and an online scan) cannot both miss each other's use. SQLite's IMMEDIATE
    transactions already serialise every writer."""
    if not db.is_sqlite():
        await Verification.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"yk-code:{code_id}").run()


async def flag_code(code_id: str) -> None:
    """Mark every accepted use of the code as a double use."""
    await Verification.update({Verification.double_use: True}).where(
        (Verification.code_id == code_id) & (Verification.result == "valid")
    ).run()


async def flag_if_used_twice(code_id: str) -> bool:
    """Mark every accepted use of the code as a double use when there is more than one.

    Online retries are the same use (one scanner, one claim), so they do not count.
    """
    uses = await Verification.count().where(
        (Verification.code_id == code_id) & (Verification.result == "valid") & (Verification.retry == False)  # noqa: E712
    ).run()
    if uses < 2:
        return False
    await flag_code(code_id)
    return True


async def _write_scans(scans: list[tuple[dict, dict | None]]) -> None:
    """One transaction for a batch of scans: their rows, and the access record entries of those
    that disclosed personal data (a scan's row and entry are written together or not at all)."""
    async with db.transaction():
        await db.insert_rows(Verification, [{**_ONLINE_DEFAULTS, **row} for row, _ in scans])
        await access_chain.append_many([entry for _, entry in scans if entry is not None])


# The columns an online scan's row leaves at their defaults, spelled out for insert_rows.
_ONLINE_DEFAULTS = {"offline": False, "uploaded_at": None, "double_use": False, "upload_key": None}
_scans = group_commit(_write_scans)


async def record_scan(row: dict, entry: dict | None) -> None:
    """Write one online scan's row (and its access record entry, if any), group-committed with
    the scans arriving at the same moment; returns once they are committed. No double-use
    check: online, the store's atomic claim already lets exactly one scan accept a code, and an
    offline upload of the same code finds that claim (offline.py)."""
    await _scans.submit((row, entry))


async def _keyset(query, before: uuid.UUID | None, scope):
    """Newest first by (at, id); `before` is the id of the last row of the previous page and
    must lie within `scope`, else the page starts from the top (no probing of others' rows)."""
    if before is not None:
        anchor = await Verification.select(Verification.at).where(scope & (Verification.id == before)).first().run()
        if anchor is not None:
            at = anchor["at"]
            query = query.where((Verification.at < at) | ((Verification.at == at) & (Verification.id < before)))
    return query.order_by(Verification.at, Verification.id, ascending=False)


async def _page(query, limit: int) -> tuple[list[dict], uuid.UUID | None]:
    rows = await query.limit(limit + 1).output(load_json=True).run()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more and rows else None)


async def for_person(person_id: str, *, limit: int, before: uuid.UUID | None) -> tuple[list[dict], uuid.UUID | None]:
    """The holder's access record: who verified their card, for what, and what they saw."""
    scope = Verification.person == person_id
    query = Verification.select(
        Verification.id,
        Verification.venue.name.as_alias("venue_name"),
        Verification.venue.venue_type.as_alias("venue_type"),
        Verification.scenario,
        Verification.result,
        Verification.at,
        Verification.offline,
        Verification.disclosed,
        Verification.retry,
        Verification.double_use,
    ).where(scope)
    return await _page(await _keyset(query, before, scope), limit)


async def flagged(*, limit: int, before: uuid.UUID | None) -> tuple[list[dict], uuid.UUID | None]:
    """Accepted uses of codes that were used more than once, for provincial operators."""
    scope = Verification.double_use == True  # noqa: E712
    query = Verification.select(
        Verification.id.as_alias("verification_id"),
        Verification.id,
        Verification.code_id,
        Verification.code_kind,
        Verification.card_ref,
        Verification.venue.as_alias("venue_id"),
        Verification.venue.name.as_alias("venue_name"),
        Verification.scanner_id,
        Verification.scenario,
        Verification.at,
        Verification.offline,
        Verification.uploaded_at,
    ).where(scope)
    return await _page(await _keyset(query, before, scope), limit)
