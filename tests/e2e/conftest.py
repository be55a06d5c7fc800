"""Browser tests of the wallet and scanner PWAs: a real server in a subprocess, Debian's
Chromium driven by Playwright, seed data made through the backend services."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "E2e-pass-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
# One citizen per test that changes a card or signs in, so tests never interfere. Issue 15 holds
# 12-23: 12-13 scanner verdicts, 14-16 wallet services (certificates, consents, tickets, access
# record), 17-19 the code screen and home, 20-21 the console's counter, 22-23 other console sections.
# Issue 16 holds 24-31: 24-27 the console's payment screens, 28-31 the wallet's payments and bank.
# Issue 17 holds 32-35 for the wallet: 32 the HR file, 33 labour contracts, 34 statements, 35 consents to employers;
# 36-37 the console's HR file (36 records by an agency, added and corrected at the counter; 37 no records).
# Issue 19 holds 38-40 for signing in with the card: 38 two sites by PKCE, 39 scan to sign in, 40 denying;
# 41 an agency's webhook and feed on the access record, 42 the console's dead letter (its deliveries
# go on this holder's record, so not on 41's).
PEOPLE = 43
# Staff for the console (demo.seed makes admin, gz-supervisor and gz-counter): a second of each
# role, so four-eyes steps and "what one staff member did" have two people to tell apart.
EXTRA_STAFF = (
    ("admin2", "省级运营员二 Admin Two", "provincial_operator", "440000"),
    ("gz-supervisor2", "广州审核员二 Supervisor Two", "supervisor", "440100"),
    ("gz-counter2", "广州柜员二 Counter Two", "counter_operator", "440100"),
)
STAFF_PASSWORD = "Demo-pass-2026"  # backend/demo.py PASSWORD, and the extra staff's


@dataclass
class Citizen:
    name: str
    doc_type: str
    id_number: str
    password: str
    totp_secret: str | None = None


@dataclass
class Server:
    base_url: str
    pwa_dir: Path
    citizens: list[Citizen]
    scanners: dict[str, str]  # scenario -> scanner token
    staff: dict[str, str] = field(default_factory=dict)  # username -> role (password STAFF_PASSWORD)
    staff_totp: dict[str, str] = field(default_factory=dict)  # username -> TOTP secret, where enrolled
    # The server's own settings (its data and key directories, its passphrase): tests that write to its
    # database use these, never settings rebuilt from part of the environment.
    settings: Any = None

    def citizen(self, index: int) -> Citizen:
        return self.citizens[index]

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw else {})
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, (json.loads(raw) if raw else {})

    def staff_token(self, username: str) -> str:
        """A bearer token for a staff member, through the sign-in route (with TOTP if enrolled)."""
        body: dict = {"username": username, "password": STAFF_PASSWORD}
        code = next_totp(self, username)
        if code:
            body["totp"] = code
        status, answer = self.api("POST", "/api/v1/auth/staff/login", body)
        assert status == 200, (status, answer)
        return answer["token"]

    def verify(self, code: str, scenario: str = "library_entry") -> dict:
        status, body = self.api("POST", "/api/v1/verify", {"code": code, "scenario": scenario}, token=self.scanners[scenario])
        assert status in (200, 422), (status, body)
        return body


TOTP_STEP = 30
# The last TOTP step handed out per staff member: the server takes each step once (a code for an
# earlier or the same step is refused), so consecutive sign-ins need ever later steps.
LAST_TOTP_STEP: dict[str, int] = {}


def next_totp(server: Server, username: str) -> str | None:
    """A TOTP code for `username` that no earlier sign-in of this test session used (None without
    TOTP). The server accepts the steps either side of the current one (backend/accounts/totp.py
    VALID_WINDOW), so up to three sign-ins in one 30-second step go through at once (the previous,
    the current and the next step's code); only a fourth waits for the clock. The previous step is
    not used in a step's last 2 s, nor the next in its first 2 s, in case the server's clock has
    moved on."""
    import time

    import pyotp

    secret = server.staff_totp.get(username)
    if not secret:
        return None
    while True:
        now = time.time()
        current = int(now) // TOTP_STEP
        into = now - current * TOTP_STEP
        low = current - 1 if into < TOTP_STEP - 2 else current
        high = current + 1 if into > 2 else current
        step = max(LAST_TOTP_STEP.get(username, low - 1) + 1, low)
        if step <= high:
            LAST_TOTP_STEP[username] = step
            return pyotp.TOTP(secret, interval=TOTP_STEP).at(step * TOTP_STEP)
        time.sleep(min(TOTP_STEP, (step - 1) * TOTP_STEP + 2.5 - now))


async def _seed_staff(offices: dict[str, object], keyring) -> tuple[dict[str, str], dict[str, str]]:
    """The extra staff (EXTRA_STAFF) beside the demo's; returns (username -> role, username -> TOTP secret).

    Staff sign in with a second factor (docs/console.md): the demo's staff have the demo's TOTP
    secret, each extra one a secret of its own, so every sign-in goes through the code step."""
    import base64
    import hashlib

    from backend import demo
    from backend.accounts import services as accounts
    from backend.accounts.tables import StaffMember

    roles = {"admin": "provincial_operator", "gz-supervisor": "supervisor", "gz-counter": "counter_operator"}
    secrets_ = dict.fromkeys(roles, demo.DEMO_TOTP)
    for username, name, role, city in EXTRA_STAFF:
        if not await StaffMember.exists().where(StaffMember.username == username).run():
            await accounts.create_staff(username=username, name=name, role=role, office_id=offices[city], password=STAFF_PASSWORD)
        roles[username] = role
        secrets_[username] = base64.b32encode(hashlib.sha256(f"e2e-totp|{username}".encode()).digest()[:20]).decode()
        await accounts.set_staff_totp(keyring, username, secrets_[username])
    return roles, secrets_


async def _seed(settings) -> tuple[list[Citizen], dict[str, str], dict[str, str], dict[str, str]]:
    from backend import demo
    from backend.app import keystore_for
    from backend.identity.documents import make_resident_id
    from backend.lib import db

    await demo.seed(settings)  # cities, offices, banks, venues (the demo citizens are not used)
    keyring = keystore_for(settings).load()
    citizens: list[Citizen] = []
    scanners: dict[str, str] = {}
    async with db.lifespan(settings):
        from backend.accounts import services as accounts
        from backend.cards import services as cards
        from backend.org.tables import Office
        from backend.venues import services as venues

        office = await Office.select(Office.id).first().run()
        offices = {row["code"]: row["id"] for row in await Office.select(Office.id, Office.city.code.as_alias("code")).run()}
        staff, staff_totp = await _seed_staff(offices, keyring)
        for i in range(PEOPLE):
            number = make_resident_id("440106", dt.date(1960 + i, 5, 1 + i % 28), 300 + i)
            name = [
                "王小明",
                "刘芳",
                "黄建国",
                "周丽",
                "吴强",
                "郑敏",
                "孙涛",
                "朱红",
                "马琳",
                "何伟",
                "林静",
                "陈晨",
                "赵磊",
                "钱慧",
                "冯刚",
                "许静怡",
                "邓超",
                "曹雪",
                "彭博",
                "潘婷",
                "罗一鸣",
                "谢晓",
                "韩梅",
                "唐宁",
                "苏婉",  # 24-31: issue 16 (PEOPLE = 32 needs a name each)
                "杜鹏",
                "叶青",
                "程立",
                "蒋欣",
                "蔡文",
                "贾明",
                "丁兰",
                "梁志远",  # 32-35: issue 17 (the wallet's HR file, contracts, statements, consents)
                "宋佳",
                "余海",
                "袁芳",
                "石磊",  # 36-37: issue 17 (the console's HR file)
                "白雪",
                "方嘉怡",  # 38-40: issue 19 (signing in to sites with the card)
                "田野",
                "夏雨",
                "范思远",  # 41: issue 19 (agency events on the access record)
                "温子豪",  # 42: issue 19 (the console's dead letter)
            ][i]
            secret = TOTP_SECRET if i == 0 else None
            await accounts.create_citizen_account(
                keyring, doc_type="resident_id", id_number=number, name=name, password=PASSWORD, totp_secret=secret
            )
            from backend.identity.services import find_person_id

            person_id = await find_person_id(keyring, "resident_id", number)
            await cards.issue_card_directly(
                keyring, person_id=person_id, city_code="440100", office_id=office["id"], bank_code="ICBC", ecard_level=2
            )
            citizens.append(Citizen(name, "resident_id", number, PASSWORD, secret))
        for name, venue_type, scenario in (
            ("E2E 图书馆", "library", "library_entry"),
            ("E2E 博物馆", "museum", "scenic_entry"),
            ("E2E 宾馆", "hotel", "hotel_checkin"),
        ):
            _, token = await venues.ensure_demo_venue(name=name, venue_type=venue_type, city_code="440100", scenarios=[scenario])
            scanners[scenario] = token
    return citizens, scanners, staff, staff_totp


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        need("Chromium", f"{CHROMIUM} is missing (apt-get install chromium); browsers are never downloaded")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def server(chromium_path) -> Server:
    from backend.lib.settings import load_settings

    tmp = Path(tempfile.mkdtemp(prefix="yk-e2e-"))
    # The apps are served from a copy so the service-worker test can publish a "new version".
    pwa_dir = tmp / "pwa"
    shutil.copytree(ROOT / "pwa", pwa_dir)
    env = {
        **os.environ,
        "YIKATONG_ENV": "test",
        "YIKATONG_DATA_DIR": str(tmp / "data"),
        "YIKATONG_KEY_DIR": str(tmp / "keys"),
        "YIKATONG_LOG_LEVEL": "WARNING",
        # The provider written for tests (refused in prod), so the wallet's photo route can be walked.
        "YIKATONG_IDV_PROVIDER": "test-only-face-match",
        "YIKATONG_PWA_DIR": str(pwa_dir),
        # The periodic misuse scan and audit anchor would otherwise fire at every 5-minute boundary in
        # every server a module keeps, writing to its SQLite file beside the test's own writes; the
        # tests that need them run them explicitly (POST /api/v1/enforcement/scan, `yikatong audit anchor`).
        "YIKATONG_MISUSE_SCAN_SECONDS": "86400",
        "YIKATONG_AUDIT_ANCHOR_SECONDS": "86400",
    }
    env.pop("YIKATONG_DATABASE_URL", None)
    env.pop("YIKATONG_REDIS_URL", None)
    settings = load_settings(environ={k: v for k, v in env.items() if k.startswith("YIKATONG_")}, dotenv=None)
    # In a thread: Playwright's sync API may already run an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        citizens, scanners, staff, staff_totp = pool.submit(asyncio.run, _seed(settings)).result()
    port = free_port()
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.app:app_from_env", "--factory", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, proc, tmp / "server.log", timeout=30)
    try:
        yield Server(base, pwa_dir, citizens, scanners, staff, staff_totp, settings)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch(playwright_instance, chromium_path: str, extra_args: list[str] | None = None):
    return playwright_instance.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS + (extra_args or [])
    )


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    b = launch(playwright_instance, chromium_path)
    yield b
    b.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(
        base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 860}, service_workers="allow"
    )
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
