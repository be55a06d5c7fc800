"""The scanner and cards of other regions (issue 19) in Chromium.

Two kinds of test. The two-region proof (`test_gd_scanner_*`) uses the fixture of two real
instances (tests/federation/regions.py): a Guangdong scanner PWA verifies a Hong Kong citizen's
online code (through its server, which asks Hong Kong) and offline YKD2 code (with Hong Kong's keys
from GET /api/v1/federation/trust, network cut), then Hong Kong suspends the card, Guangdong
refreshes, and the scanner's next lists refuse it. The held-trust test writes a merged trust
document into the scanner's store, as tests/e2e/test_scanner_v2.py writes a trust list, to walk
every branch of the region choice on the shared server (no second instance needed)."""

from __future__ import annotations

import time

import pytest

from tests.codes.v2_codes import Issuer
from tests.e2e.helpers import AXE_URL, axe_violations, wait_until

pytestmark = pytest.mark.browser

LANGS = (("zh-Hans", "香港"), ("zh-Hant", "香港"), ("en", "Hong Kong"))

# A merged trust document put where the scanner keeps the last one fetched (IndexedDB kv
# 'federation', the shape pwa/scanner/federation.js stores), while offline so no sync replaces it.
HOLD_FEDERATION = """async (held) => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    const store = db.transaction('kv', 'readwrite').objectStore('kv');
    await new Promise((r) => { const q = store.put({ ...held, fetchedAt: Date.now() }, 'federation'); q.onsuccess = r; });
}"""

QUEUED = """async () => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    return new Promise((r) => { const q = db.transaction('queue').objectStore('queue').getAll(); q.onsuccess = () => r(q.result); });
}"""

HELD = """async () => {
    const db = await new Promise((r) => { const q = indexedDB.open('yk-scanner'); q.onsuccess = () => r(q.result); });
    return new Promise((r) => { const q = db.transaction('kv').objectStore('kv').get('federation'); q.onsuccess = () => r(q.result || null); });
}"""


def _now() -> int:
    return int(time.time())


def _set_lang(page, lang: str) -> None:
    page.evaluate(f"() => import('/shared/i18n.js').then((m) => m.setLang('{lang}'))")
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")


