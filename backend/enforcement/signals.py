"""The misuse rules (docs/misuse.md): pure functions from what the service saw to the patterns it should look at.

No I/O here: detecting.py reads the verifications of a window, hands them over as typed rows, and
writes what these rules find. Every threshold is a named constant with the reason for its value.
Each finding carries a `bucket` (a day, in province time), so the same pattern seen again by a
later scan of an overlapping window gives the same dedupe key and writes nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec

CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # the province's days
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

# --- thresholds ---------------------------------------------------------------------------

# impossible_travel: the fastest way between two venues of the province is the high-speed train
# (350 km/h at most, less from door to door); a flight between Guangdong's airports takes some two
# hours door to door, so no one moves faster than 400 km/h between two scans. Below 100 km a
# clock off by a few minutes (offline scanners keep their own) would make honest trips look fast.
TRAVEL_MIN_KM = 100.0
TRAVEL_MAX_KMH = 400.0

# many_venues: a metro ride is two venues (in and out), a day out perhaps four in an hour
# (metro, museum, metro); six distinct venues in one hour is a card passed from hand to hand.
MANY_VENUES = 6
MANY_VENUES_MINUTES = 60

# far_from_home: one trip away and back is at most two such days (the day out, the day back);
# a third day used both at home and 300 km away (beyond a day's commute) within the window is
# two people using one card. 300 km: Guangzhou to Shantou, Zhanjiang or Meizhou.
FAR_KM = 300.0
FAR_DAYS = 3

# shared_device: a phone may carry a holder's card and, through the family service, relatives'
# (those are excepted); three unrelated holders on one device key is someone's card business.
SHARED_DEVICE_HOLDERS = 3

# replay_attempts: a holder whose screenshot is scanned twice by mistake gives one or two
# `replayed`; five within the hour is a copied code tried again and again. A busy gate may see a
# few honest double scans an hour; twenty from one scanner is a replay device at work.
REPLAY_PER_CARD = 5
REPLAY_PER_SCANNER = 20
REPLAY_MINUTES = 60

# forgery_attempts: a code in our format whose signature fails was made or altered by someone; five
# within the hour at one scanner is someone making codes (`malformed`, any foreign QR code, is not counted).
FORGERY_PER_SCANNER = 5
FORGERY_MINUTES = 60

# revoked_device: a holder who unbound a lost phone may be shown its old codes once or twice by
# whoever found it; three within a day is the lost phone being used as a card.
REVOKED_PER_CARD = 3
REVOKED_HOURS = 24

# withholding: a card used ten times or more at one venue on three days or more, and nowhere else
# at all, is a card kept at the venue (a hospital holding it as a deposit). An inpatient is
# scanned a few times a day at most, which stays below ten over three days; the case is for staff
# to look into, not a penalty.
WITHHOLD_USES = 10
WITHHOLD_DAYS = 3

# outside_catalog: a scanner set up for the wrong scenario gives a few `scenario_not_allowed`
# before someone fixes it; five in the window means the venue keeps verifying what the catalog
# does not give it (Art. 18).
OUTSIDE_CATALOG = 5

EVIDENCE_IDS = 20  # verification ids kept as evidence per finding, at most


# --- what the rules read ----------------------------------------------------------------


class Use(msgspec.Struct, frozen=True, gc=False):
    """One verification as the rules see it: no names, no identity numbers."""

    id: uuid.UUID
    at: dt.datetime
    venue: uuid.UUID
    scanner: uuid.UUID
    scenario: str
    result: str
    card: uuid.UUID | None
    person: uuid.UUID | None
    device_key: str | None


class Place(msgspec.Struct, frozen=True, gc=False):
    """A venue: its city and, when known, where it is."""

    id: uuid.UUID
    name: str
    city: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Registration(msgspec.Struct, frozen=True, gc=False):
    """A device key bound to a holder's card (cards_device) while the window ran."""

    key_id: str
    card: uuid.UUID
    person: uuid.UUID
    at: dt.datetime


class Finding(msgspec.Struct, kw_only=True):
    """A pattern found, ready to be a Signal row (detecting.py adds ids and times)."""

    kind: str
    subject_kind: str  # card | scanner | venue | device
    subject_id: str
    bucket: str  # with kind and subject, what makes a finding the same one again
    window_start: dt.datetime
    window_end: dt.datetime
    score: int
    summary: str
    evidence: dict[str, Any]
    card_id: uuid.UUID | None = None
    person: uuid.UUID | None = None
    venue_id: uuid.UUID | None = None
    city: str = ""

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(self.kind, self.subject_kind, self.subject_id, self.bucket)


