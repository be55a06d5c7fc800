"""Tables of the family service: who may act for whom (relations), and the codes a proxy showed."""

from piccolo.columns import UUID, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Relation(Table, tablename="family_relation"):
    """A holder (the proxy) may act for a relative: pending until agreed, active, then ended.

    Kept after it ends (refused or ended), so the relative's record keeps explaining what the
    proxy did while it was active.
    """

    id = UUID(primary_key=True)
    holder = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    relative = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    relationship = Varchar(length=8)  # elder | child | spouse | other (the relative is the holder's ...)
    status = Varchar(length=8, default="pending", index=True)  # pending | active | refused | ended
    # "holder|relative" while pending or active, NULL after: one live relation per pair, even
    # when two adds race.
    live_pair = Varchar(length=80, null=True, default=None, unique=True)
    minor = Boolean(default=False)  # the relative was under 16 when added: guardianship at a counter
    requested_by = Varchar(length=64)  # the holder's account
    created_at = Timestamptz()
    # How it was agreed: relative (from their own account) | counter (in person) | guardianship
    consent = Varchar(length=16, default="")
    agreed_by = Varchar(length=64, default="")  # the relative's account, or the staff member
    agreed_office = UUID(null=True, default=None)  # counter consent: the office
    evidence = Varchar(length=32, default="")  # counter consent: what the clerk checked
    agreed_at = Timestamptz(null=True, default=None)
    ended_by = Varchar(length=8, default="")  # holder | relative (refused or ended)
    ended_at = Timestamptz(null=True, default=None)


class ProxyCode(Table, tablename="family_proxy_code"):
    """An online code a proxy showed for the relative's card: its code id (what a venue's
    verification row keeps) leads to the relation, so the relative's record can say who showed it."""

    id = UUID(primary_key=True)
    code_id = Varchar(length=32, unique=True)
    relation = ForeignKey(Relation, null=False, index=True, on_delete=OnDelete.restrict)
    proxy = ForeignKey(Person, null=False, on_delete=OnDelete.restrict)
    relative = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    at = Timestamptz()
