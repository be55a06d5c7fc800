"""Issue 14: scenarios declare the least proofing of the e-card's holder they accept
(`min_assurance`), and a scenario asking more than FAMILY is online only (offline credentials do
not carry the level). The catalog checks both, shows both, and verification obeys them."""

import datetime as dt
import uuid

import msgspec
import pytest

from backend.catalog import scenarios as built_in
from backend.catalog.compiled import scenario_of
from backend.catalog.schemas import ContentIn
from backend.catalog.validate import content_row
from backend.lib import assurance
from backend.lib.errors import ApiError
from tests.catalog.helpers import content, scenario, uid

pytestmark = pytest.mark.anyio


def _body(**extra) -> tuple[str, dict]:
    name = f"t_{uid()}"
    return name, {"code": f"t.{uid()}", **content([scenario(name, ["library"], **extra)])}


async def _post(catalog, body: dict):
    return await catalog.client.post("/api/v1/catalog/items", json=body, headers=await catalog.author())


async def test_bad_levels_are_refused(catalog):
    for level in (-1, 4, 99, "2", 1.5, None, True):
        _, body = _body(min_assurance=level)
        response = await _post(catalog, body)
        assert (response.status_code, response.json()["error"]["code"]) == (400, "request.invalid"), level
    _, body = _body(offline="yes")
    assert (await _post(catalog, body)).status_code == 400


async def test_an_offline_scenario_cannot_ask_more_than_family(catalog):
    for level in (assurance.REMOTE, assurance.IN_PERSON):
        _, body = _body(min_assurance=level, offline=True)
        response = await _post(catalog, body)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "catalog.offline_assurance"
        assert error["details"]["min_assurance"] == level and error["details"]["offline_max"] == assurance.FAMILY


async def test_levels_are_stored_and_shown(catalog, world):
    # Absent: FAMILY and offline. A high level without `offline` is stored as online only.
    default, body = _body()
    item = await catalog.published(body.pop("code"), body)
    [stored] = item["versions"][0]["scenarios"]
    assert (stored["min_assurance"], stored["offline"]) == (assurance.FAMILY, True)
    code = f"t.{uid()}"
    name = f"t_{uid()}"
    strict = content([scenario(name, ["library"], min_assurance=assurance.IN_PERSON)])
    item = await catalog.published(code, strict)
    [stored] = item["versions"][0]["scenarios"]
    assert (stored["min_assurance"], stored["offline"]) == (assurance.IN_PERSON, False)
    # An operator may make a low scenario online only, and level 0 (no proofing) is allowed.
    _, body = _body(min_assurance=assurance.NONE, offline=False)
    item = await catalog.published(body.pop("code"), body)
    [stored] = item["versions"][0]["scenarios"]
    assert (stored["min_assurance"], stored["offline"]) == (assurance.NONE, False)

    # The public catalog and an item's public history show them.
    public = await catalog.public()
    shown = {s["name"]: s for i in public["items"] for s in i["scenarios"]}
    assert (shown[name]["min_assurance"], shown[name]["offline"]) == (assurance.IN_PERSON, False)
    assert (shown[default]["min_assurance"], shown[default]["offline"]) == (assurance.FAMILY, True)
    history = (await catalog.client.get(f"/api/v1/catalog/items/{code}")).json()
    assert history["versions"][0]["scenarios"][0]["min_assurance"] == assurance.IN_PERSON

    # And verification obeys the published level: a relative-proven card is refused, a
    # counter-proven one passes.
    venue = await catalog.venue("library", [name])
    scanner = await world.scanner(uuid.UUID(venue.json()["id"]))
    holder = await world.holder()
    await world.prove(holder, assurance.REMOTE, assurance.BANK)
    assert (await world.verify(scanner, world.online_code(holder), name)).json()["result"] == "assurance_too_low"
    await world.prove(holder, assurance.IN_PERSON, assurance.COUNTER)
    assert (await world.verify(scanner, world.online_code(holder), name)).json()["result"] == "valid"


async def test_the_built_in_catalog_asks_proofing_for_hotel_checkin_only(catalog):
    shown = {s["name"]: s for i in (await catalog.public())["items"] for s in i["scenarios"]}
    assert (shown["hotel_checkin"]["min_assurance"], shown["hotel_checkin"]["offline"]) == (assurance.REMOTE, False)
    for name in ("hospital_registration", "transit_ride", "library_entry", "scenic_entry", "counter_service"):
        assert (shown[name]["min_assurance"], shown[name]["offline"]) == (assurance.FAMILY, True), name
    for s in built_in.all_scenarios():
        assert s.offline == (s.min_assurance <= built_in.OFFLINE_MAX_ASSURANCE), s.name


