"""Labour contracts in the wallet, in Chromium (issue 17). An employer registered by the provincial
operator, whose Ed25519 key this test holds (PyNaCl), drafts two contracts for citizen 33 and signs them
through the API. In the wallet the holder reads the first one's terms and signs it with the phone's own
device key (WebCrypto Ed25519 over the server's signing input); the signature verifies under the device
key with PyNaCl, outside the server; the wallet's verification shows both signatures valid; the contract
is in the HR file. The holder terminates it with a signed termination (valid too), then the test edits
the stored contract in the server's database and the wallet's verification says it fails. The second
contract is declined. Screenshots in three languages and elder mode; axe-core; no sideways scrolling."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3

import pytest
from nacl.signing import VerifyKey

from tests.e2e.helpers import sign_in
from tests.e2e.hr_parties import PHONE, contract, employer, shots

pytestmark = pytest.mark.browser

CITIZEN = 33


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _confirm(page) -> None:
    """Yes in the wallet's confirmation dialog."""
    page.click("dialog button[value=ok]")


def _wait_status(page, contract_id: str, status: str) -> None:
    page.wait_for_selector(f"#contract-{contract_id}[data-status={status}]")


def _step_up_if_asked(page, citizen, done: str) -> None:
    """Wait for `done`, giving the fresh factor first if the wallet asks for one (binding a new device key)."""
    page.wait_for_selector(f"{done}, #stepup-dialog")
    if page.locator("#stepup-dialog").count():
        page.fill("#stepup-input", citizen.password)
        page.click("#stepup-submit")
    page.wait_for_selector(done)


