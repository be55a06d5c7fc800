"""Scanner verdict a clerk can trust (issue 15 section 1): the hotel check-in values (the full
identity number among them) stay inside the verdict panel on a 320 px phone in every language
and in elder mode; signing the terminal out asks first; the camera box says what to do; the
status line never shows a bare "null"."""

from __future__ import annotations

import pytest
import qrcode

from tests.e2e.conftest import launch
from tests.e2e.helpers import axe_violations, write_y4m

pytestmark = pytest.mark.browser

HOTEL = "hotel_checkin"
GUEST = 11  # the citizen no other browser test uses: hotel check-ins go on its record

# Every value of the verdict, measured against the panel it is drawn in (1 px of rounding allowed).
OUTSIDE = """() => {
    const panel = document.querySelector('#result').getBoundingClientRect();
    const out = [];
    for (const el of document.querySelectorAll('#result dd, #result dt, #result .verdict, #result p')) {
        const r = el.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(el);
        const text = range.getBoundingClientRect();
        for (const box of [r, text]) {
            if (box.left < panel.left - 1 || box.right > panel.right + 1) {
                out.push({ text: el.textContent, left: box.left, right: box.right, panel: [panel.left, panel.right] });
                break;
            }
        }
    }
    return out;
}"""


VERDICT_LINES = """() => {
    const text = [...document.querySelector('#result .verdict').childNodes].find((n) => n.nodeType === 3);
    const range = document.createRange();
    range.selectNodeContents(text);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


def _online_code(server) -> str:
    guest = server.citizen(GUEST)
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": guest.doc_type, "id_number": guest.id_number, "password": guest.password}
    )
    assert status == 200, body
    status, code = server.api("POST", "/api/v1/me/codes/online", token=body["token"])
    assert status == 200, code
    return code["code"]


def _scanner_page(browser, server, *, lang: str, elder: bool, width: int = 320):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": width, "height": 800})
    ctx.add_init_script(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{int(elder)}');")
    page = ctx.new_page()
    page.goto(f"{server.base_url}/scanner/#token={server.scanners[HOTEL]}")
    page.wait_for_selector("#net-state[data-online='1']")
    return ctx, page


@pytest.mark.parametrize(
    ("lang", "elder"), [("en", False), ("zh-Hans", False), ("zh-Hant", False), ("zh-Hans", True), ("en", True)]
)
def test_hotel_verdict_values_stay_inside_the_panel_at_320px(browser, server, artifacts, lang, elder):
    ctx, page = _scanner_page(browser, server, lang=lang, elder=elder)
    try:
        assert page.locator("#scenario").input_value() == HOTEL
        assert page.evaluate("() => document.documentElement.classList.contains('elder')") is elder
        # Elder mode hides the manual field: the code arrives as a handheld scanner would type it.
        page.evaluate("(code) => window.ykScanner.handleText(code + '\\n')", _online_code(server))
        page.wait_for_selector("#result[data-result]")
        assert page.locator("#result").get_attribute("data-result") == "valid"
        number = page.locator("[data-attr=identity_number]")
        assert number.inner_text() == server.citizen(GUEST).id_number
        name = f"scanner-hotel-verdict-320-{lang}{'-elder' if elder else ''}.png"
        page.locator("#result").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / name), full_page=True)
        assert page.evaluate(OUTSIDE) == []
        # ... and the verdict word is whole, on one line, not broken to fit.
        assert page.evaluate(VERDICT_LINES) == 1
        # Nothing on the page is wider than the phone either.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        ctx.close()


def test_sign_out_asks_first_and_cancel_keeps_the_terminal(browser, server, artifacts):
    ctx, page = _scanner_page(browser, server, lang="zh-Hans", elder=False, width=420)
    try:
        page.click("#sign-out")
        dialog = page.locator("dialog.dialog")
        dialog.wait_for()
        assert "退出此扫码终端" in dialog.inner_text()
        page.screenshot(path=str(artifacts / "scanner-sign-out-confirm-zh-Hans.png"))
        dialog.locator("button[value=cancel]").click()
        dialog.wait_for(state="detached")
        assert page.locator("#scenario").is_visible()
        assert page.evaluate("() => window.ykScanner.state.token") == server.scanners[HOTEL]

        page.click("#sign-out")
        page.locator("dialog.dialog button[value=ok]").click()
        page.wait_for_selector("#token")
        assert page.evaluate("() => window.ykScanner.state.token") is None
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("lang", "text"),
    [("zh-Hans", "将二维码对准框内"), ("zh-Hant", "將二維碼對準框內"), ("en", "Hold the QR code inside the frame")],
)
def test_camera_box_says_what_to_do_and_status_has_no_null(browser, server, artifacts, lang, text):
    ctx, page = _scanner_page(browser, server, lang=lang, elder=False)
    try:
        aim = page.locator(".camera #camera-aim")
        assert aim.is_visible() and aim.inner_text() == text
        box = page.locator(".camera").bounding_box()
        inner = aim.bounding_box()
        assert box and inner
        assert box["x"] <= inner["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"] + 1
        assert box["y"] <= inner["y"] and inner["y"] + inner["height"] <= box["y"] + box["height"] + 1
        page.wait_for_selector("#trust-age")
        status = page.locator("#status").inner_text()
        assert "null" not in status.lower() and "undefined" not in status.lower(), status
        ctx.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")
        status = page.locator("#status").inner_text()
        assert "null" not in status.lower() and "undefined" not in status.lower(), status
        ctx.set_offline(False)
        page.screenshot(path=str(artifacts / f"scanner-camera-aim-{lang}.png"), full_page=True)
    finally:
        ctx.close()


# --- sign-in by the provisioning QR code the console shows (issue 15 §3) -----------------------

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PROVISIONED = "library_entry"


def _camera_showing(playwright_instance, chromium_path, tmp_path, text: str):
    """A Chromium whose camera films a QR code of `text` (made by the qrcode library, not the app)."""
    video = tmp_path / "provisioning.y4m"
    write_y4m(qrcode.make(text, border=4).get_image(), video)
    return launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])


def _signin_page(cam, server, *, lang: str, elder: bool):
    ctx = cam.new_context(
        base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 900}, permissions=["camera"]
    )
    ctx.add_init_script(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{int(elder)}');")
    page = ctx.new_page()
    page.goto(f"{server.base_url}/scanner/")
    page.wait_for_selector("#scan-provisioning")
    return ctx, page


def test_sign_in_by_scanning_the_provisioning_code(playwright_instance, chromium_path, server, tmp_path, artifacts):
    token = server.scanners[PROVISIONED]
    cam = _camera_showing(playwright_instance, chromium_path, tmp_path, f"{server.base_url}/scanner/#token={token}")
    try:
        ctx, page = _signin_page(cam, server, lang="zh-Hans", elder=False)
        button = page.locator("#scan-provisioning")
        assert button.inner_text() == "扫描配置码"
        box = button.bounding_box()
        assert box and box["height"] >= 44
        assert axe_violations(page) == []
        page.screenshot(path=str(artifacts / "scanner-signin-provisioning-zh-Hans.png"), full_page=True)
        button.click()
        # The camera reads the link, and the terminal is signed in: its venue's scan screen.
        page.wait_for_selector("#scenario", timeout=20_000)
        assert page.evaluate("() => window.ykScanner.state.token") == token
        assert page.locator("#scenario").input_value() == PROVISIONED
        page.wait_for_selector("#net-state[data-online='1']")
        assert page.evaluate("() => window.ykScanner.state.provisioning") is None  # the camera is off again
        ctx.close()
    finally:
        cam.close()


REFUSED = {
    "zh-Hans": "这个配置码属于另一个网站（https://evil.example），本终端不会使用它。",
    "zh-Hant": "這個配置碼屬於另一個網站（https://evil.example），本終端不會使用它。",
    "en": "This provisioning code belongs to another site (https://evil.example); this scanner will not use it.",
}


@pytest.mark.parametrize(("lang", "elder"), [("zh-Hans", False), ("zh-Hant", False), ("en", False), ("zh-Hans", True)])
def test_a_provisioning_code_of_another_site_is_refused(
    playwright_instance, chromium_path, server, tmp_path, artifacts, lang, elder
):
    # A well-formed scanner token, on another origin: using it would send this gate's scans there.
    link = f"https://evil.example/scanner/#token={server.scanners[PROVISIONED]}"
    cam = _camera_showing(playwright_instance, chromium_path, tmp_path, link)
    try:
        ctx, page = _signin_page(cam, server, lang=lang, elder=elder)
        page.click("#scan-provisioning")
        message = page.locator("#provision-msg.error")
        message.wait_for(timeout=20_000)
        assert message.inner_text() == REFUSED[lang]
        assert page.evaluate("() => window.ykScanner.state.token") is None
        assert page.locator("#scenario").count() == 0 and page.locator("#provision-cancel").is_visible()
        if elder:
            box = page.locator("#provision-cancel").bounding_box()
            assert box and box["height"] >= 64
        assert axe_violations(page) == []
        page.screenshot(
            path=str(artifacts / f"scanner-signin-provisioning-refused-{lang}{'-elder' if elder else ''}.png"), full_page=True
        )
        page.click("#provision-cancel")
        assert page.locator("#provision-box").is_hidden() and page.locator("#scan-provisioning").is_visible()
        assert page.evaluate("() => window.ykScanner.state.provisioning") is None
        ctx.close()
    finally:
        cam.close()
