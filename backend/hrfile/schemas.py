"""Request and response Structs of the HR file, one data Struct per record kind."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import KwargDefinition
from msgspec import Meta

from backend.consent.schemas import HrRecordKind
from backend.lib.bounds import INT32_MAX, VISIBLE_LINE

# The kinds are named once, by the consent feature (which sits below the HR file and lets holders
# consent to them); hrfile.vocab.KINDS is the same list as a tuple.
HrKind = HrRecordKind
SourceKind = Literal["agency", "employer", "staff", "system"]
RecordStatus = Literal["current", "corrected"]
Insurance = Literal["pension", "medical", "unemployment", "work_injury", "maternity"]

Line = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE)]
ShortLine = Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE)]
Month = Annotated[str, Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-10"], description="YYYY-MM")]
Uscc = Annotated[str, Meta(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", examples=["91440101MA59XXXX1B"])]
Fen = Annotated[int, Meta(ge=0, le=INT32_MAX, description="Amount in fen (0.01 yuan)")]
# A record's fields as written: a few named values, each a bounded line, a bounded number or null.
# Bounded so that a line, and a batch of 1,000 lines, has a known largest size (BATCH_BODY_BYTES);
# the kind's own Struct then checks the fields themselves.
DataNumber = Annotated[int, Meta(ge=-INT32_MAX, le=INT32_MAX), KwargDefinition(ge=-INT32_MAX, le=INT32_MAX)]  # as bounds.bounded
DataValue = Annotated[str, Meta(max_length=200)] | DataNumber | None
RecordData = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=40)], DataValue],
    Meta(max_length=16, examples=[{"month": "2026-10", "insurance": "pension", "base_fen": 800000}]),
]
BATCH_LINES = 1000
# The largest batch the schema allows, with room: 1,000 lines of at most about 6 KB each.
BATCH_BODY_BYTES = 8 * 1024 * 1024
LegalBasis = Annotated[
    str,
    Meta(
        min_length=4,
        max_length=200,
        pattern=VISIBLE_LINE,
        examples=["《中华人民共和国社会保险法》第五十八条"],
        description="The statute and article this write (or read) rests on",
    ),
]
Purpose = Annotated[str, Meta(min_length=2, max_length=200, pattern=VISIBLE_LINE, examples=["养老保险待遇资格审核"])]
ExternalRef = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        examples=["SI-2026-10-000123"],
        description="The writer's own reference: a retry with the same reference returns the first record",
    ),
]
Reason = Annotated[str, Meta(min_length=2, max_length=200, pattern=VISIBLE_LINE, examples=["缴费基数录入有误"])]


# --- the kinds' data (what `data` holds for each kind) ---------------------------------------


class _Data(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class EmploymentStart(_Data):
    employer_uscc: Uscc
    employer_name: Line
    position: Line
    start_on: dt.date


class EmploymentEnd(_Data):
    employer_uscc: Uscc
    employer_name: Line
    end_on: dt.date
    reason: Line


class UnemploymentRegistration(_Data):
    registered_on: dt.date
    office: Line
    reason: Line


class UnemploymentBenefit(_Data):
    month: Month
    amount_fen: Fen
    paid_on: dt.date


class Training(_Data):
    course: Line
    provider: Line
    hours: Annotated[int, Meta(ge=1, le=10_000)]
    completed_on: dt.date
    certificate_no: ShortLine | None = None


class SkillEvaluation(_Data):
    occupation: Line
    level: Annotated[int, Meta(ge=1, le=5, description="1 = 高级技师, 2 = 技师, 3 = 高级工, 4 = 中级工, 5 = 初级工")]
    evaluator: Line
    certificate_no: ShortLine
    evaluated_on: dt.date


class ProfessionalTitle(_Data):
    title: Line
    series: Line
    level: Literal["junior", "intermediate", "deputy_senior", "senior"]
    granted_by: Line
    granted_on: dt.date
    certificate_no: ShortLine


class Qualification(_Data):
    name: Line
    certificate_no: ShortLine
    issuer: Line
    issued_on: dt.date
    valid_until: dt.date | None = None


class LabourContract(_Data):
    contract_id: uuid.UUID
    employer_uscc: Uscc
    employer_name: Line
    position: Line
    start_on: dt.date
    term_kind: Literal["fixed", "open_ended", "task"]
    doc_hash: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
    end_on: dt.date | None = None


class ContractTermination(_Data):
    contract_id: uuid.UUID
    employer_uscc: Uscc
    employer_name: Line
    terminated_on: dt.date
    reason: Line
    by: Literal["employer", "employee"]


class Contribution(_Data):
    month: Month
    insurance: Insurance
    base_fen: Fen
    employer_fen: Fen
    person_fen: Fen
    employer_uscc: Uscc
    employer_name: Line
    status: Literal["paid", "arrears"]


DATA: dict[str, type[msgspec.Struct]] = {
    "employment_start": EmploymentStart,
    "employment_end": EmploymentEnd,
    "unemployment_registration": UnemploymentRegistration,
    "unemployment_benefit": UnemploymentBenefit,
    "training": Training,
    "skill_evaluation": SkillEvaluation,
    "professional_title": ProfessionalTitle,
    "qualification": Qualification,
    "labour_contract": LabourContract,
    "contract_termination": ContractTermination,
    "contribution": Contribution,
}

DATA_EXAMPLE = {
    "month": "2026-10",
    "insurance": "pension",
    "base_fen": 800000,
    "employer_fen": 128000,
    "person_fen": 64000,
    "employer_uscc": "91440101MA59XXXX1B",
    "employer_name": "广州示例科技有限公司",
    "status": "paid",
}


# --- requests --------------------------------------------------------------------------------


class PersonRef(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The holder, by identity document and name (in the body, never in a URL or log)."""

    doc_type: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
    id_number: Annotated[str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"])]
    name: Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["张三"])]


