"""Console section "registries" in Chromium (issue 15 §3): a provincial operator registers a bank,
suspends it by keyboard (after a confirmation), reactivates it and ends it with a successor; registers
a certificate type and closes it; adds a service point and takes it out of the directory; adds a staff
member and deactivates them, who then cannot sign in. Each change is checked in the database through
the API. Screenshots in three languages and elder mode, desktop and phone; axe on each screen."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import STAFF_PASSWORD
from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy
from tests.e2e.helpers import axe_violations

pytestmark = pytest.mark.browser


def _token(page) -> str:
    return page.evaluate("JSON.parse(sessionStorage.getItem('yk.console.session')).token")


def _confirm(page, text: str) -> None:
    page.wait_for_selector("dialog.dialog[open]")
    assert text in page.inner_text("dialog.dialog h2")
    page.click("dialog.dialog button[value=ok]")
    page.wait_for_selector("dialog.dialog", state="detached")


def _bank(server, code: str) -> dict:
    status, banks = server.api("GET", "/api/v1/banks")
    assert status == 200
    return next(b for b in banks if b["code"] == code)


def test_banks_and_certificate_types(browser, server, artifacts):
    suffix = uuid.uuid4().hex[:6].upper()
    code = f"H6{suffix}"
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin", hash_="#/registries")
        wait_screen(page, "registries")
        assert page.locator("main a.tile").count() == 5  # banks, employers (issue 17), certificate types, service points, staff
        shots(page, artifacts, "registries")

        page.click("main a.tile[href='#/registries/banks']")
        wait_screen(page, "registries/banks")
        assert page.evaluate("document.activeElement.tagName") == "H1"
        assert page.locator("#bank-table tbody tr[data-key='ICBC']").count() == 1
        shots(page, artifacts, "registries-banks")

        # A new bank; a bad code is refused on the form first.
        page.fill("#bank-code", "x")
        page.fill("#bank-name", "H6 测试银行")
        page.click("#bank-form button[type=submit]")
        page.wait_for_selector("#bank-form .error:not([hidden])")
        page.fill("#bank-code", code)
        page.click("#bank-form button[type=submit]")
        page.wait_for_selector(f"#bank-table tbody tr[data-key='{code}']")
        assert _bank(server, code)["status"] == "active"

        # Suspend by keyboard, with a confirmation; Esc on the dialog changes nothing.
        row = f"#bank-table tbody tr[data-key='{code}']"
        page.focus("#bank-table")
        tab_to(page, f"{row} button")
        page.keyboard.press("Enter")
        page.wait_for_selector("dialog.dialog[open]")
        page.keyboard.press("Escape")
        page.wait_for_selector("dialog.dialog", state="detached")
        assert _bank(server, code)["status"] == "active"
        page.click(f"{row} button:has-text('暂停')")
        _confirm(page, "H6 测试银行")
        page.wait_for_selector(f"{row} .badge[data-status='suspended']")
        assert _bank(server, code)["status"] == "suspended"
        page.click(f"{row} button:has-text('恢复')")
        page.wait_for_selector(f"{row} .badge[data-status='active']")
        assert _bank(server, code)["status"] == "active"

        # Ending names the successor that takes the holders over, and asks once more.
        page.click(f"{row} button:has-text('终止')")
        page.wait_for_selector("#bank-end-form:not([hidden])")
        assert page.evaluate("document.activeElement.tagName") == "H2"
        page.select_option("#bank-successor", "ICBC")
        page.click("#bank-end-form button[type=submit]")
        _confirm(page, "ICBC")
        page.wait_for_selector(f"{row} .badge[data-status='ended']")
        assert _bank(server, code)["status"] == "ended"
        assert _bank(server, "ICBC")["status"] == "active"

        # Certificate types: register one with a field, then close it to new certificates.
        type_code = f"h6_type_{suffix.lower()}"
        page.click("main .adm-subnav a[href='#/registries/certificate-types']")
        wait_screen(page, "registries/certificate-types")
        shots(page, artifacts, "registries-types")
        page.fill("#type-code", type_code)
        page.fill("#type-name", "H6 测试证")
        page.fill("#type-fields input[name='attr-name']", "grade")
        page.select_option("#type-fields select[name='attr-type']", "integer")
        page.check("#type-fields input[name='attr-required']")
        page.click("#type-form button[type=submit]")
        type_row = f"#type-table tbody tr[data-key='{type_code}']"
        page.wait_for_selector(f"{type_row} .badge[data-status='active']")
        status, stored = server.api("GET", f"/api/v1/certificate-types/{type_code}")
        assert status == 200 and stored["attribute_schema"] == {"grade": {"type": "integer", "required": True}}
        page.click(f"{type_row} button")
        _confirm(page, "H6 测试证")
        page.wait_for_selector(f"{type_row} .badge[data-status='inactive']")
        status, stored = server.api("GET", f"/api/v1/certificate-types/{type_code}")
        assert stored["active"] is False
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_service_points_and_staff_accounts(browser, server, artifacts):
    suffix = uuid.uuid4().hex[:6]
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "admin2", hash_="#/registries/service-points")
        wait_screen(page, "registries/service-points")
        shots(page, artifacts, "registries-points")

        name = f"H6 网点 {suffix}"
        page.select_option("#point-kind", "service_point")
        page.select_option("#point-city", "440100")
        page.fill("#point-district", "天河区")
        for lang, n, a in (
            ("zh-Hans", name, "天河路 1 号"),
            ("zh-Hant", f"H6 網點 {suffix}", "天河路 1 號"),
            ("en", f"H6 point {suffix}", "1 Tianhe Road"),
        ):
            page.fill(f"#point-form input[name='point-name-{lang}']", n)
            page.fill(f"#point-form input[name='point-address-{lang}']", a)
        page.check("#point-form input[name='point-svc'][value='replace']")
        page.check("#point-form input[name='point-fac'][value='wheelchair_access']")
        page.click("#point-form button[type=submit]")
        page.wait_for_selector(f"#point-table tbody tr:has-text('{name}')")
        status, found = server.api("GET", f"/api/v1/service-points?q={suffix}")
        assert status == 200 and [p["services"] for p in found["items"]] == [["replace"]]

        page.click(f"#point-table tbody tr:has-text('{name}') button")
        _confirm(page, name)
        page.wait_for_selector(f"#point-table tbody tr:has-text('{name}')", state="detached")
        status, found = server.api("GET", f"/api/v1/service-points?q={suffix}")
        assert found["items"] == []

        # Staff accounts: add a clerk at a Guangzhou office, then deactivate them.
        username = f"h6-clerk-{suffix}"
        page.click("main .adm-subnav a[href='#/registries/staff']")
        wait_screen(page, "registries/staff")
        shots(page, artifacts, "registries-staff")
        page.fill("#staff-username", username)
        page.fill("#staff-name", "H6 柜员")
        page.select_option("#staff-role", "counter_operator")
        office = page.locator("#staff-office option", has_text="gz-counter").first.get_attribute("value")
        page.select_option("#staff-office", office)
        page.fill("#staff-password", "short")
        page.click("#staff-form button[type=submit]")
        page.wait_for_selector("#staff-form .error:not([hidden])")
        page.fill("#staff-password", STAFF_PASSWORD)
        page.click("#staff-form button[type=submit]")
        row = f"#staff-table tbody tr[data-key='{username}']"
        page.wait_for_selector(f"{row} .badge[data-status='active']")
        status, members = server.api("GET", "/api/v1/staff?limit=500", token=_token(page))
        member = next(m for m in members if m["username"] == username)
        assert member["role"] == "counter_operator" and member["city"] == "440100"
        status, _ = server.api("POST", "/api/v1/auth/staff/login", {"username": username, "password": STAFF_PASSWORD})
        assert status == 200
        # The signed-in operator cannot deactivate themself from here.
        assert page.locator("#staff-table tbody tr[data-key='admin2'] button").count() == 0
        page.click(f"{row} button")
        _confirm(page, username)
        page.wait_for_selector(f"{row} .badge[data-status='inactive']")
        status, _ = server.api("POST", "/api/v1/auth/staff/login", {"username": username, "password": STAFF_PASSWORD})
        assert status in (401, 403)
    finally:
        ctx.close()

    # The staff screen on a phone: the table scrolls in its region, the page does not.
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    try:
        sign_in(page, server, "admin", hash_="#/registries/staff")
        wait_screen(page, "registries/staff")
        page.screenshot(path=artifacts / "console-registries-staff-phone-zh-Hans.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_a_city_supervisor_keeps_their_citys_service_points(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "gz-supervisor2", hash_="#/registries")
        wait_screen(page, "registries")
        tiles = page.eval_on_selector_all("main a.tile", "els => els.map(e => e.getAttribute('href'))")
        assert tiles == ["#/registries/service-points", "#/registries/staff"]
        assert axe_violations(page) == []
        # Service points: only their city is offered for a new one.
        page.click("main a.tile[href='#/registries/service-points']")
        wait_screen(page, "registries/service-points")
        assert page.eval_on_selector_all("#point-city option", "els => els.map(e => e.value)") == ["440100"]
        # The staff list is theirs to read (their city's), with no form and no deactivation.
        page.click("main .adm-subnav a[href='#/registries/staff']")
        wait_screen(page, "registries/staff")
        usernames = page.eval_on_selector_all("#staff-table tbody tr", "rows => rows.map(r => r.dataset.key)")
        assert "gz-counter" in usernames and "admin" not in usernames
        assert page.locator("#staff-form").count() == 0 and page.locator("#staff-table button").count() == 0
        page.screenshot(path=artifacts / "console-registries-staff-supervisor-zh-Hans.png", full_page=True)
        assert axe_violations(page) == []
        # Banks are the province's: the screen says so instead of offering what the API refuses.
        page.goto(f"{server.base_url}/console/#/registries/banks")
        wait_screen(page, "registries/banks")
        assert page.locator("#not-for-role").is_visible() and page.locator("#bank-form").count() == 0
    finally:
        ctx.close()
