"""Cases about my card in the wallet (issue 20), in Chromium on a phone-sized screen: a case opened about
the holder's card (two real scans as its evidence) is in the inbox; the holder opens it from the notice,
reads the evidence in plain words, responds; after staff decide a warning the holder appeals before the
deadline shown. Every language (and elder mode) screenshotted, axe-clean, no wider than the screen, no raw
code or identity number on screen."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import secrets
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.helpers import axe_violations, redrawn
from tests.e2e.rp.flows import set_lang

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
LANGS = ("zh-Hans", "zh-Hant", "en")
# Raw vocabulary that must never reach the screen as such (each is worded in every language).
RAW = (
    "impossible_travel",
    "library_entry",
    "scenic_entry",
    "investigating",
    "cases.",
    "inbox.event",
    "enforcement.",
    "null",
    "undefined",
)
WORDS = {  # (the case's kind, the evidence's library, the response step) per language
    "zh-Hans": ("社保卡在相距过远的两地使用", "E2E 图书馆", "您的说明"),
    "zh-Hant": ("社保卡在相距過遠的兩地使用", "E2E 图书馆", "您的說明"),
    "en": ("Card used in two places too far apart", "E2E 图书馆", "Your response"),
}


def _run(coro):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        return pool.submit(asyncio.run, coro).result()


def _holder(server) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A holder of our own with a card and e-card, made on the server's database: (number, person, card)."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
    from backend.identity.documents import make_resident_id
    from backend.identity.services import find_person_id
    from backend.lib import db
    from backend.org.tables import Office

    settings = server.settings  # the server's own: its key directory opens with its passphrase
    number = make_resident_id("440106", dt.date(1970, 1, 1) + dt.timedelta(days=secrets.randbelow(9000)), secrets.randbelow(1000))

    async def run() -> tuple[uuid.UUID, uuid.UUID]:
        async with db.lifespan(settings):
            keyring = keystore_for(settings).load()
            office = await Office.select(Office.id).first().run()
            await accounts.create_citizen_account(
                keyring, doc_type="resident_id", id_number=number, name="邱志诚", password=PASSWORD
            )
            person = await find_person_id(keyring, "resident_id", number)
            await cards.issue_card_directly(
                keyring, person_id=person, city_code="440100", office_id=office["id"], bank_code="ICBC", ecard_level=1
            )
            card = await cards.card_for_person(person)
            return uuid.UUID(str(person)), uuid.UUID(str(card.card_id))

    person, card = _run(run())
    return number, person, card


def _on_server(server, fn, *args, **kwargs):
    from backend.lib import db

    async def run():
        async with db.lifespan(server.settings):
            return await fn(*args, **kwargs)

    return _run(run())


async def _staff_id(username: str) -> uuid.UUID:
    from backend.accounts.tables import StaffMember

    row = await StaffMember.select(StaffMember.id).where(StaffMember.username == username).first().run()
    return row["id"]


def _screens(page, artifacts, name: str, ready: str, problems: list[str]) -> None:
    for lang in LANGS:
        set_lang(page, lang)
        page.wait_for_selector(ready)
        kind, venue, _ = WORDS[lang]
        text = page.locator("#main").inner_text()
        assert kind in text, (name, lang, text[:400])
        if name.endswith("case"):
            assert venue in text, (name, lang)
        raw = [r for r in RAW if r in text]
        assert not raw, (name, lang, raw)
        page.screenshot(path=str(artifacts / f"wallet-cases-{name}-{lang}.png"), full_page=True)
        problems += [f"{name} {lang}: {v['id']} {v['nodes']}" for v in axe_violations(page)]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (name, lang)
    set_lang(page, "zh-Hans")
    page.wait_for_selector(ready)


def test_a_holder_is_told_opens_the_case_responds_and_appeals(browser, server, artifacts):
    from tests.enforcement.holder_helpers import decide, open_case

    number, person, card = _holder(server)
    status, login = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": "resident_id", "id_number": number, "password": PASSWORD}
    )
    assert status == 200, login
    for scenario in ("library_entry", "scenic_entry"):  # two real scans of the card: the case's evidence
        status, code = server.api("POST", "/api/v1/me/codes/online", token=login["token"])
        assert status == 200, code
        assert server.verify(code["code"], scenario)["result"] == "valid"
    case_id, case_number = _on_server(server, open_case, person=person, card_id=card)

    problems: list[str] = []
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE)
    try:
        page = ctx.new_page()
        page.goto(server.base_url + "/wallet/")
        page.select_option("#doc-type", "resident_id")
        page.fill("#id-number", number)
        page.fill("#password", PASSWORD)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("main[data-screen='home']")
        expect(page.locator("#nav-cases")).to_be_visible()

        # The notice, and its link to the case.
        page.goto(server.base_url + "/wallet/#/inbox")
        notice = page.locator("#inbox-list li[data-event='enforcement.case_opened']")
        expect(notice).to_contain_text(case_number)
        expect(notice).to_contain_text("有一宗案件涉及您的社保卡")
        page.screenshot(path=str(artifacts / "wallet-cases-inbox-zh-Hans.png"), full_page=True)
        notice.locator("a.notice-open").click()
        page.wait_for_selector(f"#case[data-state='open'] #case-number:text('{case_number}')")

        # The evidence in plain words: the two scans of this card, their venues and scenarios.
        uses = page.locator("#case-evidence .case-use")
        expect(uses).to_have_count(2)
        evidence = page.locator("#case-evidence").inner_text()
        assert "E2E 图书馆" in evidence and "E2E 博物馆" in evidence and "1890" in evidence, evidence
        assert number not in page.content()

        # Respond.
        page.fill("#case-response", "那天我一直在广州图书馆，卡没有离开过我。")
        page.click("#case-response-send")
        page.wait_for_selector("#case-history li[data-action='respond'][data-by='you']")
        expect(page.locator("#case-status")).to_be_visible()
        assert page.locator("#case-appeal").count() == 0  # nothing decided yet: nothing to appeal
        _screens(page, artifacts, "case", "#case-history li[data-action='respond']", problems)

        # The list, in every language.
        page.goto(server.base_url + "/wallet/#/cases")
        page.wait_for_selector(f"#case-{case_id}")
        _screens(page, artifacts, "list", f"#case-{case_id}", problems)

        # Staff decide a warning; the holder is told and appeals before the deadline shown.
        staff = _on_server(server, _staff_id, "gz-counter")
        _on_server(server, decide, case_id, staff, "warning", reason="两次使用相隔30分钟，相距1890公里。")
        page.goto(server.base_url + "/wallet/#/inbox")
        decided = page.locator("#inbox-list li[data-event='enforcement.case_decided']")
        expect(decided).to_contain_text(case_number)
        decided.locator("a.notice-open").click()
        page.wait_for_selector("#case[data-state='decided'] #case-appeal-form")
        expect(page.locator("#case-decision")).to_have_text("警告")
        assert "两次使用相隔30分钟" in page.locator("#case-facts").inner_text()
        until = page.locator("#case-appeal-until").inner_text()
        deadline = dt.datetime.now() + dt.timedelta(days=60)
        assert f"{deadline.year}" in until and f"{deadline.month:02d}" in until, until
        _screens(page, artifacts, "decided-case", "#case-appeal-form", problems)

        page.fill("#case-grounds", "短")
        page.click("#case-appeal-send")
        expect(page.locator("#case-appeal-error")).to_be_visible()  # too short: said on the form, nothing sent
        page.fill("#case-grounds", "那两次核验中有一次是图书馆的扫码设备时钟错误，我从未出借社保卡。")
        page.click("#case-appeal-send")
        page.locator("dialog[open] button[value=ok]").click()  # an appeal cannot be taken back: confirmed first
        page.wait_for_selector("#case[data-state='appealed'] #case-appeal-lodged")
        expect(page.locator("#case-appeal-state")).to_have_text("已提出申诉")
        page.screenshot(path=str(artifacts / "wallet-cases-appealed-zh-Hans.png"), full_page=True)
        problems += [f"appealed: {v['id']} {v['nodes']}" for v in axe_violations(page)]

        # Elder mode: large type, still no wider than the phone.
        redrawn(page, lambda: page.click("#elder-toggle"))
        page.wait_for_selector("html.elder #case-appeal-lodged")
        page.screenshot(path=str(artifacts / "wallet-cases-appealed-elder.png"), full_page=True)
        problems += [f"elder: {v['id']} {v['nodes']}" for v in axe_violations(page)]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        redrawn(page, lambda: page.click("#elder-toggle"))
    finally:
        ctx.close()
    assert problems == []
