"""The wallet's payments and bank screens in Chromium (issue 16), as a holder meets them. Through
the API a paying agency (GD-HRSS, a `payer` client) pays citizen 28 twice, ICBC (a `bank` client)
opens the account, credits one payment and returns the other, and the embedded worker executes
them; the holder sees both with amount, payer, basis, masked account and status in words, the
inbox words each notice in every language and opens the payment, and offline the list is not
shown. Citizen 29 changes bank (pending until the new bank opens the account), then that bank is
suspended and ended: the bank screen says so and asks to choose another. Screenshots in three
languages and elder mode at 390 px and on a desktop; axe-core finds nothing serious."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.helpers import axe_violations, sign_in
from tests.e2e.payment_parties import bank_id, client, open_account, wait

pytestmark = pytest.mark.browser

LANGS = ("zh-Hans", "zh-Hant", "en")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAYER = "GD-HRSS"  # seeded: an hrss agency, which may pay pensions and subsidies
PAYER_NAME = "广东省人力资源和社会保障厅"
PENSION_BASIS = "《社会保险法》第十五条 基本养老金按月发放"
SUBSIDY_BASIS = "《广东省高龄老人津贴发放办法》第六条"


# --- the other parties, through the API ---------------------------------------------------------


def _payer(server, admin: str) -> str:
    status, agencies = server.api("GET", "/api/v1/agencies")
    assert status == 200, agencies
    agency = next(a for a in agencies if a["code"] == PAYER)
    return client(server, admin, "payer", agency["id"], f"E2E {PAYER} payment system {secrets.token_hex(2)}")


def _holder_token(server, citizen) -> str:
    body = {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password}
    status, answer = server.api("POST", "/api/v1/auth/login", body)
    assert status == 200, answer
    return answer["token"]


def _card(server, token: str) -> dict:
    status, card = server.api("GET", "/api/v1/me/card", token=token)
    assert status == 200, card
    return card


def _order_status(server, payer: str, order_id: str) -> str:
    status, order = server.api("GET", f"/api/v1/payments/orders/{order_id}", token=payer)
    assert status == 200, order
    return order["status"]


def _pay(server, payer: str, citizen, payment_type: str, amount_fen: int, basis: str, purpose: str) -> str:
    body = {
        "idempotency_key": f"e2e-wallet-{secrets.token_hex(8)}",
        "doc_type": citizen.doc_type,
        "id_number": citizen.id_number,
        "name": citizen.name,
        "payment_type": payment_type,
        "amount_fen": amount_fen,
        "legal_basis": basis,
        "purpose": purpose,
    }
    status, order = server.api("POST", "/api/v1/payments/orders", body, token=payer)
    assert status == 201, order
    return order["id"]


def _instruction(server, bank: str, purpose: str) -> dict:
    def find():
        status, page = server.api("GET", "/api/v1/bank/instructions?status=pending&limit=1000", token=bank)
        assert status == 200, page
        return next((i for i in page["items"] if i["purpose"] == purpose), None)

    return wait(f"the instruction for {purpose}", find)


def _answer(server, bank: str, instruction: dict, outcome: str, reason: str | None = None) -> None:
    body = {"outcome": outcome, "bank_reference": f"E2E-{secrets.token_hex(4)}"}
    if reason:
        body["reason_code"] = reason
    status, answer = server.api("POST", f"/api/v1/bank/instructions/{instruction['id']}/answers", body, token=bank)
    assert status == 200, answer


# --- screenshots and axe in every language and elder mode ---------------------------------------


def _shots(page, name: str, ready: str, artifacts, problems: list[str]) -> None:
    """The current screen in each language and in elder mode: a screenshot each, axe's findings kept."""
    for lang in LANGS:
        page.evaluate(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '0')")
        page.reload()
        page.wait_for_function(f"() => document.documentElement.lang.startsWith('{lang.split('-')[0]}')")
        page.wait_for_selector(ready)
        _check(page, f"{name}-{lang}", artifacts, problems)
    page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans'); localStorage.setItem('yk.elder', '1')")
    page.reload()
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    page.wait_for_selector(ready)
    _check(page, f"{name}-elder", artifacts, problems)
    page.evaluate("localStorage.setItem('yk.elder', '0')")
    page.reload()
    page.wait_for_selector(ready)


