"""A statement's QR code, decoded from the PDF's rendered first page, opens the public verification page in
Chromium: it says genuine (真实有效), and withdrawn (已撤回) once the holder withdraws it; a PDF uploaded there is
checked (an edited one fails); three languages, phone and desktop widths, axe-clean."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.documents.helpers import appended_update, page_image, qr_of
from tests.e2e.helpers import axe_violations

CITIZEN = 11  # signs in through the API only; nothing of their card changes


def _token(server) -> str:
    citizen = server.citizen(CITIZEN)
    status, body = server.api(
        "POST", "/api/v1/auth/login", {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password}
    )
    assert status == 200, body
    return body["token"]


def _pdf(server, path: str, token: str) -> bytes:
    request = urllib.request.Request(server.base_url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as res:
        assert res.headers["Content-Type"] == "application/pdf"
        return res.read()


@pytest.fixture(scope="module")
def issued(server):
    token = _token(server)
    status, preview = server.api("POST", "/api/v1/me/statements/preview", {"kind": "employment", "options": {}}, token=token)
    assert status == 200, preview
    body = {"kind": "employment", "options": {}, "agreed_content_hash": preview["content_hash"]}
    status, statement = server.api("POST", "/api/v1/me/statements", body, token=token)
    assert status == 201, statement
    return token, statement, _pdf(server, statement["pdf_url"], token)


def _verdict(page, state: str, text: str) -> None:
    """Wait for the verdict in this state and these words: a language switch loads its dictionary
    first and redraws after, so the state alone may still show the old language's words."""
    page.wait_for_selector(f"#verdict[data-state={state}]")
    page.wait_for_function("(text) => document.querySelector('#verdict')?.innerText.includes(text)", arg=text)
    assert text in page.inner_text("#verdict")


def test_qr_opens_the_page_genuine_then_withdrawn(context, server, issued, artifacts: Path, tmp_path: Path):
    token, statement, data = issued
    citizen = server.citizen(CITIZEN)
    url = qr_of(page_image(data))
    assert url.startswith(server.base_url + "/verify/#") and url == statement["verify_url"]
    assert citizen.id_number not in url

    page = context.new_page()
    page.goto(url)
    _verdict(page, "valid", "真实有效")
    assert page.inner_text("#statement-title") == "就业经历证明"
    assert citizen.name in page.inner_text("#result")
    assert citizen.id_number not in page.content()
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "verify-genuine-phone.png"), full_page=True)

    # The same verdict in the other two languages (the statement itself stays in Chinese).
    page.select_option("#lang", "en")
    _verdict(page, "valid", "Genuine")
    page.select_option("#lang", "zh-Hant")
    _verdict(page, "valid", "真實有效")
    assert axe_violations(page) == []
    page.select_option("#lang", "zh-Hans")
    _verdict(page, "valid", "真实有效")

    # Check the PDF file itself, then one with an update appended after the signature.
    original = tmp_path / "statement.pdf"
    original.write_bytes(data)
    page.set_input_files("#pdf", str(original))
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-verdict[data-state=valid]")
    assert "文件真实、未被改动" in page.inner_text("#check-verdict")
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(appended_update(data))
    page.set_input_files("#pdf", str(edited))
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-verdict[data-state=bad]")
    assert "签名没有覆盖整个文件" in page.inner_text("#check-reasons")
    assert "null" not in page.inner_text("#check-result")
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts / "verify-check-desktop.png"), full_page=True)

    # The holder withdraws it: the page now says so.
    status, body = server.api("POST", f"/api/v1/me/statements/{statement['id']}/withdraw", {"reason": "不再需要"}, token=token)
    assert status == 200 and body["status"] == "withdrawn", body
    page.reload()
    _verdict(page, "withdrawn", "已撤回")
    page.screenshot(path=str(artifacts / "verify-withdrawn-desktop.png"), full_page=True)

    # Every view and check is on the holder's access record.
    status, records = server.api("GET", "/api/v1/me/access-records?limit=50", token=token)
    assert status == 200, records
    seen = [r for r in records["items"] if r["action"] in ("statement.view", "statement.check")]
    # Two openings of the page (a language switch redraws without asking again) and two uploads.
    actions = sorted(r["action"] for r in seen)
    assert actions == ["statement.check"] * 2 + ["statement.view"] * 2, json.dumps(seen, ensure_ascii=False)
    assert all(r["actor_name"] == "文书核验页" and r["basis_ref"] == f"statement {statement['id']}" for r in seen)


def test_unknown_reference_and_elder_mode(context, server, artifacts: Path):
    page = context.new_page()
    page.goto(server.base_url + "/verify/#AAAAAAAAAAAAAAAAAAAAAAAA")
    _verdict(page, "unknown", "未找到")
    page.click("#elder")
    page.wait_for_function("document.documentElement.classList.contains('elder')")
    assert page.get_attribute("#elder", "aria-pressed") == "true"
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "verify-not-found-elder.png"), full_page=True)
    page.click("#elder")
