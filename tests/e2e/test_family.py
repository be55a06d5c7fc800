"""The family screen in Chromium: the holder adds a relative, the relative agrees in their own wallet,
the holder shows the relative's code (a venue scans it; the relative's record says who showed it)
and ends it; three languages and elder mode, screenshots, axe-core finds nothing serious."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import secrets

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import axe_violations, screen_qr

pytestmark = pytest.mark.browser


def _people(server) -> tuple[str, str, str]:
    """A holder and an elder relative, each with an account proven at a counter and a card with its
    e-card, made on the server's database as the seed makes its data: (holder no., relative no., relative name)."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
    from backend.identity.documents import make_resident_id
    from backend.identity.services import find_person_id
    from backend.lib import db
    from backend.org.tables import Office

    settings = server.settings  # the server's own: its key directory opens with its passphrase
    holder = make_resident_id("440106", dt.date(1980, 1, 1) + dt.timedelta(days=secrets.randbelow(3000)), secrets.randbelow(1000))
    relative = make_resident_id(
        "440106", dt.date(1940, 1, 1) + dt.timedelta(days=secrets.randbelow(3000)), secrets.randbelow(1000)
    )

    async def run() -> None:
        async with db.lifespan(settings):
            keyring = keystore_for(settings).load()
            office = await Office.select(Office.id).first().run()
            for number, name in ((holder, "赵建华"), (relative, "钱秀兰")):
                await accounts.create_citizen_account(
                    keyring, doc_type="resident_id", id_number=number, name=name, password=PASSWORD
                )
                person = await find_person_id(keyring, "resident_id", number)
                await cards.issue_card_directly(
                    keyring, person_id=person, city_code="440100", office_id=office["id"], bank_code="ICBC", ecard_level=1
                )

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, run()).result()
    return holder, relative, "钱秀兰"


def _sign_in(page, server, number: str) -> None:
    page.goto(server.base_url + "/wallet/")
    page.select_option("#doc-type", "resident_id")
    page.fill("#id-number", number)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("main[data-screen='home']")


def _shot(page, name: str, artifacts, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    for v in axe_violations(page):
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")


def test_add_a_relative_show_their_code_and_end(browser, server, artifacts):
    holder_no, relative_no, relative_name = _people(server)
    problems: list[str] = []
    holder_ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 860})
    relative_ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 860})
    try:
        page = holder_ctx.new_page()
        _sign_in(page, server, holder_no)
        page.goto(server.base_url + "/wallet/#/more")
        page.click("#nav-family")
        page.wait_for_selector("main[data-screen='family'] #no-relatives")
        assert "还可添加 10 位" in page.locator("#family-limits").inner_text()

        # Add: the form, then the pending relation (the fresh sign-in counts as the step-up).
        page.click("#add-open")
        page.fill("#add-id-number", relative_no)
        page.fill("#add-name", relative_name)
        page.select_option("#add-relationship", "elder")
        _shot(page, "wallet-family-add-zh-Hans", artifacts, problems)
        page.click("#add-submit")
        page.wait_for_selector("#relative-list li[data-status='pending']")
        assert "还可添加 9 位" in page.locator("#family-limits").inner_text()
        text = page.locator("#relative-list").inner_text()
        assert "钱**" in text and relative_no not in page.content()
        _shot(page, "wallet-family-pending-zh-Hans", artifacts, problems)

        # The relative agrees in their own wallet.
        other = relative_ctx.new_page()
        _sign_in(other, server, relative_no)
        other.goto(server.base_url + "/wallet/#/family")
        other.wait_for_selector("#proxy-list li[data-status='pending'] button[id^='accept-']")
        assert "赵**" in other.locator("#proxy-list").inner_text()
        _shot(other, "wallet-family-request-zh-Hans", artifacts, problems)
        other.locator("#proxy-list button[id^='accept-']").click()
        other.wait_for_selector("#proxy-list li[data-status='active']")

        # The holder shows the relative's code; a venue scans it.
        page.reload()
        page.wait_for_selector("#relative-list li[data-status='active'] button[id^='show-']")
        page.locator("#relative-list button[id^='show-']").click()
        page.wait_for_selector("#relative-qr svg")
        assert "钱**" in page.locator("#relative-code-title").inner_text()
        code, _ = screen_qr(page, "#relative-qr svg")
        _shot(page, "wallet-family-code-zh-Hans", artifacts, problems)
        assert server.verify(code)["result"] == "valid"
        page.click("#relative-code-close")
        page.wait_for_selector("#relative-code", state="hidden")

        # The relative's record says who presented it.
        status, body = server.api(
            "POST", "/api/v1/auth/login", {"doc_type": "resident_id", "id_number": relative_no, "password": PASSWORD}
        )
        assert status == 200, body
        status, mine = server.api("GET", "/api/v1/me/verifications", token=body["token"])
        assert status == 200, mine
        assert [v["presented_by"] for v in mine["items"]] == [{"name": "赵**", "relationship": "elder", "kind": "family"}]
        # ... and so does the relative's wallet, under "who checked my code".
        other.goto(server.base_url + "/wallet/#/access")
        other.wait_for_selector("#verifications .presented-by")
        assert "由 赵** 代为出示" in other.locator("#verifications .presented-by").inner_text()
        _shot(other, "wallet-access-presented-by-zh-Hans", artifacts, problems)
        other.goto(server.base_url + "/wallet/#/family")
        other.wait_for_selector("#proxy-list li[data-status='active']")

        # The other languages and elder mode.
        for lang, title in (("zh-Hant", "我代辦的親屬"), ("en", "Relatives I act for")):
            page.select_option("#lang-select", lang)
            page.wait_for_function(f"() => document.querySelector('#relatives-title')?.textContent === '{title}'")
            page.wait_for_selector("main[data-screen='family'] #relative-list li[data-status='active']")
            _shot(page, f"wallet-family-{lang}", artifacts, problems)
        assert "Relatives I act for" in page.locator("#relatives-title").inner_text()
        page.select_option("#lang-select", "zh-Hans")
        page.wait_for_function("() => document.querySelector('#relatives-title')?.textContent === '我代办的亲属'")
        if page.locator("#elder-toggle").get_attribute("aria-pressed") != "true":
            page.click("#elder-toggle")
        page.wait_for_function("() => document.documentElement.classList.contains('elder')")
        page.wait_for_load_state("networkidle")  # the screen drawn again in elder mode
        page.wait_for_selector("main[data-screen='family'] #relative-list li[data-status='active']")
        _shot(page, "wallet-family-elder", artifacts, problems)

        # End it: confirmed in a dialog; the relative sees it ended.
        page.locator("#relative-list button[id^='end-']").click()
        page.locator("dialog button[value='ok']").click()
        page.wait_for_selector("#relative-list li[data-status='ended']")
        page.click("#elder-toggle")
        other.reload()
        other.wait_for_selector("#proxy-list li[data-status='ended']")
        _shot(other, "wallet-family-ended-zh-Hans", artifacts, problems)
    finally:
        holder_ctx.close()
        relative_ctx.close()
    assert problems == []
