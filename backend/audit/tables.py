"""The access record table: one row per access to a person's data, chained by hashes."""

from piccolo.columns import JSON, UUID, BigInt, Timestamptz, Varchar
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
