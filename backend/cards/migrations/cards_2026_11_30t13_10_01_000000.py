"""E-cards issued before proofing existed are marked legacy (level FAMILY, 1)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T13:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "E-card assurance: e-cards from before proofing are legacy."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cards", description=DESCRIPTION)

    async def legacy() -> None:
        # In its own migration: Piccolo runs raw steps before the column steps of the same one.
        # Legacy e-cards keep working where the lowest level is enough and must be proven again
        # for a scenario that asks more (hotel check-in). The engine is looked up now, not at
        # import: one process may migrate several databases.
        await engine_finder().run_ddl(
            "UPDATE cards_card SET assurance = 1, proofing = 'legacy' WHERE ecard_level > 0 AND assurance = 0"
        )

    manager.add_raw(legacy)
    return manager
