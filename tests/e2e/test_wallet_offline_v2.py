"""Offline codes of format 2 in the wallet (issue 18): the wallet fetches a batch of credentials,
one per profile and slot, each bound to a one-time key; the holder picks the service an offline
code is for, the screen says what its scanner learns, and the code verifies (in Python, by
backend/codes/format_v2) at that scenario only. Two codes from two credentials share no reference
and no key. Format 1 stays only while the server has no batch route. Three languages at 320 px."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import json
import secrets
import time

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import axe_violations, screen_qr, wait_code, wait_until

pytestmark = pytest.mark.browser

LANGS = ["zh-Hans", "zh-Hant", "en"]
NARROW = {"width": 320, "height": 720}

# The wallet's format 2 credentials, as held in IndexedDB (without their keys).
HELD_V2 = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
    const get = (k) => new Promise(r => { const q = db.transaction('kv').objectStore('kv').get(k); q.onsuccess = () => r(q.result); });
    const held = (await get('credentials2')) || [];
    const toHex = (b) => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
    return held.map(r => ({credRef: r.credRef, profile: r.profile, nbf: r.nbf, exp: r.exp, suite: r.suite,
        credential: toHex(r.credential), keyType: r.key && r.key.type, extractable: r.key && r.key.extractable}));
}"""


