"""The consent table: a holder's permission for one agency to read a scope, for a purpose, for a time."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Agency


class Consent(Table, tablename="consent_consent"):
    """Kept whole as the receipt: who (holder, agency), what (scope), why, from when, until when.

    Never deleted: a revoked or expired consent still explains the queries made under it.
    """

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    purpose = Varchar(length=200)
    # {"card_status": bool, "certificates": {type code: [field names]}}
    scope = JSON(default={})
    valid_from = Timestamptz()
    valid_until = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    granted_by = Varchar(length=64)  # the citizen account that granted it
    granted_at = Timestamptz()
