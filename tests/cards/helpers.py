"""Helpers for the cards tests: fresh cities, offices, banks and people; tokens; app-loop calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import secrets
import uuid

import anyio
import httpx

from backend.cards.access import Actor
from backend.identity.documents import make_resident_id
from backend.identity.services import register_person
from backend.org.tables import Bank, City, Office
from tests.accounts.helpers import enrol_staff_totp

PASSWORD = "correct horse battery"
CITIZEN = Actor(kind="citizen", id="test-citizen", channel="mobile")


def new_id_number(region: str = "440106", birth: dt.date | None = None) -> str:
    """A valid resident number unlikely to exist yet in the shared test databases."""
    birth = birth or dt.date(1940, 1, 1) + dt.timedelta(days=secrets.randbelow(29000))
    return make_resident_id(region, birth, secrets.randbelow(1000))


def new_hk_permit() -> str:
    return "H" + f"{secrets.randbelow(10**8):08d}"


def new_code(prefix: str = "T") -> str:
    return prefix + secrets.token_hex(4).upper()


async def city(code: str | None = None) -> str:
    code = code or "44" + f"{secrets.randbelow(9000) + 1000:04d}"
    if not await City.exists().where(City.code == code).run():
        try:
            await City.insert(City(code=code, name=f"Test city {code}")).run()
        except Exception:  # noqa: BLE001 - another test made it meanwhile
            pass
    return code


async def office(city_code: str | None = None) -> tuple[uuid.UUID, str]:
    code = await city(city_code)
    row = await City.select(City.id).where(City.code == code).first().run()
    made = Office(city=row["id"], name=f"Test office {secrets.token_hex(3)}")
    await Office.insert(made).run()
    return made.id, code


async def bank(*, keeps: bool = True, status: str = "active") -> str:
    code = new_code("B")
    await Bank.insert(
        Bank(
            code=code, name=f"Bank {code}", status=status, keeps_account_on_replacement=keeps, updated_at=dt.datetime.now(dt.UTC)
        )
    ).run()
    return code


async def person(keyring, *, birth: dt.date | None = None, name: str = "张三") -> uuid.UUID:
    return await register_person(keyring, "resident_id", new_id_number(birth=birth), name)


def staff_actor(office_id: uuid.UUID, role_id: str = "test-staff") -> Actor:
    return Actor(kind="staff", id=role_id, channel="counter", office_id=office_id)


async def issued(keyring, *, bank_code: str | None = None, ecard_level: int = 1, birth: dt.date | None = None) -> dict:
    """A person with an issued card (and e-card): the seeder's path."""
    from backend.cards import services

    office_id, code = await office()
    bank_code = bank_code or await bank()
    pid = await person(keyring, birth=birth)
    return await services.issue_card_directly(
        keyring, person_id=pid, city_code=code, office_id=office_id, bank_code=bank_code, ecard_level=ecard_level
    )


# --- through the app ---------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def app_keyring(client):
    return client.app.state.keystore.load()


async def in_app(client, fn, *args, **kwargs):
    """Await fn(*args, **kwargs) on the app's event loop, where its database pool lives."""
    call = functools.partial(client.blocking_portal.call, functools.partial(fn, *args, **kwargs))
    return await anyio.to_thread.run_sync(call)


async def citizen(client, *, doc_type: str = "resident_id", id_number: str | None = None, name: str = "张三") -> dict:
    """A fresh citizen account, signed in: {id_number, person_id, token, headers}."""
    from backend.accounts import services

    id_number = id_number or new_id_number()
    account = await in_app(
        client,
        services.create_citizen_account,
        app_keyring(client),
        doc_type=doc_type,
        id_number=id_number,
        name=name,
        password=PASSWORD,
    )
    response = await client.post("/api/v1/auth/login", json={"doc_type": doc_type, "id_number": id_number, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    return {"id_number": id_number, "person_id": str(account["person_id"]), "token": token, "headers": bearer(token)}


async def staff(client, role: str, *, city_code: str | None = None) -> dict:
    """A staff member at a new office in `city_code` (or a new city), signed in."""
    from backend.accounts import services

    office_id, code = await in_app(client, office, city_code)
    username = f"t{secrets.token_hex(5)}"
    await in_app(
        client, services.create_staff, username=username, name="Test Staff", role=role, office_id=office_id, password=PASSWORD
    )
    response = await client.post("/api/v1/auth/staff/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    await enrol_staff_totp(client, token)  # staff sign in with a second factor
    return {"office_id": str(office_id), "city": code, "token": token, "headers": bearer(token)}


async def concurrently(client, *requests: tuple[str, str, dict]) -> list[httpx.Response]:
    """Send requests truly in parallel on the app's loop (the test client would serialise them)."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            return await asyncio.gather(*(http.request(method, url, **kw) for method, url, kw in requests))

    return await in_app(client, run)


async def forget_step_up(client, who: dict) -> None:
    """Make the holder's session an old one: no fresh factor (as hours after signing in)."""
    from backend.accounts import sessions
    from backend.accounts.tables import Session

    async def write() -> None:
        await Session.update({Session.stepped_up_at: None}).where(Session.token_hash == sessions.token_hash(who["token"])).run()

    await in_app(client, write)


async def step_up(client, who: dict) -> None:
    """Give a fresh factor for the holder's session (the password: these accounts have no second factor)."""
    response = await client.post("/api/v1/me/step-up", headers=who["headers"], json={"password": PASSWORD})
    assert response.status_code == 200, response.text


async def holder_with_card(client, *, ecard_level: int = 1) -> dict:
    """A signed-in citizen (proven at a counter) whose card was issued at a new office and bank."""
    from backend.cards import services

    holder = await citizen(client)
    office_id, code = await in_app(client, office)
    bank_code = await in_app(client, bank)
    await in_app(
        client,
        services.issue_card_directly,
        app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=bank_code,
        ecard_level=ecard_level,
    )
    return holder


async def open_account(card_id: uuid.UUID | str, account: str | None = None) -> str:
    """Play the card's bank: answer its pending account request `opened` with a number the bank chose."""
    from backend.cards import accounts
    from backend.cards.schemas import AccountAnswer

    pending = await accounts.pending_of(uuid.UUID(str(card_id)))
    assert pending is not None, "the card has no account request waiting"
    number = account or "62" + f"{secrets.randbelow(10**17):017d}"
    await accounts.answer(pending.bank, "test-bank", pending.id, AccountAnswer(outcome="opened", account=number))
    return number


async def holder_at(world, bank_code: str, name: str = "张三丰"):
    """A holder (tests.venues.helpers.Holder, signed in) whose new card is at this bank: its account
    request waits for the bank. `world` is a tests.venues.helpers.World on the app client."""
    from backend.accounts.services import create_citizen_account
    from backend.cards import services as cards
    from tests.venues.helpers import CITY, Holder
    from tests.venues.helpers import PASSWORD as VENUE_PASSWORD

    number = new_id_number()
    account = await world.call(
        create_citizen_account, world.keyring, doc_type="resident_id", id_number=number, name=name, password=VENUE_PASSWORD
    )
    issued = await world.call(
        cards.issue_card_directly,
        world.keyring,
        person_id=account["person_id"],
        city_code=CITY,
        office_id=await world.office(),
        bank_code=bank_code,
    )
    login = {"doc_type": "resident_id", "id_number": number, "password": VENUE_PASSWORD}
    headers = await world._login("/api/v1/auth/login", login)
    return Holder(issued["person_id"], issued["card_id"], issued["card_ref"], "resident_id", number, name, headers)
