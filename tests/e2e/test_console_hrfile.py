"""The console's HR file section in Chromium (issue 17, docs/console.md "HR file"): the province's HR
and social security department (a real agency client) writes a pension contribution and a training
record for citizen 36 through the API; a counter clerk looks the person up, sees both with their
source, legal basis and time (the read lands on the holder's access record), adds a qualification
record for their office (a missing field is refused in the form first), and may correct only what
their office wrote; a supervisor corrects the agency's contribution (the form starts from the record,
a reason is required) and the correction shows beside the original, which stays, marked corrected
(the holder's own view agrees). Citizen 37 has no records. A provincial operator has no HR file
entry. axe and screenshots in three languages and elder mode, desktop and phone."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, tab_to, wait_screen, watch_policy
from tests.e2e.console_helpers import staff_token
from tests.e2e.payment_parties import client

pytestmark = pytest.mark.browser

HOLDER = 36
EMPTY = 37
PHONE = {"width": 390, "height": 844}
AGENCY = "广东省人力资源和社会保障厅"
STATUTE = "《中华人民共和国社会保险法》第五十八条"
USCC = "91440101MA59XXXX1B"


def _ok(answer: tuple[int, dict], *codes: int) -> dict:
    status, body = answer
    assert status in (codes or (200,)), (status, body)
    return body


def _person(server, index: int) -> dict:
    c = server.citizen(index)
    return {"doc_type": c.doc_type, "id_number": c.id_number, "name": c.name}


def _citizen_token(server, index: int) -> str:
    c = server.citizen(index)
    body = {"doc_type": c.doc_type, "id_number": c.id_number, "password": c.password}
    return _ok(server.api("POST", "/api/v1/auth/login", body))["token"]


def _agency_writes(server) -> tuple[str, dict[str, str]]:
    """The HRSS department's system writes two records for the holder; its token and the records' ids."""
    admin = staff_token(server, "admin")
    hrss = next(a for a in _ok(server.api("GET", "/api/v1/agencies")) if a["code"] == "GD-HRSS")
    agency = client(server, admin, "agency", hrss["id"], f"E2E HR file system {secrets.token_hex(2)}")
    ref = secrets.token_hex(4)
    contribution = {
        "person": _person(server, HOLDER),
        "kind": "contribution",
        "data": {
            "month": "2026-10",
            "insurance": "pension",
            "base_fen": 800_000,
            "employer_fen": 128_000,
            "person_fen": 64_000,
            "employer_uscc": USCC,
            "employer_name": "广州示例科技有限公司",
            "status": "paid",
        },
        "effective_on": "2026-10-01",
        "legal_basis": STATUTE,
        "external_ref": f"e2e-si-{ref}",
    }
    training = {
        "person": _person(server, HOLDER),
        "kind": "training",
        "data": {"course": "电工上岗培训", "provider": "广州市职业技能培训中心", "hours": 80, "completed_on": "2026-06-30"},
        "effective_on": "2026-06-30",
        "legal_basis": "《中华人民共和国就业促进法》第四十八条",
        "external_ref": f"e2e-tr-{ref}",
    }
    ids = {}
    for body in (contribution, training):
        ids[body["kind"]] = _ok(server.api("POST", "/api/v1/hrfile/records", body, token=agency), 201)["id"]
    return agency, ids


def _open(page, hash_: str, screen: str) -> None:
    """Go to a console screen by its address and wait for it drawn anew (the old one may look alike)."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    page.evaluate("h => { location.hash = h; }", hash_)
    page.wait_for_selector(f"main[data-screen='{screen}'] > :not([data-old]) h1")


def _redrawn(page, action) -> None:
    """Do `action` (after which the shell draws a screen) and wait for the new drawing."""
    page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
    action()
    page.wait_for_selector("main > :not([data-old]) h1")


def _look_up(page, server, index: int) -> None:
    page.wait_for_selector("#hr-lookup-form")
    page.select_option("#hr-lookup-doc", server.citizen(index).doc_type)
    page.fill("#hr-lookup-number", server.citizen(index).id_number)
    _redrawn(page, lambda: page.click("#hr-lookup-form button[type=submit]"))
    wait_screen(page, "hrfile/person")


