"""The OpenID provider's tables: relying parties, authorization requests, codes, access tokens, grants."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class RelyingParty(Table, tablename="oidc_client"):
    """A registered relying party (OIDC client). Its secret is kept only as a SHA-256 hash: it is
    256 random bits, so a fast hash is enough and a leaked table reveals no usable secret."""

    id = UUID(primary_key=True)
    client_id = Varchar(length=24, unique=True)  # rp_ + 16 hex
    name = Varchar(length=100)
    name_en = Varchar(length=100, default="")
    redirect_uris = JSON(default=[])
    scopes = JSON(default=[])  # the scopes it may ask for
    legal_basis = Varchar(length=300, default="")  # the law that lets it read `identity`; "" = none
    auth_method = Varchar(length=24)  # none | client_secret_basic | client_secret_post
    secret_hash = Varchar(length=64, default="")
    sector = Varchar(length=255)  # the pairwise subject's sector identifier (a host)
    active = Boolean(default=True)
    created_by = Varchar(length=64)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class AuthRequest(Table, tablename="oidc_request"):
    """One authorization request, of the code flow or the device flow (RFC 8628), from its start
    until it is approved, denied, used or expired. `handle` is its 128-bit random public id."""

    id = UUID(primary_key=True)
    handle = Varchar(length=32, unique=True)
    kind = Varchar(length=8)  # code | device
    client = ForeignKey(RelyingParty, null=False, index=True, on_delete=OnDelete.restrict)
    scopes = JSON(default=[])
    redirect_uri = Varchar(length=500, default="")
    state = Varchar(length=500, default="")
    nonce = Varchar(length=500, default="")
    code_challenge = Varchar(length=128, default="")
    # device flow: the hash of device_code, the user_code shown to the holder, the poll pacing
    device_hash = Varchar(length=64, null=True, default=None, unique=True)
    user_code = Varchar(length=9, null=True, default=None, unique=True)
    interval = Integer(default=5)
    last_poll_at = Timestamptz(null=True, default=None)
    person = ForeignKey(Person, null=True, default=None, index=True, on_delete=OnDelete.restrict)
    # pending -> approved | denied; approved -> used (device: tokens handed out); or expired by time
    status = Varchar(length=12, default="pending")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    # OIDC Core 3.1.2.1: max_age (seconds) and prompt=login ask for a recent factor before approval;
    # auth_time is when the approving session last gave one (the ID token's auth_time)
    max_age = Integer(null=True, default=None)
    login_required = Boolean(default=False)
    auth_time = Timestamptz(null=True, default=None)


class AuthCode(Table, tablename="oidc_code"):
    """An authorization code (hash only): one use, `oidc_code_seconds` long."""

    id = UUID(primary_key=True)
    code_hash = Varchar(length=64, unique=True)
    request = ForeignKey(AuthRequest, null=False, index=True, on_delete=OnDelete.restrict)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class AccessToken(Table, tablename="oidc_token"):
    """A bearer access token for userinfo (hash only)."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    request = ForeignKey(AuthRequest, null=False, index=True, on_delete=OnDelete.restrict)
    client = ForeignKey(RelyingParty, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    scopes = JSON(default=[])
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class Grant(Table, tablename="oidc_grant"):
    """A holder's sign-ins to one relying party: what it was given, first and last time, how often."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    client = ForeignKey(RelyingParty, null=False, index=True, on_delete=OnDelete.restrict)
    pair = Varchar(length=80, unique=True)  # "<person id>:<client_id>": one grant per pair
    scopes = JSON(default=[])
    first_at = Timestamptz()
    last_at = Timestamptz()
    logins = Integer(default=0)  # how many sign-ins
    revoked_at = Timestamptz(null=True, default=None)
