"""Builders for the family tests: holders and relatives with cards, signed in and stepped up."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from dataclasses import dataclass, field

from tests.venues.helpers import CITY, PASSWORD, World

ADULT = dt.date(1985, 6, 1)
ELDER = dt.date(1945, 3, 9)


def child_birth() -> dt.date:
    """About 8 to 10 years ago: under 16."""
    return dt.date.today() - dt.timedelta(days=365 * 10)


@dataclass
class Member:
    """A person of the family tests: with a card and e-card level as asked, and (if asked) an
    account whose `headers` carry a signed-in, stepped-up session."""

    person_id: uuid.UUID
    name: str
    id_number: str
    headers: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None

    def body(self, relationship: str) -> dict[str, str]:
        return {"doc_type": "resident_id", "id_number": self.id_number, "name": self.name, "relationship": relationship}


def number(birth: dt.date) -> str:
    """A fresh number for someone born about then (up to two years later: the shared test
    databases keep every person, so the date spreads the numbers)."""
    from backend.identity.documents import make_resident_id

    born = min(birth + dt.timedelta(days=secrets.randbelow(730)), dt.date.today() - dt.timedelta(days=1))
    return make_resident_id("440106", born, secrets.randbelow(1000))


async def member(
    world: World,
    *,
    birth: dt.date = ADULT,
    card: bool = True,
    ecard_level: int = 1,
    account: bool = True,
    proven: str | None = "counter",
    step_up: bool = True,
    name: str | None = None,
) -> Member:
    from backend.accounts.services import create_citizen_account
    from backend.cards import services as cards
    from backend.identity.services import register_person

    name = name or "李" + secrets.choice("秀英桂兰建国志强淑珍")
    id_number = number(birth)
    if account:
        made = await world.call(
            create_citizen_account,
            world.keyring,
            doc_type="resident_id",
            id_number=id_number,
            name=name,
            password=PASSWORD,
            proven=proven,
        )
        person_id = uuid.UUID(str(made["person_id"]))
    else:
        person_id = await world.call(register_person, world.keyring, "resident_id", id_number, name)
    if card:
        await world.call(
            cards.issue_card_directly,
            world.keyring,
            person_id=person_id,
            city_code=CITY,
            office_id=await world.office(),
            bank_code="ICBC",
            ecard_level=ecard_level,
        )
    someone = Member(person_id=person_id, name=name, id_number=id_number)
    if account:
        response = await world.client.post(
            "/api/v1/auth/login", json={"doc_type": "resident_id", "id_number": id_number, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        someone.headers = {"Authorization": f"Bearer {response.json()['token']}"}
        someone.session_id = str(response.json()["session_id"])
        if step_up:
            await stepped_up(world, someone)
    return someone


async def stepped_up(world: World, someone: Member) -> None:
    """A fresh factor on the session, as POST /api/v1/me/step-up leaves it."""
    from backend.accounts import stepup

    await world.call(stepup.mark, someone.session_id, int(time.time()))


async def stale(world: World, someone: Member) -> None:
    """The session's last fresh factor (signing in counts) long gone: a 12-hour session in a thief's hands."""
    from backend.accounts import stepup

    await world.call(stepup.mark, someone.session_id, int(time.time()) - 3600)


async def add(world: World, holder: Member, relative: Member, relationship: str):
    return await world.client.post("/api/v1/me/family", json=relative.body(relationship), headers=holder.headers)


async def counter_clerk(world: World) -> dict[str, str]:
    return await world.staff("counter_operator")


async def agree_at_counter(world: World, clerk: dict[str, str], relative: Member, basis: str, evidence: str) -> dict:
    """The clerk finds the request by the relative's document and records the consent."""
    found = await world.client.post(
        "/api/v1/staff/family/requests/search", json={"doc_type": "resident_id", "id_number": relative.id_number}, headers=clerk
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert items, "the request is pending"
    response = await world.client.post(
        f"/api/v1/staff/family/relations/{items[0]['id']}/consent", json={"basis": basis, "evidence": evidence}, headers=clerk
    )
    assert response.status_code == 200, response.text
    return response.json()


async def active(world: World, holder: Member, relative: Member, relationship: str = "elder") -> str:
    """An active relation: added by the holder, accepted by the relative from their account."""
    response = await add(world, holder, relative, relationship)
    assert response.status_code == 201, response.text
    relation_id = response.json()["id"]
    response = await world.client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=relative.headers)
    assert response.status_code == 200, response.text
    return relation_id


async def records_of(world: World, someone: Member) -> list[dict]:
    """The person's access record (their own account reads it)."""
    response = await world.client.get("/api/v1/me/access-records", params={"limit": 200}, headers=someone.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]