def _elder_buttons_large(page) -> None:
    """In elder mode every visible button and link-button of the screen is at least 64 px high."""
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html.elder")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 63.5)
            .map(e => e.id || e.textContent.trim())"""
    )
    assert small == [], small
    _redrawn(page, lambda: page.click("#elder-toggle"))
    page.wait_for_selector("html:not(.elder)")


def test_counter_clerk_reads_the_file_and_adds_a_record(browser, server, artifacts):
    _agency, ids = _agency_writes(server)
    holder = server.citizen(HOLDER)
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "gz-counter2", hash_="#/hrfile")
        wait_screen(page, "hrfile")
        assert page.locator("#menu a[data-section=hrfile]").count() == 1
        shots(page, artifacts, "hrfile-lookup")

        # The look-up: the document goes in the body, never in the address.
        _look_up(page, server, HOLDER)
        assert holder.id_number not in page.evaluate("location.href")
        assert holder.id_number not in page.content()  # masked on the screen
        assert holder.name in page.inner_text("main h1")
        contribution = page.locator(f"article.hr-record[data-id='{ids['contribution']}']")
        contribution.wait_for()
        text = contribution.inner_text()
        assert "社会保险缴费" in text and "养老保险" in text and "¥8,000.00" in text and "¥1,280.00" in text
        assert f"经办机构 · {AGENCY}" in text and STATUTE in text and "2026-10" in text
        training = page.locator(f"article.hr-record[data-id='{ids['training']}']").inner_text()
        assert "电工上岗培训" in training and "80" in training
        # A clerk corrects only what their office wrote: nothing of the agency's.
        for record_id in ids.values():
            assert page.locator(f"article.hr-record[data-id='{record_id}'] a.hr-correct").count() == 0

        # The staff read is on the holder's access record.
        seen = _ok(server.api("GET", "/api/v1/me/access-records?limit=20", token=_citizen_token(server, HOLDER)))["items"]
        reads = [r for r in seen if r["action"] == "hrfile.staff_read"]
        assert reads and reads[0]["actor_kind"] == "staff", seen[:3]
        shots(page, artifacts, "hrfile-person")

        # A kind filter goes into the address (no one's identity does).
        page.select_option("#hr-kind", "training")
        _redrawn(page, lambda: page.click("#hr-filter-apply"))
        page.wait_for_function("() => location.hash.includes('kind=training')")
        kinds = page.eval_on_selector_all("#hr-records article.hr-record", "els => els.map(e => e.dataset.kind)")
        assert kinds and set(kinds) == {"training"}, kinds

        # Add a qualification record: a missing field is named, then it is saved for the clerk's office.
        _open(page, "#/hrfile/add", "hrfile/add")
        page.select_option("#hr-form-kind", "qualification")
        page.wait_for_selector("#hr-f-issuer")
        page.fill("#hr-f-name", "电工（四级）职业资格")
        page.fill("#hr-f-certificate_no", "S440100-2026-0042")
        page.fill("#hr-f-issued_on", "2026-07-15")
        page.fill("#hr-form-basis", "《中华人民共和国劳动法》第六十九条")
        page.click("#hr-form-submit")
        page.wait_for_selector("#hr-form-error:not([hidden])")
        assert "发证机构" in page.inner_text("#hr-form-error")
        assert page.evaluate("document.activeElement.id") == "hr-f-issuer"
        assert page.get_attribute("#hr-f-issuer", "aria-invalid") == "true"
        page.fill("#hr-f-issuer", "广州市人力资源和社会保障局")
        shots(page, artifacts, "hrfile-add")
        page.fill("#hr-f-issuer", "广州市人力资源和社会保障局")  # redrawn by the language switches
        page.fill("#hr-f-name", "电工（四级）职业资格")
        page.fill("#hr-f-certificate_no", "S440100-2026-0042")
        page.fill("#hr-f-issued_on", "2026-07-15")
        page.fill("#hr-form-basis", "《中华人民共和国劳动法》第六十九条")
        _redrawn(page, lambda: page.click("#hr-form-submit"))
        wait_screen(page, "hrfile/person")
        page.wait_for_selector("#hr-flash")
        added = page.locator("section.hr-kind[data-kind=qualification] article.hr-record")
        assert added.count() == 1
        assert "窗口补录 · " in added.inner_text() and "S440100-2026-0042" in added.inner_text()
        # Their own office's record they may correct (by keyboard).
        assert added.locator("a.hr-correct").count() == 1
        tab_to(page, "section.hr-kind[data-kind=qualification] a.hr-correct")
        page.keyboard.press("Enter")
        wait_screen(page, "hrfile/correct")
        assert page.input_value("#hr-f-certificate_no") == "S440100-2026-0042"

        # The holder's own view has the record, from the counter.
        mine = _ok(server.api("GET", "/api/v1/me/hrfile?kind=qualification", token=_citizen_token(server, HOLDER)))["items"]
        assert [r["source"]["kind"] for r in mine] == ["staff"], mine

        # The next person: no records, said so.
        _open(page, "#/hrfile", "hrfile")
        _look_up(page, server, EMPTY)
        page.wait_for_selector("#hr-empty")
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_supervisor_corrects_an_agency_record_beside_the_original(browser, server, artifacts):
    _agency, ids = _agency_writes(server)
    original = ids["contribution"]
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "gz-supervisor2", hash_="#/hrfile")
        wait_screen(page, "hrfile")
        _look_up(page, server, HOLDER)
        page.wait_for_selector(f"article.hr-record[data-id='{original}'] a.hr-correct")
        _redrawn(page, lambda: page.click(f"article.hr-record[data-id='{original}'] a.hr-correct"))
        wait_screen(page, "hrfile/correct")

        # The form starts from the record; a reason is required.
        assert page.input_value("#hr-f-base_fen") == "8000.00"
        assert page.input_value("#hr-f-month") == "2026-10"
        assert page.input_value("#hr-f-insurance") == "pension"
        assert page.input_value("#hr-form-basis") == STATUTE
        page.fill("#hr-f-base_fen", "9000")
        page.fill("#hr-f-employer_fen", "1440.00")
        page.fill("#hr-f-person_fen", "720")
        page.click("#hr-form-submit")
        page.wait_for_selector("#hr-form-error:not([hidden])")
        assert "更正原因" in page.inner_text("#hr-form-error")
        assert page.evaluate("document.activeElement.id") == "hr-form-reason"
        page.fill("#hr-form-reason", "缴费基数按单位申报更正为 9000 元")
        shots(page, artifacts, "hrfile-correct")
        page.fill("#hr-f-base_fen", "9000")  # the form as redrawn by the language switches
        page.fill("#hr-f-employer_fen", "1440.00")
        page.fill("#hr-f-person_fen", "720")
        page.fill("#hr-form-reason", "缴费基数按单位申报更正为 9000 元")
        _redrawn(page, lambda: page.click("#hr-form-submit"))
        wait_screen(page, "hrfile/person")
        page.wait_for_selector("#hr-flash")

        # Beside the original: the original stays, corrected; the correction with its reason and new figures.
        chain = page.locator(f".hr-chain:has(article[data-id='{original}'])")
        assert chain.locator("article.hr-record").count() == 2
        first, second = chain.locator("article.hr-record").all()
        assert first.get_attribute("data-id") == original and first.get_attribute("data-status") == "corrected"
        assert "¥8,000.00" in first.inner_text() and "已更正" in first.inner_text()
        assert second.get_attribute("data-status") == "current" and "hr-correction" in second.get_attribute("class")
        assert "¥9,000.00" in second.inner_text() and "缴费基数按单位申报更正为 9000 元" in second.inner_text()
        assert "窗口补录" in second.inner_text()
        box = [el.bounding_box() for el in (first, second)]
        assert box[1]["x"] > box[0]["x"] and abs(box[1]["y"] - box[0]["y"]) < 2, box  # side by side on a desk
        assert first.locator("a.hr-correct").count() == 0  # a corrected record is not corrected again
        shots(page, artifacts, "hrfile-corrected")
        _elder_buttons_large(page)

        # The holder's own view agrees: both records, the original pointing at its correction.
        mine = _ok(server.api("GET", "/api/v1/me/hrfile?kind=contribution", token=_citizen_token(server, HOLDER)))["items"]
        by_id = {r["id"]: r for r in mine}
        assert by_id[original]["status"] == "corrected"
        fix = by_id[by_id[original]["corrected_by"]]
        assert fix["corrects"] == original and fix["data"]["base_fen"] == 900_000

        # Phone width: the chain stacks, nothing scrolls sideways, axe clean.
        page.set_viewport_size(PHONE)
        _open(page, "#/hrfile/person?kind=contribution", "hrfile/person")
        chain = page.locator(f".hr-chain:has(article[data-id='{original}'])")
        chain.wait_for()
        first, second = chain.locator("article.hr-record").all()
        assert second.bounding_box()["y"] > first.bounding_box()["y"]
        shots(page, artifacts, "hrfile-corrected-phone")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow} px at 390 px"
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()


def test_provincial_operator_has_no_hr_file_entry(browser, server):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        sign_in(page, server, "admin2", hash_="#/hrfile")
        page.wait_for_selector("main[data-screen=not-found]")
        assert page.locator("#menu a[data-section=hrfile]").count() == 0
    finally:
        ctx.close()
