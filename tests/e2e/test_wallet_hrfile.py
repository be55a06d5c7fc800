"""The wallet's HR file in Chromium (issue 17), as a holder meets it. Through the API an employer (a
registered `employer` client) records that citizen 32 started work and then corrects the position; the
provincial HR agency (GD-HRSS, an `agency` client) records training, a skill level, a qualification and
three months of contributions, one in arrears and then corrected. The holder sees every record in its
group with who wrote it, on what basis and from when; each correction beside the record it corrects,
both visible; the contributions as a month × insurance table. Screenshots in three languages and elder
mode at 390 px and on a desktop; axe-core finds nothing serious; nothing scrolls sideways."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.helpers import sign_in
from tests.e2e.hr_parties import (
    AGENCY_NAME,
    CONTRIBUTION_BASIS,
    DESKTOP,
    EMPLOYMENT_BASIS,
    PHONE,
    TRAINING_BASIS,
    agency_client,
    employer,
    shots,
    write,
)

pytestmark = pytest.mark.browser

CITIZEN = 32


def _contribution(boss, month: str, insurance: str, status: str = "paid") -> dict:
    return {
        "month": month,
        "insurance": insurance,
        "base_fen": 800_000,
        "employer_fen": 128_000 if insurance == "pension" else 56_000,
        "person_fen": 64_000 if insurance == "pension" else 16_000,
        "employer_uscc": boss.uscc,
        "employer_name": boss.name,
        "status": status,
    }


def test_the_hr_file_by_kind_with_sources_and_corrections(browser, server, artifacts):
    citizen = server.citizen(CITIZEN)
    admin = server.staff_token("admin")
    agency = agency_client(server, admin)
    tag = secrets.token_hex(2).upper()
    boss = employer(server, admin, f"广州云帆科技有限公司{tag}")

    # The employer records the start of work, then corrects the position (a new record pointing at the first).
    start = {"employer_uscc": boss.uscc, "employer_name": boss.name, "position": "软件工程师", "start_on": "2026-01-05"}
    first = write(server, boss.token, citizen, "employment_start", start, "2026-01-05", EMPLOYMENT_BASIS)
    fixed = write(
        server,
        boss.token,
        citizen,
        "employment_start",
        {**start, "position": "高级软件工程师"},
        "2026-01-05",
        EMPLOYMENT_BASIS,
        corrects=first["id"],
        correction_reason="岗位名称录入有误",
    )
    assert fixed["corrects"] == first["id"]
    # The agency: training, a skill level, a qualification, and contributions.
    course = write(
        server,
        agency,
        citizen,
        "training",
        {"course": "电工作业安全培训", "provider": "广州市职业技能培训中心", "hours": 48, "completed_on": "2025-11-20"},
        "2025-11-20",
        TRAINING_BASIS,
    )
    skill = write(
        server,
        agency,
        citizen,
        "skill_evaluation",
        {
            "occupation": "电工",
            "level": 3,
            "evaluator": "广东省职业技能鉴定指导中心",
            "certificate_no": f"S{tag}001",
            "evaluated_on": "2025-12-01",
        },
        "2025-12-01",
        TRAINING_BASIS,
    )
    write(
        server,
        agency,
        citizen,
        "qualification",
        {"name": "低压电工作业证", "certificate_no": f"T{tag}002", "issuer": "广东省应急管理厅", "issued_on": "2025-12-10"},
        "2025-12-10",
        TRAINING_BASIS,
    )
    for month in ("2026-01", "2026-02", "2026-03"):
        for insurance in ("pension", "medical", "unemployment"):
            status = "arrears" if (month, insurance) == ("2026-02", "medical") else "paid"
            record = write(
                server,
                agency,
                citizen,
                "contribution",
                _contribution(boss, month, insurance, status),
                f"{month}-01",
                CONTRIBUTION_BASIS,
            )
            if status == "arrears":
                arrears = record
    paid_late = write(
        server,
        agency,
        citizen,
        "contribution",
        _contribution(boss, "2026-02", "medical"),
        "2026-02-01",
        CONTRIBUTION_BASIS,
        corrects=arrears["id"],
        correction_reason="单位已补缴",
    )

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE, service_workers="allow")
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        page.goto(server.base_url + "/wallet/#/more")
        page.click("#nav-hrfile")  # from the "more" screen
        page.wait_for_selector(f"#hr-{fixed['id']}")

        # Employment: the correction beside the record it corrects, both visible, the original marked corrected.
        pair = page.locator(f".hr-pair[data-original='{first['id']}']")
        assert pair.locator(f"#hr-{first['id']}[data-status=corrected]").is_visible()
        assert pair.locator(f"#hr-{fixed['id']}[data-corrects='{first['id']}']").is_visible()
        original, correction = pair.locator(f"#hr-{first['id']}").inner_text(), pair.locator(f"#hr-{fixed['id']}").inner_text()
        for words in ("原记录", "已更正", "软件工程师", boss.name, "用人单位", EMPLOYMENT_BASIS, "2026/01/05"):
            assert words in original, (words, original)
        for words in ("更正记录", "高级软件工程师", "岗位名称录入有误", boss.name, EMPLOYMENT_BASIS):
            assert words in correction, (words, correction)
        assert page.locator("#hr-group-employment").get_attribute("data-count") == "2"

        # Training and skills, titles and qualifications: each with the agency as its source.
        training = page.locator("#hr-group-training")
        assert training.get_attribute("data-count") == "2"
        for record in (course, skill):
            text = page.locator(f"#hr-{record['id']}").inner_text()
            assert AGENCY_NAME in text and TRAINING_BASIS in text, text
        assert "三级 / 高级工" in page.locator(f"#hr-{skill['id']}").inner_text()
        assert "低压电工作业证" in page.locator("#hr-group-titles").inner_text()
        assert page.locator("#hr-group-contracts .hr-empty").is_visible()

        # Contributions: months down, insurances across; the arrears corrected to paid, both kept.
        table = page.locator("#hr-contrib")
        assert table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.month)") == [
            "2026-03",
            "2026-02",
            "2026-01",
        ]
        cell = table.locator("td[data-month='2026-02'][data-insurance=medical]")
        assert cell.get_attribute("data-status") == "paid" and "160.00" in cell.inner_text()
        assert table.locator("td[data-month='2026-01'][data-insurance=pension]").inner_text().endswith("640.00")
        assert table.locator("td[data-month='2026-01'][data-insurance=maternity]").get_attribute("data-status") == "none"
        fixes = page.locator(f"#hr-contrib-corrections .hr-pair[data-original='{arrears['id']}']")
        assert fixes.locator(f"#hr-{arrears['id']}[data-status=corrected]").is_visible()
        assert "欠缴" in fixes.locator(f"#hr-{arrears['id']}").inner_text()
        assert "单位已补缴" in fixes.locator(f"#hr-{paid_late['id']}").inner_text()
        page.click("#hr-contrib-lines summary")
        lines = page.locator("#hr-contrib-lines").inner_text()
        assert AGENCY_NAME in lines and CONTRIBUTION_BASIS in lines

        shots(page, "wallet-hrfile", f"#hr-{fixed['id']}", artifacts, problems)

        # English: the same records in English words.
        page.evaluate("localStorage.setItem('yk.lang', 'en')")
        page.reload()
        page.wait_for_selector(f"#hr-{fixed['id']}")
        text = page.locator(f".hr-pair[data-original='{first['id']}']").inner_text()
        for words in ("Original record", "Corrected", "Correction", "Started work", "Recorded by", "(employer)", "Legal basis"):
            assert words in text, (words, text)
        assert "Level 3 (senior worker)" in page.locator(f"#hr-{skill['id']}").inner_text()
        page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans')")

        # On a desktop the correction stands beside its original.
        page.set_viewport_size(DESKTOP)
        page.reload()
        page.wait_for_selector(f"#hr-{fixed['id']}")
        left = page.locator(f"#hr-{first['id']}").bounding_box()
        right = page.locator(f"#hr-{fixed['id']}").bounding_box()
        assert right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2, (left, right)
        shots(page, "wallet-hrfile-desktop", f"#hr-{fixed['id']}", artifacts, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
