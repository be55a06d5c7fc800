"""Console section "Cases" in Chromium (issue 20, "a case from signal to fine to credit export to appeal"):
two venues far apart verify one card within a minute; the misuse scan opens an impossible-travel case; a
counter operator investigates and proposes a fine in the console (the four-eyes rule shown to them); a
supervisor approves it; the public credit platform pulls the signed penalty and verifies it (PyNaCl, none of
our code); the holder appeals in their own API; the approving supervisor is kept from deciding it (four eyes) and
a provincial operator overturns it in the console; the platform pulls the withdrawal. Screenshots in three languages and elder mode with axe, and at 320 px."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import secrets
import time

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, wait_screen, watch_policy
from tests.enforcement.cases_helpers import verify_record

pytestmark = pytest.mark.browser

GUANGZHOU = (23.1291, 113.2644)
ZHANJIANG = (21.2707, 110.3594)  # about 370 km away: a minute between two uses is some 22,000 km/h


def _run(coro):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _holder_and_platform(settings) -> dict:
    """A new holder with a card in Guangzhou, and the public credit platform's agency with a client."""
    from backend.accounts import services as accounts
    from backend.app import keystore_for
    from backend.cards import services as cards
    from backend.cards.tables import Card
    from backend.identity.documents import make_resident_id
    from backend.lib import db
    from backend.org.tables import Agency, Office

    keyring = keystore_for(settings).load()
    number = make_resident_id("440106", dt.date(1985, 3, 1 + secrets.randbelow(28)), 1 + secrets.randbelow(998))
    async with db.lifespan(settings):
        office = await Office.select(Office.id).where(Office.city.code == "440100").first().run()
        account = await accounts.create_citizen_account(
            keyring, doc_type="resident_id", id_number=number, name="江小白", password=PASSWORD
        )
        person = account.get("person_id") or account.get("person")
        await cards.issue_card_directly(
            keyring, person_id=person, city_code="440100", office_id=office["id"], bank_code="ICBC", ecard_level=2
        )
        card = await Card.select(Card.id).where(Card.person == person).first().run()
        agency = Agency(code=f"T-CREDIT-{secrets.token_hex(3)}", name="信用广东 Credit Guangdong (test)", kind="credit")
        await agency.save().run()
        _, token = await accounts.create_client(kind="agency", org_id=agency.id, name="credit platform", created_by="e2e")
    return {"id_number": number, "card_id": card["id"], "platform": token}


async def _case_of(settings, card_id) -> tuple[str, str]:
    from backend.enforcement.tables import Case
    from backend.lib import db

    async with db.lifespan(settings):
        row = await Case.select(Case.id, Case.number).where(Case.card_id == card_id).first().run()
    assert row is not None, "the scan opened no case about the card"
    return str(row["id"]), row["number"]


def _venue(server, admin: str, name: str, where: tuple[float, float]) -> str:
    body = {
        "name": name,
        "venue_type": "library",
        "city_code": "440100",
        "scenarios": ["library_entry"],
        "latitude": where[0],
        "longitude": where[1],
    }
    status, venue = server.api("POST", "/api/v1/venues", body, token=admin)
    assert status == 201, venue
    status, scanner = server.api("POST", f"/api/v1/venues/{venue['id']}/scanners", {"name": "gate"}, token=admin)
    assert status == 201, scanner
    return scanner["token"]


def _scan(server, holder_token: str, scanner: str) -> None:
    status, minted = server.api("POST", "/api/v1/me/codes/online", token=holder_token)
    assert status == 200, minted
    status, verdict = server.api("POST", "/api/v1/verify", {"code": minted["code"], "scenario": "library_entry"}, token=scanner)
    assert status == 200 and verdict["result"] == "valid", verdict


def _pull(server, platform: str, case_number: str) -> list[tuple[dict, dict]]:
    status, jwks = server.api("GET", "/api/v1/credit/keys")
    assert status == 200
    found, after = [], 0
    while True:
        status, page = server.api("GET", f"/api/v1/credit/records?after={after}", token=platform)
        assert status == 200, page
        if not page["items"]:
            return found
        for record in page["items"]:
            _, payload = verify_record(record["jws"], jwks)
            if payload["case"] == case_number:
                found.append((record, payload))
        after = page["next_after"]


def _case_page(page, server, username: str, case_id: str, *, first: bool = True) -> None:
    if first:
        sign_in(page, server, username, hash_=f"#/cases/case?id={case_id}")
    else:
        page.goto(f"{server.base_url}/console/#/cases/case?id={case_id}")
    wait_screen(page, "cases/case")
    page.wait_for_selector("#case-state")


def _confirm(page) -> None:
    page.wait_for_selector("dialog[open]")
    page.click("dialog[open] button[value=ok]")


