"""Offline scanners: the revocation list they sync, and the results they upload afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

import msgspec

from backend.audit import chain as access_chain
from backend.cards import services as cards
from backend.cards.services import CodeSubject
from backend.catalog import services as catalog
from backend.catalog.scenarios import Scenario
from backend.codes import presented
from backend.federation import services as federation  # federation feature: forwarding other regions' scans
from backend.federation.schemas import PeerOfflineResult, PeerVenue
from backend.federation.vocab import DISCLOSE, Disclose
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.venues import access_record, records
from backend.venues.schemas import OfflineResult, RevocationChange, RevocationList, VenueOut
from backend.venues.services import venue_of_scanner
from backend.venues.tables import Verification

JWKS_URL = "/.well-known/jwks.json"
# A scanner's clock may run ahead; results further in the future than this are refused.
FUTURE_TOLERANCE = 600
DELTA_LIMIT = 1000  # more changes than this since a scanner's version: send the full list
_MAX_VERSION = 2**31 - 1  # the feed's versions are a 32-bit serial


def _utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def _parse_since(since: str | None) -> int | None:
    """The version to sync from, or None for a full list (absent, not a number, negative)."""
    if since is None or not since.isascii() or not since.isdigit() or len(since) > 10:
        return None
    value = int(since)
    return value if value <= _MAX_VERSION else None


def list_ages(settings: Settings) -> tuple[int, int]:
    """How old a scanner's offline lists may get, in seconds, before an offline verdict warns and
    before the scanner refuses to verify offline (sent with every revocation list)."""
    return settings.offline_lists_warn_hours * 3600, settings.offline_lists_max_hours * 3600


async def revocation_list(since: str | None, now: int, settings: Settings) -> RevocationList:
    """A delta since version `since` when we can give one, else the full list."""
    warn, limit = list_ages(settings)
    start = _parse_since(since)
    if start is not None:
        version, entries = await cards.revocations_since(start, limit=DELTA_LIMIT)
        # A delta is given only when it is complete; a scanner that fell further behind
        # (or names a version from the future) is better served by the whole list.
        if start <= version and len(entries) < DELTA_LIMIT:
            changes = [RevocationChange(version=e.version, kind=e.kind, ref=e.ref, status=e.status, at=e.at) for e in entries]
            return RevocationList(
                version=version,
                full=False,
                since=start,
                changes=changes,
                generated_at=_utc(now),
                jwks_url=JWKS_URL,
                warn_age_seconds=warn,
                max_age_seconds=limit,
            )
    # A version from the future (another deployment, a reset database) gets the full list.
    full = await cards.revocation_list(_utc(now))
    return RevocationList(
        version=full.version,
        full=True,
        cards=dict(full.cards),
        devices=sorted(full.devices),
        credentials=dict(full.credentials),
        generated_at=_utc(now),
        jwks_url=JWKS_URL,
        warn_age_seconds=warn,
        max_age_seconds=limit,
    )


def _upload_key(scanner_id: str, item: OfflineResult) -> str:
    stamp = int(item.verified_at.timestamp())
    return hashlib.sha256(f"{scanner_id}|{item.code_id or '-'}|{stamp}".encode()).hexdigest()


async def upload_results(
    principal: Principal, items: list[OfflineResult], *, store: Store, settings: Settings, now: int
) -> tuple[int, int, list[str], list[int]]:
    """Store the results as offline verification rows; (accepted, duplicates, flagged code ids,
    indexes of results refused because the venue did not serve their scenario then)."""
    venue = await venue_of_scanner(principal)
    scanner_id = principal.scanner_id or principal.id
    for index, item in enumerate(items):
        if item.verified_at.timestamp() > now + FUTURE_TOLERANCE:
            raise ApiError(
                422, "verify.result_in_future", "A result is dated in the future; check the scanner clock.", index=index
            )
    # As online: a scan for a scenario the scanner's venue does not serve (at the scan's time),
    # or not offline, is kept as `scenario_not_allowed`, tied to no holder, and uses no code.
    refused = [i for i, item in enumerate(items) if not await _serves(venue, item)]
    refused_set = set(refused)
    # Another region's code is never looked up among our cards: a cred_ref is random, and a chance
    # match would put a stranger's scan on our holder's record. It is kept as a foreign scan.
    foreign = {n for n, item in enumerate(items) if is_foreign(item, settings)}
    mine = [(n, i) for n, i in enumerate(items) if n not in refused_set and n not in foreign]
    subjects = {ref: await cards.card_for_code(ref) for ref in {i.card_ref for _, i in mine if i.card_ref and not i.cred_ref}}
    # Format 2: the credential's reference names the card (only here, never at the gate).
    holders = {ref: await cards.card_for_credential(ref) for ref in {i.cred_ref for _, i in mine if i.cred_ref}}
    definitions = await catalog.definitions({i.scenario for i in items})  # what each scenario showed offline
    # What our import of each region lets its codes show here (regions not imported: absent).
    imported = await federation.import_disclosure({items[n].region or "" for n in foreign})
    uploaded_at = _utc(now)
    rows: dict[str, records.VerificationRow] = {}
    foreign_items: dict[str, OfflineResult] = {}  # by upload key
    for index, item in enumerate(items):
        key = _upload_key(scanner_id, item)
        if key in rows:
            continue
        if index in refused_set:
            rows[key] = _refused_row(item, key, venue.id, scanner_id, uploaded_at)
        elif index in foreign:
            row = _foreign_row(item, key, venue.id, scanner_id, uploaded_at, definitions.get(item.scenario))
            rows[key] = msgspec.structs.replace(
                row, disclosed=[d for d in row.disclosed if d in imported.get(item.region or "", [])]
            )
            foreign_items[key] = item
        elif item.cred_ref:
            holder = holders.get(item.cred_ref)
            row = _row(
                item, key, venue.id, scanner_id, holder.subject if holder else None, uploaded_at, definitions.get(item.scenario)
            )
            if holder is not None:
                row.card_ref, row.device_key_id = holder.subject.card_ref, row.device_key_id or holder.key_id
            rows[key] = row
        else:
            subject = subjects.get(item.card_ref) if item.card_ref else None
            rows[key] = _row(item, key, venue.id, scanner_id, subject, uploaded_at, definitions.get(item.scenario))
    # A foreign code's one use is its issuer's to keep: it claims nothing here (no use_key, no
    # store claim), and its double use is flagged by the issuer once the scan is forwarded.
    ours = [row for key, row in rows.items() if key not in foreign_items]
    claim_first_uses(ours)
    # Access record entries for scans that disclosed data, prepared before the transaction
    # (the catalog lookup may wait; nothing that waits runs while a transaction holds a connection).
    entries = {
        row.id: await access_record.verification_entry(
            venue=venue,
            scanner_id=scanner_id,
            scenario_name=row.scenario,
            disclosed=row.disclosed,
            certificate=None,
            person_id=row.person,
            retry=False,
        )
        for row in rows.values()
        if row.disclosed and row.person is not None
    }

    async def forward(new: list[records.VerificationRow]) -> None:
        await _forward(new, foreign_items, imported, venue)

    new, flagged = await write_uploaded(
        list(rows.values()),
        entries,
        claims={str(r.id) for r in ours},
        scanner_id=scanner_id,
        store=store,
        settings=settings,
        now=now,
        also=forward,
    )
    accepted = sum(1 for row in new if row.result != "scenario_not_allowed")
    return accepted, len(items) - len(new), flagged, refused


async def write_uploaded(
    rows: list[records.VerificationRow],
    entries: dict[uuid.UUID, records.Entry],
    *,
    claims: set[str],
    scanner_id: str,
    store: Store,
    settings: Settings,
    now: int,
    also: Callable[[list[records.VerificationRow]], Awaitable[None]] | None = None,
) -> tuple[list[records.VerificationRow], list[str]]:
    """Write uploaded offline rows in one transaction: the new ones (a repeated upload adds nothing),
    the access record entries of those that disclosed data, and `also` (e.g. jobs) for the new rows;
    then flag each code used more than once. Only rows whose id is in `claims` use their code (here
    and in the store). Returns (the rows written, flagged code ids)."""
    valid_codes = sorted({r.code_id for r in rows if str(r.id) in claims and r.result == "valid" and r.code_id})
    flagged: list[str] = []
    async with db.transaction():
        for code_id in valid_codes:  # sorted: every writer locks in the same order, no deadlock
            await records.lock_code(code_id)
        new = await _insert(rows)
        if also is not None:
            await also(new)
        for row in new:
            if row.id in entries:
                await access_chain.append(entries[row.id])
        used = [r for r in new if r.result == "valid" and r.code_id and str(r.id) in claims]
        for code_id in sorted({r.code_id for r in used if r.code_id}):
            if await records.flag_if_used_twice(code_id):
                flagged.append(code_id)
    claimed = await _consume(store, settings, scanner_id, used, now)
    for code_id in sorted(claimed - set(flagged)):
        # Someone else (an online scan whose row may not be committed yet) already used it.
        await records.flag_code(code_id)
        flagged.append(code_id)
    return new, flagged


async def _forward(
    new: list[records.VerificationRow], foreign: dict[str, OfflineResult], imported: dict[str, list[str]], venue: VenueOut
) -> None:
    """Queue the new scans of imported regions' credentials for their issuers, one job per region,
    so the holder sees the scan on their own record there. Inside the upload's transaction."""
    shown_at = PeerVenue(name=venue.name, type=venue.venue_type, city=venue.city_code)
    batches: dict[str, list[PeerOfflineResult]] = {}
    for row in new:
        item = foreign.get(row.upload_key or "")
        if item is None or item.cred_ref is None or item.region not in imported or row.upload_key is None:
            continue
        batches.setdefault(item.region, []).append(
            PeerOfflineResult(
                key=row.upload_key,
                cred_ref=item.cred_ref,
                code_id=item.code_id,
                scenario=item.scenario,
                result=item.result,
                verified_at=int(row.at.timestamp()),
                disclosed=cast(list[Disclose], [d for d in row.disclosed if d in DISCLOSE]),
                venue=shown_at,
            )
        )
    for region, results in sorted(batches.items()):
        await federation.forward_offline(region, results)


