"""The console's payments screens in Chromium (issue 16, docs/console.md "Payments"): a paying agency
(the province's HR and social security department, a real API client) pays four citizens (24-27) in
one run; the card of one was reported lost first, so its payment is held (card suspended); the bank
(ICBC, a real API client) opened the accounts, credits one payment and returns another. A provincial
operator then sees the run with its progress, the two held payments with their reasons in words,
retries the returned one, reads a payment's ledger lines in yuan, and reconciles the day (with the
bank's daily report) and checks the whole ledger. A counter clerk has no payments entry. axe and
screenshots in three languages and elder mode, at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy
from tests.e2e.console_helpers import staff_token
from tests.e2e.payment_parties import bank_id, client, pending_requests

pytestmark = pytest.mark.browser

CITIZENS = (24, 25, 26, 27)  # 24 credited, 25 card reported lost (held), 26 returned by the bank, 27 left at the bank
AMOUNTS = {24: 123_456, 25: 88_000, 26: 50_050, 27: 30_000}
CST = dt.timezone(dt.timedelta(hours=8))
PHONE = {"width": 390, "height": 844}


# --- set-up through the API, as the agency, the bank and the holder would do it -------------------


def _ok(answer: tuple[int, dict], *codes: int) -> dict:
    status, body = answer
    assert status in (codes or (200,)), (status, body)
    return body


def _citizen_token(server, index: int) -> str:
    person = server.citizen(index)
    body = {"doc_type": person.doc_type, "id_number": person.id_number, "password": person.password}
    return _ok(server.api("POST", "/api/v1/auth/login", body))["token"]


def _open_accounts(server, bank: str) -> None:
    """The bank opens the card accounts of our citizens (only theirs: other tests' stay pending)."""
    ours = {server.citizen(i).id_number for i in CITIZENS}
    opened = 0
    for item in pending_requests(server, bank):
        if item["id_number"] not in ours:
            continue
        account = "62" + "".join(secrets.choice("0123456789") for _ in range(17))
        answer = {"outcome": "opened", "account": account}
        _ok(server.api("POST", f"/api/v1/bank/account-requests/{item['id']}/answer", answer, token=bank))
        opened += 1
    assert opened == len(CITIZENS), f"the bank saw {opened} of our {len(CITIZENS)} account requests"


def _line(server, index: int) -> dict:
    person = server.citizen(index)
    return {
        "idempotency_key": f"e2e-console-{index}-{secrets.token_hex(6)}",
        "doc_type": person.doc_type,
        "id_number": person.id_number,
        "name": person.name,
        "payment_type": "pension",
        "amount_fen": AMOUNTS[index],
        "legal_basis": "《社会保险法》第十五条 基本养老金按月发放",
        "purpose": "2026年12月基本养老金",
    }


def _wait_orders(server, payer: str, batch_id: str, done) -> dict[str, dict]:
    """The run's orders by payee name once `done(orders)` holds (the server's embedded worker runs them)."""
    deadline = time.monotonic() + 90
    while True:
        page = _ok(server.api("GET", f"/api/v1/payments/orders?batch_id={batch_id}&limit=100", token=payer))
        orders = {o["id"]: o for o in page["items"]}
        if done(orders):
            return orders
        assert time.monotonic() < deadline, f"the run's orders stayed {[o['status'] for o in orders.values()]}"
        time.sleep(0.5)


def _pay_run(server) -> dict:
    """The run made, executed and answered; returns the ids the screens must show."""
    admin = staff_token(server, "admin")
    agencies = _ok(server.api("GET", "/api/v1/agencies"))
    hrss = next(a for a in agencies if a["code"] == "GD-HRSS")
    payer = client(server, admin, "payer", hrss["id"], "E2E pension system")
    bank = client(server, admin, "bank", bank_id(server, "ICBC"), "E2E ICBC core banking")
    _open_accounts(server, bank)

    # Citizen 25 reports the card lost: the payment will be held (card suspended).
    _ok(server.api("POST", "/api/v1/me/card/actions/report-loss", {}, token=_citizen_token(server, 25)))

    run_name = f"E2E 养老金 {secrets.token_hex(3)}"
    batch = {
        "idempotency_key": f"e2e-run-{secrets.token_hex(8)}",
        "name": run_name,
        "lines": [_line(server, i) for i in CITIZENS],
    }
    made = _ok(server.api("POST", "/api/v1/payments/batches", batch, token=payer), 201)
    assert made["accepted_count"] == 4, made
    batch_id = made["id"]
    orders = _wait_orders(server, payer, batch_id, lambda o: len(o) == 4 and all(x["status"] != "accepted" for x in o.values()))
    assert sorted(o["status"] for o in orders.values()) == ["held", "instructed", "instructed", "instructed"], orders
    held = next(o for o in orders.values() if o["status"] == "held")
    assert held["hold_reason"] == "card_suspended"

    # The bank credits citizen 24's payment and returns citizen 26's (account frozen).
    names = {server.citizen(i).name: i for i in CITIZENS}
    pending = _ok(server.api("GET", "/api/v1/bank/instructions?status=pending&limit=100", token=bank))["items"]
    mine = {names[i["payee_name"]]: i for i in pending if i["payee_name"] in names and i["payer_agency"] == "GD-HRSS"}
    assert set(mine) == {24, 26, 27}, mine
    _ok(
        server.api(
            "POST",
            f"/api/v1/bank/instructions/{mine[24]['id']}/answers",
            {"outcome": "credited", "bank_reference": "ICBC-E2E-1"},
            token=bank,
        )
    )
    _ok(
        server.api(
            "POST",
            f"/api/v1/bank/instructions/{mine[26]['id']}/answers",
            {"outcome": "returned", "reason_code": "account_frozen"},
            token=bank,
        )
    )
    orders = _wait_orders(
        server, payer, batch_id, lambda o: sorted(x["status"] for x in o.values()) == ["credited", "held", "held", "instructed"]
    )

    # The bank's daily report of today agrees with the ledger (other tests' payments at ICBC today too).
    today = dt.datetime.now(CST).date().isoformat()
    rec = _ok(server.api("GET", f"/api/v1/staff/payments/reconciliation?day={today}", token=admin))
    icbc = next(b for b in rec["banks"] if b["bank_code"] == "ICBC")
    assert icbc["credited_fen"] >= AMOUNTS[24], icbc
    figures = {
        "day": today, "cards_opened": 4, "accounts_open": 4, "accounts_closed": 0, "instructions_received": 3,
        "credited_count": icbc["credited_count"], "credited_fen": icbc["credited_fen"], "returned_count": 1,
        "returned_fen": icbc["returned_fen"], "branches_serving": 12, "counter_transactions": 3, "complaints": 0,
    }  # fmt: skip
    _ok(server.api("POST", "/api/v1/bank/reports", figures, token=bank), 200, 201)

    # A bank that joins and ends at once (so no holder is disturbed): it has a migration report.
    ended = f"E2EP{secrets.token_hex(3).upper()}"
    _ok(
        server.api(
            "POST", "/api/v1/banks", {"code": ended, "name": "E2E 终止银行", "keeps_account_on_replacement": True}, token=admin
        ),
        201,
    )
    _ok(server.api("POST", f"/api/v1/banks/{ended}/status", {"status": "ended", "successor_bank_code": "ICBC"}, token=admin))

    def order_of(index: int) -> dict:
        return next(o for o in orders.values() if o["amount_fen"] == AMOUNTS[index])

    return {
        "batch_id": batch_id,
        "run_name": run_name,
        "credited": order_of(24),
        "suspended": order_of(25),
        "returned": order_of(26),
        "today": today,
        "payer": payer,
        "ended_bank": ended,
    }


# --- the screens ------------------------------------------------------------------------------------


def _open(page, hash_: str, screen: str) -> None:
    """Go to a console screen by its address and wait for it drawn anew (the old one may look alike)."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    page.evaluate("h => { location.hash = h; }", hash_)
    page.wait_for_selector(
        f"main[data-screen='{screen}'] > :not([data-old]) h1, main[data-screen='{screen}'] > h1:not([data-old])"
    )


def _confirm(page) -> None:
    page.wait_for_selector("dialog.dialog[open]")
    page.click("dialog.dialog button[value=ok]")
    page.wait_for_selector("dialog.dialog", state="detached")


def _elder_buttons_large(page) -> None:
    page.click("#elder-toggle")
    page.wait_for_selector("html.elder")
    page.wait_for_selector("main h1")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 63.5)
            .map(e => e.id || e.textContent.trim())"""
    )
    assert small == [], small
    page.click("#elder-toggle")
    page.wait_for_selector("html:not(.elder)")


