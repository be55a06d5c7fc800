"""Stale offline lists (issue 15 §1): an offline scanner whose trust and revocation lists were
issued 30 hours ago still verifies, but the verdict is amber and says how old the lists are;
with lists 12 days old it refuses to verify offline ("lists too old") until it syncs. The limits
come from the server with the revocation list (YIKATONG_OFFLINE_LISTS_WARN_HOURS / _MAX_HOURS)."""

from __future__ import annotations

import base64
import time

import pytest

from backend.codes import format as fmt
from backend.lib import ed25519
from tests.e2e.helpers import AXE_URL, axe_violations

pytestmark = pytest.mark.browser

SCENARIO = "library_entry"
HOLDER = 13  # this module's citizen (offline library visits go on its record)

STALE_WORDS = {"zh-Hans": "本机名单签发于", "zh-Hant": "本機名單簽發於", "en": "This scanner's lists were issued"}
REFUSED_WORDS = {"zh-Hans": "名单过旧", "zh-Hant": "名單過舊", "en": "Lists too old"}

# The scanner's lists as if the server had issued them `hours` ago (the scanner synced then and
# has been offline since): their issue time is what the scanner ages them by.
AGE_LISTS = """async (hours) => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    const store = () => db.transaction('kv', 'readwrite').objectStore('kv');
    for (const name of ['jwks', 'revocation']) {
        const value = await new Promise((r) => { const q = store().get(name); q.onsuccess = () => r(q.result); });
        value.issuedAt = Date.now() - hours * 3600 * 1000;
        await new Promise((r) => { const q = store().put(value, name); q.onsuccess = () => r(); });
    }
    await window.ykScanner.refreshStatus();
}"""


class Phone:
    """The holder's phone as the wallet binds it: a device key and the credential issued for it,
    making a fresh offline code whenever one is shown (the wallet's own job, done here so each
    scan gets a code of its own)."""

    def __init__(self, server) -> None:
        citizen = server.citizen(HOLDER)
        status, body = server.api(
            "POST",
            "/api/v1/auth/login",
            {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password},
        )
        assert status == 200, body
        self.token = body["token"]
        self.seed, public = ed25519.generate()
        key = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
        status, device = server.api("POST", "/api/v1/me/devices", {"label": "stale-list test", "public_key": key}, self.token)
        assert status == 201, device
        status, cred = server.api("POST", "/api/v1/me/credentials", {"device_id": device["id"]}, self.token)
        assert status == 200, cred
        self.credential = base64.urlsafe_b64decode(cred["credential"] + "==")

        self.last = 0

    def code(self) -> str:
        """A code of its own: codes made in the same second are the same code (a repeat)."""
        while int(time.time()) <= self.last:
            time.sleep(0.1)
        self.last = int(time.time())
        return fmt.make_offline_code(self.credential, self.seed, self.last)


@pytest.fixture(scope="module")
def phone(server) -> Phone:
    return Phone(server)


