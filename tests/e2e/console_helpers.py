"""Helpers of the staff console's browser tests (docs/console.md): sign in through the console's
form with the staff member's TOTP, and take each TOTP code only once.

A TOTP code is accepted once per 30-second step (backend/accounts/factors.consume_totp): two
sign-ins of one staff member need two steps. `totp_code` (conftest.next_totp) remembers the last
step it handed out per username and takes the next acceptable one, waiting only when none is;
use it (or `staff_token` here) rather than pyotp directly.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import LAST_TOTP_STEP, STAFF_PASSWORD, TOTP_STEP, Server, next_totp
from tests.e2e.helpers import axe_violations, redrawn

STEP = TOTP_STEP
_last_step = LAST_TOTP_STEP  # shared with Server.staff_token: one record of used steps per session


def totp_code(server: Server, username: str) -> str | None:
    """A code for this staff member's authenticator not handed out before (None without TOTP)."""
    return next_totp(server, username)


def staff_token(server: Server, username: str) -> str:
    """A bearer token through the sign-in route, with a code no earlier sign-in used."""
    body: dict = {"username": username, "password": STAFF_PASSWORD}
    code = totp_code(server, username)
    if code:
        body["totp"] = code
    status, answer = server.api("POST", "/api/v1/auth/staff/login", body)
    assert status == 200, (status, answer)
    return answer["token"]


def console_sign_in(page, server: Server, username: str, *, password: str = STAFF_PASSWORD, hash_: str = "") -> None:
    """Open the console, fill the sign-in form (and the TOTP step), wait for the menu.

    `hash_` (e.g. "#/counter") opens that screen; after signing in the console shows it.
    """
    page.goto(f"{server.base_url}/console/{hash_}")
    page.wait_for_selector("#signin-form")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#code-step:not([hidden]), #menu:not([hidden]), #totp-start")
    if page.locator("#code-step:not([hidden])").count():
        for _ in range(3):
            code = totp_code(server, username)
            assert code, f"{username} has no TOTP secret in server.staff_totp"
            page.fill("#code", code)
            page.click("#signin-form button[type=submit]")
            page.wait_for_selector("#menu:not([hidden]), #signin-error:not(:empty)")
            if page.locator("#menu:not([hidden])").count():
                break
            # Another sign-in (a token for set-up) took this step's code: the next step's will do.
    page.wait_for_selector("#menu:not([hidden])")


def _switch_lang(page, lang: str) -> None:
    """Choose `lang` and wait for the screen drawn again in it (nothing to wait for when it is already the language)."""
    if page.evaluate("() => document.documentElement.lang") == lang:
        return
    redrawn(page, lambda: page.select_option("#lang-select", lang))
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)


def screens_in_every_language(page, artifacts: Path, name: str) -> None:
    """Screenshots of the screen in zh-Hans, zh-Hant, en and elder mode, each axe-clean; in elder
    mode every visible button is at least 64 px high."""
    for lang in ("zh-Hans", "zh-Hant", "en"):
        _switch_lang(page, lang)
        page.wait_for_selector("main h1")
        page.screenshot(path=artifacts / f"console-{name}-{lang}.png", full_page=True)
        assert axe_violations(page) == [], (name, lang)
    _switch_lang(page, "zh-Hans")
    redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html.elder")
    page.screenshot(path=artifacts / f"console-{name}-elder.png", full_page=True)
    assert axe_violations(page) == [], (name, "elder")
    # Elder mode: every button and link-button of the screen is at least 64 px high.
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 63.5)
            .map(e => e.id || e.textContent.trim())"""
    )
    assert small == [], (name, small)
    redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html:not(.elder)")
