"""A new person comes in through the wallet (issue 14, section 6): signs up, applies for a card,
proves who they are to activate the e-card, resets a forgotten password; the locale follows the
browser's language; each of these screens in three languages and elder mode, at 320 px."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

import pytest

from tests.e2e.conftest import ROOT, Citizen
from tests.e2e.helpers import axe_violations, sign_in

pytestmark = pytest.mark.browser

LANGS = ["zh-Hans", "zh-Hant", "en"]
PASSWORD = "Onboard-pass-2026"
DEMO_PASSWORD = "Demo-pass-2026"  # backend.demo's staff password
CITY = "440100"  # Guangzhou: the demo's gz-supervisor and gz-counter work there
# A key t() could not translate shows itself (for example "activate.bank_title").
KEY_LIKE = re.compile(r"\b(?:signin|signup|apply|activate|reset|home|title|error|reason|doc)\.[a-z0-9_.]+[a-z0-9_]\b")


def _dictionary(lang: str) -> dict[str, str]:
    out = json.loads((ROOT / "pwa/shared/i18n" / f"{lang}.json").read_text())
    for group in sorted((ROOT / "pwa/wallet/i18n").iterdir()):
        path = group / f"{lang}.json"
        if path.exists():
            out.update(json.loads(path.read_text()))
    return out


def new_person(name: str = "陈新") -> Citizen:
    from backend.identity.documents import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(20000))
    return Citizen(name, "resident_id", make_resident_id("440106", birth, secrets.randbelow(1000)), PASSWORD)


def staff_token(server, username: str = "gz-supervisor") -> str:
    status, body = server.api("POST", "/api/v1/auth/staff/login", {"username": username, "password": DEMO_PASSWORD})
    assert status == 200, body
    return body["token"]


def citizen_token(server, person: Citizen) -> str:
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": person.doc_type, "id_number": person.id_number, "password": person.password}
    )
    assert status == 200, body
    return body["token"]


def registered(server, person: Citizen) -> str:
    """An account made through the API (not the screen); its token."""
    status, body = server.api(
        "POST",
        "/api/v1/accounts",
        {"doc_type": person.doc_type, "id_number": person.id_number, "name": person.name, "password": person.password},
    )
    assert status == 201, body
    return citizen_token(server, person)


def approve_pending(server, token: str) -> dict:
    """The clerk approves the person's pending application (through the staff API); the card."""
    status, mine = server.api("GET", "/api/v1/me/card/applications", token=token)
    assert status == 200, mine
    pending = [a for a in mine if a["status"] == "pending"]
    assert len(pending) == 1, mine
    status, card = server.api(
        "POST", f"/api/v1/staff/applications/{pending[0]['id']}/approve", {"bank_code": "ICBC"}, token=staff_token(server)
    )
    assert status == 200, card
    return card


def with_card(server, person: Citizen) -> str:
    """A person with an account and an issued card whose e-card is not active; their token."""
    token = registered(server, person)
    status, body = server.api("POST", "/api/v1/me/card/applications", {"region": CITY}, token=token)
    assert status == 201, body
    approve_pending(server, token)
    return token


def use_token(page, server, token: str, route: str = "") -> None:
    page.goto(server.base_url + "/wallet/")
    page.evaluate("t => localStorage.setItem('yk.wallet.token', t)", token)
    page.goto(f"{server.base_url}/wallet/#/{route}")
    page.reload()


def screen(page, name: str) -> None:
    page.wait_for_selector(f"main[data-screen='{name}'] h1", state="attached")
    page.wait_for_load_state("networkidle")


def set_lang(page, lang: str) -> None:
    page.select_option("#lang-select", lang)
    page.wait_for_function(f"() => document.documentElement.lang.startsWith('{lang[:5]}')")
    page.wait_for_load_state("networkidle")


