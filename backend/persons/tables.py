"""The record of merges: which person record was found to be which, by whom, and what moved."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Merge(Table, tablename="persons_merge"):
    """Two person records found to be one person: `absorbed` now points at `survivor`
    (identity_person.merged_into). Kept for ever, with the staff member and office."""

    id = UUID(primary_key=True)
    survivor = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    absorbed = ForeignKey(Person, null=False, unique=True, on_delete=OnDelete.restrict)  # merged once
    reason = Varchar(length=500)
    staff_id = Varchar(length=64)
    office = UUID(null=True, default=None)
    moved = JSON(default={})  # {"documents": n, "cards": n, ...}: rows re-pointed to the survivor
    at = Timestamptz()
