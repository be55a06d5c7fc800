"""Every person's document becomes their first PersonDocument row (the look-ups search only those)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T12:37:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "Copy each person's document into identity_person_document."

# The person's own id serves as the document row's id: unique, a valid UUID on both databases,
# and no UUID function needed (SQLite has none). Running it twice copies nothing twice.
COPY = """
INSERT INTO identity_person_document
    (id, person, doc_type, id_cipher, id_blind, name, region, how, added_at, added_by)
SELECT p.id, p.id, p.doc_type, p.id_cipher, p.id_blind, p.name, p.region, 'migrated', p.created_at, ''
FROM identity_person p
WHERE NOT EXISTS (SELECT 1 FROM identity_person_document d WHERE d.id_blind = p.id_blind)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)

    async def copy() -> None:
        # In its own migration: Piccolo runs raw steps before the table steps of the same one.
        # The engine is looked up now, not at import: one process may migrate several databases.
        await engine_finder().run_ddl(COPY)

    manager.add_raw(copy)
    return manager
