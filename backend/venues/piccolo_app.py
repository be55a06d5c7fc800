"""Piccolo app for the venues feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.venues.tables import Venue, Verification

APP_CONFIG = AppConfig(
    app_name="venues",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Venue, Verification],
    migration_dependencies=["backend.org.piccolo_app", "backend.identity.piccolo_app"],
    commands=[],
)