def test_provincial_operator_follows_a_run_holds_and_the_day(browser, server, artifacts):
    run = _pay_run(server)
    batch_id = run["batch_id"]
    credited, suspended, returned = run["credited"], run["suspended"], run["returned"]

    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin", hash_="#/payments")
        wait_screen(page, "payments")
        assert page.locator("#menu a[data-section=payments]").count() == 1
        assert page.evaluate("document.activeElement.tagName") == "H1"

        # Runs: the run with its counts, total in yuan and progress by status, in words and numbers.
        row = page.locator(f"#pay-runs tbody tr[data-key='{batch_id}']")
        row.wait_for()
        text = row.inner_text()
        assert run["run_name"] in text and "广东省人力资源和社会保障厅" in text
        total = sum(AMOUNTS.values())
        assert f"¥{total // 100:,}.{total % 100:02d}" in text  # ¥2,915.06
        assert "¥1,234.56" in text  # credited so far
        legend = {li.get_attribute("data-status"): li.get_attribute("data-n") for li in row.locator(".pay-legend li").all()}
        assert legend == {"accepted": "0", "instructed": "1", "credited": "1", "held": "2", "cancelled": "0"}, legend
        assert "已入账 1" in text and "挂起 2" in text
        assert page.locator("#pay-runs caption").count() == 1 and page.locator("#pay-runs thead th[scope=col]").count() == 8
        shots(page, artifacts, "payments-runs")

        # The run by keyboard: its orders, filtered to the held ones (the filter goes into the address).
        page.focus("#pay-runs")
        tab_to(page, f"#pay-runs a[href='#/payments/run?id={batch_id}']")
        page.keyboard.press("Enter")
        wait_screen(page, "payments/run")
        page.wait_for_selector("#pay-run-orders tbody tr")
        assert page.locator("#pay-run-orders tbody tr").count() == 4
        assert page.inner_text("#pay-run-settled") == "¥1,234.56"
        page.select_option("#pay-f-status", "held")
        page.click("#pay-run-apply")
        page.wait_for_function("() => location.hash.includes('status=held')")
        page.wait_for_selector(f"#pay-run-orders tbody tr[data-key='{credited['id']}']", state="detached")
        assert page.locator("#pay-run-orders tbody tr").count() == 2

        # Holds: both held payments, each reason in words; the returned one with the bank's reason.
        _open(page, "#/payments/holds", "payments/holds")
        page.wait_for_selector(f"#pay-holds tbody tr[data-key='{returned['id']}']")
        suspended_row = page.locator(f"#pay-holds tbody tr[data-key='{suspended['id']}']").inner_text()
        returned_row = page.locator(f"#pay-holds tbody tr[data-key='{returned['id']}']").inner_text()
        assert "卡已挂失、锁定或正在补换" in suspended_row and "¥880.00" in suspended_row
        assert "被银行退回：账户已冻结" in returned_row and "¥500.50" in returned_row
        for order in (suspended, returned):
            assert order["id_number"] in page.inner_text("#pay-holds")  # masked as the API gives it
        assert server.citizen(25).id_number not in page.content() and server.citizen(26).id_number not in page.content()
        shots(page, artifacts, "payments-holds")

        # The filter by reason, in the address.
        page.select_option("#pay-f-reason", "returned")
        page.click("#pay-holds-apply")
        page.wait_for_function("() => location.hash.includes('hold_reason=returned')")
        page.wait_for_selector(f"#pay-holds tbody tr[data-key='{suspended['id']}']", state="detached")
        assert page.locator(f"#pay-holds tbody tr[data-key='{returned['id']}']").count() == 1

        # Retry the returned payment (after a confirmation): it leaves the holds and is sent again.
        page.click(f"#pay-holds tbody tr[data-key='{returned['id']}'] button.pay-retry")
        _confirm(page)
        page.wait_for_selector("#pay-flash.success")
        page.wait_for_selector(f"#pay-holds tbody tr[data-key='{returned['id']}']", state="detached")
        status, again = server.api("GET", f"/api/v1/payments/orders/{returned['id']}", token=run["payer"])
        assert status == 200 and again["status"] in ("accepted", "instructed"), again

        # One payment: its facts, the instruction the bank credited and its ledger lines in yuan.
        _open(page, f"#/payments/order?id={credited['id']}", "payments/order")
        page.wait_for_selector("#pay-ledger tbody tr")
        assert "已入账" in page.inner_text("#pay-order-status")
        assert page.inner_text("#pay-order-amount") == "¥1,234.56"
        assert "ICBC-E2E-1" in page.inner_text("#pay-instructions")
        ledger = page.locator("#pay-ledger tbody tr")
        assert ledger.count() == 6  # accept, instruct, credit: two lines each
        kinds = page.inner_text("#pay-ledger")
        assert "受理单位资金" in kinds and "发往银行" in kinds and "银行入账" in kinds
        debits = page.locator("#pay-ledger tbody td:nth-child(5)").all_inner_texts()
        creditsides = page.locator("#pay-ledger tbody td:nth-child(6)").all_inner_texts()
        assert debits.count("¥1,234.56") == 3 and creditsides.count("¥1,234.56") == 3
        assert server.citizen(24).name not in page.content() and server.citizen(24).id_number not in page.content()
        shots(page, artifacts, "payments-order")

        # The day's reconciliation: per bank (with the bank's report) and per agency, each row in words.
        _open(page, f"#/payments/reconciliation?day={run['today']}", "payments/reconciliation")
        page.wait_for_selector("#pay-rec-banks tbody tr[data-key='ICBC']")
        icbc = page.locator("#pay-rec-banks tbody tr[data-key='ICBC']")
        assert icbc.get_attribute("class") in (None, "")  # balanced: not marked
        assert icbc.locator("[data-balanced]").get_attribute("data-balanced") == "1"
        assert icbc.locator("[data-balanced]").inner_text() == "平衡"
        hrss = page.locator("#pay-rec-agencies tbody tr[data-key='GD-HRSS']")
        assert hrss.locator("[data-balanced]").inner_text() == "平衡"
        assert page.get_attribute("#pay-rec-overall", "data-balanced") == "1", page.inner_text("#pay-rec-verdict")
        assert page.input_value("#pay-day") == run["today"]
        assert page.locator("#pay-reports tbody tr[data-key^='ICBC']").count() == 1
        page.click("#pay-check-run")
        page.wait_for_selector("#pay-check-result")
        assert page.get_attribute("#pay-check-result", "data-ok") == "1", page.inner_text("#pay-check-result")
        assert "总账无误" in page.inner_text("#pay-check-result")
        assert page.evaluate("document.activeElement.closest('#pay-check-result') !== null")
        shots(page, artifacts, "payments-reconciliation")
        _elder_buttons_large(page)

        # The day picker defaults to yesterday (province time) and goes into the address.
        _open(page, "#/payments/reconciliation", "payments/reconciliation")
        yesterday = (dt.datetime.now(CST) - dt.timedelta(days=1)).date().isoformat()
        assert page.input_value("#pay-day") == yesterday
        page.fill("#pay-day", run["today"])
        page.click("#pay-day-show")
        page.wait_for_function("d => location.hash.includes('day=' + d)", arg=run["today"])
        page.wait_for_selector("#pay-rec-banks tbody tr[data-key='ICBC']")

        # Banks: their status, each with its payments in flight; managing them stays in registries.
        _open(page, "#/payments/banks", "payments/banks")
        page.wait_for_selector("#pay-banks tbody tr[data-key='ICBC']")
        assert page.locator("#pay-manage-banks[href='#/registries/banks']").count() == 1
        shots(page, artifacts, "payments-banks")

        # A bank whose cooperation ended: its migration report and payments in flight (none: a new bank).
        page.click(f"#pay-banks tbody tr[data-key='{run['ended_bank']}'] a")
        wait_screen(page, "payments/bank")
        page.wait_for_selector("#pay-migration")
        page.wait_for_selector("#pay-in-flight")
        assert page.inner_text("#pay-migration-holders") == "0"
        assert page.inner_text("#pay-migration-verdict") == "每位持卡人均已有着落"
        assert page.get_attribute("#pay-in-flight-verdict [data-done]", "data-done") == "1"
        shots(page, artifacts, "payments-bank-ended")

        # Phone width: the same screens fit (tables scroll inside their region), axe clean.
        page.set_viewport_size(PHONE)
        _open(page, "#/payments", "payments")
        page.wait_for_selector(f"#pay-runs tbody tr[data-key='{batch_id}']")
        shots(page, artifacts, "payments-runs-phone")
        _open(page, "#/payments/holds", "payments/holds")
        page.wait_for_selector(f"#pay-holds tbody tr[data-key='{suspended['id']}']")
        shots(page, artifacts, "payments-holds-phone")
        _open(page, f"#/payments/reconciliation?day={run['today']}", "payments/reconciliation")
        page.wait_for_selector("#pay-rec-agencies tbody tr[data-key='GD-HRSS']")
        shots(page, artifacts, "payments-reconciliation-phone")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow} px at 390 px"

        # An unknown order: the API's error code and words, not a blank screen.
        _open(page, f"#/payments/order?id={uuid.uuid4()}", "payments/order")
        assert "payment.order_not_found" in page.inner_text("#pay-error")
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_counter_clerk_has_no_payments_entry(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "gz-counter2", hash_="#/payments")
        page.wait_for_selector("main[data-screen=not-found]")
        assert page.locator("#menu a[data-section=payments]").count() == 0
        assert page.locator("#menu a[data-section=counter]").count() == 1
        # The API refuses anyway.
        token = page.evaluate("JSON.parse(sessionStorage.getItem('yk.console.session')).token")
        status, body = server.api("GET", "/api/v1/staff/payments/batches", token=token)
        assert status == 403, body
    finally:
        ctx.close()
