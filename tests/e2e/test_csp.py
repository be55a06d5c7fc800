"""The PWAs run under the Content-Security-Policy the server sends: no violation on the wallet,
scanner and catalog pages, watched through `securitypolicyviolation` events and the console."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import launch
from tests.e2e.helpers import sign_in, wait_code

pytestmark = pytest.mark.browser

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

# Runs before the page's own scripts, in every document (init scripts are not subject to the CSP).
WATCH = """
window.__ykPolicy = [];
document.addEventListener('securitypolicyviolation', (e) => window.__ykPolicy.push(
  `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile || '?'}:${e.lineNumber})`));
"""
CONSOLE_SIGNS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy", "Permissions policy")


def _watch(page) -> list[str]:
    """Start watching a page; the returned list collects policy complaints from the console."""
    complaints: list[str] = []
    page.on("console", lambda msg: complaints.append(msg.text) if any(s in msg.text for s in CONSOLE_SIGNS) else None)
    page.add_init_script(WATCH)
    return complaints


def _violations(page, complaints: list[str]) -> list[str]:
    return complaints + page.evaluate("window.__ykPolicy || []")


def _strict(response, *, camera: bool = False) -> None:
    """The document really was served under the strict policy (else there is nothing to test)."""
    csp = response.headers.get("content-security-policy", "")
    # The scanner compiles its QR decoder's WebAssembly (docs/decoders.md), and nothing more.
    script = "script-src 'self' 'wasm-unsafe-eval';" if camera else "script-src 'self';"
    assert script in csp and "style-src 'self';" in csp, csp
    assert "unsafe-inline" not in csp and "'unsafe-eval'" not in csp
    assert ("camera=(self)" if camera else "camera=()") in response.headers.get("permissions-policy", "")


def test_wallet_runs_under_the_policy(context, server):
    page = context.new_page()
    complaints = _watch(page)
    _strict(page.goto(server.base_url + "/wallet/"), camera=True)  # 扫一扫 (issue 19)
    sign_in(page, server.citizen(10), server.base_url)
    page.click("#show-code")
    wait_code(page)  # the QR code is drawn as SVG
    for route in ("history", "access", "bank", "security"):
        page.goto(f"{server.base_url}/wallet/#/{route}")
        page.wait_for_selector(f"main[data-screen='{route}'] h1", state="attached")
        page.wait_for_load_state("networkidle")
    page.click("#totp-start")  # the enrolment QR is a data: image
    page.wait_for_function(
        "() => document.querySelector('#totp-qr')?.complete && document.querySelector('#totp-qr').naturalWidth > 0"
    )
    page.goto(server.base_url + "/wallet/#/")
    page.click("#do-report_temp_loss")  # a modal <dialog>
    page.wait_for_selector("dialog[open]")
    page.click("dialog button[value=cancel]")
    assert _violations(page, complaints) == []


def test_scanner_runs_under_the_policy_with_its_camera(playwright_instance, chromium_path, server):
    cam = launch(playwright_instance, chromium_path, FAKE_CAMERA)
    try:
        ctx = cam.new_context(
            base_url=server.base_url, locale="zh-CN", viewport={"width": 480, "height": 900}, permissions=["camera"]
        )
        page = ctx.new_page()
        complaints = _watch(page)
        _strict(page.goto(f"{server.base_url}/scanner/#token={server.scanners['library_entry']}"), camera=True)
        page.wait_for_selector("#scenario")
        page.wait_for_selector("#net-state[data-online='1']")
        page.click("#camera-toggle")
        # The camera started (Permissions-Policy lets the scanner have it) and jsQR or the
        # native detector was loaded.
        page.wait_for_selector("#camera-msg[data-engine]", timeout=15_000)
        page.wait_for_timeout(500)  # a few frames through the decoder
        page.click("#camera-toggle")
        assert _violations(page, complaints) == []
        ctx.close()
    finally:
        cam.close()


def test_catalog_page_runs_under_the_policy(context, server):
    page = context.new_page()
    complaints = _watch(page)
    _strict(page.goto(server.base_url + "/catalog/"))
    page.wait_for_selector("#items > *")
    page.fill("#q", "图书馆")
    page.click("#tab-history")
    page.wait_for_selector("#history > *")
    page.click("#tab-points")
    page.click("#points-form button[type=submit]")
    page.wait_for_selector("#points-count:not(:empty)")
    page.select_option("#lang", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert _violations(page, complaints) == []
    # The watch itself works: an inline script is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    page.wait_for_function("() => window.__ykPolicy.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in _violations(page, complaints))


def test_console_runs_under_the_policy(context, server):
    """The staff console: its sign-in screen, the TOTP step, the home screen and the first screen
    of every section on the menu of a counter clerk (whose sign-ins no other test takes)."""
    from tests.e2e.console_helpers import console_sign_in

    page = context.new_page()
    complaints = _watch(page)
    _strict(page.goto(server.base_url + "/console/"))
    page.wait_for_selector("#signin-form")
    console_sign_in(page, server, "gz-counter2")
    sections = page.eval_on_selector_all("#menu a[data-section]", "els => els.map(e => e.dataset.section)")
    assert sections, "the menu shows no section"
    for section in sections:
        page.goto(f"{server.base_url}/console/#/{section}")
        page.wait_for_selector(f"main[data-screen='{section or 'home'}']", state="attached")
        page.wait_for_load_state("networkidle")
    page.select_option("#lang-select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.click("#elder-toggle")
    page.wait_for_selector("html.elder")
    page.click("#elder-toggle")
    assert _violations(page, complaints) == []
