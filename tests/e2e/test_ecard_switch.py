"""Wallet: the holder switches the e-card off (codes stop, the phone is unbound) and on again."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import sign_in, token_of

pytestmark = pytest.mark.browser


def test_switch_the_ecard_off_and_on(context, server, artifacts):
    page = context.new_page()
    citizen = server.citizen(4)  # used by no other browser test: its e-card goes off here
    sign_in(page, citizen, server.base_url)
    page.click("#nav-security")
    page.wait_for_selector("#ecard-off")
    assert "已启用" in page.locator("#ecard-state").inner_text()
    page.click("#ecard-off")
    page.locator("dialog button[value='ok']").click()
    page.wait_for_selector("#ecard-on")
    assert "已停用" in page.locator("#ecard-state").inner_text()
    page.screenshot(path=str(artifacts / "wallet-ecard-off-zh-Hans.png"), full_page=True)
    token = token_of(page)
    status, body = server.api("POST", "/api/v1/me/codes/online", token=token)
    assert status == 409 and body["error"]["code"] == "card.not_usable"
    status, devices = server.api("GET", "/api/v1/me/devices", token=token)
    assert status == 200 and devices == []

    page.click("#ecard-on")
    page.wait_for_selector("#ecard-off")
    status, card = server.api("GET", "/api/v1/me/card", token=token)
    assert card["ecard"]["usable"] and card["ecard"]["proofing"] == "counter"
