"""Two real regions for federation tests: Guangdong (PostgreSQL + Redis) and Hong Kong (SQLite + embedded store),
each a service in a process of its own with its own keys, each importing the other by fingerprint.

Use the `regions` fixture (session scope): `from tests.federation.regions import regions  # noqa: F401`.
Helpers: `online_code(region)` (a YKO1 code of the region's citizen) and `offline_code(region, scenario)`
(a YKD2 code made from a credential batch with the citizen's bound phone)."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REDIS_URL, _pg_available, _redis_available, need, scratch_database
from tests.servers import ROOT, free_port, serve, wait_until_up

PASSWORD = "Region-pass-2026!"
SCENARIOS = ["library_entry", "scenic_entry", "transit_ride", "hotel_checkin"]
DISCLOSE = ["valid_until", "concessions", "transport", "masked_name"]


@dataclass
class Phone:
    device_id: str
    seed: bytes


@dataclass
class Region:
    """A running region: its URL, code, names, scanner tokens by scenario, an operator and a citizen."""

    base_url: str
    code: str
    name: str
    name_en: str
    city: str
    scanner_tokens: dict[str, str]
    operator_token: str
    citizen_token: str
    card_id: str
    card_ref: str
    phone: Phone
    fingerprint: str = ""
    settings: Any = None
    proc: Any = None
    log: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def trust_list_url(self) -> str:
        return self.base_url + "/.well-known/yikatong-trust-list"

    def api(
        self, method: str, path: str, body: Any = None, token: str | None = None, headers: dict | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=20) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw and res.headers.get_content_type().endswith("json") else raw)
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, raw

    def verify(self, code: str, scenario: str = "library_entry") -> dict:
        status, body = self.api(
            "POST", "/api/v1/verify", {"code": code, "scenario": scenario}, token=self.scanner_tokens[scenario]
        )
        assert status in (200, 422), (status, body)
        return body

    def trust(self) -> dict:
        """The merged trust of other regions, as this region's scanners get it."""
        status, body = self.api("GET", "/api/v1/federation/trust", token=self.scanner_tokens["library_entry"])
        assert status == 200, (status, body)
        return body

    def refresh(self, other: str) -> dict:
        status, body = self.api("POST", f"/api/v1/federation/regions/{other}/refresh", token=self.operator_token)
        assert status == 200, (status, body)
        return body

    def import_region(self, other: Region, **overrides: Any) -> tuple[int, dict]:
        body = {
            "code": other.code,
            "name": other.name,
            "name_en": other.name_en,
            "root_fingerprint": other.fingerprint,
            "trust_list_url": other.trust_list_url,
            "scenarios": SCENARIOS,
            "disclose": DISCLOSE,
            **overrides,
        }
        return self.api("POST", "/api/v1/federation/regions", body, token=self.operator_token)


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def online_code(region: Region) -> str:
    """A fresh YKO1 code of the region's citizen (minted by the region's own wallet API)."""
    status, body = region.api("POST", "/api/v1/me/codes/online", token=region.citizen_token)
    assert status == 200, (status, body)
    return body["code"]


def offline_code(region: Region, scenario: str = "library_entry", *, t: int | None = None) -> tuple[str, dict]:
    """A YKD2 code for `scenario`: a credential batch for fresh one-time keys, signed by the bound
    phone's key, then a code made from the current slot's credential of the scenario's profile.
    Returns (code, the credential entry)."""
    import nacl.signing

    from backend.codes import format_v2 as v2
    from backend.lib import ed25519

    profile = {"library_entry": "validity", "scenic_entry": "concession", "transit_ride": "transit"}[scenario]
    keys = [nacl.signing.SigningKey.generate() for _ in range(3)]
    publics = [_b64u(bytes(k.verify_key)) for k in keys]
    now = int(time.time())
    text = "\n".join(["yikatong/credential-batch/v2", region.phone.device_id, str(now), "ed25519", *publics])
    body = {
        "device_id": region.phone.device_id,
        "suite": "ed25519",
        "t": now,
        "keys": publics,
        "signature": _b64u(ed25519.sign(region.phone.seed, text.encode())),
    }
    status, answer = region.api("POST", "/api/v1/me/credentials/batch", body, token=region.citizen_token)
    assert status == 200, (status, answer)
    issued = next(c for c in answer["credentials"] if c["profile"] == profile and c["nbf"] <= now < c["exp"])
    code = v2.make_offline_code_v2(_unb64u(issued["credential"]), bytes(keys[issued["key_index"]]), scenario, t or now)
    return code, issued