def _scan(page, code: str, offline: bool) -> dict:
    page.evaluate("() => window.ykScanner.clearVerdict()")
    page.fill("#manual-code", code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector(f"#result[data-offline='{1 if offline else 0}']")
    panel = page.locator("#result")
    region = page.locator("#result-region")
    return {
        "result": panel.get_attribute("data-result"),
        "region": region.get_attribute("data-region") if region.count() else None,
        "region_text": region.inner_text() if region.count() else "",
        "attrs": page.eval_on_selector_all("#result dd[data-attr]", "els => els.map(e => e.dataset.attr)"),
        "text": panel.inner_text(),
    }


def _shot(page, artifacts, name: str, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    problems += [f"{name}: {v['impact']} {v['id']} ({v['help']})" for v in axe_violations(page)]


def _hk_entry(issuer: Issuer, **extra) -> dict:
    entry = {
        "code": "810000",
        "name": "香港",
        "name_en": "Hong Kong",
        "keys": [issuer.jwk],
        "scenarios": ["library_entry"],
        "disclose": ["valid_until"],
        "credentials": {},
        "cards": {},
        "devices": [],
        "revocations_version": 3,
        "valid_until": _now() + 86400,
    }
    return entry | extra


def test_held_trust_picks_keys_by_the_codes_region(context, server, artifacts):
    """A YKD2 code of an imported region verifies with that region's keys only, shows only the
    import's disclosure and the region's name, is refused for a scenario not accepted, by its
    region's revocations, once the region's entry has expired, and when the region is unknown."""
    hk, gd_foreign, macao = Issuer("ed25519"), Issuer("sm2"), Issuer("ed25519")
    page = context.new_page()
    page.goto(f"{server.base_url}/scanner/#token={server.scanners['scenic_entry']}")
    page.wait_for_selector("#net-state[data-online='1']")
    wait_until(page, "async () => (await window.ykScanner.sync(), true)")
    page.add_script_tag(url=AXE_URL)
    context.set_offline(True)
    page.wait_for_selector("#net-state[data-online='0']")
    problems: list[str] = []

    revoked_ref = "00112233aabbccdd"
    # Scenic entry accepted, concessions disclosed but not the transport function.
    held = {
        "home": "440000",
        "generatedAt": _now(),
        "regions": [
            _hk_entry(
                hk, scenarios=["scenic_entry"], disclose=["valid_until", "concessions"], credentials={revoked_ref: "suspended"}
            ),
            _hk_entry(macao, code="820000", name="澳门", name_en="Macao", valid_until=_now() - 10),  # past valid_until
        ],
    }
    page.evaluate(HOLD_FEDERATION, held)

    codes = [hk.code(profile="concession", scenario="scenic_entry", attrs=0x01, region=810001, now=_now()) for _ in LANGS]
    cred_ref = codes[0][1]
    for (lang, name), (code, _) in zip(LANGS, codes, strict=True):
        _set_lang(page, lang)
        seen = _scan(page, code, offline=True)
        assert seen["result"] == "valid", seen
        assert seen["region"] == "810000" and name in seen["region_text"], seen
        assert seen["attrs"] == ["valid_until", "concessions"], seen
        _shot(page, artifacts, f"scanner-regions-held-valid-{lang}", problems)
    queued = page.evaluate(QUEUED)
    mine = [q for q in queued if q.get("cred_ref") == cred_ref]
    assert mine and mine[-1]["region"] == "810000" and mine[-1]["result"] == "valid", queued[-3:]

    # The same region's key does not verify a code claiming our own region: home lists decide.
    _set_lang(page, "zh-Hans")
    assert (
        _scan(page, hk.code(profile="concession", scenario="scenic_entry", region=440100, now=_now())[0], offline=True)["result"]
        == "unknown_key"
    )
    # Another region's key under Hong Kong's region field: not Hong Kong's key.
    forged = gd_foreign.code(profile="concession", scenario="scenic_entry", region=810001, now=_now())[0]
    assert _scan(page, forged, offline=True)["result"] == "unknown_key"
    # Hong Kong's revocations.
    revoked = hk.code(
        profile="concession", scenario="scenic_entry", region=810001, now=_now(), cred_ref=bytes.fromhex(revoked_ref)
    )[0]
    assert _scan(page, revoked, offline=True)["result"] == "card_suspended"

    # Macao's entry is past its valid_until; 710000 was never imported.
    for lang, words in (("zh-Hans", "请勿放行"), ("zh-Hant", "請勿放行"), ("en", "Do not admit")):
        _set_lang(page, lang)
        for region in (820001, 710000):
            issuer = macao if region == 820001 else hk
            seen = _scan(
                page, issuer.code(profile="concession", scenario="scenic_entry", region=region, now=_now())[0], offline=True
            )
            assert seen["result"] == "region_not_trusted" and words in seen["text"], seen
            assert seen["region"] == f"{region // 10000 * 10000}" and seen["attrs"] == []
        _shot(page, artifacts, f"scanner-regions-held-not-trusted-{lang}", problems)

    # Accepted for library entry only: not at this museum.
    page.evaluate(HOLD_FEDERATION, {**held, "regions": [_hk_entry(hk)]})
    for lang, words in (("zh-Hans", "不受理"), ("zh-Hant", "不受理"), ("en", "not accepted")):
        _set_lang(page, lang)
        seen = _scan(page, hk.code(profile="concession", scenario="scenic_entry", region=810001, now=_now())[0], offline=True)
        assert seen["result"] == "region_not_accepted" and words in seen["text"], seen
        _shot(page, artifacts, f"scanner-regions-held-not-accepted-{lang}", problems)

    # At 320 px the verdict with its region still fits.
    page.set_viewport_size({"width": 320, "height": 720})
    page.evaluate(HOLD_FEDERATION, held)
    _scan(page, hk.code(profile="concession", scenario="scenic_entry", attrs=0x01, region=810001, now=_now())[0], offline=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= 320")
    _shot(page, artifacts, "scanner-regions-held-valid-320", problems)
    context.set_offline(False)
    assert problems == []


def test_a_server_answer_that_is_not_a_trust_document_keeps_the_held_one(context, server):
    """The shared server of these tests has no federation routes yet or has them: either way the
    scanner's sync never throws away a good held copy for a bad answer, and a 404 means no
    federation (every code a home code)."""
    page = context.new_page()
    page.goto(f"{server.base_url}/scanner/#token={server.scanners['library_entry']}")
    page.wait_for_selector("#net-state[data-online='1']")
    wait_until(page, "async () => (await window.ykScanner.sync(), true)")
    status, _ = server.api("GET", "/api/v1/federation/trust", token=server.scanners["library_entry"])
    held = page.evaluate(HELD)
    if status == 404:
        assert held is None
    else:
        assert status == 200 and held and held["home"] == "440000", (status, held)


# --- the two-region proof in the browser (tests/federation/regions.py) ---------------------------

from tests.e2e.regions_helpers import code_maker, two_regions_fixture  # noqa: E402, F401 - the fixture gd_hk
from tests.federation.regions import offline_code, online_code, restart, stop  # noqa: E402

UPLOAD = "/api/v1/verify/offline-results"


@pytest.fixture
def gd_context(browser, gd_hk):
    gd, _ = gd_hk
    ctx = browser.new_context(
        base_url=gd.base_url, locale="zh-CN", viewport={"width": 420, "height": 860}, service_workers="allow"
    )
    yield ctx
    ctx.close()


def _gd_scanner(ctx, gd):
    page = ctx.new_page()
    page.goto(f"{gd.base_url}/scanner/#token={gd.scanner_tokens['library_entry']}")
    page.wait_for_selector("#net-state[data-online='1']")
    # The lists, other regions' trust among them, are loaded before the network goes.
    wait_until(
        page,
        f"async () => (await window.ykScanner.sync(), ({HELD})().then((h) => h && h.regions.some((r) => r.code === '810000')))",
    )
    page.add_script_tag(url=AXE_URL)
    return page


def test_gd_scanner_verifies_hong_kong_cards_online_and_offline_then_refuses_a_suspended_one(gd_context, gd_hk, artifacts):
    gd, hk = gd_hk
    page = _gd_scanner(gd_context, gd)
    problems: list[str] = []

    # Online: the GD server asks Hong Kong; the verdict names the issuing region.
    for lang, name in LANGS:
        _set_lang(page, lang)
        seen = _scan(page, online_code(hk), offline=False)
        assert seen["result"] == "valid", seen
        assert seen["region"] == "810000" and name in seen["region_text"], seen
        _shot(page, artifacts, f"scanner-regions-hk-online-{lang}", problems)

    # Online, a Hong Kong YKD2 code (what its wallet shows offline): the scanner sends it to GD's
    # server, which checks it with the merged trust and names the region (review item 1).
    _, ykd2 = code_maker(hk)  # one credential batch (batches are rate-limited): a code per second from it
    made: set[str] = set()
    for lang, name in LANGS:
        _set_lang(page, lang)
        while (code := ykd2()) in made:
            time.sleep(0.2)
        made.add(code)
        seen = _scan(page, code, offline=False)
        assert seen["result"] == "valid", seen
        assert seen["region"] == "810000" and name in seen["region_text"], seen
        assert seen["attrs"] == ["valid_until"], seen  # the validity profile, online too
        _shot(page, artifacts, f"scanner-regions-hk-online-ykd2-{lang}", problems)

    # Offline: Hong Kong's keys and revocations from the merged trust, the network cut.
    later_ref, later_code = code_maker(hk)  # held by the phone before the card is suspended
    codes = [offline_code(hk, "library_entry") for _ in LANGS]
    gd_context.set_offline(True)
    page.wait_for_selector("#net-state[data-online='0']")
    for (lang, name), (code, _) in zip(LANGS, codes, strict=True):
        _set_lang(page, lang)
        seen = _scan(page, code, offline=True)
        assert seen["result"] == "valid", seen
        assert seen["region"] == "810000" and name in seen["region_text"], seen
        assert seen["attrs"] == ["valid_until"], seen  # the validity profile: until when, nothing else
        _shot(page, artifacts, f"scanner-regions-hk-offline-{lang}", problems)
    # A region GD never imported (Macao's region field, a key nobody published).
    stranger = Issuer("ed25519").code(profile="validity", scenario="library_entry", region=820001, now=_now())[0]
    seen = _scan(page, stranger, offline=True)
    assert seen["result"] == "region_not_trusted" and seen["region"] == "820000", seen
    queued = page.evaluate(QUEUED)
    foreign = [q for q in queued if q.get("region") == "810000"]
    assert {q["cred_ref"] for q in foreign} == {c[1]["cred_ref"] for c in codes}, queued

    # Back online: the queue goes up, foreign scans with their region, and the server takes them.
    with page.expect_response(lambda r: UPLOAD in r.url and r.request.method == "POST") as uploaded:
        gd_context.set_offline(False)
        page.evaluate("() => window.ykScanner.sync()")
    assert uploaded.value.status == 200, uploaded.value.text()

    # Hong Kong suspends the card (its holder reports it lost); GD refreshes; the scanner syncs.
    status, body = hk.api("POST", "/api/v1/me/card/actions/report-temp-loss", {}, token=hk.citizen_token)
    assert status == 200, (status, body)
    try:
        gd.refresh(hk.code)
        wait_until(
            page,
            f"async () => (await window.ykScanner.sync(), ({HELD})().then((h) => "
            f"h.regions.some((r) => r.code === '810000' && r.credentials['{later_ref}'])))",
        )
        gd_context.set_offline(True)
        page.wait_for_selector("#net-state[data-online='0']")
        for lang in ("zh-Hans", "en"):
            _set_lang(page, lang)
            seen = _scan(page, later_code(), offline=True)
            assert seen["result"] == "card_suspended", seen
            assert seen["attrs"] == []
            _shot(page, artifacts, f"scanner-regions-hk-suspended-{lang}", problems)
        gd_context.set_offline(False)
    finally:
        # Best effort: the card comes back for whoever uses the fixture next in this session.
        hk.api("POST", f"/api/v1/staff/cards/{hk.card_id}/actions/lift-loss", {}, token=hk.operator_token)
    assert problems == []


def test_gd_scanner_says_do_not_admit_when_hong_kong_does_not_answer(gd_context, gd_hk, artifacts):
    gd, hk = gd_hk
    page = _gd_scanner(gd_context, gd)
    problems: list[str] = []
    codes = [online_code(hk) for _ in LANGS]
    stop(hk)
    try:
        for (lang, _), code, words in zip(LANGS, codes, ("请勿放行", "請勿放行", "Do not admit"), strict=True):
            _set_lang(page, lang)
            seen = _scan(page, code, offline=False)
            assert seen["result"] == "issuer_unreachable", seen
            assert words in seen["text"], seen
            _shot(page, artifacts, f"scanner-regions-issuer-unreachable-{lang}", problems)
        # Not remembered: the same code is asked again (and answers once Hong Kong is back).
    finally:
        restart(hk)
    seen = _scan(page, codes[0], offline=False)
    assert seen["result"] == "valid", seen
    assert problems == []
