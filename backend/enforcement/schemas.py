"""Requests and responses of enforcement: signals, cases, holders' side, credit records, correction orders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.enforcement import vocab
from backend.enforcement.vocab import OrderGround, OrderState, OrderTarget
from backend.lib.bounds import INT32_MAX, SAFE_INT_MAX, VISIBLE_LINE

# Each part below is kept by one topic; add to your own part only.

# --- signals (detecting.py, routes_signals.py) -------------------------------------------


class ScanReport(msgspec.Struct, kw_only=True):
    """What one misuse scan read and wrote (docs/misuse.md)."""

    window_start: dt.datetime
    window_end: dt.datetime
    verifications: int  # rows read in the window
    findings: int  # patterns found, new or already on record
    signals_new: int  # of which new (a dedupe key not seen before)
    cases_opened: int
    cases_joined: int  # signals that joined a case already open for their subject
    by_kind: dict[str, int]  # new signals by kind
    duration_ms: int


class SignalOut(msgspec.Struct, kw_only=True):
    """A pattern the detector found: evidence is verification ids, venues, times, distances and counts."""

    id: uuid.UUID
    kind: vocab.SignalKind
    subject_kind: Literal["card", "scanner", "venue", "device"]
    subject_id: str
    card_id: uuid.UUID | None
    venue_id: uuid.UUID | None
    city: str
    window_start: dt.datetime
    window_end: dt.datetime
    score: int
    summary: str
    evidence: dict[str, Any]
    case_id: uuid.UUID | None
    case_number: str | None
    detected_at: dt.datetime


class SignalPage(msgspec.Struct, kw_only=True):
    items: list[SignalOut]
    next_offset: int | None = None


# --- cases, staff side (cases.py, views.py, routes_cases.py) ------------------------------

CaseVersion = Annotated[
    int,
    Meta(ge=1, le=INT32_MAX, description="The case's `version` as you last saw it: a stale one is 409 `case.version_conflict`"),
]
CardNumber = Annotated[
    str, Meta(pattern=r"^[A-HJ-NP-Z][0-9]{8}$", examples=["A12345678"], description="The card's printed number")
]
CaseText = Annotated[
    str, Meta(min_length=2, max_length=2000, examples=["Verified twice within 20 minutes in Guangzhou and Shantou."])
]
StaffDecision = Literal["no_action", "warning", "correction_order"]
StaffCaseAction = Literal[
    "investigate",
    "assign",
    "note",
    "decide",
    "propose_fine",
    "approve_fine",
    "reject_fine",
    "appeal",
    "uphold",
    "overturn",
    "close",
    "dismiss",
]


class CaseOpen(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A case opened by staff: about a card (its printed number) or a venue (its id), exactly one."""

    kind: vocab.CaseKind
    card_number: CardNumber | None = None
    venue_id: uuid.UUID | None = None
    summary: Annotated[
        str,
        Meta(min_length=2, max_length=500, pattern=VISIBLE_LINE, examples=["Reported by a hospital: card used by someone else"]),
    ]


class CaseStepIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A step that needs nothing but the version seen and, optionally, a note (investigate, approve, close)."""

    expected_version: CaseVersion
    note: Annotated[str, Meta(max_length=2000)] = ""


class CaseNoteIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    expected_version: CaseVersion
    note: CaseText


class CaseReasonIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A step that must say why (reject a fine, record an appeal, uphold, overturn, dismiss)."""

    expected_version: CaseVersion
    reason: CaseText


class CaseAssignIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    expected_version: CaseVersion
    staff_id: Annotated[uuid.UUID | None, Meta(description="The member of staff to take it; leave out to take it yourself")] = (
        None
    )


class CaseDecideIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """No action, a warning, or an order to correct by a deadline (a fine is proposed instead: four eyes)."""

    expected_version: CaseVersion
    decision: StaffDecision
    reason: CaseText
    deadline: Annotated[dt.datetime, Meta(tz=True, examples=["2027-03-01T00:00:00Z"])] | None = None
    ground: vocab.OrderGround | None = None


class CaseFineIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    expected_version: CaseVersion
    amount_yuan: Annotated[
        int, Meta(ge=0, le=1_000_000, examples=[2000], description="Art. 19: 1,000 to 10,000 yuan (else 422 `case.bad_fine`)")
    ]
    reason: CaseText


class CaseOut(msgspec.Struct, kw_only=True):
    """A case as staff see it in a list: no personal data."""

    id: uuid.UUID
    number: str
    kind: str
    subject_kind: str
    city: str
    city_name: str
    state: str
    version: int
    summary: str
    assigned_to: str
    assigned_name: str
    decision: str
    fine_yuan: int | None
    decision_reason: str
    correction_deadline: dt.datetime | None
    proposed_by: str
    approved_by: str
    decided_at: dt.datetime | None
    appeal: str
    opened_by: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    venue_id: uuid.UUID | None
    venue_name: str
    signals: int


