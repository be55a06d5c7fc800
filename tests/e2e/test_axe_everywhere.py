"""axe-core finds no serious or critical violation on any screen of any app (issue 15 §4): every
wallet route of pwa/wallet/app.js's SCREENS, the scanner's sign-in, scan and verdict screens, the
public catalog page's three panels, the API reference at /schema, and the console's sign-in screen
and every section's first screen, in Chinese and English and in elder mode, on a 390 px phone and
a 1280 px desktop. Each problem names the screen, the combination and the elements; a screenshot
of every screen with a problem goes to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.helpers import axe_violations, wait_code

pytestmark = pytest.mark.browser

PWA = Path(__file__).resolve().parents[2] / "pwa"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# (language, elder mode, viewport): each language at each size, and elder mode at each size.
COMBOS = [
    ("zh-Hans", False, PHONE),
    ("en", False, PHONE),
    ("zh-Hans", True, PHONE),
    ("zh-Hans", False, DESKTOP),
    ("en", False, DESKTOP),
    ("en", True, DESKTOP),
]
CITIZEN = 11  # read-only here: its card is never changed (the csp/onboarding tests' neighbour)
# The staff member of each role whose sign-ins this file takes (console_helpers hands each TOTP step out once).
STAFF_OF_ROLE = {"supervisor": "gz-supervisor2", "provincial_operator": "admin2", "counter_operator": "gz-counter2"}


def _combo_name(lang: str, elder: bool, viewport: dict) -> str:
    return f"{lang}{'-elder' if elder else ''}-{viewport['width']}"


def _prefs_script(lang: str, elder: bool) -> str:
    return f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{int(elder)}');"


def _check(page, artifacts: Path, name: str, problems: list[str]) -> None:
    found = axe_violations(page)
    for v in found:
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
    if found:
        page.screenshot(path=str(artifacts / f"axe-{name}.png"), full_page=True)


def _context(browser, server, lang: str, elder: bool, viewport: dict):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=viewport)
    ctx.add_init_script(_prefs_script(lang, elder))
    return ctx


def _wallet_routes() -> list[str]:
    """The routes of the wallet's SCREENS map, read from app.js ('' is home)."""
    text = (PWA / "wallet" / "app.js").read_text()
    block = text.split("const SCREENS = {", 1)[1].split("};", 1)[0]
    routes = re.findall(r"^\s*'?([\w-]*)'?\s*:", block, flags=re.M)
    assert "" in routes and "code" in routes and len(routes) >= 10, routes
    return routes


def _wallet_public_routes() -> set[str]:
    text = (PWA / "wallet" / "app.js").read_text()
    return set(re.findall(r"'([\w-]+)'", text.split("const PUBLIC_ROUTES = new Set([", 1)[1].split("]", 1)[0]))


def _open_wallet(page, server, route: str) -> None:
    page.goto(f"{server.base_url}/wallet/#/{route}")
    if route == "code":
        wait_code(page)
    else:
        page.wait_for_selector(f"main[data-screen='{route or 'home'}'] h1", state="attached")
    page.wait_for_load_state("networkidle")


def _wallet_token(server) -> str:
    citizen = server.citizen(CITIZEN)
    status, body = server.api(
        "POST",
        "/api/v1/auth/login",
        {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password},
    )
    assert status == 200, body
    return body["token"]


def test_every_wallet_screen(browser, server, artifacts):
    routes = _wallet_routes()
    public = _wallet_public_routes()
    token = _wallet_token(server)
    problems: list[str] = []
    for lang, elder, viewport in COMBOS:
        ctx = _context(browser, server, lang, elder, viewport)
        try:
            page = ctx.new_page()
            for route in sorted(public):  # signed out
                _open_wallet(page, server, route)
                _check(page, artifacts, f"wallet-{route}-{_combo_name(lang, elder, viewport)}", problems)
            page.evaluate("t => localStorage.setItem('yk.wallet.token', t)", token)
            for route in routes:
                if route in public:
                    continue
                _open_wallet(page, server, route)
                _check(page, artifacts, f"wallet-{route or 'home'}-{_combo_name(lang, elder, viewport)}", problems)
        finally:
            ctx.close()
    assert not problems, "\n".join(problems)


def _online_code(server, token: str) -> str:
    status, code = server.api("POST", "/api/v1/me/codes/online", token=token)
    assert status == 200, code
    return code["code"]


def test_every_scanner_screen(browser, server, artifacts):
    token = _wallet_token(server)
    problems: list[str] = []
    for lang, elder, viewport in COMBOS:
        combo = _combo_name(lang, elder, viewport)
        ctx = _context(browser, server, lang, elder, viewport)
        try:
            page = ctx.new_page()
            page.goto(f"{server.base_url}/scanner/")
            page.wait_for_selector("#token")
            _check(page, artifacts, f"scanner-signin-{combo}", problems)
            page.close()
            page = ctx.new_page()  # the token link is read when the app starts, not on a hash change
            page.goto(f"{server.base_url}/scanner/#token={server.scanners['library_entry']}")
            page.wait_for_selector("#net-state[data-online='1']")
            page.wait_for_load_state("networkidle")
            _check(page, artifacts, f"scanner-scan-{combo}", problems)
            # A verdict, the code typed as a handheld scanner would (elder mode hides the manual field).
            page.evaluate("(code) => window.ykScanner.handleText(code + '\\n')", _online_code(server, token))
            page.wait_for_selector("#result[data-result]")
            assert page.locator("#result").get_attribute("data-result") == "valid"
            _check(page, artifacts, f"scanner-verdict-{combo}", problems)
            # And a refusal, which looks different.
            page.evaluate("() => window.ykScanner.handleText('not a code\\n')")
            page.wait_for_function("() => document.querySelector('#result')?.dataset.result !== 'valid'")
            _check(page, artifacts, f"scanner-refused-{combo}", problems)
        finally:
            ctx.close()
    assert not problems, "\n".join(problems)


