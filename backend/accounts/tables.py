"""Tables for citizen accounts, staff members, sessions, recovery codes and machine clients."""

from piccolo.columns import UUID, BigInt, Boolean, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Office


class Account(Table, tablename="accounts_account"):
    """A citizen's sign-in, bound to exactly one person (matched by identity document)."""

    id = UUID(primary_key=True)
    # RESTRICT: a person with an account must not vanish underneath it.
    person = ForeignKey(Person, null=False, unique=True, on_delete=OnDelete.restrict)
    password_hash = Varchar(length=255)
    # TOTP secrets are AES-GCM ciphertexts (never clear); pending = enrolment not yet confirmed.
    totp_cipher = Bytea(null=True, default=None)
    totp_pending_cipher = Bytea(null=True, default=None)
    totp_enabled = Boolean(default=False)
    # Highest TOTP time step accepted so far: a code is good only for a later step (RFC 6238 5.2).
    totp_last_step = BigInt(default=0)
    created_at = Timestamptz()
    password_changed_at = Timestamptz()
    # Who is behind the account (backend/lib/assurance.py): 0 until a proofing route proved it.
    assurance = Integer(default=0)
    proven_method = Varchar(length=16, default="")  # counter | bank | provider | family
    proven_at = Timestamptz(null=True, default=None)


class StaffMember(Table, tablename="accounts_staff"):
    """An operator of an HR & social security office; the office gives the city."""

    id = UUID(primary_key=True)
    username = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    role = Varchar(length=32)  # counter_operator | supervisor | provincial_operator
    office = ForeignKey(Office, null=False, on_delete=OnDelete.restrict)
    password_hash = Varchar(length=255)
    totp_cipher = Bytea(null=True, default=None)
    totp_pending_cipher = Bytea(null=True, default=None)
    totp_enabled = Boolean(default=False)
    totp_last_step = BigInt(default=0)
    active = Boolean(default=True)
    created_at = Timestamptz()
    password_changed_at = Timestamptz()


class RecoveryCode(Table, tablename="accounts_recovery_code"):
    """A single-use TOTP recovery code, stored as a hash only."""

    id = UUID(primary_key=True)
    owner_id = UUID(index=True)  # an account or staff id (two tables, so no FK)
    code_hash = Varchar(length=64, index=True)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class Session(Table, tablename="accounts_session"):
    """A signed-in session of a citizen or staff member; the token is kept as SHA-256 only."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=16)  # citizen | staff
    account = ForeignKey(Account, null=True, default=None)
    staff = ForeignKey(StaffMember, null=True, default=None)
    created_at = Timestamptz()
    last_seen = Timestamptz()
    expires_at = Timestamptz()  # absolute end; the idle limit is checked against last_seen
    revoked_at = Timestamptz(null=True, default=None)
    user_agent = Varchar(length=256, default="")
    client_label = Varchar(length=64, default="")
    stepped_up_at = Timestamptz(null=True, default=None)  # the last fresh factor, for step-up


class Client(Table, tablename="accounts_client"):
    """A machine credential for a venue scanner, an agency system or a cooperating bank."""

    id = UUID(primary_key=True)
    kind = Varchar(length=16)  # scanner | agency | bank
    org_id = UUID()  # venue, agency or bank id: spans several tables, so no FK
    name = Varchar(length=128)
    secret_hash = Varchar(length=64)
    status = Varchar(length=16, default="active")  # active | revoked
    rate_per_minute = Integer(null=True, default=None)  # None: settings.client_rate_per_minute
    created_by = Varchar(length=64)
    created_at = Timestamptz()
    rotated_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class Passkey(Table, tablename="accounts_passkey"):
    """A WebAuthn credential (passkey) of a citizen: the public key only; the private key never
    leaves the holder's authenticator."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade)
    # base64url of the raw credential id (at most 1023 bytes, so at most 1364 characters)
    credential_id = Varchar(length=1400, unique=True)
    public_key = Bytea()  # COSE_Key as the authenticator gave it
    sign_count = BigInt(default=0)  # the authenticator's counter: it must grow (0 = it does not count)
    transports = Varchar(length=128, default="")  # comma-separated hints (internal, hybrid, usb ...)
    label = Varchar(length=64, default="")
    backed_up = Boolean(default=False)  # synced passkey (the authenticator says it is backed up)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)


class PasskeyChallenge(Table, tablename="accounts_passkey_challenge"):
    """A WebAuthn challenge handed out once; deleting the row when it is answered makes it
    single-use in the database itself (a store that forgot its keys cannot bring it back)."""

    id = UUID(primary_key=True)
    challenge_hash = Varchar(length=64, unique=True)  # SHA-256 of the challenge bytes
    purpose = Varchar(length=16)  # register | signin | second_factor | step_up
    account_id = UUID(null=True, default=None)  # whose ceremony; None for a username-less sign-in
    session_id = UUID(null=True, default=None)  # step-up: the session it steps up
    expires_at = Timestamptz(index=True)
