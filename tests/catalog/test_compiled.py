"""The compiled catalog: precedence and dates decided per call, and a cache keyed by catalog version."""

import datetime as dt

import pytest

from backend.catalog.compiled import Compiled, Entry, scenario_of

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def _entry(code, scope, start, end=None, *, extends=None, name="s", venue_types=("library",), number=1) -> Entry:
    d = {
        "name": name,
        "title": {"zh-Hans": name, "en": name},
        "venue_types": list(venue_types),
        "attributes": ["masked_name"],
        "legal_basis": "x",
    }
    return Entry(
        code=code,
        scope=scope,
        extends=extends,
        number=number,
        status="published",
        domain="identity",
        name={},
        description={},
        venue_types=tuple(venue_types),
        scenario_defs=(d,),
        note="",
        effective_from=start,
        effective_to=end,
        published_at=T0,
        withdrawn_at=None,
        withdraw_reason="",
        scenarios={name: scenario_of(d)},
    )


def _t(days: float) -> float:
    return (T0 + dt.timedelta(days=days)).timestamp()


def test_dates_are_half_open_intervals_decided_at_call_time():
    c = Compiled(1, [_entry("p", "440000", T0, T0 + dt.timedelta(days=10), name="a")])
    assert c.scenario_at("440100", "library", "a", _t(-0.0001)) is None
    assert c.scenario_at("440100", "library", "a", _t(0)) is not None  # from the effective date
    assert c.scenario_at("440100", "library", "a", _t(9.999)) is not None
    assert c.scenario_at("440100", "library", "a", _t(10)) is None  # not at the end date itself
    assert c.scenario_at("440100", "hotel", "a", _t(1)) is None  # wrong venue type


def test_city_items_apply_in_their_city_and_extensions_follow_their_base():
    c = Compiled(
        1,
        [
            _entry("base", "440000", T0, T0 + dt.timedelta(days=5), name="b"),
            _entry("ext", "440300", T0, None, extends="base", name="e"),
            _entry("own", "440300", T0 + dt.timedelta(days=1), None, name="o"),
        ],
    )
    assert c.scenario_at("440300", "library", "e", _t(1)) is not None
    assert c.scenario_at("440100", "library", "e", _t(1)) is None  # another city
    assert c.scenario_at("440300", "library", "e", _t(5)) is None  # base withdrawn: extension ends
    assert c.scenario_at("440300", "library", "o", _t(0.5)) is None and c.scenario_at("440300", "library", "o", _t(6)) is not None
    assert [e.code for e in c.items_at("440300", _t(2))] == ["base", "ext", "own"]
    assert [e.code for e in c.items_at("440000", _t(2))] == ["base"]
    assert [e.code for e in c.upcoming("440300", _t(0.5))] == ["base", "ext", "own"]


def test_a_later_version_replaces_the_earlier_one_from_its_date():
    v1 = _entry("p", "440000", T0, T0 + dt.timedelta(days=3), name="a", venue_types=("library", "museum"))
    v2 = _entry("p", "440000", T0 + dt.timedelta(days=3), None, name="a", number=2)
    c = Compiled(1, [v2, v1])
    assert c.scenario_at("440100", "museum", "a", _t(2)) is not None
    assert c.scenario_at("440100", "museum", "a", _t(3)) is None  # v2 dropped museums
    assert c.item_at("p", _t(4)).number == 2 and c.latest("a") is v2.scenarios["a"] and c.owner("a") == "p"


@pytest.mark.anyio
async def test_the_cache_reloads_only_when_the_version_changes(world, monkeypatch):
    from backend.catalog import compiled
    from backend.catalog.publishing import bump
    from backend.lib import db

    async def another_worker_publishes():
        async with db.transaction():
            await bump()  # as a publication elsewhere would, without touching this worker's cache

    async def probe():
        first = await compiled.current()
        again = await compiled.current()
        await another_worker_publishes()
        cached = await compiled.current()  # within CHECK_EVERY: the version is not re-read yet
        compiled._slot().checked -= compiled.CHECK_EVERY  # time passes
        fresh = await compiled.current()
        return first, again, cached, fresh

    first, again, cached, fresh = await world.call(probe)
    assert first is again is cached
    assert fresh is not first and fresh.version == first.version + 1
