"""Wallet account and card management: TOTP enrolment by scanning its QR code, sessions and
devices with revoke, changing bank, replacement, the card history and the access record."""

from __future__ import annotations

import io
import urllib.parse

import pyotp
import pytest
import zxingcpp
from PIL import Image

from tests.e2e.helpers import HAS_CREDENTIAL, screen_qr, sign_in, token_of, wait_code, wait_until
from tests.e2e.payment_parties import bank_id, client, open_account

pytestmark = pytest.mark.browser


def test_totp_enrolment_by_scanning_the_provisioning_qr(context, server):
    page = context.new_page()
    citizen = server.citizen(6)
    sign_in(page, citizen, server.base_url)
    page.click("#nav-security")
    page.click("#totp-start")
    page.wait_for_selector("#totp-qr")
    page.wait_for_function(
        "() => document.querySelector('#totp-qr').complete && document.querySelector('#totp-qr').naturalWidth > 0"
    )
    shot = Image.open(io.BytesIO(page.locator("#totp-qr").screenshot())).convert("L")
    found = zxingcpp.read_barcodes(shot)
    assert found and found[0].text.startswith("otpauth://totp/")
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(found[0].text).query)["secret"][0]
    page.fill("#totp-code", pyotp.TOTP(secret).now())
    page.click("#totp-form button[type=submit]")
    page.wait_for_selector("#recovery-codes li")
    assert page.locator("#recovery-codes li").count() == 10
    # Signing out ends the session and forgets this phone's key.
    token = token_of(page)
    page.goto(server.base_url + "/wallet/#/")
    page.click("#sign-out")
    page.wait_for_selector("#signin-form")
    assert page.evaluate("localStorage.getItem('yk.wallet.token')") is None
    assert server.api("GET", "/api/v1/me/card", token=token)[0] == 401


def test_sessions_and_devices_can_be_listed_and_revoked(browser, server):
    citizen = server.citizen(7)
    other = browser.new_context(base_url=server.base_url, locale="zh-CN")
    here = browser.new_context(base_url=server.base_url, locale="zh-CN")
    try:
        other_page = other.new_page()
        sign_in(other_page, citizen, server.base_url)
        page = here.new_page()
        sign_in(page, citizen, server.base_url)
        wait_until(page, HAS_CREDENTIAL)  # this browser registered its device key
        page.click("#nav-security")
        page.wait_for_selector("#sessions li")
        assert page.locator("#sessions li").count() == 2
        page.click("#sessions li[data-current='0'] button")
        page.click("dialog button[value=ok]")
        page.wait_for_function("() => document.querySelectorAll('#sessions li').length === 1")
        # The revoked browser is signed out at its next request.
        other_page.reload()
        other_page.wait_for_selector("#signin-form")

        # Both browsers registered a device key; unbinding this one leaves the other.
        assert page.locator("#devices li[data-here='1']").count() == 1
        bound = page.locator("#devices li").count()
        page.click("#devices li[data-here='1'] button")
        page.click("dialog button[value=ok]")
        page.wait_for_function(f"() => document.querySelectorAll('#devices li').length === {bound - 1}")
        assert page.locator("#devices li[data-here='1']").count() == 0
        status, devices = server.api("GET", "/api/v1/me/devices", token=token_of(page))
        assert status == 200 and len(devices) == bound - 1
    finally:
        other.close()
        here.close()


def test_bank_history_access_record_and_replacement(context, server):
    page = context.new_page()
    sign_in(page, server.citizen(5), server.base_url)
    # A venue checks the code: the holder sees who, why and what they saw.
    page.click("#show-code")
    wait_code(page, mode="online")
    text, _ = screen_qr(page)
    assert server.verify(text, "scenic_entry")["result"] == "valid"
    page.click("#close-code")
    page.click("#nav-access")
    page.wait_for_selector("#verifications li")
    assert page.locator("#verifications li").first.get_attribute("data-result") == "valid"
    assert "E2E" in page.locator("#verifications li").first.inner_text()

    page.goto(server.base_url + "/wallet/#/bank")
    page.check("input[name=bank][value=CCB]")
    page.click("#bank-form button[type=submit]")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#bank-status:not([hidden])")
    # The card moves once the new bank has opened its account (issue 16): CCB answers through the API.
    page.wait_for_selector("#bank-change[data-bank=CCB]")
    ccb = client(server, server.staff_token("admin"), "bank", bank_id(server, "CCB"), "E2E CCB core banking")
    assert open_account(server, ccb, server.citizen(5)), "CCB saw no account request"
    page.goto(server.base_url + "/wallet/#/")
    page.wait_for_selector("#card-bank")
    assert "建设银行" in page.locator("#card-bank").inner_text()

    page.click("#nav-history")
    page.wait_for_selector("#events li")
    actions = page.locator("#events li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert {"issue", "bank_change"} <= set(actions)

    page.goto(server.base_url + "/wallet/#/")
    before = page.locator("#card-number").inner_text()
    page.click("#do-request_replacement")
    page.click("dialog button[value=ok]")
    page.wait_for_function(
        f"() => document.querySelector('#card-number') && document.querySelector('#card-number').textContent !== {before!r}"
    )
    page.click("#nav-history")
    page.wait_for_selector("#events li[data-action=request_replacement]")
