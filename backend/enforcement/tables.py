"""Tables of misuse signals, enforcement cases with their steps, credit records and correction orders.

No foreign keys to other features' rows: a case and its record must outlive the card, venue or
organisation it concerns, and a cascading change must never rewrite a decided penalty.
"""

from piccolo.columns import JSON, UUID, BigInt, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Signal(Table, tablename="enforcement_signal"):
    """One pattern the detector found in what the service saw (docs/misuse.md).

    `dedupe_key` makes detection idempotent: a scan run again over the same window finds the same
    pattern and writes nothing new.
    """

    id = UUID(primary_key=True)
    kind = Varchar(length=32, index=True)  # vocab.SIGNAL_KINDS
    subject_kind = Varchar(length=16)  # card | scanner | venue | device
    subject_id = Varchar(length=64, index=True)
    card_id = UUID(null=True, default=None, index=True)
    person = UUID(null=True, default=None, index=True)  # the card's holder, when a card is concerned
    venue_id = UUID(null=True, default=None)
    city = Varchar(length=6, default="")  # the city whose staff take the case
    window_start = Timestamptz()
    window_end = Timestamptz()
    score = Integer(default=0)  # the measure the threshold was applied to (count, km/h, ...)
    summary = Varchar(length=500, default="")  # one line for staff, in English; no personal data
    evidence = JSON(default={})  # verification ids, venues, times, distances: never identity numbers
    dedupe_key = Varchar(length=64, unique=True)
    case = UUID(null=True, default=None, index=True)  # the case it opened or joined
    detected_at = Timestamptz()


class Case(Table, tablename="enforcement_case"):
    """An enforcement case about a card's misuse (Art. 19) or a venue's or organisation's conduct."""

    id = UUID(primary_key=True)
    number = Varchar(length=24, unique=True)  # printed on notices: "YKC-2026-7F3A9C21"
    kind = Varchar(length=32, index=True)  # vocab.CASE_KINDS
    subject_kind = Varchar(length=16)  # card | venue | scanner | organisation
    subject_id = Varchar(length=64, index=True)
    card_id = UUID(null=True, default=None, index=True)
    person = UUID(null=True, default=None, index=True)  # the holder told about it, who may respond
    venue_id = UUID(null=True, default=None)
    city = Varchar(length=6, index=True)  # whose staff handle it
    state = Varchar(length=16, index=True)  # vocab.CASE_STATES
    version = Integer(default=1)  # every change is a compare-and-set on it
    # The one open case per subject and kind: set while not closed, NULL after (unique, so two
    # detector runs racing open one case).
    open_key = Varchar(length=96, null=True, default=None, unique=True)
    summary = Varchar(length=500, default="")
    assigned_to = Varchar(length=64, default="")  # staff id
    decision = Varchar(length=24, default="")  # vocab.DECISIONS, "" until decided
    fine_yuan = Integer(null=True, default=None)  # 1,000-10,000 (Art. 19)
    decision_reason = Varchar(length=2000, default="")
    correction_deadline = Timestamptz(null=True, default=None)
    proposed_by = Varchar(length=64, default="")  # staff who proposed the decision
    approved_by = Varchar(length=64, default="")  # the second pair of eyes on a fine
    decided_at = Timestamptz(null=True, default=None)
    appeal = Varchar(length=16, default="")  # "" | lodged | upheld | overturned
    opened_by = Varchar(length=64)  # "system" (a signal) or a staff id
    opened_at = Timestamptz()
    updated_at = Timestamptz()


class CaseStep(Table, tablename="enforcement_case_step"):
    """One step of a case as its history shows it: who, when, from which state to which, why."""

    id = UUID(primary_key=True)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    seq = Integer()  # the case version this step produced
    action = Varchar(length=32)
    actor_kind = Varchar(length=16)  # staff | holder | system
    actor_id = Varchar(length=64)
    actor_name = Varchar(length=128, default="")
    from_state = Varchar(length=16, default="")
    to_state = Varchar(length=16)
    note = Varchar(length=2000, default="")
    data = JSON(default={})
    at = Timestamptz()


class CreditRecord(Table, tablename="enforcement_credit_record"):
    """A penalty sent to the public credit platform, or its withdrawal (docs/credit.md).

    `seq` orders the platform's feed. The signed record names the person, so it is kept sealed
    with the personal-data key and opened only to serve the platform.
    """

    id = UUID(primary_key=True)
    seq = BigInt(unique=True)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)  # penalty | withdrawal
    record_id = Varchar(length=40, index=True)  # the penalty's id; its withdrawal carries the same
    sealed = Bytea()  # the signed record (compact JWS), sealed
    created_at = Timestamptz()


class CorrectionOrder(Table, tablename="enforcement_correction_order"):
    """An order to a venue, service or organisation to correct its conduct by a deadline (Art. 18)."""

    id = UUID(primary_key=True)
    number = Varchar(length=24, unique=True)  # "YKO-2026-..."
    target_kind = Varchar(length=16)  # venue | agency | employer | service_point
    target_id = Varchar(length=64, index=True)
    target_name = Varchar(length=200, default="")
    city = Varchar(length=6, index=True)
    ground = Varchar(length=32)  # vocab.ORDER_GROUNDS
    detail = Varchar(length=2000, default="")
    state = Varchar(length=16, index=True)  # vocab.ORDER_STATES
    version = Integer(default=1)
    deadline = Timestamptz()
    case = UUID(null=True, default=None)
    signal = UUID(null=True, default=None)
    issued_by = Varchar(length=64)
    issued_at = Timestamptz()
    updated_at = Timestamptz()


class OrderStep(Table, tablename="enforcement_order_step"):
    """One step of a correction order: issued, reported done, checked, overdue, escalated, withdrawn."""

    id = UUID(primary_key=True)
    order = ForeignKey(CorrectionOrder, null=False, index=True, on_delete=OnDelete.restrict)
    seq = Integer()
    action = Varchar(length=32)
    actor_kind = Varchar(length=16)  # staff | organisation | system
    actor_id = Varchar(length=64)
    from_state = Varchar(length=16, default="")
    to_state = Varchar(length=16)
    note = Varchar(length=2000, default="")
    at = Timestamptz()
