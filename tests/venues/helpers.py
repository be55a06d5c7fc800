"""Builders for venue tests: an operator, venues with scanners, holders with cards, codes."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import secrets
import time
import uuid
from dataclasses import dataclass

import anyio

from backend.codes import format as fmt
from backend.lib import ed25519

PASSWORD = "Venue-test-pass-2026"
CITY = "440100"


def now() -> int:
    return int(time.time())


@dataclass
class Holder:
    person_id: uuid.UUID
    card_id: uuid.UUID
    card_ref: str
    doc_type: str
    id_number: str
    name: str
    headers: dict[str, str]


@dataclass
class Device:
    id: uuid.UUID
    seed: bytes
    credential: bytes


class World:
    """Unique data per test on the shared, migrated databases."""

    def __init__(self, client) -> None:
        self.client = client
        self._office = None
        self._operator: dict[str, str] | None = None

    async def call(self, fn, *args, **kwargs):
        """Run a service coroutine on the app's own event loop (the test client serves the app
        from a portal thread, and the PostgreSQL pool belongs to that loop)."""
        portal = self.client.blocking_portal
        return await anyio.to_thread.run_sync(functools.partial(portal.call, functools.partial(fn, *args, **kwargs)))

    @property
    def keyring(self):
        return self.client.app.state.keystore.load()

    @property
    def store(self):
        return self.client.app.state.store

    async def office(self) -> uuid.UUID:
        if self._office is None:
            self._office = await self.call(self._make_office)
        return self._office

    @staticmethod
    async def _make_office() -> uuid.UUID:
        from backend.org.tables import Bank, City, Office

        city = await City.objects().get(City.code == CITY).run()
        if city is None:
            city = City(code=CITY, name="广州市", name_en="Guangzhou")
            await city.save().run()
        office = Office(city=city.id, name=f"test office {secrets.token_hex(3)}", kind="office")
        await office.save().run()
        if not await Bank.exists().where(Bank.code == "ICBC").run():
            await Bank(code="ICBC", name="ICBC", status="active", updated_at=dt.datetime.now(dt.UTC)).save().run()
        return office.id

    async def operator(self) -> dict[str, str]:
        if self._operator is None:
            from backend.accounts.services import create_staff

            username = f"op-{secrets.token_hex(5)}"
            await self.call(
                create_staff,
                username=username,
                name="Test Operator",
                role="provincial_operator",
                office_id=await self.office(),
                password=PASSWORD,
            )
            self._operator = await self._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})
        return self._operator

    async def staff(self, role: str) -> dict[str, str]:
        from backend.accounts.services import create_staff

        username = f"st-{secrets.token_hex(5)}"
        await self.call(
            create_staff, username=username, name="Test Staff", role=role, office_id=await self.office(), password=PASSWORD
        )
        return await self._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})

    async def _login(self, path: str, body: dict) -> dict[str, str]:
        response = await self.client.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        if response.json().get("second_factor_enrolment_required"):  # staff sign in with a second factor
            from tests.accounts.helpers import enrol_staff_totp

            await enrol_staff_totp(self.client, response.json()["token"])
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def venue(self, venue_type: str, scenarios: list[str]) -> uuid.UUID:
        body = {"name": f"Venue {secrets.token_hex(3)}", "venue_type": venue_type, "city_code": CITY, "scenarios": scenarios}
        await self.office()
        response = await self.client.post("/api/v1/venues", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    async def scanner(self, venue_id: uuid.UUID) -> dict[str, str]:
        response = await self.client.post(
            f"/api/v1/venues/{venue_id}/scanners", json={"name": "gate"}, headers=await self.operator()
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def scanner_principal(self, venue_id: uuid.UUID):
        """The Principal a scanner's token resolves to, for calling the service directly."""
        from backend.lib.auth import Principal

        response = await self.client.post(
            f"/api/v1/venues/{venue_id}/scanners", json={"name": "gate"}, headers=await self.operator()
        )
        assert response.status_code == 201, response.text
        client_id = response.json()["id"]
        return Principal(kind="client", role="scanner", id=client_id, org_id=str(venue_id), scanner_id=client_id)

    async def scanner_for(self, venue_type: str, scenarios: list[str]) -> dict[str, str]:
        return await self.scanner(await self.venue(venue_type, scenarios))

    async def holder(self, *, name: str = "张三丰", transport: bool = False, elderly: bool = False) -> Holder:
        from backend.accounts.services import create_citizen_account
        from backend.cards import services as cards
        from backend.identity.documents import make_resident_id

        # cards grants the elderly concession from age 65 (Art. 7)
        year = 1930 + secrets.randbelow(20) if elderly else 1975 + secrets.randbelow(25)
        birth = dt.date(year, 1 + secrets.randbelow(12), 1 + secrets.randbelow(28))
        number = make_resident_id("440106", birth, 1 + secrets.randbelow(998))
        account = await self.call(
            create_citizen_account, self.keyring, doc_type="resident_id", id_number=number, name=name, password=PASSWORD
        )
        person_id = account.get("person_id") or account.get("person")
        await self.call(
            cards.issue_card_directly,
            self.keyring,
            person_id=person_id,
            city_code=CITY,
            office_id=await self.office(),
            bank_code="ICBC",
            ecard_level=1,
        )
        subject = await self.call(cards.card_for_person, person_id)
        headers = await self._login("/api/v1/auth/login", {"doc_type": "resident_id", "id_number": number, "password": PASSWORD})
        holder = Holder(
            uuid.UUID(str(person_id)), uuid.UUID(str(subject.card_id)), subject.card_ref, "resident_id", number, name, headers
        )
        if transport:
            await self.set_transport(holder, True)
        return holder

    async def prove(self, holder: Holder, level: int, method: str) -> None:
        """Record how the e-card's holder was proven (issue 14), as a proofing route does
        (cards.services.activate_ecard); holder() cards start proven at a counter."""
        from backend.cards import services as cards
        from backend.cards.access import Actor

        actor = Actor(kind="system", id="test-proofing", channel="system")
        await self.call(cards.activate_ecard, holder.person_id, level=level, method=method, actor=actor)

    async def set_transport(self, holder: Holder, enabled: bool) -> None:
        response = await self.client.post("/api/v1/me/card/ecard", json={"transport": enabled}, headers=holder.headers)
        assert response.status_code == 200, response.text

    async def card_action(self, holder: Holder, action: str) -> None:
        response = await self.client.post(f"/api/v1/me/card/actions/{action}", json={}, headers=holder.headers)
        assert response.status_code == 200, response.text

    async def minted_code(self, holder: Holder) -> str:
        """An online code from the wallet endpoint, as a phone gets it."""
        response = await self.client.post("/api/v1/me/codes/online", headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def online_code(self, holder: Holder, at: int | None = None, *, kid: int | None = None) -> str:
        """An online code minted at any time (the format library, so tests can move the clock)."""
        keyring = self.keyring
        kid = keyring.online_kid if kid is None else kid
        return fmt.mint_online(
            bytes.fromhex(holder.card_ref), kid=kid, master=keyring.online[kid], now=now() if at is None else at
        )

    async def device(self, holder: Holder) -> Device:
        """A phone bound through the wallet API with its key, and the credential codes issues for it."""
        seed, public = ed25519.generate()
        key = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
        response = await self.client.post(
            "/api/v1/me/devices", json={"label": "test phone", "public_key": key}, headers=holder.headers
        )
        assert response.status_code == 201, response.text
        device_id = response.json()["id"]
        response = await self.client.post("/api/v1/me/credentials", json={"device_id": device_id}, headers=holder.headers)
        assert response.status_code == 200, response.text
        credential = base64.urlsafe_b64decode(response.json()["credential"] + "==")
        return Device(uuid.UUID(device_id), seed, credential)

    async def unbind(self, holder: Holder, device: Device) -> None:
        response = await self.client.delete(f"/api/v1/me/devices/{device.id}", headers=holder.headers)
        assert response.status_code == 200, response.text

    @staticmethod
    def offline_code(device: Device, at: int | None = None) -> str:
        return fmt.make_offline_code(device.credential, device.seed, now() if at is None else at)

    async def verify(self, scanner: dict[str, str], code: str, scenario: str):
        return await self.client.post("/api/v1/verify", json={"code": code, "scenario": scenario}, headers=scanner)


async def seed_operator_and_holder(settings, keyring, office_city: str = "440100"):
    """Operator, venue data and a holder with a card, written straight into the shared database."""
    import datetime as dt

    from backend.accounts.services import create_citizen_account, create_staff
    from backend.cards.services import card_for_person, issue_card_directly
    from backend.identity.documents import make_resident_id
    from backend.lib import db
    from backend.org.tables import Bank, City, Office

    async with db.lifespan(settings):
        city = await City.objects().get(City.code == office_city).run()
        if city is None:
            city = City(code=office_city, name="广州市")
            await city.save().run()
        office = Office(city=city.id, name="two-process office")
        await office.save().run()
        if not await Bank.exists().where(Bank.code == "ICBC").run():
            await Bank(code="ICBC", name="ICBC", status="active", updated_at=dt.datetime.now(dt.UTC)).save().run()
        username = f"op-{secrets.token_hex(5)}"
        await create_staff(username=username, name="Operator", role="provincial_operator", office_id=office.id, password=PASSWORD)
        number = make_resident_id("440106", dt.date(1985, 5, 5), 1 + secrets.randbelow(998))
        account = await create_citizen_account(keyring, doc_type="resident_id", id_number=number, name="王五", password=PASSWORD)
        person = account.get("person_id") or account.get("person")
        await issue_card_directly(keyring, person_id=person, city_code=office_city, office_id=office.id, bank_code="ICBC")
        subject = await card_for_person(person)
    return username, subject.card_ref
