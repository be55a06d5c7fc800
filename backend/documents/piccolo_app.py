"""Piccolo app for the statements feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.documents.tables import Statement

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Statement],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