def _scanner(browser, server, *, lang: str, elder: bool):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 900})
    ctx.add_init_script(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{int(elder)}');")
    page = ctx.new_page()
    page.goto(f"{server.base_url}/scanner/#token={server.scanners[SCENARIO]}")
    page.wait_for_selector("#net-state[data-online='1']")
    page.wait_for_selector("#status[data-lists=fresh]")
    page.evaluate("() => { window.ykScanner.state.verdictMs = 60_000; }")  # the verdicts stay while looked at
    page.add_script_tag(url=AXE_URL)  # while online: the accessibility checks run offline
    return ctx, page


def _scan(page, code: str) -> None:
    page.evaluate("(code) => window.ykScanner.handleText(code)", code)


def _queued(page) -> int:
    return int(page.locator("#queued").get_attribute("data-count"))


def _suffix(lang: str, elder: bool) -> str:
    return f"{lang}{'-elder' if elder else ''}"


@pytest.mark.parametrize(("lang", "elder"), [("zh-Hans", False), ("zh-Hant", False), ("en", False), ("zh-Hans", True)])
def test_old_lists_warn_at_30_hours_and_refuse_at_12_days(browser, server, artifacts, phone, lang, elder):
    ctx, page = _scanner(browser, server, lang=lang, elder=elder)
    try:
        ctx.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")

        # Lists issued 30 hours ago (past the 24 h warning age): valid, but amber, saying how old.
        page.evaluate(AGE_LISTS, 30)
        page.wait_for_selector("#lists-note[data-level=warn]")
        _scan(page, phone.code())
        page.wait_for_selector("#result[data-offline='1']")
        result = page.locator("#result")
        assert result.get_attribute("data-result") == "valid"
        assert result.get_attribute("data-tone") == "stale" and result.get_attribute("data-stale") == "warn"
        assert page.locator("#stale-note").inner_text().startswith(STALE_WORDS[lang])
        amber = page.evaluate("() => getComputedStyle(document.querySelector('#result')).backgroundColor")
        assert amber not in ("rgb(10, 107, 47)",)  # never the green of a fresh check
        page.wait_for_selector("#queued[data-count='1']")
        assert axe_violations(page) == []
        page.screenshot(path=str(artifacts / f"scanner-verdict-stale-amber-{_suffix(lang, elder)}.png"), full_page=True)
        page.keyboard.press("Escape")
        page.wait_for_selector("#ready")

        # Lists issued 12 days ago (past the 72 h limit): nothing is verified offline.
        page.evaluate(AGE_LISTS, 12 * 24)
        page.wait_for_selector("#lists-note[data-level=limit]")
        _scan(page, phone.code())
        page.wait_for_selector("#result[data-result=lists_too_old]")
        assert result.get_attribute("data-tone") == "warn" and result.get_attribute("data-stale") == "limit"
        assert page.locator("#result .verdict").inner_text() == REFUSED_WORDS[lang]
        assert page.locator("#result dl.facts").count() == 0
        assert _queued(page) == 1  # refused before any check: nothing decided, nothing queued
        assert axe_violations(page) == []
        page.screenshot(path=str(artifacts / f"scanner-verdict-stale-refused-{_suffix(lang, elder)}.png"), full_page=True)
        page.keyboard.press("Escape")

        # Back online it syncs (and uploads); offline again, a new code is a plain green valid.
        ctx.set_offline(False)
        page.wait_for_selector("#queued[data-count='0']", timeout=15_000)
        page.wait_for_selector("#status[data-lists=fresh]", timeout=15_000)
        assert page.locator("#lists-note").count() == 0
        ctx.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")
        code = phone.code()
        _scan(page, code)
        page.wait_for_selector("#result[data-offline='1']")
        assert result.get_attribute("data-result") == "valid" and result.get_attribute("data-tone") == "ok"
        assert page.locator("#stale-note").count() == 0
        page.wait_for_selector("#queued[data-count='1']")
        # Offline too, the same code held up again is a repeat: blue, and nothing more queued.
        page.keyboard.press("Escape")
        page.wait_for_selector("#ready")
        _scan(page, code)
        page.wait_for_selector("#result[data-repeat='1']")
        assert result.get_attribute("data-tone") == "repeat" and result.get_attribute("data-offline") == "1"
        assert _queued(page) == 1
    finally:
        ctx.close()


def test_status_line_shows_the_lists_age_from_their_issue_time(browser, server, artifacts):
    ctx, page = _scanner(browser, server, lang="en", elder=False)
    try:
        ctx.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")
        page.evaluate(AGE_LISTS, 30)
        note = page.locator("#lists-note[data-level=warn]")
        note.wait_for()
        assert note.inner_text().startswith("Lists issued") and "hours ago" in note.inner_text()
        assert "hours ago" in page.locator("#trust-age").inner_text()
        assert "hours ago" in page.locator("#revocation-age").inner_text()
        page.evaluate(AGE_LISTS, 12 * 24)
        note = page.locator("#lists-note[data-level=limit]")
        note.wait_for()
        assert "days ago" in note.inner_text()
        page.screenshot(path=str(artifacts / "scanner-status-lists-too-old-en.png"), full_page=True)
    finally:
        ctx.close()
