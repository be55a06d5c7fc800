"""Builders for catalog tests: cities, operators of each kind, item content, the publish workflow."""

from __future__ import annotations

import datetime as dt
import secrets

from tests.venues.helpers import PASSWORD, World

UTC = dt.UTC


def uid() -> str:
    return secrets.token_hex(4)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def text(zh: str, en: str | None = None) -> dict:
    return {"zh-Hans": zh, "zh-Hant": zh, "en": en or zh}


def scenario(name: str, venue_types: list[str], attributes: list[str] | None = None, **extra) -> dict:
    return {
        "name": name,
        "title": text(f"场景 {name}", f"Scenario {name}"),
        "venue_types": venue_types,
        "attributes": attributes or ["masked_name"],
        "legal_basis": "Art. 7",
        **extra,
    }


def content(
    scenarios: list[dict], *, domain: str = "culture_tourism_sports", venue_types: list[str] | None = None, name: str = "测试服务"
) -> dict:
    types = venue_types or sorted({vt for s in scenarios for vt in s["venue_types"]}) or ["library"]
    return {"domain": domain, "name": text(name, "Test service"), "venue_types": types, "scenarios": scenarios, "note": "test"}


class Catalog:
    """Two provincial operators (author and reviewer: four eyes) and city supervisors on demand."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.client = world.client
        self._reviewer: dict[str, str] | None = None

    async def author(self) -> dict[str, str]:
        return await self.world.operator()

    async def reviewer(self) -> dict[str, str]:
        if self._reviewer is None:
            self._reviewer = await self.world.staff("provincial_operator")
        return self._reviewer

    async def city(self) -> str:
        """A new city with its own office (region codes are random, unique per test)."""
        return await self.world.call(_make_city)

    async def supervisor(self, city: str) -> dict[str, str]:
        from backend.accounts.services import create_staff

        office = await self.world.call(_office_in, city)
        username = f"sv-{uid()}"
        await self.world.call(
            create_staff, username=username, name="City Supervisor", role="supervisor", office_id=office, password=PASSWORD
        )
        return await self.world._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})

    async def create(self, code: str, body: dict, *, scope: str = "440000", extends: str | None = None, headers=None):
        payload = {"code": code, "scope": scope, **body}
        if extends:
            payload["extends"] = extends
        return await self.client.post("/api/v1/catalog/items", json=payload, headers=headers or await self.author())

    async def submit(self, code: str, number: int, headers=None):
        return await self.client.post(
            f"/api/v1/catalog/items/{code}/versions/{number}/submit", headers=headers or await self.author()
        )

    async def publish(self, code: str, number: int, effective_from: dt.datetime | None = None, headers=None):
        body = {"effective_from": iso(effective_from)} if effective_from else {}
        return await self.client.post(
            f"/api/v1/catalog/items/{code}/versions/{number}/publish", json=body, headers=headers or await self.reviewer()
        )

    async def withdraw(self, code: str, end: dt.datetime | None = None, headers=None):
        body = {"reason": "test withdrawal", **({"end": iso(end)} if end else {})}
        return await self.client.post(f"/api/v1/catalog/items/{code}/withdraw", json=body, headers=headers or await self.author())

    async def published(
        self,
        code: str,
        body: dict,
        *,
        scope: str = "440000",
        extends: str | None = None,
        effective_from: dt.datetime | None = None,
        author=None,
        reviewer=None,
    ) -> dict:
        """Create, submit and publish version 1; the item as operators see it."""
        response = await self.create(code, body, scope=scope, extends=extends, headers=author)
        assert response.status_code == 201, response.text
        assert (await self.submit(code, 1, headers=author)).status_code == 200
        response = await self.publish(code, 1, effective_from, headers=reviewer)
        assert response.status_code == 200, response.text
        return response.json()

    async def next_version(self, code: str, body: dict, effective_from: dt.datetime | None = None) -> dict:
        response = await self.client.post(f"/api/v1/catalog/items/{code}/versions", json=body, headers=await self.author())
        assert response.status_code == 201, response.text
        number = response.json()["versions"][0]["number"]
        assert (await self.submit(code, number)).status_code == 200
        response = await self.publish(code, number, effective_from)
        assert response.status_code == 200, response.text
        return response.json()

    async def public(self, region: str = "440000", at: dt.datetime | None = None, **params) -> dict:
        if at:
            params["at"] = iso(at)
        response = await self.client.get("/api/v1/catalog", params={"region": region, **params})
        assert response.status_code == 200, response.text
        return response.json()

    async def codes(self, region: str = "440000", at: dt.datetime | None = None) -> set[str]:
        return {i["code"] for i in (await self.public(region, at))["items"]}

    async def venue(self, venue_type: str, scenarios: list[str], city: str = "440100"):
        body = {"name": f"Venue {uid()}", "venue_type": venue_type, "city_code": city, "scenarios": scenarios}
        await self.world.office()
        return await self.client.post("/api/v1/venues", json=body, headers=await self.world.operator())


async def _make_city() -> str:
    from backend.org.tables import City

    while True:
        code = f"9{secrets.randbelow(10**5):05d}"
        if not await City.exists().where(City.code == code).run():
            await City(code=code, name=f"测试市{code}", name_en=f"Test City {code}").save().run()
            return code


async def _office_in(city: str):
    from backend.org.tables import City, Office

    row = await City.select(City.id).where(City.code == city).first().run()
    office = Office(city=row["id"], name=f"office {uid()}", kind="office")
    await office.save().run()
    return office.id


async def verify_at(world: World, venue_id, holder, scenario_name: str, at: int):
    """Run the verification service as the scanner would at time `at` (the clock is a parameter)."""
    from backend.venues import verification

    principal = await world.scanner_principal(venue_id)
    code = world.online_code(holder, at)
    settings = world.client.app.state.settings
    return await world.call(
        verification.verify,
        principal,
        code=code,
        scenario_name=scenario_name,
        keyring=world.keyring,
        store=world.store,
        settings=settings,
        now=at,
    )
