"""Statements in the wallet, in Chromium (issue 17). The provincial HR agency records three months of
contributions for citizen 34 through the API. In the wallet the holder chooses a contributions statement
for those months, sees exactly what it will state (name, masked identity number, one row a month), agrees
and issues it, downloads the PDF (a signed PDF arrives, the same bytes the server kept), finds its
verification page by the link (the public page shows it valid), and withdraws it after a confirmation (the
public answer says withdrawn). Screenshots in three languages and elder mode; axe-core; no sideways
scrolling."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from tests.e2e.helpers import axe_violations, sign_in
from tests.e2e.hr_parties import CONTRIBUTION_BASIS, PHONE, agency_client, employer, shots, write

pytestmark = pytest.mark.browser

CITIZEN = 34
MONTHS = ("2025-10", "2025-11", "2025-12")


def test_preview_issue_download_verify_and_withdraw(browser, server, artifacts, tmp_path):
    citizen = server.citizen(CITIZEN)
    admin = server.staff_token("admin")
    agency = agency_client(server, admin)
    boss = employer(server, admin, f"佛山南海精工制造有限公司{secrets.token_hex(2).upper()}")
    for month in MONTHS:
        for insurance, person_fen in (("pension", 64_000), ("medical", 16_000)):
            data = {
                "month": month,
                "insurance": insurance,
                "base_fen": 800_000,
                "employer_fen": person_fen * 2,
                "person_fen": person_fen,
                "employer_uscc": boss.uscc,
                "employer_name": boss.name,
                "status": "paid",
            }
            write(server, agency, citizen, "contribution", data, f"{month}-01", CONTRIBUTION_BASIS)

    context = browser.new_context(
        base_url=server.base_url, locale="zh-CN", viewport=PHONE, service_workers="allow", accept_downloads=True
    )
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        page.goto(server.base_url + "/wallet/#/more")
        page.click("#nav-statements")
        page.wait_for_selector("#stmt-form")
        assert page.locator("#stmt-empty").is_visible()
        shots(page, "wallet-statements", "#stmt-form", artifacts, problems)

        # Choose: contributions, October to December 2025, pension and medical.
        page.check("#stmt-kind-contributions")
        page.fill("#stmt-from", MONTHS[0])
        page.fill("#stmt-to", MONTHS[-1])
        for insurance in ("unemployment", "work_injury", "maternity"):
            page.uncheck(f"#stmt-ins-{insurance}")
        page.click("#stmt-preview-btn")
        page.wait_for_selector("#stmt-preview:not([hidden]) #stmt-preview-content")
        preview = page.locator("#stmt-preview-content").inner_text()
        masked = citizen.id_number[:6]
        assert citizen.name in preview and masked in preview and citizen.id_number not in preview, preview
        assert citizen.id_number[-4:] in page.locator("#stmt-preview-content .stmt-id").inner_text()
        for month in MONTHS:
            assert month.replace("-", "") in preview.replace("-", "").replace("年", "").replace("月", ""), (month, preview)
        assert page.locator("#stmt-preview-content tbody tr").count() >= len(MONTHS)
        page.screenshot(path=str(artifacts / "wallet-statement-preview-open.png"), full_page=True)
        problems += [f"preview: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in axe_violations(page)]
        shots(page, "wallet-statement-preview", "#stmt-form", artifacts, problems)

        # The screenshots redrew the screen: ask for the preview again, then agree and issue.
        page.fill("#stmt-from", MONTHS[0])
        page.fill("#stmt-to", MONTHS[-1])
        for insurance in ("unemployment", "work_injury", "maternity"):
            page.uncheck(f"#stmt-ins-{insurance}")
        page.click("#stmt-preview-btn")
        page.wait_for_selector("#stmt-issue")
        page.click("#stmt-issue")
        page.wait_for_selector("#stmt-issue-error:not([hidden])")  # not without agreeing
        page.check("#stmt-agree")
        page.click("#stmt-issue")
        page.wait_for_selector("#stmt-list li[data-status=valid]")
        item = page.locator("#stmt-list li[data-status=valid]").first
        sid = item.get_attribute("data-id")
        assert "参保缴费证明" in item.inner_text()

        # The PDF arrives: a PDF, signed, the same bytes as the server issued.
        with page.expect_download() as download:
            page.click(f"#stmt-pdf-{sid}")
        path = tmp_path / "statement.pdf"
        download.value.save_as(path)
        pdf = path.read_bytes()
        assert pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf and download.value.suggested_filename.endswith(".pdf")
        page.wait_for_selector("#stmt-status:not([hidden])")

        # Its verification page, through the link the wallet shows.
        href = page.locator(f"#stmt-verify-{sid}").get_attribute("href")
        assert "/verify/#" in href, href
        token = href.split("#", 1)[1]
        status, public = server.api("GET", f"/api/v1/statements/{token}")
        assert status == 200 and public["status"] == "valid", public
        assert public["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
        shots(page, "wallet-statement-issued", f"#stmt-{sid}", artifacts, problems)

        # Withdrawn after a confirmation: the public answer says so.
        page.click(f"#stmt-withdraw-{sid}")
        page.wait_for_selector("#withdraw-dialog")
        assert "二维码" in page.locator("#withdraw-dialog").inner_text()
        page.click("#withdraw-dialog-ok")
        page.wait_for_selector(f"#stmt-{sid}[data-status=withdrawn]")
        assert page.locator(f"#stmt-withdraw-{sid}").count() == 0
        status, public = server.api("GET", f"/api/v1/statements/{token}")
        assert status == 200 and public["status"] == "withdrawn", public
        shots(page, "wallet-statement-withdrawn", f"#stmt-{sid}[data-status=withdrawn]", artifacts, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