def _holder(server) -> str:
    """A holder of its own (a new card, so no other test's devices or credentials are in the way)."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
    from backend.identity.documents import make_resident_id
    from backend.identity.services import find_person_id
    from backend.lib import db
    from backend.org.tables import Office

    settings = server.settings  # the server's own: its key directory opens with its passphrase
    number = make_resident_id("440106", dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(9000)), secrets.randbelow(1000))

    async def run() -> None:
        async with db.lifespan(settings):
            keyring = keystore_for(settings).load()
            office = await Office.select(Office.id).first().run()
            await accounts.create_citizen_account(
                keyring, doc_type="resident_id", id_number=number, name="欧阳晓", password=PASSWORD
            )
            person = await find_person_id(keyring, "resident_id", number)
            await cards.issue_card_directly(
                keyring, person_id=person, city_code="440100", office_id=office["id"], bank_code="ICBC", ecard_level=2
            )

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, run()).result()
    return number


def _sign_in(page, server, number: str) -> None:
    page.goto(server.base_url + "/wallet/")
    page.select_option("#doc-type", "resident_id")
    page.fill("#id-number", number)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector(".cardface")


def _trust(server):
    from backend.codes.format_v2 import trust_from_jwks_v2

    status, doc = server.api("GET", "/.well-known/jwks.json")
    assert status == 200
    return trust_from_jwks_v2(doc)


def _verify(server, text: str, scenario: str):
    from backend.codes.format_v2 import verify_offline_v2

    return verify_offline_v2(text, trust=_trust(server), scenario=scenario, now=int(time.time()))


def _offline_code_for(page, scenario: str, serial: int) -> tuple[str, int]:
    """Choose `scenario` on the code screen; the code the screen then shows (its text) and serial."""
    if page.locator("#code-scenario").input_value() != scenario:
        page.select_option("#code-scenario", scenario)
    page.wait_for_function(
        "([s, n]) => { const v = document.querySelector('.codeview');"
        " return v && v.dataset.scenario === s && v.dataset.mode === 'offline' && Number(v.dataset.serial) > n; }",
        arg=[scenario, serial],
    )
    serial = int(page.locator(".codeview").get_attribute("data-serial"))
    return page.locator("#qr").get_attribute("data-code"), serial


def _overflow(page) -> list[str]:
    return page.evaluate(
        """() => {
            const w = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('.codeview *')) {
                const r = el.getBoundingClientRect();
                if (r.width && (r.right > w + 0.5 || r.left < -0.5)) out.push(`${el.tagName.toLowerCase()}#${el.id} ${Math.round(r.left)}..${Math.round(r.right)}`);
            }
            return out.slice(0, 5);
        }"""
    )


def test_offline_codes_of_format_2_per_service(browser, server, artifacts):
    from backend.codes.format import Result
    from backend.codes.format_v2 import parse_credential_v2

    number = _holder(server)
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=NARROW)
    page = ctx.new_page()
    _sign_in(page, server, number)

    # A batch: every profile, for now and later slots; each with a non-extractable one-time key.
    held = wait_until(page, HELD_V2)
    now = int(time.time())
    assert {r["profile"] for r in held} == {"validity", "concession", "transit"}
    for profile in ("validity", "concession", "transit"):
        mine = [r for r in held if r["profile"] == profile]
        assert any(r["nbf"] <= now < r["exp"] for r in mine), profile
        assert sum(r["nbf"] > now for r in mine) >= 2, profile  # fewer than two slots ahead would refill
    assert all(r["suite"] == "ed25519" and r["keyType"] == "private" and r["extractable"] is False for r in held)
    assert len({r["credRef"] for r in held}) == len(held)  # no reference twice
    pubs = [parse_credential_v2(bytes.fromhex(r["credential"])).device_pub for r in held]
    assert len(set(pubs)) == len(pubs)  # and no key twice
    for r in held:
        assert parse_credential_v2(bytes.fromhex(r["credential"])).cred_ref.hex() == r["credRef"]

    # The code screen, offline code: the holder picks the library.
    page.click("#show-code")
    serial = wait_code(page)
    page.click("#code-switch")
    serial = wait_code(page, serial_above=serial, mode="offline")
    assert page.locator("label[for=code-scenario]").inner_text() == "此离线码用于"
    offered = page.eval_on_selector_all("#code-scenario option", "os => os.map(o => [o.value, o.dataset.profile])")
    built_in = {
        "hospital_registration": "validity",
        "transit_ride": "transit",
        "library_entry": "validity",
        "scenic_entry": "concession",
        "counter_service": "validity",
        "certificate_check": "validity",
    }
    # Every built-in offline scenario, with its profile. Other tests on this server may publish
    # scenarios of their own to the catalog (a console test's campus entry): each still has a profile.
    assert {name: profile for name, profile in offered if name in built_in} == built_in
    assert all(profile in ("validity", "concession", "transit") for _, profile in offered)
    assert "hotel_checkin" not in dict(offered)  # online only: said in one line instead
    assert "酒店入住登记" in page.locator("#code-online-only").inner_text()

    library, serial = _offline_code_for(page, "library_entry", serial)
    assert library.startswith("YKD2:") and len(library) == 5 + 293
    # What the QR shows is that text (read from the screen, not from the app), in a version 10 symbol.
    assert screen_qr(page)[0] == library
    assert page.locator("#qr svg").get_attribute("data-version") == "10"
    assert page.locator("#code-learns").get_attribute("data-profile") == "validity"
    assert "只能得知您的卡有效" in page.locator("#code-learns").inner_text()

    check = _verify(server, library, "library_entry")
    assert check.result == Result.VALID, check
    assert check.profile == 1 and check.attrs == 0
    assert _verify(server, library, "transit_ride").result == Result.WRONG_SCENARIO

    # The metro: another credential (profile transit), another reference and key.
    metro, serial = _offline_code_for(page, "transit_ride", serial)
    check_metro = _verify(server, metro, "transit_ride")
    assert check_metro.result == Result.VALID, check_metro
    assert check_metro.profile == 3
    assert _verify(server, metro, "library_entry").result == Result.WRONG_SCENARIO
    assert page.locator("#code-learns").get_attribute("data-profile") == "transit"
    assert "优待" in page.locator("#code-learns").inner_text()
    lib_cred = parse_credential_v2(_body(library)[:123])
    metro_cred = parse_credential_v2(_body(metro)[:123])
    assert lib_cred.cred_ref != metro_cred.cred_ref and lib_cred.device_pub != metro_cred.device_pub
    assert check.cred_ref != check_metro.cred_ref
    # The refresh makes a new code from the same credential (the slot is the unit), for the same scenario.
    page.wait_for_timeout(1100)  # a code of the same second is the same code (t is in seconds)
    page.click("#code-refresh")
    serial = wait_code(page, serial_above=serial, mode="offline")
    again = page.locator("#qr").get_attribute("data-code")
    assert again != metro and _verify(server, again, "transit_ride").result == Result.VALID

    # Three languages, at 320 px, with what the scanner learns in each.
    problems: list[str] = []
    learns = {"zh-Hans": "扫码设备得知", "zh-Hant": "掃碼設備得知", "en": "the scanner learns"}
    for lang in LANGS:
        # The top bar (with the language menu) is inert under the code: switch as the menu does.
        page.evaluate(
            "(l) => { document.querySelector('.codeview').dataset.old = '1'; return import('/shared/i18n.js').then(m => m.setLang(l)); }",
            lang,
        )
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        # The screen is drawn again in the new language, online first.
        page.wait_for_function(
            "() => { const v = document.querySelector('.codeview'); return v && !v.dataset.old && Number(v.dataset.serial) > 0; }"
        )
        serial = int(page.locator(".codeview").get_attribute("data-serial"))
        page.click("#code-switch")
        serial = wait_code(page, serial_above=serial, mode="offline")
        assert page.locator(".codeview").get_attribute("data-scenario") == "transit_ride"  # remembered
        assert learns[lang] in page.locator("#code-learns").inner_text()
        page.screenshot(path=str(artifacts / f"wallet-offline-v2-transit-{lang}.png"), full_page=True)
        problems += [f"{lang}: {v}" for v in axe_violations(page)]
        problems += [f"{lang}: overflows 320 px: {o}" for o in _overflow(page)]
    assert problems == [], problems

    # The choice is remembered: a new visit to the code screen offers the metro first.
    page.keyboard.press("Escape")
    page.wait_for_selector("main[data-screen=home] .cardface")
    page.click("#show-code")
    serial = wait_code(page)
    page.click("#code-switch")
    wait_code(page, serial_above=serial, mode="offline")
    assert page.locator("#code-scenario").input_value() == "transit_ride"
    assert page.locator(".codeview").get_attribute("data-scenario") == "transit_ride"
    ctx.close()


def _body(text: str) -> bytes:
    from backend.lib import base45

    return base45.decode(text[5:])


def test_format_1_only_while_the_server_has_no_batch_route(browser, server):
    """A server without the batch route (404): the wallet falls back to YKC1 and YKD1 codes."""
    number = _holder(server)
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 390, "height": 844})
    missing = json.dumps({"error": {"code": "route.not_found", "message": "There is nothing at this address.", "details": {}}})
    ctx.route(
        "**/api/v1/me/credentials/batch", lambda route: route.fulfill(status=404, content_type="application/json", body=missing)
    )
    page = ctx.new_page()
    _sign_in(page, server, number)
    page.click("#show-code")
    serial = wait_code(page)
    page.click("#code-switch")
    wait_code(page, serial_above=serial, mode="offline")
    text = page.locator("#qr").get_attribute("data-code")
    assert text.startswith("YKD1:")
    assert page.locator("#code-scenario-box").is_hidden()  # a format 1 code is the same for every service
    assert server.verify(text)["result"] == "valid"
    ctx.close()


DEVICE_PUB = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
    const get = (k) => new Promise(r => { const q = db.transaction('kv').objectStore('kv').get(k); q.onsuccess = () => r(q.result); });
    const d = await get('device');
    return d ? Array.from(d.publicRaw, x => x.toString(16).padStart(2, '0')).join('') : null;
}"""


