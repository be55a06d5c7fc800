"""Data step (issue 14): scenarios that ask for more proofing than FAMILY (hotel check-in) get it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scenario proofing levels"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def require_proofing() -> None:
        # A database seeded before issue 14 has hotel check-in without a level (read as FAMILY):
        # a new version with the built-in level is published from now on. A fresh database was
        # seeded with the level already, and nothing happens. Imported here, as the seed step does.
        from backend.catalog.seed import require_proofing_rows

        await require_proofing_rows()

    manager.add_raw(require_proofing)
    return manager
