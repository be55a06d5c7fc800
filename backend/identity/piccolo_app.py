"""Piccolo app for the identity feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.identity.tables import Person, PersonDocument

APP_CONFIG = AppConfig(
    app_name="identity",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Person, PersonDocument],
    migration_dependencies=[],
    commands=[],
)
