"""Console section "application catalog" in Chromium (issue 15 §3): four eyes. One provincial
operator drafts an item with a scenario and submits it; publishing it themself is refused with a
message on the screen; a second operator finds it in the review queue by keyboard and publishes it.
Then a new version is scheduled for a later date (the first stays in effect), the item is withdrawn
after a confirmation, and the usage report and history show. The database (through the API) is the
judge of what happened. Screenshots in three languages and elder mode; axe on each screen."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy
from tests.e2e.helpers import axe_violations

pytestmark = pytest.mark.browser


def _versions(page, server, code: str) -> dict[int, dict]:
    """The item's versions as the database holds them, read with the page's own staff session."""
    token = page.evaluate("JSON.parse(sessionStorage.getItem('yk.console.session')).token")
    status, body = server.api("GET", f"/api/v1/catalog/items/{code}/versions", token=token)
    assert status == 200, body
    return {v["number"]: v for v in body["versions"]}


def _public(server, code: str) -> dict:
    status, body = server.api("GET", f"/api/v1/catalog/items/{code}")
    assert status == 200, body
    return body


def test_draft_submit_four_eyes_publish_schedule_withdraw(browser, server, artifacts):
    suffix = uuid.uuid4().hex[:6]
    code = f"h6.reading-room-{suffix}"
    scenario = f"reading_room_{suffix}"
    drafter = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    reviewer = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    try:
        page = drafter.new_page()
        complaints = watch_policy(page)
        sign_in(page, server, "admin", hash_="#/catalog/new")
        wait_screen(page, "catalog/new")
        assert page.evaluate("document.activeElement.tagName") == "H1"
        shots(page, artifacts, "catalog-new")

        # The drafter writes the item and one scenario, in the three languages.
        page.fill("#item-code", code)
        page.select_option("#item-scope", "440000")
        page.select_option("#item-domain", "culture_tourism_sports")
        for lang, text in (("zh-Hans", "阅览室入场"), ("zh-Hant", "閱覽室入場"), ("en", "Reading room entry")):
            page.fill(f"#item-form input[name='item-name-{lang}']", text)
        page.check("#item-form input[name='item-vt'][value='library']")
        page.click("#add-scenario")
        box = page.locator("#item-form .adm-scenario").first
        box.locator("input[name='scenario-name']").fill(scenario)
        for lang, text in (("zh-Hans", "阅览室入场核验"), ("zh-Hant", "閱覽室入場核驗"), ("en", "Reading room check")):
            box.locator(f"input[name='scenario-title-{lang}']").fill(text)
        box.locator("input[name='scenario-types']").fill("library")
        box.locator("input[type=checkbox][value='card_valid']").check()
        box.locator("input[type=checkbox][value='masked_name']").check()
        box.locator("input[name='scenario-basis']").fill("《社会保障卡管理办法》第七条")
        page.fill("#item-note", "H6 browser test")
        page.click("#save-draft")
        wait_screen(page, "catalog/item")
        page.wait_for_selector("#draft-actions")
        versions = _versions(page, server, code)
        assert versions[1]["status"] == "draft"
        assert [s["name"] for s in versions[1]["scenarios"]] == [scenario]
        assert set(versions[1]["scenarios"][0]["attributes"]) == {"card_valid", "masked_name"}

        page.click("#submit-review")
        page.wait_for_selector("#publish-form")
        assert _versions(page, server, code)[1]["status"] == "review"
        # Whoever submitted is told before trying, and refused when trying, with the reason.
        assert page.locator("#four-eyes-note").is_visible()
        page.click("#publish")
        page.wait_for_selector("#catalog-error:not([hidden])")
        message = page.inner_text("#catalog-error")
        assert "另一名工作人员" in message and "不能发布" in message, message
        page.screenshot(path=artifacts / "console-catalog-refused-zh-Hans.png", full_page=True)
        assert axe_violations(page) == []
        assert _versions(page, server, code)[1]["status"] == "review"
        shots(page, artifacts, "catalog-review")

        # The second operator finds it in the queue and opens it by keyboard.
        other = reviewer.new_page()
        other_complaints = watch_policy(other)
        sign_in(other, server, "admin2", hash_="#/catalog")
        wait_screen(other, "catalog")
        row = other.locator("#queue-table tbody tr", has_text=code)
        assert row.count() == 1
        assert "审核" in row.locator(".badge").inner_text()
        shots(other, artifacts, "catalog-queue")
        other.focus("#queue-table")
        tab_to(other, f"#queue-table a[href='#/catalog/item?code={code}']")
        other.keyboard.press("Enter")
        wait_screen(other, "catalog/item")
        assert other.locator("#four-eyes-note").count() == 0
        other.click("#publish")
        other.wait_for_selector("#catalog-ok:not([hidden]):has-text('即时生效')")
        assert _versions(page, server, code)[1]["status"] == "published"
        assert _public(server, code)["in_effect"] == 1

        # A new version scheduled for a later date: drafted by the reviewer, published by the first.
        other.click("#new-version")
        wait_screen(other, "catalog/edit")
        assert other.input_value("#item-form input[name='item-name-en']") == "Reading room entry"
        other.fill("#item-form input[name='item-name-en']", "Reading room entry (all branches)")
        other.fill("#item-note", "All branches")
        other.click("#save-draft")
        wait_screen(other, "catalog/item")
        other.click("#submit-review")
        other.wait_for_selector("#publish-form")
        page.goto(f"{server.base_url}/console/#/catalog/item?code={code}")
        wait_screen(page, "catalog/item")
        # The screen drawn anew for version 2 (the old one, of version 1, had the same form).
        page.wait_for_selector("#publish-form h2:has-text('审核第 2 版')")
        later = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
        page.fill("#effective-from", later)
        page.click("#publish")
        page.wait_for_selector("#catalog-ok:not([hidden]):has-text('按期生效')")
        versions = _versions(page, server, code)
        assert versions[2]["status"] == "published" and versions[2]["published_by"] != versions[2]["submitted_by"]
        assert versions[1]["effective_to"] == versions[2]["effective_from"]
        assert _public(server, code)["in_effect"] == 1  # the new version waits for its date

        # Withdraw: a reason, then a confirmation; the item stops now and version 2 never starts.
        page.fill("#withdraw-reason", "H6 test over")
        page.click("#withdraw")
        page.wait_for_selector("dialog.dialog[open]")
        page.screenshot(path=artifacts / "console-catalog-withdraw-confirm-zh-Hans.png")
        page.click("dialog.dialog button[value=ok]")
        page.wait_for_selector("#catalog-ok:not([hidden]):has-text('项目已撤回')")
        versions = _versions(page, server, code)
        assert {versions[1]["status"], versions[2]["status"]} == {"withdrawn"}
        assert _public(server, code)["in_effect"] is None

        # The history lists the decisions; the usage report draws (totals only).
        page.goto(f"{server.base_url}/console/#/catalog/history")
        wait_screen(page, "catalog/history")
        assert page.locator("#history-table tbody tr", has_text="阅览室入场").count() >= 3
        shots(page, artifacts, "catalog-history")
        page.goto(f"{server.base_url}/console/#/catalog/usage")
        wait_screen(page, "catalog/usage")
        page.wait_for_selector("#usage-totals")
        shots(page, artifacts, "catalog-usage")
        page.select_option("#usage-bucket", "month")
        page.click("#usage-form button[type=submit]")
        page.wait_for_function("() => location.hash.includes('bucket=month')")
        page.wait_for_selector("#usage-totals")
        assert policy_violations(page, complaints) == []
        assert policy_violations(other, other_complaints) == []
    finally:
        drafter.close()
        reviewer.close()


def test_catalog_on_a_phone_and_for_a_city_supervisor(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    try:
        # A city supervisor manages their own city's catalog: the new item form offers only that city.
        sign_in(page, server, "gz-supervisor", hash_="#/catalog/items")
        wait_screen(page, "catalog/items")
        assert page.locator("#items-table tbody tr").count() > 0
        page.screenshot(path=artifacts / "console-catalog-items-phone-zh-Hans.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert axe_violations(page) == []
        page.goto(f"{server.base_url}/console/#/catalog/new")
        wait_screen(page, "catalog/new")
        assert page.eval_on_selector_all("#item-scope option", "els => els.map(e => e.value)") == ["440100"]
        # Blank names are refused on the form, before the server is asked.
        page.click("#save-draft")
        page.wait_for_selector("#catalog-error:not([hidden])")
        assert "三种语言" in page.inner_text("#catalog-error")
    finally:
        ctx.close()
