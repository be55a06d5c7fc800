"""A writer's reference names one record: (source_id, external_ref) unique, so a retried submission cannot write twice."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T22:49:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique index over (source_id, external_ref) of hrfile_record."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hrfile", description=DESCRIPTION)

    async def unique_reference() -> None:
        # Raw, in its own migration: Piccolo runs raw steps before the column steps of the same
        # migration. Records without a reference (NULL) are not constrained, on both databases.
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "hrfile_record_source_ref" ON "hrfile_record" ("source_id", "external_ref")'
        )

    manager.add_raw(unique_reference)
    return manager
