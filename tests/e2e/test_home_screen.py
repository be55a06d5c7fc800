"""Home as a holder sees it (issue 15 §2): the offline banner comes and goes with the network,
loss reporting sits away from the code button behind a confirmation, 12333 is a tel: link, the
browser's language is used on a first visit, and the top bar's controls are a finger's size
and say when elder mode is on."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import HAS_CREDENTIAL, axe_violations, sign_in, wait_until

pytestmark = pytest.mark.browser

LANGS = ["zh-Hans", "zh-Hant", "en"]
PHONE = {"width": 390, "height": 844}


def _phone(browser, server, locale: str = "zh-CN"):
    return browser.new_context(base_url=server.base_url, locale=locale, viewport=PHONE)


def test_the_offline_banner_follows_the_network_without_leaving_home(browser, server):
    ctx = _phone(browser, server)
    page = ctx.new_page()
    sign_in(page, server.citizen(18), server.base_url)
    wait_until(page, HAS_CREDENTIAL)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("#offline-banner").count() == 0
    assert page.locator("#reveal").is_visible() and page.locator("#do-report_temp_loss").is_visible()

    ctx.set_offline(True)
    page.wait_for_selector("#offline-banner")  # no navigation: the screen follows the network
    assert "离线" in page.locator("#offline-banner").inner_text()
    assert page.locator("#reveal").count() == 0
    assert page.locator("#do-report_temp_loss").count() == 0
    assert page.locator("main[data-screen=home] #card-holder").inner_text() == server.citizen(18).name

    ctx.set_offline(False)
    page.wait_for_selector("#offline-banner", state="detached")
    page.wait_for_selector("#reveal")
    page.wait_for_selector("#do-report_temp_loss")
    assert page.locator("main[data-screen=home]").count() == 1
    ctx.close()


def test_loss_reporting_is_away_from_the_code_button_and_asks_first(browser, server, artifacts):
    ctx = _phone(browser, server)
    page = ctx.new_page()
    sign_in(page, server.citizen(19), server.base_url)
    code_button = page.locator("#show-code").bounding_box()
    report = page.locator("#loss-section #do-report_temp_loss")
    assert report.count() == 1
    # Not right under the code button: the whole list of services lies between.
    assert report.bounding_box()["y"] - (code_button["y"] + code_button["height"]) > 200
    assert page.locator("#loss-section h2").inner_text() == "卡丢了或被盗？"

    # Cancelling the confirmation changes nothing.
    report.click()
    dialog = page.locator("dialog[open]")
    assert "停止使用" in dialog.inner_text()  # it says what will happen
    page.screenshot(path=str(artifacts / "wallet-home-confirm-loss-zh-Hans.png"))
    page.click("dialog button[value=cancel]")
    page.wait_for_selector("dialog", state="detached")
    assert page.locator("#card-state").get_attribute("data-state") == "active"

    # Confirming reports the loss; the reason box offers the hotline as a tel: link.
    report.click()
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#card-state[data-state=temp_lost]")
    assert page.locator("#show-code").count() == 0
    hotline = page.locator("#no-code a[href='tel:12333']")
    assert hotline.count() == 1 and hotline.inner_text() == "12333"
    # Lifting the report is not destructive: it is near the top, and also asks first.
    page.click("#do-lift_loss")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#card-state[data-state=active]")

    # On #/more too, the destructive actions are in their own section, replacement included.
    page.goto(server.base_url + "/wallet/#/more")
    page.wait_for_selector("main[data-screen=more] #loss-section #do-request_replacement")
    page.click("#do-request_replacement")
    assert "永久停用" in page.locator("dialog[open]").inner_text()
    page.click("dialog button[value=cancel]")
    ctx.close()


def test_12333_is_a_tel_link_before_sign_in_too(browser, server):
    ctx = _phone(browser, server)
    page = ctx.new_page()
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    page.wait_for_selector("a[href='tel:12333']")
    # No 12333 is left as plain text anywhere on the page.
    plain = page.evaluate(
        """() => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); let n = 0;
        while (w.nextNode()) { if (w.currentNode.data.includes('12333') && !w.currentNode.parentElement.closest('a')) n++; }
        return n; }"""
    )
    assert plain == 0
    # The public catalog page's help line too.
    page.goto(server.base_url + "/catalog/")
    page.wait_for_selector(".help a[href='tel:12333']")
    ctx.close()


@pytest.mark.parametrize(
    ("locale", "lang", "title"),
    [("en-US", "en", "Sign in to your e-card"), ("zh-HK", "zh-HK", "登入電子社保卡"), ("zh-CN", "zh-Hans", None)],
)
def test_the_browser_language_chooses_the_locale_on_a_first_visit(browser, server, locale, lang, title):
    ctx = _phone(browser, server, locale=locale)
    page = ctx.new_page()
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    assert page.evaluate("localStorage.getItem('yk.lang')") is None  # nothing chosen yet
    assert page.evaluate("document.documentElement.lang") == lang
    if title:
        assert page.locator("h1").inner_text() == title
    expected = {"en": "en", "zh-HK": "zh-Hant", "zh-Hans": "zh-Hans"}[lang]
    assert page.locator("#lang-select").input_value() == expected
    ctx.close()


def _targets(page) -> dict[str, float]:
    return {s: page.locator(s).bounding_box()["height"] for s in ("#lang-select", "#elder-toggle", "#reveal")} | {
        f"{s} width": page.locator(s).bounding_box()["width"] for s in ("#lang-select", "#elder-toggle", "#reveal")
    }


def test_targets_are_a_finger_wide_and_the_elder_switch_says_its_state(browser, server, artifacts):
    ctx = _phone(browser, server)
    page = ctx.new_page()
    problems: list[str] = []
    sign_in(page, server.citizen(17), server.base_url)
    sizes = _targets(page)
    assert all(v >= 44 for v in sizes.values()), sizes
    toggle = page.locator("#elder-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("#elder-state").inner_text() == "关"
    for lang in LANGS:
        page.select_option("#lang-select", lang)
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        page.wait_for_selector("main[data-screen=home] .cardface")
        page.screenshot(path=str(artifacts / f"wallet-home-{lang}.png"), full_page=True)
        problems += [f"home {lang}: {v}" for v in axe_violations(page)]
        page.goto(server.base_url + "/wallet/#/more")
        page.wait_for_selector("main[data-screen=more] #loss-section")
        page.screenshot(path=str(artifacts / f"wallet-more-{lang}.png"), full_page=True)
        problems += [f"more {lang}: {v}" for v in axe_violations(page)]
        page.goto(server.base_url + "/wallet/#/")
    page.select_option("#lang-select", "zh-Hans")
    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'")
    page.click("#elder-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    page.wait_for_selector("main[data-screen=home] .cardface")
    # The screen (top bar included) is drawn again for elder mode: wait for the new top bar,
    # which says the switch is on (a wait that fails if it never does).
    page.wait_for_function("() => document.querySelector('#elder-toggle')?.getAttribute('aria-pressed') === 'true'")
    assert page.locator("#elder-state").inner_text() == "开"
    assert "开" in page.locator("#elder-toggle").inner_text()
    sizes = _targets(page)
    assert all(v >= 64 for k, v in sizes.items() if "width" not in k), sizes
    page.screenshot(path=str(artifacts / "wallet-home-elder.png"), full_page=True)
    problems += [f"home elder: {v}" for v in axe_violations(page)]
    page.goto(server.base_url + "/wallet/#/more")
    page.wait_for_selector("main[data-screen=more] #loss-section")
    page.screenshot(path=str(artifacts / "wallet-more-elder.png"), full_page=True)
    problems += [f"more elder: {v}" for v in axe_violations(page)]
    assert problems == [], problems
    ctx.close()
