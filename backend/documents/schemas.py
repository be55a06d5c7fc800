"""Requests and responses of statements: what a statement states, issuing it, and checking one."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

StatementKind = Literal["contributions", "employment", "qualification", "contract"]
Insurance = Literal["pension", "medical", "unemployment", "work_injury", "maternity"]
Month = Annotated[str, Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM", examples=["2026-01"])]
Token = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{16,32}$", description="The statement's random reference")]


class StatementOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a statement covers; which fields apply depends on its kind (others must be left out)."""

    from_month: Month | None = None  # contributions: first month (default: 11 months before to_month)
    to_month: Month | None = None  # contributions: last month (default: this month)
    insurances: (
        Annotated[list[Insurance], Meta(min_length=1, max_length=5, description="contributions: which insurances")] | None
    ) = None
    record_id: Annotated[uuid.UUID | None, Meta(description="qualification: the HR record to state")] = None
    contract_id: Annotated[uuid.UUID | None, Meta(description="contract: the labour contract to state")] = None
    show_wage: Annotated[bool, Meta(description="contract: whether the statement shows the monthly wage")] = False


class StatementRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The statement the holder asks to see before agreeing to it."""

    kind: StatementKind
    options: StatementOptions = StatementOptions()


class IssueRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Issue a statement whose content the holder saw and agreed to (its `content_hash`)."""

    kind: StatementKind
    options: StatementOptions = StatementOptions()
    agreed_content_hash: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$", description="content_hash from the preview")]


class WithdrawRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S", description="Why (kept with the statement)")]


class Holder(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    id_number_masked: Annotated[str, Meta(description="First 6 and last 4 characters; the rest hidden")]


class Fact(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    value: str


class StatementContent(msgspec.Struct, frozen=True, kw_only=True):
    """What a statement states, exactly as the PDF prints it and the verification page shows it (Chinese)."""

    kind: StatementKind
    title: str
    holder: Holder
    facts: list[Fact]
    columns: list[str]
    rows: list[list[str]]
    issuer: str


class PreviewOut(msgspec.Struct, frozen=True, kw_only=True):
    content: StatementContent
    content_hash: Annotated[str, Meta(description="SHA-256 of the content's canonical JSON: send it back to issue")]


class StatementOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: StatementKind
    status: Literal["valid", "withdrawn"]
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    title: str
    verify_url: str
    pdf_url: str
    content: StatementContent


STATEMENT_EXAMPLE = {
    "id": "3d6855cc-0497-4a2b-a190-af6fdad99d5d",
    "kind": "employment",
    "status": "valid",
    "created_at": "2026-11-30T08:00:00Z",
    "withdrawn_at": None,
    "title": "就业经历证明",
    "verify_url": "https://yikatong.example/verify/#q2kz9W3n0bT1xYc4Vd8eRf5g",
    "pdf_url": "/api/v1/me/statements/3d6855cc-0497-4a2b-a190-af6fdad99d5d/pdf",
    "content": {
        "kind": "employment",
        "title": "就业经历证明",
        "holder": {"name": "李晓华", "id_number_masked": "440106********123X"},
        "facts": [{"label": "就业经历", "value": "共 1 段"}],
        "columns": ["用人单位", "统一社会信用代码", "岗位", "入职日期", "离职日期", "离职原因", "记录来源"],
        "rows": [["广州示例科技有限公司", "91440101MA59XKT3Y5", "软件工程师", "2020-03-01", "至今", "", "广州市人社局"]],
        "issuer": "广东省人力资源和社会保障厅（一卡通电子文书）",
    },
}


class StatementList(msgspec.Struct, frozen=True, kw_only=True):
    items: Annotated[list[StatementOut], Meta(description="Newest first (at most 200)", examples=[[STATEMENT_EXAMPLE]])]
    count: Annotated[int, Meta(ge=0, le=200, description="How many are listed", examples=[1])]


class Signer(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    serial: Annotated[str, Meta(description="The signing certificate's serial number, hex")]


class PublicStatement(msgspec.Struct, frozen=True, kw_only=True):
    """What anyone holding the statement's link sees."""

    status: Literal["valid", "withdrawn"]
    kind: StatementKind
    title: str
    issued_at: dt.datetime
    withdrawn_at: dt.datetime | None
    content: StatementContent
    pdf_sha256: str
    signer: Signer


CheckReason = Literal[
    "not_a_pdf",
    "no_signature",
    "several_signatures",
    "signature_invalid",
    "untrusted_signer",
    "not_whole_file",
    "modified_after_signing",
    "unknown_statement",
    "different_file",
    "withdrawn",
]


class CheckOut(msgspec.Struct, frozen=True, kw_only=True):
    """The verdict on an uploaded PDF."""

    genuine: Annotated[bool, Meta(description="The signature is valid and chains to our document CA")]
    unaltered: Annotated[bool, Meta(description="The signature covers the whole file and it is the file we issued")]
    status: Literal["valid", "withdrawn", "unknown"]
    token: str | None
    title: str | None
    reasons: list[CheckReason]
