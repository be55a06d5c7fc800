"""The revocation feed: written with every usability change, read in deltas or as a snapshot."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.cards.tables import OfflineCredential, RevocationEntry
from backend.lib import db

# Any constant shared by all writers: pg_advisory_xact_lock(key) held until commit.
_FEED_LOCK = 0x596B5256  # "YkRV"
_UNUSABLE_CARD = ("suspended", "cancelled")
MAX_BATCH = 1000
# An offline credential of format 2 is outstanding (listed, and given feed entries) while
# exp + GRACE is ahead: verifiers accept it up to their clock skew past exp, and GRACE is more
# than any skew we configure (settings.clock_skew_seconds, 5 s by default).
GRACE = dt.timedelta(seconds=300)


class Pending:
    """Revocation entries a transaction will write as its last step."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], str] = {}
        self._devices: set[uuid.UUID] = set()  # devices revoked by this transaction

    def card(self, ref: str, status: str) -> None:
        # Keyed by ref: within one transaction only the final status matters to a verifier.
        self._entries[("card", ref)] = status

    def device(self, key_id: str | None, device_id: uuid.UUID | None = None) -> None:
        """The device's long-term key is revoked; with its id, its offline credentials are too."""
        if key_id:
            self._entries[("device", key_id)] = "revoked"
        if device_id is not None:
            self._devices.add(uuid.UUID(str(device_id)))

    async def _credential_entries(self, at: dt.datetime) -> dict[str, str]:
        """cred_ref -> status for the outstanding credentials (format 2) of the cards and devices
        this transaction changed. An offline verifier cannot tell which card a credential belongs
        to, so each one is listed by itself (issue 18)."""
        cards = {ref: status for (kind, ref), status in self._entries.items() if kind == "card"}
        if not cards and not self._devices:
            return {}
        of_cards = OfflineCredential.card.ref.is_in(list(cards)) if cards else None
        of_devices = OfflineCredential.device.is_in(list(self._devices)) if self._devices else None
        named = of_devices if of_cards is None else of_cards if of_devices is None else (of_cards | of_devices)
        rows = await (
            OfflineCredential.select(
                OfflineCredential.ref,
                OfflineCredential.device,
                OfflineCredential.card.ref.as_alias("card_ref"),
                OfflineCredential.device.status.as_alias("device_status"),
            )
            .where((OfflineCredential.exp > at - GRACE) & named)  # type: ignore[operator]  # one of the two is set
            .run()
        )
        out: dict[str, str] = {}
        for row in rows:
            revoked_here = uuid.UUID(str(row["device"])) in self._devices
            status = cards.get(row["card_ref"])
            if status is not None and (row["device_status"] == "bound" or revoked_here):
                # The card's word wins over its phone's in the same transaction (a cancelled card
                # unbinds its phones: its credentials say "cancelled"), except that a card coming
                # back never brings back the credentials of a phone revoked with it.
                out[row["ref"]] = "revoked" if status == "active" and revoked_here else status
            elif revoked_here:
                out[row["ref"]] = "revoked"
            # else: its phone was revoked earlier, and its credentials with it: they stay revoked.
        return out

    async def write(self, at: dt.datetime) -> None:
        """Append the entries. Call last in the transaction: on PostgreSQL it takes the feed
        lock, so versions become visible in commit order and a reader that has seen version N
        never later finds an N-1 it missed. The credentials of the cards and devices it names
        are read here, in the same transaction: card changes and credential issuance both
        compare-and-set the card's version, so none is issued unseen (cards.services)."""
        credentials = await self._credential_entries(at)
        if not self._entries and not credentials:
            return
        await db.advisory_lock(_FEED_LOCK)
        rows = [RevocationEntry(kind=k, ref=ref, status=s, at=at) for (k, ref), s in self._entries.items()]
        # Sorted: the feed's order never depends on the database's row order.
        rows += [RevocationEntry(kind="credential", ref=ref, status=s, at=at) for ref, s in sorted(credentials.items())]
        await RevocationEntry.insert(*rows).run()
        self._entries.clear()
        self._devices.clear()


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of the feed: card `ref` (hex), device key id or credential ref (format 2), and
    the status it now has."""

    version: int
    kind: str  # card | device | credential
    ref: str
    status: str  # card: active | suspended | cancelled; device: revoked; credential: any of these
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


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """The full list as of one version: unusable cards, revoked device keys and the outstanding
    credentials (format 2) whose latest status is not active, by cred_ref."""

    version: int
    cards: dict[str, str]
    devices: list[str]
    credentials: dict[str, str]


async def snapshot(now: dt.datetime | None = None) -> Snapshot:
    """The full list (Snapshot) as of the feed's current version."""
    now = now or dt.datetime.now(dt.UTC)
    version = await current_version()
    # Latest entry per (kind, ref) up to `version`: later entries supersede earlier ones.
    rows = await RevocationEntry.raw(
        "SELECT r.kind, r.ref, r.status FROM cards_revocation r "
        "JOIN (SELECT kind, ref, MAX(version) AS v FROM cards_revocation WHERE kind <> 'credential' AND version <= {} "
        "GROUP BY kind, ref) m "
        "ON r.version = m.v",
        version,
    ).run()
    cards = {r["ref"]: r["status"] for r in rows if r["kind"] == "card" and r["status"] in _UNUSABLE_CARD}
    devices = sorted(r["ref"] for r in rows if r["kind"] == "device" and r["status"] == "revoked")
    return Snapshot(version=version, cards=cards, devices=devices, credentials=await _credentials(version, now))


async def _credentials(version: int, now: dt.datetime) -> dict[str, str]:
    """cred_ref -> latest status (not active) up to `version`, of credentials still outstanding:
    one that expired needs no entry, so the list stays as long as a few hours of issuance."""
    rows = await RevocationEntry.raw(
        "SELECT r.ref, r.status FROM cards_revocation r "
        "JOIN (SELECT ref, MAX(version) AS v FROM cards_revocation WHERE kind = 'credential' AND version <= {} "
        "GROUP BY ref) m ON r.version = m.v "
        "JOIN cards_offline_credential c ON c.ref = r.ref "
        "WHERE c.exp > {}",
        version,
        now - GRACE,
    ).run()
    return {r["ref"]: r["status"] for r in sorted(rows, key=lambda r: r["ref"]) if r["status"] != "active"}