# Swagger UI's own markup on /schema (swagger-ui-dist, third party, drawn by its bundle): a select
# without a label (the servers list), buttons inside buttons (each operation's summary), colours of
# its palette, and Litestar's page template has no <html lang>. Reported upstream-side in
# docs/static.md; any other violation on /schema fails.
SWAGGER_UI_KNOWN = {"select-name", "nested-interactive", "color-contrast", "html-has-lang"}


def test_catalog_page_and_api_reference(browser, server, artifacts):
    problems: list[str] = []
    for lang, elder, viewport in COMBOS:
        combo = _combo_name(lang, elder, viewport)
        ctx = _context(browser, server, lang, elder, viewport)
        try:
            page = ctx.new_page()
            page.goto(f"{server.base_url}/catalog/")
            page.wait_for_selector("#items > *")
            page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
            _check(page, artifacts, f"catalog-items-{combo}", problems)
            page.click("#tab-history")
            page.wait_for_selector("#history > *")
            _check(page, artifacts, f"catalog-history-{combo}", problems)
            page.click("#tab-points")
            page.click("#points-form button[type=submit]")
            page.wait_for_selector("#points-count:not(:empty)")
            _check(page, artifacts, f"catalog-points-{combo}", problems)
        finally:
            ctx.close()
    # The API reference has no language or elder mode of its own: both sizes.
    for viewport in (PHONE, DESKTOP):
        ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=viewport)
        try:
            page = ctx.new_page()
            # The first request builds the whole OpenAPI document: slow on a busy machine.
            page.goto(f"{server.base_url}/schema/swagger", wait_until="domcontentloaded", timeout=90_000)
            page.wait_for_selector(".swagger-ui .opblock", timeout=90_000)
            others = [v for v in axe_violations(page) if v["id"] not in SWAGGER_UI_KNOWN]
            problems += [f"schema-{viewport['width']}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in others]
        finally:
            ctx.close()
    assert not problems, "\n".join(problems)


def _console_screen(page, server, route: str) -> None:
    page.goto(f"{server.base_url}/console/#/{route}")
    page.wait_for_selector(f"main[data-screen='{route or 'home'}']", state="attached")
    page.wait_for_load_state("networkidle")


def _set_prefs(page, lang: str, elder: bool, viewport: dict) -> None:
    """Within one signed-in tab (the console keeps its session in sessionStorage)."""
    page.set_viewport_size(viewport)
    page.evaluate(_prefs_script(lang, elder))
    page.reload()
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)


def test_console_sign_in_and_every_sections_first_screen(browser, server, artifacts):
    helpers = pytest.importorskip("tests.e2e.console_helpers", reason="the console's test helper is not there yet")
    problems: list[str] = []
    for lang, elder, viewport in COMBOS:
        ctx = _context(browser, server, lang, elder, viewport)
        try:
            page = ctx.new_page()
            page.goto(f"{server.base_url}/console/")
            page.wait_for_selector("#signin-form")
            page.wait_for_load_state("networkidle")
            _check(page, artifacts, f"console-signin-{_combo_name(lang, elder, viewport)}", problems)
        finally:
            ctx.close()
    # Each section with a staff member of a role it is shown to, every combination in one tab.
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=DESKTOP)
    try:
        page = ctx.new_page()
        page.goto(f"{server.base_url}/console/")
        sections = page.evaluate("() => import('/console/sections/index.js').then(m => m.SECTIONS.map(s => [s.id, s.roles]))")
        assert len(sections) >= 5, sections
    finally:
        ctx.close()
    by_staff: dict[str, list[str]] = {}
    for section_id, roles in sections:
        role = next(r for r in STAFF_OF_ROLE if r in roles)
        by_staff.setdefault(STAFF_OF_ROLE[role], []).append(section_id)
    for username, ids in by_staff.items():
        ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=DESKTOP)
        try:
            page = ctx.new_page()
            helpers.console_sign_in(page, server, username)
            for lang, elder, viewport in COMBOS:
                _set_prefs(page, lang, elder, viewport)
                combo = _combo_name(lang, elder, viewport)
                _console_screen(page, server, "")  # the console's home
                _check(page, artifacts, f"console-home-{username}-{combo}", problems)
                for section_id in ids:
                    _console_screen(page, server, section_id)
                    _check(page, artifacts, f"console-{section_id}-{combo}", problems)
        finally:
            ctx.close()
    assert not problems, "\n".join(problems)