def test_the_undecoded_path_checks_levels_too():
    """content_row also guards content built without decoding (Struct constructors skip Meta)."""
    raw = {
        "domain": "identity",
        "name": {"zh-Hans": "x", "zh-Hant": "x", "en": "x"},
        "venue_types": ["library"],
        "scenarios": [
            {"name": "s", "title": {"zh-Hans": "x", "zh-Hant": "x", "en": "x"}, "venue_types": ["library"]}
            | {"attributes": ["masked_name"], "legal_basis": "Art. 7"}
        ],
    }
    good = msgspec.convert(raw, ContentIn)
    row = content_row(good, extension=False)
    assert (row["scenarios"][0]["min_assurance"], row["scenarios"][0]["offline"]) == (assurance.FAMILY, True)
    bad = msgspec.structs.replace(good, scenarios=[msgspec.structs.replace(good.scenarios[0], min_assurance=7)])
    with pytest.raises(ApiError) as refused:
        content_row(bad, extension=False)
    assert refused.value.code == "catalog.bad_assurance"


def test_definitions_from_before_issue_14_read_as_family_and_offline():
    old = {"name": "s", "title": {}, "venue_types": ["library"], "attributes": ["masked_name"], "legal_basis": "x"}
    s = scenario_of(old)
    assert (s.min_assurance, s.offline) == (assurance.FAMILY, True)
    s = scenario_of({**old, "min_assurance": assurance.REMOTE})
    assert (s.min_assurance, s.offline) == (assurance.REMOTE, False)


def test_the_built_in_table_refuses_an_offline_scenario_asking_more():
    strict = built_in.Scenario("x", "x", frozenset({"library"}), ("masked_name",), min_assurance=assurance.REMOTE)
    current = list(built_in.all_scenarios())
    with pytest.raises(ValueError, match="offline"):
        built_in.replace([*current, strict])
    assert built_in.all_scenarios() == tuple(current)  # refused before anything changed


async def test_a_database_seeded_before_issue_14_gets_the_level_as_a_new_version(catalog, world):
    """The data step (catalog/seed.py require_proofing_rows): published content is never changed,
    so the scenario's item gets a new version from now on, and the history keeps the old one."""
    from backend.catalog import compiled
    from backend.catalog.seed import SEEDER, UPGRADE_NOTE, require_proofing_rows
    from backend.lib import db

    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["hotel"])], venue_types=["hotel"]))
    await world.call(_strip_levels, code)  # as a row written before issue 14
    strict = built_in.Scenario(name, name, frozenset({"hotel"}), ("name",), min_assurance=assurance.REMOTE, offline=False)

    async def upgrade() -> int:
        async with db.transaction():
            added = await require_proofing_rows([strict])
        compiled.invalidate()
        return added

    assert await world.call(upgrade) == 1
    assert await world.call(upgrade) == 0  # once only
    item = (await catalog.client.get(f"/api/v1/catalog/items/{code}")).json()
    assert item["in_effect"] == 2
    new, old = item["versions"]
    assert (new["number"], new["note"], new["status"]) == (2, UPGRADE_NOTE, "published")
    assert (new["scenarios"][0]["min_assurance"], new["scenarios"][0]["offline"]) == (assurance.REMOTE, False)
    assert (old["scenarios"][0]["min_assurance"], old["scenarios"][0]["offline"]) == (assurance.FAMILY, True)
    assert old["effective_to"] == new["effective_from"]
    managed = (await catalog.client.get(f"/api/v1/catalog/items/{code}/versions", headers=await catalog.author())).json()
    assert managed["versions"][0]["published_by"] == SEEDER


async def _strip_levels(code: str) -> None:
    from backend.catalog.tables import CatalogItem, ItemVersion

    item = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code == code).first().run()
    row = await ItemVersion.select().where(ItemVersion.item == item["id"]).first().output(load_json=True).run()
    old = [{k: v for k, v in d.items() if k not in ("min_assurance", "offline")} for d in row["scenarios"]]
    since = row["effective_from"] - dt.timedelta(days=30)  # in effect for a while, like the 2024 seed
    await (
        ItemVersion.update({ItemVersion.scenarios: old, ItemVersion.effective_from: since})
        .where(ItemVersion.id == row["id"])
        .run()
    )
