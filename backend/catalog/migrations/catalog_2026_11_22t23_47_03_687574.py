"""Data step: the built-in verification scenarios become the initial provincial catalog."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T23:47:03:687574"
VERSION = "1.38.0"
DESCRIPTION = "seed initial catalog"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def seed() -> None:
        # Published and in effect since the regulation came into force (2024-11-01), so every
        # deployment and every test database starts with the scenarios venues already use.
        # Idempotent: scenarios an item already owns are skipped.
        from backend.catalog.seed import seed_rows

        await seed_rows()

    manager.add_raw(seed)
    return manager