def dedupe_key(kind: str, subject_kind: str, subject_id: str, bucket: str) -> str:
    return hashlib.sha256(f"{kind}|{subject_kind}|{subject_id}|{bucket}".encode()).hexdigest()


class Context(msgspec.Struct, kw_only=True):
    """Everything the rules know besides the uses: venues, cards' home cities and holders, devices,
    family links (pairs of holders who may show each other's codes)."""

    places: dict[uuid.UUID, Place]
    home_region: dict[uuid.UUID, str]  # card -> cards_card.region
    holder: dict[uuid.UUID, uuid.UUID] = {}  # card -> person, where the use did not say
    registrations: list[Registration] = []
    family: set[frozenset[uuid.UUID]] = set()


# --- small pieces -----------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS-84 points (the sphere is good to 0.5 %)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(a: Place, b: Place) -> float | None:
    if not (a.located and b.located):
        return None
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]  # located: neither is None


def day(at: dt.datetime) -> str:
    return at.astimezone(CST).date().isoformat()


def _ids(uses: Iterable[Use]) -> list[str]:
    return [str(u.id) for u in list(uses)[:EVIDENCE_IDS]]


def _times(uses: Iterable[Use]) -> list[str]:
    return [u.at.isoformat() for u in list(uses)[:EVIDENCE_IDS]]


def _by(uses: Iterable[Use], key: Callable[[Use], Any]) -> dict[Any, list[Use]]:
    out: dict[Any, list[Use]] = defaultdict(list)
    for use in uses:
        k = key(use)
        if k is not None:
            out[k].append(use)
    return out


def _bursts(uses: Sequence[Use], threshold: int, span: dt.timedelta) -> list[list[Use]]:
    """Each first run of at least `threshold` uses within `span`, one per day (of the use that
    reached it). `uses` are in time order. Two pointers: linear in the uses."""
    found: list[list[Use]] = []
    days: set[str] = set()
    start = 0
    for end, use in enumerate(uses):
        while use.at - uses[start].at > span:
            start += 1
        if end - start + 1 >= threshold and day(use.at) not in days:
            days.add(day(use.at))
            found.append(list(uses[start : end + 1]))
    return found


def _person(use: Use, ctx: Context) -> uuid.UUID | None:
    return use.person or (ctx.holder.get(use.card) if use.card else None)


def _city_of_card(card: uuid.UUID, uses: Sequence[Use], ctx: Context) -> str:
    """The card's home city: its region, else the city of most of its uses."""
    region = ctx.home_region.get(card)
    if region:
        return region
    cities = Counter(ctx.places[u.venue].city for u in uses if u.venue in ctx.places)
    return cities.most_common(1)[0][0] if cities else ""


# --- the rules ----------------------------------------------------------------------------


def impossible_travel(valid_by_card: dict[uuid.UUID, list[Use]], ctx: Context) -> list[Finding]:
    """Two consecutive valid uses of a card at located venues >= TRAVEL_MIN_KM apart at more than
    TRAVEL_MAX_KMH. One finding per card and day (the first such pair of the day)."""
    out: list[Finding] = []
    for card, uses in valid_by_card.items():
        located = [u for u in uses if u.venue in ctx.places and ctx.places[u.venue].located]
        days: set[str] = set()
        for a, b in itertools.pairwise(located):
            km = distance_km(ctx.places[a.venue], ctx.places[b.venue])
            if km is None or km < TRAVEL_MIN_KM:
                continue
            hours = max((b.at - a.at).total_seconds(), 1.0) / 3600
            kmh = km / hours
            if kmh <= TRAVEL_MAX_KMH or day(b.at) in days:
                continue
            days.add(day(b.at))
            pa, pb = ctx.places[a.venue], ctx.places[b.venue]
            out.append(
                Finding(
                    kind="impossible_travel",
                    subject_kind="card",
                    subject_id=str(card),
                    bucket=day(b.at),
                    window_start=a.at,
                    window_end=b.at,
                    score=min(int(kmh), 2**31 - 1),
                    summary=f"Valid uses {km:.0f} km apart within {hours * 60:.0f} min ({kmh:.0f} km/h).",
                    evidence={
                        "verifications": [str(a.id), str(b.id)],
                        "venues": [{"id": str(p.id), "name": p.name, "city": p.city} for p in (pa, pb)],
                        "times": [a.at.isoformat(), b.at.isoformat()],
                        "distance_km": round(km, 1),
                        "minutes": round(hours * 60, 1),
                        "speed_kmh": round(kmh),
                    },
                    card_id=card,
                    person=_person(b, ctx),
                    city=_city_of_card(card, uses, ctx),
                )
            )
    return out


