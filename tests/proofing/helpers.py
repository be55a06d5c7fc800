"""Builders for the proofing tests: people with cards at a bank, accounts, counter staff, a bank
played by an HTTP client with its own Ed25519 key (PyNaCl), and the calls each party makes."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import secrets
import time
import uuid
from dataclasses import dataclass, field

import anyio
from nacl.signing import SigningKey

from backend.lib.canonical import canonical_json
from tests.accounts.helpers import enrol_staff_totp

PASSWORD = "correct horse battery"
PURPOSE = "yikatong.proofing.bank-answer.v1"


def now() -> int:
    return int(time.time())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_id_number() -> str:
    from backend.identity.documents import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(20000))
    return make_resident_id("440106", birth, secrets.randbelow(1000))


@dataclass
class Person:
    id_number: str
    name: str
    person_id: str = ""
    card_number: str = ""
    card_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # signed in, when there is an account

    @property
    def document(self) -> dict[str, str]:
        return {"doc_type": "resident_id", "id_number": self.id_number}


@dataclass
class Bank:
    code: str
    id: str
    headers: dict[str, str]
    key: SigningKey

    def sign(self, challenge_id: str, card_number: str, decision: str = "approved", at: int | None = None, key=None) -> dict:
        signed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now() if at is None else at))
        message = canonical_json(
            {
                "purpose": PURPOSE,
                "challenge_id": challenge_id,
                "card_number": card_number,
                "decision": decision,
                "signed_at": signed_at,
            }
        )
        signature = (key or self.key).sign(message).signature
        return {
            "challenge_id": challenge_id,
            "card_number": card_number,
            "decision": decision,
            "signed_at": signed_at,
            "signature": b64(signature),
        }


class World:
    """Unique data per test on the shared, migrated databases."""

    def __init__(self, client) -> None:
        self.client = client
        self._office: tuple[uuid.UUID, str] | None = None
        self._operator: dict[str, str] | None = None
        self._bank: Bank | None = None

    async def call(self, fn, *args, **kwargs):
        """Run a coroutine on the app's own event loop (its database pool lives there)."""
        portal = self.client.blocking_portal
        return await anyio.to_thread.run_sync(functools.partial(portal.call, functools.partial(fn, *args, **kwargs)))

    @property
    def keyring(self):
        return self.client.app.state.keystore.load()

    async def office(self) -> tuple[uuid.UUID, str]:
        if self._office is None:
            self._office = await self.call(_make_office)
        return self._office

    async def staff(self, role: str = "counter_operator") -> dict[str, str]:
        from backend.accounts.services import create_staff

        office_id, _ = await self.office()
        username = f"pf{secrets.token_hex(5)}"
        await self.call(create_staff, username=username, name="柜员李", role=role, office_id=office_id, password=PASSWORD)
        response = await self.client.post("/api/v1/auth/staff/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        await enrol_staff_totp(self.client, response.json()["token"])  # staff sign in with a second factor
        return bearer(response.json()["token"])

    async def operator(self) -> dict[str, str]:
        if self._operator is None:
            self._operator = await self.staff("provincial_operator")
        return self._operator

    async def bank(self) -> Bank:
        """A cooperating bank with a `bank` machine client and a registered answer key."""
        if self._bank is None:
            code = "P" + secrets.token_hex(4).upper()
            bank_id = await self.call(_make_bank, code)
            response = await self.client.post(
                "/api/v1/clients",
                json={"kind": "bank", "org_id": str(bank_id), "name": f"{code} proofing"},
                headers=await self.operator(),
            )
            assert response.status_code == 201, response.text
            token = response.json()["token"]
            key = SigningKey.generate()
            response = await self.client.post(
                "/api/v1/proofing/bank-keys",
                json={"bank_code": code, "public_key": b64(bytes(key.verify_key))},
                headers=await self.operator(),
            )
            assert response.status_code == 201, response.text
            self._bank = Bank(code=code, id=str(bank_id), headers=bearer(token), key=key)
        return self._bank

    async def person(self, *, name: str = "王小明", card: bool = True, account: bool = True, ecard: int = 1) -> Person:
        """A person registered by document, with a card at the world's bank (an e-card issued
        at the counter) and an account, signed in, as asked."""
        from backend.identity.services import register_person

        who = Person(id_number=new_id_number(), name=name)
        who.person_id = str(await self.call(register_person, self.keyring, "resident_id", who.id_number, name))
        if card:
            bank = await self.bank()
            office_id, city = await self.office()
            from backend.cards.services import issue_card_directly

            issued = await self.call(
                issue_card_directly,
                self.keyring,
                person_id=who.person_id,
                city_code=city,
                office_id=office_id,
                bank_code=bank.code,
                ecard_level=ecard,
            )
            who.card_number, who.card_id = issued["card_number"], str(issued["card_id"])
        if account:
            response = await self.client.post("/api/v1/accounts", json={**who.document, "name": name, "password": PASSWORD})
            assert response.status_code == 201, response.text
            who.headers = await self.login(who)
        return who

    async def login(self, who: Person, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post("/api/v1/auth/login", json={**who.document, "password": password})
        assert response.status_code == 200, response.text
        return bearer(response.json()["token"])

    async def photo(self, who: Person, photo: bytes) -> None:
        response = await self.client.put(
            "/api/v1/staff/proofing/photo-of-record", json={**who.document, "photo": b64(photo)}, headers=await self.staff()
        )
        assert response.status_code == 200, response.text

    async def attempts(self, person_id: str) -> list[dict]:
        """The proofing_attempt rows of a person, newest first."""
        from backend.proofing.tables import ProofingAttempt

        async def read():
            return (
                await ProofingAttempt.select()
                .where(ProofingAttempt.person == uuid.UUID(person_id))
                .order_by(ProofingAttempt.at, ascending=False)
                .run()
            )

        return await self.call(read)

    async def record(self, person_id: str) -> list[dict]:
        """The person's access record entries (newest first)."""
        from backend.audit.services import for_person

        items, _ = await self.call(for_person, person_id, limit=200, before=None)
        return [{"action": r.action, "result": r.result, "result_code": r.result_code, "actor_kind": r.actor_kind} for r in items]

    async def assurance(self, person_id: str) -> int:
        from backend.accounts.tables import Account

        async def read():
            row = await Account.select(Account.assurance).where(Account.person == uuid.UUID(person_id)).first().run()
            return row["assurance"] if row else None

        return await self.call(read)

    async def card(self, person_id: str) -> dict:
        from backend.cards.tables import Card

        async def read():
            return await Card.select().where(Card.person == uuid.UUID(person_id)).first().run()

        return await self.call(read)


async def _make_office() -> tuple[uuid.UUID, str]:
    from backend.org.tables import City, Office

    code = "44" + f"{secrets.randbelow(9000) + 1000:04d}"
    city = await City.objects().get(City.code == code).run()
    if city is None:
        city = City(code=code, name=f"Test city {code}")
        await city.save().run()
    office = Office(city=city.id, name=f"Proofing office {secrets.token_hex(3)}")
    await office.save().run()
    return office.id, code


async def _make_bank(code: str) -> uuid.UUID:
    from backend.org.tables import Bank as BankRow

    row = BankRow(code=code, name=f"银行 {code}", status="active", updated_at=dt.datetime.now(dt.UTC))
    await row.save().run()
    return row.id


async def _make_city(code: str) -> None:
    from backend.org.tables import City

    if not await City.exists().where(City.code == code).run():
        await City(code=code, name="广州市", name_en="Guangzhou").save().run()


async def hotel_scanner(world: World) -> dict[str, str]:
    """A hotel in Guangzhou with the hotel check-in scenario, and its scanner's credential."""
    await world.call(_make_city, "440100")
    body = {"name": f"宾馆 {secrets.token_hex(3)}", "venue_type": "hotel", "city_code": "440100", "scenarios": ["hotel_checkin"]}
    response = await world.client.post("/api/v1/venues", json=body, headers=await world.operator())
    assert response.status_code == 201, response.text
    venue = response.json()["id"]
    response = await world.client.post(
        f"/api/v1/venues/{venue}/scanners", json={"name": "front desk"}, headers=await world.operator()
    )
    assert response.status_code == 201, response.text
    return bearer(response.json()["token"])


def reset_headers(started: dict) -> dict[str, str]:
    return {"X-Reset-Token": started["reset_token"]}
