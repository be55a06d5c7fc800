"""Tables of proofing: attempts (the record), one-time codes, bank challenges and keys, provider
sessions, photos of record and password resets.

Ids of accounts, people, staff, offices, banks and clients are plain UUID columns, not foreign
keys: an attempt is a record that must outlive what it names (as the access record does).
"""

from piccolo.columns import UUID, Bytea, Integer, Timestamptz, Varchar
from piccolo.table import Table


class ProofingAttempt(Table, tablename="proofing_attempt"):
    """One proofing attempt, proven or refused: who tried, by which route, with which staff
    member, bank or provider, and why it was refused. Refusals here are also what throttling
    counts when the store lost its counters."""

    id = UUID(primary_key=True)
    account = UUID(null=True, default=None, index=True)
    person = UUID(null=True, default=None, index=True)
    method = Varchar(length=16)  # counter | bank | provider
    purpose = Varchar(length=8, default="bind")  # bind | reset
    outcome = Varchar(length=8)  # proven | refused
    reason = Varchar(length=64, default="")  # the refusal's error code
    level = Integer(default=0)  # the assurance recorded when proven
    staff = UUID(null=True, default=None, index=True)
    office = UUID(null=True, default=None)
    bank = UUID(null=True, default=None)
    client = UUID(null=True, default=None, index=True)  # the bank's machine client
    provider = Varchar(length=32, default="")
    session = UUID(null=True, default=None)  # the wallet's session ("this account on this phone")
    device_label = Varchar(length=64, default="")
    item = UUID(null=True, default=None)  # the code, challenge or provider session it concerned
    ecard_activated = Integer(default=0)  # 1 when the e-card was activated or re-recorded
    at = Timestamptz(index=True)


class ProofingCode(Table, tablename="proofing_code"):
    """A one-time binding code, kept as a keyed hash. `kind` says who made it: the wallet
    (the clerk types it), the counter (the wallet types it) or a password reset."""

    id = UUID(primary_key=True)
    code_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=8)  # wallet | counter | reset
    account = UUID(null=True, default=None, index=True)
    person = UUID(null=True, default=None, index=True)
    reset = UUID(null=True, default=None, index=True)
    # The owner (account, or the reset) while the code is open: the unique constraint keeps one
    # open code per owner when two requests race.
    open_owner = UUID(null=True, default=None, unique=True)
    session = UUID(null=True, default=None)
    device_label = Varchar(length=64, default="")
    staff = UUID(null=True, default=None)
    office = UUID(null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class BankChallenge(Table, tablename="proofing_bank_challenge"):
    """ "Approve N in your bank's app": the bank confirms, signed, that the card's holder did."""

    id = UUID(primary_key=True)
    account = UUID(null=True, default=None, index=True)
    person = UUID(index=True)
    reset = UUID(null=True, default=None)
    card = UUID(index=True)
    card_number = Varchar(length=9)
    bank = UUID()
    number = Varchar(length=6)
    open_owner = UUID(null=True, default=None, unique=True)
    session = UUID(null=True, default=None)
    status = Varchar(length=16, default="pending")  # pending | proven | refused | expired
    reason = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    signature = Varchar(length=100, default="")  # the accepted answer's signature, for the record


class BankAnswerKey(Table, tablename="proofing_bank_key"):
    """A cooperating bank's Ed25519 key for signing challenge answers (several while rotating)."""

    id = UUID(primary_key=True)
    bank = UUID(index=True)
    public_key = Bytea()
    key_id = Varchar(length=16, unique=True)
    status = Varchar(length=16, default="active")  # active | revoked
    created_by = Varchar(length=64)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class ProviderSession(Table, tablename="proofing_provider_session"):
    """A session at a remote identity-verification provider."""

    id = UUID(primary_key=True)
    account = UUID(null=True, default=None, index=True)
    person = UUID(index=True)
    reset = UUID(null=True, default=None)
    provider = Varchar(length=32)
    provider_ref = Varchar(length=64, default="")
    session = UUID(null=True, default=None)
    status = Varchar(length=16, default="pending")  # pending | proven | refused | expired
    reason = Varchar(length=64, default="")
    score = Integer(null=True, default=None)  # 0..100
    created_at = Timestamptz()
    expires_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class PhotoOfRecord(Table, tablename="proofing_photo"):
    """The reference a face match is made against: a keyed digest of the photo, set by staff."""

    id = UUID(primary_key=True)
    person = UUID(unique=True)
    digest = Varchar(length=64)
    set_by = UUID()
    office = UUID(null=True, default=None)
    set_at = Timestamptz()


class PasswordReset(Table, tablename="proofing_reset"):
    """A password reset, which only a proofing route can prove. `person` and `account` are None
    when nobody has an account with the document: such a reset can never be proven."""

    id = UUID(primary_key=True)
    person = UUID(null=True, default=None, index=True)
    account = UUID(null=True, default=None, index=True)
    token_hash = Varchar(length=64, unique=True)
    status = Varchar(length=16, default="open")  # open | proven | done
    method = Varchar(length=16, default="")
    level = Integer(default=0)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    proven_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