def test_an_issuer_of_the_sm_suite_gets_sm2_one_time_keys(browser, server, artifacts):
    """The issuer answers credential.suite_changed (suite sm2): the wallet makes SM2 one-time keys,
    signs the new request with its bound key, and its codes of the SM suite verify (an issuer of
    the SM suite played here by the test, with an SM2 key of its own)."""
    from backend.codes import format_v2 as v2
    from backend.codes.format import Result
    from backend.lib import ed25519, sm2

    issuer_private, issuer_public = sm2.generate()
    kid = secrets.token_bytes(4)
    asked: list[dict] = []

    def batch(route) -> None:
        body = json.loads(route.request.post_data)
        asked.append(body)
        if body["suite"] != "sm2":
            error = {
                "code": "credential.suite_changed",
                "message": "The issuer signs in another suite.",
                "details": {"suite": "sm2"},
            }
            route.fulfill(status=409, content_type="application/json", body=json.dumps({"error": error}))
            return
        keys = [base64.urlsafe_b64decode(k + "=" * (-len(k) % 4)) for k in body["keys"]]
        now, length = int(time.time()), 3 * 3600
        # Six slots (18 credentials): more than the 15 keys a wallet sends first, so it asks again.
        plan = [(now - now % length + i * length, p) for i in range(6) for p in (1, 2, 3)]
        issued = []
        for index, ((nbf, profile), pub) in enumerate(zip(plan, keys, strict=False)):
            ref = secrets.token_bytes(8)
            cred = v2.make_credential_v2(
                suite=2, issuer_kid=kid, issuer_private=issuer_private, cred_ref=ref, profile=profile,
                region=440000 if profile < 3 else 440100, nbf=nbf, exp=nbf + length, attrs=0, device_pub=pub,
            )  # fmt: skip
            issued.append(
                {
                    "credential": base64.urlsafe_b64encode(cred).rstrip(b"=").decode(),
                    "cred_ref": ref.hex(),
                    "profile": v2.Profile(profile).label,
                    "nbf": nbf,
                    "exp": nbf + length,
                    "kid": kid.hex(),
                    "key_index": index,
                }
            )
        answer = {"suite": "sm2", "slot_seconds": length, "credentials": issued, "needed": len(plan)}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    number = _holder(server)
    ctx = browser.new_context(base_url=server.base_url, locale="en-GB", viewport=NARROW)
    ctx.route("**/api/v1/me/credentials/batch", batch)
    page = ctx.new_page()
    _sign_in(page, server, number)
    held = wait_until(page, HELD_V2, timeout=30)
    # Refused once, then keys of the new suite; then as many keys as the plan needs, in one more request.
    assert [(a["suite"], len(a["keys"])) for a in asked] == [("ed25519", 15), ("sm2", 15), ("sm2", 18)]
    sm2_ask = asked[2]
    keys = [base64.urlsafe_b64decode(k + "=" * (-len(k) % 4)) for k in sm2_ask["keys"]]
    assert all(len(k) == 33 and sm2.is_valid_public(k) for k in keys) and len(set(keys)) == len(keys)
    # Signed by the phone's bound key over exactly the lines the contract names.
    device_pub = bytes.fromhex(page.evaluate(DEVICE_PUB))
    message = "\n".join(["yikatong/credential-batch/v2", sm2_ask["device_id"], str(sm2_ask["t"]), "sm2", *sm2_ask["keys"]])
    signature = base64.urlsafe_b64decode(sm2_ask["signature"] + "=" * (-len(sm2_ask["signature"]) % 4))
    assert ed25519.verify(device_pub, message.encode(), signature)
    assert abs(sm2_ask["t"] - time.time()) < 30
    assert {r["suite"] for r in held} == {"sm2"} and len(held) == 18  # saved once, after the last answer

    page.click("#show-code")
    serial = wait_code(page)
    page.click("#code-switch")
    serial = wait_code(page, serial_above=serial, mode="offline")
    text, serial = _offline_code_for(page, "library_entry", serial)
    assert text.startswith("YKD2:") and len(text) == 5 + 294
    assert page.locator("#qr svg").get_attribute("data-version") == "10"
    assert screen_qr(page)[0] == text
    trust = {kid.hex(): v2.TrustedKey(alg="SM2SM3", public=issuer_public)}
    check = v2.verify_offline_v2(text, trust=trust, scenario="library_entry", now=int(time.time()))
    assert check.result == Result.VALID and check.suite == 2 and check.profile == 1, check
    other = v2.verify_offline_v2(text, trust=trust, scenario="scenic_entry", now=int(time.time()))
    assert other.result == Result.WRONG_SCENARIO
    page.screenshot(path=str(artifacts / "wallet-offline-v2-sm2-en.png"))
    ctx.close()
