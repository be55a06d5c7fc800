"""An agency's event subscription on the holder's access record (issue 19, part 3), in Chromium: the
holder consents to an agency following the card's status, a card change is pushed to the agency's
real webhook receiver (checked with the Standard Webhooks library) and then read from the feed; the
wallet words both entries (what happened, what the agency learnt, under which consent) in three
languages at 320 px, axe-clean, with no raw code left on screen. Citizen 41."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, sign_in
from tests.e2e.rp.flows import NARROW, set_lang
from tests.subscriptions.helpers import Receiver

pytestmark = pytest.mark.browser

HOLDER = 41  # conftest: issue 19's citizens
PURPOSE = "养老金资格核查 Pension eligibility follow-up"
# What each language must say for the two entries (the action, and what the agency learnt).
WORDS = {
    "zh-Hans": ("收到了关于您的变动通知", "取走了关于您的变动通知", "社保卡状态"),
    "zh-Hant": ("收到了關於您的變動通知", "取走了關於您的變動通知", "社保卡狀態"),
    "en": ("Was sent a notice about you", "Fetched a notice about you", "Card status"),
}
RAW = ("agency.webhook", "agency.feed", "card.status", "status_changed")


def _agency(server) -> tuple[str, str]:
    """(agency id, a new machine client's token for it), made by a provincial operator."""
    status, agencies = server.api("GET", "/api/v1/agencies")
    assert status == 200, agencies
    agency = next(a for a in agencies if a["code"] == "GD-HRSS")
    body = {"kind": "agency", "org_id": agency["id"], "name": "E2E hrss events"}
    status, made = server.api("POST", "/api/v1/clients", body, token=server.staff_token("admin"))
    assert status == 201, made
    return agency["id"], made["token"]


def _wait(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail("the embedded worker did not deliver in time")
        time.sleep(0.2)


def test_a_delivered_webhook_and_a_feed_read_are_worded_on_the_access_record(browser, server, artifacts):
    holder = server.citizen(HOLDER)
    status, login = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": holder.doc_type, "id_number": holder.id_number, "password": holder.password}
    )
    assert status == 200, login
    token = login["token"]
    agency_id, agency = _agency(server)
    consent = {
        "agency_id": agency_id,
        "purpose": "Pension eligibility follow-up",
        "card_status": True,
        "account_changes": False,
        "certificates": [],
        "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
    }
    status, given = server.api("POST", "/api/v1/me/consents", consent, token=token)
    assert status == 201, given

    receiver = Receiver().start()
    try:
        status, made = server.api(
            "POST",
            "/api/v1/agency/subscriptions",
            {"event_types": ["card.status_changed"], "description": PURPOSE, "url": receiver.url},
            token=agency,
        )
        assert status == 201, made
        receiver.secret = made["secret"]
        sub_id = made["subscription"]["id"]
        status, body = server.api("POST", "/api/v1/me/card/actions/report-temp-loss", {}, token=token)
        assert status == 200, body

        def delivered():
            status, page = server.api("GET", f"/api/v1/agency/subscriptions/{sub_id}/deliveries?after=0&limit=10", token=agency)
            assert status == 200, page
            return [d for d in page["items"] if d["state"] == "delivered"]

        _wait(delivered)
        assert [r.body["data"]["status"] for r in receiver.accepted] == ["temp_lost"]
    finally:
        receiver.stop()
    status, feed = server.api("GET", f"/api/v1/agency/events?subscription={sub_id}&after=0", token=agency)
    assert status == 200 and len(feed["items"]) == 1, feed

    ctx = browser.new_context(locale="zh-CN", viewport=NARROW)
    try:
        page = ctx.new_page()
        sign_in(page, holder, server.base_url)
        page.goto(f"{server.base_url}/wallet/#/access")
        page.wait_for_selector("#verifications[data-loaded]")
        pushed = page.locator("#verifications li[data-kind=agency][data-action='agency.webhook']")
        pulled = page.locator("#verifications li[data-kind=agency][data-action='agency.feed']")
        assert pushed.count() == 1 and pulled.count() == 1, page.locator("#verifications").inner_text()
        for lang, (sent, fetched, what) in WORDS.items():
            set_lang(page, lang)
            for item, action in ((pushed, sent), (pulled, fetched)):
                expect(item).to_contain_text(action)  # waits for the screen drawn again in this language
                text = item.inner_text()
                assert action in text and what in text, (lang, text)
                assert "Pension eligibility follow-up" in text or "养老金资格核查" in text, (lang, text)
                assert not [raw for raw in RAW if raw in text], (lang, text)
            page.screenshot(path=str(artifacts / f"wallet-access-agency-events-{lang}-320.png"), full_page=True)
            assert axe_violations(page) == [], lang
            assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], lang
    finally:
        ctx.close()