class CasePage(msgspec.Struct, kw_only=True):
    items: list[CaseOut]
    next_offset: int | None  # pass as `offset` for the next page; null at the end


class CaseStepOut(msgspec.Struct, kw_only=True):
    seq: int
    action: str
    actor_kind: str
    actor_id: str
    actor_name: str
    from_state: str
    to_state: str
    note: str
    data: dict[str, Any]
    at: dt.datetime


class CaseSignalOut(msgspec.Struct, kw_only=True):
    """A signal behind the case, with what the detector gathered (venues, times, distances; never identity numbers)."""

    id: uuid.UUID
    kind: str
    summary: str
    score: int
    window_start: dt.datetime
    window_end: dt.datetime
    detected_at: dt.datetime
    evidence: dict[str, Any]


class CaseCreditOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    seq: int
    record_id: str
    created_at: dt.datetime


class CaseDetail(msgspec.Struct, kw_only=True):
    """A case with its evidence, history and credit records; reading it is on the holder's access record."""

    case: CaseOut
    card_number: str | None  # masked: only the last four digits show
    holder_name: str | None  # masked
    steps: list[CaseStepOut]
    signals: list[CaseSignalOut]
    credit_records: list[CaseCreditOut]
    allowed_actions: list[str]  # what the caller may do now
    four_eyes: str  # "" or why the caller may not review the decision: "proposer" (or decider), "approver"


# --- cases, the holder's side (holder.py, routes_holder.py) ----------------------------------

HolderCaseNumber = Annotated[str, Meta(max_length=24, examples=["YKC-2026-7F3A9C21"], description="The case's printed number")]


class HolderResponse(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The holder's statement to the staff handling a case about their card."""

    text: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=2000,
            examples=["I was in Guangzhou all week; my card never left me. The second scan must be a copy."],
        ),
    ]


