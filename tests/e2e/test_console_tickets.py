"""The console's complaints and consultation inbox in Chromium (issue 15 §3, docs/tickets.md): a holder
(citizen 23) complains through the API, a counter clerk finds it in the inbox by keyboard, takes it and
answers it, and the holder reads the answer; a ticket past its deadline stands out and the overdue
filter finds it; a colleague's change meanwhile is caught; a phone call is recorded. axe and
screenshots in three languages and elder mode."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt

from tests.e2e.console_helpers import console_sign_in, screens_in_every_language, staff_token
from tests.e2e.helpers import axe_violations

LANGS = ("zh-Hans", "zh-Hant", "en")
CLERK, COLLEAGUE = "gz-counter2", "gz-supervisor2"
CITIZEN = 23


def _old_ticket(server, kind: str, days_ago: int, subject: str) -> str:
    """A ticket received `days_ago` days ago, made through the service layer on the test server's
    database (the clock is a parameter of tickets.submit); returns its reference."""
    from backend.lib import db
    from backend.servicepoints import tickets
    from backend.servicepoints.schemas import StaffTicketCreate

    settings = server.settings  # the server's own

    async def make() -> str:
        async with db.lifespan(settings):
            data = StaffTicketCreate(kind=kind, subject=subject, body="多次来电未获答复。", city_code="440100", channel="phone")
            ticket_id, _ = await tickets.submit(
                data, channel="phone", account=None, recorded_by=None, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
            )
            return (await tickets.get_ticket(ticket_id))["reference"]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs a loop in this thread
        return pool.submit(asyncio.run, make()).result()


def _citizen_token(server) -> str:
    person = server.citizen(CITIZEN)
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": person.doc_type, "id_number": person.id_number, "password": person.password}
    )
    assert status == 200, body
    return body["token"]


def _row(page, reference: str):
    return page.locator(f"#tk-table tbody tr[data-key='{reference}']")


def test_clerk_takes_and_answers_a_complaint_the_holder_reads_it(context, server, artifacts):
    holder = _citizen_token(server)
    status, created = server.api(
        "POST",
        "/api/v1/tickets",
        {
            "kind": "complaint",
            "subject": "补卡后银行账户未激活",
            "body": "上周补卡，新卡的银行账户一直不能用。",
            "city_code": "440100",
        },
        token=holder,
    )
    assert status == 201, created
    ticket_id, reference = created["ticket"]["id"], created["ticket"]["reference"]
    late = _old_ticket(server, "consultation", 12, "如何开通交通功能（超期）")

    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, CLERK, hash_="#/tickets")
    page.wait_for_selector("main[data-screen=tickets] #tk-filters")
    assert page.evaluate("document.activeElement.tagName") == "H1"

    # Filter: unassigned complaints. The filters go into the address (a link, and Back works).
    page.select_option("#tk-f-assignee", "none")
    page.select_option("#tk-f-kind", "complaint")
    page.click("#tk-apply")
    page.wait_for_function("() => location.hash.includes('assignee=none') && location.hash.includes('kind=complaint')")
    # The filtered table replaces the unfiltered one once its answer arrives: the consultation
    # (shown before the filter) must go; waiting for it also waits for the new table.
    page.wait_for_selector(f"#tk-table tbody tr[data-key='{late}']", state="detached")
    page.wait_for_selector(f"#tk-table tbody tr[data-key='{reference}']")
    row = _row(page, reference)
    assert "补卡后银行账户未激活" in row.inner_text() and "未分派" in row.inner_text() and "投诉" in row.inner_text()
    assert page.locator(f"#tk-table tbody tr[data-key='{late}']").count() == 0  # a consultation
    assert page.locator("#tk-table caption").count() == 1 and page.locator("#tk-table thead th[scope=col]").count() == 7
    screens_in_every_language(page, artifacts, "tickets-inbox")

    # By keyboard: Tab from the filter button through the table reaches the ticket's link; Enter opens it.
    page.focus("#tk-apply")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == reference:
            break
    assert page.evaluate("document.activeElement.classList.contains('tk-open')"), "the ticket's link is not reachable by Tab"
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='tickets/ticket'] #tk-facts")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    assert reference in page.inner_text("main h1")
    assert "上周补卡" in page.inner_text("#tk-messages")

    # Take it: the clerk's own name is the assignee now.
    me = page.inner_text("#who .who-name")
    page.click("#tk-take")
    page.wait_for_selector("#tk-flash.success")
    assert page.inner_text("#tk-assignee") == me
    assert page.locator("#tk-take").count() == 0

    # A colleague changes the ticket meanwhile: the clerk's next change is refused and the ticket re-read.
    colleague = staff_token(server, COLLEAGUE)
    status, current = server.api("GET", f"/api/v1/staff/tickets/{ticket_id}", token=colleague)
    status, _ = server.api(
        "POST",
        f"/api/v1/staff/tickets/{ticket_id}/status",
        {"status": "in_progress", "version": current["version"]},
        token=colleague,
    )
    assert status == 200
    page.click("#tk-start")
    page.wait_for_selector("#tk-flash.error")
    assert "别人改过" in page.inner_text("#tk-flash")
    assert "处理中" in page.inner_text("#tk-status")  # the colleague's change, read again
    assert page.locator("#tk-start").count() == 0

    # Answer it.
    page.fill("#tk-reply-body", "已联系合作银行为您激活账户，请于三个工作日后再试。")
    page.click("#tk-reply button[type=submit]")
    page.wait_for_selector("#tk-flash.success")
    assert "已答复" in page.inner_text("#tk-status")
    assert "三个工作日后再试" in page.inner_text("#tk-messages")
    screens_in_every_language(page, artifacts, "tickets-ticket")

    # The holder reads the answer (without the clerk's name).
    status, mine = server.api("GET", f"/api/v1/me/tickets/{ticket_id}", token=holder)
    assert status == 200 and mine["status"] == "answered"
    assert mine["messages"][-1]["author"] == "staff" and "三个工作日后再试" in mine["messages"][-1]["body"]
    assert me not in str(mine)

    # "Mine" lists it now.
    page.goto(server.base_url + "/console/#/tickets?assignee=me")
    page.wait_for_selector(f"#tk-table tbody tr[data-key='{reference}']")
    assert me in _row(page, reference).inner_text()


def test_overdue_tickets_stand_out_and_filter(context, server, artifacts):
    late = _old_ticket(server, "complaint", 20, "窗口服务态度差（超期）")
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, CLERK, hash_="#/tickets")
    page.wait_for_selector("main[data-screen=tickets] #tk-filters")
    page.check("#tk-f-overdue")
    page.select_option("#tk-f-sort", "due")
    page.click("#tk-apply")
    page.wait_for_function("() => location.hash.includes('overdue=true') && location.hash.includes('sort=due')")
    page.wait_for_selector(f"#tk-table tbody tr[data-key='{late}']")
    row = _row(page, late)
    assert "tk-row-overdue" in row.get_attribute("class") and "已超期" in row.inner_text()
    # Every row of the overdue filter is marked overdue, by word as well as colour.
    # The unfiltered table (which holds this ticket too) may not be replaced yet: wait for the filtered one.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#tk-table tbody tr')].every(r => r.innerText.includes('已超期'))"
    )
    rows = page.locator("#tk-table tbody tr")
    assert all("已超期" in rows.nth(i).inner_text() for i in range(rows.count()))
    screens_in_every_language(page, artifacts, "tickets-overdue")
    # Opened, the ticket says so too.
    page.click(f"#tk-table tbody tr[data-key='{late}'] a.tk-open")
    page.wait_for_selector("main[data-screen='tickets/ticket'] #tk-due")
    assert "已超期" in page.inner_text("#tk-due")

    # At phone width nothing runs off the side (the table scrolls inside its region).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.base_url + "/console/#/tickets?overdue=true")
    page.wait_for_selector(f"#tk-table tbody tr[data-key='{late}']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=artifacts / "console-tickets-overdue-390.png", full_page=True)


def test_record_a_phone_request_the_caller_follows_it_up(context, server, artifacts):
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, CLERK, hash_="#/tickets")
    page.wait_for_selector("#tk-new")
    page.click("#tk-new")
    page.wait_for_selector("main[data-screen='tickets/new'] #tk-new-form")
    screens_in_every_language(page, artifacts, "tickets-new")
    page.select_option("#tk-n-channel", "phone")
    page.select_option("#tk-n-kind", "consultation")
    page.fill("#tk-n-subject", "老年人优待证如何加载到社保卡")
    page.fill("#tk-n-body", "来电咨询：父亲七十岁，想把优待证功能加到社保卡上。")
    page.fill("#tk-n-contact", "020-8888 0000")
    page.click("#tk-new-form button[type=submit]")
    page.wait_for_selector("#tk-n-ref")
    assert page.evaluate("document.activeElement.id") == "tk-created-h"
    reference, key = page.inner_text("#tk-n-ref"), page.inner_text("#tk-n-key")
    assert axe_violations(page) == []
    status, seen = server.api("POST", "/api/v1/tickets/lookup", {"reference": reference, "access_key": key})
    assert status == 200 and seen["channel"] == "phone" and seen["kind"] == "consultation" and seen["city_code"] == "440100"
    assert "020-8888" not in str(seen)  # the call-back number is for staff only
