"""The uniqueness that makes payments exactly-once: idempotency keys, instruction numbers, answers, report versions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T19:22:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes over two columns for payments (idempotency keys, instruction seq, answers, reports)."

INDEXES = (
    ("payments_order_agency_key", "payments_order", ("agency", "idempotency_key")),
    ("payments_batch_agency_key", "payments_batch", ("agency", "idempotency_key")),
    ("payments_instruction_order_seq", "payments_instruction", ("order", "seq")),
    ("payments_answer_instruction_outcome", "payments_answer", ("instruction", "outcome")),
    ("payments_bank_report_version", "payments_bank_report", ("bank", "day", "version")),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payments", description=DESCRIPTION)

    async def unique_pairs() -> None:
        # Raw, in its own migration: Piccolo runs raw steps before the column steps of the same
        # migration. The engine is looked up now, not at import: one process may migrate several databases.
        for name, table, columns in INDEXES:
            quoted = ", ".join(f'"{c}"' for c in columns)
            await engine_finder().run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({quoted})')

    manager.add_raw(unique_pairs)
    return manager
