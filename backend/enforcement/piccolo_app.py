"""Piccolo app for the enforcement feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.enforcement.tables import Case, CaseStep, CorrectionOrder, CreditRecord, OrderStep, Signal

APP_CONFIG = AppConfig(
    app_name="enforcement",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Signal, Case, CaseStep, CreditRecord, CorrectionOrder, OrderStep],
    migration_dependencies=[],
    commands=[],
)