def many_venues(valid_by_card: dict[uuid.UUID, list[Use]], ctx: Context) -> list[Finding]:
    """>= MANY_VENUES distinct venues with valid uses of one card within MANY_VENUES_MINUTES."""
    span = dt.timedelta(minutes=MANY_VENUES_MINUTES)
    out: list[Finding] = []
    for card, uses in valid_by_card.items():
        days: set[str] = set()
        start = 0
        seen: Counter[uuid.UUID] = Counter()
        for use in uses:
            seen[use.venue] += 1
            while use.at - uses[start].at > span:
                seen[uses[start].venue] -= 1
                if not seen[uses[start].venue]:
                    del seen[uses[start].venue]
                start += 1
            if len(seen) >= MANY_VENUES and day(use.at) not in days:
                days.add(day(use.at))
                burst = [u for u in uses[start:] if u.at <= use.at]
                out.append(
                    Finding(
                        kind="many_venues",
                        subject_kind="card",
                        subject_id=str(card),
                        bucket=day(use.at),
                        window_start=burst[0].at,
                        window_end=use.at,
                        score=len(seen),
                        summary=f"Valid uses at {len(seen)} venues within {MANY_VENUES_MINUTES} min.",
                        evidence={
                            "verifications": _ids(burst),
                            "times": _times(burst),
                            "venues": [
                                {"id": str(v), "name": ctx.places[v].name if v in ctx.places else ""}
                                for v in dict.fromkeys(u.venue for u in burst)
                            ],
                            "distinct_venues": len(seen),
                        },
                        card_id=card,
                        person=_person(use, ctx),
                        city=_city_of_card(card, uses, ctx),
                    )
                )
    return out


def _centroids(ctx: Context) -> dict[str, tuple[float, float]]:
    """Each city's middle, from its located venues."""
    sums: dict[str, list[float]] = {}
    for p in ctx.places.values():
        if p.located:
            s = sums.setdefault(p.city, [0.0, 0.0, 0.0])
            s[0] += p.latitude  # type: ignore[operator]  # located
            s[1] += p.longitude  # type: ignore[operator]  # located
            s[2] += 1
    return {city: (s[0] / s[2], s[1] / s[2]) for city, s in sums.items()}


def far_from_home(valid_by_card: dict[uuid.UUID, list[Use]], ctx: Context) -> list[Finding]:
    """>= FAR_DAYS days on which the card was used in its home city and >= FAR_KM from it."""
    centres = _centroids(ctx)
    out: list[Finding] = []
    for card, uses in valid_by_card.items():
        home = _city_of_card(card, uses, ctx)
        centre = centres.get(home)
        if centre is None:
            continue
        at_home: dict[str, list[Use]] = defaultdict(list)
        away: dict[str, list[Use]] = defaultdict(list)
        for use in uses:
            place = ctx.places.get(use.venue)
            if place is None:
                continue
            if place.city == home:
                at_home[day(use.at)].append(use)
            elif place.located and haversine_km(centre[0], centre[1], place.latitude, place.longitude) >= FAR_KM:  # type: ignore[arg-type]  # located
                away[day(use.at)].append(use)
        both = sorted(set(at_home) & set(away))
        if len(both) < FAR_DAYS:
            continue
        shown = [u for d in both for u in (at_home[d][:2] + away[d][:2])]
        out.append(
            Finding(
                kind="far_from_home",
                subject_kind="card",
                subject_id=str(card),
                bucket=both[-1],
                window_start=min(u.at for u in shown),
                window_end=max(u.at for u in shown),
                score=len(both),
                summary=f"Used on {len(both)} days both in its home city and {FAR_KM:.0f} km or more away.",
                evidence={
                    "home_city": home,
                    "days": both,
                    "verifications": _ids(shown),
                    "away_venues": [
                        {"id": str(v), "name": ctx.places[v].name, "city": ctx.places[v].city}
                        for v in dict.fromkeys(u.venue for d in both for u in away[d])
                    ][:EVIDENCE_IDS],
                },
                card_id=card,
                person=_person(uses[-1], ctx),
                city=home,
            )
        )
    return out


def _groups(people: set[uuid.UUID], family: set[frozenset[uuid.UUID]]) -> int:
    """How many unrelated groups `people` fall into, family links joining them (union-find)."""
    parent = {p: p for p in people}

    def root(p: uuid.UUID) -> uuid.UUID:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for pair in family:
        if pair <= people and len(pair) == 2:
            a, b = tuple(pair)
            parent[root(a)] = root(b)
    return len({root(p) for p in people})


