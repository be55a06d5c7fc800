"""Tables for card applications, cards, their event log, bound devices and the revocation feed."""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Bank, Office


class Application(Table, tablename="cards_application"):
    """A request for a card (申领), made online by the person or at an office for them."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="pending", index=True)  # pending | approved | rejected
    # The person's id while pending, NULL once reviewed: the unique constraint is what keeps
    # one open application per person when two requests race.
    open_person = UUID(null=True, default=None, unique=True)
    channel = Varchar(length=24)  # web | mobile | counter | self_service_terminal | system
    office = ForeignKey(Office, null=True, default=None, on_delete=OnDelete.restrict)
    region = Varchar(length=6, index=True)  # issuing city chosen by the applicant
    bank = ForeignKey(Bank, null=True, default=None, on_delete=OnDelete.restrict)  # preferred bank
    applied_by_kind = Varchar(length=16)  # citizen | staff | system
    applied_by = Varchar(length=64)
    reviewed_by = Varchar(length=64, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reason = Varchar(length=500, default="")  # why it was rejected
    card_id = UUID(null=True, default=None)  # the card its approval issued
    created_at = Timestamptz()


class Card(Table, tablename="cards_card"):
    """A social security card with its e-card; `version` makes every change a compare-and-set."""

    id = UUID(primary_key=True)
    number = Varchar(length=9, unique=True)  # printed number: region letter + 8 digits
    # The column keeps its name (QR codes and the revocation feed say ref); it hides Table.ref,
    # a helper for tools built on piccolo that piccolo itself never calls.
    ref = Varchar(length=16, unique=True)  # type: ignore[assignment]  # opaque 8-byte reference carried in QR codes
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    # The person's id while the card is not replaced or cancelled: at most one such card each.
    active_person = UUID(null=True, default=None, unique=True)
    region = Varchar(length=6)  # issuing city code
    state = Varchar(length=16, default="active", index=True)
    version = Integer(default=1)
    bank = ForeignKey(Bank, null=False, index=True, on_delete=OnDelete.restrict)
    account = Varchar(length=32)  # the financial account number at the bank
    ecard_level = Integer(default=0)  # 0 none, 1 identity and queries, 2 with payment
    ecard_issued_at = Timestamptz(null=True, default=None)
    # How surely the e-card's holder was proven (backend/lib/assurance.py) and by which route.
    assurance = Integer(default=0)
    proofing = Varchar(length=16, default="")
    transport_enabled = Boolean(default=False)
    lapse_at = Timestamptz(null=True, default=None)  # when a temporary loss report lapses
    replaces = UUID(null=True, default=None)
    replaced_by = UUID(null=True, default=None)
    application = UUID(null=True, default=None)
    office = ForeignKey(Office, null=True, default=None, on_delete=OnDelete.restrict)
    issued_at = Timestamptz()
    updated_at = Timestamptz()


class CardEvent(Table, tablename="cards_event"):
    """One change of a card, as the holder sees it: who, through which channel and office, why."""

    id = UUID(primary_key=True)
    card = ForeignKey(Card, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    seq = Integer()  # the card version this event produced
    kind = Varchar(length=16)  # transition (state changed) | notice (bank, e-card, devices)
    action = Varchar(length=32)
    from_state = Varchar(length=16, null=True, default=None)
    to_state = Varchar(length=16)
    actor_kind = Varchar(length=16)  # citizen | staff | system
    actor_id = Varchar(length=64)
    channel = Varchar(length=24)
    office = ForeignKey(Office, null=True, default=None, on_delete=OnDelete.restrict)
    reason = Varchar(length=500, default="")
    note = Varchar(length=500, default="")
    at = Timestamptz()


class Device(Table, tablename="cards_device"):
    """A phone the e-card is bound to, optionally with its Ed25519 key for offline codes."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    card = ForeignKey(Card, null=False, index=True, on_delete=OnDelete.restrict)
    label = Varchar(length=64)
    public_key = Bytea(null=True, default=None)
    key_id = Varchar(length=16, null=True, default=None, index=True)  # sha256(public_key)[:8] hex
    bound_key = Varchar(length=16, null=True, default=None, unique=True)  # key_id while bound
    status = Varchar(length=16, default="bound")  # bound | unbound
    bound_at = Timestamptz()
    unbound_at = Timestamptz(null=True, default=None)


class RevocationEntry(Table, tablename="cards_revocation"):
    """The revocation feed verifiers sync: every change of a card's or device key's usability."""

    version = Serial(primary_key=True)
    kind = Varchar(length=16)  # card | device | credential (issue 18: an offline credential of format 2)
    ref = Varchar(length=16, index=True)  # type: ignore[assignment]  # hides Table.ref, as on Card; card ref hex or device key id hex
    status = Varchar(length=16)  # card: active | suspended | cancelled; device: revoked; credential: any of these
    at = Timestamptz()


class OfflineCredential(Table, tablename="cards_offline_credential"):
    """An offline credential of format 2 (docs/qr-format.md): one random reference per credential,
    bound to a one-time device key, so the server alone can tell which card it belongs to."""

    id = UUID(primary_key=True)
    ref = Varchar(length=16, unique=True)  # type: ignore[assignment]  # random 8 bytes hex, never reused
    card = ForeignKey(Card, null=False, index=True, on_delete=OnDelete.restrict)
    device = ForeignKey(Device, null=False, index=True, on_delete=OnDelete.restrict)
    suite = Varchar(length=8)  # ed25519 | sm2
    profile = Varchar(length=16)  # validity | concession | transit
    kid = Varchar(length=8)  # the issuer key that signed it
    key_id = Varchar(length=16)  # hex(SHA-256(one-time device public key)[0:8])
    nbf = Timestamptz()
    exp = Timestamptz(index=True)
    issued_at = Timestamptz()


class BankAccount(Table, tablename="cards_bank_account"):
    """A request to a bank to open (or confirm) the card's financial account, and the bank's answer.

    The server never makes an account number up: a card's `account` stays empty until the bank
    answers `opened` with the number it opened (docs/payments.md, "Accounts come from the bank").
    """

    id = UUID(primary_key=True)
    card = ForeignKey(Card, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    bank = ForeignKey(Bank, null=False, index=True, on_delete=OnDelete.restrict)
    # new_card | change (the holder chose another bank) | migration (the bank's cooperation ended)
    purpose = Varchar(length=16)
    status = Varchar(length=16, default="pending", index=True)  # pending | opened | refused | superseded
    # The card's id while pending: at most one open request per card (a second one supersedes).
    pending_card = UUID(null=True, default=None, unique=True)
    account = Varchar(length=32, default="")  # the number the bank opened
    refuse_reason = Varchar(length=32, default="")
    from_bank = ForeignKey(Bank, null=True, default=None, on_delete=OnDelete.restrict)  # the bank left, if any
    how = Varchar(length=16, default="")  # migration only: choice (the holder's) | default (the successor)
    requested_at = Timestamptz(index=True)
    answered_at = Timestamptz(null=True, default=None)
