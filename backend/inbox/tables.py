"""The holder's inbox (notices, with their push state: the outbox) and their browsers' push subscriptions."""

from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Notice(Table, tablename="inbox_notice"):
    """One thing the holder is told (a loss report, a new device, an agency's query...).

    `params` is JSON text: the few facts the wallet words the notice with, never an identity
    number. The push columns make the table its own outbox: a notice with push_state `pending`
    and push_next_at passed is due to be pushed (docs/inbox.md).
    """

    id = UUID(primary_key=True)
    # The inbox goes with the person; CASCADE, as nothing else points at a notice.
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.cascade)
    event = Varchar(length=64)
    params = Text(default="{}")
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)
    push_state = Varchar(length=16, default="pending", index=True)  # pending | sent | none | failed | expired
    push_attempts = Integer(default=0)
    push_next_at = Timestamptz(null=True, default=None)  # due (or leased by a sender until then)
    push_done = Text(default="")  # ids of the subscriptions already reached, comma-separated (retries skip them)


class PushSubscription(Table, tablename="inbox_push_subscription"):
    """A browser's Web Push subscription (PushSubscription.toJSON()) for one person's notices."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.cascade)
    account = UUID(index=True)  # the citizen account that subscribed (accounts sit above inbox: no FK)
    # A browser's endpoint is unique to it: the same endpoint subscribing again (another person
    # signed in on that browser) moves the subscription, so notices never reach the previous holder.
    endpoint = Text()
    endpoint_hash = Varchar(length=64, unique=True)  # sha256 of the endpoint: the unique key
    p256dh = Varchar(length=96)  # the browser's P-256 key, base64url (65 bytes)
    auth = Varchar(length=32)  # the 16-byte auth secret, base64url
    lang = Varchar(length=8, default="zh-Hans")  # the language of the pushed text
    created_at = Timestamptz()
    last_ok_at = Timestamptz(null=True, default=None)
    gone_at = Timestamptz(null=True, default=None)  # the push service answered 404/410: never used again