async def _seed(settings: Any, *, region: str, cities: list[tuple[str, str, str]], city: str) -> dict[str, Any]:
    """Keys, schema, cities, a bank, an operator with a session, a citizen with a card, a session and a
    bound phone, and venues with scanners: everything made through the services, as the demo does."""
    from backend.app import keystore_for
    from backend.lib import db, ed25519

    keystore = keystore_for(settings)
    keystore.init()
    keyring = keystore.load()
    async with db.lifespan(settings):
        await db.migrate(quiet=True)
        from backend.accounts import sessions, staff
        from backend.accounts.services import create_citizen_account
        from backend.cards import devices
        from backend.cards import services as cards
        from backend.cards.access import Actor
        from backend.federation import trust_list
        from backend.identity.documents import make_resident_id
        from backend.org.tables import Bank, City, Office
        from backend.venues import services as venues

        for code, name, name_en in cities:
            if not await City.exists().where(City.code == code).run():
                await City(code=code, name=name, name_en=name_en).save().run()
        city_row = await City.select(City.id).where(City.code == city).first().run()
        office = Office(city=city_row["id"], name=f"{region} office", kind="office")
        await office.save().run()
        bank = "F" + secrets.token_hex(3).upper()
        now_dt = dt.datetime.now(dt.UTC)
        await Bank(code=bank, name="测试银行", status="active", keeps_account_on_replacement=True, updated_at=now_dt).save().run()
        operator = await staff.create_staff(
            username=f"fed-{region}",
            name="Federation operator",
            role="provincial_operator",
            office_id=office.id,
            password=PASSWORD,
        )
        operator_token, _ = await sessions.create(
            kind="staff", owner_id=operator.id, now=int(time.time()), user_agent="pytest", client_label="federation"
        )
        number = make_resident_id(
            "440106", dt.date(1980, 1, 1) + dt.timedelta(days=secrets.randbelow(9000)), secrets.randbelow(1000)
        )
        account = await create_citizen_account(
            keyring,
            doc_type="resident_id",
            id_number=number,
            name="陈大文" if region == "810000" else "王小明",
            password=PASSWORD,
        )
        citizen_token, _ = await sessions.create(
            kind="citizen", owner_id=account["id"], now=int(time.time()), user_agent="pytest", client_label="federation"
        )
        card = await cards.issue_card_directly(
            keyring, person_id=account["person_id"], city_code=city, office_id=office.id, bank_code=bank, ecard_level=1
        )
        seed, public = ed25519.generate()
        holder = Actor(kind="citizen", id=str(account["id"]), channel="mobile")
        device = await devices.bind(account["person_id"], holder, label="Region phone", public_key=public)
        scanners = {}
        for name, venue_type, scenario in (
            (f"{region} 图书馆 Library", "library", "library_entry"),
            (f"{region} 宾馆 Hotel", "hotel", "hotel_checkin"),
        ):
            _, token = await venues.ensure_demo_venue(name=name, venue_type=venue_type, city_code=city, scenarios=[scenario])
            scanners[scenario] = token
        return {
            "operator_token": operator_token,
            "citizen_token": citizen_token,
            "card_id": str(card["card_id"]),
            "card_ref": card["card_ref"],
            "phone": Phone(str(device.id), seed),
            "scanners": scanners,
            "fingerprint": trust_list.root_fingerprint(keyring),
        }


