"""`yikatong demo`: seed a demo province (cities, offices, banks, agencies, staff, citizens with
cards, venues with scanners) and print how to sign in. Safe to run again: it reuses what exists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict

import pyotp

from backend.app import keystore_for
from backend.identity.documents import make_resident_id
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.settings import PRODUCTION_ENVS, Settings
from backend.org.tables import Agency, Bank, City, Office

CITIES = [
    ("440000", "广东省", "Guangdong Province"),
    ("440100", "广州市", "Guangzhou"),
    ("440300", "深圳市", "Shenzhen"),
    ("440600", "佛山市", "Foshan"),
    ("441900", "东莞市", "Dongguan"),
]
BANKS = [
    ("ICBC", "中国工商银行", "active", True),
    ("CCB", "中国建设银行", "active", True),
    ("GRCB", "广州农村商业银行", "suspended", False),
]
AGENCIES = [
    ("GD-PSB-TRAFFIC", "广东省公安厅交通管理局", "public_security"),
    ("GD-CIVIL", "广东省民政厅", "civil_affairs"),
    ("GD-VETERANS", "广东省退役军人事务厅", "veterans"),
    ("GD-DPF", "广东省残疾人联合会", "disabled_federation"),
    ("GD-HRSS", "广东省人力资源和社会保障厅", "hrss"),
]
PASSWORD = "Demo-pass-2026"
# Fixed so a tester can add it to an authenticator app once and keep using it.
DEMO_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CITIZENS = [
    # doc_type, region, birth, seq, name, city
    ("resident_id", "440106", dt.date(1988, 3, 14), 231, "张伟", "440100", True),
    ("resident_id", "440304", dt.date(1951, 9, 2), 112, "李秀英", "440300", False),
    ("hmt_residence_permit", "810000", dt.date(1992, 11, 30), 45, "陈大文", "440300", False),
]
VENUES = [
    ("广州地铁体育西路站", "metro", "440100", ["transit_ride"]),
    ("广州白天鹅宾馆", "hotel", "440100", ["hotel_checkin"]),
    ("广州图书馆", "library", "440100", ["library_entry"]),
]


class DemoCitizen(TypedDict):
    """How a demo citizen signs in (the generated identity number belongs to nobody)."""

    name: str
    doc_type: str
    id_number: str
    totp: bool


class DemoWorld(TypedDict):
    """What `seed` made: staff (username, role), citizens, venues (name, scenarios, scanner token)."""

    staff: list[tuple[str, str]]
    citizens: list[DemoCitizen]
    venues: list[tuple[str, str, str]]


async def _ensure_org() -> dict[str, uuid.UUID]:
    now = dt.datetime.now(dt.UTC)
    offices: dict[str, uuid.UUID] = {}
    for code, name, name_en in CITIES:
        city = await City.objects().get(City.code == code).run()
        if city is None:
            city = City(code=code, name=name, name_en=name_en)
            await city.save().run()
        city_id = city.id  # type: ignore[attr-defined]  # piccolo adds the default primary key "id" at run time
        office = await Office.objects().get((Office.city == city_id) & (Office.kind == "office")).run()
        if office is None:
            office = Office(city=city_id, name=f"{name}社会保险基金管理局服务大厅", kind="office")
            await office.save().run()
        offices[code] = office.id
    for code, name, status, keeps in BANKS:
        if not await Bank.exists().where(Bank.code == code).run():
            await Bank(code=code, name=name, status=status, keeps_account_on_replacement=keeps, updated_at=now).save().run()
    for code, name, kind in AGENCIES:
        if not await Agency.exists().where(Agency.code == code).run():
            await Agency(code=code, name=name, kind=kind).save().run()
    return offices


async def _ensure_staff(keyring: Keyring, offices: dict[str, uuid.UUID]) -> list[tuple[str, str]]:
    """The demo's staff, each with TOTP on under the fixed DEMO_TOTP secret: staff sign in with a
    second factor (docs/console.md), and the demo prints the secret to add to an authenticator."""
    from backend.accounts import services as accounts
    from backend.accounts.tables import StaffMember

    staff = [
        ("admin", "省级运营员 Admin", "provincial_operator", "440000"),
        ("gz-supervisor", "广州审核员 Supervisor", "supervisor", "440100"),
        ("gz-counter", "广州柜员 Counter", "counter_operator", "440100"),
    ]
    out = []
    for username, name, role, city in staff:
        if not await StaffMember.exists().where(StaffMember.username == username).run():
            await accounts.create_staff(username=username, name=name, role=role, office_id=offices[city], password=PASSWORD)
        if not await StaffMember.exists().where((StaffMember.username == username) & (StaffMember.totp_enabled == True)).run():  # noqa: E712 - SQL comparison
            await accounts.set_staff_totp(keyring, username, DEMO_TOTP)
        out.append((username, role))
    return out


async def _ensure_citizens(keyring: Keyring, offices: dict[str, uuid.UUID]) -> list[DemoCitizen]:
    from backend.accounts import services as accounts
    from backend.cards import services as cards
    from backend.identity.services import find_person_id

    out: list[DemoCitizen] = []
    for doc_type, region, birth, seq, name, city, with_totp in CITIZENS:
        number = make_resident_id(region, birth, seq)
        person_id = await find_person_id(keyring, doc_type, number)
        if person_id is None:
            account = await accounts.create_citizen_account(
                keyring,
                doc_type=doc_type,
                id_number=number,
                name=name,
                password=PASSWORD,
                totp_secret=DEMO_TOTP if with_totp else None,
            )
            person_id = account["person"] if "person" in account else account["person_id"]
        if await cards.card_for_person(person_id) is None:
            await cards.issue_card_directly(
                keyring,
                person_id=person_id,
                city_code=city,
                office_id=offices[city],
                bank_code="ICBC",
                ecard_level=2,
                transport=True,
            )
        out.append({"name": name, "doc_type": doc_type, "id_number": number, "totp": with_totp})
    return out


async def _ensure_venues(offices: dict[str, uuid.UUID]) -> list[tuple[str, str, str]]:
    from backend.venues import services as venues

    out = []
    for name, venue_type, city, scenarios in VENUES:
        _venue, token = await venues.ensure_demo_venue(name=name, venue_type=venue_type, city_code=city, scenarios=scenarios)
        out.append((name, ",".join(scenarios), token))
    return out


async def seed(settings: Settings) -> DemoWorld:
    if settings.env in PRODUCTION_ENVS:
        # Known passwords and a published TOTP secret: a demo, never a production database.
        raise RuntimeError(f"`yikatong demo` seeds known passwords and TOTP secrets; refused with YIKATONG_ENV={settings.env}")
    keystore = keystore_for(settings)
    keystore.init()
    keyring = keystore.load()
    async with db.lifespan(settings):
        await db.migrate(quiet=True)
        from backend.catalog.seed import seed_default_catalog
        from backend.servicepoints.demo import ensure_demo_points

        await seed_default_catalog()  # idempotent; a fresh database already has it from migrations
        offices = await _ensure_org()
        await ensure_demo_points()
        staff = await _ensure_staff(keyring, offices)
        citizens = await _ensure_citizens(keyring, offices)
        venues = await _ensure_venues(offices)
    return {"staff": staff, "citizens": citizens, "venues": venues}


async def run_demo(settings: Settings) -> None:
    result = await seed(settings)
    totp = pyotp.TOTP(DEMO_TOTP)
    print("Demo province ready. Sign in at http://127.0.0.1:8000/wallet/ with:")
    for c in result["citizens"]:
        extra = f"  TOTP secret {DEMO_TOTP} (code now: {totp.now()})" if c["totp"] else ""
        print(f"  citizen {c['name']}: {c['doc_type']} {c['id_number']}  password {PASSWORD}{extra}")
    print("Staff console at http://127.0.0.1:8000/console/ (POST /api/v1/auth/staff/login), with a second factor:")
    print(f"  every demo staff member's TOTP secret is {DEMO_TOTP} (demo only; code now: {totp.now()})")
    for username, role in result["staff"]:
        uri = totp.provisioning_uri(name=username, issuer_name="Yikatong demo")
        print(f"  {username} ({role})  password {PASSWORD}  authenticator: {uri}")
    print("Scanners (paste the token into http://127.0.0.1:8000/scanner/):")
    for name, scenarios, token in result["venues"]:
        print(f"  {name} [{scenarios}]  token {token}")
    print("Public catalog and service points: http://127.0.0.1:8000/catalog/")
    print("Demo data only: these identity numbers are generated and belong to nobody.")