def device_holders(uses: Iterable[Use], ctx: Context) -> dict[str, dict[uuid.UUID, list[Use]]]:
    """Device key -> holder -> the uses that showed a code of the holder's card from that key."""
    out: dict[str, dict[uuid.UUID, list[Use]]] = defaultdict(lambda: defaultdict(list))
    for use in uses:
        person = _person(use, ctx)
        if use.device_key and person:
            out[use.device_key][person].append(use)
    for reg in ctx.registrations:
        out[reg.key_id].setdefault(reg.person, [])
    return out


def shared_device(uses: Iterable[Use], ctx: Context) -> list[Finding]:
    """One device key presenting or registered for cards of >= SHARED_DEVICE_HOLDERS holders who
    are not joined by the family service."""
    out: list[Finding] = []
    for key, holders in device_holders(uses, ctx).items():
        if len(holders) < SHARED_DEVICE_HOLDERS:
            continue
        people = set(holders)
        groups = _groups(people, ctx.family)
        if groups < SHARED_DEVICE_HOLDERS:
            continue
        shown = sorted((u for us in holders.values() for u in us), key=lambda u: (u.at, u.id))
        registered = [r for r in ctx.registrations if r.key_id == key]
        times = [u.at for u in shown] + [r.at for r in registered]
        cities = Counter(ctx.places[u.venue].city for u in shown if u.venue in ctx.places)
        city = cities.most_common(1)[0][0] if cities else ""
        if not city:
            cards = [u.card for u in shown if u.card] + [r.card for r in registered]
            city = next((ctx.home_region[c] for c in cards if c in ctx.home_region), "")
        out.append(
            Finding(
                kind="shared_device",
                subject_kind="device",
                subject_id=key,
                bucket=day(max(times)) if times else "",
                window_start=min(times),
                window_end=max(times),
                score=groups,
                summary=f"One device key showed or holds the cards of {len(people)} holders ({groups} unrelated).",
                evidence={
                    "device_key_id": key,
                    "holders": len(people),
                    "unrelated_groups": groups,
                    "cards": sorted({str(u.card) for u in shown if u.card} | {str(r.card) for r in registered})[:EVIDENCE_IDS],
                    "verifications": _ids(shown),
                    "registrations": len(registered),
                },
                city=city,
            )
        )
    return out


def _burst_findings(
    kind: str,
    subject_kind: str,
    groups: dict[Any, list[Use]],
    threshold: int,
    span: dt.timedelta,
    what: str,
    ctx: Context,
) -> list[Finding]:
    out: list[Finding] = []
    for subject, uses in groups.items():
        for burst in _bursts(uses, threshold, span):
            last = burst[-1]
            place = ctx.places.get(last.venue)
            card = subject if subject_kind == "card" else None
            city = _city_of_card(subject, uses, ctx) if subject_kind == "card" else (place.city if place else "")
            out.append(
                Finding(
                    kind=kind,
                    subject_kind=subject_kind,
                    subject_id=str(subject),
                    bucket=day(last.at),
                    window_start=burst[0].at,
                    window_end=last.at,
                    score=len(burst),
                    summary=f"{len(burst)} {what} within {int(span.total_seconds() // 60)} min.",
                    evidence={
                        "verifications": _ids(burst),
                        "times": _times(burst),
                        "results": dict(Counter(u.result for u in burst)),
                        "venues": [
                            {"id": str(v), "name": ctx.places[v].name if v in ctx.places else ""}
                            for v in dict.fromkeys(u.venue for u in burst)
                        ][:EVIDENCE_IDS],
                        "count": len(burst),
                    },
                    card_id=card,
                    person=_person(last, ctx) if card else None,
                    venue_id=last.venue if subject_kind != "card" else None,
                    city=city,
                )
            )
    return out


def replay_attempts(uses: Sequence[Use], ctx: Context) -> list[Finding]:
    """>= REPLAY_PER_CARD `replayed` for one card, or >= REPLAY_PER_SCANNER from one scanner, in REPLAY_MINUTES."""
    replayed = [u for u in uses if u.result == "replayed"]
    span = dt.timedelta(minutes=REPLAY_MINUTES)
    return _burst_findings(
        "replay_attempts", "card", _by(replayed, lambda u: u.card), REPLAY_PER_CARD, span, "replayed codes of this card", ctx
    ) + _burst_findings(
        "replay_attempts", "scanner", _by(replayed, lambda u: u.scanner), REPLAY_PER_SCANNER, span, "replayed codes", ctx
    )