def is_foreign(item: OfflineResult, settings: Settings) -> bool:
    """A result for another region's code (its `region` is not ours)."""
    return item.region is not None and item.region != settings.region_code


async def _serves(venue: VenueOut, item: OfflineResult) -> bool:
    """The venue served the scenario at the result's time, and offline: a scenario asking more
    proofing than an offline credential shows (hotel check-in) is online only, so an offline
    scanner's result for it is refused like a scenario the venue does not serve."""
    scenario = await catalog.scenario_for_venue(venue, item.scenario, item.verified_at.timestamp())
    return scenario is not None and scenario.offline


def claim_first_uses(rows: Iterable[records.VerificationRow]) -> None:
    """The earliest accepted result of each code in this upload claims the code's one use in the
    database (`use_key`); if another use was committed first, the row is written without it."""
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: (r.at, str(r.id))):
        if row.result == "valid" and row.code_id and row.code_id not in seen:
            seen.add(row.code_id)
            row.use_key = row.code_id


async def _insert(rows: list[records.VerificationRow]) -> list[records.VerificationRow]:
    """Insert what is new; the rows written. A row is left out when its upload key was stored by
    an earlier upload (a repeated upload), or written without `use_key` when its code's use was
    committed by someone else first (a double use, flagged by the caller)."""
    written = {str(i) for i in await db.insert_rows(Verification, records.insertable(rows), skip_conflicts=True)}
    lost = [row for row in rows if str(row.id) not in written and row.use_key]
    if lost:
        stored = await db.fetch(
            "SELECT upload_key FROM venues_verification WHERE " + db.any_of("upload_key"),
            db.list_arg([r.upload_key for r in lost]),
        )
        repeated = {r["upload_key"] for r in stored}
        again = [row for row in lost if row.upload_key not in repeated]
        for row in again:
            row.use_key = None  # the code's use is someone else's: this row is a second use
        written |= {str(i) for i in await db.insert_rows(Verification, records.insertable(again), skip_conflicts=True)}
    return [row for row in rows if str(row.id) in written]


