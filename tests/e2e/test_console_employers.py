"""The console's employer registry in Chromium (issue 17, docs/console.md "Employers"): a provincial
operator registers an employer (a unified social credit code with a wrong check character is refused
with the API's code and words beside the field), registers an Ed25519 public key, issues the
employer's HR system a credential (shown once; it works against the API as that employer), retires
the key, suspends and reinstates the employer, and finds it by search. A supervisor sees no employer
registry. axe and screenshots in three languages and elder mode, desktop and phone."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# GB 32100-2015: 31 characters (no I, O, S, V, Z), weights 3^i mod 31, check = 31 - sum mod 31.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc() -> tuple[str, str]:
    """A fresh valid code and the same code with a wrong check character."""
    body = "91440101" + "".join(secrets.choice(ALPHABET) for _ in range(9))
    check = ALPHABET[(31 - sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 31) % 31]
    wrong = ALPHABET[(ALPHABET.index(check) + 1) % 31]
    return body + check, body + wrong


def _public_key() -> tuple[str, str]:
    """A new Ed25519 public key in base64url (no padding) and its key id (sha256[:8], hex)."""
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), hashlib.sha256(raw).digest()[:8].hex()


def _open(page, hash_: str, screen: str) -> None:
    """Go to a console screen by its address and wait for it drawn anew (the old one may look alike)."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    page.evaluate("h => { location.hash = h; }", hash_)
    page.wait_for_selector(f"main[data-screen='{screen}'] > :not([data-old]) h1")


def _confirm(page) -> None:
    page.wait_for_selector("dialog.dialog[open]")
    page.click("dialog.dialog button[value=ok]")
    page.wait_for_selector("dialog.dialog", state="detached")


def _redrawn(page, action) -> None:
    """Do `action` (which leads to the screen being drawn again) and wait for the new drawing."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    action()
    page.wait_for_selector("main > :not([data-old]) h1")


def _elder_buttons_large(page) -> None:
    """In elder mode every visible button and link-button of the screen is at least 64 px high."""
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html.elder")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 63.5)
            .map(e => e.id || e.textContent.trim())"""
    )
    assert small == [], small
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html:not(.elder)")


