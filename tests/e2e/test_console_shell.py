"""The staff console's shell in Chromium (issue 15 §3): sign-in with a second factor, the menu each
role gets, sign-out, an ended session, "no such screen", axe, and screenshots in three languages
and elder mode. Also the files the shell serves: the service worker's list and the dictionaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import STAFF_PASSWORD
from tests.e2e.console_helpers import console_sign_in, staff_token
from tests.e2e.helpers import axe_violations

CONSOLE = Path(__file__).resolve().parents[2] / "pwa" / "console"
LANGS = ("zh-Hans", "zh-Hant", "en")


def _menu(page) -> list[str]:
    return page.eval_on_selector_all("#menu a[data-section]", "els => els.map(e => e.dataset.section)")


def _shots(page, artifacts: Path, name: str) -> None:
    """Screenshots of the current screen in the three languages and in elder mode (Chinese)."""
    for lang in LANGS:
        page.select_option("#lang-select", lang)
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
        page.screenshot(path=artifacts / f"console-{name}-{lang}.png", full_page=True)
    page.select_option("#lang-select", "zh-Hans")
    page.click("#elder-toggle")
    page.wait_for_selector("html.elder")
    page.screenshot(path=artifacts / f"console-{name}-elder.png", full_page=True)
    assert axe_violations(page) == [], name
    page.click("#elder-toggle")
    page.wait_for_selector("html:not(.elder)")


def test_sign_in_with_totp_menu_by_role_and_sign_out(context, server, artifacts):
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(server.base_url + "/console/")
    page.wait_for_selector("#signin-form")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert axe_violations(page) == []
    _shots(page, artifacts, "signin")

    # A wrong password, then the second step with a wrong code: each says what went wrong.
    page.fill("#username", "gz-counter")
    page.fill("#password", "not the password")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#signin-error:not(:empty)")
    assert "密码" in page.inner_text("#signin-error")
    if server.staff_totp.get("gz-counter"):
        page.fill("#password", STAFF_PASSWORD)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#code-step:not([hidden])")
        assert page.evaluate("document.activeElement.id") == "code"
        _shots(page, artifacts, "signin-code")
        page.fill("#code", "000000")
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#signin-error:not(:empty)")
        assert "动态码不对" in page.inner_text("#signin-error")
        assert page.locator("#menu:not([hidden])").count() == 0

    console_sign_in(page, server, "gz-counter")
    # Who is signed in, and only the sections a counter clerk may use.
    who = page.inner_text("#who")
    assert "柜员" in who and ("440100" in who or "广州" in who)
    counter_menu = _menu(page)
    assert "counter" in counter_menu and "applications" in counter_menu
    assert "audit" not in counter_menu and "registries" not in counter_menu
    assert page.evaluate("sessionStorage.getItem('yk.console.session')")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('session') || k.includes('token'))") == []
    _shots(page, artifacts, "home")

    # A screen that does not exist, and one the role may not use, say so.
    page.goto(server.base_url + "/console/#/audit")
    page.wait_for_selector("main[data-screen=not-found]")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    page.goto(server.base_url + "/console/#/nowhere/at-all?x=1")
    page.wait_for_selector("main[data-screen=not-found]")
    _shots(page, artifacts, "not-found")

    # Sign out: the session is gone from the tab and the token from the server.
    token = json.loads(page.evaluate("sessionStorage.getItem('yk.console.session')"))["token"]
    page.click("#signout")
    page.wait_for_selector("#signin-message")
    assert page.evaluate("sessionStorage.getItem('yk.console.session')") is None
    status, _ = server.api("GET", "/api/v1/me/sessions", token=token)
    assert status == 401

    # A provincial operator gets another menu (no counter).
    console_sign_in(page, server, "admin")
    admin_menu = _menu(page)
    assert "counter" not in admin_menu and admin_menu != counter_menu
    page.click("#signout")
    page.wait_for_selector("#signin-message")


def test_an_ended_session_returns_to_sign_in_with_a_message(context, server, artifacts):
    page = context.new_page()
    console_sign_in(page, server, "gz-supervisor")
    session = json.loads(page.evaluate("sessionStorage.getItem('yk.console.session')"))
    # The session ends elsewhere (as an idle time-out would): the next call answers 401.
    status, _ = server.api("POST", "/api/v1/auth/logout", token=session["token"])
    assert status == 204
    page.evaluate("window.ykConsole.api('GET', '/api/v1/staff/applications').catch(() => null)")
    page.wait_for_selector("#signin-message")
    assert "重新登录" in page.inner_text("#signin-message")
    assert page.evaluate("sessionStorage.getItem('yk.console.session')") is None
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "console-expired-390.png", full_page=True)
    assert axe_violations(page) == []


def test_the_console_at_phone_width(context, server, artifacts):
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    console_sign_in(page, server, "gz-counter2")
    # Nothing runs off the side at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shots(page, artifacts, "home-390")


# --- files -----------------------------------------------------------------------------------


def _shell_list() -> set[str]:
    text = (CONSOLE / "sw.js").read_text()
    return set(re.findall(r"'(/[^']*)'", text.split("shell:", 1)[1]))


def test_service_worker_precaches_every_console_file():
    shell = _shell_list()
    needed = {f"/console/{p.relative_to(CONSOLE).as_posix()}" for p in CONSOLE.rglob("*") if p.is_file() and p.name != "sw.js"}
    needed.discard("/console/index.html")
    needed.add("/console/")
    missing = sorted(needed - shell)
    assert not missing, f"console/sw.js does not precache {missing}"
    assert not any(path.startswith("/api/") for path in shell)


@pytest.mark.parametrize("folder", sorted(p.name for p in (CONSOLE / "i18n").iterdir() if p.is_dir()))
def test_console_dictionaries_have_the_same_keys(folder):
    tables = {lang: json.loads((CONSOLE / "i18n" / folder / f"{lang}.json").read_text()) for lang in LANGS}
    keys = set(tables["zh-Hans"])
    for lang, table in tables.items():
        assert set(table) == keys, (folder, lang, sorted(set(table) ^ keys))
        assert all(isinstance(v, str) and v.strip() for v in table.values()), (folder, lang)
        for key, text in table.items():
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", tables["zh-Hans"][key])), (lang, key)


def test_staff_token_helper_signs_in(server):
    token = staff_token(server, "gz-supervisor2")
    status, _ = server.api("GET", "/api/v1/staff/applications", token=token)
    assert status == 200
