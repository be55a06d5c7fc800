"""Passkeys in real Chromium with a virtual authenticator (issue 14, must-show): the holder sets up a
passkey in the wallet, signs out and signs in with the passkey alone; a stale session is asked for
a fresh factor (step-up) and the passkey gives it; the passkeys screen in three languages and elder
mode. WebAuthn needs a domain, not an IP address: these pages are opened on localhost."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import urllib.parse
from contextlib import closing

import pytest

from tests.e2e.conftest import Citizen
from tests.e2e.helpers import axe_violations, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Passkey-pass-2026"
LANGS = ["zh-Hans", "zh-Hant", "en"]


def _localhost(server) -> str:
    port = urllib.parse.urlparse(server.base_url).port
    return f"http://localhost:{port}"


def _new_account(server) -> Citizen:
    from backend.identity.documents import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(20000))
    person = Citizen("钱通", "resident_id", make_resident_id("440106", birth, secrets.randbelow(1000)), PASSWORD)
    status, body = server.api(
        "POST",
        "/api/v1/accounts",
        {"doc_type": person.doc_type, "id_number": person.id_number, "name": person.name, "password": PASSWORD},
    )
    assert status == 201, body
    return person


def _authenticator(context, page) -> tuple[object, str]:
    """A platform authenticator with resident keys and user verification, as a phone has."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _password_sign_in(page, base: str, person: Citizen) -> None:
    page.goto(base + "/wallet/")
    page.wait_for_selector("#signin-form")
    page.select_option("#doc-type", person.doc_type)
    page.fill("#id-number", person.id_number)
    page.fill("#password", person.password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_function("() => localStorage.getItem('yk.wallet.token')")
    page.wait_for_selector("main:not([data-screen='signin']) h1", state="attached")


def _token(page) -> str:
    return page.evaluate("localStorage.getItem('yk.wallet.token')")


def _stale(server, token: str) -> None:
    """Make the session an old one (as hours after signing in): no fresh factor."""
    import hashlib

    with closing(sqlite3.connect(server.pwa_dir.parent / "data" / "yikatong.sqlite")) as db:
        db.execute(
            "UPDATE accounts_session SET stepped_up_at = NULL WHERE token_hash = ?", (hashlib.sha256(token.encode()).hexdigest(),)
        )
        db.commit()


def test_register_a_passkey_sign_out_and_sign_in_with_it(browser, server, artifacts):
    base = _localhost(server)
    person = _new_account(server)
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 420, "height": 860})
    try:
        page = context.new_page()
        cdp, authenticator = _authenticator(context, page)
        _password_sign_in(page, base, person)

        # Security -> passkeys -> create one (the virtual authenticator answers for the holder).
        page.goto(base + "/wallet/#/security")
        page.click("#nav-passkeys")
        page.wait_for_selector("main[data-screen='passkeys'] #no-passkeys")
        page.fill("#passkey-label", "测试手机")
        page.click("#passkey-add")
        page.wait_for_selector("#passkey-added")
        assert page.locator("#passkey-list li[data-id]").count() == 1
        assert "测试手机" in page.locator("#passkey-list").inner_text()
        # The first second factor brings recovery codes, shown once.
        page.wait_for_selector("#recovery-codes li")
        assert page.locator("#recovery-codes li").count() == 10
        assert page.locator("#recovery-state").get_attribute("data-left") == "10"
        page.screenshot(path=str(artifacts / "passkeys-added.png"), full_page=True)
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
        assert credentials[0]["rpId"] == "localhost"
        status, listed = server.api("GET", "/api/v1/me/passkeys", token=_token(page))
        assert status == 200 and [p["label"] for p in listed] == ["测试手机"]

        # Sign out, then sign in with the passkey alone: no document number, no password.
        old_token = _token(page)
        page.goto(base + "/wallet/#/more")
        page.click("#sign-out")
        page.wait_for_selector("#passkey-signin")
        assert _token(page) is None
        assert server.api("GET", "/api/v1/me", token=old_token)[0] == 401
        page.screenshot(path=str(artifacts / "passkeys-signin.png"), full_page=True)
        page.click("#passkey-signin")
        page.wait_for_function("() => localStorage.getItem('yk.wallet.token')")
        page.wait_for_selector("main:not([data-screen='signin']) h1", state="attached")
        token = _token(page)
        status, me = server.api("GET", "/api/v1/me", token=token)
        assert status == 200 and me["id_number_masked"].startswith(person.id_number[:2])
        status, listed = server.api("GET", "/api/v1/me/passkeys", token=token)
        assert listed[0]["last_used_at"] is not None
        page.screenshot(path=str(artifacts / "passkeys-signed-in.png"), full_page=True)

        # Hours later: renewing the recovery codes asks for a fresh factor, and the passkey gives it.
        _stale(server, token)
        page.goto(base + "/wallet/#/passkeys")
        page.wait_for_selector("#recovery-renew")
        page.click("#recovery-renew")
        page.click("dialog button[value=ok]")
        page.wait_for_selector("#stepup-dialog #stepup-passkey")
        page.screenshot(path=str(artifacts / "passkeys-stepup.png"), full_page=True)
        page.click("#stepup-passkey")
        page.wait_for_selector("#new-recovery-codes #recovery-codes li")
        assert page.locator("#recovery-codes li").count() == 10
        status, state = server.api("GET", "/api/v1/me/step-up", token=token)
        assert state["fresh_until"] is not None
    finally:
        context.close()


