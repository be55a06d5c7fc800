"""The public directory of service points and terminals: upkeep by staff, search by anyone."""

import asyncio
import secrets

import pytest

from tests.servicepoints.helpers import point

pytestmark = pytest.mark.anyio
URL = "/api/v1/service-points"


async def _create(world, body, headers=None):
    return await world.client.post(URL, json=body, headers=headers or await world.operator())


async def test_search_by_city_service_facility_kind_and_words(world, staffing):
    city = await staffing.city()
    word = f"w{secrets.token_hex(4)}"
    staffed = (await _create(world, point(city, word=word))).json()
    terminal = (
        await _create(world, point(city, word=word, kind="terminal", services=["ecard", "report_loss"], facilities=[]))
    ).json()
    elsewhere = (await _create(world, point("440100", word=word))).json()

    async def found(**params) -> set[str]:
        response = await world.client.get(URL, params={"q": word, **params})
        assert response.status_code == 200, response.text
        return {p["id"] for p in response.json()["items"]}

    assert await found() == {staffed["id"], terminal["id"], elsewhere["id"]}
    assert await found(city_code=city) == {staffed["id"], terminal["id"]}
    assert await found(city_code=city, service="replace") == {staffed["id"]}
    assert await found(service="report_loss", kind="terminal") == {terminal["id"]}
    assert await found(facility="wheelchair_access", city_code=city) == {staffed["id"]}
    # Words match names and addresses in every language, case-insensitively; LIKE wildcards are plain text.
    assert await found(city_code=city, q=f"TIYU {word.upper()}") == {staffed["id"], terminal["id"]}
    assert await found(city_code=city, q=f"體育西路 {word}") == {staffed["id"], terminal["id"]}
    assert await found(q=f"{word} %") == await found()  # a wildcard is no search word
    assert await found(q=f"{word} 不存在的地方") == set()

    body = (await world.client.get(f"{URL}/{staffed['id']}")).json()
    assert body["opening_hours"][0] == {"days": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:30"}
    assert body["name"]["en"].endswith(word) and body["facilities"] == ["wheelchair_access", "priority_window"]


async def test_staff_keep_it_up_to_date_without_lost_updates(world, staffing):
    city = await staffing.city()
    supervisor = await staffing.supervisor(city)
    created = (await _create(world, point(city), supervisor)).json()
    url = f"{URL}/{created['id']}"
    response = await world.client.patch(url, json={"phone": "020-88888888", "version": created["version"]}, headers=supervisor)
    assert response.status_code == 200 and response.json()["phone"] == "020-88888888" and response.json()["version"] == 2
    # A change based on an old read is refused, not silently merged.
    stale = await world.client.patch(url, json={"phone": "020-1", "version": created["version"]}, headers=supervisor)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "service_point.conflict"
    # Deactivated: out of the public directory, still there for staff.
    assert (await world.client.patch(url, json={"active": False, "version": 2}, headers=supervisor)).status_code == 200
    assert (await world.client.get(url)).status_code == 404
    assert created["id"] not in str((await world.client.get(URL, params={"city_code": city})).json())
    # Supervisors keep their own city only; citizens and anonymous callers not at all.
    assert (await _create(world, point("440100"), supervisor)).json()["error"]["code"] == "service_point.not_permitted"
    assert (await world.client.post(URL, json=point(city))).status_code == 401


async def test_concurrent_updates_one_wins(world, staffing):
    from backend.lib.auth import Principal
    from backend.servicepoints import directory
    from backend.servicepoints.schemas import PointOut, PointUpdate

    created = (await _create(world, point())).json()
    operator = Principal(kind="staff", id="op", role="provincial_operator", city="440000")

    async def race():
        calls = [directory.update_point(operator, created["id"], PointUpdate(phone=f"020-{i}", version=1)) for i in range(4)]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = await world.call(race)
    assert sum(isinstance(r, PointOut) for r in results) == 1
    assert all(r.code == "service_point.conflict" for r in results if not isinstance(r, PointOut))


async def test_bad_input(world):
    cases = [
        (point(colour="red"), 400, "request.unknown_field"),
        (point(services=["teleport"]), 400, "request.invalid"),
        (point(services=[]), 400, "request.invalid"),
        (point(kind="kiosk"), 400, "request.invalid"),
        (point(phone="call me"), 400, "request.invalid"),
        (point(latitude=91), 400, "request.invalid"),
        (point(opening_hours=[{"days": [8], "opens": "09:00", "closes": "17:00"}]), 400, "request.invalid"),
        (point(opening_hours=[{"days": [1], "opens": "9am", "closes": "17:00"}]), 400, "request.invalid"),
        (point(opening_hours=[{"days": [1], "opens": "18:00", "closes": "09:00"}]), 422, "service_point.bad_hours"),
        (point(city_code="899999"), 422, "service_point.unknown_city"),
        (point(name={"zh-Hans": " ", "zh-Hant": "x", "en": "x"}), 422, "service_point.text_required"),
    ]
    for body, status, code in cases:
        response = await _create(world, body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    for params in ({"service": "x"}, {"city_code": "1"}, {"limit": 0}, {"q": "x" * 101}):
        assert (await world.client.get(URL, params=params)).status_code == 400
    assert (await world.client.get(f"{URL}/00000000-0000-0000-0000-000000000000")).json()["error"][
        "code"
    ] == "service_point.not_found"
    created = (await _create(world, point())).json()
    response = await world.client.patch(f"{URL}/{created['id']}", json={"phone": "1"}, headers=await world.operator())
    assert response.status_code == 400  # the version read is required
