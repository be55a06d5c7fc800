"""POST /api/v1/verify: check a scanned code for a scenario, once, and put it on the record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from backend.cards import services as cards
from backend.catalog import services as catalog
from backend.catalog.scenarios import Scenario
from backend.certificates import linked  # certificates feature
from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.codes import presented
from backend.codes.presented import Scan
from backend.federation import services as federation  # federation feature: codes of other regions
from backend.federation.schemas import PeerVenue, RegionRef
from backend.federation.vocab import FederationResult
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.venues import (
    access_record,  # audit feature: what goes on the holder's record
    foreign_codes,
    records,
)
from backend.venues.disclosure import attributes_for, disclosed_names
from backend.venues.schemas import Attributes, VenueOut
from backend.venues.services import venue_of_scanner_soon

log = logging.getLogger("yikatong.venues.verify")
R = fmt.Result


@dataclass
class Outcome:
    """What the handler answers, and what went on the record."""

    result: fmt.Result | FederationResult
    scenario: str
    code_kind: str | None
    verification_id: uuid.UUID
    checked_at: dt.datetime
    attributes: Attributes = field(default_factory=Attributes)
    concessions: list[str] = field(default_factory=list)
    # The answer repeats the same scanner's committed use of the code (`checked_at` is its time).
    repeat: bool = False
    # federation: the region whose server checked this code (None for our own cards).
    region: RegionRef | None = None


def _scanner_id(principal: Principal) -> str:
    return principal.scanner_id or principal.id


async def verify(
    principal: Principal, *, code: str, scenario_name: str, keyring: Keyring, store: Store, settings: Settings, now: int
) -> Outcome:
    # The venue lookup runs while the code is checked (read-only: nothing is consumed before
    # the venue and its scenario pass), so a scan waits for one round of reads, not two.
    pending_venue = venue_of_scanner_soon(principal)
    # A code of format 2 is bound to a scenario, so it is checked once the scenario is known.
    bound = fmt.kind_of(code) == "offline2"
    try:
        scan = (
            Scan("offline", R.MALFORMED)
            if bound
            else await presented.check(code, keyring, now, settings.clock_skew_seconds, retire_at=settings.offline_v1_retire_at)
        )
    finally:
        venue = await pending_venue  # a scanner without an active venue gets its 403 first
    checked_at = dt.datetime.fromtimestamp(now, dt.UTC)
    outcome = Outcome(R.SCENARIO_NOT_ALLOWED, scenario_name, scan.kind, records.new_id(), checked_at)
    # The catalog decides, for this venue's city and type at this moment (dates checked per call).
    scenario = await catalog.scenario_for_venue(venue, scenario_name, now)
    return await verify_scan(
        principal, venue, scenario, outcome, scan, code=code, keyring=keyring, store=store, settings=settings, now=now
    )


async def verify_scan(
    principal: Principal,
    venue: VenueOut,
    scenario: Scenario | None,
    outcome: Outcome,
    scan: Scan,
    *,
    code: str,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
    peer: bool = False,
) -> Outcome:
    """The scan's verdict once the venue and scenario are known: one-time use, disclosure, the record.
    `peer`: the call comes from another region's server (venues/peer_verification.py), so an
    unknown code is never asked of other regions in turn."""
    bound = fmt.kind_of(code) == "offline2"
    checked_at = outcome.checked_at
    if scenario is not None and bound and not peer:
        # Another region's YKD2 code at an online scanner: checked here with the merged trust, as
        # an offline scanner would (issue 19), and sent on to its issuer for the holder's record.
        foreign = await foreign_codes.check(code, scenario, settings, now)
        if foreign is not None:
            return await _verify_foreign(outcome, venue, principal, scenario, foreign, store, settings)
    if scenario is not None and bound:
        scan = await check_v2(code, scenario, keyring, now, settings.clock_skew_seconds)
        # A code of format 2 discloses what its profile shows at an offline scanner and no more,
        # online too: the wallet promised the holder so when they chose the scenario (a library
        # learns validity, not the masked name its online codes show).
        scenario = dataclasses.replace(scenario, attributes=scenario.offline_attributes)
    if scenario is None:
        # Checked before the code counts: a venue asking for a scenario it does not serve
        # never consumes a code, and its record says so whatever the code was.
        await _record(outcome, venue, principal, Scan(scan.kind, R.SCENARIO_NOT_ALLOWED), checked_at)
        return outcome
    if scan.result != R.VALID:
        outcome.result = scan.result
        if not peer and scan.kind == "online" and scan.result in (R.UNKNOWN_KEY, R.BAD_SIGNATURE):
            # Not one of our codes: perhaps another region's (YKO1 names no region). Its issuer decides.
            await _ask_issuer(outcome, venue, scenario, code, keyring, settings, now)
        await _record(outcome, venue, principal, scan, checked_at)
        return outcome
    subject, code_id = scan.subject, scan.code_id
    if subject is None or code_id is None:  # presented.check gives both to every valid scan
        raise RuntimeError("a valid scan without its card or code id")
    if scenario.needs_transport and not subject.transport_enabled:
        outcome.result = R.SCENARIO_NOT_ALLOWED
        await _record(outcome, venue, principal, scan, checked_at)
        return outcome
    if subject.assurance < scenario.min_assurance:
        # Issue 14: the holder was proven less surely than the scenario asks (hotel check-in needs
        # counter, bank or provider proofing). The level came with the card's live row: no extra
        # read. Refused like the others: nothing disclosed, the code not used up, on the record.
        outcome.result = R.ASSURANCE_TOO_LOW
        await _record(outcome, venue, principal, scan, checked_at)
        return outcome
    # certificates feature: linked certificates' concessions, for this scenario only. Read while
    # the code is claimed (read-only, so a replayed code costs one wasted read, nothing more).
    certificates = linked.certificates_soon(subject, scenario)
    try:
        retry = await _claim(outcome, code_id, principal, store, settings)
    finally:
        if outcome.result != R.VALID:  # replayed, or the claim failed: no concessions needed
            db.discard(certificates)
    try:
        if outcome.result == R.VALID:
            subject = await linked.with_concessions(subject, scenario, started=certificates)
            outcome.attributes = await attributes_for(scenario, subject, keyring, scan.valid_until)
            if scenario.discloses_concessions:
                outcome.concessions = list(subject.concessions)
            if "certificate" in scenario.attributes:  # certificates feature: the one shown with this code
                outcome.attributes.certificate = await linked.shown_for_scenario(store, code_id, subject, scenario.name)
        use = await _record(outcome, venue, principal, scan, checked_at, retry=retry, scenario=scenario)
        if use.kind != "first":
            await _settle(outcome, use, code_id, store, settings, retry)
        elif retry:
            outcome.checked_at = checked_at  # the first attempt never committed: this is the use
    except Exception:
        if outcome.result == R.VALID and not retry:
            # Nothing of this scan was written and the answer never reached the venue: give the
            # code back rather than burn it. (A cancelled request keeps its claim: its record may
            # still commit, and the scanner's retry gets this answer back.)
            await presented.give_back(store, code_id)
        raise
    return outcome


async def _verify_foreign(
    outcome: Outcome,
    venue: VenueOut,
    principal: Principal,
    scenario: Scenario,
    foreign: foreign_codes.ForeignScan,
    store: Store,
    settings: Settings,
) -> Outcome:
    """Another region's YKD2 code: used once here as ours are (store claim, then the row's
    `use_key`), its row names no card, phone or person of ours but the region, and the scan is
    queued for its issuer in the row's commit."""
    checked_at = outcome.checked_at
    outcome.code_kind, outcome.region = "offline", foreign.region
    outcome.result = _result_named(foreign.result)
    repeat = retry = False
    if outcome.result == R.VALID and foreign.code_id is not None:
        retry = await _claim(outcome, foreign.code_id, principal, store, settings)
        first = (await records.first_uses([foreign.code_id])).get(foreign.code_id) if retry else None
        if first is not None:  # the same scanner again: the committed use's answer, no new visit
            outcome.verification_id, outcome.checked_at, repeat = first.verification_id, first.at, True
        elif retry:
            outcome.checked_at = checked_at  # the first attempt never committed: this is the use
    valid = outcome.result == R.VALID
    if valid:
        outcome.attributes = foreign.attributes
        outcome.concessions = list(foreign.attributes.concessions or []) if scenario.discloses_concessions else []
    row = records.VerificationRow(
        id=records.new_id() if repeat else outcome.verification_id,
        venue=venue.id,
        scanner_id=uuid.UUID(_scanner_id(principal)),
        scenario=outcome.scenario,
        result=outcome.result.value,
        code_kind="offline",
        code_id=foreign.code_id,
        card_id=None,
        card_ref=None,
        device_key_id=None,
        person=None,
        disclosed=disclosed_names(outcome.attributes) if valid else [],
        at=checked_at if repeat else outcome.checked_at,
        retry=repeat,
        use_key=foreign.code_id if valid and not repeat else None,
        region=foreign.province,
    )
    written = await foreign_codes.record(row, foreign, venue)
    if written.result != row.result:  # the code's use was committed by another scan first
        outcome.result, outcome.verification_id = R.REPLAYED, written.id
        outcome.attributes, outcome.concessions = Attributes(), []
    outcome.repeat = repeat
    return outcome


