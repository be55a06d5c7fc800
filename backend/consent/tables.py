"""The consent table: a holder's permission for one agency to read a scope, for a purpose, for a time."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Agency, Employer


class Consent(Table, tablename="consent_consent"):
    """Kept whole as the receipt: who (holder, agency), what (scope), why, from when, until when.

    Never deleted: a revoked or expired consent still explains the queries made under it.
    """

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    purpose = Varchar(length=200)
    # {"card_status": bool, "certificates": {type code: [field names]}, "hr_records": [HR record kinds]}
    scope = JSON(default={})
    valid_from = Timestamptz()
    valid_until = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    granted_by = Varchar(length=64)  # the citizen account that granted it
    granted_at = Timestamptz()


class EmployerConsent(Table, tablename="consent_employer_consent"):
    """A holder's permission for one employer to read named kinds of their HR file (issue 17), kept
    like `Consent` (whose agency column cannot be made nullable on SQLite, hence a table of its own).
    Its ids share the consent routes with `Consent`'s: both are uuid4."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    employer = ForeignKey(Employer, null=False, index=True, on_delete=OnDelete.restrict)
    purpose = Varchar(length=200)
    # {"card_status": false, "certificates": {}, "hr_records": [record kinds]}
    scope = JSON(default={})
    valid_from = Timestamptz()
    valid_until = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    granted_by = Varchar(length=64)
    granted_at = Timestamptz()
