"""Another region's YKD2 code sent online to POST /api/v1/verify: checked with the merged trust, recorded with no holder of ours, forwarded to its issuer."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import cast

import msgspec

from backend.catalog.scenarios import Scenario
from backend.codes import format as fmt
from backend.federation import services as federation  # federation feature: other regions' trust
from backend.federation.schemas import PeerOfflineResult, PeerVenue, RegionRef
from backend.federation.vocab import DISCLOSE, NOT_THEIRS, Disclose
from backend.lib import db
from backend.lib.settings import Settings
from backend.venues import records
from backend.venues.schemas import Attributes, VenueOut
from backend.venues.tables import Verification

# The concession bits a credential of the concession and transit profiles carries, by name.
_CONCESSIONS = (("elderly", fmt.Flags.ELDERLY), ("disability", fmt.Flags.DISABILITY), ("veteran", fmt.Flags.VETERAN))


@dataclass
class ForeignScan:
    """The verdict on another region's code, what may be shown, and what its issuer needs to know."""

    province: str
    result: str
    region: RegionRef
    attributes: Attributes = field(default_factory=Attributes)
    code_id: str | None = None
    cred_ref: str | None = None  # hex; set only when the region's issuer signature verified


async def check(code: str, scenario: Scenario, settings: Settings, now: int) -> ForeignScan | None:
    """None for a code of our own region (or one too malformed to name a region): the home path
    decides. Otherwise the scanner's own checks (docs/federation.md section 3) with the merged
    trust: region_not_trusted, region_not_accepted, the format's results, or valid with only the
    profile's fields our import of the region lets it show."""
    named = federation.code_region(code)
    if named is None:
        return None
    province = str(named // 10000 * 10000)
    if province == settings.region_code:
        return None
    merged = msgspec.to_builtins(await federation.merged_trust(settings, now))
    profile = scenario.offline_profile
    found = federation.verify_foreign_v2(code, merged, scenario.name, profile or "validity", now, settings.clock_skew_seconds)
    checked, result = found.check, found.result
    if result == fmt.Result.VALID.value and profile is None:
        result = fmt.Result.WRONG_SCENARIO.value  # never verified offline: no code of format 2 is made for it
    flags = checked.attrs if checked is not None and checked.attrs is not None else 0
    if result == fmt.Result.VALID.value and scenario.needs_transport and not flags & fmt.Flags.TRANSPORT:
        result = fmt.Result.SCENARIO_NOT_ALLOWED.value
    scan = ForeignScan(province, result, RegionRef(code=province, name=found.name, name_en=found.name_en))
    if checked is not None and result not in NOT_THEIRS:
        scan.code_id = checked.code_id
        scan.cred_ref = checked.cred_ref.hex() if checked.cred_ref is not None else None
    if result == fmt.Result.VALID.value and checked is not None:
        shown = set(found.disclosed)
        scan.attributes = Attributes(
            valid_until=dt.datetime.fromtimestamp(checked.exp, dt.UTC) if "valid_until" in shown and checked.exp else None,
            concessions=[name for name, bit in _CONCESSIONS if flags & bit] if "concessions" in shown else None,
        )
    return scan


def forward_key(row: records.VerificationRow) -> str:
    """The key the issuer keeps this scan once by (an online row has no upload key of its own)."""
    return hashlib.sha256(f"online|{row.id}".encode()).hexdigest()


async def record(row: records.VerificationRow, scan: ForeignScan, venue: VenueOut) -> records.VerificationRow:
    """Write the row and, in the same commit, queue the scan for its issuer (an imported region, an
    authentic credential) so the holder sees it on their record there. A row claiming the code's use
    (`use_key`) that finds it used already is written as `replayed` instead. Returns the row written."""
    async with db.transaction():
        written = await db.insert_rows(Verification, records.insertable([row]), skip_conflicts=True)
        if not written:
            row = msgspec.structs.replace(row, id=records.new_id(), result="replayed", use_key=None, disclosed=[])
            await db.insert_rows(Verification, records.insertable([row]))
        if scan.cred_ref is not None and not row.retry and scan.province in await federation.import_disclosure([scan.province]):
            shown_at = PeerVenue(name=venue.name, type=venue.venue_type, city=venue.city_code)
            result = PeerOfflineResult(
                key=forward_key(row),
                cred_ref=scan.cred_ref,
                code_id=scan.code_id,
                scenario=row.scenario,
                result=row.result,
                verified_at=int(row.at.timestamp()),
                disclosed=cast(list[Disclose], [d for d in row.disclosed if d in DISCLOSE]),
                venue=shown_at,
            )
            await federation.forward_offline(scan.province, [result])
    return row
