"""Consent to an employer reading the HR file, in Chromium (issue 17). The HR agency records citizen 35's
contributions; in the wallet the holder consents that a registered employer (named by its unified social
credit code) may read the contribution records; the employer's system then reads them through the API
on that consent, and the holder's access record names the employer. An employer given nothing cannot
read. Screenshots in three languages and elder mode; axe-core; no sideways scrolling."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.helpers import sign_in
from tests.e2e.hr_parties import CONTRIBUTION_BASIS, PHONE, agency_client, employer, person, shots, write

pytestmark = pytest.mark.browser

CITIZEN = 35


def test_consent_to_an_employer_for_hr_records(browser, server, artifacts):
    citizen = server.citizen(CITIZEN)
    admin = server.staff_token("admin")
    agency = agency_client(server, admin)
    boss = employer(server, admin, f"深圳前海数据服务有限公司{secrets.token_hex(2).upper()}")
    data = {
        "month": "2026-06",
        "insurance": "pension",
        "base_fen": 600_000,
        "employer_fen": 96_000,
        "person_fen": 48_000,
        "employer_uscc": boss.uscc,
        "employer_name": boss.name,
        "status": "paid",
    }
    write(server, agency, citizen, "contribution", data, "2026-06-01", CONTRIBUTION_BASIS)
    query = {"person": person(citizen), "kinds": ["contribution"], "purpose": "入职背景核实"}
    status, refused = server.api("POST", "/api/v1/hrfile/query", query, token=boss.token)
    assert status in (403, 422), (status, refused)  # no consent, no read

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE, service_workers="allow")
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        page.goto(server.base_url + "/wallet/#/consents")
        page.wait_for_selector("#consent-form")
        page.check("#grantee-employer")
        page.wait_for_selector("#consent-uscc-box:not([hidden])")
        assert page.locator("#consent-agency-scope").is_hidden()  # an employer: HR records only
        page.fill("#consent-uscc", boss.uscc.lower())
        page.fill("#consent-purpose", "入职背景核实")
        page.click("#consent-submit")
        page.wait_for_selector("#consent-form-error:not([hidden])")  # no record kind chosen yet
        page.check("#scope-hr-contribution")
        page.click("#consent-submit")
        page.wait_for_selector("#consent-status:not([hidden])")
        item = page.locator("#consent-list li[data-status=active]").filter(has_text=boss.name)
        assert "人社档案：社保缴费" in item.inner_text(), item.inner_text()
        consent_id = item.get_attribute("data-consent")
        shots(page, "wallet-hr-consent", f"#consent-{consent_id}", artifacts, problems)

        # The employer reads on that consent; the holder's access record names it.
        status, answer = server.api("POST", "/api/v1/hrfile/query", {**query, "consent_id": consent_id}, token=boss.token)
        assert status == 200, answer
        assert [r["data"]["month"] for r in answer["records"]] == ["2026-06"]
        page.goto(server.base_url + "/wallet/#/access")
        page.wait_for_selector("li.access-item[data-kind=employer]")
        entry = page.locator("li.access-item[data-kind=employer]").first.inner_text()
        assert boss.name in entry and "用人单位" in entry, entry
        # In words, not codes: what it did and which records it read.
        assert "查询了您的人社档案" in entry and "社保缴费记录" in entry and "hrfile." not in entry, entry
    finally:
        context.close()
    assert not problems, "\n".join(problems)