async def _ask_issuer(
    outcome: Outcome, venue: VenueOut, scenario: Scenario, code: str, keyring: Keyring, settings: Settings, now: int
) -> None:
    """Ask the imported regions that accept this scenario (federation feature); their answer, or
    `issuer_unreachable` when one may hold the code and could not be asked, replaces ours."""
    asked = PeerVenue(name=venue.name, type=venue.venue_type, city=venue.city_code)
    verdict = await federation.verify_elsewhere(code, scenario.name, asked, keyring=keyring, settings=settings, now=now)
    if verdict is None:
        return
    outcome.result = _result_named(verdict.result)
    outcome.region = verdict.region
    if outcome.result == R.VALID:
        shown = set(scenario.attributes)
        got = verdict.attributes
        outcome.attributes = Attributes(
            masked_name=got.masked_name if "masked_name" in shown else None,
            valid_until=(
                dt.datetime.fromtimestamp(got.valid_until, dt.UTC) if "valid_until" in shown and got.valid_until else None
            ),
            concessions=got.concessions if "concessions" in shown else None,
            card_valid=True if "card_valid" in shown else None,
        )


def _result_named(name: str) -> fmt.Result | FederationResult:
    """Another region's result word as ours; a word we do not know fails closed."""
    for vocabulary in (fmt.Result, FederationResult):
        try:
            return vocabulary(name)
        except ValueError:
            continue
    return FederationResult.ISSUER_UNREACHABLE


