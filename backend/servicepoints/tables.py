"""Tables of the service-point directory and of tickets (consultations and complaints)."""

from piccolo.columns import JSON, UUID, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class ServicePoint(Table, tablename="servicepoints_point"):
    """A staffed service point or a self-service terminal, in the public directory."""

    id = UUID(primary_key=True)
    kind = Varchar(length=16, index=True)  # service_point | terminal
    city = Varchar(length=6, index=True)  # region code of the city
    district = Varchar(length=64, default="")
    name = JSON(default={})  # {"zh-Hans", "zh-Hant", "en"}
    address = JSON(default={})
    phone = Varchar(length=32, default="")
    opening_hours = JSON(default=[])  # [{"days": [1..7], "opens": "09:00", "closes": "17:00"}]
    hours_note = JSON(default={})
    services = JSON(default=[])
    facilities = JSON(default=[])
    # ",apply,replace,": searching a JSON list is not portable between SQLite and PostgreSQL.
    service_tags = Varchar(length=400, default="")
    facility_tags = Varchar(length=400, default="")
    search_text = Text(default="")  # case-folded names, addresses and district, for `q`
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    active = Boolean(default=True, index=True)
    version = Integer(default=1)  # every update is a compare-and-set on it
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Ticket(Table, tablename="servicepoints_ticket"):
    """A consultation or complaint, from a holder, the public or a call taken by staff."""

    id = UUID(primary_key=True)
    reference = Varchar(length=16, unique=True)  # what the submitter quotes, e.g. C-261122-7KQ3MZ
    kind = Varchar(length=16)  # consultation | complaint
    subject = Varchar(length=120)
    channel = Varchar(length=16)  # online | phone | counter | terminal
    city = Varchar(length=6, index=True)  # whose staff answer it; 440000: the province
    service_point = ForeignKey(ServicePoint, null=True, default=None, on_delete=OnDelete.restrict)
    account = Varchar(length=64, null=True, default=None, index=True)  # the holder's account, if signed in
    access_hash = Varchar(length=64, null=True, default=None)  # SHA-256 of the follow-up key
    contact = Varchar(length=128, default="")  # how to call back: staff only
    status = Varchar(length=16, index=True)
    version = Integer(default=1)
    recorded_by = Varchar(length=64, null=True, default=None)  # staff who took a phone or counter request
    assigned_to = Varchar(length=64, null=True, default=None, index=True)  # the staff member answering it
    assigned_at = Timestamptz(null=True, default=None)
    due_at = Timestamptz(null=True, default=None, index=True)  # answer by then (deadlines.py); None: before deadlines
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class TicketMessage(Table, tablename="servicepoints_ticket_message"):
    """One message of a ticket's conversation."""

    id = UUID(primary_key=True)
    ticket = ForeignKey(Ticket, null=False, index=True, on_delete=OnDelete.cascade)
    author = Varchar(length=16)  # submitter | staff
    staff_id = Varchar(length=64, null=True, default=None)
    body = Text()
    created_at = Timestamptz()
