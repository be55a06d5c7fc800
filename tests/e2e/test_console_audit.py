"""The console's audit section in Chromium (issue 15 §3): a provincial operator finds a clerk's look-up of
a holder (citizen 23) by the holder's document, sees what one staff member did (from the staff list's
row, and paged by keyboard), and checks the hash chain: intact, and broken against a wrong anchor.
axe and screenshots in three languages and elder mode."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.console_helpers import console_sign_in, screens_in_every_language, staff_token
from tests.e2e.helpers import axe_violations

LANGS = ("zh-Hans", "zh-Hant", "en")
AUDITOR, CLERK = "admin2", "gz-counter2"
CLERK_NAME = "广州柜员二 Counter Two"
CITIZEN = 23


def _rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#au-table tbody tr",
        "trs => trs.map(tr => ({seq: tr.dataset.key, cells: [...tr.children].map(c => c.textContent)}))",
    )


def test_search_finds_a_clerks_look_up_by_the_holders_document(context, server, artifacts):
    holder = server.citizen(CITIZEN)
    clerk = staff_token(server, CLERK)
    status, found = server.api(
        "POST", "/api/v1/staff/persons/lookup", {"doc_type": holder.doc_type, "id_number": holder.id_number}, token=clerk
    )
    assert status == 200, found

    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, AUDITOR, hash_="#/audit")
    page.wait_for_selector("main[data-screen=audit] #au-form")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    page.select_option("#au-doc-type", holder.doc_type)
    page.fill("#au-id-number", holder.id_number)
    page.fill("#au-action", "person.lookup")
    page.click("#au-search")
    page.wait_for_selector("#au-results-h")
    assert page.evaluate("document.activeElement.id") == "au-results-h"
    rows = _rows(page)
    assert rows and all("person.lookup" in r["cells"][2] for r in rows)
    assert any(CLERK_NAME in r["cells"][1] and "成功" in r["cells"][6] for r in rows)
    assert holder.id_number not in page.url  # the document never goes into the address
    assert page.locator("#au-table caption").count() == 1 and page.locator("#au-table thead th[scope=col]").count() == 8
    screens_in_every_language(page, artifacts, "audit-search")

    # The results stay through the language and elder-mode switches of the screenshots.
    assert [r["seq"] for r in _rows(page)] == [r["seq"] for r in rows]
    # A document type without its number is caught before anything is sent (on the form as redrawn in
    # the page's own language after the screenshots: wait for it, a click on the old one is lost).
    page.wait_for_selector("main[data-screen=audit] #au-form #au-search")
    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'")
    page.wait_for_load_state("networkidle")
    page.fill("#au-id-number", "")
    page.click("#au-search")
    page.wait_for_selector("#au-form .error:not([hidden])")
    assert "一起填" in page.inner_text("#au-form .error")


def test_what_one_staff_member_did_from_the_staff_list_paged_by_keyboard(context, server, artifacts):
    holder = server.citizen(CITIZEN)
    clerk = staff_token(server, CLERK)
    status, _ = server.api(
        "POST", "/api/v1/staff/persons/lookup", {"doc_type": holder.doc_type, "id_number": holder.id_number}, token=clerk
    )
    assert status == 200

    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, AUDITOR, hash_="#/registries/staff")
    page.wait_for_selector(f"#staff-table tbody tr[data-key='{CLERK}'] a[href^='#/audit?actor=']")
    page.click(f"#staff-table tbody tr[data-key='{CLERK}'] a[href^='#/audit?actor=']")
    page.wait_for_selector("main[data-screen=audit] #au-results-h")
    assert CLERK_NAME in page.inner_text("#au-results-h")
    assert page.input_value("#au-actor")  # the staff member is chosen in the form
    rows = _rows(page)
    assert rows and all(CLERK_NAME in r["cells"][1] for r in rows)
    assert any("person.lookup" in r["cells"][2] for r in rows)
    screens_in_every_language(page, artifacts, "audit-staff")

    # The auditor's own searches are on the record too: enough of them for a second page.
    auditor = staff_token(server, AUDITOR)
    for _ in range(26):
        status, _ = server.api(
            "POST", "/api/v1/audit/access-records/search", {"action": "person.lookup", "limit": 1}, token=auditor
        )
        assert status == 200
    page.select_option(
        "#au-actor",
        label=next(o for o in page.eval_on_selector_all("#au-actor option", "os => os.map(o => o.label)") if "(admin2)" in o),
    )
    page.click("#au-search")
    page.wait_for_selector("#au-older")
    first = [r["seq"] for r in _rows(page)]
    assert len(first) == 25
    # By keyboard: Tab from the search button reaches the table (a scrollable region) and "older".
    page.focus("#au-search")
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id"))
        if "au-older" in reached:
            break
    assert {"au-table", "au-older"} <= reached
    page.keyboard.press("Enter")
    page.wait_for_selector("#au-newer")
    second = [r["seq"] for r in _rows(page)]
    assert second and max(int(s) for s in second) < min(int(s) for s in first)  # older entries, none repeated
    assert "26" in page.inner_text("#au-table caption")
    page.click("#au-newer")
    page.wait_for_function("() => !document.getElementById('au-newer')")
    # Back to the newest page (each search is itself on the record, so it may have grown at the top).
    newest = [int(r["seq"]) for r in _rows(page)]
    assert len(newest) == 25 and min(newest) >= min(int(s) for s in first) and max(newest) >= max(int(s) for s in first)


def test_chain_check_shows_ok_and_where_it_breaks(context, server, artifacts):
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, AUDITOR, hash_="#/audit/chain")
    page.wait_for_selector("main[data-screen='audit/chain'] #au-chain-form")
    page.click("#au-check")
    page.wait_for_selector("#au-chain-result")
    assert "ok" in page.get_attribute("#au-chain-result", "class")
    assert "完整" in page.inner_text("#au-verdict")
    assert page.evaluate("document.activeElement.id") == "au-chain-h"
    screens_in_every_language(page, artifacts, "audit-chain-ok")

    # Against a head that was never noted (a rewritten tail would look like this): where it breaks.
    page.fill("#au-anchor-seq", "1")
    page.fill("#au-anchor-hash", "0" * 64)
    page.click("#au-check")
    page.wait_for_selector("#au-chain-result.broken")
    assert "断开" in page.inner_text("#au-verdict")
    assert "链头" in page.inner_text("#au-chain-result")
    page.screenshot(path=artifacts / "console-audit-chain-broken-zh-Hans.png", full_page=True)
    assert axe_violations(page) == []


SUPERVISOR = "gz-supervisor2"


def _anchor_now(server) -> str:
    """`yikatong audit anchor` against the server's own database and keys (as the periodic job does)."""
    env = {
        **os.environ,
        "YIKATONG_ENV": "test",
        "YIKATONG_DATA_DIR": server.settings.data_dir,
        "YIKATONG_KEY_DIR": str(server.settings.keys_path),
    }
    env.pop("YIKATONG_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "audit", "anchor"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_clerks_card_actions_listed_and_verified_in_the_chain(context, server, artifacts):
    """Issue 20, "Must show": a counter operator reports a loss and lifts it; their supervisor finds the
    entries by staff member, opens one's proof and sees it verified up to a signed anchor; then the report
    of unusual staff behaviour."""
    holder = server.citizen(CITIZEN)
    clerk = staff_token(server, CLERK)
    status, found = server.api(
        "POST", "/api/v1/staff/cards/lookup", {"doc_type": holder.doc_type, "id_number": holder.id_number}, token=clerk
    )
    assert status == 200, found
    card_id = found["cards"][0]["id"]
    for action, reason in (("report-loss", "Holder lost the card at the station"), ("lift-loss", "Card found again")):
        status, answer = server.api("POST", f"/api/v1/staff/cards/{card_id}/actions/{action}", {"reason": reason}, token=clerk)
        assert status == 200, answer
    assert _anchor_now(server).startswith("anchor ")

    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    console_sign_in(page, server, SUPERVISOR, hash_="#/audit")
    page.wait_for_selector("main[data-screen=audit] #au-form #au-office")
    page.select_option(
        "#au-actor",
        label=next(o for o in page.eval_on_selector_all("#au-actor option", "os => os.map(o => o.label)") if f"({CLERK})" in o),
    )
    page.fill("#au-action", "card.report_loss")
    page.click("#au-search")
    page.wait_for_selector("#au-table tbody tr")
    rows = _rows(page)
    assert rows and all(CLERK_NAME in r["cells"][1] and "card.report_loss" in r["cells"][2] for r in rows)
    assert "挂失" in rows[0]["cells"][2]
    newest = page.locator("#au-table tbody tr").first
    assert len(newest.locator("code.au-hash").get_attribute("title")) == 64  # each entry's hash and position
    page.screenshot(path=artifacts / "console-audit-clerk-card-actions-zh-Hans.png", full_page=True)

    newest.locator("a.au-proof").click()
    page.wait_for_selector("main[data-screen='audit/entry'] #au-proof")
    verdict = page.inner_text("#au-proof-verdict")
    assert "已在记录链中核验" in verdict and "锚点" in verdict, verdict
    assert "ok" in page.get_attribute("#au-proof", "class")
    assert page.inner_text("#au-proof .au-statement").count(".") == 2  # the published compact JWS
    screens_in_every_language(page, artifacts, "audit-entry-proof")

    # The report of unusual staff behaviour for the supervisor's city.
    page.goto(f"{server.base_url}/console/#/audit/staff")
    page.wait_for_selector("main[data-screen='audit/staff'] #au-rep-form #au-rep-run")
    page.wait_for_load_state("networkidle")
    page.click("#au-rep-run")
    page.wait_for_selector("#au-rep-table")
    assert CLERK_NAME in page.inner_text("#au-rep-table")
    assert page.locator("#au-rep-table caption").count() == 1
    screens_in_every_language(page, artifacts, "audit-staff-report")
