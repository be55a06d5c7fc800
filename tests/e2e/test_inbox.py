"""The wallet's inbox in Chromium: notices shown in each language and in elder mode, the unread
badge on the home screen, marking one and then all read; axe-core finds nothing serious."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import secrets
import time

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import axe_violations

pytestmark = pytest.mark.browser


def _tell(server, id_number: str) -> None:
    """Notices for the person, told through the inbox service on the server's database (as the
    seed makes its data); one more comes from each sign-in."""
    from backend.accounts.services import record_proof
    from backend.accounts.tables import Account
    from backend.app import keystore_for
    from backend.identity.services import find_person_id
    from backend.inbox import services as inbox
    from backend.lib import db

    settings = server.settings  # the server's own: its key directory opens with its passphrase

    async def run() -> None:
        async with db.lifespan(settings):
            person = await find_person_id(keystore_for(settings).load(), "resident_id", id_number)
            assert person is not None
            # The inbox is for a proven holder: the account is proven as a counter would prove it.
            account = await Account.select(Account.id).where(Account.person == person).first().run()
            await record_proof(account["id"], level=3, method="counter", now=int(time.time()))
            await inbox.tell(person, "certificate.issued", {"type": "driving_licence", "name": "机动车驾驶证"})
            await inbox.tell(
                person, "data.agency_query", {"agency": "广东省公安厅交通管理局", "purpose": "核验驾驶资格", "basis": "statute"}
            )
            await inbox.tell(person, "card.loss_reported", {"kind": "temporary", "by": "staff"})

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, run()).result()


def _new_account(server) -> str:
    from backend.identity.documents import make_resident_id

    number = make_resident_id(
        "440106", dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(20000)), secrets.randbelow(1000)
    )
    status, body = server.api(
        "POST", "/api/v1/accounts", {"doc_type": "resident_id", "id_number": number, "name": "陈晓", "password": PASSWORD}
    )
    assert status == 201, body
    return number


def _sign_in(page, server, number: str) -> None:
    page.goto(server.base_url + "/wallet/")
    page.select_option("#doc-type", "resident_id")
    page.fill("#id-number", number)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("main[data-screen='home'] #nav-inbox")


def _problems(page, name: str, artifacts, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    for v in axe_violations(page):
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")


def test_inbox_badge_list_and_marking_read(context, server, artifacts):
    number = _new_account(server)
    _tell(server, number)
    page = context.new_page()
    _sign_in(page, server, number)  # the sign-in is a notice too: 4 unread
    badge = page.locator("#nav-inbox-badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "4"

    page.click("#nav-inbox")
    page.wait_for_selector("main[data-screen='inbox'] #inbox-list li.inbox-item")
    items = page.locator("#inbox-list li.inbox-item")
    assert items.count() == 4
    assert page.locator("#inbox-summary").get_attribute("data-unread") == "4"
    newest = [items.nth(i).get_attribute("data-event") for i in range(4)]
    assert sorted(newest[1:]) == ["card.loss_reported", "certificate.issued", "data.agency_query"]
    assert newest[0] == "account.session_created"
    text = page.locator("#inbox-list").inner_text()
    assert "社保卡已挂失（临时挂失）" in text and "由人社窗口工作人员办理" in text
    assert "广东省公安厅交通管理局 查询了您的信息" in text and "新证照：机动车驾驶证" in text
    assert number not in page.content()
    assert page.locator("#push-section").count() == 1
    problems: list[str] = []
    _problems(page, "wallet-inbox-zh-Hans", artifacts, problems)

    page.locator("li[data-event='card.loss_reported'] .mark-read").click()
    page.wait_for_selector("#inbox-summary[data-unread='3']")
    assert page.locator("li[data-event='card.loss_reported']").get_attribute("data-read") == "true"
    assert page.locator("li[data-event='card.loss_reported'] .mark-read").count() == 0

    for lang in ("zh-Hant", "en"):
        page.select_option("#lang-select", lang)
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        page.wait_for_selector("main[data-screen='inbox'] #inbox-list li.inbox-item")
        # The list is redrawn after the page's language changes: wait for the redrawn words.
        loss_title = {"zh-Hant": "社保卡已掛失（臨時掛失）", "en": "Your card was reported lost (temporary)"}[lang]
        page.wait_for_function("t => document.querySelector('#inbox-list').innerText.includes(t)", arg=loss_title)
        _problems(page, f"wallet-inbox-{lang}", artifacts, problems)
    assert "Your card was reported lost (temporary)" in page.locator("#inbox-list").inner_text()

    page.goto(server.base_url + "/wallet/#/")
    if page.locator("#elder-toggle").get_attribute("aria-pressed") != "true":
        page.click("#elder-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    page.wait_for_load_state("networkidle")  # the screen drawn again in elder mode, with its count
    page.locator("#nav-inbox-badge").wait_for(state="visible")
    assert page.locator("#nav-inbox-badge").inner_text() == "3" and page.locator("#nav-inbox").is_visible()
    _problems(page, "wallet-home-inbox-badge-elder", artifacts, problems)
    page.click("#nav-inbox")
    page.wait_for_selector("#inbox-read-all")
    _problems(page, "wallet-inbox-elder", artifacts, problems)
    page.click("#inbox-read-all")
    page.wait_for_selector("#inbox-summary[data-unread='0']")
    assert page.locator("#inbox-list .mark-read").count() == 0
    page.click("#elder-toggle")

    page.goto(server.base_url + "/wallet/#/more")
    page.wait_for_selector("main[data-screen='more'] #more-inbox")
    page.wait_for_timeout(300)
    assert page.locator("#more-inbox-badge").count() == 0  # nothing unread: no badge
    page.goto(server.base_url + "/wallet/#/")
    page.wait_for_selector("main[data-screen='home'] #nav-inbox")
    page.wait_for_timeout(300)
    assert page.locator("#nav-inbox-badge").count() == 0
    assert not problems, "\n".join(problems)