def _check(page, name: str, artifacts, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    problems += [f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in axe_violations(page)]
    wide = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    if wide:
        problems.append(f"{name}: the page scrolls sideways")


def _in_lang(page, lang: str, hash_: str, ready: str) -> None:
    page.evaluate(f"localStorage.setItem('yk.lang', '{lang}')")
    page.goto(page.url.split("#")[0] + hash_)
    page.reload()
    page.wait_for_function(f"() => document.documentElement.lang.startsWith('{lang.split('-')[0]}')")
    page.wait_for_selector(ready)


# --- payments: citizen 28 -----------------------------------------------------------------------


def test_payments_with_their_notices_in_every_language(browser, server, artifacts):
    citizen = server.citizen(28)
    admin = server.staff_token("admin")
    payer = _payer(server, admin)
    icbc = client(server, admin, "bank", bank_id(server, "ICBC"), f"E2E ICBC core banking {secrets.token_hex(2)}")
    holder = _holder_token(server, citizen)
    opened = open_account(server, icbc, citizen)
    card = _card(server, holder)
    assert card["account_status"] == "open", card
    if opened:
        assert card["account"].endswith(opened[-4:]), card
    masked = card["account"]
    assert masked and "*" in masked

    tag = secrets.token_hex(3)
    pension = _pay(server, payer, citizen, "pension", 328_050, PENSION_BASIS, f"2026年12月基本养老金 {tag}")
    subsidy = _pay(server, payer, citizen, "subsidy", 12_345, SUBSIDY_BASIS, f"高龄津贴 {tag}")
    for order in (pension, subsidy):
        wait("the embedded worker to instruct the payment", lambda o=order: _order_status(server, payer, o) == "instructed")
    _answer(server, icbc, _instruction(server, icbc, f"2026年12月基本养老金 {tag}"), "credited")
    _answer(server, icbc, _instruction(server, icbc, f"高龄津贴 {tag}"), "returned", "account_frozen")
    wait("the pension to be credited", lambda: _order_status(server, payer, pension) == "credited")
    wait("the subsidy to be held", lambda: _order_status(server, payer, subsidy) == "held")

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE, service_workers="allow")
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        # From the home screen (also in elder mode: pensions matter most to the elderly).
        page.click("#nav-payments")
        page.wait_for_selector(f"#pay-{pension}")
        page.wait_for_selector(f"#pay-{subsidy}")
        ids = page.locator("#pay-list article").evaluate_all("els => els.map(e => e.dataset.id)")
        assert ids.index(subsidy) < ids.index(pension), "newest first"

        paid = page.locator(f"#pay-{pension}")
        assert paid.get_attribute("data-status") == "credited"
        text = paid.inner_text()
        for words in ("基本养老金", "¥3,280.50", "已到账", PAYER_NAME, PENSION_BASIS, masked, "中国工商银行"):
            assert words in text, (words, text)
        held = page.locator(f"#pay-{subsidy}")
        assert held.get_attribute("data-status") == "held"
        assert held.get_attribute("data-reason") == "returned"
        text = held.inner_text()
        for words in ("补贴", "¥123.45", "暂未到账", PAYER_NAME, SUBSIDY_BASIS, "银行退回了这笔款项", "重新发放"):
            assert words in text, (words, text)
        _shots(page, "wallet-payments", f"#pay-{subsidy}", artifacts, problems)

        # English: the same facts in English words, the money as the page's language writes it.
        _in_lang(page, "en", "#/payments", f"#pay-{pension}")
        text = page.locator(f"#pay-{pension}").inner_text()
        assert "Basic pension" in text and "¥3,280.50" in text and "Received" in text, text
        text = page.locator(f"#pay-{subsidy}").inner_text()
        assert "On hold" in text and "returned the payment" in text and f"ask {PAYER_NAME} to send it again" in text, text

        # One payment on its own page.
        page.click(f"#open-{pension}")
        page.wait_for_selector(f"#payment #pay-{pension}")
        assert "¥3,280.50" in page.locator("h1").inner_text()
        _shots(page, "wallet-payment", f"#payment #pay-{pension}", artifacts, problems)

        # The inbox words each notice in every language, and a notice opens its payment.
        expected = {
            "zh-Hans": (f"您收到{PAYER_NAME}发放的¥3,280.50", f"{PAYER_NAME}发放的¥123.45暂未到账", "账户已冻结"),
            "zh-Hant": (f"您收到{PAYER_NAME}發放的¥3,280.50", f"{PAYER_NAME}發放的¥123.45暫未到賬", "賬戶已凍結"),
            "en": (f"You received ¥3,280.50 from {PAYER_NAME}", f"¥123.45 from {PAYER_NAME} is on hold", "the account is frozen"),
        }
        for lang, (received, on_hold, why) in expected.items():
            _in_lang(page, lang, "#/inbox", "li[data-event='payment.held']")
            page.wait_for_selector("li[data-event='payment.received']")
            assert received in page.locator("li[data-event='payment.received']").first.inner_text()
            notice = page.locator("li[data-event='payment.held']").first.inner_text()
            assert on_hold in notice and why in notice, notice
        _shots(page, "wallet-payments-inbox", "li[data-event='payment.received']", artifacts, problems)
        page.locator("li[data-event='payment.received'] a.notice-open").first.click()
        page.wait_for_selector(f"#payment #pay-{pension}")  # the notice names its order: that payment alone
        _in_lang(page, "zh-Hans", "#/inbox", "li[data-event='payment.held']")
        page.locator("li[data-event='payment.held'] a.notice-open").first.click()
        page.wait_for_selector(f"#payment #pay-{subsidy}[data-status=held]")

        # Offline the payments are not shown (they are never kept on the phone), and say why.
        page.goto(server.base_url + "/wallet/#/")
        page.wait_for_selector(".cardface")
        context.set_offline(True)
        page.click("#nav-payments")
        page.wait_for_selector("#payments-offline")
        assert page.locator("#pay-list").count() == 0
        assert (
            "never stored" in page.locator("#payments-offline").inner_text()
            or "不会保存" in page.locator("#payments-offline").inner_text()
        )
        context.set_offline(False)
        page.wait_for_selector(f"#pay-{pension}")  # back online the screen draws itself again
        cached = page.evaluate(
            """async () => {
                const urls = [];
                for (const name of await caches.keys()) {
                    for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
                }
                return urls;
            }"""
        )
        assert cached and not [u for u in cached if "/api/" in u], cached
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- the card's bank: citizen 29 ------------------------------------------------------------------


