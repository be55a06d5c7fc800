"""The access record table: one row per access to a person's data, chained by hashes."""

from piccolo.columns import JSON, UUID, BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table


class AccessEntry(Table, tablename="audit_access_entry"):
    """One access to personal data by someone other than the holder.

    `seq` is the position in the one chain; `hash` covers every other column and `prev_hash`,
    so an edited, deleted or reordered row breaks the chain. No foreign keys: the record must
    outlive what it talks about, and a cascading change would rewrite hashed content.
    """

    id = UUID(primary_key=True)
    seq = BigInt(unique=True)
    at = Timestamptz()
    actor_kind = Varchar(length=16)  # agency | venue | staff | system
    actor_id = Varchar(length=64)  # client id (agency system, scanner) or staff id
    actor_org = Varchar(length=64, default="")  # agency or venue id
    actor_name = Varchar(length=128, default="")  # as the holder should read it
    person = UUID(null=True, default=None, index=True)  # whose data; None when nobody matched
    action = Varchar(length=48, index=True)
    fields = JSON(default=[])  # names of what was (or would have been) disclosed, never values
    purpose = Varchar(length=200, default="")
    basis_kind = Varchar(length=24)  # statute | consent | presented_code | scenario | official_duty | none
    basis_ref = Varchar(length=200, default="")
    result = Varchar(length=16)  # ok | refused | not_found
    result_code = Varchar(length=64, default="")  # the error code of a refusal
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64, unique=True)


class Anchor(Table, tablename="audit_anchor"):
    """The chain's head at one moment, signed and published (docs/audit.md, "Anchors").

    Each anchor names the one before it, so the anchors form a chain of their own; `statement`
    is exactly what was signed and published (a compact JWS), for witnesses to keep.
    """

    id = UUID(primary_key=True)
    number = BigInt(unique=True)  # 1, 2, 3 ... with no gaps
    seq = BigInt()  # the chain position anchored (0: the empty chain)
    hash = Varchar(length=64)  # the entry's hash at `seq` (GENESIS for the empty chain)
    prev = Varchar(length=64)  # SHA-256 of the previous anchor's statement (64 zeros for the first)
    kid = Varchar(length=16)  # the audit-anchor key that signed it
    statement = Text()
    at = Timestamptz()
