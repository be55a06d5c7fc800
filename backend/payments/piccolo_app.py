"""Piccolo app for the payments feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.payments.tables import AgencyEvent, Answer, BankReport, Batch, Instruction, LedgerEntry, Order

APP_CONFIG = AppConfig(
    app_name="payments",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Batch, Order, Instruction, Answer, LedgerEntry, AgencyEvent, BankReport],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app", "backend.cards.piccolo_app"],
    commands=[],
)