PERSON_EXAMPLE = {"doc_type": "resident_id", "id_number": "44010619900307001X", "name": "张三"}


class RecordWrite(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One record from an agency or employer system; `corrects` + `correction_reason` make it a correction."""

    person: Annotated[PersonRef, Meta(examples=[PERSON_EXAMPLE])]
    kind: Annotated[HrKind, Meta(examples=["contribution"])]
    data: Annotated[RecordData, Meta(examples=[DATA_EXAMPLE], description="The kind's fields (docs/hrfile.md)")]
    effective_on: Annotated[dt.date, Meta(examples=["2026-10-01"])]
    legal_basis: LegalBasis
    external_ref: ExternalRef | None = None
    corrects: uuid.UUID | None = None
    correction_reason: Reason | None = None


class BatchWrite(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    records: Annotated[list[RecordWrite], Meta(min_length=1, max_length=BATCH_LINES)]


class StaffRecordWrite(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A record written at a counter for a person already looked up (source: the staff member's office)."""

    person_id: uuid.UUID
    kind: Annotated[HrKind, Meta(examples=["training"])]
    data: Annotated[RecordData, Meta(examples=[DATA_EXAMPLE])]
    effective_on: Annotated[dt.date, Meta(examples=["2026-10-01"])]
    legal_basis: LegalBasis
    corrects: uuid.UUID | None = None
    correction_reason: Reason | None = None


class HrQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An agency's or employer's read: on a statute the agency holds (`legal_basis`) or the holder's consent."""

    person: Annotated[PersonRef, Meta(examples=[PERSON_EXAMPLE])]
    kinds: Annotated[list[HrKind], Meta(min_length=1, max_length=11, examples=[["contribution", "employment_start"]])]
    purpose: Purpose
    legal_basis: LegalBasis | None = None
    consent_id: uuid.UUID | None = None


# --- responses -------------------------------------------------------------------------------


class RecordSource(msgspec.Struct, kw_only=True):
    kind: Annotated[SourceKind, Meta(examples=["agency"])]
    id: Annotated[str, Meta(examples=["5d7c1a2e-4b3f-4e8a-9c0d-1e2f3a4b5c6d"])]
    name: Annotated[str, Meta(examples=["广东省社会保险基金管理局"])]


class RecordOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: Annotated[HrKind, Meta(examples=["contribution"])]
    data: Annotated[dict[str, Any], Meta(examples=[DATA_EXAMPLE])]
    effective_on: dt.date
    source: RecordSource
    legal_basis: str
    recorded_at: dt.datetime
    corrects: uuid.UUID | None = None
    correction_reason: str = ""
    status: Annotated[RecordStatus, Meta(examples=["current"])] = "current"
    corrected_by: uuid.UUID | None = None


class RecordWritten(RecordOut, kw_only=True):
    """A written record; `replayed` when the same external_ref and content came before (the first record)."""

    replayed: bool = False


class BatchLine(msgspec.Struct, kw_only=True):
    index: Annotated[int, Meta(ge=0, le=999)]
    status: Annotated[int, Meta(ge=200, le=499, examples=[201], description="What the single route would answer")]
    record: RecordWritten | None = None
    error: Annotated[dict[str, Any], Meta(examples=[{"code": "hrfile.person_not_found", "message": "..."}])] | None = None


class BatchResult(msgspec.Struct, kw_only=True):
    written: Annotated[int, Meta(ge=0, le=1000)]
    replayed: Annotated[int, Meta(ge=0, le=1000)]
    failed: Annotated[int, Meta(ge=0, le=1000)]
    lines: list[BatchLine]


class QueryOut(msgspec.Struct, kw_only=True):
    query_id: Annotated[uuid.UUID, Meta(description="The access record written for this query")]
    basis: Annotated[Literal["statute", "consent"], Meta(examples=["consent"])]
    records: list[RecordOut]


class RecordPage(msgspec.Struct, kw_only=True):
    items: list[RecordOut]
    next: Annotated[str | None, Meta(description="Pass as `before` for the next page; null at the end")] = None


class KindSummary(msgspec.Struct, kw_only=True):
    kind: HrKind
    count: Annotated[int, Meta(ge=0)]
    latest_on: dt.date | None
