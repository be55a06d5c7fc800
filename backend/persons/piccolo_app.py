"""Piccolo app for the persons feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.persons.tables import Merge

APP_CONFIG = AppConfig(
    app_name="persons",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Merge],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
