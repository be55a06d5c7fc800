"""POST /api/v1/federation/verify: another region's server asks us about one of our online codes, used once as at our venues."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import msgspec

from backend.catalog import services as catalog
from backend.codes import format as fmt
from backend.codes import presented
from backend.federation import services as federation  # federation feature: the calling region
from backend.federation.schemas import PeerAttributes, PeerVerifyAnswer, PeerVerifyRequest
from backend.federation.vocab import NOT_THEIRS
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import SCANNER, Principal
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.org.tables import City
from backend.venues import records, verification
from backend.venues.schemas import VenueOut
from backend.venues.tables import Venue

R = fmt.Result
PEER_TYPE = "peer_region"
# Attributes another region may ever learn about our holders online (federation vocab, its online half).
PEER_ATTRIBUTES = frozenset({"masked_name", "valid_until", "concessions"})


async def peer_venue(code: str, name: str, settings: Settings) -> VenueOut:
    """The venue standing for an imported region here (type peer_region), made at its first call, so
    its uses, claims and records go through the same machinery as our own venues'."""
    label = f"{name} ({code})"[:128]
    tag = f"federation:{code}"
    mine = (Venue.created_by == tag) & (Venue.venue_type == PEER_TYPE)
    row = await Venue.select().where(mine).first().run()
    if row is None:
        async with db.transaction():
            await db.advisory_lock(tag)  # two first calls at once make one venue
            if not await Venue.exists().where(mine).run():
                city = await City.select(City.id).where(City.code == settings.region_code).first().run()  # type: ignore[attr-defined]  # Piccolo adds the default `id` key
                if city is None:
                    await City.insert(
                        City(code=settings.region_code, name=settings.region_name, name_en=settings.region_name_en)
                    ).run()
                    city = await City.select(City.id).where(City.code == settings.region_code).first().run()  # type: ignore[attr-defined]  # Piccolo adds the default `id` key
                assert city is not None  # inserted just above
                await Venue.insert(
                    Venue(
                        id=uuid.uuid4(),
                        name=label,
                        venue_type=PEER_TYPE,
                        city=city["id"],
                        scenarios=[],
                        active=True,
                        created_by=tag,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                ).run()
        row = await Venue.select().where(mine).first().run()
    assert row is not None
    return VenueOut(
        id=row["id"],
        name=row["name"],
        venue_type=PEER_TYPE,
        city_code=settings.region_code,
        scenarios=[],
        active=True,
        created_at=row["created_at"],
    )


async def verify_for_peer(
    caller: federation.Caller, data: PeerVerifyRequest, *, keyring: Keyring, store: Store, settings: Settings, now: int
) -> PeerVerifyAnswer:
    """Check the code as our venues do and use it once; the access goes on the holder's record as
    "<region>'s venue <name>". Only attributes of the scenario that the caller may show are given."""
    # Only online codes are asked across regions. A YKD2 code is never checked (nor used up) here:
    # the caller checks those with our trust list itself (docs/federation.md section 3).
    if fmt.kind_of(data.code) != "online":
        return PeerVerifyAnswer(result=R.MALFORMED.value, region=settings.region_code)
    scan = await presented.check(data.code, keyring, now, settings.clock_skew_seconds)
    if scan.result.value in NOT_THEIRS:
        # Not our code: say so before anything else (the scenario included), so the caller never
        # mistakes another region's code for ours, and nothing is recorded here.
        return PeerVerifyAnswer(result=scan.result.value, region=settings.region_code)
    venue = await peer_venue(caller.code, caller.name, settings)
    # Each call is a scan of its own (the caller's scanner is not known here): any second call for
    # the same code is `replayed`, never a repeat of the first answer.
    scanner = str(uuid.uuid4())
    principal = Principal(kind="client", id=scanner, role=SCANNER, org_id=str(venue.id), scanner_id=scanner)
    scenario = (await catalog.definitions([data.scenario])).get(data.scenario)
    if scenario is not None:
        allowed = PEER_ATTRIBUTES & set(data.disclose)
        scenario = dataclasses.replace(scenario, attributes=tuple(a for a in scenario.attributes if a in allowed))
    checked_at = dt.datetime.fromtimestamp(now, dt.UTC)
    outcome = verification.Outcome(R.SCENARIO_NOT_ALLOWED, data.scenario, scan.kind, records.new_id(), checked_at)
    shown_as = msgspec.structs.replace(venue, name=f"{caller.name} · {data.venue.name}"[:128])
    outcome = await verification.verify_scan(
        principal,
        shown_as,
        scenario,
        outcome,
        scan,
        code=data.code,
        keyring=keyring,
        store=store,
        settings=settings,
        now=now,
        peer=True,
    )
    got = outcome.attributes
    attributes = PeerAttributes(
        masked_name=got.masked_name,
        valid_until=int(got.valid_until.timestamp()) if got.valid_until else None,
        concessions=got.concessions,
    )
    valid = outcome.result == R.VALID
    return PeerVerifyAnswer(
        result=outcome.result.value,
        region=settings.region_code,
        attributes=attributes if valid else PeerAttributes(),
        valid_until=scan.valid_until if valid else None,
    )