def check_screen(page, artifacts, name: str, problems: list[str]) -> None:
    """Screenshot; no untranslated key, no serious axe finding, nothing wider than the window."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    text = page.evaluate("document.body.innerText")
    for key in KEY_LIKE.findall(text):
        problems.append(f"{name}: untranslated key {key!r}")
    for v in axe_violations(page):
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
    wide = page.evaluate(
        """() => {
            const w = document.documentElement.clientWidth;
            const out = [];
            if (document.documentElement.scrollWidth > w) out.push(`page ${document.documentElement.scrollWidth}px`);
            for (const el of document.querySelectorAll('main *, header *')) {
                const r = el.getBoundingClientRect();
                if (r.width && (r.right > w + 0.5 || r.left < -0.5) && !el.closest('.visually-hidden'))
                    out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
            }
            return out.slice(0, 5);
        }"""
    )
    for item in wide:
        problems.append(f"{name}: overflows 320 px: {item}")


# --- the locale from the browser's language ---------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "lang", "html_lang"),
    [("zh-HK", "zh-Hant", "zh-HK"), ("zh-TW", "zh-Hant", "zh-Hant"), ("en-US", "en", "en"), ("zh-CN", "zh-Hans", "zh-Hans")],
)
def test_the_browser_language_chooses_the_locale(browser, server, locale, lang, html_lang):
    ctx = browser.new_context(base_url=server.base_url, locale=locale)
    try:
        page = ctx.new_page()
        page.goto(server.base_url + "/wallet/")
        page.wait_for_selector("#signin-form")
        assert page.evaluate("document.documentElement.lang") == html_lang
        assert page.locator("h1").inner_text() == _dictionary(lang)["signin.title"]
        assert page.locator("#to-signup").inner_text() == _dictionary(lang)["signin.create_account"]
        assert page.locator("#lang-select").input_value() == lang
    finally:
        ctx.close()


def test_a_remembered_choice_wins_over_the_browser_language(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-HK")
    try:
        page = ctx.new_page()
        page.goto(server.base_url + "/wallet/")
        page.wait_for_selector("#signin-form")
        assert page.locator("h1").inner_text() == _dictionary("zh-Hant")["signin.title"]
        page.select_option("#lang-select", "en")
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.reload()
        page.wait_for_selector("#signin-form")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("h1").inner_text() == _dictionary("en")["signin.title"]
        page.select_option("#lang-select", "zh-Hans")
        page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'")
        page.reload()
        page.wait_for_selector("#signin-form")
        assert page.locator("h1").inner_text() == _dictionary("zh-Hans")["signin.title"]
    finally:
        ctx.close()


# --- sign up and apply ------------------------------------------------------------------------


def sign_up_in_wallet(page, server, person: Citizen) -> None:
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    page.click("#to-signup")
    page.wait_for_selector("#signup-form")
    page.select_option("#su-doc-type", person.doc_type)
    page.fill("#su-id-number", person.id_number)
    page.fill("#su-name", person.name)
    page.fill("#su-password", person.password)
    page.fill("#su-password2", person.password)
    page.click("#signup-submit")
    screen(page, "apply")


def apply_in_wallet(page) -> None:
    page.wait_for_selector("#apply-form")
    page.select_option("#apply-region", CITY)
    page.check("#apply-form input[name=bank][value=ICBC]")
    page.click("#apply-submit")
    page.wait_for_selector("#apply-done")
    assert page.locator("#application").get_attribute("data-status") == "pending"


def test_sign_up_checks_the_form_and_shows_the_api_refusals(context, server):
    page = context.new_page()
    person = new_person()
    page.goto(server.base_url + "/wallet/#/signup")
    page.wait_for_selector("#signup-form")
    page.fill("#su-id-number", person.id_number)
    page.fill("#su-name", person.name)
    page.fill("#su-password", person.password)
    page.fill("#su-password2", person.password + "x")
    page.click("#signup-submit")
    assert page.locator("#signup-error").inner_text() == _dictionary("zh-Hans")["signup.mismatch"]
    # The server's rules answer with codes the screen translates.
    page.fill("#su-password2", person.password)
    page.fill("#su-id-number", person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1"))
    page.click("#signup-submit")
    page.wait_for_function("() => !document.getElementById('signup-error').hidden")
    assert page.locator("#signup-error").inner_text() == _dictionary("zh-Hans")["error.document.bad_checksum"]
    # Somebody who already has an account is sent to sign in or to reset the password.
    taken = server.citizen(10)
    page.fill("#su-id-number", taken.id_number)
    page.fill("#su-name", taken.name)
    page.click("#signup-submit")
    page.wait_for_selector("#signup-exists:not([hidden])")
    assert page.locator("#signup-error").inner_text() == _dictionary("zh-Hans")["error.account.exists"]
    assert page.locator("#signup-exists a[href='#/reset']").count() == 1


def test_a_new_person_signs_up_and_applies_for_a_card(context, server):
    page = context.new_page()
    person = new_person("郭新民")
    sign_up_in_wallet(page, server, person)
    apply_in_wallet(page)
    # Home says the application is under review; applying again shows the same application.
    page.goto(server.base_url + "/wallet/#/")
    page.wait_for_selector("#application-pending")
    page.click("#to-apply")
    screen(page, "apply")
    assert page.locator("#application").get_attribute("data-status") == "pending"
    assert page.locator("#apply-form").count() == 0
    # The clerk approves: the card exists, but an account is not an identity, so home shows no
    # card and leads to proofing.
    approve_pending(server, page.evaluate("localStorage.getItem('yk.wallet.token')"))
    page.goto(server.base_url + "/wallet/#/")
    page.wait_for_selector("#not-proven")
    assert page.locator(".cardface").count() == 0
    assert page.locator("#to-apply").count() == 0
    page.click("#to-activate")
    screen(page, "activate")
