"""Wallet in Chromium: sign in, the card, the code on screen verifies, it renews, offline codes,
and no code after a loss report."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import screen_qr, sign_in, token_of, wait_code, wait_until

pytestmark = pytest.mark.browser

# Offline credentials of format 2 (issue 18) and the catalog's offline scenarios are on the phone.
READY_OFFLINE = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
    const get = (k) => new Promise(r => { const q = db.transaction('kv').objectStore('kv').get(k); q.onsuccess = () => r(q.result); });
    return ((await get('credentials2')) || []).length > 0 && Boolean(await get('scenarios'));
}"""


def test_sign_in_with_totp_and_see_the_card(context, server):
    page = context.new_page()
    citizen = server.citizen(0)  # the one with TOTP on
    sign_in(page, citizen, server.base_url)
    assert page.locator("#card-holder").inner_text() == citizen.name
    assert page.locator("#card-state").get_attribute("data-state") == "active"
    assert "*" in page.locator("#card-number").inner_text()
    page.click("#reveal")
    page.wait_for_function("() => !document.querySelector('#card-number').textContent.includes('*')")
    page.click("#reveal")
    page.wait_for_function("() => document.querySelector('#card-number').textContent.includes('*')")
    assert page.locator("#card-region").inner_text()


def test_code_on_screen_verifies_and_is_renewed_before_it_expires(context, server):
    page = context.new_page()
    page.clock.install()  # fake timers, so the test need not wait a minute for the renewal
    sign_in(page, server.citizen(1), server.base_url)
    page.click("#show-code")
    serial = wait_code(page, mode="online")
    first, _ = screen_qr(page)
    assert first.startswith("YKO1:")
    left = int(re.search(r"\d+", page.locator("#countdown").inner_text()).group())
    assert 55 <= left <= 60
    answer = server.verify(first)
    assert answer["result"] == "valid", answer
    assert answer["attributes"]["masked_name"]
    # The wallet learns of the use and shows a fresh code at once (tests/e2e/test_code_screen.py).
    page.clock.fast_forward(3_000)
    serial = wait_code(page, serial_above=serial, mode="online")
    page.wait_for_selector("#code-used:not([hidden])")
    first, _ = screen_qr(page)
    left = int(re.search(r"\d+", page.locator("#countdown").inner_text()).group())

    # The countdown runs down visibly; 5 s before expiry the wallet shows a new code.
    page.clock.fast_forward(10_000)
    page.wait_for_function(f"() => parseInt(document.querySelector('#countdown').textContent.match(/\\d+/)[0]) < {left}")
    page.clock.fast_forward(46_000)
    wait_code(page, serial_above=serial, mode="online")
    second, _ = screen_qr(page)
    assert second.startswith("YKO1:") and second != first
    assert server.verify(second)["result"] == "valid"


def test_offline_the_wallet_shows_an_offline_code_that_verifies(context, server):
    page = context.new_page()
    sign_in(page, server.citizen(2), server.base_url)
    # Online once: the device key is registered, credentials fetched and the catalog's scenarios kept.
    page.wait_for_function("() => indexedDB && window.ykWallet && true")
    wait_until(page, READY_OFFLINE)
    context.set_offline(True)
    page.click("#show-code")
    serial = wait_code(page, mode="offline")
    assert page.locator("#code-mode").inner_text()
    # Without network too, the holder says which service the code is for: here the library.
    page.select_option("#code-scenario", "library_entry")
    wait_code(page, serial_above=serial, mode="offline")
    text, _ = screen_qr(page)
    assert text.startswith("YKD2:")
    # Offline the card face comes from the saved copy and says how old it is.
    page.click("#close-code")
    page.wait_for_selector("#offline-banner")
    assert page.locator("#card-holder").inner_text() == server.citizen(2).name
    # Even a fresh start offline works: the shell from the service worker, the rest from IndexedDB.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    page.wait_for_selector("#offline-banner")
    page.click("#show-code")
    wait_code(page, mode="offline")
    assert page.locator(".codeview").get_attribute("data-scenario") == "library_entry"  # the choice is remembered
    second, _ = screen_qr(page)
    assert second.startswith("YKD2:")
    context.set_offline(False)
    answer = server.verify(text)
    assert answer["result"] == "valid", answer
    if second != text:  # made in a later second: a different code, just as good
        assert server.verify(second)["result"] == "valid"


def test_after_a_loss_report_there_is_no_code(context, server):
    page = context.new_page()
    sign_in(page, server.citizen(3), server.base_url)
    page.click("#do-report_temp_loss")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#card-state[data-state=temp_lost]")
    assert page.locator("#show-code").count() == 0
    assert page.locator("#no-code[data-state=temp_lost]").is_visible()
    # Even going to the code screen directly shows the reason, never a code.
    page.goto(server.base_url + "/wallet/#/code")
    page.wait_for_selector(".codeview[data-mode=none]")
    assert page.locator("#qr svg").count() == 0
    assert page.locator("#no-code").is_visible()
    # The server refuses to mint one as well.
    status, body = server.api("POST", "/api/v1/me/codes/online", token=token_of(page))
    assert status == 409, body
    # Lifting the report brings the code back.
    page.goto(server.base_url + "/wallet/#/")
    page.click("#do-lift_loss")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#card-state[data-state=active]")
    assert page.locator("#show-code").is_visible()
