"""Each statement kind states the right things in its PDF; the offline command checks a PDF with only the
trust list; the document keys live in the keyring and the trust list beside the untouched Ed25519 keys."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.documents.helpers import USCC_A, Docs, appended_update, page_text, pdfsig

pytestmark = pytest.mark.anyio


async def _cli(*argv: str) -> int:
    """`yikatong documents ...` as the main CLI runs it (in a thread: it starts an event loop of its own)."""
    import anyio.to_thread

    from backend.documents.cli import add_documents_parser

    parser = argparse.ArgumentParser(prog="yikatong")
    add_documents_parser(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return await anyio.to_thread.run_sync(args.func, args)


async def test_employment_periods_and_qualifications(world: Docs, tmp_path: Path):
    holder = await world.with_records()
    end = {"employer_uscc": USCC_A, "employer_name": "广州示例科技有限公司", "end_on": "2024-06-30", "reason": "合同期满"}
    await world.add(holder, "employment_end", end, dt.date(2024, 6, 30))
    second = {"employer_uscc": USCC_A, "employer_name": "广州示例科技有限公司", "position": "架构师", "start_on": "2024-09-01"}
    await world.add(holder, "employment_start", second, dt.date(2024, 9, 1))
    statement = await world.issue(holder, "employment")
    rows = statement["content"]["rows"]
    assert [r[2:5] for r in rows] == [["软件工程师", "2020-03-01", "2024-06-30"], ["架构师", "2024-09-01", "至今"]]
    text = page_text(await world.pdf(holder, statement))
    assert "就业经历证明" in text and "架构师" in text and "合同期满" in text

    skill = {
        "occupation": "电工",
        "level": 3,
        "evaluator": "广东省职业技能鉴定中心",
        "certificate_no": "S2025-001",
        "evaluated_on": "2025-05-20",
    }
    record = await world.add(holder, "skill_evaluation", skill, dt.date(2025, 5, 20))
    statement = await world.issue(holder, "qualification", {"record_id": str(record)})
    facts = {f["label"]: f["value"] for f in statement["content"]["facts"]}
    assert facts["技能等级"] == "三级/高级工" and facts["职业（工种）"] == "电工" and facts["证书编号"] == "S2025-001"
    data = await world.pdf(holder, statement)
    assert "三级/高级工" in page_text(data) and "职业资格" in page_text(data)
    path = tmp_path / "q.pdf"
    path.write_bytes(data)
    assert "Signature is Valid" in pdfsig(path)

    title = {
        "title": "工程师",
        "series": "工程技术",
        "level": "intermediate",
        "granted_by": "广州市人社局",
        "granted_on": "2023-12-01",
        "certificate_no": "T-9",
    }
    record = await world.add(holder, "professional_title", title, dt.date(2023, 12, 1))
    facts = {
        f["label"]: f["value"]
        for f in (await world.issue(holder, "qualification", {"record_id": str(record)}))["content"]["facts"]
    }
    assert facts["级别"] == "中级" and facts["职称名称"] == "工程师"


async def test_contract_statement(world: Docs):
    from tests.contracts.helpers import Contracts

    parties = Contracts(world.client)
    holder = await world.holder(name="赵合同")
    firm = await parties.firm()
    phone = await parties.phone(holder)
    awaiting = await parties.awaiting(firm, holder)
    unsigned = await world.preview(holder, "contract", {"contract_id": awaiting["id"]})
    assert unsigned.status_code == 409 and unsigned.json()["error"]["code"] == "statement.contract_not_signed"
    signed = (await parties.employee_sign(holder, phone, awaiting)).json()
    statement = await world.issue(holder, "contract", {"contract_id": signed["id"]})
    facts = {f["label"]: f["value"] for f in statement["content"]["facts"]}
    assert facts["用人单位"] == firm.name and facts["统一社会信用代码"] == firm.uscc
    assert facts["合同文本摘要（SHA-256）"] == signed["doc_hash"] and "月工资（元）" not in facts
    assert "用人单位签署时间" in facts and "劳动者签署时间" in facts
    with_wage = await world.preview(holder, "contract", {"contract_id": signed["id"], "show_wage": True})
    assert {f["label"]: f["value"] for f in with_wage.json()["content"]["facts"]}["月工资（元）"] == "15000.00"
    text = page_text(await world.pdf(holder, statement))
    assert "劳动合同证明" in text and signed["doc_hash"][:16] in text.replace("\n", "")
    stranger = await world.holder()
    other = await world.preview(stranger, "contract", {"contract_id": signed["id"]})
    assert other.status_code == 404


async def test_offline_command(world: Docs, tmp_path: Path, capsys):
    holder = await world.with_records()
    statement = await world.issue(holder, "contributions", {"from_month": "2026-01", "to_month": "2026-03"})
    data = await world.pdf(holder, statement)
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(world.trust()))
    good = tmp_path / "good.pdf"
    good.write_bytes(data)

    assert await _cli("documents", "verify", str(good), "--trust", str(trust)) == 0
    out = capsys.readouterr().out
    assert "genuine" in out and "社会保险参保缴费证明" in out and "2026-03 | 医疗保险" in out and "withdraw" in out
    assert holder.id_number not in out

    edited = tmp_path / "edited.pdf"
    edited.write_bytes(appended_update(data))
    assert await _cli("documents", "verify", str(edited), "--trust", str(trust)) == 1
    assert "not_whole_file" in capsys.readouterr().err
    flipped = bytearray(data)
    at = data.index(b"stream") + 40
    flipped[at] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(flipped))
    assert await _cli("documents", "verify", str(broken), "--trust", str(trust)) == 1
    assert "signature_invalid" in capsys.readouterr().err

    # Only yk_document_roots is trusted: the Ed25519 issuer keys alone verify nothing.
    keys_only = tmp_path / "keys-only.json"
    keys_only.write_text(json.dumps({"keys": world.trust()["keys"]}))
    assert await _cli("documents", "verify", str(good), "--trust", str(keys_only)) == 2
    assert "yk_document_roots" in capsys.readouterr().err


async def test_trust_list_has_the_document_root(world: Docs):
    import base64

    from cryptography import x509

    response = await world.client.get("/.well-known/jwks.json")
    doc = response.json()
    (root,) = doc["yk_document_roots"]
    assert set(root) == {"kty", "crv", "x", "y", "kid", "use", "alg", "x5c"}
    assert root["kty"] == "EC" and root["crv"] == "P-256" and root["alg"] == "ES256"
    cert = x509.load_der_x509_certificate(base64.b64decode(root["x5c"][0]))
    numbers = cert.public_key().public_numbers()
    assert base64.urlsafe_b64decode(root["x"] + "=") == numbers.x.to_bytes(32, "big")
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # The Ed25519 members are as they were: outside verifiers read them.
    for key in doc["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg", "nbf", "exp", "yk_publish_until"}
    keys = world.keyring.documents
    signer = keys.signer_certificate()
    assert signer.issuer == keys.ca_certificate().subject
    signer.verify_directly_issued_by(keys.ca_certificate())


def test_older_keyring_gains_document_keys(tmp_path: Path):
    from backend.keys.keyring import KeyStore, KeyStoreError

    store = KeyStore(tmp_path, "a passphrase for this test")
    assert store.init()
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    ca_cert = doc["documents"]["ca"]["cert"]
    assert doc["documents"]["ca"]["sealed"] not in path.read_text().replace(doc["documents"]["ca"]["sealed"], "", 1)
    del doc["documents"]  # a keyring written before statements existed
    path.write_text(json.dumps(doc))
    assert KeyStore(tmp_path, "a passphrase for this test").load().documents is None
    assert not KeyStore(tmp_path, "a passphrase for this test").init()  # what a dev/test start does
    again = KeyStore(tmp_path, "a passphrase for this test").load()
    assert again.documents is not None and json.loads(path.read_text())["documents"]["ca"]["cert"] != ca_cert
    # A certificate swapped for another key's is refused, like a swapped Ed25519 public key.
    doc = json.loads(path.read_text())
    doc["documents"]["signer"]["cert"] = doc["documents"]["ca"]["cert"]
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError, match="does not match its sealed key"):
        KeyStore(tmp_path, "a passphrase for this test").load()
