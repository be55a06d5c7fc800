"""The code screen as a holder uses it (issue 15 §2): an offline code on demand while the phone
is online, the result of a scan and a fresh code as soon as a venue accepts the code, a manual
refresh, a countdown that ends when the code changes, and Esc to close."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import HAS_CREDENTIAL, axe_violations, screen_qr, sign_in, wait_code, wait_until

pytestmark = pytest.mark.browser

LANGS = ["zh-Hans", "zh-Hant", "en"]
PHONE = {"width": 390, "height": 844}


def _serial(page) -> int:
    return int(page.locator(".codeview").get_attribute("data-serial"))


def _seconds(page) -> int:
    return int(re.search(r"\d+", page.locator("#countdown").inner_text()).group())


def _open_code(page) -> int:
    page.click("#show-code")
    return wait_code(page)


def test_a_scanned_code_is_replaced_at_once_and_the_wallet_says_where(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    sign_in(page, server.citizen(17), server.base_url)
    serial = _open_code(page)
    first, _ = screen_qr(page)
    assert first.startswith("YKO1:")
    assert page.locator("#code-used").is_hidden()

    # The venue's scanner checks the code on the screen, as a gate does.
    assert server.verify(first)["result"] == "valid"
    # Within a few seconds, without a reload: where it was used, and a new code beside it.
    page.wait_for_selector("#code-used:not([hidden])", timeout=8000)
    assert "E2E 图书馆" in page.locator("#code-used").inner_text()
    assert "核验" in page.locator("#code-used").inner_text()
    wait_code(page, serial_above=serial, mode="online")
    second, _ = screen_qr(page)
    assert second.startswith("YKO1:") and second != first
    # The new code is good at the next gate; the old one is refused there.
    assert server.verify(second, "scenic_entry")["result"] == "valid"
    assert server.verify(first, "scenic_entry")["result"] == "replayed"
    ctx.close()


def test_an_offline_code_on_demand_while_online_and_back(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    sign_in(page, server.citizen(18), server.base_url)
    wait_until(page, HAS_CREDENTIAL)
    serial = _open_code(page)
    assert page.locator("#code-switch").is_visible()
    assert page.locator("#code-switch").inner_text() == "出示离线码"
    # The venue's scanner is offline and asks for an offline code: one tap, the network stays on.
    page.click("#code-switch")
    serial = wait_code(page, serial_above=serial, mode="offline")
    assert page.evaluate("navigator.onLine")
    # An offline code is made for one service (issue 18): the venue here is a library.
    if page.locator("#code-scenario").input_value() != "library_entry":
        page.select_option("#code-scenario", "library_entry")
        serial = wait_code(page, serial_above=serial, mode="offline")
    offline_text, _ = screen_qr(page)
    assert offline_text.startswith("YKD2:")
    assert "离线" in page.locator("#code-mode").inner_text()
    assert page.locator("#code-switch").inner_text() == "改回在线码"
    page.screenshot(path=str(artifacts / "wallet-code-offline-on-demand-zh-Hans.png"))
    problems = axe_violations(page)
    assert problems == [], problems

    # An offline code that a venue checks (here online, as an offline scanner's upload would) is
    # learnt of too, and the next code is offline again: the holder's choice holds.
    assert server.verify(offline_text)["result"] == "valid"
    page.wait_for_selector("#code-used:not([hidden])", timeout=8000)
    serial = wait_code(page, serial_above=serial, mode="offline")

    # And back to the online code.
    page.click("#code-switch")
    serial = wait_code(page, serial_above=serial, mode="online")
    text, _ = screen_qr(page)
    assert text.startswith("YKO1:")

    # A manual refresh gives a new code at once.
    page.click("#code-refresh")
    wait_code(page, serial_above=serial, mode="online")
    refreshed, _ = screen_qr(page)
    assert refreshed != text and refreshed.startswith("YKO1:")

    # Esc closes the code, back to the card.
    page.keyboard.press("Escape")
    page.wait_for_selector("main[data-screen=home] .cardface")
    ctx.close()


def test_the_countdown_ends_when_the_code_changes(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    page.clock.install()
    sign_in(page, server.citizen(17), server.base_url)
    serial = _open_code(page)
    left = _seconds(page)
    assert 50 <= left <= 60
    # Two seconds before the countdown reaches zero the code is still the same one...
    page.clock.fast_forward((left - 2) * 1000)
    page.wait_for_function("() => parseInt(document.querySelector('#countdown').textContent.match(/\\d+/)[0]) <= 2")
    assert _serial(page) == serial
    # ...and when it reaches zero, it is replaced.
    page.clock.fast_forward(2500)
    wait_code(page, serial_above=serial, mode="online")
    ctx.close()


def test_the_code_screen_in_every_language_and_elder_mode(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    problems: list[str] = []
    sign_in(page, server.citizen(17), server.base_url)
    for lang in LANGS:
        page.select_option("#lang-select", lang)
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        serial = _open_code(page)
        assert server.verify(screen_qr(page)[0])["result"] == "valid"
        page.wait_for_selector("#code-used:not([hidden])", timeout=8000)
        wait_code(page, serial_above=serial)
        # The buttons fit a phone's screen, and each is a finger's size.
        for selector in ("#code-refresh", "#code-switch", "#close-code"):
            box = page.locator(selector).bounding_box()
            assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)
        page.screenshot(path=str(artifacts / f"wallet-code-used-{lang}.png"))
        problems += [f"{lang}: {v}" for v in axe_violations(page)]
        page.keyboard.press("Escape")
        page.wait_for_selector("main[data-screen=home] .cardface")
    page.click("#elder-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    _open_code(page)
    for selector in ("#code-refresh", "#code-switch", "#close-code"):
        assert page.locator(selector).bounding_box()["height"] >= 64, selector
    page.screenshot(path=str(artifacts / "wallet-code-elder.png"))
    problems += [f"elder: {v}" for v in axe_violations(page)]
    assert problems == [], problems
    ctx.close()
