"""Helpers of the browser tests of the console's venues, catalog and registries sections: sign a
staff member in (enrolling TOTP first through the API when the e2e server seeded none), screenshots
in three languages and elder mode with axe on each, and reaching an element by Tab."""

from __future__ import annotations

from pathlib import Path

import pyotp

from tests.e2e.conftest import STAFF_PASSWORD, Server
from tests.e2e.console_helpers import console_sign_in, totp_code
from tests.e2e.helpers import axe_violations

LANGS = ("zh-Hans", "zh-Hant", "en")


def ensure_totp(server: Server, username: str) -> None:
    """Staff sign in with a second factor: when the e2e server seeded no TOTP for this staff member,
    enrol one through the API (sign in, start, confirm) and record its secret in server.staff_totp."""
    if server.staff_totp.get(username):
        return
    status, answer = server.api("POST", "/api/v1/auth/staff/login", {"username": username, "password": STAFF_PASSWORD})
    assert status == 200, (status, answer)
    token = answer["token"]
    if not answer.get("second_factor_enrolment_required") and answer.get("staff", {}).get("totp_enabled") is not True:
        return  # the second factor is optional on this server
    status, enrolment = server.api("POST", "/api/v1/me/totp", token=token)
    assert status in (200, 201), (status, enrolment)
    secret = enrolment["secret"]
    step = pyotp.TOTP(secret)
    status, body = server.api("POST", "/api/v1/me/totp/confirm", {"code": step.now()}, token=token)
    assert status in (200, 201), (status, body)
    server.staff_totp[username] = secret
    totp_code(server, username)  # this step's code is used: the next sign-in waits for a fresh one
    server.api("POST", "/api/v1/auth/logout", token=token)


def sign_in(page, server: Server, username: str, hash_: str = "") -> None:
    ensure_totp(server, username)
    console_sign_in(page, server, username, hash_=hash_)


def wait_screen(page, name: str) -> None:
    page.wait_for_selector(f"main[data-screen='{name}']")


def _redrawn(page, change) -> None:
    """Do `change` (a language or elder-mode switch) and wait until the shell drew the screen anew."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    change()
    page.wait_for_selector("main > :not([data-old]) h1, main > h1:not([data-old])")


def shots(page, artifacts: Path, name: str) -> None:
    """The current screen in three languages and in elder mode, each checked by axe."""
    for lang in LANGS:
        if page.evaluate("document.documentElement.lang") != lang:
            _redrawn(page, lambda lang=lang: page.select_option("#lang-select", lang))
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
        page.screenshot(path=artifacts / f"console-{name}-{lang}.png", full_page=True)
        found = axe_violations(page)
        assert found == [], (name, lang, found)
    _redrawn(page, lambda: page.select_option("#lang-select", "zh-Hans"))
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html.elder")
    page.screenshot(path=artifacts / f"console-{name}-elder.png", full_page=True)
    found = axe_violations(page)
    assert found == [], (name, "elder", found)
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html:not(.elder)")


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus (the keyboard path to it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


# Runs before the page's own scripts (init scripts are not subject to the CSP): every refusal of the
# Content-Security-Policy the console is served with (tests/e2e/test_csp.py watches the same way).
WATCH = """
window.__ykPolicy = [];
document.addEventListener('securitypolicyviolation', (e) => window.__ykPolicy.push(
  `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile || '?'}:${e.lineNumber})`));
"""


def watch_policy(page) -> list[str]:
    """Start watching a page for CSP refusals; the list collects the console's complaints."""
    complaints: list[str] = []
    page.on("console", lambda msg: complaints.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(WATCH)
    return complaints


def policy_violations(page, complaints: list[str]) -> list[str]:
    return complaints + page.evaluate("window.__ykPolicy || []")
