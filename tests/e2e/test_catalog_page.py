"""The public catalog page in Chromium: a city's catalog, search, three languages, history, service points."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlsplit

import pytest

from tests.e2e.helpers import axe_violations

DEMO_PASSWORD = "Demo-pass-2026"  # backend.demo's staff password
LANG_FILES = ["zh-Hans", "zh-Hant", "en"]


def _login(server, username: str) -> str:
    """Staff sign in with a second factor: the TOTP code from server.staff_totp, never one used before."""
    from tests.e2e.console_helpers import staff_token as signed_in

    return signed_in(server, username)


def _text(zh: str, hant: str, en: str) -> dict:
    return {"zh-Hans": zh, "zh-Hant": hant, "en": en}


@pytest.fixture(scope="module")
def seeded(server):
    """A Guangzhou campus item (published), a provincial draft (never shown) and a service point."""
    admin, supervisor = _login(server, "admin"), _login(server, "gz-supervisor")
    tag = secrets.token_hex(3)
    campus = {
        "code": f"gz.campus_{tag}",
        "scope": "440100",
        "domain": "campus_enterprise_community",
        "name": _text("广州高校校园卡服务", "廣州高校校園卡服務", "Guangzhou university campus access"),
        "description": _text(
            "在合作高校凭卡进出校门。", "在合作高校憑卡進出校門。", "Enter partner university gates with the card."
        ),
        "venue_types": ["campus_gate"],
        "scenarios": [
            {
                "name": f"campus_entry_{tag}",
                "title": _text("校园门禁", "校園門禁", "Campus gate entry"),
                "venue_types": ["campus_gate"],
                "attributes": ["masked_name", "card_valid"],
                "legal_basis": "Art. 13",
            }
        ],
        "note": "广州扩展",
    }
    status, body = server.api("POST", "/api/v1/catalog/items", campus, token=supervisor)
    assert status == 201, body
    assert server.api("POST", f"/api/v1/catalog/items/{campus['code']}/versions/1/submit", token=supervisor)[0] == 200
    status, body = server.api("POST", f"/api/v1/catalog/items/{campus['code']}/versions/1/publish", {}, token=admin)
    assert status == 200, body
    draft = {
        **campus,
        "code": f"gd.draft_{tag}",
        "scope": "440000",
        "name": _text("未发布草稿", "未發布草稿", "Unpublished draft"),
        "scenarios": [{**campus["scenarios"][0], "name": f"draft_{tag}"}],
    }
    assert server.api("POST", "/api/v1/catalog/items", draft, token=admin)[0] == 201
    point = {
        "kind": "service_point",
        "city_code": "440100",
        "district": "天河区",
        "name": _text(f"天河社保服务网点{tag}", f"天河社保服務網點{tag}", f"Tianhe Social Security Service Point {tag}"),
        "address": _text("广州市天河区体育西路1号", "廣州市天河區體育西路1號", "1 Tiyu West Road, Tianhe, Guangzhou"),
        "phone": "020-12333",
        "opening_hours": [{"days": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:30"}],
        "services": ["apply", "replace"],
        "facilities": ["wheelchair_access", "priority_window"],
    }
    status, body = server.api("POST", "/api/v1/service-points", point, token=admin)
    assert status == 201, body
    return {"campus": campus, "draft": draft, "tag": tag}


def _ready(page) -> None:
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#items article")


def _shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"catalog-{name}.png"), full_page=True)


def test_catalog_page_in_three_languages_with_search_history_and_service_points(context, server, seeded, artifacts):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(urlsplit(r.url).path))
    page.goto(server.base_url + "/catalog/?region=440100")
    _ready(page)
    # The page builds with the apps' shared helpers but loads only its own dictionary.
    assert {"/shared/ui.js", "/shared/i18n.js", "/catalog/i18n/zh-Hans.json"} <= set(loaded), loaded
    assert not [p for p in loaded if p.startswith("/shared/i18n/")], loaded

    # zh-Hans by default: the provincial items plus Guangzhou's own, never the draft.
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.locator("h1#catalog-title").inner_text() == "一卡通应用目录"
    items = page.locator("#items article")
    codes = [items.nth(i).get_attribute("data-code") for i in range(items.count())]
    assert seeded["campus"]["code"] in codes and "gd.public_transport" in codes and seeded["draft"]["code"] not in codes
    assert "未发布草稿" not in page.content()
    campus = page.locator(f"article[data-code='{seeded['campus']['code']}']")
    assert "广州市本地" in campus.inner_text() and "姓名（部分隐藏）" in campus.inner_text()
    _shot(page, artifacts, "zh-Hans")

    # Search: words in any language, the count follows.
    page.fill("#q", "图书馆")
    page.wait_for_function("() => document.querySelectorAll('#items article').length === 1")
    assert page.locator("#items article").get_attribute("data-code") == "gd.library"
    assert page.locator("#count").inner_text() == "共 1 项"
    page.fill("#q", "metro")
    page.wait_for_function(
        "() => document.querySelector('#items article') && document.querySelector('#items article').dataset.code === 'gd.public_transport'"
    )
    page.fill("#q", "校园")
    page.wait_for_function(f"() => document.querySelector('#items article').dataset.code === '{seeded['campus']['code']}'")
    _shot(page, artifacts, "zh-Hans-search")
    page.fill("#q", "")
    page.wait_for_function(f"() => document.querySelectorAll('#items article').length === {len(codes)}")

    # Traditional Chinese and English: interface and the catalog's own texts.
    for lang, heading, library in (
        ("zh-Hant", "一卡通應用目錄", "圖書館服務"),
        ("en", "One-Card Application Catalog", "Libraries"),
    ):
        page.select_option("#lang", lang)
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        assert page.locator("h1#catalog-title").inner_text() == heading
        page.wait_for_function(
            f"() => document.querySelector(\"article[data-code='gd.library'] h3\").textContent === '{library}'"
        )
        assert f"lang={lang}" in page.url
        _shot(page, artifacts, lang)
    assert "Name, partly hidden" in campus.inner_text() and "Guangzhou only" in campus.inner_text()

    # Another city's catalog has the provincial items but not Guangzhou's.
    page.select_option("#region", "440300")
    gone = f"!document.querySelector(\"article[data-code='{seeded['campus']['code']}']\")"
    page.wait_for_function(f"() => {gone} && document.querySelector(\"article[data-code='gd.library']\")")

    # The change history of Guangzhou's catalog shows the publication, and no draft.
    page.select_option("#region", "440100")
    page.click("#tab-history")
    page.wait_for_selector(f"#history li[data-code='{seeded['campus']['code']}']")
    assert "Version 1 published" in page.locator(f"#history li[data-code='{seeded['campus']['code']}']").inner_text()
    assert seeded["draft"]["code"] not in page.content()
    _shot(page, artifacts, "en-history")

    # The service-point directory, searched by city and service.
    page.click("#tab-points")
    page.select_option("#sp-city", "440100")
    page.select_option("#sp-service", "replace")
    page.fill("#sp-q", seeded["tag"])
    page.click("#points-form button[type=submit]")
    # The unfiltered directory may still be on screen: wait for the search's own answer.
    page.wait_for_function(
        "tag => { const a = document.querySelector('#points article'); return a && a.innerText.includes(tag); }",
        arg=seeded["tag"],
    )
    point = page.locator("#points article").first
    assert seeded["tag"] in point.inner_text() and "Wheelchair access" in point.inner_text() and "Mon" in point.inner_text()
    _shot(page, artifacts, "en-service-points")
    page.select_option("#sp-service", "cancel")
    page.wait_for_function("() => document.querySelectorAll('#points article').length === 0")

    assert not axe_violations(page), axe_violations(page)
    page.click("#tab-catalog")
    assert not axe_violations(page)
    assert not errors, errors


def test_a_language_named_in_a_link_is_remembered(context, server):
    """?lang=en opens the page in English and becomes the choice a later visit (or the wallet) starts with."""
    page = context.new_page()
    page.goto(server.base_url + "/catalog/?lang=en")
    _ready(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("localStorage.getItem('yk.lang')") == "en"
    page.goto(server.base_url + "/catalog/")
    _ready(page)
    assert page.locator("h1#catalog-title").inner_text() == "One-Card Application Catalog"
    assert page.locator("#lang").input_value() == "en"


def test_every_catalog_string_is_translated():
    from tests.e2e.conftest import ROOT

    folder = ROOT / "pwa" / "catalog"
    tables = {lang: json.loads((folder / "i18n" / f"{lang}.json").read_text()) for lang in LANG_FILES}
    keys = set(tables["zh-Hans"])
    for lang, table in tables.items():
        assert set(table) == keys, lang
        assert all(isinstance(v, str) and v.strip() for v in table.values()), lang
        for key, value in table.items():
            assert set(re.findall(r"\{\w+\}", value)) == set(re.findall(r"\{\w+\}", tables["zh-Hans"][key])), (lang, key)
    html = (folder / "index.html").read_text()
    used = set(re.findall(r'data-i18n="([^"]+)"', html))
    used |= {pair.split(":")[1] for attrs in re.findall(r'data-i18n-attr="([^"]+)"', html) for pair in attrs.split(";")}
    for js in folder.glob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z_A-Z-]+)'", js.read_text()))
    assert not used - keys, sorted(used - keys)
    # Families the page builds from data: every value the backend knows has a label.
    from backend.catalog.scenarios import ATTRIBUTES, VENUE_TYPES
    from backend.catalog.vocab import DOMAINS
    from backend.servicepoints.vocab import FACILITIES, KINDS, SERVICES

    families = {"dom": DOMAINS, "attr": ATTRIBUTES, "vt": VENUE_TYPES, "svc": SERVICES, "fac": FACILITIES, "kind": KINDS}
    missing = [f"{p}_{v}" for p, values in families.items() for v in values if f"{p}_{v}" not in keys]
    assert not missing, missing