def _start(name: str, env_extra: dict[str, str], tmp: Path, *, region: str, names: tuple[str, str], cities, city: str) -> Region:
    from backend.lib.settings import load_settings

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "YIKATONG_ENV": "test",
        "YIKATONG_DATA_DIR": str(tmp / name / "data"),
        "YIKATONG_KEY_DIR": str(tmp / name / "keys"),
        "YIKATONG_LOG_LEVEL": "WARNING",
        "YIKATONG_REGION_CODE": region,
        "YIKATONG_REGION_NAME": names[0],
        "YIKATONG_REGION_NAME_EN": names[1],
        "YIKATONG_PUBLIC_URL": base,
        "YIKATONG_FEDERATION_ALLOW_HTTP": "1",
        "YIKATONG_STAFF_SECOND_FACTOR": "optional",
        **env_extra,
    }
    for key in ("YIKATONG_DATABASE_URL", "YIKATONG_REDIS_URL", "YIKATONG_REDIS_PREFIX"):
        if key not in env_extra:
            env.pop(key, None)
    settings = load_settings(environ={k: v for k, v in env.items() if k.startswith("YIKATONG_")}, dotenv=None)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's sync API may run a loop in this thread
        seeded = pool.submit(asyncio.run, _seed(settings, region=region, cities=cities, city=city)).result()
    log = tmp / f"{name}.log"
    proc = serve(env, port, log)
    wait_until_up(base, proc, log, timeout=60)
    return Region(
        base_url=base,
        code=region,
        name=names[0],
        name_en=names[1],
        city=city,
        scanner_tokens=seeded["scanners"],
        operator_token=seeded["operator_token"],
        citizen_token=seeded["citizen_token"],
        card_id=seeded["card_id"],
        card_ref=seeded["card_ref"],
        phone=seeded["phone"],
        fingerprint=seeded["fingerprint"],
        settings=settings,
        proc=proc,
        log=log,
        env=env,
    )


def stop(region: Region) -> None:
    if region.proc is not None and region.proc.poll() is None:
        region.proc.terminate()
        try:
            region.proc.wait(10)
        except Exception:  # noqa: BLE001 - a server that will not stop is killed
            region.proc.kill()


def restart(region: Region) -> None:
    """Start a stopped region again on its port, with the same data and keys."""
    port = int(region.base_url.rsplit(":", 1)[1])
    assert region.log is not None
    region.proc = serve(region.env, port, region.log)
    wait_until_up(region.base_url, region.proc, region.log, timeout=60)


@pytest.fixture(scope="session")
def regions() -> Any:
    """(gd, hk): both running, each having imported the other (all scenarios, every disclosure field),
    with both lists and revocations refreshed once."""
    problem = _pg_available() or _redis_available()
    if problem:
        need("PostgreSQL and Redis", problem)
    tmp = Path(tempfile.mkdtemp(prefix="yk-regions-"))
    prefix = f"ykfed:{secrets.token_hex(5)}:"
    started: list[Region] = []
    try:
        with scratch_database("fed") as pg_url:
            gd = _start(
                "gd",
                {"YIKATONG_DATABASE_URL": pg_url, "YIKATONG_REDIS_URL": REDIS_URL, "YIKATONG_REDIS_PREFIX": prefix},
                tmp,
                region="440000",
                names=("广东省", "Guangdong"),
                cities=[("440000", "广东省", "Guangdong"), ("440100", "广州市", "Guangzhou")],
                city="440100",
            )
            started.append(gd)
            hk = _start(
                "hk",
                {},
                tmp,
                region="810000",
                names=("香港", "Hong Kong"),
                cities=[("810000", "香港特别行政区", "Hong Kong SAR"), ("810001", "中西区", "Central and Western")],
                city="810001",
            )
            started.append(hk)
            for here, there in ((gd, hk), (hk, gd)):
                status, body = here.import_region(there)
                assert status == 201, (status, body)
            for here, there in ((gd, hk), (hk, gd)):
                answer = here.refresh(there.code)
                assert answer["fresh"] and answer["last_error"] is None, answer
            yield gd, hk
            for region in started:
                stop(region)
    finally:
        for region in started:
            stop(region)
        asyncio.run(_forget(prefix))
        shutil.rmtree(tmp, ignore_errors=True)


async def _forget(prefix: str) -> None:
    from tests.servers import forget_keys

    try:
        await forget_keys(REDIS_URL, prefix)
    except Exception:  # noqa: BLE001 - cleaning up only
        pass


__all__ = ["ROOT", "Region", "offline_code", "online_code", "regions", "restart", "stop"]
