"""Test helpers for codes: real citizens with real cards, made through the services as the demo seeder does."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import anyio

from backend.codes import format as fmt
from tests.cards.helpers import open_account

CITY = "440100"


@dataclass
class Citizen:
    """A signed-in citizen, optionally with a card; `headers` carry the session token."""

    account_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    id_number: str
    headers: dict[str, str]
    card: dict | None = None

    @property
    def card_ref(self) -> bytes:
        return bytes.fromhex(self.card["card_ref"])


async def in_app(client, fn, *args, **kwargs):
    """Await fn(*args, **kwargs) on the app's event loop, where its database pool lives (the
    test client runs the app in a portal thread)."""
    call = functools.partial(client.blocking_portal.call, functools.partial(fn, *args, **kwargs))
    return await anyio.to_thread.run_sync(call)


async def ensure_city(code: str) -> None:
    from backend.org.tables import City

    if not await City.exists().where(City.code == code).run():
        try:
            await City(code=code, name="广州市", name_en="Guangzhou").save().run()
        except Exception:  # noqa: BLE001 - another test made it meanwhile
            pass


async def _new_bank() -> str:
    from backend.org.tables import Bank

    code = "T" + secrets.token_hex(4).upper()
    await (
        Bank(code=code, name="测试银行", status="active", keeps_account_on_replacement=True, updated_at=dt.datetime.now(dt.UTC))
        .save()
        .run()
    )
    return code


async def _setup_citizen(
    keyring, *, card: bool, ecard_level: int, transport: bool, birth: dt.date | None
) -> tuple[dict, str, str, str, dict | None]:
    from backend.accounts import sessions
    from backend.accounts.services import create_citizen_account
    from backend.cards import devices
    from backend.cards import services as cards
    from backend.cards.access import SYSTEM
    from backend.identity.documents import make_resident_id

    birth = birth or dt.date(1970, 1, 1) + dt.timedelta(days=secrets.randbelow(12000))
    id_number = make_resident_id("440106", birth, secrets.randbelow(1000))
    name = "测试" + secrets.token_hex(2)
    account = await create_citizen_account(
        keyring, doc_type="resident_id", id_number=id_number, name=name, password="Test-password-2026"
    )
    token, _ = await sessions.create(
        kind="citizen", owner_id=account["id"], now=int(time.time()), user_agent="pytest", client_label="test"
    )
    issued = None
    if card:
        await ensure_city(CITY)
        issued = await cards.issue_card_directly(
            keyring,
            person_id=account["person_id"],
            city_code=CITY,
            office_id=None,
            bank_code=await _new_bank(),
            ecard_level=ecard_level,
        )
        issued["account"] = await open_account(issued["card_id"])  # the bank opens it (cards/accounts.py)
        if transport:
            await devices.issue_ecard(account["person_id"], SYSTEM, payment=ecard_level == 2, transport=True)
    return account, id_number, name, token, issued


async def make_citizen(
    client,
    *,
    card: bool = True,
    ecard_level: int = 1,
    transport: bool = False,
    birth: dt.date | None = None,
) -> Citizen:
    """A citizen account with a session token and (by default) an active card with its e-card,
    made through the accounts and cards services as the demo seeder does."""
    keyring = client.app.state.keystore.load()
    account, id_number, name, token, issued = await in_app(
        client, _setup_citizen, keyring, card=card, ecard_level=ecard_level, transport=transport, birth=birth
    )
    return Citizen(
        account_id=account["id"],
        person_id=account["person_id"],
        name=name,
        id_number=id_number,
        headers={"Authorization": f"Bearer {token}"},
        card=issued,
    )


async def card_action(client, citizen: Citizen, action: str) -> dict:
    """The holder takes a card action (report loss, lift it, cancel, replace) through the cards service."""
    from backend.cards import transitions
    from backend.cards.access import Actor

    holder = Actor(kind="citizen", id=str(citizen.account_id), channel="mobile")
    return await in_app(client, transitions.perform, action, holder, person_id=citizen.person_id)


def online_masters(client) -> dict[int, bytes]:
    return client.app.state.keystore.load().online


# --- the shared test vectors -----------------------------------------------------------


def held_revocations(case: dict[str, Any]) -> tuple[int, dict[str, str], set[str]]:
    """The list a verifier holds after the case's full list and its later updates (section 10).
    An update the library refuses leaves the held list as it was, as a scanner keeps it."""
    held = fmt.revocation_from_json(case["revocation"])
    for update in case.get("revocation_updates", []):
        try:
            held = fmt.apply_revocation_update(held, update)
        except ValueError:
            pass
    return held


def mismatches(vectors: dict[str, dict[str, Any]], results: dict[str, Any]) -> list[str]:
    """Every way the JavaScript answers differ from the vectors (empty when they conform)."""
    failures = []
    for name, v in vectors.items():
        if name not in results:
            continue
        got = results[name]["check"]
        if got["result"] != v["expected"]:
            failures.append(f"{name}: {got['result']} != {v['expected']}")
        for field, want in (v.get("expected_fields") or {}).items():
            if v["kind"] == "offline" and got.get(field) != want:
                failures.append(f"{name}: {field} {got.get(field)!r} != {want!r}")
        if results[name]["minted"] is not None and results[name]["minted"] != v["code"]:
            failures.append(f"{name}: the wallet's code maker made a different code")
    return failures
