"""Scanner with YKD2 codes (issue 18) in Chromium, offline: a library learns only that the code is
valid and until when, a metro gate also the concessions and the transport function; a code made
for another service is refused in words that say what to do; SM2 codes verify like Ed25519 ones;
an old YKD1 code past the trust list's retirement date is refused with its date."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time

import pytest

from tests.codes.v2_codes import Issuer
from tests.e2e.conftest import ROOT
from tests.e2e.helpers import AXE_URL, axe_violations, wait_until

pytestmark = pytest.mark.browser

# The issuer keys the test signs with go into the scanner's held trust list beside the server's
# own (written while offline, so no sync replaces them): the screens are under test here, and the
# verifier's agreement with the server is tests/codes/test_vectors_js.py's.
ADD_TRUST = """async ([keys, retired]) => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    const store = () => db.transaction('kv', 'readwrite').objectStore('kv');
    const held = await new Promise((r) => { const q = store().get('jwks'); q.onsuccess = () => r(q.result); });
    const doc = { ...held.doc, keys: [...held.doc.keys, ...keys] };
    if (retired) doc.yk_retired_formats = retired;
    await new Promise((r) => { const q = store().put({ ...held, doc, fetchedAt: Date.now() }, 'jwks'); q.onsuccess = r; });
}"""

QUEUED = """async () => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    return new Promise((r) => { const q = db.transaction('queue').objectStore('queue').getAll(); q.onsuccess = () => r(q.result); });
}"""


def _transit_scanner(server) -> str:
    """A metro venue's scanner token, made on the server's database as the seed makes its venues."""
    from backend.lib import db
    from backend.venues import services as venues

    settings = server.settings  # the server's own

    async def run() -> str:
        async with db.lifespan(settings):
            _, token = await venues.ensure_demo_venue(
                name="E2E 地铁站", venue_type="metro", city_code="440100", scenarios=["transit_ride"]
            )
            return token

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        return pool.submit(asyncio.run, run()).result()


def _offline_scanner(context, server, token: str, issuers: list[Issuer], retired: dict | None = None):
    page = context.new_page()
    page.goto(f"{server.base_url}/scanner/#token={token}")
    page.wait_for_selector("#net-state[data-online='1']")
    wait_until(page, "async () => (await window.ykScanner.sync(), true)")
    page.add_script_tag(url=AXE_URL)  # while online: the accessibility checks run offline
    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online='0']")
    page.evaluate(ADD_TRUST, [[i.jwk for i in issuers], retired])
    return page


def _now() -> int:
    return int(time.time())


def _scan(page, code: str) -> dict:
    page.evaluate("() => window.ykScanner.clearVerdict()")
    page.fill("#manual-code", code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#result[data-offline='1']")
    panel = page.locator("#result")
    return {
        "result": panel.get_attribute("data-result"),
        "profile": panel.get_attribute("data-profile"),
        "attrs": page.eval_on_selector_all("#result dd[data-attr]", "els => els.map(e => e.dataset.attr)"),
        "text": panel.inner_text(),
    }


def _shot(page, artifacts, name: str, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    problems += [f"{name}: {v['impact']} {v['id']} ({v['help']})" for v in axe_violations(page)]


def test_library_learns_validity_only_and_refuses_a_metro_code(context, server, artifacts):
    ed, sm = Issuer("ed25519"), Issuer("sm2")
    page = _offline_scanner(context, server, server.scanners["library_entry"], [ed, sm])
    problems: list[str] = []

    code, cred_ref = ed.code(profile="validity", scenario="library_entry", now=_now())
    seen = _scan(page, code)
    assert seen["result"] == "valid" and seen["profile"] == "validity"
    assert seen["attrs"] == ["valid_until"]  # valid, and until when: nothing else
    for word in ("优待", "老年", "交通", "concession", "elderly"):
        assert word not in seen["text"]
    _shot(page, artifacts, "scanner-v2-library-validity-zh-Hans", problems)
    queued = page.evaluate(QUEUED)
    assert queued[-1]["cred_ref"] == cred_ref and queued[-1]["result"] == "valid"
    assert "card_ref" not in queued[-1] and "device_key_id" not in queued[-1]  # the credential, never the card

    sm_code, _ = sm.code(profile="validity", scenario="library_entry", now=_now())
    assert _scan(page, sm_code)["result"] == "valid"  # SM2 issuer and device signatures

    metro, _ = ed.code(profile="transit", scenario="transit_ride", attrs=0x09, now=_now())
    for lang, words in (
        ("zh-Hans", "钱包中选择“图书馆入馆”"),
        ("en", "choose Library entry in their wallet"),
        ("zh-Hant", "錢包中選擇「圖書館入館」"),
    ):
        page.evaluate(f"() => import('/shared/i18n.js').then((m) => m.setLang('{lang}'))")
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        seen = _scan(page, metro)
        assert seen["result"] == "wrong_scenario" and seen["attrs"] == []
        assert words in seen["text"], seen["text"]
        _shot(page, artifacts, f"scanner-v2-wrong-scenario-{lang}", problems)
    context.set_offline(False)
    assert problems == []


def test_metro_gate_learns_concessions_and_transport(context, server, artifacts):
    ed, sm = Issuer("ed25519"), Issuer("sm2")
    page = _offline_scanner(context, server, _transit_scanner(server), [ed, sm])
    problems: list[str] = []
    code, _ = sm.code(profile="transit", scenario="transit_ride", attrs=0x09, now=_now())  # elderly, transport
    seen = _scan(page, code)
    assert seen["result"] == "valid" and seen["profile"] == "transit"
    assert seen["attrs"] == ["valid_until", "concessions", "transport"]
    assert "老年" in seen["text"] or "长者" in seen["text"] or "elderly" in seen["text"], seen["text"]
    _shot(page, artifacts, "scanner-v2-metro-transit-zh-Hans", problems)

    # Without the transport function the gate refuses, whatever the signature says.
    no_transport, _ = ed.code(profile="transit", scenario="transit_ride", attrs=0x01, now=_now())
    assert _scan(page, no_transport)["result"] == "scenario_not_allowed"
    # A library code shown at the gate: made for another service.
    assert _scan(page, ed.code(profile="validity", scenario="library_entry", now=_now())[0])["result"] == "wrong_scenario"
    context.set_offline(False)
    assert problems == []


def test_a_ykd1_code_after_the_retirement_date_is_refused_with_the_date(context, server, artifacts):
    """The trust list's yk_retired_formats says when YKD1 stopped: a well-formed YKD1 code is then
    refused before any key is looked at (this one's signer is not even trusted)."""
    page = _offline_scanner(context, server, server.scanners["library_entry"], [], retired={"YKD1": 1_000_000_000})
    problems: list[str] = []
    page.evaluate("() => import('/shared/i18n.js').then((m) => m.setLang('en'))")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    seen = _scan(page, VECTOR_YKD1)
    assert seen["result"] == "format_retired", seen
    assert "no longer accepted since" in seen["text"] and "2001" in seen["text"], seen["text"]
    _shot(page, artifacts, "scanner-v2-format-retired-en", problems)
    context.set_offline(False)
    assert problems == []


VECTOR_YKD1 = json.loads((ROOT / "tests" / "vectors" / "offline-valid.json").read_text())["code"]