def test_password_then_passkey_as_the_second_step(browser, server):
    base = _localhost(server)
    person = _new_account(server)
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 420, "height": 860})
    try:
        page = context.new_page()
        _authenticator(context, page)
        _password_sign_in(page, base, person)
        page.goto(base + "/wallet/#/passkeys")
        page.click("#passkey-add")
        page.wait_for_selector("#passkey-added")
        page.goto(base + "/wallet/#/more")
        page.click("#sign-out")
        page.wait_for_selector("#signin-form")
        # The password alone no longer signs in: the wallet asks for the passkey next.
        page.fill("#id-number", person.id_number)
        page.fill("#password", person.password)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#signin-second-passkey:not([hidden])")
        page.click("#signin-second-passkey")
        page.wait_for_function("() => localStorage.getItem('yk.wallet.token')")
        assert server.api("GET", "/api/v1/me", token=_token(page))[0] == 200
    finally:
        context.close()


def test_passkeys_screen_in_three_languages_and_elder_mode(browser, server, artifacts):
    base = _localhost(server)
    person = _new_account(server)
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 320, "height": 720})
    problems: list[str] = []
    try:
        page = context.new_page()
        _authenticator(context, page)
        _password_sign_in(page, base, person)
        page.goto(base + "/wallet/#/passkeys")
        page.click("#passkey-add")
        page.wait_for_selector("#passkey-added")
        for lang, elder in [*((lang, False) for lang in LANGS), ("zh-Hans", True)]:
            page.evaluate(
                "([l, e]) => { localStorage.setItem('yk.lang', l); localStorage.setItem('yk.elder', e ? '1' : '0'); }",
                [lang, elder],
            )
            page.goto(base + "/wallet/#/passkeys")
            page.reload()
            page.wait_for_selector("main[data-screen='passkeys'] #passkey-list li[data-id]")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.classList.contains('elder')") == elder
            assert page.evaluate("document.documentElement.lang").startswith(lang[:5])
            tag = "elder" if elder else lang
            page.screenshot(path=str(artifacts / f"passkeys-{tag}.png"), full_page=True)
            text = page.evaluate("document.body.innerText")
            for marker in ("passkeys.", "recovery.", "fresh.", "title."):
                if marker in text:
                    problems.append(f"{tag}: untranslated {marker}")
            problems += [f"{tag}: {v['id']} {v['nodes']}" for v in axe_violations(page)]
            wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
            if wide:
                problems.append(f"{tag}: wider than 320 px")
        heading = {"zh-Hans": "通行密钥和恢复码", "en": "Passkeys and recovery codes"}
        assert page.locator("h1").inner_text() == heading["zh-Hans"]
        page.evaluate("localStorage.setItem('yk.lang', 'en'); localStorage.setItem('yk.elder', '0')")
        page.reload()
        page.wait_for_selector("main[data-screen='passkeys'] h1")
        assert page.locator("h1").inner_text() == heading["en"]
        assert not problems, problems
    finally:
        context.close()


def test_a_stale_session_steps_up_before_lifting_a_loss_report_or_revealing_the_number(context, server, artifacts):
    """The thief with an unlocked phone: hours after signing in, lifting the loss report and
    showing the full number ask for the password first (this account has no second factor)."""
    page = context.new_page()
    citizen = server.citizen(9)
    sign_in(page, citizen, server.base_url)
    page.click("#do-report_temp_loss")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#card-state[data-state=temp_lost]")
    _stale(server, _token(page))

    page.click("#do-lift_loss")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#stepup-dialog #stepup-input[type=password]")
    assert page.locator("#stepup-passkey").count() == 0  # no passkey on this account
    page.screenshot(path=str(artifacts / "stepup-password.png"), full_page=True)
    page.fill("#stepup-input", "not the password")
    page.click("#stepup-submit")
    page.wait_for_selector("#stepup-error:not([hidden])")
    assert page.locator("#card-state").get_attribute("data-state") == "temp_lost"
    page.fill("#stepup-input", citizen.password)
    page.click("#stepup-submit")
    page.wait_for_selector("#card-state[data-state=active]")

    _stale(server, _token(page))
    page.click("#reveal")
    page.wait_for_selector("#stepup-dialog")
    page.click("#stepup-cancel")  # cancelled: the number stays masked
    page.wait_for_selector("#stepup-dialog", state="detached")
    assert "*" in page.locator("#card-number").inner_text()
    page.click("#reveal")
    page.fill("#stepup-input", citizen.password)
    page.click("#stepup-submit")
    page.wait_for_function("() => !document.querySelector('#card-number').textContent.includes('*')")
