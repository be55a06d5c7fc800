"""The hash chain: canonical encoding, serialised appends, and the check that finds the first broken link."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.audit.schemas import AuditRecord
from backend.audit.tables import AccessEntry
from backend.lib import db
from backend.lib.canonical import canonical_json, iso

# An entry's columns by name, as insert_rows takes them and Piccolo reads them back.
Row = dict[str, Any]

GENESIS = "0" * 64
DOMAIN = b"yikatong-access-record-v1\n"
# One advisory lock for the one chain (any constant bigint; "YKAUDIT" in ASCII).
PG_LOCK_KEY = 0x594B4155444954
HASHED = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_org",
    "actor_name",
    "person",
    "action",
    "fields",
    "purpose",
    "basis_kind",
    "basis_ref",
    "result",
    "result_code",
    "prev_hash",
)


def _text(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return iso(value)
    return value


def entry_hash(row: Row) -> str:
    """SHA-256 over the entry's content and the previous hash. `seq` is left out on purpose:
    it is only the position, and a moved row shows as a link that no longer fits."""
    content = {name: _text(row[name]) for name in HASHED}
    return hashlib.sha256(DOMAIN + canonical_json(content)).hexdigest()


async def append(content: Row) -> AuditRecord:
    """Add one entry at the head of the chain and return it as written; joins the caller's
    transaction if there is one, so the entry commits (or not) together with the access it records."""
    return AuditRecord(**(await _write([content]))[0])


async def append_many(contents: list[Row]) -> None:
    """Add entries at the head of the chain in this order, under one lock and one head read
    (how group-committed verifications share the cost of the chain). Nothing is built from
    the rows afterwards: this is the verification write path, and no caller reads them back."""
    await _write(contents)


async def _write(contents: list[Row]) -> list[Row]:
    async with db.transaction():
        # Appenders one at a time until the transaction ends: two could otherwise both read
        # the same head and fork the chain (on SQLite, IMMEDIATE transactions already do it).
        await db.advisory_lock(PG_LOCK_KEY)
        head = await db.fetch_one("SELECT seq, hash FROM audit_access_entry ORDER BY seq DESC LIMIT 1")
        seq, prev_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
        rows = []
        for content in contents:
            seq += 1
            # Taken under the lock, so times never run backwards along the chain.
            row = {**content, "id": uuid.uuid4(), "at": dt.datetime.now(dt.UTC), "seq": seq, "prev_hash": prev_hash}
            row["hash"] = prev_hash = entry_hash(row)
            rows.append(row)
        await db.insert_rows(AccessEntry, rows)
    return rows


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    seq: int  # position where the problem shows
    entry_id: str | None
    kind: str  # edited | deleted | reordered | broken_link | anchor_mismatch | truncated | bad_anchor | anchors_deleted
    message: str


@dataclass(frozen=True)
class Checkpoint:
    """A position whose hash is known from outside the chain: a signed anchor (`label` names it,
    e.g. "anchor 12") or a head noted down by hand (no label)."""

    seq: int
    hash: str
    label: str


@dataclass(frozen=True)
class Report:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_break: Break | None = None


async def _hash_exists(value: str) -> bool:
    return await AccessEntry.exists().where(AccessEntry.hash == value).run()


async def _check_link(row: Row, prev_seq: int, prev_hash: str) -> Break | None:
    seq, rid = row["seq"], str(row["id"])
    if entry_hash(row) != row["hash"]:
        return Break(seq, rid, "edited", f"Entry {seq} was changed after it was written: its content no longer matches its hash.")
    if seq != prev_seq + 1:
        missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1} to {seq - 1}"
        return Break(seq, rid, "deleted", f"Entry {missing} is missing: the chain jumps from {prev_seq} to {seq}.")
    if row["prev_hash"] != prev_hash:
        if await _hash_exists(row["prev_hash"]):
            return Break(
                seq, rid, "reordered", f"Entry {seq} is out of order: it was written after another entry than {prev_seq}."
            )
        return Break(
            seq,
            rid,
            "broken_link",
            f"Entry {seq} does not follow entry {prev_seq}: an entry between them was removed or rewritten.",
        )
    return None


async def verify(*, anchor: tuple[int, str] | None = None, anchors: Sequence[Checkpoint] = (), batch: int = 1000) -> Report:
    """Walk the whole chain in order and report the first broken link.

    `anchor` (seq, hash), noted down earlier outside the database, and `anchors` (the signed
    anchors, backend/audit/anchors.py) also catch a rewritten or truncated tail, which a chain
    alone cannot show.
    """
    points: dict[int, Checkpoint] = {}
    for point in anchors:
        if point.seq > 0:
            points.setdefault(point.seq, point)
    if anchor is not None:
        points[anchor[0]] = Checkpoint(anchor[0], anchor[1], "")
    count, prev_seq, prev_hash = 0, 0, GENESIS
    while True:
        rows: list[Row] = (
            await AccessEntry.select()
            .where(AccessEntry.seq > prev_seq)
            .order_by(AccessEntry.seq)
            .limit(batch)
            .output(load_json=True)
            .run()
        )
        if not rows:
            break
        for row in rows:
            problem = await _check_link(row, prev_seq, prev_hash)
            if problem is not None:
                return Report(False, count, prev_seq, prev_hash, problem)
            known = points.get(row["seq"])
            if known is not None and row["hash"] != known.hash:
                if known.label:
                    message = f"Entry {row['seq']} no longer has the hash {known.label} signed for it: the chain was rewritten from there on."
                else:
                    message = f"Entry {row['seq']} no longer has the hash noted down as the anchor."
                return Report(False, count, prev_seq, prev_hash, Break(row["seq"], str(row["id"]), "anchor_mismatch", message))
            count, prev_seq, prev_hash = count + 1, row["seq"], row["hash"]
    beyond = [p for p in points.values() if p.seq > prev_seq]
    if beyond:
        last = max(beyond, key=lambda p: p.seq)
        if last.label:
            message = (
                f"The chain ends at entry {prev_seq}, but {last.label} was signed when it reached entry {last.seq}: "
                f"entries {prev_seq + 1} to {last.seq} were removed from the end."
            )
            return Report(False, count, prev_seq, prev_hash, Break(last.seq, None, "truncated", message))
        message = f"The chain ends at {prev_seq}, before the anchor entry {last.seq}: entries were removed from its end."
        return Report(False, count, prev_seq, prev_hash, Break(last.seq, None, "deleted", message))
    return Report(True, count, prev_seq, prev_hash)
