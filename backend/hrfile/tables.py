"""Tables for the HR file's records (append-only; a correction is a new record pointing at the one it corrects)."""

from piccolo.columns import UUID, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Record(Table, tablename="hrfile_record"):
    """One entry of a person's HR file (docs/hrfile.md). Never updated nor deleted: what was
    written stays, and a correction is a new row whose `corrects` names the row it corrects."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=32, index=True)  # hrfile.vocab.KINDS
    data = Text(default="{}")  # JSON: the kind's fields (hrfile/schemas.py, one Struct per kind)
    effective_on = Date()  # the day the fact took effect (registration day, contribution month's first day...)
    source_kind = Varchar(length=16)  # agency | employer | staff | system
    source_id = Varchar(length=64)  # agency / employer / office id
    source_name = Varchar(length=128)  # as the holder should read it
    client_id = Varchar(length=64, default="")  # the credential or staff member that wrote it
    legal_basis = Varchar(length=200)
    # The writer's own reference: (source_id, external_ref) is unique (raw migration), so a retried
    # submission returns the first record instead of writing a second one.
    external_ref = Varchar(length=64, null=True, default=None)
    content_hash = Varchar(length=64, default="")  # sha256 of the canonical record: same ref, other content -> 409
    corrects = UUID(null=True, default=None, index=True)  # the record this one corrects
    correction_reason = Varchar(length=200, default="")
    recorded_at = Timestamptz(index=True)
