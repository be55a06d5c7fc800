"""The wallet's service screens in Chromium (issue 15 §2), walked as a holder would: certificates
an agency linked to the card (the ageing office's elderly preferential certificate among them),
shown with the code; consents granted, their receipt downloaded and revoked; a complaint
answered by staff; and the whole access record (venue scans, counter look-ups, agency queries,
certificate issuance) with who, why and what. Screenshots of every screen in three languages and
elder mode at 390x844; axe-core finds nothing serious. Citizens 14, 15 and 16."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from tests.e2e import console_helpers
from tests.e2e.conftest import STAFF_PASSWORD
from tests.e2e.helpers import axe_violations, screen_qr, sign_in

pytestmark = pytest.mark.browser

LANGS = ("zh-Hans", "zh-Hant", "en")
PHONE = {"width": 390, "height": 844}
LEGAL_BASIS = "《老年人权益保障法》第五十八条"


# --- set-up through the API, as the agencies and staff would do it ------------------------------

_STAFF_TOKENS: dict[str, str] = {}


def _staff(server, username: str) -> str:
    """A full staff session, signed in once per staff member (a TOTP code serves one sign-in per
    30-second step). A staff member without a second factor, where the server requires one,
    enrols TOTP through the API first, and the secret goes where every later sign-in finds it."""
    if username in _STAFF_TOKENS:
        return _STAFF_TOKENS[username]
    token = console_helpers.staff_token(server, username)
    status, body = server.api("GET", "/api/v1/staff/tickets?limit=1", token=token)
    if status == 403 and body["error"]["code"] == "auth.second_factor_enrolment_required":
        import pyotp

        status, body = server.api("POST", "/api/v1/me/step-up", {"password": STAFF_PASSWORD}, token=token)
        assert status == 200, body
        status, enrolment = server.api("POST", "/api/v1/me/totp", token=token)
        assert status == 201, enrolment
        step = int(time.time()) // console_helpers.STEP
        code = pyotp.TOTP(enrolment["secret"]).at(step * console_helpers.STEP)
        status, body = server.api("POST", "/api/v1/me/totp/confirm", {"code": code}, token=token)
        assert status == 200, body
        server.staff_totp[username] = enrolment["secret"]
        console_helpers._last_step[username] = step  # that code is used: the next sign-in waits a step
    _STAFF_TOKENS[username] = token
    return token


def _agency_token(server, code: str) -> tuple[str, str]:
    """(agency id, bearer token of a new agency client for it), made by a provincial operator."""
    status, agencies = server.api("GET", "/api/v1/agencies")
    assert status == 200, agencies
    agency = next(a for a in agencies if a["code"] == code)
    status, made = server.api(
        "POST",
        "/api/v1/clients",
        {"kind": "agency", "org_id": agency["id"], "name": f"E2E {code} system"},
        token=_staff(server, "admin"),
    )
    assert status == 201, made
    return agency["id"], made["token"]


def _issue(server, token: str, citizen, type_code: str, attributes: dict, **validity) -> dict:
    body = {"type": type_code, "doc_type": citizen.doc_type, "id_number": citizen.id_number, "attributes": attributes, **validity}
    status, cert = server.api("POST", "/api/v1/agency/certificates", body, token=token)
    assert status == 201, cert
    return cert


def _holder_token(server, citizen) -> str:
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password}
    )
    assert status == 200, body
    return body["token"]


def _all_pages(server, path: str, token: str) -> list[dict]:
    items: list[dict] = []
    before = None
    while True:
        status, page = server.api("GET", path + (f"?limit=100&before={before}" if before else "?limit=100"), token=token)
        assert status == 200, page
        items += page["items"]
        before = page.get("next_before")
        if not before:
            return items


# --- screenshots and axe in every language and elder mode ---------------------------------------


def _shots(page, name: str, ready: str, artifacts, problems: list[str]) -> None:
    """The current screen in each language and in elder mode (zh-Hans): a screenshot each, and
    axe-core's serious or critical findings collected."""
    for lang in LANGS:
        page.evaluate(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '0')")
        page.reload()
        page.wait_for_selector(ready)
        page.wait_for_function(f"() => document.documentElement.lang.startsWith('{lang.split('-')[0]}')")
        _check(page, f"{name}-{lang}", artifacts, problems)
    page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans'); localStorage.setItem('yk.elder', '1')")
    page.reload()
    page.wait_for_selector(ready)
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    _check(page, f"{name}-elder", artifacts, problems)
    page.evaluate("localStorage.setItem('yk.elder', '0')")
    page.reload()
    page.wait_for_selector(ready)


