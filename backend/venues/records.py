"""Writing verification rows (one per scan event), the durable one-time use of codes, and double-use flags."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from piccolo.custom_types import Combinable
from piccolo.query.methods.select import Select

from backend.audit import chain as access_chain  # audit feature
from backend.family import services as family  # who showed a code for its holder
from backend.identity import services as identity  # a holder's merged records
from backend.lib import db
from backend.lib.batching import group_commit
from backend.venues.schemas import FlaggedUse, MyVerification
from backend.venues.tables import Verification

# An access record entry's content, as audit.services.entry makes it.
Entry = dict[str, Any]


class VerificationRow(msgspec.Struct, kw_only=True):
    """One row of venues_verification as it is written: a scan event, online or uploaded."""

    id: uuid.UUID
    venue: uuid.UUID
    scanner_id: uuid.UUID
    scenario: str
    result: str
    code_kind: str | None
    code_id: str | None
    card_id: uuid.UUID | None
    card_ref: str | None
    device_key_id: str | None
    person: uuid.UUID | None
    disclosed: list[str]  # attribute names shown to the venue
    at: dt.datetime
    retry: bool = False
    # The code id when this row claims the code's one accepted use (see tables.Verification).
    use_key: str | None = None
    offline: bool = False
    uploaded_at: dt.datetime | None = None
    double_use: bool = False
    upload_key: str | None = None  # offline rows: what makes a repeated upload a duplicate
    region: str | None = None  # another region's card (its province code); None for ours


def insertable(rows: list[VerificationRow]) -> list[dict[str, Any]]:
    """The rows as db.insert_rows takes them (a dict per row, every column named)."""
    return [msgspec.structs.asdict(row) for row in rows]


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
class FirstUse:
    """A code's committed accepted use: the row holding its `use_key`."""

    verification_id: uuid.UUID
    at: dt.datetime
    scanner_id: uuid.UUID
    scenario: str


@dataclass(frozen=True)
class Use:
    """What the database decided for a scan that claimed its code (see `record_scan`)."""

    kind: Literal["first", "again", "replayed"]
    # The code's committed use (again: the answer to repeat); None for `first`, and for a
    # replay whose first use could not be found.
    first: FirstUse | None = None


FIRST = Use("first")


async def first_uses(code_ids: list[str]) -> dict[str, FirstUse]:
    """The committed accepted use of each code, by code id."""
    rows = await db.fetch(
        "SELECT use_key, id, scanner_id, scenario, at FROM venues_verification WHERE " + db.any_of("use_key"),
        db.list_arg(code_ids),
    )
    return {
        row["use_key"]: FirstUse(
            uuid.UUID(str(row["id"])), db.time_column(row["at"]), uuid.UUID(str(row["scanner_id"])), row["scenario"]
        )
        for row in rows
    }


def decide(first: FirstUse | None, scanner_id: uuid.UUID | str, scenario: str) -> Use:
    """What a scan of a code gets when `first` (from `first_uses`) is the code's committed use:
    the same scanner asking again for the same scenario gets that use's answer (`again`);
    anyone else's scan is a replay."""
    if first is None:  # a claiming row lost, yet no use is committed (cannot happen): fail closed
        return Use("replayed")
    same = str(first.scanner_id) == str(scanner_id) and first.scenario == scenario
    return Use("again" if same else "replayed", first)


async def _write_scans(scans: list[tuple[VerificationRow, Entry | None]]) -> list[Use]:
    """One transaction for a batch of scans: their rows, and the access record entries of those
    that disclosed personal data (a scan's row and entry are written together or not at all).

    A row with `use_key` claims its code. The unique index decides, inside this commit, whether
    it is the code's one accepted use: a row that clashes with a committed use is written again
    as a retry (same scanner and scenario) or as a replay (anyone else), and the replay flags the
    accepted use as a double use. Nothing a scan answers comes from a claim that is not committed."""
    rows = [row for row, _ in scans]
    entries = [entry for _, entry in scans]
    uses = [FIRST] * len(rows)
    async with db.transaction():
        if not any(row.use_key for row in rows):
            await db.insert_rows(Verification, insertable(rows))
        else:
            # A code claimed twice in one batch (a retry queued beside its first attempt, with
            # the same id): the later rows wait, and lose to the first inside this transaction.
            later = _claimed_again(rows)
            now = rows if not later else [row for i, row in enumerate(rows) if i not in later]
            written = await db.insert_rows(Verification, insertable(now), skip_conflicts=True)
            if len(written) < len(rows):  # rare (the store had lost a claim): find who lost
                kept = {str(i) for i in written}
                lost = [i for i, row in enumerate(rows) if i not in later and str(row.id) not in kept] + sorted(later)
                keys = [rows[i].use_key for i in lost]  # only a row that claims its code can lose
                firsts = await first_uses([key for key in keys if key is not None])
                replays = []
                for i, key in zip(lost, keys, strict=True):
                    uses[i] = decide(firsts.get(key) if key is not None else None, rows[i].scanner_id, rows[i].scenario)
                    rows[i] = _as_lost(rows[i], uses[i])
                    entries[i] = _entry_as_lost(entries[i], uses[i])
                    first = uses[i].first
                    if uses[i].kind == "replayed" and first is not None:
                        replays.append(first.verification_id)
                await db.insert_rows(Verification, insertable([rows[i] for i in lost]))
                if replays:
                    await Verification.update({Verification.double_use: True}).where(Verification.id.is_in(replays)).run()
            for i, use in enumerate(uses):
                entry = entries[i]
                if use is FIRST and entry is not None and entry["action"] != "verification":
                    entries[i] = {**entry, "action": "verification"}  # a retry whose first never committed
        await access_chain.append_many([entry for entry in entries if entry is not None])
    return uses


