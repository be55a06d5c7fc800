"""Every main screen in each language and in elder mode: axe-core finds no serious or critical
violation, and a screenshot goes to test-artifacts/ for review. The language is remembered."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import axe_violations, screen_qr, sign_in, wait_code

pytestmark = pytest.mark.browser

LANGS = ["zh-Hans", "zh-Hant", "en"]
WALLET_SCREENS = ["home", "code", "history", "access", "security", "bank"]


def _set_lang(page, lang: str) -> None:
    page.select_option("#lang-select", lang)
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")


def _check(page, artifacts, name: str, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    for v in axe_violations(page):
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")


def _open(page, server, route: str) -> None:
    page.goto(f"{server.base_url}/wallet/#/{'' if route == 'home' else route}")
    if route == "code":
        wait_code(page)
    else:
        page.wait_for_selector(f"main[data-screen='{route}'] h1", state="attached")
        page.wait_for_load_state("networkidle")


def test_wallet_screens_in_every_language_and_elder_mode(context, server, artifacts):
    page = context.new_page()
    problems: list[str] = []
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    for lang in LANGS:
        _set_lang(page, lang)
        _check(page, artifacts, f"wallet-signin-{lang}", problems)
    _set_lang(page, "zh-Hans")
    sign_in(page, server.citizen(8), server.base_url)
    for lang in LANGS:
        _set_lang(page, lang)
        for route in WALLET_SCREENS:
            _open(page, server, route)
            if route == "code" and lang == LANGS[0]:
                # A venue checks the code, so the access record has something to show.
                assert server.verify(screen_qr(page)[0], "scenic_entry")["result"] == "valid"
            _check(page, artifacts, f"wallet-{route}-{lang}", problems)
    _open(page, server, "home")
    if page.locator("#elder-toggle").get_attribute("aria-pressed") != "true":
        page.click("#elder-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    for route in ["home", "more", "code", "history"]:
        _open(page, server, route)
        _check(page, artifacts, f"wallet-{route}-elder", problems)
    page.click("#elder-toggle")
    # The TOTP enrolment and confirmation dialog are screens too.
    _open(page, server, "security")
    page.click("#totp-start")
    page.wait_for_selector("#totp-qr")
    _check(page, artifacts, "wallet-totp-enrol-en", problems)
    _open(page, server, "home")
    page.click("#do-report_temp_loss")
    page.wait_for_selector("dialog[open]")
    _check(page, artifacts, "wallet-confirm-loss-en", problems)
    page.click("dialog button[value=cancel]")
    assert not problems, "\n".join(problems)


def test_the_language_choice_is_remembered(context, server):
    page = context.new_page()
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"  # the default
    _set_lang(page, "en")
    assert page.locator("h1").inner_text() == "Sign in to your e-card"
    page.reload()
    page.wait_for_selector("#signin-form")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto(server.base_url + "/scanner/")  # shared between the two apps on one origin
    page.wait_for_selector("main#main h1")
    assert page.evaluate("document.documentElement.lang") == "en"
    _set_lang(page, "zh-Hant")
    page.reload()
    page.wait_for_selector("main#main h1")
    assert page.locator("h1").inner_text() == "登入核驗終端"


def test_scanner_screens_in_every_language_and_elder_mode(context, server, artifacts):
    page = context.new_page()
    problems: list[str] = []
    page.goto(server.base_url + "/scanner/")
    page.wait_for_selector("#token")
    for lang in LANGS:
        _set_lang(page, lang)
        _check(page, artifacts, f"scanner-signin-{lang}", problems)
    page.fill("#token", server.scanners["scenic_entry"])
    page.click("form button[type=submit]")
    page.wait_for_selector("#net-state[data-online='1']")
    for lang in LANGS:
        _set_lang(page, lang)
        page.wait_for_selector("#net-state")
        _check(page, artifacts, f"scanner-ready-{lang}", problems)
        page.fill("#manual-code", f"YKD1:NOT-A-CODE-{lang}")
        page.press("#manual-code", "Enter")
        page.wait_for_selector("#result[data-result=malformed]")
        _check(page, artifacts, f"scanner-result-red-{lang}", problems)
    page.click("#elder-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    page.wait_for_selector("#net-state")
    _check(page, artifacts, "scanner-result-red-elder", problems)
    assert not problems, "\n".join(problems)