def test_sign_verify_terminate_and_a_tampered_contract_fails(browser, server, artifacts):
    citizen = server.citizen(CITIZEN)
    admin = server.staff_token("admin")
    tag = secrets.token_hex(2).upper()
    boss = employer(server, admin, f"广州珠江电气工程有限公司{tag}")
    signed_by_boss = contract(server, boss, citizen, "电气工程师")
    other = contract(server, boss, citizen, "电气技术员", term_kind="fixed", end_on="2028-12-31", probation_months=1)
    cid = signed_by_boss["id"]

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport=PHONE, service_workers="allow")
    problems: list[str] = []
    try:
        page = context.new_page()
        sign_in(page, citizen, server.base_url)
        page.goto(server.base_url + "/wallet/#/more")
        page.click("#nav-contracts")
        page.wait_for_selector(f"#contract-{cid}[data-status=awaiting_employee]")
        page.wait_for_selector(f"#contract-{other['id']}[data-status=awaiting_employee]")
        assert "待您签署" in page.locator(f"#contract-{cid}").inner_text()
        shots(page, "wallet-contracts", f"#contract-{cid}", artifacts, problems)

        # The terms, the employer and the hash of the text both parties sign.
        page.click(f"#open-contract-{cid}")
        page.wait_for_selector("#contract-sign")
        terms = page.locator("#contract-terms").inner_text()
        for words in (
            boss.name,
            boss.uscc,
            "电气工程师",
            "广东省广州市天河区珠江新城",
            "无固定期限",
            "¥12,500.00",
            "3 个月",
            "标准工时制",
        ):
            assert words in terms, (words, terms)
        assert page.locator("#contract-hash").inner_text() == signed_by_boss["doc_hash"]
        assert page.locator("[data-party=employer][data-signed='1']").count() == 1
        assert page.locator("[data-party=employee][data-signed='0']").count() == 1
        shots(page, "wallet-contract-to-sign", "#contract-sign", artifacts, problems)

        # Signed with this phone's device key.
        page.click("#contract-sign")
        _confirm(page)
        _step_up_if_asked(page, citizen, f"#contract-{cid}[data-status=signed]")
        assert "合同已生效" in page.locator("#contract-status").inner_text()
        status, seen = server.api("GET", f"/api/v1/employer/contracts/{cid}", token=boss.token)
        assert status == 200 and seen["status"] == "signed", seen
        employee = seen["signatures"]["employee"]
        device_key = page.evaluate(
            """async () => {
                const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
                const d = await new Promise(r => { const q = db.transaction('kv').objectStore('kv').get('device'); q.onsuccess = () => r(q.result); });
                return { keyId: d.keyId, publicRaw: Array.from(d.publicRaw) };
            }"""
        )
        assert employee["key_id"] == device_key["keyId"]
        # Outside the server: the signature verifies under this phone's public key, over the signing input.
        VerifyKey(bytes(device_key["publicRaw"])).verify(seen["signing_input"].encode(), _raw(employee["signature"]))
        assert hashlib.sha256(seen["document"].encode()).hexdigest() == seen["doc_hash"]

        # Verified: the text is as signed and both signatures are valid.
        page.click("#contract-verify")
        page.wait_for_selector("#contract-verdict[data-valid='1']")
        verdict = page.locator("#contract-verdict")
        assert verdict.locator("[data-party=employer][data-state=valid]").count() == 1
        assert verdict.locator("[data-party=employee][data-state=valid]").count() == 1
        assert "核验通过" in verdict.inner_text()
        page.evaluate("localStorage.setItem('yk.lang', 'en')")
        page.reload()
        page.click("#contract-verify")
        page.wait_for_selector("#contract-verdict[data-valid='1']")
        assert "Verified" in page.locator("#contract-verdict").inner_text()
        page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans')")
        page.reload()
        page.wait_for_selector("#contract-verify")
        shots(page, "wallet-contract-signed", "#contract-verify", artifacts, problems)

        # Filed in the HR file once both had signed.
        page.goto(server.base_url + "/wallet/#/hrfile")
        page.wait_for_selector("#hr-group-contracts[data-count='1']")
        assert "电气工程师" in page.locator("#hr-group-contracts").inner_text()

        # Terminated with a signed termination, which verifies too.
        page.goto(server.base_url + f"/wallet/#/contracts?id={cid}")
        page.click("#contract-terminate")
        page.fill("#terminate-reason", "本人辞职，双方协商一致")
        page.click("#terminate-dialog-ok")
        page.wait_for_selector("dialog button[value=ok]")
        _confirm(page)
        _step_up_if_asked(page, citizen, f"#contract-{cid}[data-status=terminated]")
        assert "本人辞职，双方协商一致" in page.locator("#contract-events").inner_text()
        page.click("#contract-verify")
        page.wait_for_selector("#contract-verdict[data-valid='1']")
        shots(page, "wallet-contract-terminated", f"#contract-{cid}[data-status=terminated]", artifacts, problems)

        # Someone edits the stored contract: the wallet's verification fails.
        db = sqlite3.connect(server.pwa_dir.parent / "data" / "yikatong.sqlite", timeout=10)
        try:
            with db:
                changed = db.execute(
                    "UPDATE contracts_contract SET document = replace(document, '1250000', '2250000') WHERE doc_hash = ?",
                    (signed_by_boss["doc_hash"],),
                ).rowcount
        finally:
            db.close()
        assert changed == 1
        page.reload()
        page.click("#contract-verify")
        page.wait_for_selector("#contract-verdict[data-valid='0']")
        verdict = page.locator("#contract-verdict")
        assert "核验未通过" in verdict.inner_text()
        assert "与签署时不一致" in verdict.inner_text()
        shots(page, "wallet-contract-tampered", "#contract-verify", artifacts, problems)

        # The other contract: declined, with a reason the employer sees.
        page.goto(server.base_url + f"/wallet/#/contracts?id={other['id']}")
        page.click("#contract-decline")
        page.fill("#decline-reason", "已接受其他单位的录用")
        page.click("#decline-dialog-ok")
        _wait_status(page, other["id"], "declined")
        status, seen = server.api("GET", f"/api/v1/employer/contracts/{other['id']}", token=boss.token)
        assert status == 200 and seen["status"] == "declined", seen
    finally:
        context.close()
    assert not problems, "\n".join(problems)