def _claimed_again(rows: list[VerificationRow]) -> set[int]:
    """Indexes of rows claiming a code an earlier row of the same batch claims."""
    seen: set[str] = set()
    again: set[int] = set()
    for i, row in enumerate(rows):
        key = row.use_key
        if key is not None:
            if key in seen:
                again.add(i)
            seen.add(key)
    return again


def _as_lost(row: VerificationRow, use: Use) -> VerificationRow:
    if use.kind == "again":
        return msgspec.structs.replace(row, id=new_id(), use_key=None, retry=True)
    return msgspec.structs.replace(row, id=new_id(), use_key=None, retry=False, result="replayed", disclosed=[])


def _entry_as_lost(entry: Entry | None, use: Use) -> Entry | None:
    if entry is None or use.kind == "replayed":
        return None  # a refused scan disclosed nothing
    return {**entry, "action": "verification.retry"}


_scans = group_commit(_write_scans)


async def record_scan(row: VerificationRow, entry: Entry | None) -> Use:
    """Write one online scan's row (and its access record entry, if any), group-committed with
    the scans arriving at the same moment; returns once they are committed, with what the
    database decided when the row claims its code (`use_key`): `first` (this row is the code's
    accepted use), `again` (the same scanner's retry of a committed use: answer that use) or
    `replayed` (the code was already used; the row was written as a replay, its entry dropped)."""
    use: Use = await _scans.submit((row, entry))
    return use


async def _keyset(query: Select[Verification], before: uuid.UUID | None, scope: Combinable) -> Select[Verification]:
    """Newest first by (at, id); `before` is the id of the last row of the previous page and
    must lie within `scope`, else the page starts from the top (no probing of others' rows)."""
    if before is not None:
        anchor = await Verification.select(Verification.at).where(scope & (Verification.id == before)).first().run()
        if anchor is not None:
            at = anchor["at"]
            query = query.where((Verification.at < at) | ((Verification.at == at) & (Verification.id < before)))
    return query.order_by(Verification.at, Verification.id, ascending=False)


async def _page(query: Select[Verification], limit: int) -> tuple[list[dict[str, Any]], uuid.UUID | None]:
    rows = await query.limit(limit + 1).output(load_json=True).run()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more and rows else None)


async def for_person(person_id: str, *, limit: int, before: uuid.UUID | None) -> tuple[list[MyVerification], uuid.UUID | None]:
    """The holder's access record: who verified their card, for what, and what they saw
    (checks of a card of a record merged into theirs included). The same scanner asking again
    for an accepted use (`retry` rows: a repeat scan or a network retry) is no visit of its own:
    those rows stay on record for audit, and their accepted use counts them in `repeats`."""
    scope = Verification.person.is_in(await identity.person_ids(person_id)) & (Verification.retry == False)  # noqa: E712
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
        Verification.code_id,  # leads to a family proxy who showed the code; not part of the answer
        Verification.scanner_id,  # with code_id: whose repeats count for this use; not part of the answer
    ).where(scope)
    rows, next_before = await _page(await _keyset(query, before, scope), limit)
    proxies = await family.presenters([row["code_id"] for row in rows if row["code_id"]])
    repeats = await _repeats([row["code_id"] for row in rows if row["code_id"] and row["result"] == "valid"])
    hidden = ("code_id", "scanner_id")
    return [
        MyVerification(
            **{k: v for k, v in row.items() if k not in hidden},
            presented_by=proxies.get(row["code_id"] or ""),
            repeats=repeats.get((row["code_id"], str(row["scanner_id"]), row["scenario"]), 0) if row["result"] == "valid" else 0,
        )
        for row in rows
    ], next_before


async def _repeats(code_ids: list[str]) -> dict[tuple[str, str, str], int]:
    """How often the same scanner asked again for each accepted use, by (code id, scanner, scenario)."""
    if not code_ids:
        return {}
    rows = await db.fetch(
        "SELECT code_id, scanner_id, scenario, COUNT(*) AS n FROM venues_verification WHERE retry = {} AND "
        + db.any_of("code_id")
        + " GROUP BY code_id, scanner_id, scenario",
        True,
        db.list_arg(code_ids),
    )
    return {(row["code_id"], str(row["scanner_id"]), row["scenario"]): int(row["n"]) for row in rows}


async def flagged(*, limit: int, before: uuid.UUID | None) -> tuple[list[FlaggedUse], uuid.UUID | None]:
    """Accepted uses of codes that were used more than once, for provincial operators."""
    scope = Verification.double_use == True  # noqa: E712
    query = Verification.select(
        Verification.id.as_alias("verification_id"),
        Verification.id,  # the page's key (`next_before`), not part of the answer
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
    rows, next_before = await _page(await _keyset(query, before, scope), limit)
    return [FlaggedUse(**{k: v for k, v in row.items() if k != "id"}) for row in rows], next_before
