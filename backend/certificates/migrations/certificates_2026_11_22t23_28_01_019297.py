"""Data step: the first issuing agencies and the four initial certificate types (Art. 7, 9)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T23:28:01:019297"
VERSION = "1.38.0"
DESCRIPTION = "seed initial agencies and certificate types"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def seed() -> None:
        # Idempotent by code: agencies or types an operator already created are left alone.
        from backend.certificates.seed import seed_builtin

        await seed_builtin()

    manager.add_raw(seed)
    return manager
