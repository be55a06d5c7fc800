"""The event outbox: what happened to a holder, written in the change's own transaction."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Event(Table, tablename="events_event"):
    """One change of a holder's card, bank account or certificate (docs/webhooks.md).

    `seq` orders events as they were written; `fanned_out` is a flag per event (not a cursor) so an
    event whose transaction committed after a later one is still fanned out. `data` holds ids and
    states only, never an identity number or an account number.
    """

    seq = Serial(primary_key=True)  # the order of writing; internal (ids that leave are `id`)
    id = UUID(unique=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=32, index=True)  # card.status_changed | card.account_changed | certificate.changed
    data = JSON(default={})
    at = Timestamptz()
    fanned_out = Boolean(default=False, index=True)
