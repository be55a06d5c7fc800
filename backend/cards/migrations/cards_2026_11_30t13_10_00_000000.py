"""E-cards record how surely their holder was proven (assurance) and by which route (proofing)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T13:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "E-card assurance: the assurance and proofing columns."


def _params(**given):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(given)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Card",
        tablename="cards_card",
        column_name="assurance",
        db_column_name="assurance",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(default=0),
        schema=None,
    )
    manager.add_column(
        table_class_name="Card",
        tablename="cards_card",
        column_name="proofing",
        db_column_name="proofing",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(default="", length=16),
        schema=None,
    )

    return manager
