"""`yikatong demo`: seed a demo province (cities, offices, banks, agencies, staff, citizens with
cards, venues with scanners) and print how to sign in. Safe to run again: it reuses what exists."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path
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
    ("GD-SIFC", "广东省社会保险基金管理局", "hrss"),  # pays pensions and benefits (the demo's payment run)
]
# The paying agency of the demo's payment run, and the banks the simulator plays (`make run` starts it).
PAYING_AGENCY = "GD-SIFC"
SIM_BANKS = ("ICBC", "CCB", "GRCB")
BANK_TOKENS_FILE = "demo-bank-clients.json"  # under the data directory, mode 0600: {"ICBC": "ykc_...", ...}
PAYER_TOKEN_FILE = "demo-payer-client.json"  # {"GD-SIFC": "ykc_..."}
AGENCY_TOKEN_FILE = "demo-agency-client.json"  # {"GD-HRSS": "ykc_..."}: the HR department's system (HR file, queries)
HR_AGENCY = "GD-HRSS"
# The demo's payment run: (citizen index in CITIZENS, payment type, amount in fen, purpose). Fixed content,
# so a second `yikatong demo` replays the same batch (same idempotency keys) and pays nothing twice.
DEMO_RUN_KEY = "demo-sifc-run-2026-12"
DEMO_RUN = [
    (1, "pension", 328_050, "2026年12月基本养老金"),
    (0, "subsidy", 150_000, "2026年职业技能提升补贴"),
    (2, "unemployment_benefit", 186_000, "2026年12月失业保险金"),
    (1, "subsidy", 30_000, "2026年高龄津贴"),
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
# Where the demo venues are (WGS-84 latitude, longitude): the misuse signals measure distances (docs/misuse.md).
VENUE_PLACES: dict[str, tuple[float, float]] = {
    "广州地铁体育西路站": (23.1357, 113.3213),
    "广州白天鹅宾馆": (23.1087, 113.2426),
    "广州图书馆": (23.1175, 113.3251),
}


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
    token_files: list[str]  # where the bank, payer and agency client tokens are (mode 0600)
    payment_run: str  # what became of the demo payment run
    hr_records: int  # HR file records written this run (0 on a second run)
    contracts: dict[str, str]  # the demo employer, its key and token files, the contract awaiting signature


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
        _venue, token = await venues.ensure_demo_venue(
            name=name, venue_type=venue_type, city_code=city, scenarios=scenarios, place=VENUE_PLACES.get(name)
        )
        out.append((name, ",".join(scenarios), token))
    return out


def _write_private(path: Path, data: dict[str, str]) -> None:
    """JSON only its owner may read (the tokens are credentials), replaced whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    os.chmod(part, 0o600)  # an older file of a looser mode keeps it through O_CREAT
    os.replace(part, path)


def _client_id(token: str) -> uuid.UUID | None:
    """The client id inside a `ykc_<id hex>_<secret>` token."""
    parts = token.split("_")
    try:
        return uuid.UUID(hex=parts[1]) if len(parts) >= 3 and parts[0] == "ykc" else None
    except ValueError:
        return None


async def _ensure_clients(path: Path, kind: str, orgs: dict[str, uuid.UUID]) -> dict[str, str]:
    """A client credential of this kind per organisation code, kept in `path` (mode 0600): a token from an
    earlier run is reused while its client is active; otherwise a new client is made (tokens are shown once)."""
    from backend.accounts import services as accounts
    from backend.accounts.tables import Client

    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    out: dict[str, str] = {}
    for code, org_id in orgs.items():
        token = known.get(code) if isinstance(known, dict) else None
        client_id = _client_id(token) if isinstance(token, str) else None
        if (
            client_id is not None
            and await Client.exists()
            .where((Client.id == client_id) & (Client.kind == kind) & (Client.org_id == org_id) & (Client.status == "active"))
            .run()
        ):
            out[code] = str(token)
            continue
        # A bank's simulator answers every instruction of a run: more than the default 600 requests a minute.
        _client, out[code] = await accounts.create_client(
            kind=kind, org_id=org_id, name=f"{code} demo {kind} system", created_by="demo", rate_per_minute=60_000
        )
    _write_private(path, out)
    return out


LEGAL_BASIS = {
    "pension": "《社会保险法》第十五条 基本养老金按月发放",
    "subsidy": "《广东省职业技能提升行动实施方案》补贴发放",
    "unemployment_benefit": "《社会保险法》第四十七条 失业保险金按月发放",
}


