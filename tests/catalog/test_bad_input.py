"""Bad catalog input is a 4xx with a machine-readable code, never a 500 and never half-written."""

import asyncio

import pytest

from tests.catalog.helpers import content, scenario, text, uid

pytestmark = pytest.mark.anyio


def _item(**overrides) -> dict:
    body = {"code": f"t.{uid()}", **content([scenario(f"t_{uid()}", ["library"])]), **overrides}
    return body


async def test_request_shapes_are_checked(catalog):
    author = await catalog.author()
    good = scenario(f"t_{uid()}", ["library"])
    cases = [
        (_item(colour="red"), 400, "request.unknown_field"),
        (_item(code="Bad Code"), 400, "request.invalid"),
        (_item(scope="44"), 400, "request.invalid"),
        (_item(domain="gambling"), 400, "request.invalid"),
        (_item(name={"zh-Hans": "x", "en": "x"}), 400, "request.invalid"),
        (_item(scenarios=[{**good, "attributes": ["blood_type"]}]), 400, "request.invalid"),
        (_item(scenarios=[{**good, "name": "Has Spaces"}]), 400, "request.invalid"),
        (_item(scenarios=[{**good, "attributes": []}]), 400, "request.invalid"),
        (_item(venue_types=[]), 400, "request.invalid"),
        (_item(note="x" * 501), 400, "request.invalid"),
        (_item(scenarios=[good, good]), 422, "catalog.duplicate_scenario"),
        (_item(scenarios=[{**good, "venue_types": ["hotel"]}]), 422, "catalog.scenario_venue_type"),
        (_item(scenarios=[{**good, "legal_basis": "   "}]), 422, "catalog.legal_basis_required"),
        (_item(name=text("  ")), 422, "catalog.name_required"),
        (_item(scenarios=[{**good, "title": text(" ")}]), 422, "catalog.title_required"),
        (_item(code="gd.library"), 409, "catalog.item_exists"),
    ]
    for body, status, code in cases:
        response = await catalog.client.post("/api/v1/catalog/items", json=body, headers=author)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    for raw in (b"{", b"[]", '{"code": "\xff"}'.encode("latin-1")):
        response = await catalog.client.post(
            "/api/v1/catalog/items", content=raw, headers={**author, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, raw


async def test_params_and_roles(catalog, world):
    client = catalog.client
    for url, status in [
        ("/api/v1/catalog?region=12", 400),
        ("/api/v1/catalog?region=899999", 404),
        ("/api/v1/catalog?at=yesterday", 400),
        ("/api/v1/catalog?at=0.5", 400),  # a number is not an RFC 3339 time (it was read as 1970)
        ("/api/v1/catalog?at=2026-02-30T00:00:00Z", 400),
        ("/api/v1/catalog?domain=casino", 400),
        ("/api/v1/catalog?q=" + "x" * 101, 400),
        ("/api/v1/catalog/history?limit=0", 400),
        ("/api/v1/catalog/items/NO", 400),
        (f"/api/v1/catalog/items/t.{uid()}", 404),
    ]:
        response = await client.get(url)
        assert response.status_code == status and response.json()["error"]["code"], url
    body = _item()
    assert (await client.post("/api/v1/catalog/items", json=body)).status_code == 401
    holder = await world.holder()
    assert (await client.post("/api/v1/catalog/items", json=body, headers=holder.headers)).status_code == 403
    counter = await world.staff("counter_operator")
    response = await client.post("/api/v1/catalog/items", json={**body, "scope": "440100"}, headers=counter)
    assert response.json()["error"]["code"] == "catalog.not_permitted"
    assert (await client.get(f"/api/v1/catalog/items/{body['code']}/versions", headers=counter)).status_code == 404


async def test_a_failed_create_leaves_nothing_behind(catalog):
    taken = f"t_{uid()}"
    await catalog.published(f"t.{uid()}", content([scenario(taken, ["library"])]))
    code = f"t.{uid()}"
    response = await catalog.create(code, content([scenario(taken, ["library"])]))
    assert response.json()["error"]["code"] == "catalog.scenario_taken"
    # The item row was written before the name check failed: the transaction took it back.
    assert (await catalog.create(code, content([scenario(f"t_{uid()}", ["library"])]))).status_code == 201


async def test_concurrent_operators_cannot_double_publish_or_open_two_drafts(catalog, world):
    import msgspec

    from backend.catalog import publishing
    from backend.catalog.schemas import ContentIn, ItemCreate
    from backend.lib.auth import Principal

    author = Principal(kind="staff", id=f"a-{uid()}", role="provincial_operator", city="440000")
    reviewers = [Principal(kind="staff", id=f"r{i}-{uid()}", role="provincial_operator", city="440000") for i in range(4)]
    code, name = f"t.{uid()}", f"t_{uid()}"
    body = content([scenario(name, ["library"])])
    await world.call(publishing.create_item, author, msgspec.convert({"code": code, **body}, ItemCreate))
    await world.call(publishing.submit, author, code, 1)

    async def race(calls):
        return await asyncio.gather(*calls, return_exceptions=True)

    results = await world.call(race, [publishing.publish(r, code, 1, None) for r in reviewers])
    assert sum(r is None for r in results) == 1
    assert all(getattr(r, "code", None) == "catalog.illegal_transition" for r in results if r is not None)
    draft = msgspec.convert(body, ContentIn)
    results = await world.call(race, [publishing.new_version(author, code, draft) for _ in range(4)])
    assert sorted(str(r) if isinstance(r, int) else r.code for r in results) == [
        "2",
        "catalog.version_open",
        "catalog.version_open",
        "catalog.version_open",
    ]
