"""Tables of the federation: imported regions, the last verified trust list of each, and their mirrored revocations."""

from piccolo.columns import JSON, UUID, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Region(Table, tablename="federation_region"):
    """Another region this one trusts: how its list is found and checked, and what its cards may do here."""

    id = UUID(primary_key=True)
    code = Varchar(length=6, unique=True)  # province-level region code, e.g. 810000
    name = Varchar(length=64)
    name_en = Varchar(length=64, default="")
    root_fingerprint = Varchar(length=64)  # RFC 7638 thumbprint of its root key, exchanged out of band
    trust_list_url = Varchar(length=512)
    scenarios = JSON(default=[])  # scenario names that accept its cards here
    disclose = JSON(default=[])  # what its codes may show here (federation vocab DISCLOSE)
    status = Varchar(length=16, default="active")  # active | suspended
    created_by = Varchar(length=64, default="")
    updated_by = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TrustList(Table, tablename="federation_trust_list"):
    """The last list of a region that passed every check (one row per region), and the last refresh's error."""

    id = UUID(primary_key=True)
    region = Varchar(length=6, unique=True)
    jws = Text(default="")  # the compact JWS exactly as fetched ("" until one verified)
    payload = JSON(default={})
    seq = BigInt(default=0)
    next_update = BigInt(default=0)  # unix seconds
    fetched_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=300, null=True, default=None)
    attempted_at = Timestamptz(null=True, default=None)


class Revocations(Table, tablename="federation_revocations"):
    """A region's revocations as its scanners would hold them: the version reached and the three maps."""

    id = UUID(primary_key=True)
    region = Varchar(length=6, unique=True)
    version = Integer(default=0)
    cards = JSON(default={})  # card ref -> suspended | cancelled
    devices = JSON(default=[])  # revoked device key ids
    credentials = JSON(default={})  # cred_ref hex -> suspended | cancelled | revoked
    updated_at = Timestamptz(null=True, default=None)
