"""Builders of the correction-order tests: a city with its counter operator and supervisor, targets
(a venue, an agency and an employer with their own systems' credentials), and the order routes."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from tests.venues.helpers import PASSWORD, World

BASE = "/api/v1/enforcement/orders"
ORG = "/api/v1/org/correction-orders"
CST = dt.timezone(dt.timedelta(hours=8))


def day(days_ahead: int) -> str:
    """A deadline `days_ahead` days from today in the province (Asia/Shanghai), as the form sends it."""
    return (dt.datetime.now(CST).date() + dt.timedelta(days=days_ahead)).isoformat()


async def _make_city() -> str:
    from backend.org.tables import City

    while True:
        code = f"9{secrets.randbelow(10**5):05d}"
        if not await City.exists().where(City.code == code).run():
            await City(code=code, name=f"测试市{code}", name_en=f"Test City {code}").save().run()
            return code


async def _office_in(city: str) -> uuid.UUID:
    from backend.org.tables import City, Office

    row = await City.select(City.id).where(City.code == city).first().run()
    office = Office(city=row["id"], name=f"office {secrets.token_hex(3)}", kind="office")
    await office.save().run()
    return office.id


async def _agency() -> uuid.UUID:
    from backend.org.tables import Agency

    agency = Agency(code=f"T-AG-{secrets.token_hex(4)}", name=f"测试机构 {secrets.token_hex(3)}", kind="civil_affairs")
    await agency.save().run()
    return agency.id


async def _employer(city: str) -> uuid.UUID:
    from backend.org.tables import Employer

    employer = Employer(
        uscc=secrets.token_hex(9)[:18].upper(),
        name=f"测试公司 {secrets.token_hex(3)}",
        city=city,
        created_at=dt.datetime.now(dt.UTC),
    )
    await employer.save().run()
    return employer.id


class Orders(World):
    """A World (provincial operator, offices) with cities, their staff and order targets."""

    async def city(self) -> str:
        await self.office()
        return await self.call(_make_city)

    async def city_staff(self, city: str, role: str) -> dict[str, str]:
        from backend.accounts.services import create_staff

        office = await self.call(_office_in, city)
        username = f"en-{secrets.token_hex(5)}"
        await self.call(create_staff, username=username, name=f"Test {role}", role=role, office_id=office, password=PASSWORD)
        return await self._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})

    async def venue_in(self, city: str) -> str:
        body = {
            "name": f"Venue {secrets.token_hex(3)}",
            "venue_type": "library",
            "city_code": city,
            "scenarios": ["library_entry"],
        }
        response = await self.client.post("/api/v1/venues", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def agency(self) -> tuple[str, dict[str, str]]:
        """An agency and its own system's credential."""
        agency_id = await self.call(_agency)
        return str(agency_id), await self._client("agency", agency_id)

    async def employer(self, city: str) -> tuple[str, dict[str, str]]:
        employer_id = await self.call(_employer, city)
        return str(employer_id), await self._client("employer", employer_id)

    async def _client(self, kind: str, org_id: uuid.UUID) -> dict[str, str]:
        body = {"kind": kind, "org_id": str(org_id), "name": f"{kind} system"}
        response = await self.client.post("/api/v1/clients", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def issue(
        self, headers: dict[str, str], target_kind: str, target_id: str, *, days: int = 14, expect: int = 201, **extra
    ):
        body = {
            "target_kind": target_kind,
            "target_id": target_id,
            "ground": "outside_catalog",
            "detail": "Verified scenarios the catalog does not give it.",
            "deadline": day(days),
            **extra,
        }
        response = await self.client.post(BASE, json=body, headers=headers)
        assert response.status_code == expect, response.text
        return response.json()

    async def act(self, headers: dict[str, str], order: dict, action: str, *, expect: int = 200, base: str = BASE, **body):
        body.setdefault("version", order["version"])
        response = await self.client.post(f"{base}/{order['id']}/{action}", json=body, headers=headers)
        assert response.status_code == expect, response.text
        return response.json()

    async def get(self, headers: dict[str, str], order_id: str, *, expect: int = 200):
        response = await self.client.get(f"{BASE}/{order_id}", headers=headers)
        assert response.status_code == expect, response.text
        return response.json()
