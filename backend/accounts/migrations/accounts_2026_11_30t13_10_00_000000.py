"""Accounts record who proved the person behind them; sessions record their last fresh factor."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T13:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Identity proofing of accounts (assurance, proven_method, proven_at) and step-up (stepped_up_at)."


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
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    columns = (
        ("Account", "accounts_account", "assurance", Integer, _params(default=0)),
        ("Account", "accounts_account", "proven_method", Varchar, _params(default="", length=16)),
        ("Account", "accounts_account", "proven_at", Timestamptz, _params(default=None, null=True)),
        ("Session", "accounts_session", "stepped_up_at", Timestamptz, _params(default=None, null=True)),
    )
    for class_name, tablename, column, column_class, params in columns:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
