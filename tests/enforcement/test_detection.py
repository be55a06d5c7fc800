"""The misuse rules as pure functions (backend/enforcement/signals.py): each fires at its threshold and not below."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.enforcement import signals as rules
from tests.enforcement.helpers import use

T0 = dt.datetime(2031, 3, 4, 2, 0, tzinfo=dt.UTC)  # 10:00 in Guangzhou
GZ = rules.Place(id=uuid.uuid4(), name="Guangzhou", city="440100", latitude=23.13, longitude=113.26)
GZ2 = rules.Place(id=uuid.uuid4(), name="Guangzhou east", city="440100", latitude=23.12, longitude=113.38)
ZJ = rules.Place(id=uuid.uuid4(), name="Zhanjiang", city="440800", latitude=21.27, longitude=110.36)
SZ = rules.Place(id=uuid.uuid4(), name="Shenzhen", city="440300", latitude=22.54, longitude=114.06)
NOWHERE = rules.Place(id=uuid.uuid4(), name="Unplaced", city="440800")


def ctx(card: uuid.UUID | None = None, home: str = "440100", places=(GZ, GZ2, ZJ, SZ, NOWHERE)) -> rules.Context:
    return rules.Context(places={p.id: p for p in places}, home_region={card: home} if card else {})


def kinds(uses, context) -> list[str]:
    return sorted(f.kind for f in rules.detect(sorted(uses, key=lambda u: u.at), context))


def test_haversine() -> None:
    assert abs(rules.haversine_km(23.13, 113.26, 21.27, 110.36) - 369) < 10  # Guangzhou - Zhanjiang
    assert rules.haversine_km(23.13, 113.26, 23.13, 113.26) == 0


def test_impossible_travel() -> None:
    card = uuid.uuid4()
    fast = [use(T0, GZ.id, card=card), use(T0 + dt.timedelta(minutes=50), ZJ.id, card=card)]
    assert kinds(fast, ctx(card)) == ["impossible_travel"]
    (finding,) = rules.detect(fast, ctx(card))
    assert finding.score > 400 and finding.evidence["distance_km"] > 300 and finding.subject_id == str(card)
    # by high-speed train (two hours): fine; a venue without coordinates: not measured
    slow = [use(T0, GZ.id, card=card), use(T0 + dt.timedelta(hours=2), ZJ.id, card=card)]
    assert kinds(slow, ctx(card)) == []
    assert kinds([use(T0, GZ.id, card=card), use(T0 + dt.timedelta(minutes=5), NOWHERE.id, card=card)], ctx(card)) == []
    # refused uses do not count
    refused = [use(T0, GZ.id, card=card), use(T0 + dt.timedelta(minutes=50), ZJ.id, card=card, result="expired")]
    assert kinds(refused, ctx(card)) == []


def test_many_venues_threshold() -> None:
    card = uuid.uuid4()
    places = [rules.Place(id=uuid.uuid4(), name=f"v{i}", city="440100") for i in range(6)]
    c = ctx(card, places=places)
    five = [use(T0 + dt.timedelta(minutes=9 * i), p.id, card=card) for i, p in enumerate(places[:5])]
    assert kinds(five, c) == []
    six = [use(T0 + dt.timedelta(minutes=9 * i), p.id, card=card) for i, p in enumerate(places)]
    assert kinds(six, c) == ["many_venues"]
    spread = [use(T0 + dt.timedelta(minutes=13 * i), p.id, card=card) for i, p in enumerate(places)]  # 65 min
    assert kinds(spread, c) == []


def test_far_from_home_needs_three_days() -> None:
    card = uuid.uuid4()
    uses = []
    for d in range(3):
        day = T0 + dt.timedelta(days=d)
        uses += [use(day, GZ.id, card=card), use(day + dt.timedelta(hours=10), ZJ.id, card=card)]
    assert "far_from_home" in kinds(uses, ctx(card))
    assert "far_from_home" not in kinds(uses[:4], ctx(card))  # one trip there and back: two days


def test_shared_device_and_family() -> None:
    key = "1f2e3d4c5b6a7988"
    people = [uuid.uuid4() for _ in range(3)]
    uses = [
        rules.Use(uuid.uuid4(), T0 + dt.timedelta(minutes=i), GZ.id, GZ.id, "transit_ride", "valid", uuid.uuid4(), p, key)
        for i, p in enumerate(people)
    ]
    c = ctx()
    assert kinds(uses, c) == ["shared_device"]
    c.family = {frozenset(people[:2])}  # two of them are family: two unrelated groups
    assert kinds(uses, c) == []


def test_bursts() -> None:
    card, scanner = uuid.uuid4(), uuid.uuid4()
    replays = [use(T0 + dt.timedelta(minutes=5 * i), GZ.id, card=card, result="replayed") for i in range(5)]
    assert kinds(replays, ctx(card)) == ["replay_attempts"]
    assert kinds(replays[:4], ctx(card)) == []
    forged = [use(T0 + dt.timedelta(minutes=i), GZ.id, scanner=scanner, result="bad_signature") for i in range(5)]
    (finding,) = rules.detect(forged, ctx())
    assert finding.kind == "forgery_attempts" and finding.subject_id == str(scanner) and finding.city == "440100"
    revoked = [use(T0 + dt.timedelta(hours=7 * i), GZ.id, card=card, result="device_revoked") for i in range(3)]
    assert kinds(revoked, ctx(card)) == ["revoked_device"]
    assert (
        kinds([use(T0 + dt.timedelta(hours=13 * i), GZ.id, card=card, result="device_revoked") for i in range(3)], ctx(card))
        == []
    )


def test_withholding_and_outside_catalog() -> None:
    card = uuid.uuid4()
    kept = [use(T0 + dt.timedelta(days=i // 4, hours=i % 4), SZ.id, card=card) for i in range(12)]
    assert kinds(kept, ctx(card)) == ["withholding"]
    assert kinds([*kept, use(T0 + dt.timedelta(hours=5), GZ2.id, card=card)], ctx(card)) == []  # the holder is about
    # The venue's own refusals (recorded before a code is read: no card) count; a card's transport not
    # being enabled gives the same result with the card, which is the card's side, not the venue's.
    refused = [use(T0 + dt.timedelta(hours=i), GZ.id, card=None, result="scenario_not_allowed") for i in range(5)]
    assert kinds(refused, ctx()) == ["outside_catalog"]
    assert kinds(refused[:4], ctx()) == []
    card_side = [use(T0 + dt.timedelta(hours=i), GZ.id, card=uuid.uuid4(), result="scenario_not_allowed") for i in range(9)]
    assert kinds(card_side, ctx()) == []


def test_foreign_codes_are_not_forgeries() -> None:
    scanner = uuid.uuid4()
    foreign = [use(T0 + dt.timedelta(minutes=i), GZ.id, scanner=scanner, result="malformed") for i in range(20)]
    assert kinds(foreign, ctx()) == []


def test_same_pattern_same_key() -> None:
    card = uuid.uuid4()
    fast = [use(T0, GZ.id, card=card), use(T0 + dt.timedelta(minutes=50), ZJ.id, card=card)]
    later = [*fast, use(T0 + dt.timedelta(hours=3), ZJ.id, card=card)]
    assert [f.dedupe_key for f in rules.detect(fast, ctx(card))] == [f.dedupe_key for f in rules.detect(later, ctx(card))]