async def _ensure_payment_run(keyring: Keyring, payer_token: str, agency_id: uuid.UUID, citizens: list[DemoCitizen]) -> str:
    """The paying agency's demo run for the demo citizens, submitted like its payment system would (the
    simulator credits it once `serve` is up and the banks have opened the cards' accounts)."""
    from backend.lib.auth import PAYER, Principal
    from backend.payments import services as payments
    from backend.payments.schemas import BatchSubmit, PaymentLine

    principal = Principal(kind="client", id=str(_client_id(payer_token)), role=PAYER, org_id=str(agency_id))
    lines = [
        PaymentLine(
            idempotency_key=f"{DEMO_RUN_KEY}-{no}",
            doc_type=citizens[who]["doc_type"],
            id_number=citizens[who]["id_number"],
            name=citizens[who]["name"],
            payment_type=kind,  # type: ignore[arg-type]  # one of LEGAL_BASIS's keys, all payment types
            amount_fen=amount,
            legal_basis=LEGAL_BASIS[kind],
            purpose=purpose,
            reference=f"SIFC-202612-{no:04d}",
        )
        for no, (who, kind, amount, purpose) in enumerate(DEMO_RUN, start=1)
    ]
    run = await payments.submit_batch(
        keyring, principal, BatchSubmit(idempotency_key=DEMO_RUN_KEY, name="演示：2026年12月社保待遇发放", lines=lines)
    )
    told = "submitted before, unchanged" if run.replayed else "submitted now"
    return f"{run.accepted_count} orders, {run.total_fen // 100}.{run.total_fen % 100:02d} yuan ({told})"


async def _ensure_hr_file(keyring: Keyring, data: Path, citizens: list[DemoCitizen]) -> tuple[int, dict[str, str]]:
    """The resident citizens' HR files (issue 17) and, for the first, a labour contract the demo employer
    has signed and awaits in the wallet."""
    from backend.contracts import seed as contracts_seed
    from backend.hrfile import seed as hrfile_seed
    from backend.identity.services import find_person_id

    residents = [c for c in citizens if c["doc_type"] == "resident_id"]
    written = 0
    for citizen in residents:
        person_id = await find_person_id(keyring, citizen["doc_type"], citizen["id_number"])
        if person_id is not None:
            written += await hrfile_seed.demo(person_id)
    first = residents[0]
    contract = await contracts_seed.demo(
        keyring, data, doc_type=first["doc_type"], id_number=first["id_number"], name=first["name"]
    )
    return written, {k: str(v) for k, v in contract.items()}


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
        data = Path(settings.data_dir)
        banks = {r["code"]: r["id"] for r in await Bank.select(Bank.code, Bank.id).where(Bank.code.is_in(list(SIM_BANKS))).run()}
        await _ensure_clients(data / BANK_TOKENS_FILE, "bank", banks)
        agency = await Agency.select(Agency.id).where(Agency.code == PAYING_AGENCY).first().run()
        assert agency is not None  # _ensure_org made it
        payer = await _ensure_clients(data / PAYER_TOKEN_FILE, "payer", {PAYING_AGENCY: agency["id"]})
        run = await _ensure_payment_run(keyring, payer[PAYING_AGENCY], agency["id"], citizens)
        hr_records, contracts = await _ensure_hr_file(keyring, data, citizens)
        hr_agency = await Agency.select(Agency.id).where(Agency.code == HR_AGENCY).first().run()
        assert hr_agency is not None  # the HR file's seed made it
        await _ensure_clients(data / AGENCY_TOKEN_FILE, "agency", {HR_AGENCY: hr_agency["id"]})
    files = [str(data / BANK_TOKENS_FILE), str(data / PAYER_TOKEN_FILE), str(data / AGENCY_TOKEN_FILE)]
    return {
        "staff": staff,
        "citizens": citizens,
        "venues": venues,
        "token_files": files,
        "payment_run": run,
        "hr_records": hr_records,
        "contracts": contracts,
    }


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
    bank_file, payer_file, agency_file = result["token_files"]
    print(f"Payments: {PAYING_AGENCY} demo run {result['payment_run']}; shown in the wallet and the console once paid.")
    print(
        f"  bank client tokens ({', '.join(SIM_BANKS)}): {bank_file}  (mode 0600; `make run` starts the bank simulator with it)"
    )
    print(f"  paying agency client token: {payer_file}  (mode 0600)")
    print(f"  {HR_AGENCY} agency client token (HR file records and queries): {agency_file}  (mode 0600)")
    contracts = result["contracts"]
    print(f"HR file: {result['hr_records']} records written for the resident demo citizens (wallet: 更多 → 我的人社档案).")
    print(
        f"  employer {contracts['employer_name']} ({contracts['employer_uscc']}): client token {contracts['client_file']}, "
        f"signing key {contracts['key_file']} (mode 0600); contract {contracts['contract_id']} is {contracts['contract_status']}"
    )
    print("Demo data only: these identity numbers are generated and belong to nobody.")
