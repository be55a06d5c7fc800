"""Tables for venues and the record of every code verification at a venue."""

from piccolo.columns import JSON, UUID, Boolean, DoublePrecision, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import City


class Venue(Table, tablename="venues_venue"):
    """A place that verifies codes (hospital, metro station, hotel...); scanners belong to it."""

    id = UUID(primary_key=True)
    name = Varchar(length=128)
    venue_type = Varchar(length=32)
    city = ForeignKey(City, null=False, on_delete=OnDelete.restrict)
    scenarios = JSON(default=[])  # scenario names this venue serves, each fitting venue_type
    active = Boolean(default=True)
    # WGS-84 degrees, where the venue is: the misuse signals measure distances with them (docs/misuse.md).
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()


class Verification(Table, tablename="venues_verification"):
    """One scan event, online or uploaded from an offline scanner: the holder's access record."""

    id = UUID(primary_key=True)
    # RESTRICT: a venue with verifications on record cannot be deleted, only deactivated.
    venue = ForeignKey(Venue, null=False, on_delete=OnDelete.restrict)
    scanner_id = UUID(index=True)  # the scanner's client id (accounts), no FK: clients span kinds
    scenario = Varchar(length=64)
    result = Varchar(length=32)
    code_kind = Varchar(length=16, null=True, default=None)  # online | offline | None (malformed)
    code_id = Varchar(length=32, null=True, default=None, index=True)
    card_id = UUID(null=True, default=None)
    card_ref = Varchar(length=16, null=True, default=None)
    device_key_id = Varchar(length=16, null=True, default=None)
    # SET NULL: erasing a person de-links their record rather than being blocked by it.
    person = ForeignKey(Person, null=True, default=None, index=True, on_delete=OnDelete.set_null)
    disclosed = JSON(default=[])  # attribute names shown to the venue ("who saw what")
    at = Timestamptz(index=True)  # when the code was checked (by the scanner, for offline rows)
    offline = Boolean(default=False)
    uploaded_at = Timestamptz(null=True, default=None)
    retry = Boolean(default=False)  # the same scanner asked again for a code it already got
    double_use = Boolean(default=False, index=True)
    # Offline rows only: hash of (scanner, code id, verified at), so an upload can be repeated.
    upload_key = Varchar(length=64, null=True, default=None, unique=True)
    # The code id on the one row that is the code's accepted use, NULL on every other row. The
    # unique index is the durable one-time record (RFC 6238 §5.2): it is written in the same
    # commit as the row, so a code stays used when the shared store loses its claims. The
    # unique index is made by the migration (SQLite cannot add a UNIQUE column to a table).
    use_key = Varchar(length=32, null=True, default=None)
    # federation: the province code of another region's card scanned here (online or offline);
    # NULL for our own cards. Such a row names no card, phone or person of ours.
    region = Varchar(length=6, null=True, default=None)