def forgery_attempts(uses: Sequence[Use], ctx: Context) -> list[Finding]:
    """>= FORGERY_PER_SCANNER `bad_signature` results from one scanner in FORGERY_MINUTES. A code in our
    format whose signature fails was made or altered by someone; `malformed` is not counted: any other QR
    code (a payment code shown by mistake, a damaged print) is malformed, and busy gates see many."""
    bad = [u for u in uses if u.result == "bad_signature"]
    span = dt.timedelta(minutes=FORGERY_MINUTES)
    return _burst_findings(
        "forgery_attempts", "scanner", _by(bad, lambda u: u.scanner), FORGERY_PER_SCANNER, span, "forged codes", ctx
    )


def revoked_device(uses: Sequence[Use], ctx: Context) -> list[Finding]:
    """>= REVOKED_PER_CARD `device_revoked` results for one card within REVOKED_HOURS."""
    revoked = [u for u in uses if u.result == "device_revoked"]
    span = dt.timedelta(hours=REVOKED_HOURS)
    return _burst_findings(
        "revoked_device", "card", _by(revoked, lambda u: u.card), REVOKED_PER_CARD, span, "codes from a revoked device", ctx
    )


def withholding(valid_by_card: dict[uuid.UUID, list[Use]], ctx: Context) -> list[Finding]:
    """>= WITHHOLD_USES valid uses at one venue on >= WITHHOLD_DAYS days, and no valid use elsewhere."""
    out: list[Finding] = []
    for card, uses in valid_by_card.items():
        if len(uses) < WITHHOLD_USES:
            continue
        venues = {u.venue for u in uses}
        if len(venues) != 1:
            continue
        days = sorted({day(u.at) for u in uses})
        if len(days) < WITHHOLD_DAYS:
            continue
        venue = uses[0].venue
        place = ctx.places.get(venue)
        out.append(
            Finding(
                kind="withholding",
                subject_kind="card",
                subject_id=str(card),
                bucket=days[-1],
                window_start=uses[0].at,
                window_end=uses[-1].at,
                score=len(uses),
                summary=f"{len(uses)} valid uses on {len(days)} days, all at one venue and nowhere else.",
                evidence={
                    "venue": {"id": str(venue), "name": place.name if place else "", "city": place.city if place else ""},
                    "days": days,
                    "uses": len(uses),
                    "verifications": _ids(uses),
                    "times": _times(uses),
                },
                card_id=card,
                person=_person(uses[-1], ctx),
                venue_id=venue,
                # The venue's conduct is in question: its city's staff take the case.
                city=place.city if place else _city_of_card(card, uses, ctx),
            )
        )
    return out


def outside_catalog(uses: Sequence[Use], ctx: Context) -> list[Finding]:
    """>= OUTSIDE_CATALOG `scenario_not_allowed` results from one venue in the window, counting only the
    venue's own refusals: a catalog refusal is recorded before any code is read, so with no card. The
    same result with a card is the card's side (transport not enabled on it), not the venue's conduct."""
    out: list[Finding] = []
    refusals = (u for u in uses if u.result == "scenario_not_allowed" and u.card is None)
    for venue, refused in _by(refusals, lambda u: u.venue).items():
        if len(refused) < OUTSIDE_CATALOG:
            continue
        place = ctx.places.get(venue)
        scenarios = Counter(u.scenario for u in refused)
        out.append(
            Finding(
                kind="outside_catalog",
                subject_kind="venue",
                subject_id=str(venue),
                bucket=day(refused[-1].at),
                window_start=refused[0].at,
                window_end=refused[-1].at,
                score=len(refused),
                summary=f"{len(refused)} verifications for scenarios outside the venue's catalog.",
                evidence={
                    "venue": {"id": str(venue), "name": place.name if place else ""},
                    "scenarios": dict(scenarios.most_common(10)),
                    "verifications": _ids(refused),
                    "times": _times(refused),
                },
                venue_id=venue,
                city=place.city if place else "",
            )
        )
    return out


def detect(uses: Sequence[Use], ctx: Context) -> list[Finding]:
    """Every rule over the uses of a window (in time order), each finding once per dedupe key."""
    valid_by_card = _by((u for u in uses if u.result == "valid"), lambda u: u.card)
    findings = [
        *impossible_travel(valid_by_card, ctx),
        *many_venues(valid_by_card, ctx),
        *far_from_home(valid_by_card, ctx),
        *shared_device(uses, ctx),
        *replay_attempts(uses, ctx),
        *forgery_attempts(uses, ctx),
        *revoked_device(uses, ctx),
        *withholding(valid_by_card, ctx),
        *outside_catalog(uses, ctx),
    ]
    unique: dict[str, Finding] = {}
    for finding in findings:
        unique.setdefault(finding.dedupe_key, finding)
    return list(unique.values())