def _refused_row(
    item: OfflineResult, key: str, venue_id: uuid.UUID, scanner_id: str, uploaded_at: dt.datetime
) -> records.VerificationRow:
    row = _row(item, key, venue_id, scanner_id, None, uploaded_at, None)
    return msgspec.structs.replace(row, result="scenario_not_allowed", code_id=None, card_ref=None, device_key_id=None)


def _foreign_row(
    item: OfflineResult, key: str, venue_id: uuid.UUID, scanner_id: str, uploaded_at: dt.datetime, scenario: Scenario | None
) -> records.VerificationRow:
    """Another region's scan: no card, phone or person of ours, whatever the scanner sent."""
    row = _row(item, key, venue_id, scanner_id, None, uploaded_at, scenario)
    return msgspec.structs.replace(row, card_ref=None, device_key_id=None, region=item.region)


def _offline_disclosure(item: OfflineResult, scenario: Scenario) -> list[str]:
    """What the scanner showed: a code of format 2 shows its profile's fields (every concession bit
    for concession and transit, docs/qr-format.md section 15), one of format 1 the scenario's."""
    if item.cred_ref is None or scenario.offline_profile is None:
        return list(scenario.offline_attributes)
    return ["valid_until"] if scenario.offline_profile == "validity" else ["valid_until", "concessions"]


def _row(
    item: OfflineResult,
    key: str,
    venue_id: uuid.UUID,
    scanner_id: str,
    subject: CodeSubject | None,
    uploaded_at: dt.datetime,
    scenario: Scenario | None,
) -> records.VerificationRow:
    valid = item.result == "valid"
    return records.VerificationRow(
        id=records.new_id(),
        venue=venue_id,
        scanner_id=uuid.UUID(scanner_id),
        scenario=item.scenario,
        result=item.result,
        code_kind=item.code_kind,
        code_id=item.code_id,
        card_id=subject.card_id if subject is not None else None,
        card_ref=item.card_ref,
        device_key_id=item.device_key_id,
        person=subject.person_id if subject is not None else None,
        # Offline, the venue saw only what the signed credential carries.
        disclosed=_offline_disclosure(item, scenario) if (valid and scenario) else [],
        at=item.verified_at.astimezone(dt.UTC),
        offline=True,
        uploaded_at=uploaded_at,
        upload_key=key,
    )


async def _consume(store: Store, settings: Settings, scanner_id: str, rows: list[records.VerificationRow], now: int) -> set[str]:
    """Codes used offline moments ago are claimed, so an online scan of the same code is refused.
    Returns the codes whose claim another use already held: those were used twice."""
    used_elsewhere: set[str] = set()
    for row in rows:
        code_id = row.code_id
        left = presented.claim_ttl(settings) - (now - int(row.at.timestamp()))
        if code_id is not None and left > 0:  # every row here is an accepted use with its code id
            mine = f"offline|{scanner_id}"
            held = await presented.claim(store, code_id, mine, left)
            if held is not None and held != mine:
                used_elsewhere.add(code_id)
    return used_elsewhere
