"""Scan to sign in (issue 19, RFC 8628 device authorization) in Chromium: a terminal page of another origin
shows verification_uri_complete as a QR code and polls the token endpoint; the wallet's 扫一扫 reads it
through Chromium's fake camera (the scanner's decoder), opens the approval screen, the holder approves and
the terminal is signed in. A typed user code works too, and denying leaves the terminal signed out.
The approval screen in three languages at 320 px, axe-clean."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.conftest import launch
from tests.e2e.helpers import sign_in, write_y4m
from tests.e2e.rp.flows import NARROW, every_language, register
from tests.e2e.rp.server import serve

pytestmark = pytest.mark.browser

HOLDER = 39  # conftest: issue 19's citizens
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def terminal(server):
    with serve() as rp:
        client = register(
            server,
            {
                "name": "测试自助终端",
                "name_en": "Test Kiosk",
                "redirect_uris": [rp.url("127.0.0.1", "/terminal.html")],
                "scopes": ["openid", "card", "masked_name"],
                "token_endpoint_auth_method": "none",
            },
        )
        rp.configs["127.0.0.1"] = {
            "authority": server.base_url,
            "client_id": client["client_id"],
            "scope": "openid card masked_name",
            "name": "Test Kiosk",
        }
        yield rp, client


def _terminal_qr(page, rp) -> tuple[str, str, Image.Image]:
    """A fresh terminal session: its QR code's text (read by zxing-cpp off a screenshot), user code and image."""
    page.goto(rp.url("127.0.0.1", "/terminal.html"))
    page.wait_for_selector("#state[data-state=waiting]", timeout=15_000)
    image = Image.open(io.BytesIO(page.locator("#qr img").screenshot())).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code on the terminal"
    return found[0].text, page.locator("#user-code").inner_text(), image


def _signed_in(page) -> str:
    page.wait_for_selector("#state[data-state=signed_in], #state[data-state=failed]", timeout=30_000)
    assert page.locator("#state").get_attribute("data-state") == "signed_in", page.locator("#error").inner_text()
    return page.locator("#sub").inner_text()


def test_the_wallet_scans_a_terminal_and_signs_it_in(
    browser, playwright_instance, chromium_path, server, terminal, tmp_path, artifacts
):
    rp, client = terminal
    kiosk = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 900})
    kiosk_page = kiosk.new_page()
    text, user_code, image = _terminal_qr(kiosk_page, rp)
    # The QR code is the wallet's own approval link on this service (no identity number, no token in it).
    assert text == f"{server.base_url}/wallet/#/device?user_code={user_code}", text
    kiosk_page.screenshot(path=str(artifacts / "terminal-waiting.png"))
    video = tmp_path / "terminal.y4m"
    write_y4m(image, video)

    cam = launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])
    try:
        phone = cam.new_context(base_url=server.base_url, locale="zh-CN", viewport=NARROW, permissions=["camera"])
        page = phone.new_page()
        sign_in(page, server.citizen(HOLDER), server.base_url)
        page.click("#nav-scan")  # 扫一扫 on the home screen
        page.wait_for_selector("main[data-screen=scan]")
        # The camera starts (permission given), the shared decoder reads the terminal's code, the approval opens.
        page.wait_for_selector("main[data-screen=device] #consent", timeout=20_000)
        assert page.locator("#device-code").inner_text() == user_code
        names = page.eval_on_selector_all("#consent-claims dt", "els => els.map(e => e.dataset.claim)")
        assert set(names) == {"yk_card_valid", "yk_card_valid_until", "yk_masked_name"}
        every_language(page, artifacts, "wallet-device-approval", "#consent")
        # Whose site, how old the request is and when not to approve, in plain words (RFC 8628 5.4: a
        # photographed QR code sent to someone else would sign the sender in).
        assert page.locator("#device-site").inner_text() in ("测试自助终端", "Test Kiosk")  # as last drawn
        assert 0 <= int(page.locator("#device-age").get_attribute("data-seconds")) <= 600
        # In whichever language every_language drew last.
        assert any(w in page.locator("#device-only-if").inner_text() for w in ("终端", "終端", "terminal"))
        page.click("#consent-approve")
        page.wait_for_selector("#device-done[data-approved='1']")
        sub = _signed_in(kiosk_page)
        assert sub
        kiosk_page.screenshot(path=str(artifacts / "terminal-signed-in.png"))

        # A typed code, on a second terminal session: same site, same holder, same subject.
        # (On #/device, whose form needs no camera: this phone's fake camera still shows the first code.)
        _, user_code2, _ = _terminal_qr(kiosk_page, rp)
        assert user_code2 != user_code
        page.goto(f"{server.base_url}/wallet/#/device")
        page.wait_for_selector("#user-code-form")
        page.fill("#user-code", "abcd-efgh")  # vowels are never in a user code: said here, not sent
        page.click("#user-code-submit")
        page.wait_for_selector("#user-code-error:not([hidden])")
        assert "device?user_code" not in page.url
        page.fill("#user-code", user_code2.lower().replace("-", " "))  # as someone might type it
        page.click("#user-code-submit")
        page.wait_for_selector("main[data-screen=device] #consent")
        page.click("#consent-approve")
        page.wait_for_selector("#device-done[data-approved='1']")
        assert _signed_in(kiosk_page) == sub

        # Denying: the terminal's poll ends with access_denied and it is not signed in.
        _, user_code3, _ = _terminal_qr(kiosk_page, rp)
        page.goto(f"{server.base_url}/wallet/#/device?user_code={user_code3}")
        page.wait_for_selector("#consent")
        page.click("#consent-deny")
        page.wait_for_selector("#device-done[data-approved='0']")
        kiosk_page.wait_for_selector("#state[data-state=failed]", timeout=30_000)
        assert kiosk_page.locator("#error").get_attribute("data-error") == "access_denied"

        # A code nobody was given is refused in words, not with a consent screen.
        page.goto(f"{server.base_url}/wallet/#/device?user_code=BCDF-GHJK")
        page.wait_for_selector("#consent-gone")
        assert page.locator("#consent").count() == 0

        # The terminal is among the sites the holder signed in to.
        page.goto(f"{server.base_url}/wallet/#/signins")
        page.wait_for_selector(f"#grants li[data-client='{client['client_id']}']")
        phone.close()
    finally:
        cam.close()
        kiosk.close()


def test_the_scanner_never_opens_another_sites_link(playwright_instance, chromium_path, server, tmp_path):
    """A look-alike of the approval link on another origin (localhost is not 127.0.0.1) is refused, not followed."""
    import qrcode

    port = server.base_url.rsplit(":", 1)[1]
    forged = f"http://localhost:{port}/wallet/#/device?user_code=BCDF-GHJK"
    video = tmp_path / "forged.y4m"
    write_y4m(qrcode.make(forged, border=4).get_image(), video)
    cam = launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])
    try:
        phone = cam.new_context(base_url=server.base_url, locale="zh-CN", viewport=NARROW, permissions=["camera"])
        page = phone.new_page()
        sign_in(page, server.citizen(HOLDER), server.base_url)
        page.goto(f"{server.base_url}/wallet/#/scan")
        page.wait_for_selector("#scan-status[data-kind=refused]", timeout=20_000)
        assert page.url.endswith("/wallet/#/scan")
        phone.close()
    finally:
        cam.close()