def test_signal_to_fine_to_credit_export_to_appeal(browser, server, artifacts):
    made = _run(_holder_and_platform(server.settings))
    admin = server.staff_token("admin")
    near = _venue(server, admin, "E2E 广州图书馆", GUANGZHOU)
    far = _venue(server, admin, "E2E 湛江图书馆", ZHANJIANG)
    status, login = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": "resident_id", "id_number": made["id_number"], "password": PASSWORD}
    )
    assert status == 200, login
    holder = login["token"]
    _scan(server, holder, near)
    _scan(server, holder, far)
    time.sleep(1.1)  # the scan reads up to its own second
    status, report = server.api("POST", "/api/v1/enforcement/scan", token=admin)
    assert status == 200 and report["cases_opened"] >= 1, report
    case_id, number = _run(_case_of(server.settings, made["card_id"]))

    # The counter operator finds it in the list, reads the evidence, investigates and proposes a fine.
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "gz-counter", hash_="#/cases?kind=impossible_travel&state=open")
        wait_screen(page, "cases")
        page.wait_for_selector(f"#case-table tr[data-key='{case_id}']")
        assert page.locator(f"#case-table tr[data-key='{case_id}'] [data-state='open']").count() == 1
        shots(page, artifacts, "cases")
        page.click(f"#case-table tr[data-key='{case_id}'] a")
        wait_screen(page, "cases/case")
        page.wait_for_selector(".case-signal[data-kind='impossible_travel']")
        evidence = page.locator(".case-signal").inner_text()
        assert "E2E 广州图书馆" in evidence and "E2E 湛江图书馆" in evidence
        assert made["id_number"] not in page.content() and "江**" in page.inner_text("#case-holder")
        shots(page, artifacts, "case-open")

        page.click("#do-investigate")
        page.wait_for_selector("#case-state [data-state='investigating']")
        page.wait_for_selector("#fine-amount")
        page.fill("#reason-propose_fine", "两次核验相距约370公里，间隔不足一分钟，卡被他人使用。")
        page.fill("#fine-amount", "2000")
        page.click("#do-propose_fine")
        _confirm(page)
        page.wait_for_selector("#case-state [data-state='proposed']")
        page.wait_for_selector("#four-eyes")  # the proposer is told someone else must approve
        assert page.locator("#do-approve_fine").count() == 0
        shots(page, artifacts, "case-proposed")
        page.click("#signout")
        page.wait_for_selector("#signin-message")

        # A supervisor approves: the penalty record goes out.
        _case_page(page, server, "gz-supervisor", case_id)
        assert page.locator("#four-eyes").count() == 0
        page.click("#do-approve_fine")
        _confirm(page)
        page.wait_for_selector("#case-state [data-state='decided']")
        page.wait_for_selector("#case-credit [data-kind='penalty']")
        shots(page, artifacts, "case-decided")

        penalties = _pull(server, made["platform"], number)
        assert [r["kind"] for r, _ in penalties] == ["penalty"]
        penalty = penalties[0][1]
        assert penalty["amount_yuan"] == 2000 and penalty["subject"]["id_number"] == made["id_number"]
        assert penalty["subject"]["name"] == "江小白" and penalty["legal_basis"].endswith("第十九条")

        # The holder appeals (their own API, with the fresh factor of signing in).
        status, appealed = server.api(
            "POST",
            f"/api/v1/me/cases/{case_id}/appeal",
            {"grounds": "我的卡当天被盗，已向派出所报案，并非本人出借。"},
            token=holder,
        )
        assert status == 200, appealed

        # The supervisor who approved the fine may not decide the appeal against it (four eyes) ...
        _case_page(page, server, "gz-supervisor", case_id, first=False)
        page.wait_for_selector("#case-state [data-state='appealed']")
        page.wait_for_selector("#four-eyes")
        assert page.locator("#do-overturn").count() == 0 and page.locator("#do-uphold").count() == 0
        page.click("#signout")
        page.wait_for_selector("#signin-message")
        # ... a provincial operator overturns it: the case closes and the withdrawal goes out.
        _case_page(page, server, "admin", case_id)
        page.wait_for_selector("#case-state [data-state='appealed']")
        page.fill("#reason-overturn", "持卡人提供了报案回执，卡在核验前已被盗。")
        page.click("#do-overturn")
        _confirm(page)
        page.wait_for_selector("#case-state [data-state='closed']")
        page.wait_for_selector("#case-credit [data-kind='withdrawal']")
        history = page.locator("#case-history").inner_text()
        for step in ("open", "investigate", "propose_fine", "approve_fine", "appeal", "overturn"):
            assert page.locator(f"#case-history [data-action='{step}']").count() == 1, (step, history)
        shots(page, artifacts, "case-overturned")

        records = _pull(server, made["platform"], number)
        assert [r["kind"] for r, _ in records] == ["penalty", "withdrawal"]
        assert records[1][1]["withdraws"] == penalty["record_id"] == records[1][0]["record_id"]

        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{server.base_url}/console/#/cases/case?id={case_id}")
        wait_screen(page, "cases/case")
        page.wait_for_selector("#case-state [data-state='closed']")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 321).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + e.textContent.slice(0, 40))"
        )
        assert width <= 320, (width, wide)
        page.screenshot(path=str(artifacts / "console-case-320.png"), full_page=True)
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()
