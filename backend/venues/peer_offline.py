"""POST /api/v1/federation/offline-results: another region forwards its scanners' offline scans of our YKD2 codes; they go on our holders' records."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import get_args

import msgspec

from backend.cards import services as cards
from backend.catalog import services as catalog
from backend.catalog.scenarios import Scenario
from backend.federation import services as federation  # federation feature: the calling region
from backend.federation.schemas import PeerOfflineAnswer, PeerOfflineResult, PeerOfflineUpload
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.venues import access_record, offline, records
from backend.venues.peer_verification import peer_venue
from backend.venues.schemas import ResultName

RESULTS = frozenset(get_args(ResultName))
# Every region's forwarded scans are one "scanner" here: stable, so its repeats and uses group.
_SCANNERS = uuid.UUID("6b1f3c52-8e0d-4a57-9c1e-2f7d0a4b8c93")


def scanner_of(region: str) -> str:
    """The scanner id the scans forwarded by `region` are recorded under."""
    return str(uuid.uuid5(_SCANNERS, f"federation:{region}"))


def _upload_key(region: str, item: PeerOfflineResult) -> str:
    """Ours for the caller's key: two regions' keys never meet, and a retry maps to the same row."""
    return hashlib.sha256(f"federation|{region}|{item.key}".encode()).hexdigest()


def _shown(item: PeerOfflineResult, scenario: Scenario) -> list[str]:
    """What the caller's scanner saw: what it says it showed, within what the scenario's profile
    carries (as our own offline uploads record it)."""
    if item.result != "valid" or scenario.offline_profile is None:
        return []
    carried = {"valid_until"} if scenario.offline_profile == "validity" else {"valid_until", "concessions"}
    return [name for name in dict.fromkeys(item.disclosed) if name in carried]


async def take_from_peer(
    caller: federation.Caller, data: PeerOfflineUpload, *, store: Store, settings: Settings, now: int
) -> PeerOfflineAnswer:
    """Map each cred_ref to its card, write the scan under the caller's peer venue, put it on the
    holder's record as "<region> · <venue>", use the code once and flag a code used twice, as our
    own offline uploads do. A credential not ours, a result or scenario we do not know, or a scan
    dated in the future is counted as `unknown` and kept nowhere. Repeats are duplicates."""
    venue = await peer_venue(caller.code, caller.name, settings)
    scanner_id = scanner_of(caller.code)
    definitions = await catalog.definitions({item.scenario for item in data.results})
    holders = {ref: await cards.card_for_credential(ref) for ref in {item.cred_ref for item in data.results}}
    uploaded_at = dt.datetime.fromtimestamp(now, dt.UTC)
    rows: dict[str, records.VerificationRow] = {}
    seen_at: dict[str, str] = {}  # upload key -> the caller's venue name
    unknown = 0
    for item in data.results:
        holder, scenario = holders.get(item.cred_ref), definitions.get(item.scenario)
        if holder is None or scenario is None or item.result not in RESULTS or item.verified_at > now + offline.FUTURE_TOLERANCE:
            unknown += 1
            continue
        key = _upload_key(caller.code, item)
        subject = holder.subject
        rows.setdefault(
            key,
            records.VerificationRow(
                id=records.new_id(),
                venue=venue.id,
                scanner_id=uuid.UUID(scanner_id),
                scenario=item.scenario,
                result=item.result,
                code_kind="offline",
                code_id=item.code_id,
                card_id=subject.card_id,
                card_ref=subject.card_ref,
                device_key_id=holder.key_id,
                person=subject.person_id,
                disclosed=_shown(item, scenario),
                at=dt.datetime.fromtimestamp(item.verified_at, dt.UTC),
                offline=True,
                uploaded_at=uploaded_at,
                upload_key=key,
            ),
        )
        seen_at.setdefault(key, item.venue.name)
    offline.claim_first_uses(rows.values())
    entries = {
        row.id: await access_record.verification_entry(
            venue=msgspec.structs.replace(venue, name=f"{caller.name} · {seen_at[key]}"[:128]),
            scanner_id=scanner_id,
            scenario_name=row.scenario,
            scenario=definitions.get(row.scenario),
            disclosed=row.disclosed,
            certificate=None,
            person_id=row.person,
            retry=False,
        )
        for key, row in rows.items()
        if row.disclosed and row.person is not None
    }
    new, flagged = await offline.write_uploaded(
        list(rows.values()),
        entries,
        claims={str(row.id) for row in rows.values()},
        scanner_id=scanner_id,
        store=store,
        settings=settings,
        now=now,
    )
    return PeerOfflineAnswer(
        accepted=len(new), duplicates=len(data.results) - unknown - len(new), unknown=unknown, flagged=flagged
    )
