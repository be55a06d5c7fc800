"""Console section "Correction orders" in Chromium (issue 20, Art. 18): a Guangzhou counter operator orders a
venue to stop verifying outside the catalog; the deadline passes (moved into the past in the server's own
database) and the periodic pass marks the order overdue; a Guangzhou supervisor finds it among the overdue
orders, highlighted, and escalates it. Screenshots in three languages and elder mode, axe on each screen."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import secrets

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, wait_screen, watch_policy
from tests.e2e.console_helpers import staff_token

pytestmark = pytest.mark.browser


async def _deadline_passes(settings, order_id: str) -> int:
    """Move the order's deadline an hour into the past, then run the periodic pass (the scan job's body)."""
    from backend.enforcement import correcting
    from backend.enforcement.tables import CorrectionOrder
    from backend.lib import db

    now = dt.datetime.now(dt.UTC)
    async with db.lifespan(settings):
        await (
            CorrectionOrder.update({CorrectionOrder.deadline: now - dt.timedelta(hours=1)})
            .where(CorrectionOrder.id == order_id)
            .run()
        )
        first = await correcting.mark_overdue(now)
        again = await correcting.mark_overdue(now)
    assert again == 0
    return first


def _in_thread(coro):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_issue_overdue_escalate(browser, server, artifacts):
    operator = staff_token(server, "admin")
    name = f"超目录核验测试馆 {secrets.token_hex(3)}"
    status, venue = server.api(
        "POST",
        "/api/v1/venues",
        {"name": name, "venue_type": "library", "city_code": "440100", "scenarios": ["library_entry"]},
        token=operator,
    )
    assert status == 201, venue

    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        # The counter operator issues the order.
        sign_in(page, server, "gz-counter", hash_="#/orders/new")
        wait_screen(page, "orders/new")
        shots(page, artifacts, "orders-new")  # each language redraws the form: fill it after
        page.select_option("#order-target-kind", "venue")
        page.wait_for_selector(f"#order-target option[value='{venue['id']}']", state="attached")
        page.select_option("#order-target", venue["id"])
        page.select_option("#order-ground", "outside_catalog")
        page.fill("#order-detail", "闸机为酒店入住场景核验电子社保卡，超出目录范围。")
        page.click("#order-issue")
        wait_screen(page, "orders/order")
        page.wait_for_selector("#order-state [data-state='issued']")
        assert name in page.locator("main dl").inner_text()
        assert page.locator("#order-evidence").count() == 1  # a venue: its outside-catalog count is shown
        assert page.locator("#order-escalate").count() == 0  # a counter operator records; escalation is a supervisor's
        order_id = page.evaluate("() => new URLSearchParams(location.hash.split('?')[1]).get('id')")
        shots(page, artifacts, "orders-issued")

        # The deadline passes; the periodic pass marks it overdue.
        assert _in_thread(_deadline_passes(server.settings, order_id)) >= 1
        page.click("#signout")
        page.wait_for_selector("#signin-form")

        # The supervisor finds it among the overdue orders and escalates it.
        sign_in(page, server, "gz-supervisor", hash_="#/orders?overdue=true")
        wait_screen(page, "orders")
        row = f"#order-table tr[data-key='{order_id}']"
        page.wait_for_selector(row)
        assert "tk-row-overdue" in (page.get_attribute(row, "class") or "")
        assert page.locator(f"{row} [data-state='overdue']").count() == 1
        shots(page, artifacts, "orders-overdue")

        page.click(f"{row} a")
        wait_screen(page, "orders/order")
        page.wait_for_selector("#order-escalate")
        assert page.locator("#order-steps [data-action='overdue']").count() == 1
        page.fill("#order-note", "逾期未整改，移交市场监管部门处理。")
        page.click("#order-escalate")
        page.wait_for_selector("#order-state [data-state='escalated']")
        history = page.locator("#order-steps").inner_text()
        assert "上报处理" in history and "逾期未整改" in history
        shots(page, artifacts, "orders-escalated")
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()
