"""A unique index on use_key: at most one accepted use of each code, whatever the shared store forgot."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T07:43:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "The durable one-time use of codes: a unique index on use_key."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="venues", description=DESCRIPTION)

    async def unique_use_key() -> None:
        # Raw, in its own migration: Piccolo runs raw steps before the column steps of the same
        # migration, and SQLite cannot add a UNIQUE column. NULLs (every row but a code's
        # accepted use) never clash. The engine is looked up now, not at import: one process
        # may migrate several databases.
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "venues_verification_use_key" ON "venues_verification" ("use_key")'
        )

    manager.add_raw(unique_use_key)
    return manager
