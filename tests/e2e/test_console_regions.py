"""Console section "Other regions" (issue 19) in Chromium, on the two-region fixture's Guangdong
instance: the operator sees Hong Kong's list fresh and Guangdong's own fingerprint and trust-list URL,
imports a third real region (Macao, a service of its own) through the form (a wrong fingerprint first:
the server's refusal is shown), sees it fresh, narrows what its cards may do and suspends it; a refresh
that fails once Macao is gone shows its last error in the operator's words.
Screenshots in three languages and at 320 px, axe on each."""

from __future__ import annotations

import concurrent.futures
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e.helpers import axe_violations
from tests.e2e.regions_helpers import two_regions_fixture  # noqa: F401 - the fixture gd_hk
from tests.federation import regions as fed

pytestmark = pytest.mark.browser

LANGS = ("zh-Hans", "zh-Hant", "en")


@pytest.fixture
def macao():
    """A third region, started like the fixture's two (its own SQLite, keys and store); imported by nobody."""
    tmp = Path(tempfile.mkdtemp(prefix="yk-macao-"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # asyncio.run away from Playwright's loop
        region = pool.submit(
            fed._start,
            "mo",
            {},
            tmp,
            region="820000",
            names=("澳门", "Macao"),
            cities=[("820000", "澳门特别行政区", "Macao SAR"), ("820001", "花地玛堂区", "Our Lady of Fatima Parish")],
            city="820001",
        ).result()
    try:
        yield region
    finally:
        fed.stop(region)
        shutil.rmtree(tmp, ignore_errors=True)


def _sign_in(page, gd) -> None:
    page.goto(f"{gd.base_url}/console/#/regions")
    page.wait_for_selector("#signin-form")
    page.fill("#username", f"fed-{gd.code}")
    page.fill("#password", fed.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#menu:not([hidden]), #totp-start")
    if page.locator("#totp-start").count() and not page.locator("#menu:not([hidden])").count():
        page.goto(f"{gd.base_url}/console/#/regions")
    page.wait_for_selector("main[data-screen='regions']")


def _shots(page, artifacts: Path, name: str, problems: list[str]) -> None:
    for lang in LANGS:
        if page.evaluate("document.documentElement.lang") != lang:
            page.evaluate("() => { for (const el of document.querySelectorAll('main > *')) el.dataset.old = '1'; }")
            page.select_option("#lang-select", lang)
            page.wait_for_selector("main > :not([data-old]) h1, main > h1:not([data-old])")
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
        page.screenshot(path=str(artifacts / f"console-regions-{name}-{lang}.png"), full_page=True)
        problems += [f"{name} {lang}: {v['impact']} {v['id']} {v['nodes']}" for v in axe_violations(page)]


def test_operator_imports_a_region_and_sees_it_fresh(browser, gd_hk, macao, artifacts):
    gd, hk = gd_hk
    ctx = browser.new_context(base_url=gd.base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    try:
        page = ctx.new_page()
        _sign_in(page, gd)
        row = page.locator("#region-table tbody tr[data-key='810000']")
        assert row.locator("[data-fresh='1']").count() == 1, row.inner_text()
        # Our own region, as others import it: the fixture's fingerprint (computed by the server).
        assert page.locator("#own-fingerprint").inner_text() == gd.fingerprint
        assert page.locator("#own-url").inner_text() == gd.trust_list_url
        _shots(page, artifacts, "list", problems)

        # A wrong fingerprint (Hong Kong's, for Macao's list): refused, in our words and the server's.
        page.reload()  # English stays (the last screenshot's language), and the form is drawn once
        page.wait_for_selector("main[data-screen='regions'] #region-form")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.fill("#region-code", macao.code)
        page.fill("#region-name", macao.name)
        page.fill("#region-name-en", macao.name_en)
        page.fill("#region-fingerprint", hk.fingerprint)
        page.fill("#region-url", macao.trust_list_url)
        page.check("#region-scenarios input[value=library_entry]")
        page.check("#region-disclose input[value=valid_until]")
        page.click("#region-form button[type=submit]")
        error = page.locator("#region-form .error")
        error.wait_for(state="visible")
        assert "not signed by the key with this fingerprint" in error.inner_text(), error.inner_text()
        assert "signed by a root key with another fingerprint" in error.inner_text()  # the server's message
        page.screenshot(path=str(artifacts / "console-regions-wrong-fingerprint-en.png"), full_page=True)
        problems += [f"wrong fingerprint: {v['id']}" for v in axe_violations(page)]

        # The right one: imported, fetched and checked at once, fresh.
        page.fill("#region-fingerprint", macao.fingerprint)
        page.click("#region-form button[type=submit]")
        page.wait_for_selector("main[data-screen='regions/region']")
        assert page.locator("#region-state [data-fresh='1']").count() == 1
        assert page.locator("#region-seq").inner_text().isdigit()
        _shots(page, artifacts, "macao", problems)

        # What its cards may do here: the scenic spots too, and the concessions.
        page.check("#region-edit #region-scenarios input[value=scenic_entry]")
        page.check("#region-edit #region-disclose input[value=concessions]")
        page.click("#region-edit button[type=submit]")
        page.locator("#region-edit .success").wait_for(state="visible")
        status, saved = gd.api("GET", f"/api/v1/federation/regions/{macao.code}", token=gd.operator_token)
        assert status == 200 and set(saved["scenarios"]) == {"library_entry", "scenic_entry"}, saved
        assert set(saved["disclose"]) == {"valid_until", "concessions"}, saved

        # Suspend (asked first), then the list says so.
        page.click("#region-toggle")
        page.locator("dialog[open] button.danger").click()
        page.wait_for_selector("#region-done")
        assert page.locator("#region-state [data-fresh='suspended']").count() == 1
        page.goto(f"{gd.base_url}/console/#/regions")
        page.wait_for_selector("#region-table tbody tr[data-key='820000'] [data-fresh='suspended']")

        # Macao goes away: a refresh fails, and the last error is told in the operator's language (the
        # server's English message on hover), in the list and on the region's page.
        fed.stop(macao)
        page.goto(f"{gd.base_url}/console/#/regions/region?code={macao.code}")
        page.wait_for_selector("main[data-screen='regions/region'] #region-facts")
        page.click("#region-refresh")
        page.wait_for_selector("#region-done")  # drawn again after the refresh
        # The refresh is said to have failed (not "fetched and checked again"), as an alert.
        assert page.get_attribute("#region-done", "role") == "alert"
        assert "did not succeed" in page.inner_text("#region-done")
        failed = page.locator("#region-error [data-error='federation.unreachable']")
        failed.wait_for()
        assert failed.inner_text() == "The trust list URL could not be reached.", failed.inner_text()
        assert failed.get_attribute("title").startswith("federation.unreachable: ")
        page.goto(f"{gd.base_url}/console/#/regions")
        listed = page.locator("#region-table tbody tr[data-key='820000'] [data-error='federation.unreachable']")
        listed.wait_for()
        assert listed.inner_text() == "The trust list URL could not be reached.", listed.inner_text()
        page.screenshot(path=str(artifacts / "console-regions-last-error-en.png"), full_page=True)
        problems += [f"last error: {v['id']}" for v in axe_violations(page)]

        # A phone's width.
        page.set_viewport_size({"width": 320, "height": 800})
        page.reload()
        page.wait_for_selector("main[data-screen='regions']")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 321"
            " && !e.closest('.table-wrap')).slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className)"
        )
        assert page.evaluate("() => document.documentElement.scrollWidth <= 321"), wide
        page.screenshot(path=str(artifacts / "console-regions-list-320.png"), full_page=True)
        problems += [f"320: {v['id']}" for v in axe_violations(page)]
        page.goto(f"{gd.base_url}/console/#/regions/region?code={hk.code}")
        page.wait_for_selector("main[data-screen='regions/region'] #region-facts")
        assert page.evaluate("() => document.documentElement.scrollWidth <= 321")
        page.screenshot(path=str(artifacts / "console-regions-hk-320.png"), full_page=True)
        problems += [f"320 region: {v['id']}" for v in axe_violations(page)]
    finally:
        ctx.close()
        # Nobody else's calls go to Macao: suspended (also when the test failed half-way).
        gd.api("PATCH", f"/api/v1/federation/regions/{macao.code}", {"status": "suspended"}, token=gd.operator_token)
    assert problems == []
