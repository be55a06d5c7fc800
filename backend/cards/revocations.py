"""The revocation feed: written with every usability change, read in deltas or as a snapshot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from backend.cards.tables import RevocationEntry
from backend.lib import db

# Any constant shared by all writers: pg_advisory_xact_lock(key) held until commit.
_FEED_LOCK = 0x596B5256  # "YkRV"
_UNUSABLE_CARD = ("suspended", "cancelled")
MAX_BATCH = 1000


class Pending:
    """Revocation entries a transaction will write as its last step."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], str] = {}

    def card(self, ref: str, status: str) -> None:
        # Keyed by ref: within one transaction only the final status matters to a verifier.
        self._entries[("card", ref)] = status

    def device(self, key_id: str | None) -> None:
        if key_id:
            self._entries[("device", key_id)] = "revoked"

    async def write(self, at: dt.datetime) -> None:
        """Append the entries. Call last in the transaction: on PostgreSQL it takes the feed
        lock, so versions become visible in commit order and a reader that has seen version N
        never later finds an N-1 it missed."""
        if not self._entries:
            return
        await db.advisory_lock(_FEED_LOCK)
        rows = [RevocationEntry(kind=k, ref=ref, status=s, at=at) for (k, ref), s in self._entries.items()]
        await RevocationEntry.insert(*rows).run()
        self._entries.clear()


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of the feed: card `ref` (hex) or device key id, and the status it now has."""

    version: int
    kind: str  # card | device
    ref: str
    status: str  # card: active | suspended | cancelled; device: revoked
    at: dt.datetime


def _entry(row: dict[str, Any]) -> FeedEntry:
    return FeedEntry(version=row["version"], kind=row["kind"], ref=row["ref"], status=row["status"], at=row["at"])


async def current_version() -> int:
    row = await RevocationEntry.select(RevocationEntry.version).order_by(RevocationEntry.version, ascending=False).first().run()
    return row["version"] if row else 0


async def since(version: int, limit: int = MAX_BATCH) -> tuple[int, list[FeedEntry]]:
    """Entries after `version`, oldest first, at most `limit`; and the version to ask from next."""
    rows = (
        await RevocationEntry.select()
        .where(RevocationEntry.version > max(0, int(version)))
        .order_by(RevocationEntry.version)
        .limit(max(1, min(int(limit), MAX_BATCH)))
        .run()
    )
    if rows:
        return rows[-1]["version"], [_entry(r) for r in rows]
    # Nothing new: stay where the caller is, unless it is ahead of us (a reset feed), then resync.
    return min(max(int(version), 0), await current_version()), []


async def snapshot() -> tuple[int, dict[str, str], list[str]]:
    """(version, card_ref -> suspended|cancelled, revoked device key ids) as of one version."""
    version = await current_version()
    # Latest entry per (kind, ref) up to `version`: later entries supersede earlier ones.
    rows = await RevocationEntry.raw(
        "SELECT r.kind, r.ref, r.status FROM cards_revocation r "
        "JOIN (SELECT kind, ref, MAX(version) AS v FROM cards_revocation WHERE version <= {} GROUP BY kind, ref) m "
        "ON r.version = m.v",
        version,
    ).run()
    cards = {r["ref"]: r["status"] for r in rows if r["kind"] == "card" and r["status"] in _UNUSABLE_CARD}
    devices = sorted(r["ref"] for r in rows if r["kind"] == "device" and r["status"] == "revoked")
    return version, cards, devices
