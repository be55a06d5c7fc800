"""Piccolo app for the audit feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.audit.tables import AccessEntry, Anchor

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[AccessEntry, Anchor],
    migration_dependencies=[],
    commands=[],
)
