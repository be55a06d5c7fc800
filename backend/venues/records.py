"""Writing verification rows (one per scan event), the durable one-time use of codes, and double-use flags."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from dataclasses import dataclass

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
    if not db.is_sqlite():  # advisory_lock checks too; here SQLite skips even the call (a scan's path)
        await db.advisory_lock(f"yk-code:{code_id}")


async def flag_code(code_id: str) -> None:
    """Mark every accepted use of the code as a double use."""
    await (
        Verification.update({Verification.double_use: True})
        .where((Verification.code_id == code_id) & (Verification.result == "valid"))
        .run()
    )


async def flag_if_used_twice(code_id: str) -> bool:
    """Mark every accepted use of the code as a double use when there is more than one.

    Online retries are the same use (one scanner, one claim), so they do not count.
    """
    uses = (
        await Verification.count()
        .where(
            (Verification.code_id == code_id) & (Verification.result == "valid") & (Verification.retry == False)  # noqa: E712
        )
        .run()
    )
    if uses < 2:
        return False
    await flag_code(code_id)
    return True


@dataclass(frozen=True)
class Use:
    """What the database decided for a scan that claimed its code (see `record_scan`)."""

    kind: str  # first | again | replayed
    verification_id: uuid.UUID | None = None  # again: the first use's row, the answer to repeat
    at: dt.datetime | None = None
    scanner_id: uuid.UUID | None = None
    scenario: str | None = None


FIRST = Use("first")


async def first_uses(code_ids: list[str]) -> dict[str, dict]:
    """The committed accepted use of each code, by code id."""
    rows = await db.fetch(
        "SELECT use_key, id, scanner_id, scenario, at FROM venues_verification WHERE " + db.any_of("use_key"),
        db.list_arg(code_ids),
    )
    return {row["use_key"]: row for row in rows}


def decide(first: dict | None, scanner_id: object, scenario: str) -> Use:
    """What a scan of a code gets when `first` (from `first_uses`) is the code's committed use:
    the same scanner asking again for the same scenario gets that use's answer (`again`);
    anyone else's scan is a replay."""
    if first is None:  # a claiming row lost, yet no use is committed (cannot happen): fail closed
        return Use("replayed")
    same = str(first["scanner_id"]) == str(scanner_id) and first["scenario"] == scenario
    return Use(
        "again" if same else "replayed",
        uuid.UUID(str(first["id"])),
        db.time_column(first["at"]),
        uuid.UUID(str(first["scanner_id"])),
        first["scenario"],
    )


async def _write_scans(scans: list[tuple[dict, dict | None]]) -> list[Use]:
    """One transaction for a batch of scans: their rows, and the access record entries of those
    that disclosed personal data (a scan's row and entry are written together or not at all).

    A row with `use_key` claims its code. The unique index decides, inside this commit, whether
    it is the code's one accepted use: a row that clashes with a committed use is written again
    as a retry (same scanner and scenario) or as a replay (anyone else), and the replay flags the
    accepted use as a double use. Nothing a scan answers comes from a claim that is not committed."""
    rows = [{**_ONLINE_DEFAULTS, **row} for row, _ in scans]
    entries = [entry for _, entry in scans]
    uses = [FIRST] * len(rows)
    async with db.transaction():
        if not any(row["use_key"] for row in rows):
            await db.insert_rows(Verification, rows)
        else:
            # A code claimed twice in one batch (a retry queued beside its first attempt, with
            # the same id): the later rows wait, and lose to the first inside this transaction.
            later = _claimed_again(rows)
            now = rows if not later else [row for i, row in enumerate(rows) if i not in later]
            written = await db.insert_rows(Verification, now, skip_conflicts=True)
            if len(written) < len(rows):  # rare (the store had lost a claim): find who lost
                kept = {str(i) for i in written}
                lost = [i for i, row in enumerate(rows) if i not in later and str(row["id"]) not in kept] + sorted(later)
                firsts = await first_uses([rows[i]["use_key"] for i in lost])
                replays = []
                for i in lost:
                    uses[i] = decide(firsts.get(rows[i]["use_key"]), rows[i]["scanner_id"], rows[i]["scenario"])
                    rows[i] = _as_lost(rows[i], uses[i])
                    entries[i] = _entry_as_lost(entries[i], uses[i])
                    if uses[i].kind == "replayed" and uses[i].verification_id is not None:
                        replays.append(uses[i].verification_id)
                await db.insert_rows(Verification, [rows[i] for i in lost])
                if replays:
                    await Verification.update({Verification.double_use: True}).where(Verification.id.is_in(replays)).run()
            for i, use in enumerate(uses):
                entry = entries[i]
                if use is FIRST and entry is not None and entry["action"] != "verification":
                    entries[i] = {**entry, "action": "verification"}  # a retry whose first never committed
        await access_chain.append_many([entry for entry in entries if entry is not None])
    return uses


def _claimed_again(rows: list[dict]) -> set[int]:
    """Indexes of rows claiming a code an earlier row of the same batch claims."""
    seen: set[str] = set()
    again: set[int] = set()
    for i, row in enumerate(rows):
        key = row["use_key"]
        if key is not None:
            if key in seen:
                again.add(i)
            seen.add(key)
    return again


def _as_lost(row: dict, use: Use) -> dict:
    if use.kind == "again":
        return {**row, "id": new_id(), "use_key": None, "retry": True}
    return {**row, "id": new_id(), "use_key": None, "retry": False, "result": "replayed", "disclosed": []}


def _entry_as_lost(entry: dict | None, use: Use) -> dict | None:
    if entry is None or use.kind == "replayed":
        return None  # a refused scan disclosed nothing
    return {**entry, "action": "verification.retry"}


# The columns an online scan's row leaves at their defaults, spelled out for insert_rows.
_ONLINE_DEFAULTS = {"offline": False, "uploaded_at": None, "double_use": False, "upload_key": None, "use_key": None}
_scans = group_commit(_write_scans)


async def record_scan(row: dict, entry: dict | None) -> Use:
    """Write one online scan's row (and its access record entry, if any), group-committed with
    the scans arriving at the same moment; returns once they are committed, with what the
    database decided when the row claims its code (`use_key`): `first` (this row is the code's
    accepted use), `again` (the same scanner's retry of a committed use: answer that use) or
    `replayed` (the code was already used; the row was written as a replay, its entry dropped)."""
    return await _scans.submit((row, entry))


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
