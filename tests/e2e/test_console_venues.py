"""Console section "venues and scanners" in Chromium (issue 15 §3): a provincial operator registers
a venue with a scenario from the catalog, adds a scanner and provisions it by showing a QR code; the
QR code, read off a screenshot (not from the app), is the scanner's provisioning link, and the scanner
app, its camera filming that screenshot, signs in with it and verifies a holder's code; the code is shown once and gone when the operator leaves; revoking the
scanner from the table (by keyboard) makes its token fail with 401. The venue's coordinates (issue 20)
are typed on registration and changed or cleared on its screen, stored as the API says and shown; one
without the other is the API's 422 `venue.bad_coordinates`, shown in the form. Screenshots in three
languages, elder mode, desktop and phone; axe on each screen."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import launch
from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy
from tests.e2e.console_helpers import staff_token
from tests.e2e.helpers import axe_violations, screen_qr, write_y4m

pytestmark = pytest.mark.browser

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
HOLDER = 22  # this section's citizen (tests/e2e/conftest.py)


def _online_code(server) -> str:
    holder = server.citizen(HOLDER)
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": holder.doc_type, "id_number": holder.id_number, "password": holder.password}
    )
    assert status == 200, body
    status, code = server.api("POST", "/api/v1/me/codes/online", token=body["token"])
    assert status == 200, code
    return code["code"]


def _stored(server, token: str, venue_id: str) -> dict:
    """The venue as GET /api/v1/venues lists it."""
    offset = 0
    while True:
        status, answer = server.api("GET", f"/api/v1/venues?limit=100&offset={offset}", token=token)
        assert status == 200, answer
        for venue in answer["items"]:
            if venue["id"] == venue_id:
                return venue
        assert answer["next_offset"] is not None, venue_id
        offset = answer["next_offset"]


def _is_post_venue(response) -> bool:
    return response.url.endswith("/api/v1/venues") and response.request.method == "POST"


def _is_put_coordinates(response) -> bool:
    return response.url.endswith("/coordinates") and response.request.method == "PUT"


def test_register_venue_provision_scanner_by_qr_then_revoke(
    browser, playwright_instance, chromium_path, server, tmp_path, artifacts
):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin", hash_="#/venues")
        wait_screen(page, "venues")
        assert page.evaluate("document.activeElement.tagName") == "H1"
        # The e2e server's venues are in the table, each with a link to its scanners.
        assert page.locator("#venue-table tbody tr", has_text="E2E 图书馆").count() == 1
        shots(page, artifacts, "venues")

        # Register a library: the scenarios offered are the catalog's for the chosen type.
        name = f"H6 图书馆 {uuid.uuid4().hex[:6]}"
        page.fill("#venue-form input[name=name]", name)
        page.select_option("#venue-city", "440100")
        page.select_option("#venue-type", "library")
        scenario = page.locator("#venue-scenarios input[value=library_entry]")
        assert scenario.count() == 1
        assert page.locator("#venue-scenarios input[value=hotel_checkin]").count() == 0  # not for a library
        scenario.check()

        # Its coordinates: a latitude without a longitude goes to the API, whose 422
        # venue.bad_coordinates the form shows; a latitude past 90 is refused on the form itself.
        page.fill("#venue-latitude", "23.1378")
        with page.expect_response(_is_post_venue) as answer:
            page.click("#venue-form button[type=submit]")
        assert answer.value.status == 422 and answer.value.json()["error"]["code"] == "venue.bad_coordinates"
        page.wait_for_selector("#venue-form .error:not([hidden])")
        assert "请同时填写场所的纬度和经度" in page.inner_text("#venue-form .error")
        assert page.evaluate("location.hash") == "#/venues"
        page.fill("#venue-latitude", "91")
        page.fill("#venue-longitude", "113.3207")
        page.click("#venue-form button[type=submit]")
        assert "-90 至 90" in page.inner_text("#venue-form .error")
        assert page.evaluate("document.activeElement.id") == "venue-latitude"
        page.fill("#venue-latitude", "23.1378")
        with page.expect_response(_is_post_venue) as answer:
            page.click("#venue-form button[type=submit]")
        assert answer.value.status == 201, answer.value.text()
        wait_screen(page, "venues/venue")
        assert name in page.inner_text("main h1")
        assert page.locator("#scanner-list [data-empty]").count() == 1
        venue_id = re.search(r"id=([0-9a-f-]{36})", page.evaluate("location.hash")).group(1)
        operator = staff_token(server, "admin")
        stored = _stored(server, operator, venue_id)
        assert (stored["latitude"], stored["longitude"]) == (23.1378, 113.3207)
        assert page.inner_text("#venue-where") == "纬度 23.1378，经度 113.3207"

        # The venue's screen moves it (PUT .../coordinates), again with the API's 422 for a half, and
        # forgets where it is when both are emptied.
        assert page.input_value("#place-latitude") == "23.1378"
        page.fill("#place-longitude", "")
        with page.expect_response(_is_put_coordinates) as answer:
            page.click("#coordinates-form button[type=submit]")
        assert answer.value.status == 422
        page.wait_for_selector("#coordinates-form .error:not([hidden])")
        assert "请同时填写场所的纬度和经度" in page.inner_text("#coordinates-form .error")
        page.fill("#place-latitude", "21.27")
        page.fill("#place-longitude", "110.36")
        with page.expect_response(_is_put_coordinates) as answer:
            page.click("#coordinates-form button[type=submit]")
        assert answer.value.status == 200, answer.value.text()
        page.wait_for_selector("#coordinates-form .success:not([hidden])")
        assert page.inner_text("#venue-where") == "纬度 21.27，经度 110.36"
        stored = _stored(server, operator, venue_id)
        assert (stored["latitude"], stored["longitude"]) == (21.27, 110.36)
        page.fill("#place-latitude", "")
        page.fill("#place-longitude", "")
        with page.expect_response(_is_put_coordinates) as answer:
            page.click("#coordinates-form button[type=submit]")
        assert answer.value.status == 200, answer.value.text()
        page.wait_for_selector("#venue-where[data-placed='0']")
        assert page.inner_text("#venue-where") == "未设置"
        stored = _stored(server, operator, venue_id)
        assert (stored["latitude"], stored["longitude"]) == (None, None)

        # A scanner: its set-up code is drawn at once, with the warning that it is shown only now.
        page.fill("#scanner-name", "北门闸机")
        page.click("#scanner-form button[type=submit]")
        page.wait_for_selector("#provision-qr svg")
        assert page.locator("#provision .notice").is_visible()
        assert "只显示这一次" in page.inner_text("#provision .notice")
        assert page.evaluate("document.activeElement.id") == "provision-title"
        page.screenshot(path=artifacts / "console-venues-provision-zh-Hans.png", full_page=True)
        assert axe_violations(page) == []
        link, image = screen_qr(page, "#provision-qr svg")
        assert link.startswith(f"{server.base_url}/scanner/#token=ykc_"), link
        token = link.split("#token=", 1)[1]
        # The token is not written out anywhere on the page: only the QR code carries it.
        assert token not in page.content()

        # The scanner app's camera films the console's QR code (the very pixels on the operator's
        # screen): it reads the link, signs in as this venue's scanner, and verifies a holder's code.
        video = tmp_path / "console-provisioning.y4m"
        write_y4m(image, video)
        cam = launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])
        try:
            terminal = cam.new_context(
                base_url=server.base_url, locale="zh-CN", viewport={"width": 390, "height": 844}, permissions=["camera"]
            )
            scanner = terminal.new_page()
            scanner.goto(f"{server.base_url}/scanner/")
            scanner.click("#scan-provisioning")
            scanner.wait_for_selector("#scenario", timeout=20_000)
            assert scanner.evaluate("() => window.ykScanner.state.token") == token
            assert scanner.evaluate("() => window.ykScanner.state.context.venue_name") == name
            scanner.wait_for_selector("#net-state[data-online='1']")
            scanner.evaluate("(code) => window.ykScanner.handleText(code + '\\n')", _online_code(server))
            scanner.wait_for_selector("#result[data-result]")
            assert scanner.locator("#result").get_attribute("data-result") == "valid"
            terminal.close()
        finally:
            cam.close()

        # "Done" hides the code; the table lists the scanner as active and used.
        page.click("#provision-done")
        assert page.locator("#provision-qr").count() == 0
        assert page.locator("#provision").is_hidden()

        # A second scanner's code disappears when the operator leaves the screen.
        page.fill("#scanner-name", "南门闸机")
        page.click("#scanner-form button[type=submit]")
        page.wait_for_selector("#provision-qr svg")
        second, _ = screen_qr(page, "#provision-qr svg")
        venue_hash = page.evaluate("location.hash")
        page.click("main a[href='#/venues']")
        wait_screen(page, "venues")
        page.evaluate("h => { location.hash = h; }", re.sub(r"&new=1", "", venue_hash))
        wait_screen(page, "venues/venue")
        page.wait_for_selector("#scanner-table")
        assert page.locator("#provision-qr").count() == 0
        assert second.split("#token=", 1)[1] not in page.content()

        # Revoke the first scanner by keyboard: Tab to its button in the table, Enter, confirm.
        row = page.locator("#scanner-table tbody tr", has_text="北门闸机")
        assert row.locator(".badge").get_attribute("data-status") == "active"
        button_id = row.locator("button").get_attribute("data-revoke")
        page.focus("#scanner-table")
        tab_to(page, f"button[data-revoke='{button_id}']")
        page.keyboard.press("Enter")
        page.wait_for_selector("dialog.dialog[open]")
        assert "北门闸机" in page.inner_text("dialog.dialog h2")
        page.screenshot(path=artifacts / "console-venues-revoke-confirm-zh-Hans.png")
        page.click("dialog.dialog button[value=ok]")
        page.wait_for_selector("#scanner-table tbody tr:has-text('北门闸机') .badge[data-status='revoked']")
        assert (
            page.locator("#scanner-table tbody tr", has_text="南门闸机").locator(".badge").get_attribute("data-status")
            == "active"
        )

        # The revoked token is refused; the other scanner still works.
        status, body = server.api("GET", "/api/v1/verify/context", token=token)
        assert status == 401, body
        status, body = server.api(
            "POST", "/api/v1/verify", {"code": _online_code(server), "scenario": "library_entry"}, token=token
        )
        assert status == 401, body
        status, _ = server.api("GET", "/api/v1/verify/context", token=second.split("#token=", 1)[1])
        assert status == 200
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_venue_screens_on_a_phone_and_for_other_roles(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    try:
        sign_in(page, server, "admin2", hash_="#/venues")
        wait_screen(page, "venues")
        page.screenshot(path=artifacts / "console-venues-phone-zh-Hans.png", full_page=True)
        # The table scrolls inside its own focusable region; the page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert axe_violations(page) == []
        # A registration without a scenario is refused on the form, with a message.
        page.fill("#venue-form input[name=name]", "无场景的场所")
        page.select_option("#venue-type", "hotel")
        for box in page.locator("#venue-scenarios input[type=checkbox]").all():
            box.uncheck()
        page.click("#venue-form button[type=submit]")
        page.wait_for_selector("#venue-form .error:not([hidden])")
        assert "核验场景" in page.inner_text("#venue-form .error")
    finally:
        ctx.close()

    # A supervisor does not manage venues: no menu entry, and the screen is not there.
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "gz-supervisor2")
        assert page.locator("#menu a[data-section=venues]").count() == 0
    finally:
        ctx.close()