def _choose_bank(page, code: str, citizen) -> None:
    """Pick the bank, confirm, and give the fresh factor if the wallet asks for one."""
    page.check(f"input[name=bank][value={code}]")
    page.click("#bank-form button[type=submit]")
    page.click("dialog button[value=ok]")
    page.wait_for_selector("#bank-status:not([hidden]), #stepup-dialog")
    if page.locator("#stepup-dialog").count():
        page.fill("#stepup-input", citizen.password)
        page.click("#stepup-submit")
    page.wait_for_selector("#bank-status:not([hidden])")


def test_bank_change_pending_then_the_bank_suspended_and_ended(browser, server, artifacts):
    citizen = server.citizen(29)
    admin = server.staff_token("admin")
    icbc = client(server, admin, "bank", bank_id(server, "ICBC"), f"E2E ICBC core banking {secrets.token_hex(2)}")
    open_account(server, icbc, citizen)  # a known start: the account at ICBC is open
    code = f"E2E{secrets.token_hex(3).upper()}"
    name = f"广东测试合作银行{code}"  # no space before the code: "中文 English" names show one half per language
    status, bank = server.api("POST", "/api/v1/banks", {"code": code, "name": name}, token=admin)
    assert status == 201, bank
    new_bank = client(server, admin, "bank", bank_id(server, code), f"{code} core banking")

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=DESKTOP, service_workers="allow")
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        page.goto(server.base_url + "/wallet/#/bank")
        page.wait_for_selector("#bank-now[data-bank=ICBC][data-account=open]")
        assert page.locator("#bank-change").count() == 0

        # The change waits for the new bank: the card stays at ICBC and payments keep going there.
        _choose_bank(page, code, citizen)
        assert name in page.locator("#bank-status").inner_text()
        page.wait_for_selector(f"#bank-change[data-bank={code}]")
        text = page.locator("#bank-change").inner_text()
        assert name in text and "仍发放到您现在的账户" in text, text
        assert page.locator("#bank-now").get_attribute("data-bank") == "ICBC"
        _shots(page, "wallet-bank-change", f"#bank-change[data-bank={code}]", artifacts, problems)
        _in_lang(page, "en", "#/bank", "#bank-change")
        assert "Payments keep going to your current account" in page.locator("#bank-change").inner_text()

        # The new bank opens the account: the card is there now, nothing pending.
        assert open_account(server, new_bank, citizen), "the new bank saw no request"
        page.reload()
        page.wait_for_selector(f"#bank-now[data-bank={code}][data-account=open]")
        assert page.locator("#bank-change").count() == 0

        # Suspended: the account still works, and the holder is asked to choose another bank.
        status, body = server.api("POST", f"/api/v1/banks/{code}/status", {"status": "suspended"}, token=admin)
        assert status == 200, body
        _in_lang(page, "zh-Hans", "#/bank", "#bank-suspended")
        assert "已暂停社保卡业务" in page.locator("#bank-suspended").inner_text()
        assert page.locator(f"input[name=bank][value={code}]").count() == 0  # no new cards there
        assert page.locator("input[name=bank][value=CCB]").count() == 1
        _shots(page, "wallet-bank-suspended", "#bank-suspended", artifacts, problems)

        # Ended: the card moves to the successor, whose account is being opened.
        body = {"status": "ended", "successor_bank_code": "ICBC"}
        status, answer = server.api("POST", f"/api/v1/banks/{code}/status", body, token=admin)
        assert status == 200, answer
        page.reload()
        page.wait_for_selector("#bank-now[data-bank=ICBC][data-account=pending]")
        assert "中国工商银行正在为您开通社保卡账户" in page.locator("#bank-account-pending").inner_text()
        _shots(page, "wallet-bank-moved", "#bank-account-pending", artifacts, problems)

        # Each step was told in the inbox, in words.
        _in_lang(page, "zh-Hans", "#/inbox", "li[data-event='bank.moved']")
        assert f"{name}已开通您的社保卡账户" in page.locator("li[data-event='bank.account_opened']").first.inner_text()
        assert f"{name}已暂停社保卡业务" in page.locator("li[data-event='bank.suspended']").first.inner_text()
        moved = page.locator("li[data-event='bank.moved']").first.inner_text()
        assert "您的社保卡已转至中国工商银行" in moved and f"{name}已终止合作" in moved, moved
        _in_lang(page, "en", "#/inbox", "li[data-event='bank.moved']")
        assert "Your card moved to 中国工商银行" in page.locator("li[data-event='bank.moved']").first.inner_text()
        page.locator("li[data-event='bank.moved'] a.notice-open").first.click()
        page.wait_for_selector("#bank-now[data-bank=ICBC]")

        # No payments yet: the empty state says what will show there.
        page.goto(server.base_url + "/wallet/#/payments")
        page.wait_for_selector("#payments-empty")
        _shots(page, "wallet-payments-empty", "#payments-empty", artifacts, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
