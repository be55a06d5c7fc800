"""Piccolo app for the HR file feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.hrfile.tables import Record

APP_CONFIG = AppConfig(
    app_name="hrfile",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Record],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
