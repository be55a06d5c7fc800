"""Shared by the access record's tests: run `yikatong audit ...` against a test database, cut and
restore the chain's newest entries and anchors (the databases are shared by the session: put back
whatever a test removes)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import subprocess
import sys
import types
import uuid

from backend.audit import services
from backend.audit.schemas import AuditRecord
from backend.audit.tables import AccessEntry, Anchor

ACTOR = services.Actor("staff", "test", "", "Anchor test")


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    """`python -m backend.cli audit ...` on the test's database and keyring."""
    env = {
        **os.environ,
        "YIKATONG_ENV": "test",
        "YIKATONG_DATABASE_URL": settings.database_url,
        "YIKATONG_DATA_DIR": settings.data_dir,
        "YIKATONG_KEY_DIR": str(settings.keys_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "audit", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def append(n: int, person: uuid.UUID | None = None) -> list[AuditRecord]:
    person = person or uuid.uuid4()
    return [
        await services.record(
            ACTOR,
            person_id=person,
            action="audit.read",
            fields=["access_record"],
            purpose=f"entry {i}",
            basis_kind="official_duty",
        )
        for i in range(n)
    ]


async def cut_entries_after(seq: int) -> list[dict]:
    """Delete every entry after `seq` (the newest ones) and return them for `restore_entries`."""
    rows = await AccessEntry.select().where(AccessEntry.seq > seq).order_by(AccessEntry.seq).output(load_json=True).run()
    await AccessEntry.delete().where(AccessEntry.seq > seq).run()
    return rows


async def restore_entries(rows: list[dict]) -> None:
    for row in rows:
        await AccessEntry.insert(AccessEntry(**row)).run()


async def cut_anchors_from(number: int) -> list[dict]:
    rows = await Anchor.select().where(Anchor.number >= number).order_by(Anchor.number).run()
    await Anchor.delete().where(Anchor.number >= number).run()
    return rows


async def restore_anchors(rows: list[dict]) -> None:
    for row in rows:
        await Anchor.insert(Anchor(**row)).run()


async def set_statement(number: int, statement: str) -> None:
    await Anchor.update({Anchor.statement: statement}).where(Anchor.number == number).run()


async def head_seq() -> int:
    row = await AccessEntry.select(AccessEntry.seq).order_by(AccessEntry.seq, ascending=False).first().run()
    return row["seq"] if row else 0


async def staff_member(world, role: str, name: str = "Staff Member") -> tuple[str, dict[str, str]]:
    """A staff member of the World's office (Guangzhou, 440100): (their id, bearer headers)."""
    import secrets

    from backend.accounts.services import create_staff
    from tests.venues.helpers import PASSWORD

    username = f"au-{secrets.token_hex(5)}"
    view = await world.call(
        create_staff, username=username, name=name, role=role, office_id=await world.office(), password=PASSWORD
    )
    headers = await world._login("/api/v1/auth/staff/login", {"username": username, "password": PASSWORD})
    return str(view.id), headers


async def search(world, headers: dict[str, str], **body) -> list[dict]:
    response = await world.client.post("/api/v1/audit/access-records/search", json={"limit": 200, **body}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


class _Clock(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, _dt.datetime)


@contextlib.contextmanager
def chain_clock(moment: _dt.datetime):
    """Entries appended inside are dated `moment` (the chain takes its own clock under its lock):
    how the staff report's tests plant actions at night or at the weekend."""
    from backend.audit import chain

    class Fixed(metaclass=_Clock):
        @staticmethod
        def now(tz=None) -> _dt.datetime:
            return moment

    real = chain.dt
    chain.dt = types.SimpleNamespace(datetime=Fixed, UTC=_dt.UTC, timezone=_dt.timezone, timedelta=_dt.timedelta)
    try:
        yield
    finally:
        chain.dt = real


async def person_with_card(world, city_code: str) -> uuid.UUID:
    """A person whose card was issued by `city_code` (the city is added if missing)."""
    import secrets

    from backend.accounts.services import create_citizen_account
    from backend.cards import services as cards
    from backend.identity.documents import make_resident_id
    from backend.org.tables import City
    from tests.venues.helpers import PASSWORD

    if not await City.exists().where(City.code == city_code).run():
        await City(code=city_code, name=f"city {city_code}").save().run()
    number = make_resident_id("440306", _dt.date(1970 + secrets.randbelow(30), 6, 6), 1 + secrets.randbelow(998))
    account = await create_citizen_account(
        world.keyring, doc_type="resident_id", id_number=number, name="赵六", password=PASSWORD
    )
    person = account.get("person_id") or account.get("person")
    await cards.issue_card_directly(world.keyring, person_id=person, city_code=city_code, office_id=None, bank_code="ICBC")
    return uuid.UUID(str(person))