class HolderAppeal(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The holder's appeal against a warning, a correction order or a fine, with the grounds."""

    grounds: Annotated[
        str,
        Meta(
            min_length=10,
            max_length=2000,
            examples=["The hospital kept my card as a deposit against my will; I did not lend it."],
        ),
    ]


class HolderPlace(msgspec.Struct, kw_only=True):
    """A city, named in both languages."""

    code: str
    name: str
    name_en: str


class HolderCaseItem(msgspec.Struct, kw_only=True):
    """A case about the holder's card, as their list shows it."""

    id: uuid.UUID
    number: HolderCaseNumber
    kind: vocab.CaseKind
    state: vocab.CaseState
    decision: vocab.Decision | Literal[""]
    appeal: vocab.AppealState
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    updated_at: dt.datetime


class HolderCaseList(msgspec.Struct, kw_only=True):
    items: list[HolderCaseItem]
    next_offset: int | None = None


class HolderUse(msgspec.Struct, kw_only=True):
    """One use of the holder's card that a signal rests on: when, where, for what, with what result."""

    at: dt.datetime
    venue: str
    city: HolderPlace | None
    scenario: str
    result: str
    offline: bool


class HolderEvidence(msgspec.Struct, kw_only=True):
    """What one signal found about the holder's card (docs/misuse.md): the pattern, the window, the
    measure the threshold was applied to, the venues and the uses of this card (never anyone else's)."""

    kind: vocab.SignalKind
    window_start: dt.datetime
    window_end: dt.datetime
    score: int
    distance_km: float | None = None
    speed_kmh: float | None = None
    venues: list[str]
    uses: list[HolderUse]


class HolderStep(msgspec.Struct, kw_only=True):
    """A step of the case as the holder reads it: staff are named by office and city, never by name."""

    seq: int
    action: str
    by: Literal["you", "staff", "system"]
    office: str
    city: HolderPlace | None
    from_state: vocab.CaseState | Literal[""]
    to_state: vocab.CaseState
    note: str  # the holder's own words, or the reasons given for a decision; "" otherwise
    at: dt.datetime


class HolderCase(msgspec.Struct, kw_only=True):
    """A case about the holder's card: the decision, the evidence about their card, the history,
    and what they may do now (respond while it is not closed; appeal until `appeal_until`)."""

    id: uuid.UUID
    number: HolderCaseNumber
    kind: vocab.CaseKind
    state: vocab.CaseState
    city: HolderPlace | None
    opened_at: dt.datetime
    updated_at: dt.datetime
    decision: vocab.Decision | Literal[""]
    fine_yuan: int | None
    decision_reason: str
    correction_deadline: dt.datetime | None
    decided_at: dt.datetime | None
    appeal: vocab.AppealState
    appeal_until: dt.datetime | None
    can_respond: bool
    can_appeal: bool
    evidence: list[HolderEvidence]
    steps: list[HolderStep]


# --- credit records (credit.py, routes_credit.py) -----------------------------------------

CreditKind = Literal["penalty", "withdrawal"]


class CreditRecordOut(msgspec.Struct, kw_only=True):
    """One signed record for the public credit platform (docs/credit.md): verify `jws` with GET /api/v1/credit/keys."""

    seq: int
    kind: CreditKind
    record_id: Annotated[str, Meta(description="The penalty's id; its withdrawal carries the same")]
    jws: Annotated[str, Meta(description="Compact JWS, EdDSA, typ `yikatong-credit+jwt`: the record itself")]
    created_at: dt.datetime


class CreditPage(msgspec.Struct, kw_only=True):
    items: list[CreditRecordOut]
    next_after: Annotated[int, Meta(ge=0, le=SAFE_INT_MAX)]  # the last seq served (or `after`): pass it back


class CreditJwk(msgspec.Struct, kw_only=True):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class CreditKeys(msgspec.Struct, kw_only=True):
    keys: list[CreditJwk]


# --- correction orders (correcting.py, routes_orders.py) ---------------------------------

OrderAction = Literal["report", "check", "escalate", "withdraw"]
OrderVersion = Annotated[int, Meta(ge=1, le=INT32_MAX, description="The order's version as read: a stale one is 409.")]
OrderNote = Annotated[str, Meta(max_length=2000)]


class OrderIssue(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A correction order to a venue, agency, employer or service point (Art. 18)."""

    target_kind: OrderTarget
    target_id: uuid.UUID
    ground: OrderGround
    detail: Annotated[
        str,
        Meta(
            min_length=2,
            max_length=2000,
            examples=["Verified `hotel_checkin` 41 times in 30 days; the catalog gives it only `library_entry`."],
        ),
    ]
    deadline: Annotated[
        dt.date,
        Meta(description="The last day to correct (Asia/Shanghai): from tomorrow to a year ahead.", examples=["2026-09-30"]),
    ]
    city: (
        Annotated[
            str,
            Meta(
                pattern=r"^[0-9]{6}$",
                description="Provincial operators, for an agency (no city of its own): whose staff follow it up.",
            ),
        ]
        | None
    ) = None
    case_id: uuid.UUID | None = None


class OrderReport(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The target says it has corrected its conduct (recorded by staff from its letter, or sent by its own system)."""

    version: OrderVersion
    note: Annotated[
        str, Meta(min_length=2, max_length=2000, pattern=VISIBLE_LINE, examples=["Scanner settings corrected on 12 May."])
    ]


class OrderCheck(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Staff checked the report: complied, or not done (back to issued, with what is missing)."""

    version: OrderVersion
    outcome: Literal["complied", "not_done"]
    note: OrderNote = ""


class OrderChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Escalate an overdue order, or withdraw an open one (a reason is required)."""

    version: OrderVersion
    note: OrderNote = ""


class OrderStepOut(msgspec.Struct, kw_only=True):
    seq: int
    action: str
    actor_kind: str  # staff | organisation | system
    actor_id: str
    from_state: str
    to_state: str
    note: str
    at: dt.datetime


class OrderOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: str
    target_kind: OrderTarget
    target_id: str
    target_name: str
    city: str
    ground: OrderGround
    detail: str
    state: OrderState
    version: int
    deadline: dt.datetime
    overdue: bool  # overdue or escalated, or still open past the deadline (the job has not run yet)
    case_id: uuid.UUID | None
    signal_id: uuid.UUID | None
    issued_by: str  # staff id; empty in the organisation's own view
    issued_at: dt.datetime
    updated_at: dt.datetime


class OrderDetail(msgspec.Struct, kw_only=True):
    order: OrderOut
    steps: list[OrderStepOut]
    actions: list[OrderAction]  # what the caller may do now
    # A venue's verifications refused as `scenario_not_allowed` in the last 30 days (None for other targets).
    outside_catalog_30d: int | None = None


class OrderPage(msgspec.Struct, kw_only=True):
    items: list[OrderOut]
    total: int


class OrderTargetOut(msgspec.Struct, kw_only=True):
    """Something an order may be addressed to, as the issue form offers it."""

    kind: OrderTarget
    id: uuid.UUID
    name: str
    city: str  # empty for an agency (province-wide)