def test_provincial_operator_registers_an_employer_its_key_and_credential(browser, server, artifacts):
    good, bad = _uscc()
    name = f"广州测试科技有限公司 {secrets.token_hex(3)}"
    public_key, key_id = _public_key()
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin2", hash_="#/registries/employers")
        wait_screen(page, "registries/employers")
        assert page.locator(".adm-subnav a[href='#/registries/employers'][aria-current=page]").count() == 1
        shots(page, artifacts, "registries-employers")

        # A code whose check character is wrong: refused by the API, its words and code beside the form.
        page.fill("#emp-uscc", bad)
        page.fill("#emp-name", name)
        page.select_option("#emp-city", "440100")
        page.click("#emp-submit")
        page.wait_for_selector("#emp-form-error:not([hidden])")
        error = page.inner_text("#emp-form-error")
        assert "不是有效的统一社会信用代码" in error and "employer.bad_uscc" in error, error
        assert page.get_attribute("#emp-uscc", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "emp-uscc"
        # A code of the wrong length never leaves the browser.
        page.fill("#emp-uscc", good[:10])
        page.click("#emp-submit")
        page.wait_for_function("() => document.querySelector('#emp-form-error').textContent.includes('18')")

        # The right code: the employer's screen, said so.
        page.fill("#emp-uscc", good.lower())  # typed in lower case: the console sends capitals
        _redrawn(page, lambda: page.click("#emp-submit"))
        wait_screen(page, "registries/employer")
        page.wait_for_selector("#emp-done:not([hidden])")
        assert name in page.inner_text("#emp-done")
        assert page.inner_text("#emp-uscc-value") == good
        assert page.get_attribute("#emp-status .badge", "data-status") == "active"
        employer_id = page.evaluate("new URLSearchParams(location.hash.split('?')[1]).get('id')")

        # A key that is not 32 bytes of base64url is refused before it is sent; a good one is registered.
        page.fill("#emp-key", "not-a-key")
        page.click("#emp-key-submit")
        page.wait_for_selector("#emp-key-error:not([hidden])")
        page.fill("#emp-key", public_key)
        _redrawn(page, lambda: page.click("#emp-key-submit"))
        row = page.locator(f"#emp-key-table tbody tr[data-key='{key_id}']")
        row.wait_for()
        assert row.locator("[data-status]").get_attribute("data-status") == "active"

        # A credential for its HR system, by keyboard: the token shows once and works as that employer.
        page.focus("#emp-cred-name")
        page.keyboard.type("人力资源系统（测试）")
        page.keyboard.press("Enter")
        page.wait_for_selector("#emp-token:not([hidden])")
        assert page.evaluate("document.activeElement.id") == "emp-token-title"
        token = page.input_value("#emp-token-value")
        assert token.startswith("ykc_"), token
        status, me = server.api("GET", "/api/v1/employer/me", token=token)
        assert status == 200 and me["uscc"] == good and me["id"] == employer_id, (status, me)
        assert [k["key_id"] for k in me["keys"]] == [key_id]
        page.wait_for_selector("#emp-cred-table tbody tr")
        assert "人力资源系统（测试）" in page.inner_text("#emp-cred-table")
        tab_to(page, "#emp-token-done")
        page.keyboard.press("Enter")
        page.wait_for_selector("#emp-token", state="hidden")
        assert token not in page.content()
        assert page.evaluate("document.activeElement.id") == "emp-cred-name"
        shots(page, artifacts, "registries-employer")  # no token on the screenshots
        _elder_buttons_large(page)

        # Retire the key (after a confirmation): it stays listed, retired.
        page.click(f"#emp-key-table tbody tr[data-key='{key_id}'] button.emp-retire")
        _redrawn(page, lambda: _confirm(page))
        page.wait_for_selector(f"#emp-key-table tbody tr[data-key='{key_id}'] [data-status=retired]")

        # Suspend (after a confirmation), then reinstate.
        page.click("#emp-suspend")
        _redrawn(page, lambda: _confirm(page))
        page.wait_for_selector("#emp-status [data-status=suspended]")
        assert page.locator("#emp-reinstate").count() == 1
        status, seen = server.api("GET", "/api/v1/employer/me", token=token)
        assert status == 200 and seen["status"] == "suspended", seen
        shots(page, artifacts, "registries-employer-suspended")
        _redrawn(page, lambda: page.click("#emp-reinstate"))
        page.wait_for_selector("#emp-status [data-status=active]")

        # The registry finds it by part of its name and by its code (the search goes into the address).
        _open(page, "#/registries/employers", "registries/employers")
        page.fill("#emp-q", name.split(" ")[1])
        _redrawn(page, lambda: page.click("#emp-search-go"))
        page.wait_for_selector(f"#emp-table tbody tr[data-key='{good}']")
        assert page.locator("#emp-table tbody tr").count() == 1
        assert "q=" in page.evaluate("location.hash")
        page.click(f"#emp-table tbody tr[data-key='{good}'] a")
        wait_screen(page, "registries/employer")

        # Phone width: the same screens fit (tables scroll inside their region), axe clean.
        page.set_viewport_size(PHONE)
        _open(page, f"#/registries/employers?q={good}", "registries/employers")
        page.wait_for_selector(f"#emp-table tbody tr[data-key='{good}']")
        shots(page, artifacts, "registries-employers-phone")
        _open(page, f"#/registries/employer?id={employer_id}", "registries/employer")
        page.wait_for_selector("#emp-key-table")
        shots(page, artifacts, "registries-employer-phone")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow} px at 390 px"
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_supervisor_has_no_employer_registry(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "gz-supervisor2", hash_="#/registries")
        wait_screen(page, "registries")
        assert page.locator("a[href='#/registries/employers']").count() == 0
        _open(page, "#/registries/employers", "registries/employers")
        page.wait_for_selector("#not-for-role")
        token = page.evaluate("JSON.parse(sessionStorage.getItem('yk.console.session')).token")
        status, body = server.api("POST", "/api/v1/employers", {"uscc": _uscc()[0], "name": "x", "city": "440100"}, token=token)
        assert status == 403, body
    finally:
        ctx.close()
