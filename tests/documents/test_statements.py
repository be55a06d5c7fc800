"""Statements: preview, agreement by content hash, issue, the signed PDF (pyhanko and poppler), its QR code and
Chinese text, the public view and check, withdrawal, edited PDFs, and the holder's access record."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from tests.documents.helpers import Docs, appended_update, attachment, contribution, page_image, page_text, pdfsig, qr_of

pytestmark = pytest.mark.anyio


async def test_preview_then_issue_agrees_on_content(world: Docs):
    holder = await world.with_records()
    options = {"from_month": "2026-01", "to_month": "2026-03"}
    preview = await world.preview(holder, "contributions", options)
    assert preview.status_code == 200, preview.text
    content = preview.json()["content"]
    assert content["title"] == "社会保险参保缴费证明"
    assert content["holder"]["name"] == "李晓华"
    masked = content["holder"]["id_number_masked"]
    assert masked[:6] == holder.id_number[:6] and masked[-4:] == holder.id_number[-4:] and "*" * 8 in masked
    assert holder.id_number not in preview.text
    assert len(content["rows"]) == 6 and content["rows"][0][:2] == ["2026-01", "养老保险"]
    assert content["rows"][0][2:5] == ["8000.00", "1280.00", "640.00"]

    # The records change between preview and issue: the holder must look again.
    await world.add(holder, "contribution", contribution("2026-03", "unemployment"), dt.date(2026, 3, 1))
    body = {"kind": "contributions", "options": options, "agreed_content_hash": preview.json()["content_hash"]}
    stale = await world.client.post("/api/v1/me/statements", json=body, headers=holder.headers)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "statement.content_changed"
    assert (await world.client.get("/api/v1/me/statements", headers=holder.headers)).json()["items"] == []

    statement = await world.issue(holder, "contributions", options)
    assert statement["status"] == "valid" and statement["content"]["rows"][-1][1] == "失业保险"
    assert "/verify/#" in statement["verify_url"] and holder.id_number not in statement["verify_url"]
    listed = (await world.client.get("/api/v1/me/statements", headers=holder.headers)).json()["items"]
    assert [s["id"] for s in listed] == [statement["id"]]


async def test_bad_options_and_strangers(world: Docs):
    holder = await world.with_records()
    for kind, options in (
        ("employment", {"from_month": "2026-01"}),
        ("contributions", {"from_month": "2026-05", "to_month": "2026-01"}),
        ("contributions", {"from_month": "2000-01", "to_month": "2026-01"}),
        ("qualification", {}),
        ("contract", {}),
    ):
        response = await world.preview(holder, kind, options)
        assert response.status_code == 422 and response.json()["error"]["code"] == "statement.bad_options", (kind, response.text)
    unknown = await world.preview(holder, "qualification", {"record_id": "7d3f1c2e-0000-4000-8000-000000000000"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "statement.record_not_found"
    other = await world.holder()
    statement = await world.issue(holder, "employment")
    assert (await world.client.get(statement["pdf_url"], headers=other.headers)).status_code == 404
    gone = await world.client.post(
        f"/api/v1/me/statements/{statement['id']}/withdraw", json={"reason": "x"}, headers=other.headers
    )
    assert gone.status_code == 404
    assert (await world.client.get("/api/v1/statements/not-a-real-token-123")).status_code == 404


async def test_pdf_signature_qr_and_chinese_text(world: Docs, tmp_path: Path):
    holder = await world.with_records()
    statement = await world.issue(holder, "contributions", {"from_month": "2026-01", "to_month": "2026-03"})
    data = await world.pdf(holder, statement)

    # pyhanko, trusting only the trust list's document root.
    from backend.documents import pades
    from backend.documents.cli import roots_from_trust

    verdict = await pades.check(data, roots_from_trust(world.trust()))
    assert verdict.genuine and verdict.whole_file and verdict.reasons == []
    assert attachment(data) == statement["content"]
    # ... and not when trusting another root (an Ed25519 issuer key is no document root).
    from backend.keys.keyring import new_document_keys

    stranger = await pades.check(data, [new_document_keys(0).ca_cert])
    assert not stranger.genuine and "untrusted_signer" in stranger.reasons

    # poppler, an independent implementation.
    path = tmp_path / "statement.pdf"
    path.write_bytes(data)
    report = pdfsig(path)
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report, report
    assert "SHA-256" in report

    # Page 1 as an image: the QR code opens the verification page, with no identity number in it.
    image = page_image(data)
    url = qr_of(image)
    assert url == statement["verify_url"]
    assert holder.id_number not in url and holder.id_number[-4:] + "#" not in url
    # The title is drawn in Chinese: dark pixels in the title band, and the text layer says it.
    band = image.convert("L").crop(
        (int(image.width * 0.1), int(image.height * 0.06), int(image.width * 0.75), int(image.height * 0.12))
    )
    assert sum(1 for p in band.getdata() if p < 100) > 500
    text = page_text(data)
    assert "社会保险参保缴费证明" in text and "李晓华" in text and "养老保险" in text
    assert holder.id_number not in text


async def test_public_view_check_withdraw_and_access_record(world: Docs):
    holder = await world.with_records()
    statement = await world.issue(holder, "employment")
    data = await world.pdf(holder, statement)
    token = statement["verify_url"].split("#", 1)[1]

    view = await world.client.get(f"/api/v1/statements/{token}")
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["status"] == "valid" and body["title"] == "就业经历证明"
    assert body["content"]["rows"][0][:5] == [
        "广州示例科技有限公司",
        body["content"]["rows"][0][1],
        "软件工程师",
        "2020-03-01",
        "至今",
    ]
    assert body["pdf_sha256"] == hashlib.sha256(data).hexdigest()
    assert view.headers["cache-control"] == "no-store"

    check = await world.check(data)
    assert check.status_code == 200, check.text
    assert check.json() | {"reasons": []} == {
        "genuine": True,
        "unaltered": True,
        "status": "valid",
        "token": token,
        "title": "就业经历证明",
        "reasons": [],
    }

    # Edited: one byte of the page content changed, and an incremental update appended.
    flipped = bytearray(data)
    at = data.index(b"stream") + 40
    flipped[at] = flipped[at] ^ 0x01
    edited = (await world.check(bytes(flipped))).json()
    assert not edited["genuine"] and not edited["unaltered"] and "signature_invalid" in edited["reasons"]
    appended = (await world.check(appended_update(data))).json()
    assert not appended["unaltered"] and "not_whole_file" in appended["reasons"], appended
    assert appended["status"] == "valid" and "modified_after_signing" in appended["reasons"]
    junk = (await world.check(b"%PDF-1.7\nnot really")).json()
    assert junk["genuine"] is False and junk["status"] == "unknown"
    wrong_type = await world.client.post("/api/v1/statements/check", content=data, headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415

    withdrawn = await world.client.post(
        f"/api/v1/me/statements/{statement['id']}/withdraw", json={"reason": "已不需要"}, headers=holder.headers
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = await world.client.post(
        f"/api/v1/me/statements/{statement['id']}/withdraw", json={"reason": "again"}, headers=holder.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "statement.withdrawn"
    assert (await world.client.get(f"/api/v1/statements/{token}")).json()["status"] == "withdrawn"
    after = (await world.check(data)).json()
    assert after["status"] == "withdrawn" and "withdrawn" in after["reasons"] and after["genuine"]

    # Every public view and check of a known statement is on the holder's access record.
    records = [r for r in await world.access_records(holder) if r["action"].startswith("statement.")]
    actions = sorted(r["action"] for r in records)
    # The PDF, the one with an update appended (its signed part is ours) and the PDF after withdrawal; a PDF
    # whose signature is broken names nobody.
    assert actions == ["statement.check"] * 3 + ["statement.view"] * 2, actions
    assert all(r["actor_name"] == "文书核验页" for r in records)


async def test_rate_limit_per_address(world: Docs):
    from backend.documents.statements import LIMITS

    limit, _ = LIMITS["check"]
    # The test client's address is shared with the other tests of this worker (one Redis prefix):
    # its counter is cleared afterwards so that they get their checks.
    key = "documents:check:testclient"
    await world.call(world.store.delete, key)
    try:
        answers = [(await world.check(b"%PDF-1.7 tiny")).status_code for _ in range(limit)]
        assert answers == [200] * limit
        refused = await world.check(b"%PDF-1.7 tiny")
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "statement.rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
    finally:
        await world.call(world.store.delete, key)
