"""Simulated traffic for the misuse scan: thousands of ordinary holders and a few planted patterns.

`generate(seed, holders, end)` is pure: the same seed gives the same holders, venues, trips and
planted patterns (row ids are drawn fresh, so several runs share one database). `write(traffic)`
puts it in the database with bulk inserts (minimal real rows: cities, a bank, venues, persons, cards,
family relations, device registrations, verifications). tests/enforcement/test_traffic.py and
bench/misuse_detection.py both use it.

The ordinary population (docs/misuse.md, "Simulated traffic"): holders live in eight Guangdong cities;
most commute by metro on weekdays (in and out, morning and evening) where there is a metro, some visit
a hospital or library, a few are inpatients scanned a few times a day, a few take a trip by
high-speed train to another city (station gates, metro, a hotel) and come back a day or two later,
some make a day trip; a third show offline codes from their own phone's key; families share one
phone through the family service; scanners see an occasional honest double scan (`replayed`), a
damaged code (`malformed`) and a scenario set up wrongly (`scenario_not_allowed`).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))

# City: name, centre (latitude, longitude), share of holders, metro stations.
CITIES: dict[str, tuple[str, float, float, float, int]] = {
    "440100": ("广州市", 23.1291, 113.2644, 0.33, 40),
    "440300": ("深圳市", 22.5431, 114.0579, 0.30, 40),
    "440600": ("佛山市", 23.0215, 113.1214, 0.10, 15),
    "441900": ("东莞市", 23.0207, 113.7518, 0.10, 15),
    "440400": ("珠海市", 22.2710, 113.5767, 0.06, 0),
    "440500": ("汕头市", 23.3541, 116.6819, 0.05, 0),
    "440800": ("湛江市", 21.2707, 110.3594, 0.03, 0),
    "441400": ("梅州市", 24.2886, 116.1226, 0.03, 0),
}
CITY_NAMES_EN = {
    "440100": "Guangzhou",
    "440300": "Shenzhen",
    "440600": "Foshan",
    "441900": "Dongguan",
    "440400": "Zhuhai",
    "440500": "Shantou",
    "440800": "Zhanjiang",
    "441400": "Meizhou",
}
# venue type -> (scenario, how many per city)
KINDS: dict[str, tuple[str, int]] = {
    "hospital": ("medical_visit", 6),
    "hotel": ("hotel_checkin", 6),
    "library": ("library_entry", 3),
}
TRAIN_KMH = 250.0  # average of a high-speed train between Guangdong's cities, stops included
# Results recorded without the card: a code that did not verify, and a catalog refusal (before the code is read).
NO_CARD_RESULTS = frozenset({"bad_signature", "malformed", "scenario_not_allowed"})


@dataclass
class VenueSpec:
    id: uuid.UUID
    name: str
    venue_type: str
    city: str
    latitude: float
    longitude: float
    scenario: str
    scanners: list[uuid.UUID]


@dataclass
class HolderSpec:
    person: uuid.UUID
    card: uuid.UUID
    city: str
    device_key: str | None  # shows offline codes from this key


@dataclass
class Scan:
    at: dt.datetime
    venue: VenueSpec
    holder: HolderSpec | None
    result: str = "valid"
    device_key: str | None = None
    scenario: str | None = None  # default: the venue's


@dataclass
class Traffic:
    seed: int
    start: dt.datetime
    end: dt.datetime
    venues: list[VenueSpec]
    holders: list[HolderSpec]  # ordinary and planted alike
    scans: list[Scan]
    families: list[tuple[uuid.UUID, uuid.UUID]]  # (proxy, relative): live family relations
    registrations: list[tuple[str, HolderSpec]]  # a device key bound to a card
    planted: list[tuple[str, str, str]]  # (signal kind, subject kind, subject id) the scan must find
    planted_subjects: set[str] = field(default_factory=set)  # every id a planted pattern touches
    ordinary_cards: set[str] = field(default_factory=set)


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _make(rng: random.Random, code: str, vt: str, scenario: str, n: int, label: str) -> list[VenueSpec]:
    name, lat, lon, _share, metro = CITIES[code]
    spread = 0.12 if metro else 0.05  # some 13 km, 5 km from the centre
    return [
        VenueSpec(
            uuid.uuid4(),
            f"{name}{label}{i + 1}",
            vt,
            code,
            lat + rng.uniform(-spread, spread),
            lon + rng.uniform(-spread, spread),
            scenario,
            [uuid.uuid4() for _ in range(2)],
        )
        for i in range(n)
    ]


def _venues(rng: random.Random) -> dict[str, dict[str, list[VenueSpec]]]:
    out: dict[str, dict[str, list[VenueSpec]]] = {}
    labels = {"hospital": "医院", "hotel": "酒店", "library": "图书馆"}
    for code, (_name, _lat, _lon, _share, metro) in CITIES.items():
        kinds = {"metro": _make(rng, code, "metro", "transit_ride", metro, "地铁站")}
        kinds["rail"] = _make(rng, code, "rail", "transit_ride", 1, "高铁站")
        for vt, (scenario, n) in KINDS.items():
            kinds[vt] = _make(rng, code, vt, scenario, n, labels[vt])
        out[code] = kinds
    return out


def _km(a: VenueSpec, b: VenueSpec) -> float:
    from backend.enforcement.signals import haversine_km

    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def generate(seed: int, holders: int, end: dt.datetime) -> Traffic:
    """Three days of traffic ending at `end` (a midnight, province time) and the planted patterns."""
    rng = random.Random(seed)
    start = end - dt.timedelta(hours=72)
    days = [start + dt.timedelta(days=d) for d in range(3)]  # midnights, CST
    venues = _venues(rng)
    all_venues = [v for kinds in venues.values() for vs in kinds.values() for v in vs]
    codes = list(CITIES)
    weights = [CITIES[c][3] for c in codes]
    people: list[HolderSpec] = []
    scans: list[Scan] = []
    families: list[tuple[uuid.UUID, uuid.UUID]] = []
    registrations: list[tuple[str, HolderSpec]] = []

    def at(day: dt.datetime, hour: float) -> dt.datetime:
        return (day + dt.timedelta(hours=hour)).astimezone(dt.UTC)

    def ride(h: HolderSpec, city: str, when: dt.datetime, key: str | None) -> dt.datetime:
        """A metro ride (in, out) or, without a metro, nothing; returns when it ends."""
        stations = venues[city]["metro"]
        if not stations:
            return when
        a, b = rng.sample(stations, 2)
        out = when + dt.timedelta(minutes=rng.uniform(15, 55))
        scans.append(Scan(when, a, h, device_key=key))
        scans.append(Scan(out, b, h, device_key=key))
        return out

    def trip(h: HolderSpec, day_out: int, back_after: int, key: str | None) -> None:
        home_rail = venues[h.city]["rail"][0]
        # by high-speed train only where it is the way to go (Foshan from Guangzhou is a metro ride)
        dest = rng.choice([c for c in codes if c != h.city and _km(home_rail, venues[c]["rail"][0]) >= 80])
        far_rail = venues[dest]["rail"][0]
        leave = at(days[day_out], rng.uniform(7, 12))
        t = ride(h, h.city, leave, key) + dt.timedelta(minutes=rng.uniform(10, 40))
        scans.append(Scan(t, home_rail, h, device_key=key))
        arrive = t + dt.timedelta(hours=_km(home_rail, far_rail) / TRAIN_KMH, minutes=rng.uniform(10, 30))
        scans.append(Scan(arrive, far_rail, h, device_key=key))
        t = ride(h, dest, arrive + dt.timedelta(minutes=rng.uniform(5, 20)), key)
        if back_after:
            scans.append(
                Scan(t + dt.timedelta(minutes=rng.uniform(20, 60)), rng.choice(venues[dest]["hotel"]), h, device_key=key)
            )
        day_back = min(day_out + back_after, 2)
        t = max(t + dt.timedelta(hours=2), at(days[day_back], rng.uniform(13, 18)))
        scans.append(Scan(t, far_rail, h, device_key=key))
        arrive = t + dt.timedelta(hours=_km(home_rail, far_rail) / TRAIN_KMH, minutes=rng.uniform(10, 30))
        scans.append(Scan(arrive, home_rail, h, device_key=key))
        ride(h, h.city, arrive + dt.timedelta(minutes=rng.uniform(5, 20)), key)

    def holder(city: str | None = None, key: bool | None = None) -> HolderSpec:
        city = city or rng.choices(codes, weights)[0]
        own = key if key is not None else rng.random() < 0.33
        h = HolderSpec(uuid.uuid4(), uuid.uuid4(), city, _hex(rng, 16) if own else None)
        if h.device_key:
            registrations.append((h.device_key, h))
        people.append(h)
        return h

    # --- ordinary holders -------------------------------------------------------------
    ordinary: list[HolderSpec] = []
    for _ in range(holders):
        h = holder()
        ordinary.append(h)
        key = h.device_key
        r = rng.random()
        if r < 0.004:  # an inpatient: scanned two or three times a day at one hospital, nowhere else
            ward = rng.choice(venues[h.city]["hospital"])
            for d in days:
                for _ in range(rng.randint(2, 3)):
                    scans.append(Scan(at(d, rng.uniform(8, 20)), ward, h, device_key=key))
            continue
        travels = r < 0.05
        out_day = rng.randint(0, 1) if travels else -1
        back_after = rng.randint(1, 2) if travels else 0
        day_trip = not travels and r < 0.06
        for n, d in enumerate(days):
            away = travels and out_day < n < out_day + back_after
            if n == out_day:
                trip(h, n, back_after, key)
                continue
            if away or (travels and n == min(out_day + back_after, 2)):
                continue  # away, or the day back (the trip wrote it)
            if day_trip and n == 1:
                trip(h, 1, 0, key)
                continue
            weekday = d.astimezone(CST).weekday() < 5
            if weekday and rng.random() < 0.6:  # commute
                back = ride(h, h.city, at(d, rng.uniform(7, 9.5)), key)
                ride(h, h.city, max(back + dt.timedelta(hours=6), at(d, rng.uniform(17, 20))), key)
            elif rng.random() < 0.3:  # an errand or an outing
                ride(h, h.city, at(d, rng.uniform(9, 19)), key)
            if rng.random() < 0.03:  # a hospital visit: registration, then the pharmacy
                hosp = rng.choice(venues[h.city]["hospital"])
                t = at(d, rng.uniform(8, 16))
                scans.append(Scan(t, hosp, h, device_key=key))
                if rng.random() < 0.6:
                    scans.append(Scan(t + dt.timedelta(minutes=rng.uniform(20, 90)), hosp, h, device_key=key))
            if rng.random() < 0.02:
                scans.append(Scan(at(d, rng.uniform(9, 20)), rng.choice(venues[h.city]["library"]), h, device_key=key))

    # families: a proxy's phone shows the codes of two relatives (the family service), joined by relations
    for _ in range(max(3, holders // 200)):
        proxy = holder(city=rng.choice(["440100", "440300", "440600", "441900"]), key=True)
        ordinary.append(proxy)
        for _ in range(2):
            relative = holder(city=proxy.city, key=False)
            ordinary.append(relative)
            families.append((proxy.person, relative.person))
            for d in days:
                if rng.random() < 0.7:
                    ride(relative, proxy.city, at(d, rng.uniform(9, 17)), proxy.device_key)

    # honest mistakes at scanners: double scans, damaged codes, a scenario set up wrongly
    for _ in range(max(1, len(scans) // 400)):
        s = rng.choice(scans)
        scans.append(Scan(s.at + dt.timedelta(seconds=rng.uniform(2, 30)), s.venue, s.holder, "replayed", s.device_key))
    for _ in range(max(1, len(scans) // 1000)):
        scans.append(Scan(at(rng.choice(days), rng.uniform(7, 21)), rng.choice(all_venues), None, "malformed"))
    for _ in range(max(1, holders // 1000)):
        v = rng.choice(all_venues)
        for _ in range(rng.randint(1, 2)):
            scans.append(
                Scan(
                    at(rng.choice(days), rng.uniform(8, 18)), v, rng.choice(ordinary), "scenario_not_allowed", scenario="parking"
                )
            )

    # --- planted patterns -------------------------------------------------------------------
    planted: list[tuple[str, str, str]] = []
    subjects: set[str] = set()
    gz, sz = venues["440100"], venues["440300"]

    def mark(kind: str, subject_kind: str, subject: object) -> None:
        planted.append((kind, subject_kind, str(subject)))
        subjects.add(str(subject))

    for _ in range(3):  # lending: a card passed around, seven venues in under an hour
        h = holder(city="440100", key=False)
        t = at(days[1], rng.uniform(10, 15))
        for v in rng.sample(gz["metro"] + gz["hotel"] + gz["library"], 7):
            scans.append(Scan(t, v, h))
            t += dt.timedelta(minutes=rng.uniform(4, 8))
        mark("many_venues", "card", h.card)
    for far in ("440500", "440800"):  # lending: used at home every morning, 350 km away every evening
        h = holder(city="440100", key=False)
        for d in days:
            ride(h, "440100", at(d, rng.uniform(7, 9)), None)
            scans.append(Scan(at(d, rng.uniform(19, 21)), rng.choice(venues[far]["hotel"] + venues[far]["library"]), h))
        mark("far_from_home", "card", h.card)
    for _ in range(3):  # impossible travel: Guangzhou, then Zhanjiang (about 400 km) within the hour
        h = holder(city="440100", key=False)
        t = at(days[2], rng.uniform(9, 12))
        scans.append(Scan(t, rng.choice(gz["metro"]), h))
        scans.append(Scan(t + dt.timedelta(minutes=rng.uniform(20, 50)), rng.choice(venues["440800"]["hotel"]), h))
        mark("impossible_travel", "card", h.card)
    for _ in range(2):  # withholding: a hospital keeps the card, five scans a day, nothing else
        h = holder(city="440300", key=False)
        hosp = rng.choice(sz["hospital"])
        for d in days:
            for _ in range(5):
                scans.append(Scan(at(d, rng.uniform(8, 20)), hosp, h))
        mark("withholding", "card", h.card)
        subjects.add(str(hosp.id))
    shared = _hex(rng, 16)  # one phone showing the codes of four unrelated holders
    for _ in range(4):
        h = holder(city="440300", key=False)
        ride(h, "440300", at(rng.choice(days), rng.uniform(8, 20)), shared)
        subjects.add(str(h.card))
    mark("shared_device", "device", shared)
    h = holder(city="440100", key=False)  # a copied code tried six times
    t0 = at(days[0], 18)
    scans.append(Scan(t0, gz["metro"][0], h))
    for i in range(6):
        scans.append(Scan(t0 + dt.timedelta(minutes=3 + 4 * i), rng.choice(gz["metro"]), h, "replayed"))
    mark("replay_attempts", "card", h.card)
    replayer = gz["hotel"][0]  # a scanner replaying codes: 25 in 50 minutes
    t0 = at(days[1], 22)
    for i in range(25):
        scans.append(Scan(t0 + dt.timedelta(minutes=2 * i), replayer, rng.choice(ordinary), "replayed"))
    mark("replay_attempts", "scanner", replayer.scanners[0])
    forger = sz["library"][0]  # forged codes: eight bad signatures in twenty minutes
    t0 = at(days[2], 15)
    for i in range(8):
        scans.append(Scan(t0 + dt.timedelta(minutes=2.5 * i), forger, None, "bad_signature"))
    mark("forgery_attempts", "scanner", forger.scanners[0])
    h = holder(city="440300", key=True)  # a lost phone, unbound, still used
    t0 = at(days[1], 9)
    for i in range(4):
        scans.append(Scan(t0 + dt.timedelta(hours=1.5 * i), rng.choice(sz["metro"]), h, "device_revoked", h.device_key))
    mark("revoked_device", "card", h.card)
    outside = venues["440600"]["hotel"][0]  # a hotel verifying for parking, which the catalog does not give it
    for i in range(7):
        scans.append(Scan(at(days[i % 3], 12 + i), outside, rng.choice(ordinary), "scenario_not_allowed", scenario="parking"))
    mark("outside_catalog", "venue", outside.id)

    scans = [s for s in scans if start <= s.at < end]
    scans.sort(key=lambda s: s.at)
    traffic = Traffic(seed, start, end, all_venues, people, scans, families, registrations, planted, subjects)
    traffic.ordinary_cards = {str(h.card) for h in ordinary}
    # the scanners and venues the planted patterns use are not ordinary either
    traffic.planted_subjects |= {str(replayer.scanners[0]), str(forger.scanners[0]), str(outside.id)}
    return traffic


# --- writing it -------------------------------------------------------------------------------


async def _rows(table: Any, rows: list[dict[str, Any]], chunk: int = 5_000) -> None:
    from backend.lib import db

    for at in range(0, len(rows), chunk):
        async with db.transaction():
            await db.insert_rows(table, rows[at : at + chunk])


async def write(traffic: Traffic) -> dict[str, int]:
    """Put the traffic in the database (inside the app's event loop); how many rows of each."""
    from backend.cards.tables import Card, Device
    from backend.family.tables import Relation
    from backend.identity.tables import Person
    from backend.lib import db
    from backend.org.tables import Bank, City
    from backend.venues.tables import Venue, Verification

    now = dt.datetime.now(dt.UTC)
    async with db.transaction():
        for code, (name, *_rest) in CITIES.items():
            if not await City.exists().where(City.code == code).run():
                await City(code=code, name=name, name_en=CITY_NAMES_EN[code]).save().run()
        if not await Bank.exists().where(Bank.code == "ICBC").run():
            await Bank(code="ICBC", name="ICBC", status="active", updated_at=now).save().run()
    city_ids = {r["code"]: r["id"] for r in await City.select(City.id, City.code).run()}  # type: ignore[attr-defined]
    bank = (await Bank.select(Bank.id).where(Bank.code == "ICBC").first().run())["id"]
    await _rows(
        Venue,
        [
            {
                "id": v.id,
                "name": v.name,
                "venue_type": v.venue_type,
                "city": city_ids[v.city],
                "scenarios": [v.scenario],
                "active": True,
                "latitude": v.latitude,
                "longitude": v.longitude,
                "created_by": "traffic",
                "created_at": traffic.start,
            }
            for v in traffic.venues
        ],
    )
    base = secrets.randbelow(10**8)
    letter = secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
    await _rows(
        Person,
        [
            {
                "id": h.person,
                "doc_type": "resident_id",
                "id_cipher": b"\x00" * 16,
                "id_blind": secrets.token_hex(32),
                "name": "模拟持卡人",
                "sex": None,
                "birth_date": None,
                "region": None,
                "created_at": traffic.start,
                "merged_into": None,
                "merged_at": None,
            }
            for h in traffic.holders
        ],
    )
    card_rows = []
    for i, h in enumerate(traffic.holders):
        card_rows.append(
            {
                "id": h.card,
                "number": f"{letter}{(base + i) % 10**8:08d}",
                "ref": secrets.token_hex(8),
                "person": h.person,
                "active_person": h.person,
                "region": h.city,
                "state": "active",
                "version": 1,
                "bank": bank,
                "account": f"62{secrets.randbelow(10**14):014d}",
                "ecard_level": 1,
                "ecard_issued_at": traffic.start,
                "assurance": 2,
                "proofing": "counter",
                "transport_enabled": False,
                "lapse_at": None,
                "replaces": None,
                "replaced_by": None,
                "application": None,
                "office": None,
                "issued_at": traffic.start,
                "updated_at": traffic.start,
            }
        )
    await _rows(Card, card_rows)
    await _rows(
        Device,
        [
            {
                "id": uuid.uuid4(),
                "person": h.person,
                "card": h.card,
                "label": "phone",
                "public_key": None,
                "key_id": key,
                "bound_key": None,
                "status": "bound",
                "bound_at": traffic.start - dt.timedelta(days=30),
                "unbound_at": None,
            }
            for key, h in traffic.registrations
        ],
    )
    await _rows(
        Relation,
        [
            {
                "id": uuid.uuid4(),
                "holder": proxy,
                "relative": relative,
                "relationship": "elder",
                "status": "active",
                "live_pair": f"{proxy}|{relative}",
                "minor": False,
                "requested_by": "traffic",
                "created_at": traffic.start - dt.timedelta(days=60),
                "consent": "relative",
                "agreed_by": "traffic",
                "agreed_office": None,
                "evidence": "",
                "agreed_at": traffic.start - dt.timedelta(days=59),
                "ended_by": "",
                "ended_at": None,
            }
            for proxy, relative in traffic.families
        ],
    )
    rows = []
    for s in traffic.scans:
        rows.append(
            {
                "id": uuid.uuid4(),
                "venue": s.venue.id,
                "scanner_id": s.venue.scanners[0]
                if s.result in ("replayed", "bad_signature")
                else random.choice(s.venue.scanners),
                "scenario": s.scenario or s.venue.scenario,
                "result": s.result,
                "code_kind": "offline" if s.device_key else ("online" if s.result != "malformed" else None),
                "code_id": None,
                # A catalog refusal is recorded before the code is read: no card (backend/venues/verification.py).
                "card_id": s.holder.card if s.holder and s.result not in NO_CARD_RESULTS else None,
                "card_ref": None,
                "device_key_id": s.device_key,
                "person": s.holder.person if s.holder and s.result not in NO_CARD_RESULTS else None,
                "disclosed": [],
                "at": s.at,
                "offline": bool(s.device_key),
                "uploaded_at": None,
                "retry": False,
                "double_use": False,
                "upload_key": None,
                "use_key": None,
                "region": None,
            }
        )
    await _rows(Verification, rows)
    return {"venues": len(traffic.venues), "holders": len(traffic.holders), "verifications": len(rows)}


def far_future_end(rng: random.Random | None = None) -> dt.datetime:
    """A midnight (province time) years ahead, different each run: a window no other test writes into."""
    days = (rng or random.SystemRandom()).randrange(0, 20_000)
    return dt.datetime(2040, 1, 1, tzinfo=CST) + dt.timedelta(days=days)