def trust_v2(keyring: Keyring, now: int) -> dict[str, v2.TrustedKey]:
    """The issuer keys a verifier of format 2 trusts now, by kid: the keyring's published keys
    (the same set /.well-known/jwks.json lists), each with its algorithm."""
    # SM2 keys are held as compressed points already: the trust list's form.
    return {key.kid: v2.TrustedKey(key.alg, key.public) for key in keyring.published(now)}


async def check_v2(code: str, scenario: Scenario, keyring: Keyring, now: int, skew: int) -> Scan:
    """A forwarded YKD2 code for this scenario: its signatures, slot, scenario and minute (the
    format's own checks, with no list: the server knows better), then the live state of the card
    and phone its cred_ref names (only this server can tell). One-time use is the caller's."""
    profile = scenario.offline_profile
    check = v2.verify_offline_v2(
        code, trust=trust_v2(keyring, now), scenario=scenario.name, now=now, skew=skew, profile=profile or "validity"
    )
    result = check.result
    if result == R.VALID and profile is None:
        result = R.WRONG_SCENARIO  # never verified offline: no code of format 2 is made for it
    valid_until = check.t + fmt.CODE_LIFETIME if check.t is not None else None
    scan = Scan("offline", result, check.code_id, valid_until=valid_until)
    if check.cred_ref is None:
        return scan
    holder = await cards.card_for_credential(check.cred_ref.hex())
    if holder is not None:  # on the record whatever the result, as a code of format 1
        scan.card_ref, scan.device_key_id, scan.subject = holder.subject.card_ref, holder.key_id, holder.subject
    if scan.result != R.VALID:
        return scan
    if holder is None:
        # A correctly signed credential we never recorded means lost data: fail closed.
        log.warning("signed credential of format 2 unknown here", extra={"code_id": scan.code_id})
    scan.result = presented.card_result(holder.subject if holder else None) or scan.result
    if scan.result == R.VALID and holder is not None and not holder.device_bound:
        scan.result = R.DEVICE_REVOKED
    return scan


