"""Piccolo app for the events feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.events.tables import Event

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Event],
    migration_dependencies=["backend.identity.piccolo_app"],
    commands=[],
)
