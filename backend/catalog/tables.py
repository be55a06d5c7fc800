"""Tables of the catalog: items, their versions, scenario ownership, venue links, the change counter."""

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class CatalogItem(Table, tablename="catalog_item"):
    """A service of the provincial catalog or of one city's catalog; its content lives in versions."""

    id = UUID(primary_key=True)
    code = Varchar(length=64, unique=True)  # public, immutable, e.g. "gd.public_transport"
    scope = Varchar(length=6, index=True)  # 440000 (province) or a city's region code
    # A city item may extend a provincial item (adds scenarios under it, for its city only).
    extends = Varchar(length=64, null=True, default=None)
    versions = Integer(default=0)  # the highest version number given out
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()


class ItemVersion(Table, tablename="catalog_item_version"):
    """One version of an item. Published and withdrawn versions are never changed in content:
    together they are the catalog's public history."""

    id = UUID(primary_key=True)
    item = ForeignKey(CatalogItem, null=False, index=True, on_delete=OnDelete.restrict)
    number = Integer()
    status = Varchar(length=16, index=True)  # draft | review | published | withdrawn
    domain = Varchar(length=32)
    name = JSON(default={})  # {"zh-Hans", "zh-Hant", "en"}
    description = JSON(default={})
    venue_types = JSON(default=[])
    scenarios = JSON(default=[])  # [{name, title, venue_types, attributes, needs_transport, legal_basis}]
    note = Varchar(length=500, default="")  # why this version: shown in the public history
    effective_from = Timestamptz(null=True, default=None)
    effective_to = Timestamptz(null=True, default=None)  # set by a later version or a withdrawal
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()
    submitted_by = Varchar(length=64, null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    returned_note = Varchar(length=500, default="")  # the reviewer's reason for sending it back
    published_by = Varchar(length=64, null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    withdrawn_by = Varchar(length=64, null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    withdraw_reason = Varchar(length=500, default="")


class ScenarioOwner(Table, tablename="catalog_scenario"):
    """Which item a scenario name belongs to. A name is claimed at first publication and never
    passes to another item, so verification records stay readable for ever."""

    name = Varchar(length=64, unique=True)
    item = ForeignKey(CatalogItem, null=False, index=True, on_delete=OnDelete.restrict)


class VenueItem(Table, tablename="catalog_venue_item"):
    """A venue registered under a catalog item (through the item's scenarios it serves)."""

    # The catalog keeps the register; the venue is the venues feature's, which builds on the
    # catalog, so the reference is by name (Piccolo resolves it when the tables load).
    venue: ForeignKey[Table] = ForeignKey(
        LazyTableReference("Venue", module_path="backend.venues.tables"), null=False, index=True, on_delete=OnDelete.cascade
    )
    item = ForeignKey(CatalogItem, null=False, index=True, on_delete=OnDelete.restrict)


class CatalogState(Table, tablename="catalog_state"):
    """One row: the catalog version, raised by every publication and withdrawal (caches key on it)."""

    name = Varchar(length=16, unique=True)
    version = BigInt(default=0)
