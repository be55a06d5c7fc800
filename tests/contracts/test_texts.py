"""The worked example of docs/contracts.md, pinned: the canonical document, its hash, the signing input and
both signatures (fixed seeds), so the text both parties sign can never change unnoticed."""

from __future__ import annotations

from backend.contracts import texts
from backend.lib import ed25519

DOCUMENT = {
    "type": "labour_contract",
    "version": 1,
    "id": "0b6f3c52-3a5e-4d3f-9a51-2f1e8c0d7a10",
    "employer": {"uscc": "91440106MA5D8Y7K2N", "name": "广州市一卡通示范科技有限公司"},
    "employee": {"person": "5d2b7e0a-8c1f-4b6e-a3d9-71c4e2f0b815", "name": "张伟"},
    "terms": {
        "position": "社会保障数据分析师",
        "workplace": "广东省广州市天河区珠江新城",
        "start_on": "2027-01-01",
        "term_kind": "fixed",
        "wage_fen_per_month": 1350000,
        "working_hours": "standard",
        "probation_months": 2,
        "end_on": "2029-12-31",
        "other": "",
    },
    "drafted_at": "2026-12-01T08:00:00Z",
}
TEXT = (
    '{"drafted_at":"2026-12-01T08:00:00Z","employee":{"name":"张伟","person":"5d2b7e0a-8c1f-4b6e-a3d9-71c4e2f0b815"},'
    '"employer":{"name":"广州市一卡通示范科技有限公司","uscc":"91440106MA5D8Y7K2N"},"id":"0b6f3c52-3a5e-4d3f-9a51-2f1e8c0d7a10",'
    '"terms":{"end_on":"2029-12-31","other":"","position":"社会保障数据分析师","probation_months":2,"start_on":"2027-01-01",'
    '"term_kind":"fixed","wage_fen_per_month":1350000,"working_hours":"standard","workplace":"广东省广州市天河区珠江新城"},'
    '"type":"labour_contract","version":1}'
)
DOC_HASH = "c48740bc5460d9609a72ab26ef96a1ff12bc9e66dd70e1719d132e1ed2173e8f"
EMPLOYER_SEED = bytes(range(32))
DEVICE_SEED = bytes(range(32, 64))


def test_the_worked_example():
    text = texts.document_text(DOCUMENT)
    assert text == TEXT and len(text.encode()) == 547
    assert texts.doc_hash(text) == DOC_HASH
    signing_input = texts.signing_input("contract", DOC_HASH)
    assert signing_input.encode() == b"yikatong/labour-contract/v1\ncontract\n" + DOC_HASH.encode()
    assert len(signing_input.encode()) == 101
    employer_public = ed25519.public_from_seed(EMPLOYER_SEED)
    assert texts.b64url(employer_public) == "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    assert texts.key_id(employer_public) == "56475aa75463474c"
    employer_signature = ed25519.sign(EMPLOYER_SEED, signing_input.encode())
    assert texts.b64url(employer_signature) == (
        "3h_AtOY8IO90sbzTvITg7U1sTLvRO4yG2ddE8n4fsmBhqrNnnv9tqc1udb8pfZQuAyaQEQ5qSnGYLD1QvsD7Cg"
    )
    device_public = ed25519.public_from_seed(DEVICE_SEED)
    assert texts.key_id(device_public) == "24f6ed6acbfe1009"
    device_signature = ed25519.sign(DEVICE_SEED, signing_input.encode())
    assert texts.b64url(device_signature) == (
        "5WEYFeQ2Ri6rcJ4XqfCxDBWW81sGpFsYuJB8tN-1FJycOEPB570wU_uj_Jn2Fq0_AWh-CZJ8EmIKqGL5kGi7Bw"
    )
    assert texts.signature_valid(employer_public, "contract", DOC_HASH, employer_signature)
    # The same signature does not pass for a termination of the same hash, nor under the other key.
    assert not texts.signature_valid(employer_public, "termination", DOC_HASH, employer_signature)
    assert not texts.signature_valid(device_public, "contract", DOC_HASH, employer_signature)
