"""City catalogs extend the provincial one: they add items and scenarios, never remove provincial ones."""

import datetime as dt

import pytest

from tests.catalog.helpers import content, scenario, uid, utcnow

pytestmark = pytest.mark.anyio


async def test_a_city_catalog_adds_to_the_provincial_one_for_that_city_only(catalog):
    city, other = await catalog.city(), await catalog.city()
    supervisor = await catalog.supervisor(city)
    reviewer = await catalog.supervisor(city)
    province_item, city_item = f"t.{uid()}", f"t.{uid()}"
    await catalog.published(province_item, content([scenario(f"t_{uid()}", ["library"])]))
    await catalog.published(
        city_item, content([scenario(f"t_{uid()}", ["library"])]), scope=city, author=supervisor, reviewer=reviewer
    )
    assert {province_item, city_item} <= await catalog.codes(city)
    assert province_item in await catalog.codes(other) and city_item not in await catalog.codes(other)
    assert city_item not in await catalog.codes("440000")
    # The city catalog is a superset of the provincial one.
    assert await catalog.codes("440000") <= await catalog.codes(city)
    # Its history has the city's changes and the province's; another city's history does not.
    history = lambda region: catalog.client.get("/api/v1/catalog/history", params={"region": region, "limit": 200})  # noqa: E731
    assert city_item in str((await history(city)).json()) and province_item in str((await history(city)).json())
    assert city_item not in str((await history(other)).json())


async def test_a_city_cannot_remove_or_change_provincial_items(catalog):
    city = await catalog.city()
    supervisor = await catalog.supervisor(city)
    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["library"])]))

    # Withdrawing, redrafting or creating provincial items is for provincial operators only.
    assert (await catalog.withdraw(code, headers=supervisor)).json()["error"]["code"] == "catalog.not_permitted"
    body = content([scenario(name, ["library"])])
    response = await catalog.client.post(f"/api/v1/catalog/items/{code}/versions", json=body, headers=supervisor)
    assert response.status_code == 403
    assert (await catalog.create(f"t.{uid()}", body, headers=supervisor)).status_code == 403
    # ... nor another city's catalog.
    assert (await catalog.create(f"t.{uid()}", body, scope=await catalog.city(), headers=supervisor)).status_code == 403
    # A city cannot take over a provincial scenario by defining one of the same name.
    response = await catalog.create(
        f"t.{uid()}", content([scenario(name, ["library"], ["name"])]), scope=city, headers=supervisor
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "catalog.scenario_taken"
    response = await catalog.create(
        f"t.{uid()}", content([scenario("library_entry", ["library"], ["name"])]), scope=city, headers=supervisor
    )
    assert response.json()["error"]["code"] == "catalog.scenario_taken"
    assert code in await catalog.codes(city)


async def test_an_extension_adds_scenarios_under_a_provincial_item_while_it_is_in_effect(catalog):
    city = await catalog.city()
    base, ext, added = f"t.{uid()}", f"t.{uid()}", f"t_{uid()}"
    await catalog.published(base, content([scenario(f"t_{uid()}", ["library"])]))
    await catalog.published(ext, content([scenario(added, ["library"])]), scope=city, extends=base)
    current = (await catalog.public(city))["items"]
    codes = [i["code"] for i in current]
    assert codes.index(ext) == codes.index(base) + 1  # listed right under what it extends
    assert next(i for i in current if i["code"] == ext)["extends"] == base
    assert ext not in await catalog.codes("440000")

    # Withdrawing the provincial item ends the city's extension of it at the same moment.
    end = utcnow() + dt.timedelta(days=2)
    assert (await catalog.withdraw(base, end)).status_code == 200
    assert ext in await catalog.codes(city, at=end - dt.timedelta(seconds=1))
    assert not {base, ext} & await catalog.codes(city, at=end)


async def test_dates_decide_for_city_items_too(catalog):
    city = await catalog.city()
    code = f"t.{uid()}"
    start = utcnow() + dt.timedelta(days=3)
    await catalog.published(code, content([scenario(f"t_{uid()}", ["library"])]), scope=city, effective_from=start)
    assert code not in await catalog.codes(city)
    assert code in await catalog.codes(city, at=start)


async def test_extension_rules(catalog):
    city = await catalog.city()
    city_item = f"t.{uid()}"
    await catalog.published(city_item, content([scenario(f"t_{uid()}", ["library"])]), scope=city)
    body = content([scenario(f"t_{uid()}", ["library"])])
    cases = [
        (dict(scope="440000", extends="gd.library"), 422, "catalog.extension_needs_city"),
        (dict(scope=city, extends=city_item), 422, "catalog.base_not_provincial"),
        (dict(scope=city, extends=f"t.{uid()}"), 422, "catalog.unknown_base"),
        (dict(scope="899999"), 422, "catalog.unknown_city"),
    ]
    for kwargs, status, code in cases:
        response = await catalog.create(f"t.{uid()}", body, **kwargs)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), kwargs
    response = await catalog.create(f"t.{uid()}", content([], venue_types=["library"]), scope=city, extends="gd.library")
    assert response.json()["error"]["code"] == "catalog.extension_needs_scenarios"
