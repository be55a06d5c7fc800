"""Scanner in Chromium: the fake camera shows a wallet code and the scanner says valid; offline
it verifies with its cached lists (the wallet's offline code is of format 2, made for the library),
queues the result and uploads it when back online."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import launch
from tests.e2e.helpers import screen_qr, sign_in, token_of, wait_code, wait_until, write_y4m

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

pytestmark = pytest.mark.browser

# Offline credentials of format 2 (issue 18) and the catalog's offline scenarios are on the phone.
READY_OFFLINE = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
    const get = (k) => new Promise(r => { const q = db.transaction('kv').objectStore('kv').get(k); q.onsuccess = () => r(q.result); });
    return ((await get('credentials2')) || []).length > 0 && Boolean(await get('scenarios'));
}"""


def _wallet_codes(browser, server, citizen_index: int):
    """An online and an offline code (made for the library) from a signed-in wallet, as screenshots and texts."""
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 860})
    page = ctx.new_page()
    sign_in(page, server.citizen(citizen_index), server.base_url)
    page.wait_for_function("() => window.ykWallet && true")
    page.click("#show-code")
    wait_code(page, mode="online")
    online_text, online_img = screen_qr(page)
    wait_until(page, READY_OFFLINE)
    ctx.set_offline(True)
    serial = wait_code(page, mode="offline")
    if page.locator(".codeview").get_attribute("data-scenario") != "library_entry":
        page.select_option("#code-scenario", "library_entry")
        wait_code(page, serial_above=serial, mode="offline")
    offline_text, _ = screen_qr(page)
    ctx.set_offline(False)
    token = token_of(page)
    ctx.close()
    return online_text, online_img, offline_text, token


def test_scanner_camera_then_offline_with_upload(browser, playwright_instance, chromium_path, server, tmp_path, artifacts):
    online_text, online_img, offline_text, holder_token = _wallet_codes(browser, server, 4)
    assert online_text.startswith("YKO1:") and offline_text.startswith("YKD2:")
    video = tmp_path / "code.y4m"
    write_y4m(online_img, video)

    cam = launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])
    try:
        ctx = cam.new_context(
            base_url=server.base_url, locale="zh-CN", viewport={"width": 480, "height": 900}, permissions=["camera"]
        )
        page = ctx.new_page()
        # A provisioning link carries the credential in the fragment.
        page.goto(f"{server.base_url}/scanner/#token={server.scanners['library_entry']}")
        page.wait_for_selector("#scenario")
        assert page.url.endswith("/scanner/")  # the token is gone from the address bar
        page.wait_for_selector("#net-state[data-online='1']")
        page.click("#camera-toggle")
        page.wait_for_selector("#result[data-result]", timeout=20_000)
        assert page.locator("#result").get_attribute("data-result") == "valid"
        assert page.locator("#result").get_attribute("data-offline") == "0"
        assert page.locator("[data-attr=masked_name]").inner_text()
        page.screenshot(path=str(artifacts / "scanner-result-green-camera.png"), full_page=True)
        page.click("#camera-toggle")  # stop: the video loops and would show "replayed" next

        # Offline: verified with the cached trust and revocation lists, queued for upload.
        ctx.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")
        assert page.locator("#trust-age").inner_text()
        page.fill("#manual-code", offline_text)
        page.press("#manual-code", "Enter")
        page.wait_for_selector("#result[data-offline='1']")
        assert page.locator("#result").get_attribute("data-result") == "valid"
        # A library learns that the card is valid and until when, nothing more (issue 18).
        assert page.locator("#result").get_attribute("data-profile") == "validity"
        assert page.eval_on_selector_all("#result dd[data-attr]", "els => els.map(e => e.dataset.attr)") == ["valid_until"]
        page.wait_for_selector("#queued[data-count='1']")
        page.screenshot(path=str(artifacts / "scanner-result-green-offline.png"), full_page=True)

        # An online code cannot be checked offline, and the scanner says so. (A new one: the code
        # scanned above is remembered and would show as a repeat, issue 15.)
        status, fresh = server.api("POST", "/api/v1/me/codes/online", token=holder_token)
        assert status == 200, fresh
        page.fill("#manual-code", fresh["code"])
        page.press("#manual-code", "Enter")
        page.wait_for_selector("#result[data-result=needs_network]")

        # Back online: the queued result goes up and shows in the holder's access record.
        ctx.set_offline(False)
        page.wait_for_selector("#queued[data-count='0']", timeout=15_000)
        status, record = server.api("GET", "/api/v1/me/verifications", token=holder_token)
        assert status == 200, record
        offline_rows = [r for r in record["items"] if r["offline"]]
        assert offline_rows and offline_rows[0]["result"] == "valid"
        ctx.close()
    finally:
        cam.close()


def test_offline_scanner_knows_a_card_lost_after_its_first_sync(context, browser, server):
    """Delta sync (?since=) brings the loss report; offline the card's code is then refused."""
    scanner = context.new_page()
    scanner.goto(f"{server.base_url}/scanner/#token={server.scanners['library_entry']}")
    scanner.wait_for_selector("#net-state[data-online='1']")
    version = scanner.evaluate(REVOCATION_VERSION)

    _, _, offline_text, holder_token = _wallet_codes(browser, server, 9)
    status, body = server.api("POST", "/api/v1/me/card/actions/report-temp-loss", {}, token=holder_token)
    assert status == 200, body

    scanner.click("#sync-now")
    wait_until(scanner, f"async () => (await ({REVOCATION_VERSION})()) > {version}")
    context.set_offline(True)
    scanner.wait_for_selector("#net-state[data-online='0']")
    scanner.fill("#manual-code", offline_text)
    scanner.press("#manual-code", "Enter")
    scanner.wait_for_selector("#result[data-offline='1']")
    assert scanner.locator("#result").get_attribute("data-result") == "card_suspended"
    context.set_offline(False)
    scanner.wait_for_selector("#queued[data-count='0']", timeout=15_000)


REVOCATION_VERSION = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    const list = await new Promise(r => { const q = db.transaction('kv').objectStore('kv').get('revocation'); q.onsuccess = () => r(q.result); });
    return list ? list.version : -1;
}"""


RESULT_TEXTS = """async () => {
    const i18n = await import('/shared/i18n.js');
    const { resultPanel, toneOf } = await import('/scanner/result.js');
    const out = {};
    for (const lang of i18n.LANGS) {
        await i18n.setLang(lang, { remember: false });
        for (const result of ['assurance_too_low', 'online_only']) {
            const panel = resultPanel({ result, offline: result === 'online_only', attributes: {} });
            out[`${lang} ${result}`] = [panel.querySelector('.verdict').textContent, toneOf(result), panel.querySelectorAll('dl').length];
        }
    }
    return out;
}"""


def test_scanner_words_the_proofing_results_in_three_languages(context, server):
    """Issue 14: a card proven less surely than the scenario asks is refused in words staff can
    read; an online-only scenario offline asks for the network (never a green light)."""
    page = context.new_page()
    page.goto(f"{server.base_url}/scanner/")
    page.wait_for_function("() => document.documentElement.lang")
    texts = page.evaluate(RESULT_TEXTS)
    assert texts["zh-Hans assurance_too_low"] == ["实名核验等级不足", "bad", 0]
    assert texts["zh-Hant assurance_too_low"] == ["實名核驗等級不足", "bad", 0]
    assert texts["en assurance_too_low"] == ["Identity proofing level too low for this scenario", "bad", 0]
    assert texts["zh-Hans online_only"][0] == "需联网核验" and texts["en online_only"][1] == "warn"
