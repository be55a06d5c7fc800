"""Helpers for the accounts tests: fresh identity numbers, people, offices, staff and tokens."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import secrets
import time

import anyio
import httpx
import pyotp

from backend.accounts import services
from backend.identity.documents import make_resident_id
from backend.lib.assurance import level_of
from backend.org.tables import City, Office

PASSWORD = "correct horse battery"


def new_id_number(region: str = "440106") -> str:
    """A valid resident number unlikely to exist yet in the shared test databases."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=secrets.randbelow(29000))
    return make_resident_id(region, birth, secrets.randbelow(1000))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def keyring(client):
    return client.app.state.keystore.load()


async def register(client, id_number: str | None = None, *, name: str = "张三", password: str = PASSWORD):
    id_number = new_id_number() if id_number is None else id_number
    response = await client.post(
        "/api/v1/accounts", json={"doc_type": "resident_id", "id_number": id_number, "name": name, "password": password}
    )
    return id_number, response


async def login(client, id_number: str, password: str = PASSWORD, **extra):
    body = {"doc_type": "resident_id", "id_number": id_number, "password": password, **extra}
    return await client.post("/api/v1/auth/login", json=body)


async def citizen(client, *, proven: str | None = "counter") -> tuple[str, str]:
    """(id_number, token) of a fresh signed-in citizen, proven at a counter unless `proven`
    names another proofing method or is None (an account nobody has proven yet)."""
    id_number, response = await register(client)
    assert response.status_code == 201, response.text
    if proven is not None:
        await prove(client, response.json()["id"], proven)
    response = await login(client, id_number)
    assert response.status_code == 200, response.text
    return id_number, response.json()["token"]


async def prove(client, account_id: str, method: str = "counter") -> None:
    """Set-up standing for a proofing route (tests/proofing drives the routes themselves)."""
    await in_app(client, services.record_proof, account_id, level=level_of(method), method=method, now=int(time.time()))


def new_city_code() -> str:
    return "44" + f"{secrets.randbelow(9000) + 1000:04d}"


async def office(client, city_code: str | None = None) -> tuple[str, str]:
    """(office id, city code): an office in the given (or a new random) city."""
    return await in_app(client, _office, city_code or new_city_code())


async def _office(code: str) -> tuple[str, str]:
    city = await City.objects().get(City.code == code).run()
    if city is None:
        city = City(code=code, name=f"Test city {code}")
        await city.save().run()
    row = Office(city=city.id, name=f"Test office {secrets.token_hex(3)}")
    await row.save().run()
    return str(row.id), code


async def staff(client, role: str, *, city_code: str | None = None, password: str = PASSWORD) -> dict:
    """A staff member created through the service and signed in: {id, username, city, token}."""
    office_id, code = await office(client, city_code)
    username = f"t{secrets.token_hex(5)}"
    member = await in_app(
        client,
        services.create_staff,
        username=username,
        name="Test Staff",
        role=role,
        office_id=office_id,
        password=password,
    )
    response = await client.post("/api/v1/auth/staff/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    secret = await enrol_staff_totp(client, token)
    return {
        "id": str(member.id),
        "username": username,
        "city": code,
        "office_id": office_id,
        "token": token,
        "totp_secret": secret,
    }


async def enrol_staff_totp(client, token: str) -> str:
    """Staff sign in with a second factor (backend/accounts/enrolment.py): enrol TOTP on a fresh
    staff session, which makes it a full one. Returns the secret (later sign-ins need its codes)."""
    started = await client.post("/api/v1/me/totp", headers=bearer(token))
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    code = pyotp.TOTP(secret).now()
    confirmed = await client.post("/api/v1/me/totp/confirm", json={"code": code}, headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    return secret


async def in_app(client, fn, *args, **kwargs):
    """Await fn(*args, **kwargs) on the app's event loop, where its database pool and store live
    (the test client runs the app in a portal thread; asyncpg connections are loop-bound)."""
    call = functools.partial(client.blocking_portal.call, functools.partial(fn, *args, **kwargs))
    return await anyio.to_thread.run_sync(call)


async def concurrently(client, *requests: tuple[str, str, dict], address: str = "198.51.100.7") -> list[httpx.Response]:
    """Send requests truly in parallel (the test client would serialise them), from `address`."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            return await asyncio.gather(*(http.request(method, url, **kw) for method, url, kw in requests))

    return await in_app(client, run)