def _check(page, name: str, artifacts, problems: list[str]) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    for v in axe_violations(page):
        problems.append(f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")


def _phone(context):
    page = context.new_page()
    page.set_viewport_size(PHONE)
    return page


# --- certificates (亮证) and the whole access record: citizen 14 --------------------------------


def test_certificates_shown_and_the_whole_access_record(context, server, artifacts):
    holder = server.citizen(14)
    _, ageing = _agency_token(server, "GD-CAD-AGEING")
    _, traffic = _agency_token(server, "GD-PSD-TMB")
    _, disabled = _agency_token(server, "GD-DPF")
    elderly = _issue(server, ageing, holder, "elderly_preferential", {"age_band": "70+"})
    licence = _issue(
        server, traffic, holder, "driving_licence", {"licence_class": "C1", "points": 0, "first_issued": "2015-06-01"}
    )
    status, revoked = server.api(
        "POST", f"/api/v1/agency/certificates/{licence['id']}/actions/revoke", {"reason": "E2E: licence withdrawn"}, token=traffic
    )
    assert status == 200 and revoked["status"] == "revoked", revoked
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    expiring = _issue(
        server, disabled, holder, "disability_certificate", {"category": "visual", "grade": 2}, valid_until=soon.isoformat()
    )

    # The counter looks the holder up (many times: the record pages), the ageing office queries
    # on a statutory basis, and a library scans the holder's code twice from the same scanner.
    counter = _staff(server, "gz-counter")
    for _ in range(21):
        status, found = server.api(
            "POST", "/api/v1/staff/cards/lookup", {"doc_type": holder.doc_type, "id_number": holder.id_number}, token=counter
        )
        assert status == 200, found
    status, answer = server.api(
        "POST",
        "/api/v1/agency/queries",
        {
            "purpose": "E2E 核对高龄津贴资格",
            "subject": {"doc_type": holder.doc_type, "id_number": holder.id_number},
            "legal_basis": LEGAL_BASIS,
            "certificates": [{"type": "elderly_preferential", "fields": ["age_band"]}],
        },
        token=ageing,
    )
    assert status == 200 and answer["certificates"][0]["fields"] == {"age_band": "70+"}, answer
    time.sleep(1.1)  # the record is ordered by time: the scan comes clearly after the query
    token = _holder_token(server, holder)
    status, code = server.api("POST", "/api/v1/me/codes/online", token=token)
    assert status == 200, code
    assert server.verify(code["code"], "library_entry")["result"] == "valid"
    server.verify(code["code"], "library_entry")  # the same scanner again: one visit, not two
    while dt.datetime.now(dt.UTC) < soon + dt.timedelta(seconds=1):
        time.sleep(0.2)

    page = _phone(context)
    problems: list[str] = []
    sign_in(page, holder, server.base_url)
    page.goto(server.base_url + "/wallet/#/certificates")
    page.wait_for_selector("main[data-screen='certificates'] #cert-list")

    # Each certificate as a face a clerk can read: type, holder, issuer, validity, status in words.
    face = page.locator(f"#cert-{elderly['id']}")
    assert face.locator(".cert-kind").inner_text() == "老年人优待证"
    assert face.locator(".cert-holder").inner_text() == holder.name
    assert "广东省民政厅老龄工作办公室" in face.locator(".cert-issuer").inner_text()
    assert face.locator(".cert-status").inner_text() == "✓ 有效"
    assert face.locator(".cert-until").inner_text() == "长期有效"
    assert page.locator(f"#cert-{licence['id']} .cert-status").inner_text() == "✕ 已撤销"
    assert page.locator(f"#cert-{expiring['id']} .cert-status").inner_text() == "已过期"
    assert page.locator("#cert-list > li").count() == 3
    _shots(page, "wallet-certificates", "#cert-list", artifacts, problems)

    # The detail view, and the certificate shown with the code: an agency the holder presents
    # the code to sees this certificate through it.
    page.click(f"#open-{elderly['id']}")
    page.wait_for_selector("#certificate #cert-attributes")
    assert page.locator("#cert-attributes [data-field='age_band']").inner_text() == "70 岁及以上"
    assert "证照核验" in page.locator("#cert-accepted").inner_text()
    assert (
        "null" not in page.locator("#certificate").inner_text() and "undefined" not in page.locator("#certificate").inner_text()
    )
    _shots(page, "wallet-certificate-detail", "#cert-attributes", artifacts, problems)
    page.click("#cert-show")
    page.wait_for_selector("#cert-code:not([hidden]) #cert-qr svg")
    assert page.evaluate("document.activeElement.id") == "cert-code-title"
    assert "老年人优待证" in page.locator("#cert-code-what").inner_text()
    _check(page, "wallet-certificate-code-zh-Hans", artifacts, problems)
    shown, _ = screen_qr(page, "#cert-qr svg")
    status, presented = server.api(
        "POST",
        "/api/v1/agency/queries",
        {
            "purpose": "E2E 窗口核验老年人优待证",
            "code": shown,
            "card_status": True,
            "certificates": [{"type": "elderly_preferential", "fields": ["age_band"]}],
        },
        token=ageing,
    )
    assert status == 200, presented
    assert [(c["id"], c["status"], c["fields"]) for c in presented["certificates"]] == [
        (elderly["id"], "active", {"age_band": "70+"})
    ]
    page.keyboard.press("Escape")
    page.wait_for_selector("#cert-code", state="hidden")
    for lang, elder in (("zh-Hant", "0"), ("en", "0"), ("zh-Hans", "1")):  # the code over the screen, as a clerk sees it
        page.evaluate(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{elder}')")
        page.reload()
        page.click("#cert-show")
        page.wait_for_selector("#cert-code:not([hidden]) #cert-qr svg")
        _check(page, f"wallet-certificate-code-{'elder' if elder == '1' else lang}", artifacts, problems)
        page.keyboard.press("Escape")
        page.wait_for_selector("#cert-code", state="hidden")
    page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans'); localStorage.setItem('yk.elder', '0')")
    # A revoked certificate cannot be shown with the code.
    page.goto(server.base_url + f"/wallet/#/certificates?id={licence['id']}")
    page.wait_for_selector("#certificate #cert-cannot-show")
    assert page.locator("#cert-show").count() == 0
    assert "E2E: licence withdrawn" in page.locator("#cert-reason").inner_text()

    # The whole access record: each kind once, with who, why and what.
    scans = _all_pages(server, "/api/v1/me/verifications", token)
    others = [r for r in _all_pages(server, "/api/v1/me/access-records", token) if not r["action"].startswith("verification")]
    assert len(scans) >= 1 and len(scans) + len(others) > 20
    page.goto(server.base_url + "/wallet/#/access")
    page.wait_for_selector("main[data-screen='access'] #verifications > li")
    assert page.locator("#verifications > li").count() == 20
    _shots(page, "wallet-access", "#verifications > li", artifacts, problems)
    for _ in range(5):
        if not page.locator("#access-more").is_visible():
            break
        shown = page.locator("#verifications > li").count()
        page.click("#access-more")
        page.wait_for_function(
            f"() => document.querySelectorAll('#verifications > li').length > {shown} || !document.querySelector('#access-error').hidden"
        )
        assert page.locator("#access-error").is_hidden(), page.locator("#access-error").inner_text()
    assert not page.locator("#access-more").is_visible(), page.locator("#access-error").inner_text()
    items = page.locator("#verifications > li")
    assert items.count() == len(scans) + len(others)  # no scan listed twice, nothing left out
    texts = [items.nth(i).inner_text() for i in range(items.count())]
    kinds = [items.nth(i).get_attribute("data-kind") for i in range(items.count())]

    venue = page.locator("#verifications > li[data-kind='venue']")
    assert venue.count() == len(scans)
    assert "E2E 图书馆" in venue.first.inner_text() and "图书馆入馆" in venue.first.inner_text()
    repeats = scans[0].get("repeats", 0)
    if repeats:  # the scanner's repeat answers (issue 15 §1) count as one visit, said as such
        assert f"又核验了 {repeats} 次" in venue.first.inner_text()

    lookup = page.locator("#verifications > li[data-action='card.lookup']")
    assert lookup.count() == 21
    assert "在服务窗口查询了您的社保卡" in lookup.first.inner_text()
    assert "履行法定职责" in lookup.first.inner_text() and "证件号码" in lookup.first.inner_text()

    query = page.locator("#verifications > li[data-action='agency.query'][data-basis='statute']")
    assert query.count() == 1
    text = query.inner_text()
    assert (
        "广东省民政厅老龄工作办公室" in text
        and LEGAL_BASIS in text
        and "老年人优待证·年龄段" in text
        and "E2E 核对高龄津贴资格" in text
    )
    presented_entry = page.locator("#verifications > li[data-action='agency.query'][data-basis='presented_code']")
    assert presented_entry.count() == 1 and "您出示的二维码" in presented_entry.inner_text()

    issued = page.locator("#verifications > li[data-action='certificate.issue']")
    assert issued.count() == 3
    issued_text = " ".join(issued.nth(i).inner_text() for i in range(3))
    assert "签发了证照" in issued_text and "广东省民政厅老龄工作办公室" in issued_text and "老年人优待证·年龄段" in issued_text
    assert page.locator("#verifications > li[data-action='certificate.revoke']").count() == 1
    assert {"venue", "staff", "agency"} <= set(kinds)
    # Newest first: the presented code came last, the scans just before it.
    assert kinds[:2] == ["agency", "venue"], "\n---\n".join(texts[:4])
    assert not problems, "\n".join(problems)


# --- consents: citizen 15 ------------------------------------------------------------------------


def test_consent_granted_receipt_downloaded_and_revoked(context, server, artifacts, tmp_path):
    holder = server.citizen(15)
    ageing_id, ageing = _agency_token(server, "GD-CAD-AGEING")
    page = _phone(context)
    problems: list[str] = []
    sign_in(page, holder, server.base_url)
    page.goto(server.base_url + "/wallet/#/consents")
    page.wait_for_selector("main[data-screen='consents'] #consent-form")
    assert page.locator("#consent-empty").is_visible()

    # A form that refuses an empty scope before asking the server.
    page.select_option("#consent-agency", ageing_id)
    page.fill("#consent-purpose", "E2E 办理高龄津贴")
    page.click("#consent-submit")
    page.wait_for_selector("#consent-form-error:not([hidden])")
    assert "至少勾选一项" in page.locator("#consent-form-error").inner_text()
    page.check("#scope-card")
    page.check("#scope-account")  # bank account changes, for the agency's subscriptions
    page.check("#scope-elderly_preferential-age_band")
    assert page.is_checked("#scope-elderly_preferential")  # a field brings its type
    page.select_option("#consent-days", "90")
    page.click("#consent-submit")
    page.wait_for_selector("#consent-list > li[data-status='active']")
    item = page.locator("#consent-list > li").first
    consent_id = item.get_attribute("data-consent")
    text = item.inner_text()
    assert "广东省民政厅老龄工作办公室" in text and "E2E 办理高龄津贴" in text and "生效中" in text
    assert "社保卡状态" in text and "老年人优待证（状态，年龄段）" in text and "社保卡金融账户变更" in text
    token = _holder_token(server, holder)
    status, mine = server.api("GET", "/api/v1/me/consents", token=token)
    assert status == 200 and [(c["id"], c["status"], c["scope"]) for c in mine] == [
        (
            consent_id,
            "active",
            {"card_status": True, "certificates": {"elderly_preferential": ["age_band"]}, "account_changes": True},
        )
    ]
    _shots(page, "wallet-consents", "#consent-list > li", artifacts, problems)

    # The receipt, saved as a file with a name a person recognises.
    with page.expect_download() as download:
        page.click(f"#receipt-{consent_id}")
    saved = download.value
    assert saved.suggested_filename.startswith("consent-receipt-GD-CAD-AGEING-") and saved.suggested_filename.endswith(".json")
    path = tmp_path / saved.suggested_filename
    saved.save_as(path)
    receipt = json.loads(path.read_text())
    assert receipt["format"] == "yikatong-consent-receipt/1" and "signature" in receipt
    assert "E2E 办理高龄津贴" in json.dumps(receipt, ensure_ascii=False)
    page.wait_for_selector("#consent-status:not([hidden])")

    # The agency queries under the consent: the access record names the consent as the reason.
    query = {
        "purpose": "E2E 高龄津贴审核",
        "subject": {"doc_type": holder.doc_type, "id_number": holder.id_number},
        "consent_id": consent_id,
        "card_status": True,
    }
    status, answer = server.api("POST", "/api/v1/agency/queries", query, token=ageing)
    assert status == 200 and answer["basis"] == "consent", answer
    page.goto(server.base_url + "/wallet/#/access")
    page.wait_for_selector("#verifications > li[data-basis='consent']")
    why = page.locator("#verifications > li[data-basis='consent']").inner_text()
    assert "您的授权" in why and "E2E 办理高龄津贴" in why and "社保卡状态" in why and "E2E 高龄津贴审核" in why

    # Revoking asks first; cancelling changes nothing, confirming ends it at once.
    page.goto(server.base_url + "/wallet/#/consents")
    page.wait_for_selector(f"#revoke-{consent_id}")
    page.click(f"#revoke-{consent_id}")
    page.wait_for_selector("dialog[open]")
    _check(page, "wallet-consent-revoke-dialog-zh-Hans", artifacts, problems)
    page.click("dialog[open] button[value=cancel]")
    assert page.locator(f"#consent-{consent_id}").get_attribute("data-status") == "active"
    page.click(f"#revoke-{consent_id}")
    page.click("dialog[open] button[value=ok]")
    page.wait_for_selector(f"#consent-{consent_id}[data-status='revoked']")
    assert "已撤销" in page.locator(f"#consent-{consent_id}").inner_text()
    assert page.locator(f"#revoke-{consent_id}").count() == 0
    status, refused = server.api("POST", "/api/v1/agency/queries", query, token=ageing)
    assert status == 403 and refused["error"]["code"] == "query.consent_inactive", refused
    _shots(page, "wallet-consents-revoked", f"#consent-{consent_id}[data-status='revoked']", artifacts, problems)
    assert not problems, "\n".join(problems)


# --- consultation and complaints: citizen 16 -------------------------------------------------------


def test_complaint_submitted_answered_followed_up_and_closed(context, server, artifacts):
    holder = server.citizen(16)
    page = _phone(context)
    problems: list[str] = []
    sign_in(page, holder, server.base_url)

    # The public catalog's promise of online submission leads here.
    page.goto(server.base_url + "/catalog/")
    page.wait_for_selector("#help-online")
    assert page.locator("#help-online").inner_text() == "在线提交"
    page.click("#help-online")
    page.wait_for_selector("main[data-screen='tickets'] #ticket-form")
    assert page.url.endswith("/wallet/#/tickets")
    assert page.locator("#ticket-empty").is_visible()
    _shots(page, "wallet-tickets", "#ticket-form", artifacts, problems)

    page.check("#ticket-kind-complaint")
    page.fill("#ticket-subject", "E2E 补卡等太久")
    page.fill("#ticket-body", "我三周前在窗口申请补卡，至今没有消息。")
    page.select_option("#ticket-city", "440100")
    page.wait_for_function("() => !document.querySelector('#ticket-point').disabled")
    page.click("#ticket-submit")
    page.wait_for_selector("main[data-screen='tickets'] #ticket-thread li")
    ticket_id = page.url.split("id=")[1]
    assert page.locator("#ticket").get_attribute("data-status") == "open"
    assert page.locator("#ticket-thread li").count() == 1
    assert page.locator("#ticket-ref").inner_text().startswith("C-")

    # Staff answer through their API; the holder sees the answer.
    staff = _staff(server, "gz-counter")
    status, replied = server.api(
        "POST", f"/api/v1/staff/tickets/{ticket_id}/reply", {"body": "您的新卡已制好，请到天河服务网点领取。"}, token=staff
    )
    assert status == 200 and replied["status"] == "answered", replied
    page.reload()
    page.wait_for_selector("#ticket-thread li[data-author='staff']")
    assert "您的新卡已制好" in page.locator("#ticket-thread li[data-author='staff']").inner_text()
    assert page.locator("#ticket").get_attribute("data-status") == "answered"
    assert "已答复" in page.locator("#ticket-head").inner_text()
    _shots(page, "wallet-ticket-answered", "#ticket-thread li[data-author='staff']", artifacts, problems)

    # Writing again reopens it; closing asks first.
    page.fill("#ticket-reply", "谢谢，周末可以领取吗？")
    page.click("#ticket-send")
    page.wait_for_selector("#ticket-thread li:nth-child(3)")
    assert page.locator("#ticket").get_attribute("data-status") != "answered"
    page.click("#ticket-close")
    page.wait_for_selector("dialog[open]")
    page.click("dialog[open] button[value=ok]")
    page.wait_for_selector("#ticket-closed")
    assert page.locator("#ticket").get_attribute("data-status") == "closed"
    assert page.locator("#ticket-reply").count() == 0
    status, seen = server.api("GET", f"/api/v1/me/tickets/{ticket_id}", token=_holder_token(server, holder))
    assert (
        status == 200
        and seen["status"] == "closed"
        and [m["author"] for m in seen["messages"]] == ["submitter", "staff", "submitter"]
    )

    page.goto(server.base_url + "/wallet/#/tickets")
    page.wait_for_selector(f"#ticket-{ticket_id}")
    assert page.locator(f"#ticket-{ticket_id}").get_attribute("data-status") == "closed"
    assert "E2E 补卡等太久" in page.locator(f"#ticket-{ticket_id}").inner_text()
    _shots(page, "wallet-tickets-list", f"#ticket-{ticket_id}", artifacts, problems)
    assert not problems, "\n".join(problems)