async def _claim(outcome: Outcome, code_id: str, principal: Principal, store: Store, settings: Settings) -> bool:
    """Consume the code across all workers: the fast path. Sets outcome.result; True when this
    is the same scanner asking again for the same scan (it gets the first answer back, not
    `replayed`). The store may have lost its claims (a Redis restart): the database has the last
    word when the scan is recorded (records.record_scan), so a claim found here is trusted to
    refuse, and a claim won here is only a candidate."""
    at = int(outcome.checked_at.timestamp())
    mine = presented.claim_value(_scanner_id(principal), str(outcome.verification_id), at, outcome.scenario)
    held = await presented.claim(store, code_id, mine, presented.claim_ttl(settings))
    if held is None:
        outcome.result = R.VALID
        return False
    scanner, first_id, first_at, first_scenario = presented.claim_holder(held)
    if scanner == _scanner_id(principal) and first_scenario == outcome.scenario:
        outcome.result = R.VALID
        outcome.verification_id = uuid.UUID(first_id)
        outcome.checked_at = dt.datetime.fromtimestamp(first_at, dt.UTC)
        return True
    # Someone else holds the claim. After the store lost its keys that may be a doomed newcomer
    # while the committed use is this scanner's own: the database says whose the code is (one
    # indexed read, paid by refused scans only).
    first = (await records.first_uses([code_id])).get(code_id)
    if first is not None and records.decide(first, _scanner_id(principal), outcome.scenario).kind == "again":
        outcome.result, outcome.verification_id, outcome.checked_at = R.VALID, first.verification_id, first.at
        return True
    outcome.result = R.REPLAYED
    return False


async def _settle(outcome: Outcome, use: records.Use, code_id: str, store: Store, settings: Settings, retry: bool) -> None:
    """The database found the code already used: answer what it decided, and put the claim
    back in the store (which had lost it) so the next scan of this code is refused there."""
    first = use.first
    if use.kind == "again" and first is not None:  # decide() gives every `again` its first use
        outcome.verification_id, outcome.checked_at = first.verification_id, first.at
        outcome.repeat = True  # a second event of the same use, not a new visit
    else:
        outcome.result = R.REPLAYED
        outcome.attributes, outcome.concessions = Attributes(), []
    if not retry and first is not None:
        log.warning("code used before but unknown to the store", extra={"code_id": code_id, "decided": use.kind})
        value = presented.claim_value(
            str(first.scanner_id), str(first.verification_id), int(first.at.timestamp()), first.scenario
        )
        try:
            await presented.restore(store, code_id, value, presented.claim_ttl(settings))
        except Exception:  # noqa: BLE001 - a fast path only; the database already answered
            log.warning("could not restore a claim in the store", extra={"code_id": code_id})


async def _record(
    outcome: Outcome,
    venue: VenueOut,
    principal: Principal,
    scan: Scan,
    at: dt.datetime,
    *,
    retry: bool = False,
    scenario: Scenario | None = None,
) -> records.Use:
    """Write the scan's row (and access entry). An accepted scan, or the same scanner's retry,
    claims the code in the database too (`use_key`); the answer is what the database decided."""
    subject = scan.subject
    valid = outcome.result == R.VALID
    row = records.VerificationRow(
        # A retry claims with the id its first attempt was given: if that attempt died before its
        # commit, this row becomes the first use and the id the scanner was promised exists.
        id=outcome.verification_id,
        venue=venue.id,
        scanner_id=uuid.UUID(_scanner_id(principal)),
        scenario=outcome.scenario,
        result=outcome.result.value,
        code_kind=scan.kind,
        code_id=scan.code_id,
        card_id=subject.card_id if subject is not None else None,
        card_ref=scan.card_ref,
        device_key_id=scan.device_key_id,
        person=subject.person_id if subject is not None else None,
        disclosed=disclosed_names(outcome.attributes) if valid else [],
        at=at,
        use_key=scan.code_id if valid else None,
    )
    # audit feature: a scan that disclosed personal data also goes on the access record, in the
    # same transaction as the verification row (both are written or neither), with the purpose
    # and legal basis of the scenario definition the scan was checked against.
    entry = None
    if row.disclosed and row.person is not None:
        entry = await access_record.verification_entry(
            venue=venue,
            scanner_id=_scanner_id(principal),
            scenario_name=outcome.scenario,
            disclosed=row.disclosed,
            certificate=outcome.attributes.certificate,
            person_id=row.person,
            retry=retry,
            scenario=scenario,
        )
    return await records.record_scan(row, entry)
