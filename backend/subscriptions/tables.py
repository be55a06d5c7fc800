"""Agencies' subscriptions and the deliveries fanned out to them."""

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Agency


class Subscription(Table, tablename="subscriptions_subscription"):
    """One agency's standing request for events (docs/webhooks.md): pushed to `url` as signed
    webhooks, or pulled from the feed when `url` is empty.

    `last_seq` allocates the deliveries' per-subscription sequence under this row's lock; `lease_*`
    says which delivery worker is sending for it now (one at a time, so deliveries go in order).
    """

    id = UUID(primary_key=True)
    agency = ForeignKey(Agency, null=False, index=True, on_delete=OnDelete.restrict)
    created_by = Varchar(length=64)  # the agency client that created it
    url = Varchar(length=2000, default="")  # "" = pull only
    event_types = JSON(default=[])
    description = Varchar(length=200, default="")
    legal_basis = Varchar(length=200, default="")  # statute and article, for statutory certificate events
    state = Varchar(length=16, default="active", index=True)  # active | paused | failing
    secret = Text()  # the current signing secret, sealed (AES-GCM under a key derived from the keyring's pii key)
    previous_secret = Text(default="")  # the one before a rotation, still signing until previous_until
    previous_until = Timestamptz(null=True, default=None)
    last_seq = BigInt(default=0)
    lease_until = Timestamptz(null=True, default=None)
    lease_by = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Delivery(Table, tablename="subscriptions_delivery"):
    """One event for one subscription, with the basis the agency had for its holder at the event's time.

    `id` is the `webhook-id` (the same on every retry, so receivers drop duplicates). `slot` and
    `once` are unique: one delivery per (subscription, seq) and per (subscription, event).
    """

    id = UUID(primary_key=True)
    subscription = ForeignKey(Subscription, null=False, index=True, on_delete=OnDelete.cascade)
    seq = BigInt()
    slot = Varchar(length=64, unique=True)  # "<subscription>:<seq>"
    once = Varchar(length=80, unique=True)  # "<subscription>:<event id>"
    event = UUID()  # events_event.id
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=32)
    body = Text()  # the exact JSON that is signed and sent (and served by the feed)
    basis_kind = Varchar(length=16)  # statute | consent
    basis_ref = Varchar(length=200)
    state = Varchar(length=16, index=True)  # pending | delivered | dead | feed (pull-only) | withdrawn (basis gone)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_status = SmallInt(default=0)  # the receiver's HTTP status, 0 when none came back
    last_error = Varchar(length=300, default="")
    delivered_at = Timestamptz(null=True, default=None)
    event_at = Timestamptz()
    created_at = Timestamptz()
