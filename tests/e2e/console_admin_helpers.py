"""Helpers of the browser tests of the console's venues, catalog and registries sections: sign a
staff member in, screenshots in three languages and elder mode with axe on each, reaching an element
by Tab, and watching the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Server
from tests.e2e.console_helpers import console_sign_in
from tests.e2e.helpers import axe_violations

LANGS = ("zh-Hans", "zh-Hant", "en")


def sign_in(page, server: Server, username: str, hash_: str = "") -> None:
    """Sign in through the console's form, with the staff member's TOTP (seeded by the e2e server)."""
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
