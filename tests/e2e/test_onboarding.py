"""A new person comes in through the wallet (issue 14, section 6): signs up, applies for a card,
proves who they are to activate the e-card, resets a forgotten password; the locale follows the
browser's language; each of these screens in three languages and elder mode, at 320 px."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass

import pytest
from nacl.signing import SigningKey

from backend.lib.canonical import canonical_json
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
    """Staff sign in with a second factor: the TOTP code from server.staff_totp, never one used before."""
    from tests.e2e.console_helpers import staff_token as signed_in

    return signed_in(server, username)


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


def test_sign_up_with_a_residence_permit_and_its_travel_permit(context, server):
    """A Hong Kong resident signs up with the residence permit and the travel permit it prints."""
    from backend.identity.documents import make_resident_id

    page = context.new_page()
    permit = make_resident_id("810000", dt.date(1985, 3, 2), secrets.randbelow(1000))
    page.goto(server.base_url + "/wallet/#/signup")
    page.wait_for_selector("#signup-form")
    assert page.locator("#su-linked").is_hidden() and page.locator("#su-permit").is_hidden()
    page.select_option("#su-doc-type", "hmt_residence_permit")
    assert page.locator("#su-linked").is_visible()
    page.fill("#su-id-number", permit)
    page.fill("#su-name", "陳港生")
    page.fill("#su-password", PASSWORD)
    page.fill("#su-password2", PASSWORD)
    page.click("#signup-submit")
    assert page.locator("#signup-error").inner_text() == _dictionary("zh-Hans")["error.document.linked_required"]
    assert page.evaluate("document.activeElement.id") == "su-linked-number"
    # A Macao permit does not go with a Hong Kong residence permit: the server says so.
    page.fill("#su-linked-number", f"M{secrets.randbelow(10**8):08d}")
    page.click("#signup-submit")
    page.wait_for_function(
        f"() => document.getElementById('signup-error').textContent === {json.dumps(_dictionary('zh-Hans')['error.document.linked_wrong_kind'])}"
    )
    page.fill("#su-linked-number", f"H{secrets.randbelow(10**8):08d}")
    page.click("#signup-submit")
    screen(page, "apply")


def test_sign_up_with_a_foreign_passport_needs_the_work_permit(context, server):
    page = context.new_page()
    page.goto(server.base_url + "/wallet/#/signup")
    page.wait_for_selector("#signup-form")
    page.select_option("#su-doc-type", "foreign_passport")
    assert page.locator("#su-permit").is_visible() and page.locator("#su-linked").is_hidden()
    page.fill("#su-id-number", f"USAE{secrets.randbelow(10**8):08d}")
    page.fill("#su-name", "JOHN SMITH")
    page.fill("#su-password", PASSWORD)
    page.fill("#su-password2", PASSWORD)
    page.click("#signup-submit")
    assert page.locator("#signup-error").inner_text() == _dictionary("zh-Hans")["error.document.work_permit_required"]
    page.fill("#su-work-permit", f"156{secrets.randbelow(10**12):012d}")
    page.click("#signup-submit")
    screen(page, "apply")


# --- the clerk and the bank, played through the API -------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _db(server) -> sqlite3.Connection:
    """The e2e server's SQLite file, read as the bank's own records would know its customers."""
    return sqlite3.connect(server.pwa_dir.parent / "data" / "yikatong.sqlite")


def card_number_of(server, card_id: str) -> str:
    with closing(_db(server)) as db:
        row = db.execute("SELECT number FROM cards_card WHERE id = ? OR id = ?", (card_id, card_id.replace("-", ""))).fetchone()
    assert row, card_id
    return row[0]


@dataclass
class BankSide:
    """The cooperating bank ICBC: a `bank` machine client and an Ed25519 answer key."""

    token: str
    key: SigningKey

    def approve(self, server, card_number: str, number: str, decision: str = "approved") -> dict:
        status, found = server.api(
            "POST", "/api/v1/bank/proofing/lookup", {"card_number": card_number, "number": number}, token=self.token
        )
        assert status == 200, found
        signed_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "card_number": card_number,
            "challenge_id": found["challenge_id"],
            "decision": decision,
            "purpose": found["sign"]["purpose"],
            "signed_at": signed_at,
        }
        signature = self.key.sign(canonical_json(body)).signature
        answer = {k: v for k, v in body.items() if k != "purpose"} | {"signature": _b64(signature)}
        status, out = server.api("POST", "/api/v1/bank/proofing/answers", answer, token=self.token)
        assert status == 200, out
        return out


@pytest.fixture(scope="module")
def icbc(server) -> BankSide:
    admin = staff_token(server, "admin")
    with closing(_db(server)) as db:
        bank_id = db.execute("SELECT id FROM org_bank WHERE code = 'ICBC'").fetchone()[0]
    status, client = server.api(
        "POST", "/api/v1/clients", {"kind": "bank", "org_id": str(uuid.UUID(str(bank_id))), "name": "ICBC e2e"}, token=admin
    )
    assert status == 201, client
    key = SigningKey.generate()
    status, body = server.api(
        "POST", "/api/v1/proofing/bank-keys", {"bank_code": "ICBC", "public_key": _b64(bytes(key.verify_key))}, token=admin
    )
    assert status == 201, body
    return BankSide(client["token"], key)


def clerk_binds(server, code: str, person: Citizen) -> dict:
    status, body = server.api(
        "POST",
        "/api/v1/staff/proofing/counter/bind",
        {"code": code, "doc_type": person.doc_type, "id_number": person.id_number},
        token=staff_token(server, "gz-counter"),
    )
    assert status == 200, body
    return body


# --- activation -------------------------------------------------------------------------------


def test_a_new_person_signs_up_applies_and_activates_at_the_counter(context, server):
    page = context.new_page()
    person = new_person("邓新华")
    sign_up_in_wallet(page, server, person)
    apply_in_wallet(page)
    approve_pending(server, page.evaluate("localStorage.getItem('yk.wallet.token')"))
    page.goto(server.base_url + "/wallet/#/")
    page.click("#to-activate")
    screen(page, "activate")
    page.click("#route-counter-show")
    page.wait_for_selector("#bind-code")
    code = page.locator("#bind-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code), code
    assert page.locator("#bind-qr svg").count() == 1
    assert page.locator("#bind-wait").get_attribute("data-kind") == "waiting"
    # The clerk checks the document in person and types the code: the wallet sees it.
    bound = clerk_binds(server, code, person)
    assert bound["attempt"]["outcome"] == "proven" and bound["purpose"] == "bind"
    page.wait_for_selector("#proof-done")
    assert page.locator("#proof-done").get_attribute("data-level") == "3"
    assert page.locator("#ecard-activated").inner_text() == _dictionary("zh-Hans")["activate.ecard_on"]
    page.click("#proof-home")
    page.wait_for_selector(".cardface")
    assert page.locator("#card-holder").inner_text() == person.name
    assert page.locator("#show-code").count() == 1


def test_activation_by_typing_the_counters_code(context, server):
    page = context.new_page()
    person = new_person("叶秀英")
    token = with_card(server, person)
    use_token(page, server, token, "activate")
    screen(page, "activate")
    page.click("#route-counter-type")
    page.fill("#claim-code", "2345-6789")  # nobody made this code
    page.click("#claim-submit")
    page.wait_for_selector("#claim-error:not([hidden])")
    assert page.locator("#claim-error").inner_text() == _dictionary("zh-Hans")["error.proofing.code_unknown"]
    status, made = server.api(
        "POST",
        "/api/v1/staff/proofing/counter/codes",
        {"doc_type": person.doc_type, "id_number": person.id_number},
        token=staff_token(server, "gz-counter"),
    )
    assert status == 201, made
    page.fill("#claim-code", made["code"].lower())
    page.click("#claim-submit")
    page.wait_for_selector("#proof-done")
    assert page.locator("#proof-done").get_attribute("data-method") == "counter"


def test_activation_through_the_bank_refused_then_approved(context, server, icbc):
    page = context.new_page()
    person = new_person("罗志刚")
    token = registered(server, person)
    status, body = server.api("POST", "/api/v1/me/card/applications", {"region": CITY, "bank_code": "ICBC"}, token=token)
    assert status == 201, body
    card = approve_pending(server, token)
    number = card_number_of(server, card["id"])
    use_token(page, server, token, "activate")
    screen(page, "activate")
    page.click("#route-bank")
    page.wait_for_selector("#bank-number, #proof-error")
    assert page.locator("#proof-error").count() == 0, page.locator("#proof-error").inner_text()
    assert "ICBC" in page.locator("#bank-panel").inner_text() or "工商" in page.locator("#bank-panel").inner_text()
    # The holder says no in the bank's app: the wallet shows the refusal.
    icbc.approve(server, number, page.locator("#bank-number").inner_text(), decision="refused")
    page.wait_for_selector("#bank-status[data-kind=refused]")
    # A new number, approved this time.
    page.click("#bank-new")
    page.wait_for_function("() => document.querySelector('#bank-status')?.dataset.kind === 'waiting'")
    icbc.approve(server, number, page.locator("#bank-number").inner_text())
    page.wait_for_selector("#proof-done")
    assert page.locator("#proof-done").get_attribute("data-level") == "2"
    assert page.locator("#proof-done").get_attribute("data-method") == "bank"


def test_the_provider_route_is_offered_only_when_the_api_says_so(context, server):
    page = context.new_page()
    token = with_card(server, new_person("苏明"))
    use_token(page, server, token, "activate")
    screen(page, "activate")
    status, mine = server.api("GET", "/api/v1/me/proofing", token=token)
    assert status == 200, mine
    assert mine["routes"]["provider"] is False  # a provider is enabled, but this person has no photo of record
    assert page.locator("#route-provider").count() == 0
    assert page.locator("#route-counter-show").count() == 1 and page.locator("#route-bank").count() == 1


# --- password reset ---------------------------------------------------------------------------


def start_reset_in_wallet(page, server, person: Citizen) -> None:
    page.goto(server.base_url + "/wallet/")
    page.wait_for_selector("#signin-form")
    page.click("#to-reset")
    page.wait_for_selector("#reset-form")
    page.select_option("#rs-doc-type", person.doc_type)
    page.fill("#rs-id-number", person.id_number)
    page.click("#reset-start")
    page.wait_for_selector("#reset-route-counter")


def finish_reset_in_wallet(page, server, person: Citizen, new_password: str) -> None:
    page.wait_for_selector("#reset-password-form")
    page.fill("#rs-password", new_password)
    page.fill("#rs-password2", new_password)
    page.click("#reset-save")
    page.wait_for_selector("#reset-done")
    status, _ = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": person.doc_type, "id_number": person.id_number, "password": person.password}
    )
    assert status == 401
    person.password = new_password
    page.click("#reset-signin")
    sign_in(page, person, server.base_url)  # the new password works in the wallet


def test_password_reset_at_the_counter(context, server):
    page = context.new_page()
    person = new_person("曾丽华")
    old_token = with_card(server, person)
    start_reset_in_wallet(page, server, person)
    page.click("#reset-route-counter")
    page.wait_for_selector("#bind-code")
    clerk = clerk_binds(server, page.locator("#bind-code").inner_text(), person)
    assert clerk["purpose"] == "reset"
    finish_reset_in_wallet(page, server, person, "Brand-new-pass-2026")
    # Every session ended with the reset.
    status, _ = server.api("GET", "/api/v1/me", token=old_token)
    assert status == 401


def test_password_reset_through_the_bank(context, server, icbc):
    page = context.new_page()
    person = new_person("谢国华")
    token = registered(server, person)
    status, body = server.api("POST", "/api/v1/me/card/applications", {"region": CITY, "bank_code": "ICBC"}, token=token)
    assert status == 201, body
    number = card_number_of(server, approve_pending(server, token)["id"])
    start_reset_in_wallet(page, server, person)
    page.click("#reset-route-bank")
    page.wait_for_selector("#bank-number")
    icbc.approve(server, number, page.locator("#bank-number").inner_text())
    finish_reset_in_wallet(page, server, person, "Bank-proven-pass-2026")


# --- every screen in three languages and elder mode, at 320 px ----------------------------------


def _prefs(page, server, lang: str, elder: bool) -> None:
    page.goto(server.base_url + "/wallet/")
    page.evaluate(
        "([l, e]) => { localStorage.setItem('yk.lang', l); localStorage.setItem('yk.elder', e ? '1' : '0'); }", [lang, elder]
    )


def _public_screens(page, server, artifacts, tag: str, problems: list[str]) -> None:
    person = new_person()
    page.goto(server.base_url + "/wallet/#/signin")
    page.reload()
    screen(page, "signin")
    check_screen(page, artifacts, f"onboarding-signin-{tag}", problems)
    page.click("#to-signup")
    screen(page, "signup")
    page.click("#signup-submit")  # the form's own refusal shows too
    page.wait_for_selector("#signup-error:not([hidden])")
    check_screen(page, artifacts, f"onboarding-signup-{tag}", problems)
    page.goto(server.base_url + "/wallet/#/reset")
    screen(page, "reset")
    check_screen(page, artifacts, f"onboarding-reset-{tag}", problems)
    page.fill("#rs-id-number", person.id_number)
    page.click("#reset-start")
    page.wait_for_selector("#reset-route-counter")
    check_screen(page, artifacts, f"onboarding-reset-routes-{tag}", problems)
    page.click("#reset-route-counter")
    page.wait_for_selector("#bind-code")
    check_screen(page, artifacts, f"onboarding-reset-counter-{tag}", problems)


def _signed_in_screens(page, server, artifacts, tag: str, problems: list[str]) -> None:
    # Signed in without a card: the application form.
    use_token(page, server, registered(server, new_person()), "apply")
    screen(page, "apply")
    page.wait_for_selector("#apply-form")
    check_screen(page, artifacts, f"onboarding-apply-{tag}", problems)
    # A card issued, the account not proven: home leads to proofing, and its routes.
    token = with_card(server, new_person())
    use_token(page, server, token, "")
    page.wait_for_selector("#not-proven")
    check_screen(page, artifacts, f"onboarding-home-unproven-{tag}", problems)
    page.click("#to-activate")
    screen(page, "activate")
    check_screen(page, artifacts, f"onboarding-activate-{tag}", problems)
    page.click("#route-counter-show")
    page.wait_for_selector("#bind-code")
    check_screen(page, artifacts, f"onboarding-activate-counter-{tag}", problems)
    page.click("#proof-back")
    page.click("#route-counter-type")
    page.click("#claim-submit")
    page.wait_for_selector("#claim-error:not([hidden])")
    check_screen(page, artifacts, f"onboarding-activate-type-{tag}", problems)
    page.click("#proof-back")
    page.click("#route-bank")
    page.wait_for_selector("#bank-number")
    check_screen(page, artifacts, f"onboarding-activate-bank-{tag}", problems)


def test_onboarding_screens_in_three_languages_and_elder_mode(browser, server, artifacts, icbc):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 320, "height": 720})
    problems: list[str] = []
    try:
        page = ctx.new_page()
        for lang, elder in [*((lang, False) for lang in LANGS), ("zh-Hans", True)]:
            tag = "elder" if elder else lang
            _prefs(page, server, lang, elder)
            page.evaluate("localStorage.removeItem('yk.wallet.token')")
            _public_screens(page, server, artifacts, tag, problems)
            _signed_in_screens(page, server, artifacts, tag, problems)
            assert page.evaluate("document.documentElement.classList.contains('elder')") == elder
            assert page.evaluate("document.documentElement.lang") == lang
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 64), (200, 170, 140)).save(out, format="PNG")
    return out.getvalue()


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_activation_and_reset_through_the_identity_provider(context, server, artifacts, tmp_path):
    """A clerk kept the person's photo of record; the wallet's photo route proves them (level 2),
    a different face is refused, and a later password reset goes through the same route."""
    person = new_person("白露")
    token = with_card(server, person)
    photo = _photo()
    status, body = server.api(
        "PUT",
        "/api/v1/staff/proofing/photo-of-record",
        {"doc_type": person.doc_type, "id_number": person.id_number, "photo": _b64url(photo)},
        token=staff_token(server, "gz-counter"),
    )
    assert status == 200, body
    same, other = tmp_path / "me.png", tmp_path / "someone.png"
    same.write_bytes(photo)
    from PIL import Image

    Image.new("RGB", (48, 64), (90, 60, 40)).save(other, format="PNG")

    page = context.new_page()
    use_token(page, server, token, "activate")
    screen(page, "activate")
    page.click("#route-provider")
    page.wait_for_selector("#provider-form")
    page.set_input_files("#provider-photo", str(other))
    page.click("#provider-submit")
    page.wait_for_selector("#provider-error:not([hidden])")
    page.screenshot(path=str(artifacts / "onboarding-activate-provider-refused.png"), full_page=True)
    page.set_input_files("#provider-photo", str(same))
    page.click("#provider-submit")
    page.wait_for_selector("#proof-done")
    assert page.locator("#proof-done").get_attribute("data-level") == "2"
    assert page.locator("#proof-done").get_attribute("data-method") == "provider"

    # Forgot the password: the reset offers the photo route too.
    page.evaluate("localStorage.removeItem('yk.wallet.token')")
    page.goto(server.base_url + "/wallet/#/reset")
    page.reload()
    page.wait_for_selector("#reset-form")
    page.fill("#rs-id-number", person.id_number)
    page.click("#reset-start")
    page.click("#reset-route-provider")
    page.wait_for_selector("#provider-form")
    page.set_input_files("#provider-photo", str(same))
    page.click("#provider-submit")
    page.wait_for_selector("#reset-password-form")
    page.screenshot(path=str(artifacts / "onboarding-reset-provider-proven.png"), full_page=True)
    page.fill("#rs-password", "a brand new passphrase")
    page.fill("#rs-password2", "a brand new passphrase")
    page.click("#reset-save")
    page.wait_for_selector("#reset-done")
    assert server.api("GET", "/api/v1/me", token=token)[0] == 401  # the old session ended
    status, _ = server.api(
        "POST",
        "/api/v1/auth/login",
        {"doc_type": person.doc_type, "id_number": person.id_number, "password": "a brand new passphrase"},
    )
    assert status == 200
