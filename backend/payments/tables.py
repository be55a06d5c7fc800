"""Tables for payment batches and orders, bank instructions and answers, the ledger, agency events, bank reports."""

from piccolo.columns import UUID, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.cards.tables import Card
from backend.identity.tables import Person
from backend.org.tables import Agency, Bank


class Batch(Table, tablename="payments_batch"):
    """A batch of payment orders submitted together (a pension run): one idempotency key for the whole."""

    id = UUID(primary_key=True)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    client_id = Varchar(length=64)  # the paying agency's client credential that submitted it
    idempotency_key = Varchar(length=64)
    # sha256 of the canonical request: the same key with other content is refused.
    content_hash = Varchar(length=64)
    name = Varchar(length=128, default="")  # the agency's label for the run, e.g. "2026-12 pensions"
    line_count = Integer(default=0)
    accepted_count = Integer(default=0)  # lines that became orders
    rejected_count = Integer(default=0)  # lines refused at submission (unknown person, name mismatch...)
    total_fen = BigInt(default=0)  # sum of the accepted lines
    result = Text(default="{}")  # JSON: the first answer's per-line results, replayed on a retried submission
    created_at = Timestamptz(index=True)


class Order(Table, tablename="payments_order"):
    """One payment to one person (docs/payments.md). `status` moves by compare-and-set on `version`."""

    id = UUID(primary_key=True)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    client_id = Varchar(length=64)
    batch = ForeignKey(Batch, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    line_no = Integer(default=0)  # position in the batch (1-based), 0 for a single order
    idempotency_key = Varchar(length=64)  # unique per agency (index in the migration)
    content_hash = Varchar(length=64)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    payment_type = Varchar(length=32)
    amount_fen = BigInt()
    legal_basis = Varchar(length=200)
    purpose = Varchar(length=200, default="")  # what the payment is for, shown to the holder
    reference = Varchar(length=64, default="")  # the agency's own reference for the line
    # accepted | instructed | credited | held | cancelled (payments/moves.py)
    status = Varchar(length=16, default="accepted", index=True)
    hold_reason = Varchar(length=32, default="")  # payments/vocab.HOLD_REASONS when held
    hold_detail = Varchar(length=200, default="")  # e.g. the bank's return reason code
    # The card and account the person had when the agency submitted: tells a re-routing (Art. 8).
    submitted_card = UUID(null=True, default=None)
    submitted_account = Varchar(length=32, default="")
    # Where the current (or last) instruction sent it: set at execution time, never at submission.
    card = ForeignKey(Card, null=True, default=None, on_delete=OnDelete.restrict)
    bank = ForeignKey(Bank, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    account = Varchar(length=32, default="")
    instructions = Integer(default=0)  # how many instructions were made (the next one's seq)
    version = Integer(default=1)
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()
    credited_at = Timestamptz(null=True, default=None)


class Instruction(Table, tablename="payments_instruction"):
    """A signed instruction to a bank to credit one account: stable id, one per routing attempt."""

    id = UUID(primary_key=True)
    order = ForeignKey(Order, null=False, index=True, on_delete=OnDelete.restrict)
    seq = Integer()  # 1, 2... per order (unique with order, index in the migration)
    bank = ForeignKey(Bank, null=False, index=True, on_delete=OnDelete.restrict)
    account = Varchar(length=32)
    amount_fen = BigInt()
    payee_name = Varchar(length=64)  # the holder's name, for the bank's name check
    # pending (not yet accepted) | accepted | credited | returned | withdrawn (taken back before acceptance)
    status = Varchar(length=16, default="pending", index=True)
    return_reason = Varchar(length=32, default="")
    bank_reference = Varchar(length=64, default="")
    kid = Varchar(length=16)  # the issuer key that signed it
    signature = Varchar(length=128)  # base64url Ed25519 over the canonical instruction (docs/payments.md)
    created_at = Timestamptz(index=True)
    answered_at = Timestamptz(null=True, default=None)


class Answer(Table, tablename="payments_answer"):
    """One answer a bank gave to an instruction, as received (duplicates are recognised, not re-applied)."""

    id = UUID(primary_key=True)
    instruction = ForeignKey(Instruction, null=False, index=True, on_delete=OnDelete.restrict)
    outcome = Varchar(length=16)  # accepted | credited | returned
    reason_code = Varchar(length=32, default="")
    bank_reference = Varchar(length=64, default="")
    client_id = Varchar(length=64)
    received_at = Timestamptz()


class LedgerEntry(Table, tablename="payments_ledger_entry"):
    """One line of a balanced journal (payments/ledger.py): signed fen, debit positive, credit negative."""

    id = UUID(primary_key=True)
    journal = UUID(index=True)  # the lines of one posting share it; they sum to zero
    order = ForeignKey(Order, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)  # accept | instruct | hold | credit | return | withdraw | retry | cancel
    account = Varchar(length=64, index=True)  # e.g. agency:GD-HRSS, orders:pending, bank:ICBC:in_transit
    amount_fen = BigInt()
    agency_code = Varchar(length=32, index=True)
    bank_code = Varchar(length=16, default="", index=True)
    day = Date(index=True)  # the business day in the province's time zone
    at = Timestamptz()


class AgencyEvent(Table, tablename="payments_agency_event"):
    """What a paying agency is told (an order held, returned, credited; a bank ended), until it acknowledges it."""

    id = UUID(primary_key=True)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    order = ForeignKey(Order, null=True, default=None, on_delete=OnDelete.restrict)
    kind = Varchar(length=32)  # order.held | order.credited | order.returned | order.rerouted | order.cancelled | bank.ended
    detail = Text(default="{}")  # JSON: reason codes and ids, never an identity number
    at = Timestamptz(index=True)
    # Read by the agency's system and acknowledged (POST .../events/ack): the feed shows unacknowledged ones.
    acked_at = Timestamptz(null=True, default=None, index=True)


class BankReport(Table, tablename="payments_bank_report"):
    """A bank's daily data report (Art. 12), kept as received; a correction is a new version."""

    id = UUID(primary_key=True)
    bank = ForeignKey(Bank, null=False, index=True, on_delete=OnDelete.restrict)
    day = Date()
    version = Integer(default=1)
    body = Text()  # JSON: the figures in the documented format (docs/payments.md)
    client_id = Varchar(length=64)
    received_at = Timestamptz()
